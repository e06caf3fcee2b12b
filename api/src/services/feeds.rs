//! Atom feeds (DESIGN.md sections 17, 21 and 22): the hot and new listings, each person's posts and
//! each tag's, 30 entries each, cached like a page of the API, for no viewer; and a person's
//! private feeds, behind the secret of their URL: their front page and their inbox, read afresh.

use bytes::Bytes;

use super::{App, notifications::Row, posts::Summary};
use crate::{
    db::{Answer, AnswerKey},
    domain::FeedToken,
    error::AppError,
    storage::{
        accounts,
        notifications::{self, Only},
        posts::{self, Filter, Order, PageQuery},
        tags::{self, Excluded},
        tokens,
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

/// A person's private feed, by the secret in its URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Private {
    /// Their hot page, with their filters, hidden posts and muted people applied.
    Front,
    /// Their notifications, newest first.
    Inbox,
}

/// What a private feed shows.
pub enum PrivateFeed {
    Front(Vec<Summary>),
    Inbox(Vec<Row>),
}

/// The private feed `which` of the person whose feed token is `token`, rendered by `render`;
/// `None` for a token that is no one's (or a banned person's). Never cached: it is one person's,
/// and a feed reader asks for it seldom.
pub async fn private(
    app: &App,
    token: &str,
    which: Private,
    render: impl FnOnce(PrivateFeed) -> Bytes,
) -> Result<Option<Bytes>, AppError> {
    let Some(token) = FeedToken::parse(token) else { return Ok(None) };
    let Some(owner) = tokens::feed_owner(&app.db, &token.hash(), app.now()).await? else { return Ok(None) };
    let feed = match which {
        Private::Front => {
            let excluded = Excluded { viewer: Some(owner), names: Vec::new(), except: None };
            let filter = Filter { order: Order::Hottest, author: None, url_key: None, tag: None, excluded };
            let query = PageQuery { page: 1, per_page: ENTRIES, filter };
            PrivateFeed::Front(posts::page(&app.db, &query, Some(owner)).await?)
        }
        Private::Inbox => {
            PrivateFeed::Inbox(notifications::page(&app.db, owner, Only::All, 1, ENTRIES).await?)
        }
    };
    Ok(Some(render(feed)))
}
