//! [`AppError`]: every failure a use case or a request can meet on its way, apart from the
//! outcomes particular to one operation (values of that operation's own types). How each
//! becomes an answer is the HTTP edge's (`http::errors`); how a database error becomes one is
//! the database's (`db::errors`).

use std::time::Duration;

/// A failure on the way through a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadRequest { message: String },
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("login required")]
    LoginRequired,
    /// The request's bearer token is malformed, unknown, expired or revoked.
    #[error("invalid bearer token")]
    InvalidBearer,
    /// The request's bearer token does not allow this operation.
    #[error("insufficient scope")]
    InsufficientScope,
    #[error("not found")]
    NotFound,
    #[error("cross-site request")]
    CrossSite,
    #[error("the caller's role does not allow this")]
    Forbidden,
    /// `REQUIRE_VERIFIED_EMAIL` is on and the caller's address is not verified.
    #[error("the address is not verified")]
    EmailUnverified,
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
