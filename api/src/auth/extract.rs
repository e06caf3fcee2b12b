//! Who is asking, resolved once per `/api` request by the session middleware
//! (`crate::http::resolve_session`), and read by handlers through the [`CurrentUser`],
//! [`MaybeUser`], [`Moderator`] and [`Admin`] extractors — so no handler can forget the check.

use poem::{Request, RequestBody};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    registry::{MetaSecurityScheme, Registry},
};

use super::{roles::Role, sessions::LiveSession};
use crate::{
    AppState,
    cache::{Change, Current},
    error::AppError,
};

/// The name of the session cookie security scheme in the spec.
const SCHEME: &str = "session_cookie";

/// What the session middleware learned about the request's session cookie.
#[derive(Clone, Debug, Default)]
pub struct SessionContext {
    /// The hash of the token the browser presented, live or not: what logout and login revoke.
    pub presented_hash: Option<String>,
    /// The live session, when there is one.
    pub live: Option<LiveSession>,
    /// The database's change counter, when it was read with the session (`cache::counter`).
    pub changes: Option<i64>,
}

impl SessionContext {
    /// What to report after a commit that revoked the presented session (logout, or a login or
    /// sign-up rotating it).
    pub fn revoked(&self) -> Option<Change> {
        self.presented_hash.clone().map(|token_hash| Change::SessionEnded { token_hash })
    }
}

/// The logged-in user making the request; extracting it answers 401 `login_required` when there
/// is no live session.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    /// The public id of the session this request rides on.
    pub session_id: i32,
    /// The user's role as of this request.
    pub role: Role,
}

/// The user making the request, if logged in.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl MaybeUser {
    /// Whether the viewer moderates (sees what moderators removed).
    pub fn is_staff(&self) -> bool {
        self.0.as_ref().is_some_and(|user| user.role.is_staff())
    }
}

/// A logged-in moderator or admin; extracting it answers 401 `login_required` without a session
/// and 403 `forbidden` for anyone else.
#[derive(Clone, Debug)]
pub struct Moderator(pub CurrentUser);

/// A logged-in admin; extracting it answers 401 `login_required` without a session and 403
/// `forbidden` for anyone else.
#[derive(Clone, Debug)]
pub struct Admin(pub CurrentUser);

fn current(req: &Request) -> Option<CurrentUser> {
    let live = req.data::<SessionContext>()?.live.as_ref()?;
    Some(CurrentUser {
        id: live.user_id,
        username: live.username.clone(),
        session_id: live.id,
        role: Role::from_column(&live.role),
    })
}

/// The logged-in user if their role is at least `least`.
fn at_least(req: &Request, least: Role) -> poem::Result<CurrentUser> {
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
                vec![SCHEME]
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

/// Answers and counts are reached through [`Current`]: a handler that takes it has the memos
/// brought up to date with the database's change counter first, from the value read with the
/// session or, for a request without one, read now.
impl<'a> ApiExtractor<'a> for Current {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::PoemExtractor];
    type ParamType = ();
    type ParamRawType = ();

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let state = req.data::<AppState>().expect("AppState is attached to every request");
        let known = req.data::<SessionContext>().and_then(|context| context.changes);
        Ok(state.caches.current(known).await.map_err(AppError::from)?)
    }
}
