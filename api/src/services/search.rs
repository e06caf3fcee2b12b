//! Search (DESIGN.md sections 17 and 21): posts whose title, site or text has every word of
//! the query.

use std::sync::Arc;

use bytes::Bytes;

use super::{
    App, Page, Viewer,
    posts::{self as listings, Summary},
};
use crate::{
    db::{Answer, AnswerKey},
    domain::TagName,
    error::AppError,
    storage::{posts, search},
};

/// A page of the posts the query `q` finds (but those the viewer hid, people they muted wrote,
/// or carrying a tag they filter or `exclude` names), best match first, rendered by `render`; cached per viewer like the listings. An empty
/// query, one over 200 characters, or `domain:` without a site is refused (422, `q`).
pub async fn search(
    app: &App,
    viewer: &Viewer,
    q: &str,
    page: u32,
    per_page: u32,
    exclude: Vec<TagName>,
    render: impl FnOnce(Page<Summary>) -> Bytes,
) -> Result<Bytes, AppError> {
    let query = search::Query::parse(q).map_err(|err| AppError::validation("q", err.to_string()))?;
    let query = Arc::new(query);
    let exclude = listings::names(exclude);
    let read = async {
        let (ids, total) =
            search::page(&app.db, &query, viewer.id(), &exclude, page.into(), per_page.into()).await?;
        let items = posts::summaries_of(&app.db, &ids, viewer.id()).await?;
        Ok::<_, AppError>(Some(render(Page { items, page, per_page, total })))
    };
    let answer = Answer::Search { query: query.clone(), page, per_page, exclude: exclude.clone() };
    let key = AnswerKey { viewer: viewer.id(), answer };
    app.db.cached(viewer.changes, key, read).await?.ok_or(AppError::NotFound)
}
