//! Posts (DESIGN.md sections 3, 11, 14, 15): listing them, one with its thread, posting,
//! retitling and deleting.

use bytes::Bytes;

use super::{
    App, Denied, Page, Refusal, User, Viewer,
    limits::{self, Limit},
};
use crate::{
    db::{Answer, AnswerKey, Ranking},
    domain::{PostTitle, PostUrl, links},
    error::AppError,
    storage::posts::{self, Filter, Order, PageQuery, Removed},
};

pub use crate::storage::{comments::Row as CommentRow, posts::Summary};

/// A link posted again within this long is refused as a duplicate.
const DUPLICATE_WINDOW: chrono::Duration = chrono::Duration::days(30);

/// How a listing is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// Newest first.
    New,
    /// Highest hotness first.
    Hot,
    /// Most votes first, among the posts of the last `period` (all of them with `None`).
    Top { period: Option<chrono::Duration> },
}

/// Which page of posts, in which order.
#[derive(Clone, Debug)]
pub struct Listing {
    pub page: u32,
    pub per_page: u32,
    pub sort: Sort,
    /// Only this author's posts.
    pub author: Option<i32>,
    /// Only the posts of this link, compared normalised.
    pub url: Option<String>,
}

/// A page of posts in the order `listing` asks, rendered by `render`. Pages of the orders only
/// writes change (newest, hottest, most voted ever) are cached per viewer.
pub async fn list(
    app: &App,
    viewer: &Viewer,
    listing: Listing,
    render: impl FnOnce(Page<Summary>) -> Bytes,
) -> Result<Bytes, AppError> {
    let Listing { page, per_page, sort, author, url } = listing;
    let url_key = url.as_deref().map(links::key);
    let (order, ranking) = match sort {
        Sort::New => (Order::Newest, Some(Ranking::Newest)),
        Sort::Hot => (Order::Hottest, Some(Ranking::Hottest)),
        Sort::Top { period: None } => (Order::MostVoted { since: None }, Some(Ranking::MostVotedEver)),
        Sort::Top { period: Some(length) } => (Order::MostVoted { since: Some(app.now() - length) }, None),
    };
    // A link's posts are read afresh every time: nothing caches them.
    let ranking = ranking.filter(|_| url_key.is_none());
    let read = async {
        let query = PageQuery {
            page: page.into(),
            per_page: per_page.into(),
            filter: Filter { order, author, url_key },
        };
        let (items, total) = posts::page_and_total(&app.db, &query, viewer.id()).await?;
        Ok::<_, AppError>(Some(render(Page { items, page, per_page, total })))
    };
    let page = match ranking {
        Some(order) => {
            let key =
                AnswerKey { viewer: viewer.id(), answer: Answer::Page { page, per_page, author, order } };
            app.db.cached(viewer.changes, key, read).await?
        }
        None => read.await?,
    };
    page.ok_or(AppError::NotFound)
}

/// A post and its whole thread, as one viewer may see it.
pub struct Thread {
    pub post: Summary,
    /// In display order.
    pub comments: Vec<CommentRow>,
    /// Whether the viewer moderates (sees what moderators removed).
    pub staff: bool,
}

/// Post `id` with its thread, rendered by `render`, cached per viewer; `None` if there is no
/// such post, or a moderator removed it and the viewer does not moderate.
pub async fn get(
    app: &App,
    viewer: &Viewer,
    id: i32,
    render: impl FnOnce(Thread) -> Bytes,
) -> Result<Option<Bytes>, AppError> {
    let staff = viewer.is_staff();
    let read = async {
        let removed = if staff { Removed::Shown } else { Removed::Hidden };
        let Some((post, comments)) = posts::with_thread(&app.db, id, viewer.id(), removed).await? else {
            return Ok(None);
        };
        Ok::<_, AppError>(Some(render(Thread { post, comments, staff })))
    };
    app.db.cached(viewer.changes, AnswerKey { viewer: viewer.id(), answer: Answer::Post(id) }, read).await
}

/// The link was posted in the last 30 days (and not removed): this post has it.
#[derive(Debug, PartialEq, Eq)]
pub struct AlreadyPosted(pub i32);

/// Posts a link for `user`, counted by the posts limit (`POST_RATE`); a link posted in the last
/// 30 days (compared normalised) is refused with the existing post.
pub async fn create(
    app: &App,
    user: &User,
    title: PostTitle,
    url: PostUrl,
) -> Result<Result<Summary, AlreadyPosted>, AppError> {
    let now = app.now();
    let limit = Limit::of(app.config.post_rate, "post");
    let url_key = links::key(url.as_str());
    let written = app
        .db
        .write(async |tx| {
            limits::take(tx, limit, &user.id.to_string(), now).await?;
            if let Some(post) = posts::recent_with_link(tx, &url_key, now - DUPLICATE_WINDOW).await? {
                return Err(Refusal::Refused(AlreadyPosted(post)));
            }
            Ok(posts::create(tx, user.id, title, url, now).await?)
        })
        .await;
    let id = match Refusal::split(written)? {
        Ok(id) => id,
        Err(already) => return Ok(Err(already)),
    };
    let created = posts::summary(&app.db, id, Some(user.id), Removed::Shown).await?;
    Ok(Ok(created.ok_or(AppError::NotFound)?))
}

/// Retitles post `id`, only for its author. `title` is the body as parsed: its refusal (422)
/// comes after 404 and 403.
pub async fn update(
    app: &App,
    user: &User,
    id: i32,
    title: Result<PostTitle, AppError>,
) -> Result<Result<Summary, Denied>, AppError> {
    if let Err(denied) = authored(app, user, id).await? {
        return Ok(Err(denied));
    }
    let title = title?;
    let now = app.now();
    if !app.db.write(async |tx| posts::retitle(tx, id, user.id, title, now).await).await? {
        return Ok(Err(Denied::NotFound));
    }
    Ok(posts::summary(&app.db, id, Some(user.id), Removed::Hidden).await?.ok_or(Denied::NotFound))
}

/// Deletes post `id` with its comments and votes, only for its author.
pub async fn delete(app: &App, user: &User, id: i32) -> Result<Result<(), Denied>, AppError> {
    if let Err(denied) = authored(app, user, id).await? {
        return Ok(Err(denied));
    }
    let deleted = app.db.write(async |tx| posts::delete(tx, id, user.id).await).await?;
    Ok(if deleted { Ok(()) } else { Err(Denied::NotFound) })
}

/// Whether post `id` is there and `user` wrote it.
async fn authored(app: &App, user: &User, id: i32) -> Result<Result<(), Denied>, AppError> {
    Ok(Denied::unless_author(posts::author_of(&app.db, id).await?, user))
}
