//! The one JSON error body, and [`AppError`]: every failure a handler can meet on its way.
//!
//! Expected outcomes (a taken username, a post that is not yours) are variants of each
//! operation's response enum, so they appear in the spec. Everything else flows through
//! `AppError` with `?`, as a [`Failure`] of the operation's [`Kind`], which documents exactly the
//! shared failures that kind of operation can meet. Its response never carries internal detail:
//! unexpected errors are logged once, here, and the client sees a generic message.

use std::{marker::PhantomData, time::Duration};

use poem::{IntoResponse, Response, http::StatusCode};
use poem_openapi::{
    ApiResponse, Enum, Object,
    payload::Json,
    registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::Type,
};

/// Stable, machine-readable error codes.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not well-formed JSON, or not a JSON object.
    BadRequest,
    /// A field is missing, has the wrong type, or breaks a rule; `field` names it.
    ValidationFailed,
    /// The endpoint needs a live session and the request has none.
    LoginRequired,
    /// The email and password do not match an account.
    InvalidCredentials,
    /// The current password given is not the account's password.
    WrongPassword,
    /// Only the author may do this.
    NotAuthor,
    /// A state-changing request came from another site.
    CrossSiteRequest,
    /// There is nothing at this path, or no such item.
    NotFound,
    /// This path does not accept this method.
    MethodNotAllowed,
    /// Someone else has this username (ignoring case).
    UsernameTaken,
    /// Someone else has this email address.
    EmailTaken,
    /// The request body is over 64 KiB.
    PayloadTooLarge,
    /// The request body must be `application/json`.
    UnsupportedMediaType,
    /// Too many failed logins, or too many requests of a kind; wait `Retry-After` seconds.
    TooManyAttempts,
    /// The account has two-factor login on: log in again with `totp_code` or `recovery_code`.
    TwoFactorRequired,
    /// The two-factor code is wrong, from too long ago, already used, or not a code at all.
    InvalidTwoFactorCode,
    /// Two-factor login is already on.
    TwoFactorOn,
    /// Two-factor login is off.
    TwoFactorOff,
    /// There is no two-factor set-up to confirm: start one first.
    TwoFactorNotStarted,
    /// The reset token is not live: used, expired, replaced by a newer one, or never issued.
    InvalidToken,
    /// Too many writes of this kind lately; wait `Retry-After` seconds.
    RateLimited,
    /// This link was posted in the last 30 days; `post_id` is that post.
    AlreadyPosted,
    /// The caller's role does not allow this.
    Forbidden,
    /// One cannot flag one's own post or comment.
    OwnItem,
    /// The account is banned.
    Banned,
    /// Nobody can sign up at present.
    RegistrationClosed,
    /// Signing up needs an invitation code (`invite_code`).
    InviteRequired,
    /// The invitation code is unknown, used or expired.
    InvalidInvite,
    /// Five invitations are waiting to be used already.
    TooManyInvites,
    /// The account is too new to invite anyone yet.
    AccountTooNew,
    /// The database cannot be reached; try again after `Retry-After` seconds.
    Unavailable,
    /// Something unexpected failed on the server.
    Internal,
}

/// The body of every error response.
#[derive(Object, Clone, Debug)]
pub struct ErrorBody {
    // No doc comment on a field whose type is a named schema: poem-openapi would wrap the `$ref`
    // in `allOf` to carry it, which generated clients mishandle. The type documents itself.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The request field to blame, when there is exactly one.
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
    /// With `already_posted`: the post that has the link already.
    #[oai(skip_serializing_if_is_none)]
    pub post_id: Option<i32>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Json<Self> {
        Json(Self { code, message: message.into(), field: None, post_id: None })
    }

    /// An error that one request field is to blame for.
    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> Json<Self> {
        Json(Self { code, message: message.into(), field: Some(field.into()), post_id: None })
    }
}

/// How long a client should wait before retrying after a 503.
pub const RETRY_AFTER_UNAVAILABLE: Duration = Duration::from_secs(5);

/// A failure on the way through a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadRequest { message: String },
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("login required")]
    LoginRequired,
    #[error("not found")]
    NotFound,
    #[error("cross-site request")]
    CrossSite,
    #[error("the caller's role does not allow this")]
    Forbidden,
    #[error("rate limited")]
    RateLimited { retry_after: Duration },
    #[error("the request body is over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("the database is unavailable")]
    Unavailable(#[source] sea_orm::DbErr),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation { field: field.into(), message: message.into() }
    }

    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::LoginRequired => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::CrossSite | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body this error answers with, for an operation whose own enum answers its
    /// status (and so documents it).
    pub fn body(&self) -> Json<ErrorBody> {
        Json(self.error_body())
    }

    fn error_body(&self) -> ErrorBody {
        let (code, message) = match self {
            Self::BadRequest { message } => (ErrorCode::BadRequest, message.clone()),
            Self::Validation { field, message } => {
                return ErrorBody {
                    code: ErrorCode::ValidationFailed,
                    message: message.clone(),
                    field: Some(field.clone()),
                    post_id: None,
                };
            }
            Self::LoginRequired => (ErrorCode::LoginRequired, "you need to log in first".into()),
            Self::NotFound => (ErrorCode::NotFound, "there is nothing here".into()),
            Self::CrossSite => {
                (ErrorCode::CrossSiteRequest, "requests that change things must come from this site".into())
            }
            Self::Forbidden => (ErrorCode::Forbidden, "your role does not allow this".into()),
            Self::RateLimited { retry_after } => (
                ErrorCode::RateLimited,
                format!("you are doing that too often; try again in {}", wait_in_words(*retry_after)),
            ),
            Self::PayloadTooLarge { limit } => {
                (ErrorCode::PayloadTooLarge, format!("the request body must be at most {} KiB", limit / 1024))
            }
            Self::UnsupportedMediaType => (
                ErrorCode::UnsupportedMediaType,
                "the request body must be JSON (Content-Type: application/json)".into(),
            ),
            Self::Unavailable(_) => {
                (ErrorCode::Unavailable, "the service is briefly unavailable; try again shortly".into())
            }
            Self::Internal(_) => (ErrorCode::Internal, "something went wrong on our side".into()),
        };
        ErrorBody { code, message, field: None, post_id: None }
    }
}

/// "40 seconds", "3 minutes", "2 hours": how long to wait, for people.
fn wait_in_words(wait: Duration) -> String {
    let seconds = wait.as_secs().max(1);
    let (n, unit) = match seconds {
        0..120 => (seconds, "second"),
        120..7200 => (seconds.div_ceil(60), "minute"),
        _ => (seconds.div_ceil(3600), "hour"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

impl From<sea_orm::DbErr> for AppError {
    /// Connection-level failures mean the database is unreachable (503); anything else is a bug.
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::DbErr;
        match &err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Self::Unavailable(err),
            DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
            | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))
                if is_connection_error(e) =>
            {
                Self::Unavailable(err)
            }
            _ => Self::Internal(Box::new(err)),
        }
    }
}

fn is_connection_error(err: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match err {
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::Tls(_) | Error::Protocol(_) => true,
        Error::WorkerCrashed => true,
        // SQLite's "database is locked" / "busy" after the busy timeout: the store is overloaded,
        // which a client should treat like a brief outage, not a bug.
        Error::Database(db) => matches!(
            db.code().as_deref(),
            Some("5" | "6" | "517" | "57P01" | "57P02" | "57P03" | "08006" | "08001" | "08004")
        ),
        _ => false,
    }
}

impl poem::error::ResponseError for AppError {
    fn status(&self) -> StatusCode {
        AppError::status(self)
    }

    fn as_response(&self) -> Response {
        match self {
            Self::Internal(source) => {
                tracing::error!(error = %chain(source.as_ref()), "request failed")
            }
            Self::Unavailable(source) => {
                tracing::warn!(error = %chain(source), "database unavailable")
            }
            _ => {}
        }
        let mut resp = self.body().into_response();
        resp.set_status(self.status());
        let retry_after = match self {
            Self::Unavailable(_) => Some(RETRY_AFTER_UNAVAILABLE),
            Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        };
        if let Some(wait) = retry_after {
            resp.headers_mut().insert(poem::http::header::RETRY_AFTER, wait.as_secs().max(1).into());
        }
        resp
    }
}

/// An [`AppError`] as an operation of kind `K` answers it. Handlers return
/// `Result<TheirResponse, Failure<K>>`: their own enum documents the outcomes particular to them,
/// and `K` the failures they share with every operation of their kind — exactly those, so the
/// spec promises no status the operation cannot answer.
pub struct Failure<K>(AppError, PhantomData<fn() -> K>);

impl<K> From<AppError> for Failure<K> {
    fn from(err: AppError) -> Self {
        Self(err, PhantomData)
    }
}

impl<K> From<sea_orm::DbErr> for Failure<K> {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::from(err).into()
    }
}

impl<K> From<Failure<K>> for poem::Error {
    fn from(failure: Failure<K>) -> Self {
        failure.0.into()
    }
}

impl<K: Kind> ApiResponse for Failure<K> {
    fn meta() -> MetaResponses {
        MetaResponses { responses: K::responses() }
    }

    fn register(registry: &mut Registry) {
        <Json<ErrorBody> as ApiResponse>::register(registry);
    }
}

/// What an operation takes and needs, and so which of the shared failures it can meet. Every
/// operation can meet 500 and 503.
pub trait Kind: 'static {
    /// It needs a live session (a `CurrentUser`): 401 `login_required`.
    const NEEDS_LOGIN: bool = false;
    /// It changes state (`POST`, `PUT`, `DELETE`), so the cross-site check comes first: 403
    /// `cross_site_request`.
    const CHANGES_STATE: bool = false;
    /// It takes a JSON body: 400, 413, 415 and 422.
    const TAKES_BODY: bool = false;
    /// It takes query parameters that can break a rule: 422. (A path id that is not a number
    /// names no item: 404, which the operation's own enum documents.)
    const TAKES_PARAMETERS: bool = false;
    /// It needs a role (a `Moderator` or an `Admin`): 403 `forbidden`.
    const NEEDS_ROLE: bool = false;
    /// It is a write counted by a rate limit: 429 `rate_limited` with `Retry-After`.
    const RATE_LIMITED: bool = false;

    /// The shared failures, by status.
    fn responses() -> Vec<MetaResponse> {
        let mut responses = Vec::new();
        if Self::TAKES_BODY {
            responses.push(error_meta(
                400,
                "The body is not well-formed JSON, or not a JSON object (`bad_request`).",
                vec![],
            ));
        }
        if Self::NEEDS_LOGIN {
            responses.push(error_meta(401, "Not logged in (`login_required`).", vec![]));
        }
        match (Self::CHANGES_STATE, Self::NEEDS_ROLE) {
            (true, false) => responses.push(error_meta(403, CROSS_SITE, vec![])),
            (true, true) => responses.push(error_meta(
                403,
                "A cross-site request (`cross_site_request`), or the caller's role does not allow \
                 it (`forbidden`).",
                vec![],
            )),
            (false, true) => {
                responses.push(error_meta(403, "The caller's role does not allow it (`forbidden`).", vec![]))
            }
            (false, false) => {}
        }
        if Self::TAKES_BODY {
            responses.push(error_meta(413, "The body is over 64 KiB (`payload_too_large`).", vec![]));
            responses.push(error_meta(
                415,
                "The body is not `application/json` (`unsupported_media_type`).",
                vec![],
            ));
        }
        let invalid = match (Self::TAKES_BODY, Self::TAKES_PARAMETERS) {
            (true, true) => Some(
                "A field or parameter is missing, has the wrong type or breaks a rule \
                 (`validation_failed`); `field` names it.",
            ),
            (true, false) => Some(
                "A field is missing, has the wrong type or breaks a rule (`validation_failed`); \
                 `field` names it.",
            ),
            (false, true) => Some(
                "A parameter has the wrong type or breaks a rule (`validation_failed`); `field` \
                 names it.",
            ),
            (false, false) => None,
        };
        if let Some(description) = invalid {
            responses.push(error_meta(422, description, vec![]));
        }
        let retry_after = || MetaHeader {
            name: "Retry-After".into(),
            description: Some("Seconds to wait before retrying.".into()),
            schema: <u64 as Type>::schema_ref(),
            required: true,
            deprecated: false,
        };
        if Self::RATE_LIMITED {
            responses.push(error_meta(
                429,
                "Too many writes of this kind lately (`rate_limited`); nothing was written. Retry \
                 after `Retry-After` seconds.",
                vec![retry_after()],
            ));
        }
        responses.push(error_meta(
            500,
            "An unexpected failure (`internal`); nothing internal is disclosed.",
            vec![],
        ));
        responses.push(error_meta(
            503,
            "The database cannot be reached (`unavailable`); retry after `Retry-After` seconds.",
            vec![retry_after()],
        ));
        responses
    }
}

/// The cross-site refusal where it is an operation's only 403. An operation whose own enum answers
/// 403 too names `cross_site_request` in that variant's description and takes a kind wrapped in
/// [`kind::OwnForbidden`]: poem-openapi lists the enum's responses and the kind's side by side,
/// and a status given by both would appear twice.
const CROSS_SITE: &str = "A cross-site request (`cross_site_request`).";

/// The kinds of operation.
pub mod kind {
    use std::marker::PhantomData;

    use super::{Kind, MetaResponse};

    /// A read anyone may make, with nothing to validate but path ids.
    pub struct Read;
    impl Kind for Read {}

    /// A read anyone may make, with query parameters.
    pub struct Listing;
    impl Kind for Listing {
        const TAKES_PARAMETERS: bool = true;
    }

    /// A read of one's own, behind a login.
    pub struct PrivateRead;
    impl Kind for PrivateRead {
        const NEEDS_LOGIN: bool = true;
    }

    /// A change anyone may make, without a body.
    pub struct Command;
    impl Kind for Command {
        const CHANGES_STATE: bool = true;
    }

    /// A change anyone may make, with a JSON body.
    pub struct Form;
    impl Kind for Form {
        const CHANGES_STATE: bool = true;
        const TAKES_BODY: bool = true;
    }

    /// A change behind a login, without a body.
    pub struct Action;
    impl Kind for Action {
        const NEEDS_LOGIN: bool = true;
        const CHANGES_STATE: bool = true;
    }

    /// A change behind a login, with a JSON body.
    pub struct Submission;
    impl Kind for Submission {
        const NEEDS_LOGIN: bool = true;
        const CHANGES_STATE: bool = true;
        const TAKES_BODY: bool = true;
    }

    /// An operation of kind `K` that only moderators (or admins) may make.
    pub struct Staff<K>(PhantomData<K>);
    impl<K: Kind> Kind for Staff<K> {
        const NEEDS_LOGIN: bool = true;
        const CHANGES_STATE: bool = K::CHANGES_STATE;
        const TAKES_BODY: bool = K::TAKES_BODY;
        const TAKES_PARAMETERS: bool = K::TAKES_PARAMETERS;
        const NEEDS_ROLE: bool = true;
        const RATE_LIMITED: bool = K::RATE_LIMITED;
    }

    /// An operation of kind `K` whose writes a rate limit counts.
    pub struct Limited<K>(PhantomData<K>);
    impl<K: Kind> Kind for Limited<K> {
        const NEEDS_LOGIN: bool = K::NEEDS_LOGIN;
        const CHANGES_STATE: bool = K::CHANGES_STATE;
        const TAKES_BODY: bool = K::TAKES_BODY;
        const TAKES_PARAMETERS: bool = K::TAKES_PARAMETERS;
        const NEEDS_ROLE: bool = K::NEEDS_ROLE;
        const RATE_LIMITED: bool = true;
    }

    /// An operation of kind `K` whose own enum answers `STATUS` too, and so documents there
    /// what `K` would have said for it: poem-openapi lists the enum's responses and the kind's
    /// side by side, and a status given by both would appear twice.
    pub struct Own<K, const STATUS: u16>(PhantomData<K>);
    impl<K: Kind, const STATUS: u16> Kind for Own<K, STATUS> {
        const NEEDS_LOGIN: bool = K::NEEDS_LOGIN;
        const CHANGES_STATE: bool = K::CHANGES_STATE;
        const TAKES_BODY: bool = K::TAKES_BODY;
        const TAKES_PARAMETERS: bool = K::TAKES_PARAMETERS;
        const NEEDS_ROLE: bool = K::NEEDS_ROLE;
        const RATE_LIMITED: bool = K::RATE_LIMITED;

        fn responses() -> Vec<MetaResponse> {
            K::responses().into_iter().filter(|response| response.status != Some(STATUS)).collect()
        }
    }

    /// An operation of kind `K` whose own enum answers 403 too (not the author, a wrong
    /// password), and so documents the cross-site refusal in that variant.
    pub type OwnForbidden<K> = Own<K, 403>;

    /// An operation of kind `K` whose own enum answers 400 too (a token that is not live), and
    /// so documents `bad_request` in that variant.
    pub type OwnBadRequest<K> = Own<K, 400>;

    /// An operation of kind `K` whose own enum answers 422 too (a wrong two-factor code), and so
    /// documents `validation_failed` in that variant.
    pub type OwnUnprocessable<K> = Own<K, 422>;
}

fn error_meta(status: u16, description: &'static str, headers: Vec<MetaHeader>) -> MetaResponse {
    MetaResponse {
        description,
        status: Some(status),
        status_range: None,
        content: vec![MetaMediaType {
            content_type: "application/json; charset=utf-8",
            schema: <ErrorBody as Type>::schema_ref(),
        }],
        headers,
    }
}

/// An error and its causes, on one line, for the log.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
