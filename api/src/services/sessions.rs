//! Sessions (DESIGN.md section 4): the session a request's cookie names, logging out, the list
//! of one's sessions, ending some of them, and sweeping the expired.

use chrono::{DateTime, Utc};
use sea_orm::DbErr;

use super::{App, User};
use crate::{
    domain::{bans, device},
    error::AppError,
    storage::{sessions, sessions::LiveSession},
};

/// `last_seen_at` is written at most this often per session, so reads stay reads.
pub(super) const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// What a request's session token turned out to be.
pub struct Resolved {
    /// Whose it is, when it is alive.
    pub user: Option<User>,
    /// The database's change counter, when it was read with the session (see `db::counter`).
    pub changes: Option<i64>,
}

/// The session whose token hashes to `token_hash`, if it is alive: from the cache where sessions
/// are cached, else from the store. A dead one is deleted on the way; a live one has its
/// `last_seen_at` refreshed about once a minute.
pub async fn resolve(app: &App, token_hash: &str) -> Result<Resolved, DbErr> {
    let found = app.db.session(token_hash).await?;
    let changes = found.changes;
    let Some(session) = found.session else { return Ok(Resolved { user: None, changes }) };
    let alive = match judge(app, &session) {
        Liveness::Live => true,
        Liveness::Dead => {
            app.db.write(async |tx| sessions::revoke(tx, token_hash).await).await?;
            false
        }
        Liveness::Unseen { now } => {
            app.db.write(async |tx| sessions::touch(tx, session.id, token_hash, now).await).await?
        }
    };
    let session_id = session.id;
    let user = alive.then(|| User::of(session, session_id, changes));
    Ok(Resolved { user, changes })
}

/// What a session's timestamps say about it now.
#[derive(Debug, PartialEq, Eq)]
enum Liveness {
    /// Past its idle or absolute timeout, or its user is banned.
    Dead,
    /// Alive, seen within the last minute.
    Live,
    /// Alive, but `last_seen_at` is over a minute old: write `now` there.
    Unseen { now: DateTime<Utc> },
}

/// Whether `session` is alive now, and whether its `last_seen_at` is due to be refreshed. The
/// session of a banned user is dead: a ban deletes them all, and this refuses one a login racing
/// the ban made.
fn judge(app: &App, session: &LiveSession) -> Liveness {
    let now = app.now();
    let (idle, absolute) = timeouts(app);
    let banned = bans::in_force(session.banned_at, session.banned_until, now);
    if banned || now - session.last_seen_at >= idle || now - session.created_at >= absolute {
        Liveness::Dead
    } else if now - session.last_seen_at >= TOUCH_INTERVAL {
        Liveness::Unseen { now }
    } else {
        Liveness::Live
    }
}

/// The idle and absolute timeouts.
fn timeouts(app: &App) -> (chrono::Duration, chrono::Duration) {
    let to_chrono = |d| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
    (to_chrono(app.config.session_idle_timeout), to_chrono(app.config.session_absolute_timeout))
}

/// Ends the session the browser presented, if it presented one (logout is idempotent).
pub async fn log_out(app: &App, presented: Option<&str>) -> Result<(), AppError> {
    if let Some(token_hash) = presented {
        app.db.write(async |tx| sessions::revoke(tx, token_hash).await).await?;
    }
    Ok(())
}

/// One place where a person is logged in.
pub struct Listed {
    pub id: i32,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The browser and system, e.g. "Firefox on Windows".
    pub device: String,
    /// Whether it is the session asking.
    pub current: bool,
}

/// `user`'s live sessions, most recently used first.
pub async fn list(app: &App, user: &User) -> Result<Vec<Listed>, AppError> {
    let now = app.now();
    let (idle, absolute) = timeouts(app);
    let rows = sessions::live_of_user(&app.db, user.id, now - idle, now - absolute).await?;
    Ok(rows
        .into_iter()
        .map(|row| Listed {
            current: row.id == user.session_id,
            id: row.id,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            device: device::describe(row.user_agent.as_deref()),
        })
        .collect())
}

/// Ends `user`'s session `id`; returns whether they had such a session.
pub async fn end_one(app: &App, user: &User, id: i32) -> Result<bool, AppError> {
    Ok(app.db.write(async |tx| sessions::end_one(tx, user.id, id).await).await?)
}

/// Ends every session of `user`'s but the one asking.
pub async fn end_others(app: &App, user: &User) -> Result<(), AppError> {
    app.db.write(async |tx| sessions::end_all(tx, user.id, Some(user.session_id)).await).await?;
    Ok(())
}

/// Deletes every session past its timeouts; returns how many.
pub async fn sweep(app: &App) -> Result<u64, DbErr> {
    let now = app.now();
    let (idle, absolute) = timeouts(app);
    app.db.write(async |tx| sessions::sweep(tx, now - idle, now - absolute).await).await
}
