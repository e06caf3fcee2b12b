//! Who is asking, resolved once per `/api` request by the session middleware
//! ([`super::session::resolve_session`]), and read by handlers through the [`CurrentUser`],
//! [`Owner`], [`MaybeUser`], [`Moderator`], [`Admin`] and [`Viewer`] extractors — so no handler
//! can forget the check.
//!
//! A personal API token is as good as the session cookie for all of them but [`Owner`], which
//! the operations on the account itself take: those need the cookie (a token is 403
//! `insufficient_scope`). A token's scopes are checked by the middleware: a write with a `read`
//! token never reaches a handler.

use std::ops::Deref;

use poem::{Request, RequestBody};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    registry::{MetaSecurityScheme, Registry},
};

use super::session::SessionContext;
use crate::{
    domain::Role,
    error::AppError,
    services::{User, Viewer},
};

/// The name of the session cookie security scheme in the spec.
const SCHEME: &str = "session_cookie";

/// The name of the personal API token security scheme in the spec.
const BEARER: &str = "bearer_token";

/// The logged-in user making the request; extracting it answers 401 `login_required` when there
/// is no live session.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub User);

impl Deref for CurrentUser {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0
    }
}

/// The logged-in user making the request with their session cookie: what an operation on the
/// account itself takes. Extracting it answers 401 `login_required` without a session and 403
/// `insufficient_scope` to a bearer token.
#[derive(Clone, Debug)]
pub struct Owner(pub User);

impl Deref for Owner {
    type Target = User;

    fn deref(&self) -> &User {
        &self.0
    }
}

/// The user making the request, if logged in.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<User>);

/// A logged-in moderator or admin; extracting it answers 401 `login_required` without a session
/// and 403 `forbidden` for anyone else.
#[derive(Clone, Debug)]
pub struct Moderator(pub User);

/// A logged-in admin; extracting it answers 401 `login_required` without a session and 403
/// `forbidden` for anyone else.
#[derive(Clone, Debug)]
pub struct Admin(pub User);

fn current(req: &Request) -> Option<User> {
    req.data::<SessionContext>()?.user.clone()
}

/// The logged-in user if their role is at least `least`.
fn at_least(req: &Request, least: Role) -> poem::Result<User> {
    let user = current(req).ok_or(AppError::LoginRequired)?;
    if user.role < least {
        return Err(AppError::Forbidden.into());
    }
    Ok(user)
}

impl<'a> ApiExtractor<'a> for CurrentUser {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            BEARER,
            MetaSecurityScheme {
                ty: "http",
                description: Some(
                    "A personal API token (`POST /users/me/tokens`): `Authorization: Bearer \
                     jtn_...`. It wins over a cookie sent beside it. `read` allows the reads, \
                     `write` those and the writes on content; no token may change the account.",
                ),
                name: None,
                key_in: None,
                scheme: Some("bearer"),
                bearer_format: Some("jtn_ and 43 base62 characters"),
                flows: None,
                openid_connect_url: None,
            },
        );
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
        vec![SCHEME, BEARER]
    }

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        current(req).map(Self).ok_or_else(|| AppError::LoginRequired.into())
    }
}

impl<'a> ApiExtractor<'a> for Owner {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        CurrentUser::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![SCHEME]
    }

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let context = req.data::<SessionContext>();
        if context.is_some_and(|context| context.scopes.is_some()) {
            return Err(AppError::InsufficientScope.into());
        }
        current(req).map(Self).ok_or_else(|| AppError::LoginRequired.into())
    }
}

/// The staff extractors are the session cookie scheme too, with a role check.
macro_rules! staff_extractor {
    ($ty:ident, $least:expr) => {
        impl<'a> ApiExtractor<'a> for $ty {
            const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
            type ParamType = ();
            type ParamRawType = ();

            fn register(registry: &mut Registry) {
                CurrentUser::register(registry);
            }

            fn security_schemes() -> Vec<&'static str> {
                vec![SCHEME, BEARER]
            }

            async fn from_request(
                req: &'a Request,
                _body: &mut RequestBody,
                _param_opts: ExtractParamOptions<Self::ParamType>,
            ) -> poem::Result<Self> {
                at_least(req, $least).map($ty)
            }
        }
    };
}

staff_extractor!(Moderator, Role::Moderator);
staff_extractor!(Admin, Role::Admin);

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

/// A read the answer cache may serve takes the [`Viewer`]: who is asking, and the database's
/// change counter as read with their session (so the cache is brought up to date without
/// another round trip). Not in the spec: it adds nothing a client sends.
impl<'a> ApiExtractor<'a> for Viewer {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::PoemExtractor];
    type ParamType = ();
    type ParamRawType = ();

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let context = req.data::<SessionContext>();
        Ok(Self {
            user: context.and_then(|context| context.user.clone()),
            changes: context.and_then(|context| context.changes),
        })
    }
}
