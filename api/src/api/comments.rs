use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, Removal, UserRef, moderation::flag_item, nullable::Nullable};
use crate::{
    AppState,
    auth::{CurrentUser, rate},
    cache::Change,
    domain::{CommentFlagReason, CommentText},
    error::{
        AppError, ErrorBody, ErrorCode, Failure,
        kind::{Action, Limited, OwnForbidden, Submission},
    },
    http::JsonBody,
    news::{
        comments::{self, Created, Row},
        moderation::{Flagging, Target},
    },
};

pub struct CommentsApi;

/// A comment on a post, in its thread.
#[derive(Object, Clone, Debug)]
pub struct Comment {
    /// The comment's id.
    id: i32,
    /// The post it is on.
    post_id: i32,
    /// The comment it answers; `null` at top level.
    parent_id: Nullable<i32>,
    /// 0 at top level, one more per reply below it; at most 8.
    depth: i32,
    /// The Markdown source, 1–2000 characters; empty when `deleted`.
    comment_text: String,
    /// `comment_text` rendered and sanitised on the server: only `p`, `em`, `strong`, `code`,
    /// `pre`, `blockquote`, `ul`, `ol`, `li`, `a` (http/https, `rel="nofollow ugc noopener
    /// noreferrer"`), `br` and `hr`. Empty when `deleted`.
    comment_html: String,
    /// When it was written.
    created_at: DateTime<Utc>,
    /// When it was last edited; `null` if never.
    updated_at: Nullable<DateTime<Utc>>,
    /// The placeholder of a deleted comment that has replies: no text and no author.
    deleted: bool,
    // Who wrote it; `null` when deleted. (No doc comment on a named schema's field: see
    // `PostSummary::author`.)
    author: Nullable<UserRef>,
    // Set only for moderators and admins looking at a comment a moderator removed (everyone
    // else sees it as `deleted`); `null` otherwise.
    removed: Nullable<Removal>,
}

impl Comment {
    /// The comment as a viewer sees it: a removed one is a placeholder for everyone but `staff`.
    pub fn seen_by(row: Row, staff: bool) -> Self {
        let removal = Removal::from_columns(row.removed_at, row.removed_reason.clone());
        match removal {
            Some(removal) if staff => Self { removed: Nullable(Some(removal)), ..row.into() },
            Some(_) => Self {
                comment_text: String::new(),
                comment_html: String::new(),
                deleted: true,
                author: Nullable(None),
                updated_at: Nullable(None),
                ..row.into()
            },
            None => row.into(),
        }
    }
}

/// A flag on a comment.
#[derive(Object)]
struct CommentFlag {
    // Why it should not be here. (No doc comment on a named schema's field.)
    reason: CommentFlagReason,
}

#[derive(ApiResponse)]
enum FlagResponse {
    /// The flag is set (with this reason), or taken back.
    #[oai(status = 204)]
    Done,
    /// The comment is the caller's own (`own_item`), or a cross-site request
    /// (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// There is no such comment, or it was deleted or removed (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

impl From<Flagging> for FlagResponse {
    fn from(outcome: Flagging) -> Self {
        match outcome {
            Flagging::Done => Self::Done,
            Flagging::NotFound => Self::NotFound(not_found()),
            Flagging::OwnItem => {
                Self::Forbidden(ErrorBody::new(ErrorCode::OwnItem, "you cannot flag your own comment"))
            }
        }
    }
}

/// A stored comment as it is, removed or not: only [`Comment::seen_by`] decides what a viewer
/// sees.
impl From<Row> for Comment {
    fn from(row: Row) -> Self {
        let author = row.user_id.zip(row.username).map(|(id, username)| UserRef { id, username });
        Self {
            id: row.id,
            post_id: row.post_id,
            parent_id: Nullable(row.parent_id),
            depth: row.depth,
            comment_text: row.comment_text,
            comment_html: row.comment_html.unwrap_or_default(),
            created_at: row.created_at,
            updated_at: Nullable(row.updated_at),
            deleted: row.deleted,
            author: Nullable(author),
            removed: Nullable(None),
        }
    }
}

/// A new comment.
#[derive(Object)]
struct NewComment {
    /// The post to comment on.
    post_id: i32,
    /// The comment to answer, on the same post; absent or `null` for a top-level comment.
    parent_id: Option<Nullable<i32>>,
    /// Markdown, 1–2000 characters after trimming.
    comment_text: CommentText,
}

/// A comment's new text.
#[derive(Object)]
struct CommentEdit {
    /// Markdown, 1–2000 characters after trimming.
    comment_text: CommentText,
}

#[derive(ApiResponse)]
enum CreateResponse {
    /// The new comment.
    #[oai(status = 201)]
    Created(Json<Comment>),
    /// There is no such post (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum UpdateResponse {
    /// The comment as it is now.
    #[oai(status = 200)]
    Ok(Json<Comment>),
    /// Not the author (`not_author`), or a cross-site request (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// There is no such comment (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum DeleteResponse {
    /// The comment is gone, or left as a placeholder if it has replies.
    #[oai(status = 204)]
    Deleted,
    /// Not the author (`not_author`), or a cross-site request (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// There is no such comment (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

fn not_found() -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotFound, "there is no such comment")
}

fn not_author(doing: &str) -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotAuthor, format!("only the author can {doing} this comment"))
}

#[OpenApi(tag = "ApiTags::Comments")]
impl CommentsApi {
    /// Comment on a post
    ///
    /// At top level, or as a reply (`parent_id`) to a comment on the same post, at most 8 deep.
    /// Counted by the comments limit (`COMMENT_RATE`, 60 an hour by default).
    #[oai(path = "/comments", method = "post", operation_id = "create_comment")]
    async fn create(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        body: JsonBody<NewComment>,
    ) -> Result<CreateResponse, Failure<Limited<Submission>>> {
        let NewComment { post_id, parent_id, comment_text: text } = body.parse()?;
        let parent_id = parent_id.and_then(|parent| parent.0);
        let now = state.config.clock.now();
        let limit = state.config.comment_rate.map(|rate| rate.limit("comment"));
        let ticket = rate::take(limit, &state.db, &user.id.to_string(), now)
            .await?
            .map_err(|retry_after| AppError::RateLimited { retry_after })?;
        let created = comments::create(&state.db, user.id, post_id, parent_id, &text, now).await?;
        if let (Created::NoSuchPost | Created::BadParent(_), Some(ticket)) = (&created, ticket) {
            ticket.refund(&state.db).await?;
        }
        let (id, depth, comment_html) = match created {
            Created::NoSuchPost => {
                return Ok(CreateResponse::NotFound(ErrorBody::new(
                    ErrorCode::NotFound,
                    "there is no such post",
                )));
            }
            Created::BadParent(why) => return Err(AppError::validation("parent_id", why).into()),
            Created::Added { id, depth, html } => (id, depth, html),
        };
        state.caches.after_commit([Change::CommentsChanged]).await?;
        Ok(CreateResponse::Created(Json(Comment {
            id,
            post_id,
            parent_id: Nullable(parent_id),
            depth,
            comment_html,
            comment_text: text.into_inner(),
            created_at: now,
            updated_at: Nullable(None),
            deleted: false,
            author: Nullable(Some(UserRef { id: user.id, username: user.username })),
            removed: Nullable(None),
        })))
    }

    /// Edit a comment
    ///
    /// Only its author may; the same rules as writing one. Marks it edited (`updated_at`).
    #[oai(path = "/comments/:id", method = "put", operation_id = "update_comment")]
    async fn update(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
        body: JsonBody<CommentEdit>,
    ) -> Result<UpdateResponse, Failure<OwnForbidden<Submission>>> {
        match comments::author_of(&state.db, id.0).await? {
            None => return Ok(UpdateResponse::NotFound(not_found())),
            Some(author) if author != user.id => return Ok(UpdateResponse::Forbidden(not_author("edit"))),
            Some(_) => {}
        }
        let CommentEdit { comment_text } = body.parse()?;
        if !comments::edit(&state.db, id.0, user.id, &comment_text, state.config.clock.now()).await? {
            return Ok(UpdateResponse::NotFound(not_found()));
        }
        state.caches.after_commit([Change::CommentsChanged]).await?;
        match comments::one(&state.db, id.0).await? {
            Some(row) => Ok(UpdateResponse::Ok(Json(row.into()))),
            None => Ok(UpdateResponse::NotFound(not_found())),
        }
    }

    /// Delete a comment
    ///
    /// Only its author may. A comment with replies keeps its place in the thread as a
    /// placeholder (`deleted`, no text, no author); one without replies is gone.
    #[oai(path = "/comments/:id", method = "delete", operation_id = "delete_comment")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<DeleteResponse, Failure<OwnForbidden<Action>>> {
        match comments::author_of(&state.db, id.0).await? {
            None => Ok(DeleteResponse::NotFound(not_found())),
            Some(author) if author != user.id => Ok(DeleteResponse::Forbidden(not_author("delete"))),
            Some(_) if comments::delete(&state.db, id.0, user.id).await? => {
                state.caches.after_commit([Change::CommentsChanged]).await?;
                Ok(DeleteResponse::Deleted)
            }
            Some(_) => Ok(DeleteResponse::NotFound(not_found())),
        }
    }

    /// Flag a comment
    ///
    /// Tells the moderators it should not be here, and why. One flag per user and comment:
    /// flagging again replaces the reason. Not one's own comment.
    #[oai(path = "/comments/:id/flag", method = "put", operation_id = "flag_comment")]
    async fn flag(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
        body: JsonBody<CommentFlag>,
    ) -> Result<FlagResponse, Failure<OwnForbidden<Submission>>> {
        let reason = |flag: CommentFlag| flag.reason.as_str();
        Ok(flag_item(&state, &user, Target::Comment(id.0), Some((body, reason))).await?.into())
    }

    /// Take back a flag on a comment
    ///
    /// Idempotent: taking back a flag that is not there changes nothing.
    #[oai(path = "/comments/:id/flag", method = "delete", operation_id = "unflag_comment")]
    async fn unflag(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<FlagResponse, Failure<OwnForbidden<Action>>> {
        Ok(flag_item::<CommentFlag>(&state, &user, Target::Comment(id.0), None).await?.into())
    }
}
