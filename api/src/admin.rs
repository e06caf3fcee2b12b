//! What the command line does to the community (`just-tech-news admin ...`): the first admin
//! has to come from somewhere.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use crate::{
    auth::roles::Role,
    news::{moderation, people},
};

/// Gives `username` (any case) `role`, logged as done from the command line; answers the role
/// they had, or `None` if there is no such user. No server keeps roles in memory across this:
/// an embedded database is only changed with its server stopped, and servers of a database
/// server keep nothing.
pub async fn grant(
    db: &DatabaseConnection,
    username: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Option<Role>, DbErr> {
    let Some(id) = people::id_of(db, username).await? else { return Ok(None) };
    let changed = moderation::change_role(db, None, id, role, now).await?;
    Ok(changed.map(|(before, _)| before))
}
