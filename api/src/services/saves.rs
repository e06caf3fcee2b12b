//! Saved posts (DESIGN.md section 21): a person's own list of posts to come back to, most
//! recently saved first. Saving and unsaving are idempotent.

use super::{App, Page, Refusal, User};
use crate::{
    error::AppError,
    storage::{
        posts::Summary,
        saves::{self, Saving},
    },
};

/// There is no such post, or a moderator removed it.
#[derive(Debug, PartialEq, Eq)]
pub struct NoSuchPost;

/// Saves `post` for `user`.
pub async fn save(app: &App, user: &User, post: i32) -> Result<Result<(), NoSuchPost>, AppError> {
    let now = app.now();
    let written = app.db.write(async |tx| settle(saves::save(tx, user.id, post, now).await?)).await;
    Refusal::split(written)
}

/// Takes `post` out of `user`'s saved posts.
pub async fn unsave(app: &App, user: &User, post: i32) -> Result<Result<(), NoSuchPost>, AppError> {
    let written = app.db.write(async |tx| settle(saves::unsave(tx, user.id, post).await?)).await;
    Refusal::split(written)
}

/// A refused save leaves its transaction to be abandoned (on PostgreSQL a refused insert spoils it).
fn settle(saving: Saving) -> Result<(), Refusal<NoSuchPost>> {
    match saving {
        Saving::Done => Ok(()),
        Saving::NoSuchPost => Err(Refusal::Refused(NoSuchPost)),
    }
}

/// A page of the posts `user` saved, as `user` sees them: read afresh, never cached (it is one
/// person's).
pub async fn list(app: &App, user: &User, page: u32, per_page: u32) -> Result<Page<Summary>, AppError> {
    let (items, total) = saves::page(&app.db, user.id, page.into(), per_page.into()).await?;
    Ok(Page { items, page, per_page, total })
}
