//! Two-factor login (DESIGN.md section 16): setting it up, turning it on with a code from the
//! app, turning it off, and new recovery codes. Turning it on or off ends one's other sessions.

use std::net::IpAddr;

use super::{
    App, User,
    accounts::{self, reauthenticate},
    throttle,
};
use crate::{
    domain::{Factor, Password, TotpSecret, qr_svg},
    error::AppError,
    storage::{accounts::Account, sessions, tokens, two_factor},
};

/// Whether `account` has two-factor login on.
pub fn is_on(account: &Account) -> bool {
    account.totp_enabled_at.is_some()
}

/// Why a two-factor change was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The password given again was not accepted.
    Password(accounts::Refused),
    /// It is on already.
    On,
    /// It is off already.
    Off,
    /// No set-up was started to confirm.
    NotStarted,
    /// The code is not the app's code for now, or a used one.
    WrongCode,
}

/// A pending set-up: the secret, shown only now.
pub struct Setup {
    pub secret: String,
    pub otpauth_url: String,
    pub qr_svg: String,
}

/// Starts a set-up after the password is given again: a fresh secret, pending until a code made
/// from it is confirmed (a new start replaces a pending one).
pub async fn start(
    app: &App,
    user: &User,
    password: &Password,
    address: IpAddr,
) -> Result<Result<Setup, Refused>, AppError> {
    let account = match reauthenticate(app, user, ("password", password), address).await? {
        Ok((account, _)) => account,
        Err(refused) => return Ok(Err(Refused::Password(refused))),
    };
    let secret = TotpSecret::generate();
    if is_on(&account) || !app.db.write(async |tx| two_factor::start(tx, user.id, &secret).await).await? {
        return Ok(Err(Refused::On));
    }
    let otpauth_url = secret.otpauth_url(&account.username);
    let qr_svg =
        qr_svg(&otpauth_url).ok_or_else(|| AppError::internal("a Key URI does not fit in a QR code"))?;
    Ok(Ok(Setup { secret: secret.expose().to_owned(), otpauth_url, qr_svg }))
}

/// Turns two-factor login on with a code from the app the pending set-up was added to; ends
/// every other session of `user`'s and returns ten recovery codes, shown only now.
pub async fn confirm(app: &App, user: &User, code: &str) -> Result<Result<Vec<String>, Refused>, AppError> {
    let account = accounts_row(app, user).await?;
    if is_on(&account) {
        return Ok(Err(Refused::On));
    }
    let Some(secret) = account.totp_secret.as_deref().map(TotpSecret::stored) else {
        return Ok(Err(Refused::NotStarted));
    };
    let now = app.now();
    let Some(step) = secret.step_of(code, now) else { return Ok(Err(Refused::WrongCode)) };
    app.db
        .write(async |tx| {
            let Some(codes) = two_factor::enable(tx, user.id, &secret, step, now).await? else {
                return Ok(Err(Refused::On));
            };
            sessions::end_all(tx, user.id, Some(user.session_id)).await?;
            Ok(Ok(codes))
        })
        .await
}

/// Turns two-factor login off after the password and a code (the app's, or an unused recovery
/// code); ends every other session of `user`'s.
pub async fn disable(
    app: &App,
    user: &User,
    password: &Password,
    code: &str,
    address: IpAddr,
) -> Result<Result<(), Refused>, AppError> {
    let (account, attempt) = match reauthenticate(app, user, ("password", password), address).await? {
        Ok(found) => found,
        Err(refused) => return Ok(Err(Refused::Password(refused))),
    };
    if !is_on(&account) {
        return Ok(Err(Refused::Off));
    }
    let now = app.now();
    let disabled = app
        .db
        .write(async |tx| {
            if !two_factor::spend(tx, &account, Factor::either(code), now).await? {
                return Ok(Err(Refused::WrongCode));
            }
            if !two_factor::disable(tx, user.id).await? {
                return Ok(Err(Refused::Off));
            }
            sessions::end_all(tx, user.id, Some(user.session_id)).await?;
            tokens::revoke_all(tx, user.id).await?;
            Ok::<_, AppError>(Ok(()))
        })
        .await?;
    if disabled == Err(Refused::WrongCode) {
        throttle::record_failure(app, &attempt).await?;
    }
    Ok(disabled)
}

/// Ten fresh recovery codes after the password is given again; the old ones stop working.
pub async fn regenerate(
    app: &App,
    user: &User,
    password: &Password,
    address: IpAddr,
) -> Result<Result<Vec<String>, Refused>, AppError> {
    let account = match reauthenticate(app, user, ("password", password), address).await? {
        Ok((account, _)) => account,
        Err(refused) => return Ok(Err(Refused::Password(refused))),
    };
    if !is_on(&account) {
        return Ok(Err(Refused::Off));
    }
    let codes = app.db.write(async |tx| two_factor::replace_recovery_codes(tx, user.id).await).await?;
    Ok(Ok(codes))
}

async fn accounts_row(app: &App, user: &User) -> Result<Account, AppError> {
    crate::storage::accounts::by_id(&app.db, user.id).await?.ok_or(AppError::LoginRequired)
}
