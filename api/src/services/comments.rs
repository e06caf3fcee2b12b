//! Comments (DESIGN.md section 12): writing one (at top level or as a reply), editing and
//! deleting one's own.

use chrono::{DateTime, Utc};

use super::{
    App, Denied, Refusal, User,
    limits::{self, Limit},
};
use crate::{
    domain::CommentText,
    error::AppError,
    storage::comments::{self, Created},
};

pub use crate::storage::comments::Row;

/// A new comment as written.
#[derive(Debug, PartialEq, Eq)]
pub struct Written {
    pub id: i32,
    pub depth: i32,
    /// `text` rendered and sanitised.
    pub html: String,
    pub created_at: DateTime<Utc>,
}

/// There is no such post (or it was removed).
#[derive(Debug, PartialEq, Eq)]
pub struct NoSuchPost;

/// Writes a comment by `user` on `post`, answering `parent` if given (a comment on the same
/// post, at most 8 deep: else 422 naming `parent_id`). Counted by the comments limit
/// (`COMMENT_RATE`).
pub async fn create(
    app: &App,
    user: &User,
    post: i32,
    parent: Option<i32>,
    text: &CommentText,
) -> Result<Result<Written, NoSuchPost>, AppError> {
    super::may_contribute(app, user)?;
    let now = app.now();
    let limit = Limit::of(app.config.comment_rate, "comment");
    let written = app
        .db
        .write(async |tx| {
            limits::take(tx, limit, &user.id.to_string(), now).await?;
            match comments::create(tx, user.id, post, parent, text, now).await? {
                Created::Added { id, depth, html } => Ok(Written { id, depth, html, created_at: now }),
                refused => Err(Refusal::Refused(refused)),
            }
        })
        .await;
    let refused = match Refusal::split(written)? {
        Ok(written) => return Ok(Ok(written)),
        // The post or the parent went while this was written: read which, afresh.
        Err(Created::Gone) => {
            comments::why_not(&app.db, post, "there is no such comment on this post").await?
        }
        Err(refused) => refused,
    };
    match refused {
        Created::BadParent(why) => Err(AppError::validation("parent_id", why)),
        _ => Ok(Err(NoSuchPost)),
    }
}

/// Replaces the text of comment `id`, only for its author, and marks it edited. `text` is the
/// body as parsed: its refusal (422) comes after 404 and 403.
pub async fn update(
    app: &App,
    user: &User,
    id: i32,
    text: Result<CommentText, AppError>,
) -> Result<Result<Row, Denied>, AppError> {
    if let Err(denied) = authored(app, user, id).await? {
        return Ok(Err(denied));
    }
    let text = text?;
    let now = app.now();
    if !app.db.write(async |tx| comments::edit(tx, id, user.id, &text, now).await).await? {
        return Ok(Err(Denied::NotFound));
    }
    Ok(comments::one(&app.db, id).await?.ok_or(Denied::NotFound))
}

/// Deletes comment `id`, only for its author: a comment with replies keeps its place in the
/// thread as a placeholder, one without replies is gone.
pub async fn delete(app: &App, user: &User, id: i32) -> Result<Result<(), Denied>, AppError> {
    if let Err(denied) = authored(app, user, id).await? {
        return Ok(Err(denied));
    }
    let deleted = app.db.write(async |tx| comments::delete(tx, id, user.id).await).await?;
    Ok(if deleted { Ok(()) } else { Err(Denied::NotFound) })
}

/// Whether comment `id` is there (neither a placeholder nor removed) and `user` wrote it.
async fn authored(app: &App, user: &User, id: i32) -> Result<Result<(), Denied>, AppError> {
    Ok(Denied::unless_author(comments::author_of(&app.db, id).await?, user))
}
