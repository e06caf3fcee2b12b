//! Moderation (DESIGN.md section 15): the queue of flagged items, removals and restores, the
//! public log, and roles. Who may do what is decided by the extractors ([`Moderator`],
//! [`Admin`]) before any handler runs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{ApiTags, UserRef, default_page, default_per_page, people};
use crate::{
    domain::{ModerationReason, Role},
    http::{
        Admin, AppState, Moderator,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody, Nullable,
            kind::{Action, Listing, PrivateRead, Staff, Submission},
        },
    },
    services::{
        Page,
        flags::Target,
        moderation::{self, Entry},
    },
};

/// `/moderation/queue` and removals: what moderators work through.
pub struct ModerationApi;

/// `/moderation/log`: everything moderators and admins did, in public.
pub struct ModerationLogApi;

/// `/admin/users/{id}/role`: who moderates.
pub struct AdminApi;

/// Whether a post or a comment.
#[derive(poem_openapi::Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum ItemType {
    Post,
    Comment,
}

/// A flagged post or comment, not removed yet.
#[derive(Object)]
struct QueueItem {
    // Whether a post or a comment. (No doc comment on a named schema's field.)
    target_type: ItemType,
    /// The post's or the comment's id.
    target_id: i32,
    /// The post it is, or is on.
    post_id: i32,
    /// That post's title.
    title: String,
    /// A post's link, or a comment's first 200 characters.
    excerpt: String,
    // Who wrote it.
    author: UserRef,
    /// How many members flagged it.
    flag_count: i64,
    /// How many flagged it for each reason.
    reasons: BTreeMap<String, i64>,
}

/// The moderation queue.
#[derive(Object)]
struct Queue {
    /// Flagged items still shown, most flags first (at most 200).
    items: Vec<QueueItem>,
}

/// Why a post or comment is removed.
#[derive(Object)]
struct RemovalRequest {
    /// 1–500 characters; public, in the moderation log.
    reason: ModerationReason,
}

/// A new role.
#[derive(Object)]
struct RoleChange {
    // `user`, `moderator` or `admin`. (No doc comment on a named schema's field.)
    role: Role,
}

/// One entry of the moderation log.
#[derive(Object)]
struct LogEntry {
    /// The entry's id; newer entries have higher ids.
    id: i32,
    /// When it was done.
    at: DateTime<Utc>,
    // Who did it; `null` when it was done with the command line on the server.
    moderator: Nullable<UserRef>,
    /// `remove_post`, `restore_post`, `remove_comment`, `restore_comment`, `ban`, `unban` or
    /// `change_role`.
    action: String,
    /// `post`, `comment` or `user`.
    target_type: String,
    /// The post's, comment's or user's id.
    target_id: i32,
    /// The post's title, the comment's first words or the user's name, as they were then.
    target_title: String,
    /// The moderator's reason (for a role change: from which role to which); `null` for none.
    reason: Nullable<String>,
}

/// One page of the moderation log.
#[derive(Object)]
struct LogPage {
    /// Newest first.
    entries: Vec<LogEntry>,
    /// This page's number, from 1.
    page: u32,
    /// The page size asked for.
    per_page: u32,
    /// How many entries there are in all.
    total: u64,
}

#[derive(ApiResponse)]
enum QueueResponse {
    /// The queue.
    #[oai(status = 200)]
    Ok(Json<Queue>),
}

#[derive(ApiResponse)]
pub(super) enum ModerateResponse {
    /// Done (also when it was so already: then nothing is logged).
    #[oai(status = 204)]
    Done,
    /// There is no such item, or no such user (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum LogResponse {
    /// A page of the log.
    #[oai(status = 200)]
    Ok(Json<LogPage>),
}

#[derive(ApiResponse)]
enum RoleResponse {
    /// The user's profile, with the new role.
    #[oai(status = 200)]
    Ok(Json<people::PublicProfile>),
    /// There is no such user (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

pub(super) fn not_found(what: &str) -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotFound, format!("there is no such {what}"))
}

/// Removes or restores `target` for `moderator`: 404 if there is no such item, 422 for a bad
/// reason (after the 404), else done and logged.
async fn moderate(
    state: &AppState,
    moderator: &Moderator,
    target: Target,
    body: Option<JsonBody<RemovalRequest>>,
) -> Result<ModerateResponse, crate::error::AppError> {
    let reason = body.map(|body| body.parse().map(|request| request.reason));
    Ok(match moderation::moderate(state, &moderator.0, target, reason).await? {
        true => ModerateResponse::Done,
        false => ModerateResponse::NotFound(not_found(match target {
            Target::Post(_) => "post",
            Target::Comment(_) => "comment",
        })),
    })
}

#[OpenApi(tag = "ApiTags::Moderation")]
impl ModerationApi {
    /// The moderation queue
    ///
    /// Flagged posts and comments that are still shown, most flags first, with the count per
    /// reason. Moderators and admins only.
    #[oai(path = "/moderation/queue", method = "get", operation_id = "moderation_queue")]
    async fn queue(
        &self,
        state: Data<&AppState>,
        _moderator: Moderator,
    ) -> Result<QueueResponse, Failure<Staff<PrivateRead>>> {
        let items = moderation::queue(&state)
            .await?
            .into_iter()
            .map(|item| {
                let (target_type, target_id) = match item.target {
                    Target::Post(id) => (ItemType::Post, id),
                    Target::Comment(id) => (ItemType::Comment, id),
                };
                QueueItem {
                    target_type,
                    target_id,
                    post_id: item.post_id,
                    title: item.title,
                    excerpt: item.excerpt,
                    author: UserRef { id: item.author_id, username: item.author },
                    flag_count: item.flag_count,
                    reasons: item.reasons,
                }
            })
            .collect();
        Ok(QueueResponse::Ok(Json(Queue { items })))
    }

    /// Remove a post
    ///
    /// It leaves every listing; only moderators and admins can still open it. Logged publicly
    /// with the reason.
    #[oai(path = "/moderation/posts/:id/remove", method = "post", operation_id = "remove_post")]
    async fn remove_post(
        &self,
        state: Data<&AppState>,
        moderator: Moderator,
        id: Path<i32>,
        body: JsonBody<RemovalRequest>,
    ) -> Result<ModerateResponse, Failure<Staff<Submission>>> {
        Ok(moderate(&state, &moderator, Target::Post(id.0), Some(body)).await?)
    }

    /// Restore a post
    ///
    /// Undoes a removal, and clears the post's flags (a moderator has judged them). Logged.
    #[oai(path = "/moderation/posts/:id/restore", method = "post", operation_id = "restore_post")]
    async fn restore_post(
        &self,
        state: Data<&AppState>,
        moderator: Moderator,
        id: Path<i32>,
    ) -> Result<ModerateResponse, Failure<Staff<Action>>> {
        Ok(moderate(&state, &moderator, Target::Post(id.0), None).await?)
    }

    /// Remove a comment
    ///
    /// It stays in its thread as a placeholder (`deleted`, no text, no author) for everyone but
    /// moderators and admins. Logged publicly with the reason.
    #[oai(path = "/moderation/comments/:id/remove", method = "post", operation_id = "remove_comment")]
    async fn remove_comment(
        &self,
        state: Data<&AppState>,
        moderator: Moderator,
        id: Path<i32>,
        body: JsonBody<RemovalRequest>,
    ) -> Result<ModerateResponse, Failure<Staff<Submission>>> {
        Ok(moderate(&state, &moderator, Target::Comment(id.0), Some(body)).await?)
    }

    /// Restore a comment
    ///
    /// Undoes a removal, and clears the comment's flags. Logged.
    #[oai(path = "/moderation/comments/:id/restore", method = "post", operation_id = "restore_comment")]
    async fn restore_comment(
        &self,
        state: Data<&AppState>,
        moderator: Moderator,
        id: Path<i32>,
    ) -> Result<ModerateResponse, Failure<Staff<Action>>> {
        Ok(moderate(&state, &moderator, Target::Comment(id.0), None).await?)
    }
}

#[OpenApi(tag = "ApiTags::Moderation")]
impl ModerationLogApi {
    /// The moderation log
    ///
    /// Every removal, restore, ban, unban and role change, newest first: public, so moderation
    /// happens in the open.
    #[oai(path = "/moderation/log", method = "get", operation_id = "moderation_log")]
    async fn log(
        &self,
        state: Data<&AppState>,
        /// The page, from 1.
        #[oai(default = "default_page", validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<u32>,
        /// Entries per page, 1–100.
        #[oai(default = "default_per_page", validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<u32>,
    ) -> Result<LogResponse, Failure<Listing>> {
        let Page { items, page, per_page, total } = moderation::log(&state, page.0, per_page.0).await?;
        let entries = items.into_iter().map(LogEntry::from).collect();
        Ok(LogResponse::Ok(Json(LogPage { entries, page, per_page, total })))
    }
}

impl From<Entry> for LogEntry {
    fn from(row: Entry) -> Self {
        Self {
            id: row.id,
            at: row.at,
            moderator: Nullable(
                row.moderator_id.zip(row.moderator_username).map(|(id, username)| UserRef { id, username }),
            ),
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            target_title: row.target_title,
            reason: Nullable(row.reason),
        }
    }
}

#[OpenApi(tag = "ApiTags::Moderation")]
impl AdminApi {
    /// Change a user's role
    ///
    /// Admins only, and not their own role. Effective on the user's very next request. Logged
    /// publicly.
    #[oai(path = "/admin/users/:id/role", method = "put", operation_id = "change_role")]
    async fn change_role(
        &self,
        state: Data<&AppState>,
        admin: Admin,
        id: Path<i32>,
        body: JsonBody<RoleChange>,
    ) -> Result<RoleResponse, Failure<Staff<Submission>>> {
        let role = body.parse().map(|change| change.role);
        Ok(match moderation::change_role(&state, &admin.0, id.0, role).await? {
            Some(profile) => RoleResponse::Ok(Json(profile.into())),
            None => RoleResponse::NotFound(not_found("user")),
        })
    }
}
