//! Tags (DESIGN.md section 21): admins keep them; anyone lists them; each person may filter some
//! out of every listing of theirs (`services::posts`, `services::search`).

use bytes::Bytes;

use super::{
    App, User,
    posts::{few, known},
};
use crate::{
    db::{Answer, AnswerKey},
    domain::{TagDescription, TagName},
    error::AppError,
    storage::tags,
};

pub use crate::storage::tags::Tag;

/// A tag of that name exists already.
#[derive(Debug, PartialEq, Eq)]
pub struct TagExists;

/// Every tag by name with its count of posts, rendered by `render`, cached (for no viewer) until
/// the next change of content.
pub async fn list(
    app: &App,
    changes: Option<i64>,
    render: impl FnOnce(Vec<Tag>) -> Bytes,
) -> Result<Bytes, AppError> {
    let read = async { Ok::<_, AppError>(Some(render(tags::list(&app.db).await?))) };
    let listed = app.db.cached(changes, AnswerKey { viewer: None, answer: Answer::Tags }, read).await?;
    listed.ok_or(AppError::NotFound)
}

/// Adds a tag (the caller is an admin).
pub async fn create(
    app: &App,
    name: TagName,
    description: TagDescription,
) -> Result<Result<Tag, TagExists>, AppError> {
    let now = app.now();
    let lookup = name.clone();
    if !app.db.write(async |tx| tags::create(tx, name, description, now).await).await? {
        return Ok(Err(TagExists));
    }
    tags::one(&app.db, lookup.as_str()).await?.map(Ok).ok_or(AppError::NotFound)
}

/// Describes a tag anew (the caller is an admin); `None` if there is no such tag.
pub async fn describe(
    app: &App,
    name: &TagName,
    description: TagDescription,
) -> Result<Option<Tag>, AppError> {
    if !app.db.write(async |tx| tags::describe(tx, name, description).await).await? {
        return Ok(None);
    }
    Ok(tags::one(&app.db, name.as_str()).await?)
}

/// Deletes a tag (the caller is an admin): it leaves its posts and every filter at once.
/// `false` if there is no such tag.
pub async fn delete(app: &App, name: &TagName) -> Result<bool, AppError> {
    Ok(app.db.write(async |tx| tags::delete(tx, name).await).await?)
}

/// The tags `user` filters out, by name: read afresh (it is one person's).
pub async fn filters(app: &App, user: &User) -> Result<Vec<String>, AppError> {
    Ok(tags::filters(&app.db, user.id).await?)
}

/// Makes `names` exactly the tags `user` filters out (422 naming `tags` for one that does not
/// exist); returns them as stored.
pub async fn set_filters(app: &App, user: &User, names: Vec<TagName>) -> Result<Vec<String>, AppError> {
    let names = few(names, MAX_FILTERS, &format!("at most {MAX_FILTERS} tags"))?;
    app.db
        .write(async |tx| {
            let ids = known(tx, &names).await?;
            tags::set_filters(tx, user.id, &ids).await?;
            Ok::<_, AppError>(())
        })
        .await?;
    filters(app, user).await
}

/// How many tags one person may filter.
pub const MAX_FILTERS: usize = 100;
