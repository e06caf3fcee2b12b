//! Posts (DESIGN.md sections 3, 11, 14, 15, 21): listing them (by tag too, and without the tags
//! a reader leaves out), one with its thread, posting links and texts with their tags, editing
//! and deleting.

use bytes::Bytes;

use super::{
    App, Denied, Page, Refusal, User, Viewer,
    limits::{self, Limit},
};
use crate::{
    db::{Answer, AnswerKey, Ranking},
    domain::{PostText, PostTitle, PostUrl, TagName, links},
    error::AppError,
    storage::{
        posts::{self, Content, Filter, Order, PageQuery, Removed},
        tags::{self, Excluded},
    },
};

pub use crate::storage::{
    comments::Row as CommentRow,
    posts::{Body, Summary},
};

/// How many tags a post may carry.
pub const MAX_TAGS: usize = 3;

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
    /// Only the posts carrying this tag.
    pub tag: Option<TagName>,
    /// Leave out the posts carrying any of these tags (beside a logged-in viewer's filters).
    pub exclude: Vec<TagName>,
}

/// A page of posts in the order `listing` asks, rendered by `render`, without the posts that
/// carry a tag the viewer filters (but in a listing of their own posts) or `listing` excludes
/// (but for a tag page's own tag); `None`
/// for the page of a tag that does not exist. Pages of the orders only writes change (newest,
/// hottest, most voted ever) are cached per viewer.
pub async fn list(
    app: &App,
    viewer: &Viewer,
    listing: Listing,
    render: impl FnOnce(Page<Summary>) -> Bytes,
) -> Result<Option<Bytes>, AppError> {
    let Listing { page, per_page, sort, author, url, tag, exclude } = listing;
    let exclude = names(exclude);
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
        let tag = match &tag {
            Some(name) => match tags::id_of(&app.db, name.as_str()).await? {
                Some(id) => Some(id),
                None => return Ok(None),
            },
            None => None,
        };
        // A person's own posts are listed to them whatever they filter (their dashboard).
        let filterer = viewer.id().filter(|&id| author != Some(id));
        let excluded = Excluded { viewer: filterer, names: exclude.clone(), except: tag };
        let query = PageQuery {
            page: page.into(),
            per_page: per_page.into(),
            filter: Filter { order, author, url_key, tag, excluded },
        };
        let (items, total) = posts::page_and_total(&app.db, &query, viewer.id()).await?;
        Ok::<_, AppError>(Some(render(Page { items, page, per_page, total })))
    };
    let page = match ranking {
        Some(order) => {
            let tag = tag.as_ref().map(|tag| tag.as_str().to_owned());
            let answer = Answer::Page { page, per_page, author, order, tag, exclude: exclude.clone() };
            app.db.cached(viewer.changes, AnswerKey { viewer: viewer.id(), answer }, read).await?
        }
        None => read.await?,
    };
    Ok(page)
}

/// Tag names as a listing keys and binds them: sorted, each once.
pub(crate) fn names(tags: Vec<TagName>) -> Vec<String> {
    let mut names: Vec<String> = tags.into_iter().map(TagName::into_inner).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// A post and its whole thread, as one viewer may see it.
pub struct Thread {
    pub post: Summary,
    /// A text post's text.
    pub body: Body,
    /// In display order.
    pub comments: Vec<CommentRow>,
    /// Whether the viewer muted the thread (no notifications come from it).
    pub muted: bool,
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
        let Some(found) = posts::with_thread(&app.db, id, viewer.id(), removed).await? else {
            return Ok(None);
        };
        let posts::WithThread { summary: post, body, thread_muted: muted, comments } = found;
        Ok::<_, AppError>(Some(render(Thread { post, body, comments, muted, staff })))
    };
    app.db.cached(viewer.changes, AnswerKey { viewer: viewer.id(), answer: Answer::Post(id) }, read).await
}

/// The link was posted in the last 30 days (and not removed): this post has it.
#[derive(Debug, PartialEq, Eq)]
pub struct AlreadyPosted(pub i32);

/// A post to be: a link, a text or both, with up to [`MAX_TAGS`] tags.
pub struct NewPost {
    pub title: PostTitle,
    pub url: Option<PostUrl>,
    pub text: Option<PostText>,
    pub tags: Vec<TagName>,
}

/// A post's edit: its title, and its text and tags when given.
pub struct Edit {
    pub title: PostTitle,
    pub text: Option<PostText>,
    pub tags: Option<Vec<TagName>>,
}

/// Posts a link, a text or both for `user`, counted by the posts limit (`POST_RATE`); a link
/// posted in the last 30 days (compared normalised) is refused with the existing post. Neither
/// a link nor a text, more than [`MAX_TAGS`] tags or a tag that does not exist: 422.
pub async fn create(
    app: &App,
    user: &User,
    new: NewPost,
) -> Result<Result<Summary, AlreadyPosted>, AppError> {
    super::may_contribute(app, user)?;
    let NewPost { title, url, text, tags } = new;
    if url.is_none() && text.is_none() {
        return Err(AppError::validation("post_url", "a post needs a link (post_url), a text, or both"));
    }
    let tags = post_tags(tags)?;
    let now = app.now();
    let limit = Limit::of(app.config.post_rate, "post");
    let url_key = url.as_ref().map(|url| links::key(url.as_str()));
    let written = app
        .db
        .write(async |tx| {
            let tags = known(tx, &tags).await?;
            limits::take(tx, limit, &user.id.to_string(), now).await?;
            // Only links are compared for duplicates.
            if let Some(url_key) = &url_key
                && let Some(post) = posts::recent_with_link(tx, url_key, now - DUPLICATE_WINDOW).await?
            {
                return Err(Refusal::Refused(AlreadyPosted(post)));
            }
            let id = posts::create(tx, user.id, title, Content { url, text }, now).await?;
            tags::set_on_post(tx, id, &tags).await?;
            Ok(id)
        })
        .await;
    let id = match Refusal::split(written)? {
        Ok(id) => id,
        Err(already) => return Ok(Err(already)),
    };
    let created = posts::summary(&app.db, id, Some(user.id), Removed::Shown).await?;
    Ok(Ok(created.ok_or(AppError::NotFound)?))
}

/// Edits post `id`'s title, and its text and tags when given, only for its author. `edit` is the
/// body as parsed: its refusal (422) comes after 404 and 403.
pub async fn update(
    app: &App,
    user: &User,
    id: i32,
    edit: Result<Edit, AppError>,
) -> Result<Result<Summary, Denied>, AppError> {
    if let Err(denied) = authored(app, user, id).await? {
        return Ok(Err(denied));
    }
    let Edit { title, text, tags } = edit?;
    let tags = tags.map(post_tags).transpose()?;
    let now = app.now();
    let edited = app
        .db
        .write(async |tx| {
            let tags = match &tags {
                Some(tags) => Some(known(tx, tags).await?),
                None => None,
            };
            if !posts::edit(tx, id, user.id, title, text, now).await? {
                return Ok(false);
            }
            if let Some(tags) = tags {
                tags::set_on_post(tx, id, &tags).await?;
            }
            Ok::<_, AppError>(true)
        })
        .await?;
    if !edited {
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

/// `tags` each once, if they are at most `most`; else the 422 of `tags` saying `too_many`.
pub(crate) fn few(tags: Vec<TagName>, most: usize, too_many: &str) -> Result<Vec<TagName>, AppError> {
    let mut tags = tags;
    tags.sort_unstable();
    tags.dedup();
    if tags.len() > most {
        return Err(AppError::validation("tags", too_many));
    }
    Ok(tags)
}

/// `tags` each once, if a post may carry them all.
fn post_tags(tags: Vec<TagName>) -> Result<Vec<TagName>, AppError> {
    few(tags, MAX_TAGS, &format!("a post has at most {MAX_TAGS} tags"))
}

/// The ids of these tags, or the 422 that names the first that does not exist.
pub(crate) async fn known(
    db: &impl sea_orm::ConnectionTrait,
    tags: &[TagName],
) -> Result<Vec<i32>, AppError> {
    tags::ids_of(db, tags)
        .await?
        .map_err(|name| AppError::validation("tags", format!("there is no tag {name:?}")))
}

/// Whether post `id` is there and `user` wrote it.
async fn authored(app: &App, user: &User, id: i32) -> Result<Result<(), Denied>, AppError> {
    Ok(Denied::unless_author(posts::author_of(&app.db, id).await?, user))
}
