//! Resolving who is asking once per `/api` request, before any handler runs: the bearer token of
//! `Authorization`, when there is one (it wins over any cookie), else the session cookie.

use std::sync::Arc;

use poem::{
    Endpoint, IntoResponse, Request, Response,
    http::{Method, header},
};

use super::{AppState, cookie::Presented, errors::json_error_response};
use crate::{
    domain::ApiToken,
    error::AppError,
    services::{
        User, sessions,
        tokens::{self, Scopes},
    },
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
    /// What the request's bearer token allows; `None` when it rides on the session cookie (or on
    /// nothing).
    pub scopes: Option<Scopes>,
}

impl SessionContext {
    /// Refuses a bearer request (403 `insufficient_scope`): for the operations whose answer is a
    /// browser's cookie (sign-up, login, logout), which a program's request never gets.
    pub fn browser_only(&self) -> Result<(), AppError> {
        if self.scopes.is_some() { Err(AppError::InsufficientScope) } else { Ok(()) }
    }
}

/// Middleware: resolves the session cookie into a [`SessionContext`] for the extractors. A store
/// failure fails closed (503, never "logged out"); a dead or malformed cookie makes the request
/// anonymous and is expired in the response, unless the handler set a cookie of its own.
pub async fn resolve_session<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    // Borrowed, not cloned: after the handler only the cookie's settings are needed.
    let state = req.data::<AppState>().expect("AppState is attached to every request");
    if let Some(authorization) = req.header(header::AUTHORIZATION) {
        let context = resolve_bearer(state, authorization).await?;
        // Any write with a `read` token is refused here, whatever the operation.
        let reads_only = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        if context.scopes.is_some_and(|scopes| !scopes.allow(reads_only)) {
            return Err(AppError::InsufficientScope.into());
        }
        req.set_data(context);
        let mut resp = match ep.call(req).await {
            Ok(resp) => resp.into_response(),
            Err(err) => json_error_response(err),
        };
        // A program's request is never given a cookie (a login made with one included).
        resp.headers_mut().remove(header::SET_COOKIE);
        return Ok(resp);
    }
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
            let context = SessionContext {
                presented_hash: Some(hash),
                user: resolved.user,
                changes: resolved.changes,
                scopes: None,
            };
            (context, dead)
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

/// Who a request's `Authorization` header says is asking: `Bearer` and a live token of ours, or
/// 401 `invalid_token` (a malformed header, another scheme, a token unknown, expired or revoked).
/// A store failure fails closed (503).
async fn resolve_bearer(state: &AppState, authorization: &str) -> Result<SessionContext, AppError> {
    let (scheme, credentials) = authorization.split_once(' ').unwrap_or((authorization, ""));
    let token =
        if scheme.eq_ignore_ascii_case("bearer") { ApiToken::parse(credentials.trim()) } else { None };
    let Some(token) = token else {
        state.metrics.session("dead");
        return Err(AppError::InvalidBearer);
    };
    let resolved = tokens::resolve(state, &token.hash()).await.map_err(|err| {
        state.metrics.session("failed");
        AppError::from(err)
    })?;
    let Some((user, scopes)) = resolved.user else {
        state.metrics.session("dead");
        return Err(AppError::InvalidBearer);
    };
    state.metrics.session("live");
    Ok(SessionContext {
        presented_hash: None,
        user: Some(user),
        changes: resolved.changes,
        scopes: Some(scopes),
    })
}
