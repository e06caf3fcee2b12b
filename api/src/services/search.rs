//! Search (DESIGN.md section 17): posts whose title or site has every word of the query.

use std::sync::Arc;

use bytes::Bytes;

use super::{App, Page, Viewer, posts::Summary};
use crate::{
    db::{Answer, AnswerKey},
    error::AppError,
    storage::{posts, search},
};

/// A page of the posts the query `q` finds (but those the viewer hid or people they muted
/// wrote), best match first, rendered by `render`; cached per viewer like the listings. An empty
/// query, one over 200 characters, or `domain:` without a site is refused (422, `q`).
pub async fn search(
    app: &App,
    viewer: &Viewer,
    q: &str,
    page: u32,
    per_page: u32,
    render: impl FnOnce(Page<Summary>) -> Bytes,
) -> Result<Bytes, AppError> {
    let query = search::Query::parse(q).map_err(|err| AppError::validation("q", err.to_string()))?;
    let query = Arc::new(query);
    let read = async {
        let (ids, total) = search::page(&app.db, &query, viewer.id(), page.into(), per_page.into()).await?;
        let items = posts::summaries_of(&app.db, &ids, viewer.id()).await?;
        Ok::<_, AppError>(Some(render(Page { items, page, per_page, total })))
    };
    let key =
        AnswerKey { viewer: viewer.id(), answer: Answer::Search { query: query.clone(), page, per_page } };
    app.db.cached(viewer.changes, key, read).await?.ok_or(AppError::NotFound)
}
