//! `/users/me/email`: proving one's address, and changing it (DESIGN.md section 23).

use poem::{Request, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::{ApiTags, me::refused_into};
use crate::{
    domain::{Email, Password},
    error::AppError,
    http::{
        AppState, Owner,
        client::client_address,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody,
            kind::{Action, CookieOnly, Form, Limited, OwnBadRequest, OwnForbidden, Submission},
        },
        session::SessionContext,
    },
    services::email::{self, ChangeRefused, ConfirmRefused, NotLive, NotResent},
};

pub struct EmailApi;

/// The token from a mailed link.
#[derive(Object)]
struct LinkToken {
    /// The token from the link (`/verify#token=...` or `/confirm-email#token=...`).
    token: String,
}

/// A new address for your account.
#[derive(Object)]
struct EmailChange {
    /// The new address.
    email: Email,
    /// Your password.
    password: Password,
}

#[derive(ApiResponse)]
enum ResendResponse {
    /// A new link is on its way to your address (valid for 48 hours; older links stop working).
    #[oai(status = 202)]
    Accepted,
    /// Your address is verified already (`already_verified`).
    #[oai(status = 409)]
    AlreadyVerified(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum VerifyResponse {
    /// The address is verified.
    #[oai(status = 204)]
    Verified,
    /// The token is not live (`invalid_token`): used, expired, replaced by a newer link, for
    /// another purpose, or for an address the account no longer has. Or the body is not
    /// well-formed JSON, or not a JSON object (`bad_request`).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum ChangeResponse {
    /// A link to confirm the change is on its way to the new address, and a notice to the old
    /// one. Nothing changes until the link is opened.
    #[oai(status = 202)]
    Accepted,
    /// The password is wrong (`wrong_password`; it counts as a failed login), a cross-site
    /// request (`cross_site_request`), or a bearer token: this takes the session cookie only
    /// (`insufficient_scope`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// Another account has this address (`email_taken`).
    #[oai(status = 409)]
    Taken(Json<ErrorBody>),
    /// Too many failed logins for this account or from this address (`too_many_attempts`), or
    /// three changes asked for within the hour already (`rate_limited`).
    #[oai(status = 429)]
    TooManyAttempts(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

refused_into!(ChangeResponse);

#[derive(ApiResponse)]
enum ConfirmResponse {
    /// The new address is on the account, verified; every other session and every API token of
    /// the account is ended (a session of the account's in the browser that opened the link
    /// stays).
    #[oai(status = 204)]
    Changed,
    /// The token is not live (`invalid_token`): used, expired, replaced by a newer request, or
    /// not a change link (a verification or reset link). Or the body is not well-formed JSON, or
    /// not a JSON object (`bad_request`).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// Another account took the address meanwhile (`email_taken`); nothing changed.
    #[oai(status = 409)]
    Taken(Json<ErrorBody>),
}

/// The body of a link-token operation, or its 400.
fn link_token(body: JsonBody<LinkToken>) -> Result<Result<String, Json<ErrorBody>>, AppError> {
    match body.parse() {
        Ok(LinkToken { token }) => Ok(Ok(token)),
        Err(err @ AppError::BadRequest { .. }) => Ok(Err(err.body())),
        Err(err) => Err(err),
    }
}

fn not_live() -> Json<ErrorBody> {
    ErrorBody::field(
        ErrorCode::InvalidToken,
        "token",
        "this link has expired or was already used; ask for a new one",
    )
}

fn taken() -> Json<ErrorBody> {
    ErrorBody::field(ErrorCode::EmailTaken, "email", "an account with this email already exists")
}

#[OpenApi(tag = "ApiTags::Account")]
impl EmailApi {
    /// Send a new verification link
    ///
    /// Mails a new link to verify your address (the older ones stop working). At most 3 an hour
    /// besides the one sign-up sends.
    #[oai(path = "/users/me/email/verification", method = "post", operation_id = "resend_verification")]
    async fn resend(
        &self,
        state: Data<&AppState>,
        me: Owner,
    ) -> Result<ResendResponse, Failure<Limited<CookieOnly<Action>>>> {
        Ok(match email::resend(&state, &me).await? {
            Ok(()) => ResendResponse::Accepted,
            Err(NotResent::AlreadyVerified) => ResendResponse::AlreadyVerified(ErrorBody::new(
                ErrorCode::AlreadyVerified,
                "your address is verified already",
            )),
        })
    }

    /// Verify your address
    ///
    /// With the token from the link mailed at sign-up (or sent again). No login needed. The
    /// token works once, for 48 hours.
    #[oai(path = "/users/me/email/verify", method = "post", operation_id = "verify_email")]
    async fn verify(
        &self,
        state: Data<&AppState>,
        body: JsonBody<LinkToken>,
    ) -> Result<VerifyResponse, Failure<OwnBadRequest<Form>>> {
        let token = match link_token(body)? {
            Ok(token) => token,
            Err(bad) => return Ok(VerifyResponse::BadRequest(bad)),
        };
        Ok(match email::verify(&state, &token).await? {
            Ok(()) => VerifyResponse::Verified,
            Err(NotLive) => VerifyResponse::BadRequest(not_live()),
        })
    }

    /// Change your address
    ///
    /// Needs your password. Mails a link to the new address and a notice to the old one; nothing
    /// changes until the link is opened (`POST /users/me/email/confirm`).
    #[oai(path = "/users/me/email", method = "put", operation_id = "change_email")]
    async fn change(
        &self,
        state: Data<&AppState>,
        me: Owner,
        req: &Request,
        body: JsonBody<EmailChange>,
    ) -> Result<ChangeResponse, Failure<OwnForbidden<CookieOnly<Submission>>>> {
        let EmailChange { email, password } = body.parse()?;
        let address = client_address(req, state.config.trust_proxy);
        match email::request_change(&state, &me, email, &password, address).await {
            Ok(Ok(())) => Ok(ChangeResponse::Accepted),
            Ok(Err(ChangeRefused::Password(refused))) => Ok(refused.into()),
            Ok(Err(ChangeRefused::Taken)) => Ok(ChangeResponse::Taken(taken())),
            Err(err @ AppError::RateLimited { retry_after }) => {
                Ok(ChangeResponse::TooManyAttempts(err.body(), retry_after.as_secs().max(1)))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Confirm a change of address
    ///
    /// With the token from the link mailed to the new address. No login needed. The new address
    /// is then on the account, verified, and every other session and API token of the account
    /// is ended.
    #[oai(path = "/users/me/email/confirm", method = "post", operation_id = "confirm_email_change")]
    async fn confirm(
        &self,
        state: Data<&AppState>,
        session: Data<&SessionContext>,
        body: JsonBody<LinkToken>,
    ) -> Result<ConfirmResponse, Failure<OwnBadRequest<Form>>> {
        let token = match link_token(body)? {
            Ok(token) => token,
            Err(bad) => return Ok(ConfirmResponse::BadRequest(bad)),
        };
        // A browser's session stays; a program's token is ended with the rest.
        let viewer = session.user.as_ref().filter(|_| session.scopes.is_none());
        Ok(match email::confirm_change(&state, &token, viewer).await? {
            Ok(()) => ConfirmResponse::Changed,
            Err(ConfirmRefused::NotLive) => ConfirmResponse::BadRequest(not_live()),
            Err(ConfirmRefused::Taken) => ConfirmResponse::Taken(taken()),
        })
    }
}
