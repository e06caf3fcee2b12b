//! Atom feeds (DESIGN.md sections 17 and 21): the hot and new listings, each person's posts and
//! each tag's, 30 entries each, cached like a page of the API, for no viewer.

use bytes::Bytes;

use super::{App, posts::Summary};
use crate::{
    db::{Answer, AnswerKey},
    error::AppError,
    storage::{
        accounts,
        posts::{self, Filter, Order, PageQuery},
        tags::{self, Excluded},
    },
};

pub use crate::db::FeedOf;

/// How many entries a feed holds.
pub const ENTRIES: u64 = 30;

/// What a feed shows.
pub struct Feed {
    pub posts: Vec<Summary>,
    /// For a person's feed, their name as they wrote it.
    pub author: Option<String>,
}

/// The feed `of` names, rendered by `render`; `None` for a person or a tag that does not exist.
pub async fn feed(
    app: &App,
    of: FeedOf,
    render: impl FnOnce(Feed) -> Bytes,
) -> Result<Option<Bytes>, AppError> {
    let key = AnswerKey { viewer: None, answer: Answer::Feed(of.clone()) };
    let read = async {
        let (order, author, tag) = match &of {
            FeedOf::Hot => (Order::Hottest, None, None),
            FeedOf::New => (Order::Newest, None, None),
            FeedOf::Author(username) => match accounts::name_and_id(&app.db, username).await? {
                Some(found) => (Order::Newest, Some(found), None),
                None => return Ok(None),
            },
            FeedOf::Tag(name) => match tags::id_of(&app.db, name).await? {
                Some(id) => (Order::Newest, None, Some(id)),
                None => return Ok(None),
            },
        };
        let filter = Filter {
            order,
            author: author.as_ref().map(|(id, _)| *id),
            url_key: None,
            tag,
            excluded: Excluded::default(),
        };
        let posts = posts::page(&app.db, &PageQuery { page: 1, per_page: ENTRIES, filter }, None).await?;
        Ok::<_, AppError>(Some(render(Feed { posts, author: author.map(|(_, name)| name) })))
    };
    app.db.cached(None, key, read).await
}
