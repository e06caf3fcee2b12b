//! Password reset by e-mail (DESIGN.md section 16).
//!
//! - A request answers the same for every address. The work behind it — finding the account,
//!   making a token, mailing it — runs after the answer ([`issue`]), so neither the answer nor
//!   its timing says whether the address has an account.
//! - A token is 32 random bytes (base64url, like a session token), valid for one hour, stored
//!   as its SHA-256 only. A newer request replaces older ones: only a user's newest is live.
//! - At most [`MAILS_PER_HOUR`] mails per account per hour; past that a request sends nothing
//!   and changes nothing. Requests are limited per client address
//!   (`PASSWORD_RESET_MAX_PER_ADDRESS` within 15 minutes).

use std::{net::IpAddr, time::Duration};

use super::{
    App,
    limits::{self, Limit},
    span,
    throttle::{self, Attempt},
};
use crate::{
    domain::{Email, NewPassword},
    error::{AppError, chain},
    mail::Letter,
    storage::{accounts, resets, sessions, tokens},
};

/// How long a reset link works.
pub const VALID_FOR: Duration = Duration::from_secs(3600);

/// Mails per account within an hour.
pub const MAILS_PER_HOUR: u64 = 3;

/// How long rows are kept after they were made (the mail limit looks back an hour).
const KEPT_FOR: Duration = Duration::from_secs(24 * 3600);

/// Reset requests per client address within 15 minutes, for known and unknown addresses alike.
fn per_client(app: &App) -> Limit {
    Limit {
        name: "password-reset",
        max: app.config.password_reset_max_per_address,
        window: Duration::from_secs(15 * 60),
    }
}

/// Asks for a reset link for `email`: `Err(wait)` when `address` asked too often lately.
/// Otherwise the link is made and mailed after the answer, if the address has an account.
pub async fn request(app: &App, email: Email, address: IpAddr) -> Result<Result<(), Duration>, AppError> {
    let now = app.now();
    let client = address.to_string();
    let counted = app.db.write(async |tx| limits::take(tx, Some(per_client(app)), &client, now).await).await;
    match counted {
        Ok(()) => {}
        Err(AppError::RateLimited { retry_after }) => return Ok(Err(retry_after)),
        Err(err) => return Err(err),
    }
    tokio::spawn(issue(app.clone(), email));
    Ok(Ok(()))
}

/// Makes a reset for `email` and mails it, if the address has an account that may have another
/// mail this hour. Runs after the request has been answered; failures are logged, never shown.
async fn issue(app: App, email: Email) {
    if let Err(err) = try_issue(&app, &email).await {
        tracing::warn!(error = %chain(&err), "a password reset could not be made");
    }
}

async fn try_issue(app: &App, email: &Email) -> Result<(), AppError> {
    let Some(account) = accounts::by_email(&app.db, email).await? else { return Ok(()) };
    let now = app.now();
    let (hour_ago, expires_at) = (now - span(Duration::from_secs(3600)), now + span(VALID_FOR));
    let made = app
        .db
        .write(async |tx| resets::create(tx, account.id, hour_ago, MAILS_PER_HOUR, now, expires_at).await);
    let Some(token) = made.await? else {
        tracing::info!(user_id = account.id, "password reset not mailed: the hourly limit is reached");
        return Ok(());
    };
    let link = format!("{}/reset#token={}", app.origin, token.expose());
    app.postbox.post(Letter {
        to: account.email,
        subject: "Reset your Just Tech News password".into(),
        body: format!(
            "Hello {},\n\n\
             Someone, hopefully you, asked to reset the password of your\n\
             Just Tech News account. To choose a new password, open this\n\
             link within the hour:\n\n\
             {link}\n\n\
             The link works once. If you did not ask for this, ignore this\n\
             mail: your password stays as it is.\n",
            account.username
        ),
    });
    Ok(())
}

/// The token is not live: used, expired, replaced by a newer one, or never issued.
#[derive(Debug, PartialEq, Eq)]
pub struct NotLive;

/// Sets a new password with the token from a reset link, and ends every session of the
/// account; the token is spent. A new password that breaks the rules is refused (422) and the
/// token stays live. Whoever locked the account out by guessing has lost: its owner may log in
/// at once.
pub async fn confirm(
    app: &App,
    token: &str,
    new_password: NewPassword,
    address: IpAddr,
) -> Result<Result<(), NotLive>, AppError> {
    let now = app.now();
    let Some(reset) = resets::live(&app.db, token, now).await? else { return Ok(Err(NotLive)) };
    let new_password = new_password.unless_common("new_password")?;
    let password_hash = app.passwords.hash(&new_password).await?;
    let attempt = match accounts::by_id(&app.db, reset.user_id).await? {
        Some(account) => Email::parse(&account.email).ok().map(|email| Attempt::new(&email, address)),
        None => return Ok(Err(NotLive)),
    };
    app.db
        .write(async |tx| {
            if !resets::spend(tx, reset.id, now).await? {
                return Ok(Err(NotLive));
            }
            accounts::set_password_hash(tx, reset.user_id, password_hash).await?;
            sessions::end_all(tx, reset.user_id, None).await?;
            tokens::revoke_all(tx, reset.user_id).await?;
            if let Some(attempt) = &attempt {
                throttle::clear_account(tx, attempt).await?;
            }
            Ok(Ok(()))
        })
        .await
}

/// Deletes resets made more than a day ago; returns how many.
pub async fn sweep(app: &App) -> Result<u64, sea_orm::DbErr> {
    let made_by = app.now() - span(KEPT_FOR);
    app.db.write(async |tx| resets::sweep(tx, made_by).await).await
}
