//! Moderation (DESIGN.md section 15): the queue of flagged items, removing and restoring them,
//! bans, roles, and the public log of all of it. Who may do what is decided by the extractors
//! ([`Moderator`], [`Admin`]) before any handler runs; the one finer rule — moderators cannot
//! ban moderators or admins, and nobody bans themselves — is [`may_ban`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use sea_orm::TransactionTrait;

use super::{ApiTags, UserRef, default_page, default_per_page, nullable::Nullable, people};
use crate::{
    AppState,
    auth::{Admin, CurrentUser, Moderator, accounts, bans, roles::Role},
    cache::Change,
    domain::ModerationReason,
    error::{
        AppError, ErrorBody, ErrorCode, Failure,
        kind::{Action, Listing, PrivateRead, Staff, Submission},
    },
    http::JsonBody,
    news::moderation::{self, Moderated, Target},
};

pub struct ModerationApi;

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

/// A ban.
#[derive(Object)]
struct BanRequest {
    /// 1–500 characters; public, in the moderation log and on the profile.
    reason: ModerationReason,
    /// When the ban lifts itself (RFC 3339, in the future); `null` or absent for a permanent ban.
    until: Option<Nullable<DateTime<Utc>>>,
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
enum ModerateResponse {
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

fn not_found(what: &str) -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotFound, format!("there is no such {what}"))
}

fn actor(user: &CurrentUser) -> moderation::Actor<'_> {
    Some((user.id, user.username.as_str()))
}

/// Removes or restores `target` for `moderator`: 404 if there is no such item, 422 for a bad
/// reason (after the 404), else done and logged.
async fn moderate(
    state: &AppState,
    moderator: &CurrentUser,
    target: Target,
    body: Option<JsonBody<RemovalRequest>>,
) -> Result<ModerateResponse, AppError> {
    let what = match target {
        Target::Post(_) => "post",
        Target::Comment(_) => "comment",
    };
    if !moderation::exists(&state.db, target).await? {
        return Ok(ModerateResponse::NotFound(not_found(what)));
    }
    let reason = body.map(JsonBody::parse).transpose()?.map(|request| request.reason);
    let reason = reason.as_ref().map(ModerationReason::as_str);
    let now = state.config.clock.now();
    match moderation::set_removed(&state.db, actor(moderator), target, reason, now).await? {
        Moderated::NotFound => Ok(ModerateResponse::NotFound(not_found(what))),
        Moderated::Done => {
            state.caches.after_commit([Change::Moderated]).await?;
            Ok(ModerateResponse::Done)
        }
    }
}

/// The name of the user `target` whom `actor` may ban (or unban): `None` if there is no such
/// user, 403 for themselves, and for a moderator anyone but plain users.
async fn bannable(state: &AppState, actor: &CurrentUser, target: i32) -> Result<Option<String>, AppError> {
    let Some(account) = accounts::by_id(&state.db, target).await? else { return Ok(None) };
    if actor.id == target || (actor.role < Role::Admin && Role::from_column(&account.role).is_staff()) {
        return Err(AppError::Forbidden);
    }
    Ok(Some(account.username))
}

/// A flag's body, and how to read the reason out of it.
pub(super) type FlagBody<T> = (JsonBody<T>, fn(T) -> &'static str);

/// Flags `target` for `user` (or takes the flag back, without a body): 404 or 403 `own_item`
/// before the body is read (422), as for every item.
pub(super) async fn flag_item<T: poem_openapi::types::ParseFromJSON>(
    state: &AppState,
    user: &CurrentUser,
    target: Target,
    body: Option<FlagBody<T>>,
) -> Result<moderation::Flagging, AppError> {
    let allowed = moderation::may_flag(&state.db, user.id, target).await?;
    if allowed != moderation::Flagging::Done {
        return Ok(allowed);
    }
    match body {
        Some((body, reason)) => {
            let reason = reason(body.parse()?);
            Ok(moderation::flag(&state.db, user.id, target, reason, state.config.clock.now()).await?)
        }
        None => Ok(moderation::unflag(&state.db, user.id, target).await?),
    }
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
        let items = moderation::queue(&state.db)
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
        Ok(moderate(&state, &moderator.0, Target::Post(id.0), Some(body)).await?)
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
        Ok(moderate(&state, &moderator.0, Target::Post(id.0), None).await?)
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
        Ok(moderate(&state, &moderator.0, Target::Comment(id.0), Some(body)).await?)
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
        Ok(moderate(&state, &moderator.0, Target::Comment(id.0), None).await?)
    }

    /// Ban a user
    ///
    /// Ends every session of theirs at once; until the ban ends (never, without `until`) their
    /// logins answer 403 `banned`. Replaces an earlier ban. Moderators may ban users only;
    /// admins anyone but themselves. Logged publicly with the reason.
    #[oai(path = "/moderation/users/:id/ban", method = "post", operation_id = "ban_user")]
    async fn ban(
        &self,
        state: Data<&AppState>,
        moderator: Moderator,
        id: Path<i32>,
        body: JsonBody<BanRequest>,
    ) -> Result<ModerateResponse, Failure<Staff<Submission>>> {
        let Some(username) = bannable(&state, &moderator.0, id.0).await? else {
            return Ok(ModerateResponse::NotFound(not_found("user")));
        };
        let BanRequest { reason, until } = body.parse()?;
        let until = until.and_then(|until| until.0);
        let now = state.config.clock.now();
        if until.is_some_and(|until| until <= now) {
            return Err(AppError::validation("until", "until must be in the future").into());
        }
        let logged = match until {
            Some(until) => format!("{} (until {} UTC)", reason.as_str(), until.format("%Y-%m-%d %H:%M")),
            None => reason.as_str().to_owned(),
        };
        let txn = state.db.begin().await?;
        if !bans::impose(&txn, id.0, reason.as_str(), until, now).await? {
            return Ok(ModerateResponse::NotFound(not_found("user")));
        }
        state.sessions.end_all(&txn, id.0, None).await?;
        let target = ("user", id.0, username.as_str());
        moderation::record(&txn, actor(&moderator.0), moderation::Action::Ban, target, Some(&logged), now)
            .await?;
        txn.commit().await?;
        state.caches.after_commit([Change::UserSessionsEnded { user_id: id.0, kept: None }]).await?;
        Ok(ModerateResponse::Done)
    }

    /// Lift a ban
    ///
    /// The same rights as banning. Logged when there was a ban in force.
    #[oai(path = "/moderation/users/:id/ban", method = "delete", operation_id = "unban_user")]
    async fn unban(
        &self,
        state: Data<&AppState>,
        moderator: Moderator,
        id: Path<i32>,
    ) -> Result<ModerateResponse, Failure<Staff<Action>>> {
        let Some(username) = bannable(&state, &moderator.0, id.0).await? else {
            return Ok(ModerateResponse::NotFound(not_found("user")));
        };
        let now = state.config.clock.now();
        let txn = state.db.begin().await?;
        if bans::lift(&txn, id.0, now).await? {
            let target = ("user", id.0, username.as_str());
            moderation::record(&txn, actor(&moderator.0), moderation::Action::Unban, target, None, now)
                .await?;
        }
        txn.commit().await?;
        Ok(ModerateResponse::Done)
    }

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
        let (page, per_page) = (page.0, per_page.0);
        let (rows, total) = moderation::log_page(&state.db, page.into(), per_page.into()).await?;
        let entries = rows
            .into_iter()
            .map(|row| LogEntry {
                id: row.id,
                at: row.at,
                moderator: Nullable(
                    row.moderator_id
                        .zip(row.moderator_username)
                        .map(|(id, username)| UserRef { id, username }),
                ),
                action: row.action,
                target_type: row.target_type,
                target_id: row.target_id,
                target_title: row.target_title,
                reason: Nullable(row.reason),
            })
            .collect();
        Ok(LogResponse::Ok(Json(LogPage { entries, page, per_page, total })))
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
        if accounts::by_id(&state.db, id.0).await?.is_none() {
            return Ok(RoleResponse::NotFound(not_found("user")));
        }
        if admin.0.id == id.0 {
            return Err(AppError::Forbidden.into());
        }
        let RoleChange { role } = body.parse()?;
        let now = state.config.clock.now();
        let Some((_, username)) =
            moderation::change_role(&state.db, actor(&admin.0), id.0, role, now).await?
        else {
            return Ok(RoleResponse::NotFound(not_found("user")));
        };
        state.caches.after_commit([Change::RoleChanged { user_id: id.0 }]).await?;
        match people::public_profile(&state, &username).await? {
            Some(profile) => Ok(RoleResponse::Ok(Json(profile))),
            None => Ok(RoleResponse::NotFound(not_found("user"))),
        }
    }
}
