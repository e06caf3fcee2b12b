//! Cross-site request defence and security headers (DESIGN.md section 6), as middleware so no
//! handler can forget them.

use std::sync::Arc;

use poem::{
    Endpoint, IntoResponse, Request, Response,
    http::{HeaderValue, Method, header},
};

use super::AppState;
use crate::error::AppError;

/// Middleware: a state-changing request from another site is refused with 403
/// `cross_site_request` before any handler runs. Requests without `Sec-Fetch-Site` and `Origin`
/// (curl, generated clients) pass: they carry no ambient browser credentials by accident. So do
/// requests with an `Authorization` header: a browser sends one to another site only if that
/// site's CORS allows it, and ours allows none; and a program's bearer token is no ambient
/// credential.
pub async fn reject_cross_site<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    if changes_state(req.method()) && req.header(header::AUTHORIZATION).is_none() {
        let state = req.data::<AppState>().expect("AppState is attached to every request");
        let fetch_site_ok =
            req.header("sec-fetch-site").is_none_or(|site| matches!(site, "same-origin" | "none"));
        let origin_ok = req.header(header::ORIGIN).is_none_or(|origin| origin == state.origin.as_str());
        if !(fetch_site_ok && origin_ok) {
            return Err(AppError::CrossSite.into());
        }
    }
    Ok(ep.call(req).await?.into_response())
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The Content-Security-Policy for the site's pages: only same-origin scripts, styles and
/// connections; nothing may frame them.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Middleware: security headers on every response; the strict CSP on everything but Swagger UI,
/// which needs its own inline script.
pub async fn security_headers<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let is_docs = req.uri().path().starts_with("/api/docs");
    let mut resp = match ep.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => err.into_response(),
    };
    let headers = resp.headers_mut();
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_docs {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    }
    Ok(resp)
}
