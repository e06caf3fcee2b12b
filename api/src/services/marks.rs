//! Saved and hidden posts (DESIGN.md section 21): a person's own marks on posts. Saved posts are
//! kept to come back to; hidden ones are left out of that person's listings and search (not out
//! of the post's own page). Marking and unmarking are idempotent.

use super::{App, Page, Refusal, User};
use crate::{
    error::AppError,
    storage::{
        marks::{self, Marking},
        posts::Summary,
    },
};

pub use crate::storage::marks::Mark;

/// There is no such post, or a moderator removed it.
#[derive(Debug, PartialEq, Eq)]
pub struct NoSuchPost;

/// Marks `post` as `mark` for `user`.
pub async fn mark(app: &App, user: &User, mark: Mark, post: i32) -> Result<Result<(), NoSuchPost>, AppError> {
    let now = app.now();
    let written = app.db.write(async |tx| settle(marks::mark(tx, mark, user.id, post, now).await?)).await;
    Refusal::split(written)
}

/// Takes `mark` off `post` for `user`.
pub async fn unmark(
    app: &App,
    user: &User,
    mark: Mark,
    post: i32,
) -> Result<Result<(), NoSuchPost>, AppError> {
    let written = app.db.write(async |tx| settle(marks::unmark(tx, mark, user.id, post).await?)).await;
    Refusal::split(written)
}

/// A refused mark leaves its transaction to be abandoned (on PostgreSQL a refused insert spoils it).
fn settle(marking: Marking) -> Result<(), Refusal<NoSuchPost>> {
    match marking {
        Marking::Done => Ok(()),
        Marking::NoSuchPost => Err(Refusal::Refused(NoSuchPost)),
    }
}

/// A page of the posts `user` marked as `mark`, most recently marked first, as `user` sees them:
/// read afresh, never cached (it is one person's).
pub async fn list(
    app: &App,
    user: &User,
    mark: Mark,
    page: u32,
    per_page: u32,
) -> Result<Page<Summary>, AppError> {
    let (items, total) = marks::page(&app.db, mark, user.id, page.into(), per_page.into()).await?;
    Ok(Page { items, page, per_page, total })
}
