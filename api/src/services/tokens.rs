//! Personal API tokens (DESIGN.md section 22): made with the password, listed without their
//! secret, revoked at once; the token a request's `Authorization: Bearer` names, if it is alive.
//!
//! A token is its owner's on every `/api` operation that takes it, within its scopes: `read` for
//! the reads, `write` for those and the writes on content. What it may never do (change the
//! password, two-factor login, tokens, sessions, settings; delete the account; export) is
//! refused by the extractor those operations take (`http::extract::Owner`).

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::DbErr;

use super::{App, User, accounts, sessions::TOUCH_INTERVAL};
use crate::{
    domain::{ApiToken, FeedToken, Password, TokenName, bans},
    error::AppError,
    storage::tokens::{self, NewToken},
};

pub use crate::storage::tokens::{Listed, MAX_PER_PERSON};

/// What a token allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scopes {
    /// The reads.
    pub read: bool,
    /// The reads and the writes on content.
    pub write: bool,
}

impl Scopes {
    /// As stored: `read`, `write` or `read,write`.
    pub fn as_column(self) -> &'static str {
        match (self.read, self.write) {
            (true, true) => "read,write",
            (false, true) => "write",
            _ => "read",
        }
    }

    pub fn from_column(column: &str) -> Self {
        Self { read: column.split(',').any(|s| s == "read"), write: column.split(',').any(|s| s == "write") }
    }

    /// Whether a request of `method` may be made with them: a read with either scope, a write
    /// with `write`.
    pub fn allow(self, reads_only: bool) -> bool {
        self.write || (reads_only && self.read)
    }
}

/// What a request's bearer token turned out to be.
pub struct Resolved {
    /// Whose it is and what it allows, when it is alive.
    pub user: Option<(User, Scopes)>,
    /// The database's change counter, when it was read with the token (see `db::counter`).
    pub changes: Option<i64>,
}

/// The token whose secret hashes to `token_hash`, if it is alive (not expired, its owner not
/// banned): from the cache where sessions are cached, else from the store. Its `last_used_at` is
/// written at its first use and then about once a minute.
pub async fn resolve(app: &App, token_hash: &str) -> Result<Resolved, DbErr> {
    let found = app.db.token(token_hash).await?;
    let changes = found.changes;
    let Some(token) = found.session else { return Ok(Resolved { user: None, changes }) };
    let now = app.now();
    let expired = token.expires_at.is_some_and(|at| at <= now);
    if expired || bans::in_force(token.banned_at, token.banned_until, now) {
        return Ok(Resolved { user: None, changes });
    }
    // Never used, `last_seen_at` is when it was made (a use writes a later time).
    let unused = token.last_seen_at == token.created_at;
    if (unused || now - token.last_seen_at >= TOUCH_INTERVAL)
        && !app.db.write(async |tx| tokens::touch(tx, token.id, token_hash, now).await).await?
    {
        return Ok(Resolved { user: None, changes });
    }
    let scopes = Scopes::from_column(token.scopes.as_deref().unwrap_or_default());
    // No browser session: a token's requests end no session and keep none.
    let user = User::of(token, 0, changes);
    Ok(Resolved { user: Some((user, scopes)), changes })
}

/// Why a token was not made.
#[derive(Debug, PartialEq, Eq)]
pub enum NotMade {
    /// The password was not accepted.
    Refused(accounts::Refused),
    /// They have [`MAX_PER_PERSON`] tokens already.
    TooMany,
}

/// A new token as its owner first sees it: the only time its secret is shown.
pub struct Made {
    pub token: Listed,
    pub secret: ApiToken,
}

/// Makes a token for `user` after their password is given again: `expires_in_days` from now, or
/// never.
pub async fn create(
    app: &App,
    user: &User,
    (name, scopes, expires_in_days): (TokenName, Scopes, Option<u32>),
    password: &Password,
    address: IpAddr,
) -> Result<Result<Made, NotMade>, AppError> {
    if let Err(refused) = accounts::reauthenticate(app, user, ("password", password), address).await? {
        return Ok(Err(NotMade::Refused(refused)));
    }
    let now = app.now();
    let expires_at: Option<DateTime<Utc>> =
        expires_in_days.map(|days| now + chrono::Duration::days(i64::from(days)));
    let new = NewToken { name: name.as_str(), scopes: scopes.as_column(), expires_at };
    let made = app.db.write(async |tx| tokens::create(tx, user.id, &new, now).await).await?;
    Ok(match made {
        Some((token, secret)) => Ok(Made { token, secret }),
        None => Err(NotMade::TooMany),
    })
}

/// `user`'s tokens, newest first, without their secrets.
pub async fn list(app: &App, user: &User) -> Result<Vec<Listed>, AppError> {
    Ok(tokens::list(&app.db, user.id).await?)
}

/// Revokes `user`'s token `id`: the next request with it, on any instance, is refused. `false`
/// if they have no such token.
pub async fn revoke(app: &App, user: &User, id: i32) -> Result<bool, AppError> {
    Ok(app.db.write(async |tx| tokens::revoke(tx, user.id, id).await).await?)
}

/// Gives `user` a new private feed token, replacing the one they had: its URLs stop working at
/// once.
pub async fn new_feed_token(app: &App, user: &User) -> Result<FeedToken, AppError> {
    let token = FeedToken::generate();
    let hash = token.hash();
    app.db.write(async |tx| tokens::set_feed_token(tx, user.id, Some(hash.clone())).await).await?;
    Ok(token)
}

/// Takes `user`'s private feed token away: its URLs stop working at once.
pub async fn drop_feed_token(app: &App, user: &User) -> Result<(), AppError> {
    Ok(app.db.write(async |tx| tokens::set_feed_token(tx, user.id, None).await).await?)
}
