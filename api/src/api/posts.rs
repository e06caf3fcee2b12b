use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{ApiTags, UserRef, comments::Comment, default_page, default_per_page};
use crate::{
    AppState,
    auth::{CurrentUser, MaybeUser},
    cache::{Answer, AnswerKey, Change, Count, Ranking},
    domain::{PostTitle, PostUrl},
    error::{
        AppError, ErrorBody, ErrorCode, Failure,
        kind::{Action, Listing, OwnForbidden, Read, Submission},
    },
    http::{JsonBody, RenderedJson},
    news::{
        comments,
        posts::{self, Filter, Order, PageQuery, Summary},
        votes::{self, Cast},
    },
};

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

#[derive(ApiResponse)]
enum CreateResponse {
    /// The new post.
    #[oai(status = 201)]
    Created(Json<PostSummary>),
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
    /// Ties go to the newer post. `user_id` narrows the list to one author.
    #[oai(path = "/posts", method = "get", operation_id = "list_posts")]
    // poem-openapi takes each query parameter as an argument of its own.
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        viewer: MaybeUser,
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
    ) -> Result<ListResponse, Failure<Listing>> {
        let (page, per_page, author) = (page.0, per_page.0, user_id.0);
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
        let filter = Filter { order, author };
        let read = async {
            let query = PageQuery { page: page.into(), per_page: per_page.into(), filter };
            let rows = posts::page(&state.db, &query, viewer).await?;
            let total = if ranking.is_some() && author.is_none() {
                let count = async { posts::count(&state.db, filter).await.map(|n| i64::try_from(n).ok()) };
                let total = state.caches.counts.get_or_read(Count::AllPosts, count).await?;
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
                state.caches.answers.get_or_read(key, read).await?
            }
            None => read.await?,
        };
        Ok(ListResponse::Ok(RenderedJson::from_bytes(page.ok_or(AppError::NotFound)?)))
    }

    /// Get a post
    ///
    /// One post with its whole thread of comments, in display order.
    #[oai(path = "/posts/:id", method = "get", operation_id = "get_post")]
    async fn get(
        &self,
        state: Data<&AppState>,
        viewer: MaybeUser,
        id: Path<i32>,
    ) -> Result<GetResponse, Failure<Read>> {
        let viewer = viewer.0.map(|u| u.id);
        let read = async {
            let Some(post) = posts::summary(&state.db, id.0, viewer).await? else { return Ok(None) };
            let comments = comments::thread(&state.db, id.0).await?;
            let comments = comments.into_iter().map(Comment::from).collect();
            Ok::<_, AppError>(Some(RenderedJson::render(&PostDetail { post: post.into(), comments }).bytes()))
        };
        match state.caches.answers.get_or_read(AnswerKey { viewer, answer: Answer::Post(id.0) }, read).await?
        {
            Some(post) => Ok(GetResponse::Ok(RenderedJson::from_bytes(post))),
            None => Ok(GetResponse::NotFound(not_found())),
        }
    }

    /// Create a post
    #[oai(path = "/posts", method = "post", operation_id = "create_post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        body: JsonBody<NewPost>,
    ) -> Result<CreateResponse, Failure<Submission>> {
        let NewPost { title, post_url } = body.parse()?;
        let id = posts::create(&state.db, user.id, title, post_url, state.config.clock.now()).await?;
        state.caches.after_commit([Change::PostAdded]);
        let created = posts::summary(&state.db, id, Some(user.id)).await?.ok_or(AppError::NotFound)?;
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
        state.caches.after_commit([Change::PostEdited]);
        match posts::summary(&state.db, id.0, Some(user.id)).await? {
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
                state.caches.after_commit([Change::PostDeleted { post: id.0 }]);
                Ok(DeleteResponse::Deleted)
            }
            Some(_) => Ok(DeleteResponse::NotFound(not_found())),
        }
    }

    /// Upvote a post
    ///
    /// Idempotent: voting again changes nothing. One vote per user and post.
    #[oai(path = "/posts/:id/vote", method = "put", operation_id = "vote_post")]
    async fn vote(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<VoteResponse, Failure<Action>> {
        match votes::cast(&state.db, user.id, id.0, state.config.clock.now()).await? {
            Cast::NoSuchPost => Ok(VoteResponse::NotFound(not_found())),
            Cast::Added(vote_count) => {
                state.caches.after_commit([Change::Voted { post: id.0 }]);
                Ok(VoteResponse::Ok(Json(VoteState { post_id: id.0, vote_count, voted: true })))
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
        match votes::withdraw(&state.db, user.id, id.0).await? {
            Some(vote_count) => {
                state.caches.after_commit([Change::Voted { post: id.0 }]);
                Ok(VoteResponse::Ok(Json(VoteState { post_id: id.0, vote_count, voted: false })))
            }
            None => Ok(vote_state(&state, id.0, false).await?),
        }
    }
}

/// The answer to a vote or unvote: the post's count now, or 404 if there is no such post.
async fn vote_state(state: &AppState, post_id: i32, voted: bool) -> Result<VoteResponse, AppError> {
    let count = state.caches.counts.get_or_read(Count::PostVotes(post_id), votes::count(&state.db, post_id));
    Ok(match count.await? {
        Some(vote_count) => VoteResponse::Ok(Json(VoteState { post_id, vote_count, voted })),
        None => VoteResponse::NotFound(not_found()),
    })
}
