//! Writes run to their end, whatever the client does.

use std::sync::Arc;

use poem::{Endpoint, IntoResponse, Request, Response, http::Method};

/// Middleware: runs every request with a writing method in a task of its own, so a client that
/// hangs up cannot cut a handler short between its commit and its `Caches::after_commit` (which
/// would leave a kept value the commit made untrue). Reads run in place: their only writes are
/// the session refresh and expiry, which are safe to cut (see `auth::resolve`).
pub async fn run_writes_to_completion<E: Endpoint + 'static>(
    ep: Arc<E>,
    req: Request,
) -> poem::Result<Response> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return ep.call(req).await.map(IntoResponse::into_response);
    }
    let write = tokio::spawn(async move { ep.call(req).await.map(IntoResponse::into_response) });
    match write.await {
        Ok(response) => response,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => Err(poem::Error::from_status(poem::http::StatusCode::SERVICE_UNAVAILABLE)),
    }
}
