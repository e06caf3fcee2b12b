//! One log line per request, at its end, with a request id also sent as `X-Request-Id`, and the
//! request metrics (DESIGN.md section 18).
//!
//! A line names the route (the API operation, or `feed`, `web` or `api` for the rest), never the
//! path or query as sent: a path can hold whatever a client typed (an e-mail address), and a
//! query a reset link's token. No header, cookie or body is ever logged.

use std::{sync::Arc, time::Instant};

use poem::{Endpoint, IntoResponse, Request, Response, http::HeaderValue};
use poem_openapi::OperationId;
use tracing::Instrument;

use super::AppState;

/// The header carrying the request id, both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// Middleware, outermost: times the request, logs it once and counts it.
pub async fn observe<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let state = req.data::<AppState>().expect("AppState is attached to every request");
    let (metrics, trust_proxy) = (state.metrics.clone(), state.config.trust_proxy);
    let started = Instant::now();
    let id = request_id(&req, trust_proxy);
    let method = req.method().clone();
    let class = class_of(req.uri().path());
    let span = tracing::info_span!("request", id = %id);
    let mut resp = match ep.call(req).instrument(span.clone()).await {
        Ok(resp) => resp.into_response(),
        Err(err) => err.into_response(),
    };
    let took = started.elapsed();
    let route = resp.data::<OperationId>().map_or(class, |op| op.0);
    let status = resp.status().as_u16();
    if let Ok(value) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, value);
    }
    metrics.request(route, &method, status, took);
    span.in_scope(|| {
        tracing::info!(
            target: "jtn::request",
            method = %method,
            route,
            status,
            ms = took.as_micros() as f64 / 1000.0,
            "answered"
        );
    });
    Ok(resp)
}

/// A proxy's id when one we trust sent a sane one, else a new random one.
fn request_id(req: &Request, trust_proxy: bool) -> String {
    let forwarded = trust_proxy.then(|| req.header(REQUEST_ID)).flatten().filter(|id| {
        (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    match forwarded {
        Some(id) => id.to_owned(),
        None => {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).expect("the operating system's random source works");
            hex::encode(bytes)
        }
    }
}

/// The route of a request no API operation answered.
fn class_of(path: &str) -> &'static str {
    if path == "/api" || path.starts_with("/api/") {
        "api"
    } else if path.starts_with("/feeds/") || path.ends_with("/feed.atom") {
        "feed"
    } else {
        "web"
    }
}
