use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, Removal, Time, UserRef};
use crate::{
    domain::CommentText,
    http::{
        AppState, CurrentUser,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody, Nullable,
            kind::{Action, Contribution, Limited, OwnForbidden, Submission},
        },
    },
    services::{
        Denied,
        comments::{self, NoSuchPost, Row, Written},
    },
};

/// `/comments` and `/comments/{id}`: commenting, editing and deleting one's comments.
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
    /// On a post's page, whether the caller muted its author (pages show it collapsed); `false`
    /// when not logged in, for a placeholder, and in a person's list of comments.
    muted_author: bool,
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
                muted_author: false,
                ..row.into()
            },
            None => row.into(),
        }
    }
}

/// As `ToJSON` writes it: fields in name order (see `RenderedJson::serialize`).
impl serde::Serialize for Comment {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Comment", 12)?;
        out.serialize_field("author", &self.author)?;
        out.serialize_field("comment_html", &self.comment_html)?;
        out.serialize_field("comment_text", &self.comment_text)?;
        out.serialize_field("created_at", &Time(&self.created_at))?;
        out.serialize_field("deleted", &self.deleted)?;
        out.serialize_field("depth", &self.depth)?;
        out.serialize_field("id", &self.id)?;
        out.serialize_field("muted_author", &self.muted_author)?;
        out.serialize_field("parent_id", &self.parent_id)?;
        out.serialize_field("post_id", &self.post_id)?;
        out.serialize_field("removed", &self.removed)?;
        out.serialize_field("updated_at", &Nullable(self.updated_at.0.as_ref().map(Time)))?;
        out.end()
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
            muted_author: row.muted_author,
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

pub(super) fn not_found() -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotFound, "there is no such comment")
}

fn not_author(doing: &str) -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotAuthor, format!("only the author can {doing} this comment"))
}

impl From<Denied> for UpdateResponse {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotFound => Self::NotFound(not_found()),
            Denied::NotAuthor => Self::Forbidden(not_author("edit")),
        }
    }
}

impl From<Denied> for DeleteResponse {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotFound => Self::NotFound(not_found()),
            Denied::NotAuthor => Self::Forbidden(not_author("delete")),
        }
    }
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
    ) -> Result<CreateResponse, Failure<Limited<Contribution>>> {
        let NewComment { post_id, parent_id, comment_text: text } = body.parse()?;
        let parent_id = parent_id.and_then(|parent| parent.0);
        let Written { id, depth, html, created_at } =
            match comments::create(&state, &user, post_id, parent_id, &text).await? {
                Ok(written) => written,
                Err(NoSuchPost) => {
                    return Ok(CreateResponse::NotFound(ErrorBody::new(
                        ErrorCode::NotFound,
                        "there is no such post",
                    )));
                }
            };
        Ok(CreateResponse::Created(Json(Comment {
            id,
            post_id,
            parent_id: Nullable(parent_id),
            depth,
            comment_html: html,
            comment_text: text.into_inner(),
            created_at,
            updated_at: Nullable(None),
            deleted: false,
            author: Nullable(Some(UserRef { id: user.id, username: user.username.clone() })),
            removed: Nullable(None),
            muted_author: false,
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
        let text = body.parse().map(|CommentEdit { comment_text }| comment_text);
        Ok(match comments::update(&state, &user, id.0, text).await? {
            Ok(row) => UpdateResponse::Ok(Json(row.into())),
            Err(denied) => denied.into(),
        })
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
        Ok(match comments::delete(&state, &user, id.0).await? {
            Ok(()) => DeleteResponse::Deleted,
            Err(denied) => denied.into(),
        })
    }
}
