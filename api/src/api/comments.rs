use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, UserRef};
use crate::{
    AppState,
    auth::CurrentUser,
    cache::Change,
    domain::CommentText,
    error::{
        ErrorBody, ErrorCode, Failure,
        kind::{Action, OwnForbidden, Submission},
    },
    http::JsonBody,
    news::comments::{self, WithAuthor},
};

pub struct CommentsApi;

/// A comment on a post.
#[derive(Object, Clone, Debug)]
pub struct Comment {
    /// The comment's id.
    id: i32,
    /// The post it is on.
    post_id: i32,
    /// The text, 1–2000 characters.
    comment_text: String,
    /// When it was written.
    created_at: DateTime<Utc>,
    // Who wrote it. (No doc comment on a named schema's field: see `PostSummary::author`.)
    author: UserRef,
}

impl From<WithAuthor> for Comment {
    fn from(row: WithAuthor) -> Self {
        Self {
            id: row.id,
            post_id: row.post_id,
            comment_text: row.comment_text,
            created_at: row.created_at,
            author: UserRef { id: row.user_id, username: row.username },
        }
    }
}

/// A new comment.
#[derive(Object)]
struct NewComment {
    /// The post to comment on.
    post_id: i32,
    /// 1–2000 characters after trimming.
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
enum DeleteResponse {
    /// The comment is gone.
    #[oai(status = 204)]
    Deleted,
    /// Not the author (`not_author`), or a cross-site request (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// There is no such comment (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[OpenApi(tag = "ApiTags::Comments")]
impl CommentsApi {
    /// Comment on a post
    #[oai(path = "/comments", method = "post", operation_id = "create_comment")]
    async fn create(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        body: JsonBody<NewComment>,
    ) -> Result<CreateResponse, Failure<Submission>> {
        let NewComment { post_id, comment_text: text } = body.parse()?;
        let now = state.config.clock.now();
        let Some(id) = comments::create(&state.db, user.id, post_id, &text, now).await? else {
            return Ok(CreateResponse::NotFound(ErrorBody::new(
                ErrorCode::NotFound,
                "there is no such post",
            )));
        };
        state.caches.after_commit([Change::CommentsChanged]);
        Ok(CreateResponse::Created(Json(Comment {
            id,
            post_id,
            comment_text: text.as_str().to_owned(),
            created_at: now,
            author: UserRef { id: user.id, username: user.username },
        })))
    }

    /// Delete a comment
    ///
    /// Only its author may.
    #[oai(path = "/comments/:id", method = "delete", operation_id = "delete_comment")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<DeleteResponse, Failure<OwnForbidden<Action>>> {
        let not_found = || ErrorBody::new(ErrorCode::NotFound, "there is no such comment");
        match comments::author_of(&state.db, id.0).await? {
            None => Ok(DeleteResponse::NotFound(not_found())),
            Some(author) if author != user.id => Ok(DeleteResponse::Forbidden(ErrorBody::new(
                ErrorCode::NotAuthor,
                "only the author can delete this comment",
            ))),
            Some(_) if comments::delete(&state.db, id.0, user.id).await? => {
                state.caches.after_commit([Change::CommentsChanged]);
                Ok(DeleteResponse::Deleted)
            }
            Some(_) => Ok(DeleteResponse::NotFound(not_found())),
        }
    }
}
