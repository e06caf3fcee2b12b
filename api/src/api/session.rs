use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::{ApiTags, UserRef, nullable::Nullable};
use crate::{
    auth::MaybeUser,
    error::{Failure, kind::Read},
};

pub struct SessionApi;

/// Who this browser is logged in as.
#[derive(Object)]
struct SessionInfo {
    /// Whether the request carries a live session.
    logged_in: bool,
    // The logged-in user, or `null`. (No doc comment: on a `$ref` poem-openapi would wrap it
    // in `allOf`, which generated clients mishandle.)
    user: Nullable<UserRef>,
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
    /// Whether this request is logged in, and as whom. Never 401: anonymous is an answer. If the
    /// session store cannot be reached the answer is 503, never "logged out".
    #[oai(path = "/session", method = "get", operation_id = "get_session")]
    async fn session(&self, user: MaybeUser) -> Result<SessionResponse, Failure<Read>> {
        let user = user.0.map(|u| UserRef { id: u.id, username: u.username });
        Ok(SessionResponse::Ok(Json(SessionInfo { logged_in: user.is_some(), user: Nullable(user) })))
    }
}
