use chrono::{DateTime, Utc};
use poem::{Request, http::header::USER_AGENT, web::Data};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::ApiTags;
use crate::{
    domain::{NewPassword, Password},
    http::{
        AppState, CurrentUser, Owner,
        client::client_address,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody, Nullable, RenderedJson,
            kind::{Action, CookieOnly, OwnForbidden, PrivateRead, Submission},
        },
    },
    services::{
        accounts::{self, Client},
        notifications, sessions,
    },
};

pub struct AccountApi;

/// Your own account.
#[derive(Object)]
struct Profile {
    /// Your id.
    id: i32,
    /// Your username.
    username: String,
    /// Your email address (only you see it).
    email: String,
    /// Whether you proved the address is yours, by opening the link mailed to it.
    email_verified: bool,
    /// The address you asked to change to, while the link mailed to it works; `null` otherwise.
    pending_email: Nullable<String>,
    /// When you signed up.
    created_at: DateTime<Utc>,
    /// Whether logging in needs a second factor (a TOTP code or a recovery code).
    two_factor: bool,
    /// How many unused recovery codes you have (0 while two-factor login is off).
    recovery_codes_left: u64,
    // Your settings. (No doc comment: on a `$ref` poem-openapi would wrap it in `allOf`.)
    settings: Settings,
}

impl Profile {
    /// One's own account, rendered as the answer is sent.
    fn render(profile: accounts::Profile) -> bytes::Bytes {
        let accounts::Profile {
            id,
            username,
            email,
            email_verified,
            pending_email,
            created_at,
            two_factor,
            recovery_codes_left,
            settings,
        } = profile;
        RenderedJson::render(&Self {
            id,
            username,
            email,
            email_verified,
            pending_email: Nullable(pending_email),
            created_at,
            two_factor,
            recovery_codes_left,
            settings: settings.into(),
        })
        .bytes()
    }
}

/// Your settings.
#[derive(Object)]
pub(super) struct Settings {
    /// Whether new notifications are mailed to you: the first within a minute, then at most one
    /// mail every 15 minutes with what came since. Off unless you turn it on.
    pub(super) email_notifications: bool,
}

impl From<notifications::Settings> for Settings {
    fn from(settings: notifications::Settings) -> Self {
        Self { email_notifications: settings.email_notifications }
    }
}

/// A change of password.
#[derive(Object)]
struct PasswordChange {
    /// Your password now.
    current_password: Password,
    /// The new password: 8–128 characters, not a common one.
    new_password: NewPassword,
}

/// The password, given again to confirm something drastic.
#[derive(Object)]
pub(super) struct Reauthentication {
    /// Your password.
    pub(super) password: Password,
}

/// One place where you are logged in.
#[derive(Object)]
struct SessionView {
    /// The session's public id (never its token).
    id: i32,
    /// When you logged in there.
    created_at: DateTime<Utc>,
    /// When it was last used (to within about a minute).
    last_seen_at: DateTime<Utc>,
    /// The browser and system it was opened from, e.g. "Firefox on Windows".
    device: String,
    /// Whether it is the session making this request.
    current: bool,
}

/// Your live sessions, most recently used first.
#[derive(Object)]
struct SessionList {
    sessions: Vec<SessionView>,
}

#[derive(ApiResponse)]
enum ProfileResponse {
    /// Your profile.
    #[oai(status = 200)]
    Ok(RenderedJson<Profile>),
}

#[derive(ApiResponse)]
enum ReauthResponse {
    /// Done. A password change answers with this browser's new session cookie.
    #[oai(status = 204)]
    Done(#[oai(header = "Set-Cookie")] String),
    /// The password given is wrong (`wrong_password`; it counts as a failed login), a
    /// cross-site request (`cross_site_request`), or a bearer token: this takes the session
    /// cookie only (`insufficient_scope`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// Too many failed logins for this account or from this address (`too_many_attempts`).
    #[oai(status = 429)]
    TooManyAttempts(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

#[derive(ApiResponse)]
enum SettingsResponse {
    /// Your settings, as they are now.
    #[oai(status = 200)]
    Ok(Json<Settings>),
}

#[derive(ApiResponse)]
enum SessionsResponse {
    /// Your live sessions.
    #[oai(status = 200)]
    Ok(Json<SessionList>),
}

#[derive(ApiResponse)]
enum EndSessionResponse {
    /// The session is ended. Ending the current one also expires this browser's cookie.
    #[oai(status = 204)]
    Ended(#[oai(header = "Set-Cookie")] Option<String>),
    /// You have no session with this id (`not_found`) — the same answer whether or not it is
    /// someone else's.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum EndOthersResponse {
    /// Every other session of yours is ended; this one lives on.
    #[oai(status = 204)]
    Ended,
}

/// `From<Refused>` for the response enums of operations that take the password again: each has
/// a `Forbidden` and a `TooManyAttempts` variant.
macro_rules! refused_into {
    ($($response:ident),*) => {$(
        impl From<$crate::services::accounts::Refused> for $response {
            fn from(refused: $crate::services::accounts::Refused) -> Self {
                use $crate::{
                    http::error_body::{ErrorBody, ErrorCode},
                    services::accounts::Refused,
                };
                match refused {
                    Refused::WrongPassword { field } => Self::Forbidden(ErrorBody::field(
                        ErrorCode::WrongPassword,
                        field,
                        "the password is incorrect",
                    )),
                    Refused::TooManyAttempts(wait) => Self::TooManyAttempts(
                        ErrorBody::new(ErrorCode::TooManyAttempts, "too many failed attempts; try again later"),
                        wait.as_secs(),
                    ),
                }
            }
        }
    )*};
}
pub(super) use refused_into;

refused_into!(ReauthResponse);

#[OpenApi(tag = "ApiTags::Account")]
impl AccountApi {
    /// Your profile
    #[oai(path = "/users/me", method = "get", operation_id = "get_profile")]
    async fn profile(
        &self,
        state: Data<&AppState>,
        me: CurrentUser,
    ) -> Result<ProfileResponse, Failure<PrivateRead>> {
        let profile = accounts::rendered_profile(&state, &me, Profile::render).await?;
        Ok(ProfileResponse::Ok(RenderedJson::from_bytes(profile)))
    }

    /// Change your settings
    ///
    /// `email_notifications`: when on, new notifications are mailed to you (never for those
    /// already read, nor for those that came while it was off).
    #[oai(path = "/users/me/settings", method = "put", operation_id = "change_settings")]
    async fn change_settings(
        &self,
        state: Data<&AppState>,
        me: Owner,
        body: JsonBody<Settings>,
    ) -> Result<SettingsResponse, Failure<CookieOnly<Submission>>> {
        let Settings { email_notifications } = body.parse()?;
        let settings = notifications::Settings { email_notifications };
        Ok(SettingsResponse::Ok(Json(notifications::set_settings(&state, &me, settings).await?.into())))
    }

    /// Change your password
    ///
    /// Checks the current password (a wrong one is 403 `wrong_password` and counts as a failed
    /// login), then sets the new one, ends every other session of yours, and gives this browser a
    /// new session token: only this browser stays logged in.
    #[oai(path = "/users/me/password", method = "put", operation_id = "change_password")]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        me: Owner,
        req: &Request,
        body: JsonBody<PasswordChange>,
    ) -> Result<ReauthResponse, Failure<OwnForbidden<CookieOnly<Submission>>>> {
        let PasswordChange { current_password, new_password } = body.parse()?;
        let client = Client {
            address: client_address(req, state.config.trust_proxy),
            user_agent: req.header(USER_AGENT),
            presented: None,
        };
        Ok(match accounts::change_password(&state, &me, &current_password, new_password, client).await? {
            Ok(token) => ReauthResponse::Done(state.cookie.issue(&token)),
            Err(refused) => refused.into(),
        })
    }

    /// Your sessions
    ///
    /// Everywhere you are logged in.
    #[oai(path = "/users/me/sessions", method = "get", operation_id = "list_sessions")]
    async fn sessions(
        &self,
        state: Data<&AppState>,
        me: Owner,
    ) -> Result<SessionsResponse, Failure<CookieOnly<PrivateRead>>> {
        let sessions = sessions::list(&state, &me)
            .await?
            .into_iter()
            .map(|s| SessionView {
                id: s.id,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                device: s.device,
                current: s.current,
            })
            .collect();
        Ok(SessionsResponse::Ok(Json(SessionList { sessions })))
    }

    /// End one of your sessions
    ///
    /// Logs that browser out. Another user's session id is a 404, like one that does not exist.
    #[oai(path = "/users/me/sessions/:id", method = "delete", operation_id = "end_session")]
    async fn end_session(
        &self,
        state: Data<&AppState>,
        me: Owner,
        id: Path<i32>,
    ) -> Result<EndSessionResponse, Failure<CookieOnly<Action>>> {
        if !sessions::end_one(&state, &me, id.0).await? {
            return Ok(EndSessionResponse::NotFound(ErrorBody::new(
                ErrorCode::NotFound,
                "you have no such session",
            )));
        }
        let cookie = (id.0 == me.session_id).then(|| state.cookie.expire());
        Ok(EndSessionResponse::Ended(cookie))
    }

    /// Log out everywhere else
    ///
    /// Ends all your sessions except the one making this request.
    #[oai(path = "/users/me/sessions", method = "delete", operation_id = "end_other_sessions")]
    async fn end_other_sessions(
        &self,
        state: Data<&AppState>,
        me: Owner,
    ) -> Result<EndOthersResponse, Failure<CookieOnly<Action>>> {
        sessions::end_others(&state, &me).await?;
        Ok(EndOthersResponse::Ended)
    }

    /// Delete your account
    ///
    /// After the password is given again: the account goes, and with it your sessions, your
    /// votes, your posts (with everyone's comments and votes on them) and your comments. This
    /// cannot be undone.
    #[oai(path = "/users/me", method = "delete", operation_id = "delete_account")]
    async fn delete_account(
        &self,
        state: Data<&AppState>,
        me: Owner,
        req: &Request,
        body: JsonBody<Reauthentication>,
    ) -> Result<ReauthResponse, Failure<OwnForbidden<CookieOnly<Submission>>>> {
        let Reauthentication { password } = body.parse()?;
        let address = client_address(req, state.config.trust_proxy);
        Ok(match accounts::delete(&state, &me, &password, address).await? {
            Ok(()) => ReauthResponse::Done(state.cookie.expire()),
            Err(refused) => refused.into(),
        })
    }
}
