use poem::{Request, http::header::USER_AGENT, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};
use sea_orm::TransactionTrait;

use super::{ApiTags, UserRef};
use crate::{
    AppState,
    auth::{
        SessionContext,
        accounts::{self, Taken},
        throttle::Attempt,
        two_factor::{self, Factor},
    },
    domain::{Email, NewPassword, OneTimeCode, Password, TotpCode, Username},
    error::{
        AppError, ErrorBody, ErrorCode, Failure,
        kind::{Command, Form},
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
    /// The username (`username_taken`) or the email (`email_taken`) already has an account.
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
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
    /// account and its session are.
    #[oai(path = "/users", method = "post", operation_id = "sign_up")]
    async fn sign_up(
        &self,
        state: Data<&AppState>,
        session: Data<&SessionContext>,
        req: &Request,
        body: JsonBody<SignUp>,
    ) -> Result<SignUpResponse, Failure<Form>> {
        let SignUp { username, email, password } = body.parse()?;
        if username.is_reserved() {
            return Err(AppError::validation("username", "that name is reserved").into());
        }
        let password = password.unless_common("password")?;
        let password_hash = state.hasher.hash(&password).await?;

        let txn = state.db.begin().await?;
        let now = state.config.clock.now();
        let id = match accounts::create(&txn, &username, &email, password_hash, now).await? {
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
        let presented = session.presented_hash.as_deref();
        let token = state.sessions.rotate(&txn, presented, id, req.header(USER_AGENT)).await?;
        txn.commit().await?;
        state.caches.after_commit(session.revoked());
        let cookie = state.cookie.issue(&token);
        Ok(SignUpResponse::Created(Json(UserRef { id, username: username.as_str().to_owned() }), cookie))
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
    ) -> Result<LoginResponse, Failure<Form>> {
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
        state.caches.after_commit(session.revoked());
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
            state.caches.after_commit(session.revoked());
        }
        Ok(LogoutResponse::LoggedOut(state.cookie.expire()))
    }
}
