use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, comments, posts};
use crate::{
    domain::{CommentFlagReason, PostFlagReason},
    http::{
        AppState, CurrentUser,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody,
            kind::{Action, OwnForbidden, Submission},
        },
    },
    services::flags::{self, Outcome, Target},
};

/// `/posts/{id}/flag`: flagging a post for the moderators, and taking the flag back.
pub struct PostFlagsApi;

/// `/comments/{id}/flag`: flagging a comment for the moderators, and taking the flag back.
pub struct CommentFlagsApi;

/// A flag on a post.
#[derive(Object)]
struct PostFlag {
    // Why it should not be here. (No doc comment on a named schema's field: see `author`.)
    reason: PostFlagReason,
}

/// A flag on a comment.
#[derive(Object)]
struct CommentFlag {
    // Why it should not be here. (No doc comment on a named schema's field.)
    reason: CommentFlagReason,
}

#[derive(ApiResponse)]
enum PostFlagResponse {
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

impl From<Outcome> for PostFlagResponse {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Done => Self::Done,
            Outcome::OwnItem => {
                Self::Forbidden(ErrorBody::new(ErrorCode::OwnItem, "you cannot flag your own post"))
            }
            Outcome::NotFound | Outcome::Raced => Self::NotFound(posts::not_found()),
        }
    }
}

#[derive(ApiResponse)]
enum CommentFlagResponse {
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

impl From<Outcome> for CommentFlagResponse {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Done => Self::Done,
            Outcome::OwnItem => {
                Self::Forbidden(ErrorBody::new(ErrorCode::OwnItem, "you cannot flag your own comment"))
            }
            Outcome::NotFound | Outcome::Raced => Self::NotFound(comments::not_found()),
        }
    }
}

#[OpenApi(tag = "ApiTags::Posts")]
impl PostFlagsApi {
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
    ) -> Result<PostFlagResponse, Failure<OwnForbidden<Submission>>> {
        let reason = body.parse().map(|flag| flag.reason.as_str());
        Ok(flags::flag(&state, &user, Target::Post(id.0), reason).await?.into())
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
    ) -> Result<PostFlagResponse, Failure<OwnForbidden<Action>>> {
        Ok(flags::unflag(&state, &user, Target::Post(id.0)).await?.into())
    }
}

#[OpenApi(tag = "ApiTags::Comments")]
impl CommentFlagsApi {
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
    ) -> Result<CommentFlagResponse, Failure<OwnForbidden<Submission>>> {
        let reason = body.parse().map(|flag| flag.reason.as_str());
        Ok(flags::flag(&state, &user, Target::Comment(id.0), reason).await?.into())
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
    ) -> Result<CommentFlagResponse, Failure<OwnForbidden<Action>>> {
        Ok(flags::unflag(&state, &user, Target::Comment(id.0)).await?.into())
    }
}
