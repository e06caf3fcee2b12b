//! A person's e-mail address (DESIGN.md section 23): proving it is theirs, and changing it.
//!
//! - Sign-up mails a link to verify the address ([`verification_letter`], made in the sign-up's
//!   own unit of work); [`resend`] mails a new one, at most [`RESENDS_PER_HOUR`] an hour.
//! - A change ([`request_change`]) takes the password, mails a link to the new address and a
//!   notice to the old one, and changes nothing until the link is opened ([`confirm_change`]):
//!   then the new address is on the account, verified, and every other session and token of the
//!   person is ended.
//! - A link's token is 32 random bytes (base64url), stored as its SHA-256 only, for one purpose,
//!   live for [`VALID_FOR`], used once; a person's newest link of a purpose replaces the older.

use std::time::Duration;

use super::{
    App, Refusal, User,
    accounts::{Refused, reauthenticate},
    limits::{self, Limit},
    span,
};
use crate::{
    domain::{Email, Password, SessionToken},
    error::AppError,
    mail::Letter,
    storage::{
        Tx, accounts,
        email_tokens::{self, Purpose},
        sessions, tokens,
    },
};

/// How long a mailed link works.
pub const VALID_FOR: Duration = Duration::from_secs(48 * 3600);

/// Verification mails a person may ask for within an hour, besides the one sign-up sends.
pub const RESENDS_PER_HOUR: u64 = 3;

/// Changes of address a person may ask for within an hour.
pub const CHANGES_PER_HOUR: u64 = 3;

/// How long rows are kept after they were made (longer than a link lives).
pub const KEPT_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// Makes a verification link for `user`'s `email` in the unit of work `tx`, and the letter that
/// carries it (to post once the unit of work has committed).
pub(super) async fn verification_letter(
    app: &App,
    tx: &Tx,
    (user, username): (i32, &str),
    email: &str,
) -> Result<Letter, AppError> {
    let now = app.now();
    let token = email_tokens::create(tx, user, Purpose::Verify, email, now, now + span(VALID_FOR)).await?;
    Ok(Letter {
        to: email.to_owned(),
        subject: "Confirm your e-mail address for Just Tech News".into(),
        body: format!(
            "Hello {username},\n\n\
             Welcome to Just Tech News. To confirm that this address is yours,\n\
             open this link within 48 hours:\n\n\
             {origin}/verify#token={token}\n\n\
             A confirmed address is how you get back in if you forget your\n\
             password. If you did not sign up, ignore this mail.\n",
            origin = app.origin,
            token = token.expose(),
        ),
    })
}

/// Why no verification mail was sent.
#[derive(Debug, PartialEq, Eq)]
pub enum NotResent {
    /// The address is verified already.
    AlreadyVerified,
}

/// Mails `user` a new verification link (the older ones stop working).
pub async fn resend(app: &App, user: &User) -> Result<Result<(), NotResent>, AppError> {
    let account = accounts::by_id(&app.db, user.id).await?.ok_or(AppError::LoginRequired)?;
    if account.email_verified_at.is_some() {
        return Ok(Err(NotResent::AlreadyVerified));
    }
    let now = app.now();
    let limit = Limit { name: "verification-mail", max: RESENDS_PER_HOUR, window: Duration::from_secs(3600) };
    let letter = app
        .db
        .write(async |tx| {
            limits::take(tx, Some(limit), &user.id.to_string(), now).await?;
            verification_letter(app, tx, (account.id, &account.username), &account.email).await
        })
        .await?;
    app.postbox.post(letter);
    Ok(Ok(()))
}

/// The link is not live: used, expired, replaced by a newer one, of another purpose, or never
/// issued.
#[derive(Debug, PartialEq, Eq)]
pub struct NotLive;

/// Marks the address verified with the token from a verification link; the token is spent. A
/// link for an address the account no longer has is not live.
pub async fn verify(app: &App, token: &str) -> Result<Result<(), NotLive>, AppError> {
    let now = app.now();
    let Some(link) = email_tokens::live(&app.db, token, Purpose::Verify, now).await? else {
        return Ok(Err(NotLive));
    };
    let written = app
        .db
        .write(async |tx| {
            if !email_tokens::spend(tx, link.id, now).await? {
                return Err(Refusal::Refused(NotLive));
            }
            if !accounts::set_verified(tx, link.user_id, &link.email, now).await? {
                return Err(Refusal::Refused(NotLive));
            }
            Ok(())
        })
        .await;
    Refusal::split(written)
}

/// Why a change of address was not begun.
#[derive(Debug, PartialEq, Eq)]
pub enum ChangeRefused {
    /// The password given again was wrong, or too many were lately.
    Password(Refused),
    /// Another account has the address.
    Taken,
}

/// Begins changing `user`'s address to `email` once the password is given again: mails a link to
/// the new address and a notice to the old one. Nothing changes until the link is opened.
pub async fn request_change(
    app: &App,
    user: &User,
    email: Email,
    password: &Password,
    address: std::net::IpAddr,
) -> Result<Result<(), ChangeRefused>, AppError> {
    let (account, _) = match reauthenticate(app, user, ("password", password), address).await? {
        Ok(found) => found,
        Err(refused) => return Ok(Err(ChangeRefused::Password(refused))),
    };
    if email.as_str() == account.email {
        return Err(AppError::validation("email", "that is the address you have already"));
    }
    if accounts::by_email(&app.db, &email).await?.is_some() {
        return Ok(Err(ChangeRefused::Taken));
    }
    let now = app.now();
    let limit = Limit { name: "email-change", max: CHANGES_PER_HOUR, window: Duration::from_secs(3600) };
    let token: SessionToken = app
        .db
        .write(async |tx| {
            limits::take(tx, Some(limit), &user.id.to_string(), now).await?;
            let expires_at = now + span(VALID_FOR);
            Ok::<_, AppError>(
                email_tokens::create(tx, user.id, Purpose::Change, email.as_str(), now, expires_at).await?,
            )
        })
        .await?;
    app.postbox.post(Letter {
        to: email.as_str().to_owned(),
        subject: "Confirm your new e-mail address for Just Tech News".into(),
        body: format!(
            "Hello {username},\n\n\
             You asked to use this address for your Just Tech News account.\n\
             To make the change, open this link within 48 hours:\n\n\
             {origin}/confirm-email#token={token}\n\n\
             Until then your account keeps its old address. If you did not\n\
             ask for this, ignore this mail.\n",
            username = account.username,
            origin = app.origin,
            token = token.expose(),
        ),
    });
    app.postbox.post(Letter {
        to: account.email.clone(),
        subject: "Your Just Tech News e-mail address is being changed".into(),
        body: format!(
            "Hello {username},\n\n\
             Someone logged in to your Just Tech News account asked to change\n\
             its e-mail address to {new}. Nothing changes unless a link\n\
             mailed to that address is opened within 48 hours.\n\n\
             If this was not you, change your password now at\n\
             {origin}/account — that logs everyone else out.\n",
            username = account.username,
            new = email.as_str(),
            origin = app.origin,
        ),
    });
    Ok(Ok(()))
}

/// Why a change of address was not made.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfirmRefused {
    NotLive,
    /// Another account took the address meanwhile.
    Taken,
}

/// Puts the new address on the account with the token from a change link, verified, and ends
/// every other session and every token of the person; the token is spent. `viewer` is whoever
/// opened the link: if it is the account's owner, the session they opened it in stays.
pub async fn confirm_change(
    app: &App,
    token: &str,
    viewer: Option<&User>,
) -> Result<Result<(), ConfirmRefused>, AppError> {
    let now = app.now();
    let Some(link) = email_tokens::live(&app.db, token, Purpose::Change, now).await? else {
        return Ok(Err(ConfirmRefused::NotLive));
    };
    let keep =
        viewer.filter(|viewer| viewer.id == link.user_id && viewer.session_id != 0).map(|v| v.session_id);
    let written = app
        .db
        .write(async |tx| {
            if !email_tokens::spend(tx, link.id, now).await? {
                return Err(Refusal::Refused(ConfirmRefused::NotLive));
            }
            if !accounts::set_email(tx, link.user_id, &link.email, now).await? {
                return Err(Refusal::Refused(ConfirmRefused::Taken));
            }
            sessions::end_all(tx, link.user_id, keep).await?;
            tokens::revoke_all(tx, link.user_id).await?;
            Ok(())
        })
        .await;
    Refusal::split(written)
}

/// Deletes links made more than [`KEPT_FOR`] ago; returns how many.
pub async fn sweep(app: &App) -> Result<u64, sea_orm::DbErr> {
    let made_by = app.now() - span(KEPT_FOR);
    app.db.write(async |tx| email_tokens::sweep(tx, made_by).await).await
}
