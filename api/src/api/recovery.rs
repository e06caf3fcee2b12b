use poem::{Request, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::ApiTags;
use crate::{
    AppState,
    auth::{accounts, recovery, throttle::Attempt},
    cache::Change,
    domain::{Email, NewPassword},
    error::{
        AppError, ErrorBody, ErrorCode, Failure,
        kind::{Form, OwnBadRequest},
    },
    http::{JsonBody, client_address},
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
        let client = client_address(req, state.config.trust_proxy).to_string();
        let now = state.config.clock.now();
        if let Some(wait) = recovery::requests_per_client(&state.config).hit(&state.db, &client, now).await? {
            return Ok(RequestResponse::TooManyAttempts(
                ErrorBody::new(ErrorCode::TooManyAttempts, "too many reset requests; try again later"),
                wait.as_secs(),
            ));
        }
        tokio::spawn(recovery::issue(state.clone(), email));
        Ok(RequestResponse::Accepted)
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
        let now = state.config.clock.now();
        let not_live = || {
            ConfirmResponse::BadRequest(ErrorBody::field(
                ErrorCode::InvalidToken,
                "token",
                "this reset link has expired or was already used; ask for a new one",
            ))
        };
        let Some(reset) = recovery::live(&state.db, &token, now).await? else { return Ok(not_live()) };
        let new_password = new_password.unless_common("new_password")?;
        let password_hash = state.hasher.hash(&new_password).await?;

        let txn = crate::db::begin(&state.db).await?;
        if !recovery::spend(&txn, reset.id, now).await? {
            return Ok(not_live());
        }
        accounts::set_password_hash(&txn, reset.user_id, password_hash).await?;
        state.sessions.end_all(&txn, reset.user_id, None).await?;
        txn.commit().await?;
        state.caches.after_commit([Change::UserSessionsEnded { user_id: reset.user_id, kept: None }]).await?;
        // Whoever locked the account out by guessing has lost: its owner may log in at once.
        if let Some(account) = accounts::by_id(&state.db, reset.user_id).await?
            && let Ok(email) = Email::parse(&account.email)
        {
            let attempt = Attempt::new(&email, client_address(req, state.config.trust_proxy));
            state.throttle.clear_account(&attempt).await?;
        }
        Ok(ConfirmResponse::Changed)
    }
}
