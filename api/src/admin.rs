//! What the command line does to the community (`just-tech-news admin ...`): the first admin
//! has to come from somewhere.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use crate::{
    auth::roles::Role,
    cache::Counter,
    news::{moderation, people},
};

/// Gives `username` (any case) `role`, logged as done from the command line; answers the role
/// they had, or `None` if there is no such user. No server keeps a role in memory across this:
/// an embedded database is only changed with its server stopped, and on a database server the
/// change counter is advanced after the commit, so every running instance forgets the answers
/// it rendered for the old role (`cache::counter`); sessions are not kept there.
pub async fn grant(
    db: &DatabaseConnection,
    username: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Option<Role>, DbErr> {
    let Some(id) = people::id_of(db, username).await? else { return Ok(None) };
    let changed = moderation::change_role(db, None, id, role, now).await?;
    if let (Some(_), Some(counter)) = (&changed, Counter::of(db, None)) {
        counter.advance().await?;
    }
    Ok(changed.map(|(before, _)| before))
}
