use poem::{Request, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::ApiTags;
use crate::{
    domain::{Email, NewPassword},
    error::AppError,
    http::{
        AppState,
        client::client_address,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody,
            kind::{Form, OwnBadRequest},
        },
    },
    services::recovery,
};

pub struct PasswordResetApi;

/// A request for a password reset link.
#[derive(Object)]
struct ResetRequest {
    /// The address of the account whose password is forgotten.
    email: Email,
}

/// A new password, with the token from a reset link.
#[derive(Object)]
struct ResetConfirmation {
    /// The token from the link (`/reset#token=...`).
    token: String,
    /// The new password: 8–128 characters, not a common one.
    new_password: NewPassword,
}

#[derive(ApiResponse)]
enum RequestResponse {
    /// If the address has an account, a link to reset its password is on its way (valid for an
    /// hour; at most 3 mails an hour). The same answer for every address.
    #[oai(status = 202)]
    Accepted,
    /// Too many requests from this address (`too_many_attempts`).
    #[oai(status = 429)]
    TooManyAttempts(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

#[derive(ApiResponse)]
enum ConfirmResponse {
    /// The password is changed and every session of the account is ended; log in with it.
    #[oai(status = 204)]
    Changed,
    /// The token is not live (`invalid_token`): used, expired, replaced by a newer request, or
    /// never issued. Or the body is not well-formed JSON, or not a JSON object (`bad_request`).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
}

#[OpenApi(tag = "ApiTags::Users")]
impl PasswordResetApi {
    /// Ask for a password reset link
    ///
    /// Mails a link to reset the password, if the address has an account. The answer is the
    /// same whether or not it has one, and comes before any mail is made; requests are limited
    /// per client address.
    #[oai(path = "/password-resets", method = "post", operation_id = "request_password_reset")]
    async fn request(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: JsonBody<ResetRequest>,
    ) -> Result<RequestResponse, Failure<Form>> {
        let ResetRequest { email } = body.parse()?;
        let address = client_address(req, state.config.trust_proxy);
        Ok(match recovery::request(&state, email, address).await? {
            Ok(()) => RequestResponse::Accepted,
            Err(wait) => RequestResponse::TooManyAttempts(
                ErrorBody::new(ErrorCode::TooManyAttempts, "too many reset requests; try again later"),
                wait.as_secs(),
            ),
        })
    }

    /// Reset the password
    ///
    /// With the token from a reset link: sets the new password and ends every session of the
    /// account. The token works once. A new password that breaks the rules is 422, and the token
    /// stays usable.
    #[oai(path = "/password-resets/confirm", method = "post", operation_id = "confirm_password_reset")]
    async fn confirm(
        &self,
        state: Data<&AppState>,
        req: &Request,
        body: JsonBody<ResetConfirmation>,
    ) -> Result<ConfirmResponse, Failure<OwnBadRequest<Form>>> {
        let ResetConfirmation { token, new_password } = match body.parse() {
            Ok(confirmation) => confirmation,
            Err(err @ AppError::BadRequest { .. }) => return Ok(ConfirmResponse::BadRequest(err.body())),
            Err(err) => return Err(err.into()),
        };
        let address = client_address(req, state.config.trust_proxy);
        Ok(match recovery::confirm(&state, &token, new_password, address).await? {
            Ok(()) => ConfirmResponse::Changed,
            Err(recovery::NotLive) => ConfirmResponse::BadRequest(ErrorBody::field(
                ErrorCode::InvalidToken,
                "token",
                "this reset link has expired or was already used; ask for a new one",
            )),
        })
    }
}
