//! Every error under `/api` leaves as the one JSON shape, whichever layer raised it.

use std::sync::Arc;

use poem::{
    Endpoint, IntoResponse, Request, Response,
    error::{MethodNotAllowedError, NotFoundError, ReadBodyError},
    http::{HeaderValue, StatusCode, header},
};
use poem_openapi::error::{ContentTypeError, ParseParamError, ParsePathError};

use crate::error::{AppError, ErrorBody, ErrorCode};

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
        let spec: serde_json::Value = serde_json::from_str(&crate::api::service().spec()).unwrap_or_default();
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
        return AppError::PayloadTooLarge { limit: super::BODY_LIMIT }.into_response_now();
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
