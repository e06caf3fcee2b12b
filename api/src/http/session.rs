//! Resolving the session cookie once per `/api` request, before any handler runs.

use std::sync::Arc;

use poem::{Endpoint, IntoResponse, Request, Response, http::header};

use super::{AppState, cookie::Presented, errors::json_error_response};
use crate::{
    error::AppError,
    services::{User, sessions},
};

/// What the session middleware learned about the request's session cookie.
#[derive(Clone, Debug, Default)]
pub struct SessionContext {
    /// The hash of the token the browser presented, live or not: what logout and login end.
    pub presented_hash: Option<String>,
    /// Whose the live session is, when there is one.
    pub user: Option<User>,
    /// The database's change counter, when it was read with the session (`db::counter`).
    pub changes: Option<i64>,
}

/// Middleware: resolves the session cookie into a [`SessionContext`] for the extractors. A store
/// failure fails closed (503, never "logged out"); a dead or malformed cookie makes the request
/// anonymous and is expired in the response, unless the handler set a cookie of its own.
pub async fn resolve_session<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    // Borrowed, not cloned: after the handler only the cookie's settings are needed.
    let state = req.data::<AppState>().expect("AppState is attached to every request");
    let cookie = state.cookie.clone();
    let (context, dead) = match cookie.read(&req) {
        Presented::Absent => (SessionContext::default(), false),
        Presented::Malformed => (SessionContext::default(), true),
        Presented::Token(token) => {
            let hash = token.hash();
            let resolved = sessions::resolve(state, &hash).await.map_err(|err| {
                state.metrics.session("failed");
                AppError::from(err)
            })?;
            let dead = resolved.user.is_none();
            state.metrics.session(if dead { "dead" } else { "live" });
            (
                SessionContext { presented_hash: Some(hash), user: resolved.user, changes: resolved.changes },
                dead,
            )
        }
    };
    req.set_data(context);
    let mut resp = match ep.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => json_error_response(err),
    };
    if dead
        && !resp.headers().contains_key(header::SET_COOKIE)
        && let Ok(value) = cookie.expire().parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(resp)
}
