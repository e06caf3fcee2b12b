use poem::{Request, http::header::USER_AGENT, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};
use sea_orm::TransactionTrait;

use super::{ApiTags, UserRef, nullable::Nullable};
use crate::{
    AppState,
    auth::{
        SessionContext,
        accounts::{self, Taken},
        bans::Ban,
        invites, rate,
        throttle::Attempt,
        two_factor::{self, Factor},
    },
    config::Registration,
    domain::{Email, InviteCode, NewPassword, OneTimeCode, Password, TotpCode, Username},
    error::{
        AppError, ErrorBody, ErrorCode, Failure,
        kind::{Command, Form, Limited, OwnForbidden},
    },
    http::{JsonBody, client_address},
};

pub struct UsersApi;

/// A new account.
#[derive(Object)]
struct SignUp {
    /// 3–30 characters of letters, digits, `_` and `-`; unique ignoring case.
    username: Username,
    /// A valid address, at most 254 characters; stored lower-cased; unique.
    email: Email,
    /// 8–128 characters, any script; common passwords are refused.
    password: NewPassword,
    /// An invitation code: needed when the site takes members by invitation only
    /// (`registration: "invite"` in `GET /api/session`); when given, it must work in any mode.
    /// Absent, `null` or empty for none.
    invite_code: Option<Nullable<InviteCode>>,
}

/// Credentials to log in with.
#[derive(Object)]
struct Login {
    /// The account's email address (any case).
    email: Email,
    /// The account's password.
    password: Password,
    /// With two-factor login on: the 6 digits the authenticator app shows now.
    totp_code: Option<TotpCode>,
    /// With two-factor login on, in place of `totp_code`: one of the account's unused recovery
    /// codes (each works once). Not looked at when `totp_code` is given. Not looked at when `totp_code` is given.
    recovery_code: Option<OneTimeCode>,
}

#[derive(ApiResponse)]
enum SignUpResponse {
    /// The account exists and this browser is logged in to it with a brand-new session.
    #[oai(status = 201)]
    Created(Json<UserRef>, #[oai(header = "Set-Cookie")] String),
    /// Sign-up is closed (`registration_closed`); an invitation is needed and none was given
    /// (`invite_required`) or the code given is unknown, used or expired (`invalid_invite`); or
    /// a cross-site request (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// The username (`username_taken`) or the email (`email_taken`) already has an account.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
}

fn invalid_invite() -> SignUpResponse {
    SignUpResponse::Forbidden(ErrorBody::field(
        ErrorCode::InvalidInvite,
        "invite_code",
        "this invitation code is unknown, used or expired",
    ))
}

#[derive(ApiResponse)]
enum LoginResponse {
    /// Logged in, with a brand-new session (any session the browser had is ended).
    #[oai(status = 200)]
    Ok(Json<UserRef>, #[oai(header = "Set-Cookie")] String),
    /// The email and password do not match an account (`invalid_credentials`; the answer is
    /// the same whether or not the email has an account). Or they do, and the account has
    /// two-factor login on: without a code `two_factor_required` (no session is made), with a
    /// wrong, expired or used one `invalid_two_factor_code` (counted as a failed login).
    #[oai(status = 401)]
    InvalidCredentials(Json<ErrorBody>),
    /// The email and password are right, and the account is banned (`banned`; the message says
    /// until when and why). Or a cross-site request (`cross_site_request`).
    #[oai(status = 403)]
    Banned(Json<ErrorBody>),
    /// Too many failed logins for this account or from this address (`too_many_attempts`).
    #[oai(status = 429)]
    TooManyAttempts(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

#[derive(ApiResponse)]
enum LogoutResponse {
    /// Logged out: the session is deleted on the server and the cookie expired. Also the answer
    /// when there was no session (logout is idempotent).
    #[oai(status = 204)]
    LoggedOut(#[oai(header = "Set-Cookie")] String),
}

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// Sign up
    ///
    /// Creates an account and logs this browser in to it. Nothing is written unless both the
    /// account and its session are. Who may sign up is `REGISTRATION`'s (`open`, `invite` or
    /// `closed`); sign-ups are counted per client address (`SIGNUP_RATE`, 20 an hour by
    /// default).
    #[oai(path = "/users", method = "post", operation_id = "sign_up")]
    async fn sign_up(
        &self,
        state: Data<&AppState>,
        session: Data<&SessionContext>,
        req: &Request,
        body: JsonBody<SignUp>,
    ) -> Result<SignUpResponse, Failure<OwnForbidden<Limited<Form>>>> {
        if state.config.registration == Registration::Closed {
            return Ok(SignUpResponse::Forbidden(ErrorBody::new(
                ErrorCode::RegistrationClosed,
                "sign-up is closed at present",
            )));
        }
        let SignUp { username, email, password, invite_code } = body.parse()?;
        let invite_code = invite_code.and_then(|code| code.0).filter(|code| !code.expose().is_empty());
        if state.config.registration == Registration::Invite && invite_code.is_none() {
            return Ok(SignUpResponse::Forbidden(ErrorBody::field(
                ErrorCode::InviteRequired,
                "invite_code",
                "signing up needs an invitation from a member",
            )));
        }
        if username.is_reserved() {
            return Err(AppError::validation("username", "that name is reserved").into());
        }
        let password = password.unless_common("password")?;
        let now = state.config.clock.now();
        if let Some(code) = &invite_code
            && !invites::is_live(&state.db, code.expose(), now).await?
        {
            return Ok(invalid_invite());
        }
        let client = client_address(req, state.config.trust_proxy).to_string();
        let limit = state.config.signup_rate.map(|rate| rate.limit("sign-up"));
        let ticket = rate::take(limit, &state.db, &client, now)
            .await?
            .map_err(|retry_after| AppError::RateLimited { retry_after })?;
        let account = NewAccount {
            username: &username,
            email: &email,
            password: &password,
            invite_code: invite_code.as_ref(),
        };
        let signed_up = create_account(&state, &session, req, account).await;
        if let (Err(_) | Ok(SignUpResponse::Conflict(_) | SignUpResponse::Forbidden(_)), Some(ticket)) =
            (&signed_up, ticket)
        {
            ticket.refund(&state.db).await?;
        }
        Ok(signed_up?)
    }

    /// Log in
    ///
    /// Checks the credentials and logs this browser in with a brand-new session. Failed attempts
    /// are counted per account and per client address; past the limit the answer is 429 until
    /// the window passes, before any password is checked.
    #[oai(path = "/users/login", method = "post", operation_id = "log_in")]
    async fn log_in(
        &self,
        state: Data<&AppState>,
        session: Data<&SessionContext>,
        req: &Request,
        body: JsonBody<Login>,
    ) -> Result<LoginResponse, Failure<OwnForbidden<Form>>> {
        let Login { email, password, totp_code, recovery_code } = body.parse()?;
        let attempt = Attempt::new(&email, client_address(req, state.config.trust_proxy));
        if let Some(wait) = state.throttle.check(&attempt).await? {
            return Ok(LoginResponse::TooManyAttempts(
                ErrorBody::new(ErrorCode::TooManyAttempts, "too many failed logins; try again later"),
                wait.as_secs(),
            ));
        }

        let account = accounts::by_email(&state.db, &email).await?;
        let matches =
            state.hasher.verify(&password, account.as_ref().map(|a| a.password_hash.as_str())).await?;
        let Some(account) = account.filter(|_| matches) else {
            state.throttle.record_failure(&attempt).await?;
            return Ok(LoginResponse::InvalidCredentials(ErrorBody::new(
                ErrorCode::InvalidCredentials,
                "the email or password is incorrect",
            )));
        };
        if let Some(ban) = Ban::of(&account, state.config.clock.now()) {
            return Ok(LoginResponse::Banned(ErrorBody::new(ErrorCode::Banned, ban.message())));
        }
        if two_factor::is_on(&account) {
            let factor = match (&totp_code, &recovery_code) {
                (Some(code), _) => Factor::Totp(code.expose()),
                (None, Some(code)) => Factor::Recovery(code.expose()),
                (None, None) => {
                    return Ok(LoginResponse::InvalidCredentials(ErrorBody::new(
                        ErrorCode::TwoFactorRequired,
                        "enter the code from your authenticator app, or a recovery code",
                    )));
                }
            };
            if !two_factor::spend(&state.db, &account, factor, state.config.clock.now()).await? {
                state.throttle.record_failure(&attempt).await?;
                return Ok(LoginResponse::InvalidCredentials(ErrorBody::field(
                    ErrorCode::InvalidTwoFactorCode,
                    if totp_code.is_some() { "totp_code" } else { "recovery_code" },
                    "that code is not right, or was used already",
                )));
            }
        }
        state.throttle.clear_account(&attempt).await?;

        let txn = state.db.begin().await?;
        let presented = session.presented_hash.as_deref();
        let token = state.sessions.rotate(&txn, presented, account.id, req.header(USER_AGENT)).await?;
        txn.commit().await?;
        state.caches.after_commit(session.revoked()).await?;
        let cookie = state.cookie.issue(&token);
        Ok(LoginResponse::Ok(Json(UserRef { id: account.id, username: account.username }), cookie))
    }

    /// Log out
    ///
    /// Deletes this browser's session on the server and expires its cookie.
    #[oai(path = "/users/logout", method = "post", operation_id = "log_out")]
    async fn log_out(
        &self,
        state: Data<&AppState>,
        session: Data<&SessionContext>,
    ) -> Result<LogoutResponse, Failure<Command>> {
        if let Some(hash) = &session.presented_hash {
            state.sessions.revoke(&state.db, hash).await?;
            state.caches.after_commit(session.revoked()).await?;
        }
        Ok(LogoutResponse::LoggedOut(state.cookie.expire()))
    }
}

/// What a sign-up writes.
struct NewAccount<'a> {
    username: &'a Username,
    email: &'a Email,
    password: &'a Password,
    invite_code: Option<&'a InviteCode>,
}

/// Writes the account, spends its invitation (if any) and logs the browser in to it, all in one
/// transaction: nothing is written unless all of it is.
async fn create_account(
    state: &AppState,
    session: &SessionContext,
    req: &Request,
    account: NewAccount<'_>,
) -> Result<SignUpResponse, AppError> {
    let NewAccount { username, email, password, invite_code } = account;
    let password_hash = state.hasher.hash(password).await?;
    let txn = state.db.begin().await?;
    let now = state.config.clock.now();
    let id = match accounts::create(&txn, username, email, password_hash, now).await? {
        Ok(id) => id,
        Err(Taken::Email) => {
            return Ok(SignUpResponse::Conflict(ErrorBody::field(
                ErrorCode::EmailTaken,
                "email",
                "an account with this email already exists",
            )));
        }
        Err(Taken::Username) => {
            return Ok(SignUpResponse::Conflict(ErrorBody::field(
                ErrorCode::UsernameTaken,
                "username",
                "this username is taken",
            )));
        }
    };
    if let Some(code) = invite_code
        && !invites::redeem(&txn, code.expose(), id, now).await?
    {
        // Another sign-up spent it a moment ago; the transaction is abandoned.
        return Ok(invalid_invite());
    }
    let presented = session.presented_hash.as_deref();
    let token = state.sessions.rotate(&txn, presented, id, req.header(USER_AGENT)).await?;
    txn.commit().await?;
    state.caches.after_commit(session.revoked()).await?;
    let cookie = state.cookie.issue(&token);
    Ok(SignUpResponse::Created(Json(UserRef { id, username: username.as_str().to_owned() }), cookie))
}
