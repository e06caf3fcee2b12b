//! Prometheus metrics (DESIGN.md section 18), by `prometheus-client`, the Prometheus project's
//! own Rust client: requests by route, method and status, their latency, sessions resolved,
//! cache lookups, the bcrypt queue, the database pool and the connections. Served as
//! OpenMetrics text (what Prometheus scrapes) at `/metrics` on `METRICS_BIND` only, never on
//! the public listener.

use std::{fmt, sync::Arc, time::Duration};

use super::server::{Observer, Phase};
use crate::services::App;
use poem::{EndpointExt, Response, Route, endpoint::BoxEndpoint, get, handler, web::Data};
use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric, text::encode},
    metrics::{
        counter::{ConstCounter, Counter},
        family::Family,
        gauge::{ConstGauge, Gauge},
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabels {
    phase: &'static str,
}

/// The metrics this process keeps, and what it reads afresh at each scrape.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    sessions: Family<OutcomeLabels, Counter>,
    connections: Gauge,
    timeouts: Family<PhaseLabels, Counter>,
}

impl Metrics {
    pub fn new(app: App) -> Self {
        let mut registry = Registry::with_prefix("jtn");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by route, method and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 0.25 ms to about 4 s.
            Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route",
            latency.clone(),
        );
        let sessions = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "sessions_resolved",
            "Session cookies resolved, by outcome (live, dead, or failed: the store could not answer)",
            sessions.clone(),
        );
        let connections = Gauge::default();
        registry.register("connections_open", "Client connections open now", connections.clone());
        let timeouts = Family::<PhaseLabels, Counter>::default();
        registry.register(
            "connections_timed_out",
            "Connections closed for missing a deadline, by phase (header, body, idle)",
            timeouts.clone(),
        );
        registry.register_collector(Box::new(Live { app }));
        Self { registry, requests, latency, sessions, connections, timeouts }
    }

    /// One answered request.
    pub fn request(&self, route: &'static str, method: &poem::http::Method, status: u16, took: Duration) {
        let method = method_name(method);
        self.requests.get_or_create(&RequestLabels { route, method, status }).inc();
        self.latency.get_or_create(&RouteLabels { route }).observe(took.as_secs_f64());
    }

    /// One session cookie resolved: `live`, `dead` or `failed`.
    pub fn session(&self, outcome: &'static str) {
        self.sessions.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// The whole exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }

    /// `/metrics`, for the metrics listener.
    pub fn endpoint(self: &Arc<Self>) -> BoxEndpoint<'static, Response> {
        Route::new().at("/metrics", get(scrape)).data(self.clone()).map_to_response().boxed()
    }
}

#[handler]
fn scrape(metrics: Data<&Arc<Metrics>>) -> Response {
    Response::builder().content_type(CONTENT_TYPE).body(metrics.render())
}

impl Observer for Metrics {
    fn opened(&self, open: usize) {
        self.connections.set(i64::try_from(open).unwrap_or(i64::MAX));
    }

    fn closed(&self, open: usize, timed_out: Option<Phase>) {
        self.connections.set(i64::try_from(open).unwrap_or(i64::MAX));
        if let Some(phase) = timed_out {
            self.timeouts.get_or_create(&PhaseLabels { phase: phase.as_str() }).inc();
        }
    }
}

/// The methods the API and site answer, as label values (anything else is `other`).
fn method_name(method: &poem::http::Method) -> &'static str {
    use poem::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// What is read at each scrape: cache lookups, the bcrypt queue and the database connections.
struct Live {
    app: App,
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Live")
    }
}

impl Collector for Live {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let counter = ConstCounter::new(0u64);
        let mut lookups = encoder.encode_descriptor(
            "cache_lookups",
            "Lookups in the in-memory caches, by cache and result (hit or miss)",
            None,
            counter.metric_type(),
        )?;
        for (cache, (hits, misses)) in self.app.db.cache_lookups() {
            for (result, count) in [("hit", hits), ("miss", misses)] {
                let labels = [("cache", cache), ("result", result)];
                ConstCounter::new(count).encode(lookups.encode_family(&labels)?)?;
            }
        }
        let queued = ConstGauge::new(i64::try_from(self.app.passwords.queued()).unwrap_or(i64::MAX));
        queued.encode(encoder.encode_descriptor(
            "bcrypt_queue_depth",
            "Password hashes and checks waiting for or on a hashing thread",
            None,
            queued.metric_type(),
        )?)?;
        let (open, in_use) = self.app.db.connections_in_use();
        let gauge = |n: u64| ConstGauge::new(i64::try_from(n).unwrap_or(i64::MAX));
        let in_use = gauge(in_use);
        in_use.encode(encoder.encode_descriptor(
            "db_pool_in_use",
            "Database connections in use now (the pool's and the readers')",
            None,
            in_use.metric_type(),
        )?)?;
        let open = gauge(open);
        open.encode(encoder.encode_descriptor(
            "db_pool_open",
            "Database connections open now (the pool's and the readers')",
            None,
            open.metric_type(),
        )?)?;
        Ok(())
    }
}
