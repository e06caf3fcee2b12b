//! What the site does: one function per use case (`votes::cast`, `accounts::change_password`),
//! each making its reads, its checks and at most one unit of work (`Db::write`), which reports
//! what changed before the function returns. Handlers call exactly one of these and map its
//! outcome; the command line and the background work call them too. Testable without HTTP.
//!
//! Each returns `Result<_, AppError>` for what any operation can meet (validation, a missing
//! login, a rate limit, an outage), and the outcomes particular to it as values of its own types.

pub mod accounts;
pub mod comments;
pub mod email;
pub mod export;
pub mod feeds;
pub mod flags;
pub mod invites;
mod limits;
pub mod maintenance;
pub mod marks;
pub mod moderation;
pub mod mutes;
pub mod notifications;
pub mod passkeys;
pub mod passwords;
pub mod people;
pub mod posts;
pub mod recovery;
pub mod search;
pub mod seed;
pub mod sessions;
pub mod tags;
mod throttle;
pub mod tokens;
pub mod two_factor;
pub mod votes;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{config::Config, db::Db, domain::Role, error::AppError, mail::Postbox};

/// What every use case can reach. Cloned freely.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub config: Arc<Config>,
    pub passwords: passwords::PasswordHasher,
    /// Where mails are handed over to be sent.
    pub postbox: Postbox,
    /// `PUBLIC_URL`'s origin, as browsers send it in `Origin` and as links in mails start.
    pub origin: String,
    /// The site as passkeys know it.
    pub passkeys: passkeys::RelyingParty,
}

impl App {
    /// The site on `db`, configured by `config`; starts the mail sender and the hashing threads.
    pub fn new(db: Db, config: Config) -> Self {
        Self {
            origin: config.public_url.origin().ascii_serialization(),
            passkeys: passkeys::RelyingParty::of(&config.public_url),
            passwords: passwords::PasswordHasher::new(config.bcrypt_cost),
            postbox: Postbox::start(&config.mail),
            config: Arc::new(config),
            db,
        }
    }

    /// Now, by the configured clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.config.clock.now()
    }
}

/// A logged-in person, as their session said on this request.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i32,
    pub username: String,
    /// The public id of the session this request rides on.
    pub session_id: i32,
    /// Their role as of this request.
    pub role: Role,
    /// How many of their notifications were unread as of this request.
    pub unread: u64,
    /// Whether their address was verified as of this request (DESIGN.md section 23).
    pub email_verified: bool,
    /// The database's change counter as read with the session, if it was (see `db::counter`):
    /// what their own cached answers (inbox, profile) are brought up to date with.
    pub changes: Option<i64>,
}

impl User {
    /// The person a live session's (or token's) row names, on the session `session_id` (0 for
    /// a token: it rides on no browser session).
    fn of(row: crate::storage::sessions::LiveSession, session_id: i32, changes: Option<i64>) -> Self {
        Self {
            id: row.user_id,
            username: row.username,
            session_id,
            role: Role::from_column(&row.role),
            unread: u64::try_from(row.unread).unwrap_or(0),
            email_verified: row.email_verified_at.is_some(),
            changes,
        }
    }
}

/// `duration` as chrono's, for moving a timestamp (longer than chrono can hold: its longest).
fn span(duration: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// Refuses new content from `user` while `REQUIRE_VERIFIED_EMAIL` is on and their address is not
/// verified (DESIGN.md section 23).
fn may_contribute(app: &App, user: &User) -> Result<(), AppError> {
    if app.config.require_verified_email && !user.email_verified {
        return Err(AppError::EmailUnverified);
    }
    Ok(())
}

/// Who is asking for something the answer cache may hold.
#[derive(Clone, Debug, Default)]
pub struct Viewer {
    /// The logged-in person, if any.
    pub user: Option<User>,
    /// The database's change counter as read with the session, if it was (see `db::counter`).
    pub changes: Option<i64>,
}

impl Viewer {
    /// The logged-in person's id, if any.
    pub fn id(&self) -> Option<i32> {
        self.user.as_ref().map(|user| user.id)
    }

    /// Whether the viewer moderates (sees what moderators removed).
    pub fn is_staff(&self) -> bool {
        self.user.as_ref().is_some_and(|user| user.role.is_staff())
    }
}

/// Why a change to something of one's own was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Denied {
    /// There is no such thing (or it is not shown).
    NotFound,
    /// It is someone else's.
    NotAuthor,
}

impl Denied {
    /// Whether `user` may change something written by `author` (`None`: it is not there).
    fn unless_author(author: Option<i32>, user: &User) -> Result<(), Denied> {
        match author {
            None => Err(Denied::NotFound),
            Some(author) if author != user.id => Err(Denied::NotAuthor),
            Some(_) => Ok(()),
        }
    }
}

/// A page of something listed.
pub struct Page<T> {
    pub items: Vec<T>,
    /// This page's number, from 1.
    pub page: u32,
    /// The page size asked for.
    pub per_page: u32,
    /// How many there are in all.
    pub total: u64,
}

/// How a unit of work that may refuse ended short of its end: refused (an outcome, the
/// transaction abandoned) or failed.
pub(crate) enum Refusal<R> {
    Refused(R),
    Failed(AppError),
}

impl<R> Refusal<R> {
    /// A unit of work's result, with its refusal as the outcome and its failure as the error.
    pub(crate) fn split<T>(written: Result<T, Self>) -> Result<Result<T, R>, AppError> {
        match written {
            Ok(done) => Ok(Ok(done)),
            Err(Self::Refused(refused)) => Ok(Err(refused)),
            Err(Self::Failed(err)) => Err(err),
        }
    }
}

impl<R> From<AppError> for Refusal<R> {
    fn from(err: AppError) -> Self {
        Self::Failed(err)
    }
}

impl<R> From<sea_orm::DbErr> for Refusal<R> {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Failed(err.into())
    }
}
