use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{
    ApiTags, Removal, UserRef, comments::Comment, default_page, default_per_page, moderation::flag_item,
    nullable::Nullable,
};
use crate::{
    AppState,
    auth::{CurrentUser, MaybeUser, rate},
    cache::{Answer, AnswerKey, Change, Count, Current, Ranking},
    domain::{PostFlagReason, PostTitle, PostUrl},
    error::{
        AppError, ErrorBody, ErrorCode, Failure,
        kind::{Action, Limited, Listing, OwnForbidden, Read, Submission},
    },
    http::{JsonBody, RenderedJson},
    news::{
        comments, links,
        moderation::{Flagging, Target},
        posts::{self, Filter, Order, PageQuery, Removed, Summary},
        search,
        votes::{self, Cast, Seen},
    },
};

/// A link posted again within this long is refused as a duplicate.
const DUPLICATE_WINDOW: chrono::Duration = chrono::Duration::days(30);

pub struct PostsApi;

/// A post as lists show it.
#[derive(Object, Clone, Debug)]
pub struct PostSummary {
    /// The post's id.
    id: i32,
    /// The title, 1–200 characters.
    title: String,
    /// The link: an absolute http or https URL.
    post_url: String,
    /// When it was posted.
    created_at: DateTime<Utc>,
    /// When its title was last edited (equal to `created_at` if never).
    updated_at: DateTime<Utc>,
    // Who posted it. No doc comment on a field whose type is a named schema: poem-openapi would
    // wrap the `$ref` in `allOf` to carry it, which generated clients mishandle.
    author: UserRef,
    /// How many users have upvoted it.
    vote_count: i64,
    /// How many comments it has.
    comment_count: i64,
    /// Whether the caller has upvoted it (`false` when not logged in).
    voted: bool,
    /// What the hot listing orders by: `log10(max(1, vote_count + 1)) + created_at / 45000`,
    /// with `created_at` in Unix seconds. Clients may ignore it.
    hotness: f64,
    // Set only for moderators and admins looking at a post a moderator removed; `null`
    // otherwise. (No doc comment on a named schema's field: see `author`.)
    removed: Nullable<Removal>,
}

impl From<Summary> for PostSummary {
    fn from(row: Summary) -> Self {
        Self {
            id: row.id,
            title: row.title,
            post_url: row.post_url,
            created_at: row.created_at,
            updated_at: row.updated_at,
            author: UserRef { id: row.user_id, username: row.username },
            vote_count: row.vote_count.into(),
            comment_count: row.comment_count,
            voted: row.viewer_votes > 0,
            hotness: row.hotness.unwrap_or_default(),
            removed: Nullable(Removal::from_columns(row.removed_at, row.removed_reason)),
        }
    }
}

/// A post with its comments.
#[derive(Object)]
struct PostDetail {
    #[oai(flatten)]
    post: PostSummary,
    /// The whole thread in display order: depth-first, each comment followed by its replies,
    /// siblings oldest first.
    comments: Vec<Comment>,
}

/// How a listing is ordered.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum Sort {
    /// Newest first.
    #[default]
    New,
    /// Highest `hotness` first: votes weighed against age.
    Hot,
    /// Most votes first, within `period`.
    Top,
}

/// Which posts `sort=top` ranks, by when they were posted.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum Period {
    /// The last 24 hours.
    Day,
    /// The last 7 days.
    #[default]
    Week,
    /// The last 30 days.
    Month,
    /// The last 365 days.
    Year,
    /// All time.
    All,
}

impl Period {
    fn length(self) -> Option<chrono::Duration> {
        match self {
            Self::Day => Some(chrono::Duration::days(1)),
            Self::Week => Some(chrono::Duration::days(7)),
            Self::Month => Some(chrono::Duration::days(30)),
            Self::Year => Some(chrono::Duration::days(365)),
            Self::All => None,
        }
    }
}

/// One page of posts.
#[derive(Object)]
struct PostPage {
    /// The posts on this page.
    posts: Vec<PostSummary>,
    /// This page's number, from 1.
    page: u32,
    /// The page size asked for.
    per_page: u32,
    /// How many posts there are in all (with the same filter).
    total: u64,
}

/// A new post.
#[derive(Object)]
struct NewPost {
    /// 1–200 characters after trimming.
    title: PostTitle,
    /// An absolute `http://` or `https://` URL, at most 2048 characters.
    post_url: PostUrl,
}

/// A post's new title.
#[derive(Object)]
struct PostEdit {
    /// 1–200 characters after trimming.
    title: PostTitle,
}

/// A post's votes after a vote or unvote.
#[derive(Object)]
struct VoteState {
    /// The post voted on.
    post_id: i32,
    /// How many users have upvoted it now.
    vote_count: i64,
    /// Whether the caller's upvote stands.
    voted: bool,
}

#[derive(ApiResponse)]
enum ListResponse {
    /// A page of posts.
    #[oai(status = 200)]
    Ok(RenderedJson<PostPage>),
}

#[derive(ApiResponse)]
enum GetResponse {
    /// The post and its comments.
    #[oai(status = 200)]
    Ok(RenderedJson<PostDetail>),
    /// There is no such post (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

/// A flag on a post.
#[derive(Object)]
struct PostFlag {
    // Why it should not be here. (No doc comment on a named schema's field: see `author`.)
    reason: PostFlagReason,
}

#[derive(ApiResponse)]
enum CreateResponse {
    /// The new post.
    #[oai(status = 201)]
    Created(Json<PostSummary>),
    /// The link (normalised: scheme, `www.`, default port, fragment, trailing `/` and `utm_*`
    /// parameters aside) was posted in the last 30 days (`already_posted`, with `post_id`).
    #[oai(status = 409)]
    AlreadyPosted(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum FlagResponse {
    /// The flag is set (with this reason), or taken back.
    #[oai(status = 204)]
    Done,
    /// The post is the caller's own (`own_item`), or a cross-site request
    /// (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// There is no such post, or a moderator removed it (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

impl From<Flagging> for FlagResponse {
    fn from(outcome: Flagging) -> Self {
        match outcome {
            Flagging::Done => Self::Done,
            Flagging::NotFound => Self::NotFound(not_found()),
            Flagging::OwnItem => {
                Self::Forbidden(ErrorBody::new(ErrorCode::OwnItem, "you cannot flag your own post"))
            }
        }
    }
}

#[derive(ApiResponse)]
enum UpdateResponse {
    /// The post as it is now.
    #[oai(status = 200)]
    Ok(Json<PostSummary>),
    /// Not the author (`not_author`), or a cross-site request (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// There is no such post (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum DeleteResponse {
    /// The post, its comments and its votes are gone.
    #[oai(status = 204)]
    Deleted,
    /// Not the author (`not_author`), or a cross-site request (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// There is no such post (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum VoteResponse {
    /// The post's votes now.
    #[oai(status = 200)]
    Ok(Json<VoteState>),
    /// There is no such post (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

fn not_found() -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotFound, "there is no such post")
}

fn not_author() -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotAuthor, "only the author can change this post")
}

#[OpenApi(tag = "ApiTags::Posts")]
impl PostsApi {
    /// List posts
    ///
    /// A page of posts: the newest first (`sort=new`, the default), the hottest first
    /// (`sort=hot`), or the most voted first among those posted within `period` (`sort=top`).
    /// Ties go to the newer post. `user_id` narrows the list to one author, `url` to the posts
    /// of one link (compared normalised, of any age). Posts a moderator removed are never listed.
    #[oai(path = "/posts", method = "get", operation_id = "list_posts")]
    // poem-openapi takes each query parameter as an argument of its own.
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        viewer: MaybeUser,
        current: Current,
        /// The page, from 1.
        #[oai(default = "default_page", validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<u32>,
        /// Posts per page, 1–100.
        #[oai(default = "default_per_page", validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<u32>,
        /// Only this author's posts.
        user_id: Query<Option<i32>>,
        /// The order: `new` (default), `hot` or `top`. (Optional rather than defaulted: a
        /// default on an enum wraps its `$ref` in `allOf`, which generated clients refuse.)
        sort: Query<Option<Sort>>,
        /// For `sort=top` only: `day`, `week` (default), `month`, `year` or `all`.
        period: Query<Option<Period>>,
        /// Only posts of this link, compared normalised (`http`/`https`, `www.`, a default port,
        /// the fragment, a trailing `/` and `utm_*` parameters make no difference).
        #[oai(validator(max_length = 2048))]
        url: Query<Option<String>>,
    ) -> Result<ListResponse, Failure<Listing>> {
        let (page, per_page, author) = (page.0, per_page.0, user_id.0);
        let url_key = url.0.as_deref().map(links::key);
        let viewer = viewer.0.map(|u| u.id);
        let (sort, period) = (sort.0.unwrap_or_default(), period.0.unwrap_or_default());
        let (order, ranking) = match (sort, period.length()) {
            (Sort::New, _) => (Order::Newest, Some(Ranking::Newest)),
            (Sort::Hot, _) => (Order::Hottest, Some(Ranking::Hottest)),
            (Sort::Top, None) => (Order::MostVoted { since: None }, Some(Ranking::MostVotedEver)),
            (Sort::Top, Some(length)) => {
                (Order::MostVoted { since: Some(state.config.clock.now() - length) }, None)
            }
        };
        // A link's posts are read afresh every time: nothing keeps them.
        let ranking = ranking.filter(|_| url_key.is_none());
        let filter = Filter { order, author, url_key };
        let read = async {
            let query = PageQuery { page: page.into(), per_page: per_page.into(), filter };
            let rows = posts::page(&state.db, &query, viewer).await?;
            let filter = &query.filter;
            // Every shown post, in any of the kept orders: the number the database keeps.
            let total = if ranking.is_some() && author.is_none() {
                let count = async { posts::shown(&state.db).await.map(|n| i64::try_from(n).ok()) };
                let total = state.caches.counts(&current).get_or_read(Count::AllPosts, count).await?;
                total.and_then(|n| u64::try_from(n).ok()).unwrap_or_default()
            } else {
                posts::count(&state.db, filter).await?
            };
            let posts = rows.into_iter().map(PostSummary::from).collect();
            Ok::<_, AppError>(Some(RenderedJson::render(&PostPage { posts, page, per_page, total }).bytes()))
        };
        let page = match ranking {
            Some(order) => {
                let key = AnswerKey { viewer, answer: Answer::Page { page, per_page, author, order } };
                state.caches.answers(&current).get_or_read(key, read).await?
            }
            None => read.await?,
        };
        Ok(ListResponse::Ok(RenderedJson::from_bytes(page.ok_or(AppError::NotFound)?)))
    }

    /// Search posts
    ///
    /// The posts whose title or link's site has every word of `q` as a word prefix, in any case,
    /// best match first, then newest. `domain:example.com` keeps only the posts on that site
    /// (exactly that host, in any case, with or without `www.`). Words are runs of letters and
    /// digits in any script: quotes and operators only separate them, so any query is answered.
    /// Posts a moderator removed are never found.
    #[oai(path = "/search", method = "get", operation_id = "search_posts")]
    async fn search(
        &self,
        state: Data<&AppState>,
        viewer: MaybeUser,
        current: Current,
        /// What to look for: 1–200 characters of words and `domain:` terms, not all blank.
        // No `pattern` for "not all blank": poem-openapi compiles it anew for every request
        // (a Unicode `\S` costs more than the whole search); the handler says 422 instead.
        #[oai(validator(min_length = 1, max_length = 200))]
        q: Query<String>,
        /// The page, from 1.
        #[oai(default = "default_page", validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<u32>,
        /// Posts per page, 1–100.
        #[oai(default = "default_per_page", validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<u32>,
    ) -> Result<ListResponse, Failure<Listing>> {
        let query = search::Query::parse(&q.0).map_err(|err| AppError::validation("q", err.to_string()))?;
        let (page, per_page, viewer) = (page.0, per_page.0, viewer.0.map(|u| u.id));
        let query = std::sync::Arc::new(query);
        let read = async {
            let (ids, total) = search::page(&state.db, &query, page.into(), per_page.into()).await?;
            let rows = posts::summaries_of(&state.db, &ids, viewer).await?;
            let posts = rows.into_iter().map(PostSummary::from).collect();
            Ok::<_, AppError>(Some(RenderedJson::render(&PostPage { posts, page, per_page, total }).bytes()))
        };
        // Kept like the listings: every write that could change an answer forgets them all.
        let key = AnswerKey { viewer, answer: Answer::Search { query: query.clone(), page, per_page } };
        let found = state.caches.answers(&current).get_or_read(key, read).await?;
        Ok(ListResponse::Ok(RenderedJson::from_bytes(found.ok_or(AppError::NotFound)?)))
    }

    /// Get a post
    ///
    /// One post with its whole thread of comments, in display order. A post a moderator removed
    /// is not found, except by moderators and admins, who see it with `removed`; they also see
    /// the text of removed comments, which everyone else sees as deleted.
    #[oai(path = "/posts/:id", method = "get", operation_id = "get_post")]
    async fn get(
        &self,
        state: Data<&AppState>,
        viewer: MaybeUser,
        current: Current,
        id: Path<i32>,
    ) -> Result<GetResponse, Failure<Read>> {
        let staff = viewer.is_staff();
        let viewer = viewer.0.map(|u| u.id);
        let read = async {
            let removed = if staff { Removed::Shown } else { Removed::Hidden };
            let Some(post) = posts::summary(&state.db, id.0, viewer, removed).await? else { return Ok(None) };
            let comments = comments::thread(&state.db, id.0).await?;
            let comments = comments.into_iter().map(|row| Comment::seen_by(row, staff)).collect();
            Ok::<_, AppError>(Some(RenderedJson::render(&PostDetail { post: post.into(), comments }).bytes()))
        };
        let key = AnswerKey { viewer, answer: Answer::Post(id.0) };
        match state.caches.answers(&current).get_or_read(key, read).await? {
            Some(post) => Ok(GetResponse::Ok(RenderedJson::from_bytes(post))),
            None => Ok(GetResponse::NotFound(not_found())),
        }
    }

    /// Create a post
    ///
    /// Counted by the posts limit (`POST_RATE`, 10 an hour by default). A link posted in the
    /// last 30 days (and not removed) is refused with the existing post's id: compared
    /// normalised, so `http`/`https`, `www.`, a trailing `/` or `utm_*` parameters make no new
    /// link.
    #[oai(path = "/posts", method = "post", operation_id = "create_post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        body: JsonBody<NewPost>,
    ) -> Result<CreateResponse, Failure<Limited<Submission>>> {
        let NewPost { title, post_url } = body.parse()?;
        let now = state.config.clock.now();
        let limit = state.config.post_rate.map(|rate| rate.limit("post"));
        let ticket = rate::take(limit, &state.db, &user.id.to_string(), now)
            .await?
            .map_err(|retry_after| AppError::RateLimited { retry_after })?;
        let url_key = links::key(post_url.as_str());
        if let Some(post_id) = posts::recent_with_link(&state.db, &url_key, now - DUPLICATE_WINDOW).await? {
            if let Some(ticket) = ticket {
                ticket.refund(&state.db).await?;
            }
            return Ok(CreateResponse::AlreadyPosted(Json(ErrorBody {
                code: ErrorCode::AlreadyPosted,
                message: "this link was posted in the last 30 days".into(),
                field: Some("post_url".into()),
                post_id: Some(post_id),
            })));
        }
        let id = posts::create(&state.db, user.id, title, post_url, now).await?;
        state.caches.after_commit([Change::PostAdded]).await?;
        let created =
            posts::summary(&state.db, id, Some(user.id), Removed::Shown).await?.ok_or(AppError::NotFound)?;
        Ok(CreateResponse::Created(Json(created.into())))
    }

    /// Edit a post's title
    ///
    /// Only the author may; the link cannot be changed.
    #[oai(path = "/posts/:id", method = "put", operation_id = "update_post")]
    async fn update(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
        body: JsonBody<PostEdit>,
    ) -> Result<UpdateResponse, Failure<OwnForbidden<Submission>>> {
        match posts::author_of(&state.db, id.0).await? {
            None => return Ok(UpdateResponse::NotFound(not_found())),
            Some(author) if author != user.id => {
                return Ok(UpdateResponse::Forbidden(not_author()));
            }
            Some(_) => {}
        }
        let PostEdit { title } = body.parse()?;
        if !posts::retitle(&state.db, id.0, user.id, title, state.config.clock.now()).await? {
            return Ok(UpdateResponse::NotFound(not_found()));
        }
        state.caches.after_commit([Change::PostEdited]).await?;
        match posts::summary(&state.db, id.0, Some(user.id), Removed::Hidden).await? {
            Some(post) => Ok(UpdateResponse::Ok(Json(post.into()))),
            None => Ok(UpdateResponse::NotFound(not_found())),
        }
    }

    /// Delete a post
    ///
    /// Only the author may. Its comments and votes go with it.
    #[oai(path = "/posts/:id", method = "delete", operation_id = "delete_post")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<DeleteResponse, Failure<OwnForbidden<Action>>> {
        match posts::author_of(&state.db, id.0).await? {
            None => Ok(DeleteResponse::NotFound(not_found())),
            Some(author) if author != user.id => Ok(DeleteResponse::Forbidden(not_author())),
            Some(_) if posts::delete(&state.db, id.0, user.id).await? => {
                state.caches.after_commit([Change::PostDeleted { post: id.0 }]).await?;
                Ok(DeleteResponse::Deleted)
            }
            Some(_) => Ok(DeleteResponse::NotFound(not_found())),
        }
    }

    /// Upvote a post
    ///
    /// Idempotent: voting again changes nothing. One vote per user and post. New votes are
    /// counted by the votes limit (`VOTE_RATE`, 600 an hour by default); a repeated one is not.
    #[oai(path = "/posts/:id/vote", method = "put", operation_id = "vote_post")]
    async fn vote(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<VoteResponse, Failure<Limited<Action>>> {
        match votes::seen(&state.db, state.direct(), user.id, id.0).await? {
            None => return Ok(VoteResponse::NotFound(not_found())),
            Some(Seen { voted: true, votes }) => return Ok(voted(id.0, votes, true)),
            Some(Seen { voted: false, .. }) => {}
        }
        let now = state.config.clock.now();
        let limit = state.config.vote_rate.map(|rate| rate.limit("vote"));
        let ticket = rate::take(limit, &state.db, &user.id.to_string(), now)
            .await?
            .map_err(|retry_after| AppError::RateLimited { retry_after })?;
        let cast = votes::cast(&state.db, &state.writes, user.id, id.0, now).await?;
        if let (Cast::NoSuchPost | Cast::AlreadyThere, Some(ticket)) = (&cast, ticket) {
            ticket.refund(&state.db).await?;
        }
        match cast {
            Cast::NoSuchPost => Ok(VoteResponse::NotFound(not_found())),
            Cast::Added(vote_count) => {
                state.caches.after_commit([Change::Voted { post: id.0 }]).await?;
                Ok(voted(id.0, vote_count, true))
            }
            Cast::AlreadyThere => Ok(vote_state(&state, id.0, true).await?),
        }
    }

    /// Take back an upvote
    ///
    /// Idempotent: un-voting a post you have not voted for changes nothing.
    #[oai(path = "/posts/:id/vote", method = "delete", operation_id = "unvote_post")]
    async fn unvote(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<VoteResponse, Failure<Action>> {
        match votes::seen(&state.db, state.direct(), user.id, id.0).await? {
            None => return Ok(VoteResponse::NotFound(not_found())),
            Some(Seen { voted: false, votes }) => return Ok(voted(id.0, votes, false)),
            Some(Seen { voted: true, .. }) => {}
        }
        match votes::withdraw(&state.db, &state.writes, user.id, id.0).await? {
            Some(vote_count) => {
                state.caches.after_commit([Change::Voted { post: id.0 }]).await?;
                Ok(voted(id.0, vote_count, false))
            }
            None => Ok(vote_state(&state, id.0, false).await?),
        }
    }

    /// Flag a post
    ///
    /// Tells the moderators it should not be here, and why. One flag per user and post: flagging
    /// again replaces the reason. Not one's own post.
    #[oai(path = "/posts/:id/flag", method = "put", operation_id = "flag_post")]
    async fn flag(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
        body: JsonBody<PostFlag>,
    ) -> Result<FlagResponse, Failure<OwnForbidden<Submission>>> {
        let reason = |flag: PostFlag| flag.reason.as_str();
        Ok(flag_item(&state, &user, Target::Post(id.0), Some((body, reason))).await?.into())
    }

    /// Take back a flag on a post
    ///
    /// Idempotent: taking back a flag that is not there changes nothing.
    #[oai(path = "/posts/:id/flag", method = "delete", operation_id = "unflag_post")]
    async fn unflag(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<FlagResponse, Failure<OwnForbidden<Action>>> {
        Ok(flag_item::<PostFlag>(&state, &user, Target::Post(id.0), None).await?.into())
    }
}

/// The answer to a vote or unvote.
fn voted(post_id: i32, vote_count: i64, voted: bool) -> VoteResponse {
    VoteResponse::Ok(Json(VoteState { post_id, vote_count, voted }))
}

/// The answer to a vote or unvote that raced another change of the same vote: the post's count
/// now, or 404 if there is no such post any more.
async fn vote_state(state: &AppState, post_id: i32, voted: bool) -> Result<VoteResponse, AppError> {
    Ok(match votes::count(&state.db, post_id).await? {
        Some(vote_count) => self::voted(post_id, vote_count, voted),
        None => VoteResponse::NotFound(not_found()),
    })
}
