//! Moderation (DESIGN.md section 15): the queue of flagged items, removing and restoring them,
//! bans, roles, and the public log of all of it. Who may do what is decided at the edge by role
//! before any of this runs; the finer rule for bans — moderators cannot ban moderators or
//! admins, and nobody bans themselves — is here.

use chrono::{DateTime, Utc};

use super::{App, Page, User, people};
use crate::{
    domain::{ModerationReason, Role},
    error::AppError,
    storage::{
        accounts, flags,
        flags::{Flagged, Target},
        moderation_log::{self, Action, Actor},
        removals::{self, Moderated},
        sessions, tokens,
    },
};

pub use crate::storage::moderation_log::Entry;

/// Flagged posts and comments that are still shown, most flags first.
pub async fn queue(app: &App) -> Result<Vec<Flagged>, AppError> {
    Ok(flags::queue(&app.db).await?)
}

fn actor(user: &User) -> Actor<'_> {
    Some((user.id, user.username.as_str()))
}

/// Removes (with `reason`) or restores (`None`) `target` for `moderator`, logging it publicly;
/// `false` if there is no such item. `reason` is the body as parsed: its refusal (422) comes
/// after 404. Doing what is done already changes and logs nothing.
pub async fn moderate(
    app: &App,
    moderator: &User,
    target: Target,
    reason: Option<Result<ModerationReason, AppError>>,
) -> Result<bool, AppError> {
    if !removals::exists(&app.db, target).await? {
        return Ok(false);
    }
    let reason = reason.transpose()?;
    let reason = reason.as_ref().map(ModerationReason::as_str);
    let now = app.now();
    let moderated = app
        .db
        .write(async |tx| removals::set_removed(tx, actor(moderator), target, reason, now).await)
        .await?;
    Ok(moderated == Moderated::Done)
}

/// The name of user `target`, whom `moderator` may ban (or unban): `None` if there is no such
/// user; 403 for themselves, and for a moderator anyone but plain users.
async fn bannable(app: &App, moderator: &User, target: i32) -> Result<Option<String>, AppError> {
    let Some(account) = accounts::by_id(&app.db, target).await? else { return Ok(None) };
    if moderator.id == target || (moderator.role < Role::Admin && Role::from_column(&account.role).is_staff())
    {
        return Err(AppError::Forbidden);
    }
    Ok(Some(account.username))
}

/// A ban as asked for.
pub struct BanRequest {
    pub reason: ModerationReason,
    /// When it lifts itself; `None` for never.
    pub until: Option<DateTime<Utc>>,
}

/// Bans user `target` and ends every session of theirs at once; `false` if there is no such
/// user. `ban` is the body as parsed: its refusal (422) comes after 404 and 403.
pub async fn ban(
    app: &App,
    moderator: &User,
    target: i32,
    ban: Result<BanRequest, AppError>,
) -> Result<bool, AppError> {
    let Some(username) = bannable(app, moderator, target).await? else { return Ok(false) };
    let BanRequest { reason, until } = ban?;
    let now = app.now();
    if until.is_some_and(|until| until <= now) {
        return Err(AppError::validation("until", "until must be in the future"));
    }
    let logged = match until {
        Some(until) => format!("{} (until {} UTC)", reason.as_str(), until.format("%Y-%m-%d %H:%M")),
        None => reason.as_str().to_owned(),
    };
    app.db
        .write(async |tx| {
            if !accounts::ban(tx, target, reason.as_str(), until, now).await? {
                return Ok(false);
            }
            sessions::end_all(tx, target, None).await?;
            tokens::revoke_all(tx, target).await?;
            let logged_target = ("user", target, username.as_str());
            moderation_log::record(tx, actor(moderator), Action::Ban, logged_target, Some(&logged), now)
                .await?;
            Ok(true)
        })
        .await
}

/// Lifts user `target`'s ban, logged when one was in force; `false` if there is no such user.
pub async fn unban(app: &App, moderator: &User, target: i32) -> Result<bool, AppError> {
    let Some(username) = bannable(app, moderator, target).await? else { return Ok(false) };
    let now = app.now();
    app.db
        .write(async |tx| {
            if accounts::unban(tx, target, now).await? {
                let logged_target = ("user", target, username.as_str());
                moderation_log::record(tx, actor(moderator), Action::Unban, logged_target, None, now).await?;
            }
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(true)
}

/// A page of the public log, newest first.
pub async fn log(app: &App, page: u32, per_page: u32) -> Result<Page<Entry>, AppError> {
    let (items, total) = moderation_log::page(&app.db, page.into(), per_page.into()).await?;
    Ok(Page { items, page, per_page, total })
}

/// Gives user `target` `role` for `admin`, logged publicly, effective on their very next
/// request; returns their profile, or `None` if there is no such user. Not one's own role (403).
/// `role` is the body as parsed: its refusal (422) comes after 404 and 403.
pub async fn change_role(
    app: &App,
    admin: &User,
    target: i32,
    role: Result<Role, AppError>,
) -> Result<Option<people::PublicProfile>, AppError> {
    if accounts::by_id(&app.db, target).await?.is_none() {
        return Ok(None);
    }
    if admin.id == target {
        return Err(AppError::Forbidden);
    }
    let Some((_, username)) = set_role(app, actor(admin), target, role?).await? else { return Ok(None) };
    people::profile(app, &username).await
}

/// Gives `username` (any case) `role`, logged as done from the command line; returns the role
/// they had, or `None` if there is no such user.
pub async fn grant(app: &App, username: &str, role: Role) -> Result<Option<Role>, AppError> {
    let Some(id) = accounts::id_of(&app.db, username).await? else { return Ok(None) };
    Ok(set_role(app, None, id, role).await?.map(|(before, _)| before))
}

/// Gives user `id` `role` and logs it; returns the role they had and their name, or `None` if
/// there is no such user.
async fn set_role(
    app: &App,
    actor: Actor<'_>,
    id: i32,
    role: Role,
) -> Result<Option<(Role, String)>, AppError> {
    let now = app.now();
    app.db
        .write(async |tx| {
            let Some(account) = accounts::by_id(tx, id).await? else { return Ok(None) };
            let before = Role::from_column(&account.role);
            accounts::set_role(tx, id, role).await?;
            let reason = format!("{} → {}", before.as_str(), role.as_str());
            let target = ("user", id, account.username.as_str());
            moderation_log::record(tx, actor, Action::ChangeRole, target, Some(&reason), now).await?;
            Ok(Some((before, account.username)))
        })
        .await
}
