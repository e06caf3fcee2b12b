use poem::{Request, http::header::USER_AGENT, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::{ApiTags, UserRef};
use crate::{
    domain::{Email, InviteCode, NewPassword, OneTimeCode, Password, TotpCode, Username},
    http::{
        AppState,
        client::client_address,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody, Nullable,
            kind::{Command, Form, Limited, OwnForbidden, OwnUnauthorized},
        },
        session::SessionContext,
    },
    services::{
        accounts::{self, Client, Credentials, LoggedIn, LoginRefused, SignUpRefused},
        sessions,
    },
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
    /// a cross-site request (`cross_site_request`); or a bearer token: signing up is for
    /// browsers (`insufficient_scope`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
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
    /// wrong, expired or used one `invalid_two_factor_code` (counted as a failed login). Or the
    /// request carries a bearer token that is not live (`invalid_token`).
    #[oai(status = 401)]
    InvalidCredentials(Json<ErrorBody>),
    /// The email and password are right, and the account is banned (`banned`; the message says
    /// until when and why). Or a cross-site request (`cross_site_request`), or a bearer token:
    /// logging in is for browsers (`insufficient_scope`).
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
        session.browser_only()?;
        let request =
            body.parse().map(|SignUp { username, email, password, invite_code }| accounts::SignUp {
                username,
                email,
                password,
                invite_code: invite_code.and_then(|code| code.0).filter(|code| !code.expose().is_empty()),
            });
        let signed_up = accounts::sign_up(&state, request, client(&state, &session, req)).await?;
        Ok(match signed_up {
            Ok(logged_in) => {
                let (user, cookie) = logged_in_as(&state, logged_in);
                SignUpResponse::Created(Json(user), cookie)
            }
            Err(SignUpRefused::Closed) => SignUpResponse::Forbidden(ErrorBody::new(
                ErrorCode::RegistrationClosed,
                "sign-up is closed at present",
            )),
            Err(SignUpRefused::InviteRequired) => SignUpResponse::Forbidden(ErrorBody::field(
                ErrorCode::InviteRequired,
                "invite_code",
                "signing up needs an invitation from a member",
            )),
            Err(SignUpRefused::InvalidInvite) => SignUpResponse::Forbidden(ErrorBody::field(
                ErrorCode::InvalidInvite,
                "invite_code",
                "this invitation code is unknown, used or expired",
            )),
            Err(SignUpRefused::EmailTaken) => SignUpResponse::Conflict(ErrorBody::field(
                ErrorCode::EmailTaken,
                "email",
                "an account with this email already exists",
            )),
            Err(SignUpRefused::UsernameTaken) => SignUpResponse::Conflict(ErrorBody::field(
                ErrorCode::UsernameTaken,
                "username",
                "this username is taken",
            )),
        })
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
    ) -> Result<LoginResponse, Failure<OwnUnauthorized<OwnForbidden<Form>>>> {
        session.browser_only()?;
        let Login { email, password, totp_code, recovery_code } = body.parse()?;
        let credentials = Credentials {
            email: &email,
            password: &password,
            totp_code: totp_code.as_ref().map(TotpCode::expose),
            recovery_code: recovery_code.as_ref().map(OneTimeCode::expose),
        };
        Ok(match accounts::log_in(&state, credentials, client(&state, &session, req)).await? {
            Ok(logged_in) => {
                let (user, cookie) = logged_in_as(&state, logged_in);
                LoginResponse::Ok(Json(user), cookie)
            }
            Err(LoginRefused::TooManyAttempts(wait)) => LoginResponse::TooManyAttempts(
                ErrorBody::new(ErrorCode::TooManyAttempts, "too many failed logins; try again later"),
                wait.as_secs(),
            ),
            Err(LoginRefused::InvalidCredentials) => LoginResponse::InvalidCredentials(ErrorBody::new(
                ErrorCode::InvalidCredentials,
                "the email or password is incorrect",
            )),
            Err(LoginRefused::Banned(message)) => {
                LoginResponse::Banned(ErrorBody::new(ErrorCode::Banned, message))
            }
            Err(LoginRefused::TwoFactorRequired) => LoginResponse::InvalidCredentials(ErrorBody::new(
                ErrorCode::TwoFactorRequired,
                "enter the code from your authenticator app, or a recovery code",
            )),
            Err(LoginRefused::InvalidCode { field }) => LoginResponse::InvalidCredentials(ErrorBody::field(
                ErrorCode::InvalidTwoFactorCode,
                field,
                "that code is not right, or was used already",
            )),
        })
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
        session.browser_only()?;
        sessions::log_out(&state, session.presented_hash.as_deref()).await?;
        Ok(LogoutResponse::LoggedOut(state.cookie.expire()))
    }
}

/// Where a request to log in comes from.
pub(super) fn client<'a>(state: &AppState, session: &'a SessionContext, req: &'a Request) -> Client<'a> {
    Client {
        address: client_address(req, state.config.trust_proxy),
        user_agent: req.header(USER_AGENT),
        presented: session.presented_hash.as_deref(),
    }
}

/// Who logged in, and the cookie that hands the browser its token.
pub(super) fn logged_in_as(state: &AppState, logged_in: LoggedIn) -> (UserRef, String) {
    let LoggedIn { id, username, token } = logged_in;
    (UserRef { id, username }, state.cookie.issue(&token))
}
