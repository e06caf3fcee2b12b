use poem::{Request, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::{
    ApiTags,
    me::{Reauthentication, refused_into},
};
use crate::{
    domain::{OneTimeCode, Password, TotpCode},
    error::AppError,
    http::{
        AppState, Owner,
        client::client_address,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody,
            kind::{CookieOnly, OwnForbidden, OwnUnprocessable, Submission},
        },
    },
    services::two_factor::{self, Refused},
};

pub struct TwoFactorApi;

/// A two-factor set-up, pending until a code made from it is confirmed.
#[derive(Object)]
struct TotpSetup {
    /// The shared secret, base32 (160 bits), for typing into an authenticator app. It is shown
    /// only now.
    secret: String,
    /// The same as a Key URI (`otpauth://totp/...`), for apps that read links or QR codes.
    otpauth_url: String,
    /// `otpauth_url` as a QR code: an SVG document, made on this server.
    qr_svg: String,
}

/// A code from the authenticator app, proving the set-up worked.
#[derive(Object)]
struct TotpConfirmation {
    /// The 6 digits the app shows now.
    code: TotpCode,
}

/// What turning two-factor login off takes.
#[derive(Object)]
struct TotpRemoval {
    /// Your password.
    password: Password,
    /// A code from your authenticator app (6 digits) or one of your unused recovery codes.
    code: OneTimeCode,
}

/// Recovery codes: each logs in once in place of a TOTP code. They are shown only now.
#[derive(Object)]
struct RecoveryCodes {
    recovery_codes: Vec<String>,
}

#[derive(ApiResponse)]
enum SetupResponse {
    /// The set-up is pending: add the secret to an app, then confirm a code with
    /// `POST /users/me/totp/confirm`. Starting again replaces a pending set-up.
    #[oai(status = 200)]
    Ok(Json<TotpSetup>),
    /// The password is wrong (`wrong_password`; it counts as a failed login), a cross-site
    /// request (`cross_site_request`), or a bearer token: this takes the session cookie only
    /// (`insufficient_scope`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// Two-factor login is already on (`two_factor_on`).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// Too many failed logins for this account or from this address (`too_many_attempts`).
    #[oai(status = 429)]
    TooManyAttempts(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

#[derive(ApiResponse)]
enum ConfirmResponse {
    /// Two-factor login is on; every other session of yours is ended. The recovery codes are
    /// shown only now.
    #[oai(status = 200)]
    Ok(Json<RecoveryCodes>),
    /// The code is not the app's code for now (`invalid_two_factor_code`; it stays off), or a
    /// field breaks its rule (`validation_failed`); `field` names it.
    #[oai(status = 422)]
    Invalid(Json<ErrorBody>),
    /// Two-factor login is already on (`two_factor_on`), or no set-up was started
    /// (`two_factor_not_started`).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum RemovalResponse {
    /// Two-factor login is off; the secret and recovery codes are forgotten and every other
    /// session of yours is ended.
    #[oai(status = 204)]
    Off,
    /// The password is wrong (`wrong_password`; it counts as a failed login), a cross-site
    /// request (`cross_site_request`), or a bearer token: this takes the session cookie only
    /// (`insufficient_scope`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// Two-factor login is off already (`two_factor_off`).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The code is wrong or used (`invalid_two_factor_code`; it counts as a failed login), or a
    /// field breaks its rule (`validation_failed`); `field` names it.
    #[oai(status = 422)]
    Invalid(Json<ErrorBody>),
    /// Too many failed logins for this account or from this address (`too_many_attempts`).
    #[oai(status = 429)]
    TooManyAttempts(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

#[derive(ApiResponse)]
enum RegenerateResponse {
    /// Ten new recovery codes; the old ones no longer work. Shown only now.
    #[oai(status = 200)]
    Ok(Json<RecoveryCodes>),
    /// The password is wrong (`wrong_password`; it counts as a failed login), a cross-site
    /// request (`cross_site_request`), or a bearer token: this takes the session cookie only
    /// (`insufficient_scope`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// Two-factor login is off (`two_factor_off`).
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// Too many failed logins for this account or from this address (`too_many_attempts`).
    #[oai(status = 429)]
    TooManyAttempts(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

refused_into!(SetupResponse, RemovalResponse, RegenerateResponse);

fn conflict(code: ErrorCode) -> Json<ErrorBody> {
    let message = match code {
        ErrorCode::TwoFactorOn => "two-factor login is already on",
        ErrorCode::TwoFactorOff => "two-factor login is off",
        _ => "start a two-factor set-up first",
    };
    ErrorBody::new(code, message)
}

fn wrong_code() -> Json<ErrorBody> {
    ErrorBody::field(
        ErrorCode::InvalidTwoFactorCode,
        "code",
        "that code is not right, or was used already; check the time on your device",
    )
}

#[OpenApi(tag = "ApiTags::Account")]
impl TwoFactorApi {
    /// Start two-factor set-up
    ///
    /// After the password is given again: a fresh TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s)
    /// to add to an authenticator app, as text, as a Key URI and as a QR code. Two-factor login
    /// is not on until a code is confirmed.
    #[oai(path = "/users/me/totp", method = "post", operation_id = "start_two_factor")]
    async fn start(
        &self,
        state: Data<&AppState>,
        me: Owner,
        req: &Request,
        body: JsonBody<Reauthentication>,
    ) -> Result<SetupResponse, Failure<OwnForbidden<CookieOnly<Submission>>>> {
        let Reauthentication { password } = body.parse()?;
        let address = client_address(req, state.config.trust_proxy);
        Ok(match two_factor::start(&state, &me, &password, address).await? {
            Ok(two_factor::Setup { secret, otpauth_url, qr_svg }) => {
                SetupResponse::Ok(Json(TotpSetup { secret, otpauth_url, qr_svg }))
            }
            Err(Refused::Password(refused)) => refused.into(),
            Err(_) => SetupResponse::Conflict(conflict(ErrorCode::TwoFactorOn)),
        })
    }

    /// Turn two-factor login on
    ///
    /// With a code from the app the pending set-up was added to. From then on, logging in takes
    /// a code too, and every other session of yours is ended. Answers ten recovery codes, each
    /// good for one login without the app.
    #[oai(path = "/users/me/totp/confirm", method = "post", operation_id = "confirm_two_factor")]
    async fn confirm(
        &self,
        state: Data<&AppState>,
        me: Owner,
        body: JsonBody<TotpConfirmation>,
    ) -> Result<ConfirmResponse, Failure<OwnUnprocessable<CookieOnly<Submission>>>> {
        let TotpConfirmation { code } = match body.parse() {
            Ok(confirmation) => confirmation,
            Err(err @ AppError::Validation { .. }) => return Ok(ConfirmResponse::Invalid(err.body())),
            Err(err) => return Err(err.into()),
        };
        Ok(match two_factor::confirm(&state, &me, code.expose()).await? {
            Ok(recovery_codes) => ConfirmResponse::Ok(Json(RecoveryCodes { recovery_codes })),
            Err(Refused::WrongCode) => ConfirmResponse::Invalid(wrong_code()),
            Err(Refused::NotStarted) => ConfirmResponse::Conflict(conflict(ErrorCode::TwoFactorNotStarted)),
            Err(_) => ConfirmResponse::Conflict(conflict(ErrorCode::TwoFactorOn)),
        })
    }

    /// Turn two-factor login off
    ///
    /// After the password and a code (from the app, or an unused recovery code): logging in
    /// takes the password alone again, and every other session of yours is ended.
    #[oai(path = "/users/me/totp", method = "delete", operation_id = "disable_two_factor")]
    async fn disable(
        &self,
        state: Data<&AppState>,
        me: Owner,
        req: &Request,
        body: JsonBody<TotpRemoval>,
    ) -> Result<RemovalResponse, Failure<OwnUnprocessable<OwnForbidden<CookieOnly<Submission>>>>> {
        let TotpRemoval { password, code } = match body.parse() {
            Ok(removal) => removal,
            Err(err @ AppError::Validation { .. }) => return Ok(RemovalResponse::Invalid(err.body())),
            Err(err) => return Err(err.into()),
        };
        let address = client_address(req, state.config.trust_proxy);
        Ok(match two_factor::disable(&state, &me, &password, code.expose(), address).await? {
            Ok(()) => RemovalResponse::Off,
            Err(Refused::Password(refused)) => refused.into(),
            Err(Refused::WrongCode) => RemovalResponse::Invalid(wrong_code()),
            Err(_) => RemovalResponse::Conflict(conflict(ErrorCode::TwoFactorOff)),
        })
    }

    /// New recovery codes
    ///
    /// After the password is given again: ten fresh recovery codes replace all the old ones,
    /// used or not.
    #[oai(
        path = "/users/me/totp/recovery-codes",
        method = "post",
        operation_id = "regenerate_recovery_codes"
    )]
    async fn regenerate(
        &self,
        state: Data<&AppState>,
        me: Owner,
        req: &Request,
        body: JsonBody<Reauthentication>,
    ) -> Result<RegenerateResponse, Failure<OwnForbidden<CookieOnly<Submission>>>> {
        let Reauthentication { password } = body.parse()?;
        let address = client_address(req, state.config.trust_proxy);
        Ok(match two_factor::regenerate(&state, &me, &password, address).await? {
            Ok(recovery_codes) => RegenerateResponse::Ok(Json(RecoveryCodes { recovery_codes })),
            Err(Refused::Password(refused)) => refused.into(),
            Err(_) => RegenerateResponse::Conflict(conflict(ErrorCode::TwoFactorOff)),
        })
    }
}
