//! Passkeys (DESIGN.md section 23): `/users/me/passkeys` to add, list, name and remove them (with
//! the session cookie only), and `/session/passkey` to log in with one, with no name or password.

use chrono::{DateTime, Utc};
use poem::{Request, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{
    ApiTags, UserRef,
    me::{Reauthentication, refused_into},
    users::{client, logged_in_as},
};
use crate::{
    http::{
        AppState, Owner,
        client::client_address,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody, Nullable,
            kind::{
                Action, Command, CookieOnly, Form, OwnForbidden, OwnUnauthorized, OwnUnprocessable,
                PrivateRead, Submission,
            },
        },
        session::SessionContext,
    },
    services::{
        accounts::LoginRefused,
        passkeys::{self, LoginFailed, Refused, View},
    },
};

pub struct PasskeysApi;

/// A WebAuthn credential as the browser's JSON has it: an object (its members are webauthn-rs's
/// to read).
type Credential = std::collections::BTreeMap<String, serde_json::Value>;

fn as_json(fields: Credential) -> serde_json::Value {
    serde_json::Value::Object(fields.into_iter().collect())
}

/// A passkey the browser made.
#[derive(Object)]
struct NewPasskey {
    /// What to call it ("laptop", "phone"): 1–50 characters.
    name: String,
    /// What `navigator.credentials.create` answered, as `PublicKeyCredential.toJSON()` gives it.
    credential: Credential,
}

/// A new name for a passkey.
#[derive(Object)]
struct PasskeyName {
    /// 1–50 characters.
    name: String,
}

/// A credential the authenticator signed, to log in.
#[derive(Object)]
struct PasskeyLogin {
    /// What `navigator.credentials.get` answered, as `PublicKeyCredential.toJSON()` gives it.
    credential: Credential,
}

/// WebAuthn options for the browser, as JSON: `{publicKey: {...}}`, to pass to
/// `PublicKeyCredential.parseCreationOptionsFromJSON` or `parseRequestOptionsFromJSON`.
#[derive(Object)]
struct Options {
    /// The options (`challenge` and other binary values in base64url).
    #[oai(rename = "publicKey")]
    public_key: serde_json::Value,
}

impl Options {
    fn of(mut options: serde_json::Value) -> Self {
        Self { public_key: options["publicKey"].take() }
    }
}

/// One of your passkeys.
#[derive(Object)]
struct PasskeyView {
    /// The passkey's id.
    id: i32,
    /// What you called it.
    name: String,
    /// When it was added.
    created_at: DateTime<Utc>,
    /// When it last logged you in; `null`: never.
    last_used_at: Nullable<DateTime<Utc>>,
}

impl From<View> for PasskeyView {
    fn from(view: View) -> Self {
        Self {
            id: view.id,
            name: view.name,
            created_at: view.created_at,
            last_used_at: Nullable(view.last_used_at),
        }
    }
}

/// Your passkeys, oldest first.
#[derive(Object)]
struct PasskeyList {
    passkeys: Vec<PasskeyView>,
}

fn unavailable() -> Json<ErrorBody> {
    ErrorBody::new(
        ErrorCode::PasskeysUnavailable,
        "passkeys need the site at a domain name: browsers refuse an IP address as a passkey's site",
    )
}

fn not_found() -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotFound, "you have no such passkey")
}

fn too_many() -> Json<ErrorBody> {
    ErrorBody::new(
        ErrorCode::TooManyPasskeys,
        format!("you have {} passkeys already; remove one first", passkeys::MAX_PER_PERSON),
    )
}

#[derive(ApiResponse)]
enum BeginResponse {
    /// The options for `navigator.credentials.create`: a resident, user-verified credential
    /// (valid for 5 minutes, once).
    #[oai(status = 200)]
    Ok(Json<Options>),
    /// The password is wrong (`wrong_password`; it counts as a failed login), a cross-site
    /// request (`cross_site_request`), or a bearer token: this takes the session cookie only
    /// (`insufficient_scope`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// The site's `PUBLIC_URL` is an IP address, which browsers refuse as a passkey's site
    /// (`passkeys_unavailable`).
    #[oai(status = 409)]
    Unavailable(Json<ErrorBody>),
    /// A field is missing, has the wrong type or breaks a rule (`validation_failed`; `field`
    /// names it), or you have 10 passkeys already (`too_many_passkeys`: remove one first).
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many failed logins for this account or from this address (`too_many_attempts`).
    #[oai(status = 429)]
    TooManyAttempts(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

refused_into!(BeginResponse);

#[derive(ApiResponse)]
enum AddResponse {
    /// Added: it can log you in from now on.
    #[oai(status = 201)]
    Created(Json<PasskeyView>),
    /// The site's `PUBLIC_URL` is an IP address (`passkeys_unavailable`).
    #[oai(status = 409)]
    Unavailable(Json<ErrorBody>),
    /// A field is missing, has the wrong type or breaks a rule (`validation_failed`; `field`
    /// names it: `credential` when it does not verify, or its options are unknown, used or over 5
    /// minutes old), or you have 10 passkeys already (`too_many_passkeys`).
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum ListResponse {
    /// Your passkeys.
    #[oai(status = 200)]
    Ok(Json<PasskeyList>),
    /// The site's `PUBLIC_URL` is an IP address (`passkeys_unavailable`).
    #[oai(status = 409)]
    Unavailable(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum RenameResponse {
    /// The passkey as it is now.
    #[oai(status = 200)]
    Ok(Json<PasskeyView>),
    /// You have no passkey with this id (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The site's `PUBLIC_URL` is an IP address (`passkeys_unavailable`).
    #[oai(status = 409)]
    Unavailable(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum RemoveResponse {
    /// Removed: it logs nobody in from now on.
    #[oai(status = 204)]
    Removed,
    /// You have no passkey with this id (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The site's `PUBLIC_URL` is an IP address (`passkeys_unavailable`).
    #[oai(status = 409)]
    Unavailable(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum LoginOptionsResponse {
    /// The options for `navigator.credentials.get`, listing no credentials: the authenticator
    /// offers the site's own (valid for 5 minutes, once).
    #[oai(status = 200)]
    Ok(Json<Options>),
    /// The site's `PUBLIC_URL` is an IP address (`passkeys_unavailable`).
    #[oai(status = 409)]
    Unavailable(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum LoginResponse {
    /// Logged in, with a brand-new session (any session the browser had is ended). No second
    /// factor is asked for: the passkey is both.
    #[oai(status = 200)]
    Ok(Json<UserRef>, #[oai(header = "Set-Cookie")] String),
    /// The credential does not verify: malformed, its options unknown, used or over 5 minutes
    /// old, its passkey removed, or its signature wrong (`invalid_credentials`, counted as a
    /// failed login). Or the request carries a bearer token that is not live (`invalid_token`).
    #[oai(status = 401)]
    InvalidCredentials(Json<ErrorBody>),
    /// The account is banned (`banned`; the message says until when and why). Or a cross-site
    /// request (`cross_site_request`), or a bearer token: logging in is for browsers
    /// (`insufficient_scope`).
    #[oai(status = 403)]
    Banned(Json<ErrorBody>),
    /// The site's `PUBLIC_URL` is an IP address (`passkeys_unavailable`).
    #[oai(status = 409)]
    Unavailable(Json<ErrorBody>),
    /// Too many failed logins for this account or from this address (`too_many_attempts`).
    #[oai(status = 429)]
    TooManyAttempts(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

#[OpenApi(tag = "ApiTags::Account")]
impl PasskeysApi {
    /// Begin adding a passkey
    ///
    /// Needs your password. Answers the options for the browser's `navigator.credentials.create`;
    /// send what it makes to `POST /users/me/passkeys` within 5 minutes. At most 10 passkeys.
    #[oai(
        path = "/users/me/passkeys/registration",
        method = "post",
        operation_id = "begin_passkey_registration"
    )]
    async fn begin(
        &self,
        state: Data<&AppState>,
        me: Owner,
        req: &Request,
        body: JsonBody<Reauthentication>,
    ) -> Result<BeginResponse, Failure<OwnUnprocessable<OwnForbidden<CookieOnly<Submission>>>>> {
        let Reauthentication { password } = body.parse()?;
        let address = client_address(req, state.config.trust_proxy);
        Ok(match passkeys::begin_registration(&state, &me, &password, address).await? {
            Ok(options) => BeginResponse::Ok(Json(Options::of(options))),
            Err(Refused::Password(refused)) => refused.into(),
            Err(Refused::TooMany) => BeginResponse::Unprocessable(too_many()),
            Err(Refused::Unavailable | Refused::NotFound) => BeginResponse::Unavailable(unavailable()),
        })
    }

    /// Add a passkey
    ///
    /// With what the browser's `navigator.credentials.create` made from the options of
    /// `POST /users/me/passkeys/registration`.
    #[oai(path = "/users/me/passkeys", method = "post", operation_id = "add_passkey")]
    async fn add(
        &self,
        state: Data<&AppState>,
        me: Owner,
        body: JsonBody<NewPasskey>,
    ) -> Result<AddResponse, Failure<OwnUnprocessable<CookieOnly<Submission>>>> {
        let NewPasskey { name, credential } = body.parse()?;
        let name = passkeys::name(&name)?;
        Ok(match passkeys::register(&state, &me, &name, as_json(credential)).await? {
            Ok(view) => AddResponse::Created(Json(view.into())),
            Err(Refused::TooMany) => AddResponse::Unprocessable(too_many()),
            Err(_) => AddResponse::Unavailable(unavailable()),
        })
    }

    /// Your passkeys
    #[oai(path = "/users/me/passkeys", method = "get", operation_id = "list_passkeys")]
    async fn list(
        &self,
        state: Data<&AppState>,
        me: Owner,
    ) -> Result<ListResponse, Failure<CookieOnly<PrivateRead>>> {
        Ok(match passkeys::list(&state, &me).await? {
            Ok(views) => {
                ListResponse::Ok(Json(PasskeyList { passkeys: views.into_iter().map(Into::into).collect() }))
            }
            Err(_) => ListResponse::Unavailable(unavailable()),
        })
    }

    /// Rename a passkey
    #[oai(path = "/users/me/passkeys/:id", method = "put", operation_id = "rename_passkey")]
    async fn rename(
        &self,
        state: Data<&AppState>,
        me: Owner,
        id: Path<i32>,
        body: JsonBody<PasskeyName>,
    ) -> Result<RenameResponse, Failure<CookieOnly<Submission>>> {
        let PasskeyName { name } = body.parse()?;
        let name = passkeys::name(&name)?;
        Ok(match passkeys::rename(&state, &me, id.0, &name).await? {
            Ok(view) => RenameResponse::Ok(Json(view.into())),
            Err(Refused::NotFound) => RenameResponse::NotFound(not_found()),
            Err(_) => RenameResponse::Unavailable(unavailable()),
        })
    }

    /// Remove a passkey
    ///
    /// At once: it logs nobody in from the moment this answers.
    #[oai(path = "/users/me/passkeys/:id", method = "delete", operation_id = "remove_passkey")]
    async fn remove(
        &self,
        state: Data<&AppState>,
        me: Owner,
        id: Path<i32>,
    ) -> Result<RemoveResponse, Failure<CookieOnly<Action>>> {
        Ok(match passkeys::remove(&state, &me, id.0).await? {
            Ok(()) => RemoveResponse::Removed,
            Err(Refused::NotFound) => RemoveResponse::NotFound(not_found()),
            Err(_) => RemoveResponse::Unavailable(unavailable()),
        })
    }

    /// Begin a login with a passkey
    ///
    /// Answers the options for the browser's `navigator.credentials.get` (no name needed: the
    /// authenticator offers this site's passkeys); send what it signs to `POST /session/passkey`
    /// within 5 minutes.
    #[oai(path = "/session/passkey/options", method = "post", operation_id = "begin_passkey_login")]
    async fn login_options(
        &self,
        state: Data<&AppState>,
        session: Data<&SessionContext>,
    ) -> Result<LoginOptionsResponse, Failure<Command>> {
        session.browser_only()?;
        Ok(match passkeys::begin_login(&state).await? {
            Ok(options) => LoginOptionsResponse::Ok(Json(Options::of(options))),
            Err(_) => LoginOptionsResponse::Unavailable(unavailable()),
        })
    }

    /// Log in with a passkey
    ///
    /// With what the browser's `navigator.credentials.get` signed for the options of
    /// `POST /session/passkey/options`. Logs this browser in exactly as a password login does,
    /// with no second factor asked for.
    #[oai(path = "/session/passkey", method = "post", operation_id = "log_in_with_passkey")]
    async fn log_in(
        &self,
        state: Data<&AppState>,
        session: Data<&SessionContext>,
        req: &Request,
        body: JsonBody<PasskeyLogin>,
    ) -> Result<LoginResponse, Failure<OwnUnauthorized<OwnForbidden<Form>>>> {
        session.browser_only()?;
        let PasskeyLogin { credential } = body.parse()?;
        Ok(match passkeys::log_in(&state, as_json(credential), client(&state, &session, req)).await? {
            Ok(logged_in) => {
                let (user, cookie) = logged_in_as(&state, logged_in);
                LoginResponse::Ok(Json(user), cookie)
            }
            Err(LoginFailed::Unavailable) => LoginResponse::Unavailable(unavailable()),
            Err(LoginFailed::Refused(LoginRefused::TooManyAttempts(wait))) => LoginResponse::TooManyAttempts(
                ErrorBody::new(ErrorCode::TooManyAttempts, "too many failed logins; try again later"),
                wait.as_secs(),
            ),
            Err(LoginFailed::Refused(LoginRefused::Banned(message))) => {
                LoginResponse::Banned(ErrorBody::new(ErrorCode::Banned, message))
            }
            Err(LoginFailed::Refused(_)) => LoginResponse::InvalidCredentials(ErrorBody::new(
                ErrorCode::InvalidCredentials,
                "that passkey was not accepted",
            )),
        })
    }
}
