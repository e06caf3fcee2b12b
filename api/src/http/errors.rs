//! Every error under `/api` leaves as the one JSON shape, whichever layer raised it: an
//! [`AppError`]'s status, body and headers, and poem's and poem-openapi's own errors in our words.
//! Unexpected errors are logged once, here, and the client sees a generic message.

use std::{sync::Arc, time::Duration};

use poem::{
    Endpoint, IntoResponse, Request, Response,
    error::{MethodNotAllowedError, NotFoundError, ReadBodyError},
    http::{HeaderValue, StatusCode, header},
};
use poem_openapi::{
    error::{ContentTypeError, ParseParamError, ParsePathError},
    payload::Json,
};

use super::error_body::{ErrorBody, ErrorCode};
use crate::error::{AppError, chain};

/// How long a client should wait before retrying after a 503.
pub const RETRY_AFTER_UNAVAILABLE: Duration = Duration::from_secs(5);

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::LoginRequired | Self::InvalidBearer => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::CrossSite | Self::Forbidden | Self::EmailUnverified => StatusCode::FORBIDDEN,
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
            Self::InvalidBearer => (
                ErrorCode::InvalidToken,
                "the bearer token is not one of ours, or it expired or was revoked".into(),
            ),
            Self::InsufficientScope => (
                ErrorCode::InsufficientScope,
                "this token does not allow that: a read-only token cannot write, and no token can \
                 change the account (log in with a browser for that)"
                    .into(),
            ),
            Self::NotFound => (ErrorCode::NotFound, "there is nothing here".into()),
            Self::CrossSite => {
                (ErrorCode::CrossSiteRequest, "requests that change things must come from this site".into())
            }
            Self::Forbidden => (ErrorCode::Forbidden, "your role does not allow this".into()),
            Self::EmailUnverified => (
                ErrorCode::EmailUnverified,
                "confirm your e-mail address first: open the link we mailed you, or ask for a new one".into(),
            ),
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
        let challenge = match self {
            Self::InvalidBearer => Some(r#"Bearer realm="api", error="invalid_token""#),
            Self::InsufficientScope => Some(r#"Bearer realm="api", error="insufficient_scope""#),
            _ => None,
        };
        if let Some(challenge) = challenge {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        resp
    }
}

/// Middleware: turns any error from the endpoints inside into a JSON error response, and marks
/// every `/api` response `Cache-Control: no-store` (most depend on who is asking).
pub async fn json_errors<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let path = req.original_uri().path().to_owned();
    let mut resp = match ep.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => json_error_response(err),
    };
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allow) = allowed_methods(&path)
    {
        resp.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(resp)
}

/// The `Allow` header a 405 must carry: the methods the spec gives the path.
fn allowed_methods(path: &str) -> Option<HeaderValue> {
    static ROUTES: std::sync::OnceLock<Vec<(Vec<String>, String)>> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        let spec: serde_json::Value = serde_json::from_str(&super::api::service().spec()).unwrap_or_default();
        let paths = spec["paths"].as_object().cloned().unwrap_or_default();
        paths
            .into_iter()
            .map(|(template, item)| {
                let segments = template.split('/').map(str::to_owned).collect();
                let methods: Vec<_> = item
                    .as_object()
                    .map(|ops| ops.keys().map(|m| m.to_uppercase()).collect())
                    .unwrap_or_default();
                (segments, methods.join(", "))
            })
            .collect()
    });
    let path = path.strip_prefix("/api").unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let (_, methods) = routes.iter().find(|(template, _)| {
        template.len() == segments.len()
            && template.iter().zip(&segments).all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
    })?;
    HeaderValue::from_str(methods).ok()
}

/// The JSON response for an error raised anywhere in poem, poem-openapi or this crate.
pub fn json_error_response(err: poem::Error) -> Response {
    if err.is::<AppError>() {
        return err.into_response();
    }
    let (status, code, message, field) = if let Some(e) = err.downcast_ref::<ParseParamError>() {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            param_message(e.name, &e.reason),
            Some(e.name),
        )
    } else if let Some(e) = err.downcast_ref::<ParsePathError>() {
        // A path id that is not a number can name no item.
        let _ = e;
        (StatusCode::NOT_FOUND, ErrorCode::NotFound, "there is nothing here".into(), None)
    } else if err.is::<ContentTypeError>() {
        return AppError::UnsupportedMediaType.into_response_now();
    } else if let Some(ReadBodyError::PayloadTooLarge) = err.downcast_ref::<ReadBodyError>() {
        return AppError::PayloadTooLarge { limit: super::openapi::BODY_LIMIT }.into_response_now();
    } else if err.is::<NotFoundError>() {
        (StatusCode::NOT_FOUND, ErrorCode::NotFound, "there is nothing here".into(), None)
    } else if err.is::<MethodNotAllowedError>() {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "this path does not accept this method".into(),
            None,
        )
    } else if err.status().is_client_error() {
        (err.status(), ErrorCode::BadRequest, "the request could not be understood".into(), None)
    } else {
        return AppError::internal(err.to_string()).into_response_now();
    };
    let body = ErrorBody { code, message, field: field.map(str::to_owned), post_id: None };
    let mut resp = poem_openapi::payload::Json(body).into_response();
    resp.set_status(status);
    resp
}

/// poem-openapi's reasons name its own types; say it in the API's words.
fn param_message(name: &str, reason: &str) -> String {
    match name {
        "page" => "page must be a whole number from 1".into(),
        "per_page" => "per_page must be a whole number from 1 to 100".into(),
        "sort" => "sort must be new, hot or top".into(),
        "period" => "period must be day, week, month, year or all".into(),
        "unread" => "unread must be true or false".into(),
        "q" if reason.contains("expects an input") => "q is required".into(),
        "q" => "q must be 1 to 200 characters".into(),
        _ if reason.contains("expects an input") => format!("{name} is required"),
        _ => format!("{name} must be a whole number"),
    }
}

impl AppError {
    fn into_response_now(self) -> Response {
        poem::Error::from(self).into_response()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_405_names_the_methods_the_spec_gives_the_path() {
        assert_eq!(super::allowed_methods("/api/session").unwrap(), "GET");
        assert_eq!(super::allowed_methods("/api/posts/7/vote").unwrap(), "DELETE, PUT");
        assert!(super::allowed_methods("/api/nothing").is_none());
    }
}
