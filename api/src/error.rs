//! The one JSON error body, and [`AppError`]: every failure a handler can meet on its way.
//!
//! Expected outcomes (a taken username, a post that is not yours) are variants of each
//! operation's response enum, so they appear in the spec. Everything else flows through
//! `AppError` with `?`. Its response never carries internal detail: unexpected errors are logged
//! once, here, and the client sees a generic message.

use std::time::Duration;

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
    /// Too many failed logins; wait `Retry-After` seconds.
    TooManyAttempts,
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
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Json<Self> {
        Json(Self { code, message: message.into(), field: None })
    }

    /// An error that one request field is to blame for.
    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> Json<Self> {
        Json(Self { code, message: message.into(), field: Some(field.into()) })
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
            Self::CrossSite => StatusCode::FORBIDDEN,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn body(&self) -> ErrorBody {
        let (code, message) = match self {
            Self::BadRequest { message } => (ErrorCode::BadRequest, message.clone()),
            Self::Validation { field, message } => {
                return ErrorBody {
                    code: ErrorCode::ValidationFailed,
                    message: message.clone(),
                    field: Some(field.clone()),
                };
            }
            Self::LoginRequired => (ErrorCode::LoginRequired, "you need to log in first".into()),
            Self::NotFound => (ErrorCode::NotFound, "there is nothing here".into()),
            Self::CrossSite => {
                (ErrorCode::CrossSiteRequest, "requests that change things must come from this site".into())
            }
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
        ErrorBody { code, message, field: None }
    }
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
        let mut resp = Json(self.body()).into_response();
        resp.set_status(self.status());
        if matches!(self, Self::Unavailable(_)) {
            resp.headers_mut()
                .insert(poem::http::header::RETRY_AFTER, RETRY_AFTER_UNAVAILABLE.as_secs().into());
        }
        resp
    }
}

/// `AppError` documents the failures any operation can meet; each operation's own enum documents
/// the outcomes particular to it.
impl ApiResponse for AppError {
    fn meta() -> MetaResponses {
        let retry_after = MetaHeader {
            name: "Retry-After".into(),
            description: Some("Seconds to wait before retrying.".into()),
            schema: <u64 as Type>::schema_ref(),
            required: true,
            deprecated: false,
        };
        MetaResponses {
            responses: vec![
                error_meta(
                    400,
                    "The body is not well-formed JSON, or not a JSON object (`bad_request`).",
                    vec![],
                ),
                error_meta(413, "The body is over 64 KiB (`payload_too_large`).", vec![]),
                error_meta(415, "The body is not `application/json` (`unsupported_media_type`).", vec![]),
                error_meta(
                    422,
                    "A field or parameter is missing, has the wrong type or breaks a rule \
                     (`validation_failed`); `field` names it.",
                    vec![],
                ),
                error_meta(500, "An unexpected failure (`internal`); nothing internal is disclosed.", vec![]),
                error_meta(
                    503,
                    "The database cannot be reached (`unavailable`); retry after `Retry-After` seconds.",
                    vec![retry_after],
                ),
            ],
        }
    }

    fn register(registry: &mut Registry) {
        <Json<ErrorBody> as ApiResponse>::register(registry);
    }
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
