//! A person's account (DESIGN.md sections 3–5, 15): signing up, logging in, the profile, a new
//! password, and deleting it all.

use std::{net::IpAddr, time::Duration};

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::{
    App, Refusal, User,
    limits::{self, Limit},
    throttle::{self, Attempt},
    two_factor::is_on,
};
use crate::{
    config::Registration,
    db::{Answer, AnswerKey},
    domain::{Ban, Email, Factor, InviteCode, NewPassword, Password, SessionToken, Username},
    error::AppError,
    storage::{Tx, accounts, accounts::Account, invites, sessions, tokens, two_factor},
};

/// Where a request comes from, as far as accounts care.
#[derive(Clone, Copy, Debug)]
pub struct Client<'a> {
    /// The client's address (the TCP peer, or what a trusted proxy says).
    pub address: IpAddr,
    /// Its `User-Agent`, kept with a new session for the sessions list.
    pub user_agent: Option<&'a str>,
    /// The hash of the session token the browser presented, live or not: a login ends it, so a
    /// session id planted before the login is never adopted.
    pub presented: Option<&'a str>,
}

/// A new login: whose, and the token for the browser's cookie.
#[derive(Debug)]
pub struct LoggedIn {
    pub id: i32,
    pub username: String,
    pub token: SessionToken,
}

/// What a sign-up asks for.
pub struct SignUp {
    pub username: Username,
    pub email: Email,
    pub password: NewPassword,
    /// Given and not empty.
    pub invite_code: Option<InviteCode>,
}

/// Why a sign-up was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SignUpRefused {
    /// Nobody can sign up at present.
    Closed,
    /// The site takes members by invitation, and no code was given.
    InviteRequired,
    /// The code is unknown, used or expired.
    InvalidInvite,
    UsernameTaken,
    EmailTaken,
}

/// Creates an account and logs the browser in to it: the account, its invitation, its session and
/// the link that verifies its address in one unit of work, with the sign-up counted under the
/// client's address (`SIGNUP_RATE`); the link is mailed once it has committed.
/// `request` is the body as parsed: a closed site says so before the body's faults.
pub async fn sign_up(
    app: &App,
    request: Result<SignUp, AppError>,
    client: Client<'_>,
) -> Result<Result<LoggedIn, SignUpRefused>, AppError> {
    if app.config.registration == Registration::Closed {
        return Ok(Err(SignUpRefused::Closed));
    }
    let SignUp { username, email, password, invite_code } = request?;
    if app.config.registration == Registration::Invite && invite_code.is_none() {
        return Ok(Err(SignUpRefused::InviteRequired));
    }
    if username.is_reserved() {
        return Err(AppError::validation("username", "that name is reserved"));
    }
    let password = password.unless_common("password")?;
    let now = app.now();
    if let Some(code) = &invite_code
        && !invites::is_live(&app.db, code.expose(), now).await?
    {
        return Ok(Err(SignUpRefused::InvalidInvite));
    }
    let client_key = client.address.to_string();
    let limit = Limit::of(app.config.signup_rate, "sign-up");
    // Checked before the hashing, counted with the write.
    limits::check(&app.db, limit, &client_key, now).await?;
    let password_hash = app.passwords.hash(&password).await?;
    // A name or address taken by an account that is gone again before it is told which: once
    // more (it cannot go on: each turn found the key taken).
    for _ in 0..3 {
        let written = app
            .db
            .write(async |tx| {
                limits::take(tx, limit, &client_key, now).await?;
                let Some(id) = accounts::create(tx, &username, &email, password_hash.clone(), now).await?
                else {
                    return Err(Refusal::Refused(Stop::Taken));
                };
                if let Some(code) = &invite_code
                    && !invites::redeem(tx, code.expose(), id, now).await?
                {
                    // Another sign-up spent it a moment ago.
                    return Err(Refusal::Refused(Stop::Refused(SignUpRefused::InvalidInvite)));
                }
                let token = rotate(tx, client, id, now).await?;
                let letter =
                    super::email::verification_letter(app, tx, (id, username.as_str()), email.as_str())
                        .await?;
                Ok((LoggedIn { id, username: username.as_str().to_owned(), token }, letter))
            })
            .await;
        match Refusal::split(written)? {
            Ok((logged_in, letter)) => {
                app.postbox.post(letter);
                return Ok(Ok(logged_in));
            }
            Err(Stop::Refused(refused)) => return Ok(Err(refused)),
            Err(Stop::Taken) => match accounts::taken(&app.db, &username, &email).await? {
                Some(accounts::Taken::Email) => return Ok(Err(SignUpRefused::EmailTaken)),
                Some(accounts::Taken::Username) => return Ok(Err(SignUpRefused::UsernameTaken)),
                None => continue,
            },
        }
    }
    Err(AppError::internal("a sign-up found its name or address taken and free again, three times"))
}

/// Why a sign-up's unit of work was abandoned.
enum Stop {
    /// The username or the address is taken (which one is read after).
    Taken,
    Refused(SignUpRefused),
}

/// Ends the session the browser presented (if any) and issues a new one for `user_id`.
pub(super) async fn rotate(
    tx: &Tx,
    client: Client<'_>,
    user_id: i32,
    now: DateTime<Utc>,
) -> Result<SessionToken, AppError> {
    if let Some(presented) = client.presented {
        sessions::revoke(tx, presented).await?;
    }
    Ok(sessions::create(tx, user_id, client.user_agent, now).await?)
}

/// What a login offers.
pub struct Credentials<'a> {
    pub email: &'a Email,
    pub password: &'a Password,
    /// With two-factor login on: the app's code, or else a recovery code.
    pub totp_code: Option<&'a str>,
    pub recovery_code: Option<&'a str>,
}

/// Why a login was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginRefused {
    /// Too many failed logins for the account or from the address: wait this long.
    TooManyAttempts(Duration),
    /// The e-mail address and password do not match an account (the same for both).
    InvalidCredentials,
    /// The account is banned: the ban's message.
    Banned(String),
    /// Two-factor login is on and no code was given (no session was made).
    TwoFactorRequired,
    /// The code given (in this field) is wrong, stale or used.
    InvalidCode { field: &'static str },
}

/// Checks the credentials and logs the browser in with a brand-new session. Failures are
/// counted per account and per address; past the limit the answer comes before any hashing.
pub async fn log_in(
    app: &App,
    credentials: Credentials<'_>,
    client: Client<'_>,
) -> Result<Result<LoggedIn, LoginRefused>, AppError> {
    let attempt = Attempt::new(credentials.email, client.address);
    if let Some(wait) = throttle::check(app, &attempt).await? {
        return Ok(Err(LoginRefused::TooManyAttempts(wait)));
    }
    let account = accounts::by_email(&app.db, credentials.email).await?;
    let stored = account.as_ref().map(|account| account.password_hash.as_str());
    let matches = app.passwords.verify(credentials.password, stored).await?;
    let Some(account) = account.filter(|_| matches) else {
        throttle::record_failure(app, &attempt).await?;
        return Ok(Err(LoginRefused::InvalidCredentials));
    };
    let now = app.now();
    if let Some(ban) =
        Ban::from_columns(account.banned_at, account.banned_until, account.ban_reason.clone(), now)
    {
        return Ok(Err(LoginRefused::Banned(ban.message())));
    }
    let factor = match (credentials.totp_code, credentials.recovery_code) {
        _ if !is_on(&account) => None,
        (Some(code), _) => Some((Factor::Totp(code), "totp_code")),
        (None, Some(code)) => Some((Factor::Recovery(code), "recovery_code")),
        (None, None) => return Ok(Err(LoginRefused::TwoFactorRequired)),
    };
    let logged_in = app
        .db
        .write(async |tx| {
            if let Some((factor, field)) = factor
                && !two_factor::spend(tx, &account, factor, now).await?
            {
                return Ok(Err(LoginRefused::InvalidCode { field }));
            }
            throttle::clear_account(tx, &attempt).await?;
            let token = rotate(tx, client, account.id, now).await?;
            Ok::<_, AppError>(Ok(LoggedIn { id: account.id, username: account.username.clone(), token }))
        })
        .await?;
    if let Err(LoginRefused::InvalidCode { .. }) = logged_in {
        throttle::record_failure(app, &attempt).await?;
    }
    Ok(logged_in)
}

/// One's own account, as its owner sees it.
pub struct Profile {
    pub id: i32,
    pub username: String,
    pub email: String,
    /// Whether `email` was proved to be theirs.
    pub email_verified: bool,
    /// The address they asked to change to, while its link is live.
    pub pending_email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub two_factor: bool,
    /// Unused recovery codes (0 while two-factor login is off).
    pub recovery_codes_left: u64,
    /// Their inbox's settings.
    pub settings: super::notifications::Settings,
}

/// `user`'s own account.
pub async fn profile(app: &App, user: &User) -> Result<Profile, AppError> {
    let (account, pending_email) =
        accounts::with_pending_email(&app.db, user.id, app.now()).await?.ok_or(AppError::LoginRequired)?;
    let two_factor = is_on(&account);
    let recovery_codes_left =
        if two_factor { two_factor::recovery_codes_left(&app.db, user.id).await? } else { 0 };
    Ok(Profile {
        id: account.id,
        username: account.username,
        email: account.email,
        email_verified: account.email_verified_at.is_some(),
        pending_email,
        created_at: account.created_at,
        two_factor,
        recovery_codes_left,
        settings: super::notifications::Settings { email_notifications: account.email_notifications },
    })
}

/// `user`'s own account rendered by `render`, kept for them until what it shows changes
/// (`Change::Person`, `Change::Content`; see `db::caches`) — but not while an address change
/// waits, whose link stops being pending when it expires, with no write to say so.
pub async fn rendered_profile(
    app: &App,
    user: &User,
    render: impl FnOnce(Profile) -> Bytes,
) -> Result<Bytes, AppError> {
    let key = AnswerKey { viewer: Some(user.id), answer: Answer::Profile };
    let mut pending = false;
    let read = async {
        let profile = profile(app, user).await?;
        pending = profile.pending_email.is_some();
        Ok::<_, AppError>(Some(render(profile)))
    };
    let answer = app.db.cached(user.changes, key.clone(), read).await?;
    if pending {
        app.db.forget(&key);
    }
    answer.ok_or(AppError::LoginRequired)
}

/// Why a password given again was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// It is wrong (and counted as a failed login); the field it was sent in.
    WrongPassword { field: &'static str },
    /// Too many failed logins for the account or from the address: wait this long.
    TooManyAttempts(Duration),
}

/// Checks `password`, sent in `field`, against `user`'s account under the login throttle: a
/// wrong one counts as a failed login, and past the limit the answer comes before any hashing.
/// Returns the account and its throttle key (a wrong second factor after it counts too).
pub(super) async fn reauthenticate(
    app: &App,
    user: &User,
    (field, password): (&'static str, &Password),
    address: IpAddr,
) -> Result<Result<(Account, Attempt), Refused>, AppError> {
    let account = accounts::by_id(&app.db, user.id).await?.ok_or(AppError::LoginRequired)?;
    let email = Email::parse(&account.email)?;
    let attempt = Attempt::new(&email, address);
    if let Some(wait) = throttle::check(app, &attempt).await? {
        return Ok(Err(Refused::TooManyAttempts(wait)));
    }
    if !app.passwords.verify(password, Some(&account.password_hash)).await? {
        throttle::record_failure(app, &attempt).await?;
        return Ok(Err(Refused::WrongPassword { field }));
    }
    Ok(Ok((account, attempt)))
}

/// Sets a new password after the current one is given again, ends every session of `user`'s
/// and returns a new token for this browser: only it stays logged in.
pub async fn change_password(
    app: &App,
    user: &User,
    current: &Password,
    new: NewPassword,
    client: Client<'_>,
) -> Result<Result<SessionToken, Refused>, AppError> {
    if let Err(refused) = reauthenticate(app, user, ("current_password", current), client.address).await? {
        return Ok(Err(refused));
    }
    let new = new.unless_common("new_password")?;
    let password_hash = app.passwords.hash(&new).await?;
    let now = app.now();
    let token = app
        .db
        .write(async |tx| {
            accounts::set_password_hash(tx, user.id, password_hash).await?;
            sessions::end_all(tx, user.id, None).await?;
            tokens::revoke_all(tx, user.id).await?;
            sessions::create(tx, user.id, client.user_agent, now).await
        })
        .await?;
    Ok(Ok(token))
}

/// Deletes `user`'s account after the password is given again: their sessions, votes, posts
/// (with everyone's comments and votes on them) and comments go with it.
pub async fn delete(
    app: &App,
    user: &User,
    password: &Password,
    address: IpAddr,
) -> Result<Result<(), Refused>, AppError> {
    if let Err(refused) = reauthenticate(app, user, ("password", password), address).await? {
        return Ok(Err(refused));
    }
    app.db.write(async |tx| accounts::delete(tx, user.id).await).await?;
    Ok(Ok(()))
}
