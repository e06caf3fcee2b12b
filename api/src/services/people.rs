//! People's pages (DESIGN.md section 13): who someone is and what they have done, counted
//! exactly.

use chrono::{DateTime, Utc};

use super::{App, Page};
use crate::{
    domain::Ban,
    error::AppError,
    storage::{accounts, comments},
};

pub use crate::storage::comments::WithPost as UserComment;

/// A person as everyone may see them.
pub struct PublicProfile {
    pub id: i32,
    pub username: String,
    pub created_at: DateTime<Utc>,
    /// Upvotes received on their posts.
    pub karma: i64,
    pub post_count: i64,
    pub comment_count: i64,
    /// `user`, `moderator` or `admin`.
    pub role: String,
    /// Who invited them (id and name), if anyone did and is still here.
    pub invited_by: Option<(i32, String)>,
    /// Their ban, while one is in force.
    pub ban: Option<Ban>,
}

/// The profile of the person with this name (ignoring case), if there is one.
pub async fn profile(app: &App, username: &str) -> Result<Option<PublicProfile>, AppError> {
    let Some(row) = accounts::profile(&app.db, username).await? else { return Ok(None) };
    let invited_by = accounts::inviter_of(&app.db, row.id).await?;
    let ban = Ban::from_columns(row.banned_at, row.banned_until, row.ban_reason, app.now());
    Ok(Some(PublicProfile {
        id: row.id,
        username: row.username,
        created_at: row.created_at,
        karma: row.karma,
        post_count: row.post_count,
        comment_count: row.comment_count,
        role: row.role,
        invited_by,
        ban,
    }))
}

/// A page of the comments of the person with this name, newest first, each with its post's
/// title; `None` if there is no such person.
pub async fn comments(
    app: &App,
    username: &str,
    page: u32,
    per_page: u32,
) -> Result<Option<Page<UserComment>>, AppError> {
    let Some(author) = accounts::id_of(&app.db, username).await? else { return Ok(None) };
    let items = comments::by_author(&app.db, author, page.into(), per_page.into()).await?;
    let total = comments::count_by_author(&app.db, author).await?;
    Ok(Some(Page { items, page, per_page, total }))
}
