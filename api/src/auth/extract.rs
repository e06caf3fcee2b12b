//! Who is asking, resolved once per `/api` request by [`resolve_session`], and read by handlers
//! through the [`CurrentUser`] and [`MaybeUser`] extractors — so no handler can forget the check.

use std::sync::Arc;

use poem::{Endpoint, IntoResponse, Request, RequestBody, Response, http::header};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    registry::{MetaSecurityScheme, Registry},
};

use super::{cookie::Presented, sessions::LiveSession};
use crate::{AppState, error::AppError, http::json_error_response};

/// The name of the session cookie security scheme in the spec.
const SCHEME: &str = "session_cookie";

/// What [`resolve_session`] learned about the request's session cookie.
#[derive(Clone, Debug, Default)]
pub struct SessionContext {
    /// The hash of the token the browser presented, live or not: what logout and login revoke.
    pub presented_hash: Option<String>,
    /// The live session, when there is one.
    pub live: Option<LiveSession>,
}

/// Resolves the session cookie before the handler runs. A store failure fails closed (503,
/// never "logged out"); a dead or malformed cookie makes the request anonymous and is expired
/// in the response, unless the handler set a cookie of its own.
pub async fn resolve_session<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let state = req.data::<AppState>().expect("AppState is attached to every request").clone();
    let (context, dead) = match state.cookie.read(&req) {
        Presented::Absent => (SessionContext::default(), false),
        Presented::Malformed => (SessionContext::default(), true),
        Presented::Token(token) => {
            let hash = token.hash();
            let live = state.sessions.resolve(&hash).await.map_err(AppError::from)?;
            let dead = live.is_none();
            (SessionContext { presented_hash: Some(hash), live }, dead)
        }
    };
    req.set_data(context);
    let mut resp = match ep.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => json_error_response(err),
    };
    if dead
        && !resp.headers().contains_key(header::SET_COOKIE)
        && let Ok(value) = state.cookie.expire().parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(resp)
}

/// The logged-in user making the request; extracting it answers 401 `login_required` when there
/// is no live session.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    /// The public id of the session this request rides on.
    pub session_id: i32,
}

/// The user making the request, if logged in.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<CurrentUser>);

fn current(req: &Request) -> Option<CurrentUser> {
    let live = req.data::<SessionContext>()?.live.as_ref()?;
    Some(CurrentUser { id: live.user_id, username: live.username.clone(), session_id: live.id })
}

impl<'a> ApiExtractor<'a> for CurrentUser {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            SCHEME,
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some(
                    "The session cookie set by sign-up and login (`jtn_session`, or \
                     `__Host-jtn_session` when the site is served over https). Browsers send it \
                     by themselves; other clients keep it from `Set-Cookie`.",
                ),
                name: Some("jtn_session"),
                key_in: Some("cookie"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![SCHEME]
    }

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        current(req).ok_or_else(|| AppError::LoginRequired.into())
    }
}

impl<'a> ApiExtractor<'a> for MaybeUser {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::PoemExtractor];
    type ParamType = ();
    type ParamRawType = ();

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Ok(Self(current(req)))
    }
}
