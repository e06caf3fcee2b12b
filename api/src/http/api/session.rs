use poem::web::Data;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, payload::Json};

use super::ApiTags;
use crate::{
    config::Registration,
    domain::Role,
    http::{
        AppState, MaybeUser,
        openapi::{Failure, Nullable, kind::Read},
    },
};

pub struct SessionApi;

/// The logged-in user.
#[derive(Object)]
struct SessionUser {
    /// The user's id.
    id: i32,
    /// The user's name.
    username: String,
    // What they may do: `user`, `moderator` or `admin`. (No doc comment on a named schema's
    // field.)
    role: Role,
    /// How many of their notifications are unread: what the header's "inbox (N)" shows, the
    /// `unread` of `GET /notifications`.
    unread: u64,
    /// Whether they proved their e-mail address is theirs: while not, pages show a banner that
    /// offers a new link.
    email_verified: bool,
}

/// Who may sign up.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum SignUps {
    /// Anyone.
    Open,
    /// Only with an invitation code.
    Invite,
    /// Nobody, at present.
    Closed,
}

/// Who this browser is logged in as.
#[derive(Object)]
struct SessionInfo {
    /// Whether the request carries a live session.
    logged_in: bool,
    // The logged-in user, or `null`. (No doc comment: on a `$ref` poem-openapi would wrap it
    // in `allOf`, which generated clients mishandle.)
    user: Nullable<SessionUser>,
    // Who may sign up, so a sign-up form knows whether to ask for an invitation code.
    registration: SignUps,
}

#[derive(ApiResponse)]
enum SessionResponse {
    /// The session as the server sees it.
    #[oai(status = 200)]
    Ok(Json<SessionInfo>),
}

#[OpenApi(tag = "ApiTags::Session")]
impl SessionApi {
    /// Current session
    ///
    /// Whether this request is logged in, as whom and with which role, and who may sign up.
    /// Never 401: anonymous is an answer. If the session store cannot be reached the answer is
    /// 503, never "logged out".
    #[oai(path = "/session", method = "get", operation_id = "get_session")]
    async fn session(
        &self,
        state: Data<&AppState>,
        user: MaybeUser,
    ) -> Result<SessionResponse, Failure<Read>> {
        let user = user.0.map(|u| SessionUser {
            id: u.id,
            username: u.username,
            role: u.role,
            unread: u.unread,
            email_verified: u.email_verified,
        });
        let registration = match state.config.registration {
            Registration::Open => SignUps::Open,
            Registration::Invite => SignUps::Invite,
            Registration::Closed => SignUps::Closed,
        };
        Ok(SessionResponse::Ok(Json(SessionInfo {
            logged_in: user.is_some(),
            user: Nullable(user),
            registration,
        })))
    }
}
