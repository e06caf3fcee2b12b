//! Just Tech News: a link-sharing news site's JSON API with server-side sessions, and the
//! static frontend it serves. [`Application::build`] is the one way to make the server: `main`,
//! the tests and the spec all use it.

pub mod admin;
pub mod api;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod entities;
pub mod error;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod news;
pub mod seed;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use poem::{Endpoint, EndpointExt, Route};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::{
    auth::{cookie::SessionCookie, password::PasswordHasher, sessions::Sessions, throttle::LoginThrottle},
    cache::{Caches, Change},
    config::Config,
};

/// What every request can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    /// `PUBLIC_URL`'s origin, as browsers send it in `Origin`.
    pub origin: String,
    pub sessions: Sessions,
    pub cookie: SessionCookie,
    pub hasher: PasswordHasher,
    pub throttle: LoginThrottle,
    /// Where mails are handed over to be sent.
    pub postbox: mail::Postbox,
    /// What is kept in memory, and the one way writes invalidate it.
    pub caches: Arc<Caches>,
    /// What `/metrics` shows.
    pub metrics: Arc<metrics::Metrics>,
    /// Where write transactions on an embedded file wait their turn (`db::WriteQueue`).
    pub writes: db::WriteQueue,
    /// Connections for one-statement requests (`db::direct`), beside `db`'s pool, where the
    /// database has them (PostgreSQL and an embedded file).
    direct: Option<Arc<db::direct::Direct>>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config) -> Self {
        let direct = db::direct::Direct::of(&config.database_url).map(Arc::new);
        let caches = Arc::new(Caches::new(cache::Counter::of(&db, direct.clone())));
        let hasher = PasswordHasher::new(config.bcrypt_cost);
        Self {
            origin: config.public_url.origin().ascii_serialization(),
            sessions: Sessions::new(db.clone(), &config, direct.clone()),
            direct,
            writes: db::WriteQueue::of(&db),
            cookie: SessionCookie::new(&config),
            metrics: Arc::new(metrics::Metrics::new(db.clone(), caches.clone(), hasher.clone())),
            hasher,
            throttle: LoginThrottle::new(db.clone(), &config),
            postbox: mail::Postbox::start(&config.mail),
            caches,
            config: Arc::new(config),
            db,
        }
    }
}

impl AppState {
    /// The connections for one-statement requests, where the database has them.
    pub fn direct(&self) -> Option<&db::direct::Direct> {
        self.direct.as_deref()
    }

    /// Closes every connection to the database; every statement fails from now on.
    pub async fn close_database(&self) -> Result<(), sea_orm::DbErr> {
        if let Some(direct) = &self.direct {
            direct.close();
        }
        self.db.close_by_ref().await
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    InUse(#[from] db::LockError),
    #[error(transparent)]
    Frontend(#[from] http::web::MissingFrontend),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// The server, bound to its port and ready to run.
pub struct Application {
    listener: TcpListener,
    /// `METRICS_BIND`'s listener, when metrics are served.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    local_addr: SocketAddr,
    brand_new_database: bool,
    /// This process's hold on an embedded database file, for as long as it serves.
    _lock: Option<db::EmbeddedLock>,
}

impl Application {
    /// Takes an embedded database file for this process (refused while another holds it),
    /// connects to the database, runs pending migrations and binds the listening socket.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let lock = db::lock_embedded(&config.database_url)?;
        let db = db::connect(&config.database_url).await?;
        Self::build_locked(config, db, lock).await
    }

    /// Like [`Application::build`], on a connection made by the caller (tests use it to watch
    /// the statements the server runs).
    pub async fn build_on(config: Config, db: DatabaseConnection) -> Result<Self, StartError> {
        let lock = db::lock_embedded(&config.database_url)?;
        Self::build_locked(config, db, lock).await
    }

    async fn build_locked(
        config: Config,
        db: DatabaseConnection,
        lock: Option<db::EmbeddedLock>,
    ) -> Result<Self, StartError> {
        let brand_new_database = db::migrate(&db).await?;
        if let Some(dir) = &config.web_dir {
            http::web::routes(dir)?;
        }
        let listen = |addr: SocketAddr| async move {
            TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr, source })
        };
        let listener = listen(config.bind).await?;
        let metrics_listener = match config.metrics_bind {
            Some(addr) => Some(listen(addr).await?),
            None => None,
        };
        let local_addr = listener.local_addr().unwrap_or(config.bind);
        let state = AppState::new(db, config);
        Ok(Self { listener, metrics_listener, state, local_addr, brand_new_database, _lock: lock })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where `/metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Whether this start created the database's schema from nothing.
    pub fn brand_new_database(&self) -> bool {
        self.brand_new_database
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish (up to 10 s).
    pub async fn run_until(self, shutdown: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        // Aborted however this future ends (a test drops it to stop the server).
        let sweeper = AbortOnDrop(tokio::spawn(sweep_forever(self.state.clone())));
        let hasher = self.state.hasher.clone();
        tokio::spawn(async move { hasher.warm_up().await });
        let limits = self.state.config.connections;
        let metrics = self.state.metrics.clone();
        let app = endpoint(self.state).map_err(std::io::Error::other)?.map_to_response().boxed();
        let stop = tokio_util::sync::CancellationToken::new();
        let grace = Duration::from_secs(10);
        let site = http::server::serve(self.listener, app, limits, metrics.clone(), stop.cancelled(), grace);
        let scrapes = async {
            match self.metrics_listener {
                Some(listener) => {
                    let app = metrics.endpoint();
                    http::server::serve(listener, app, limits, Arc::new(Unobserved), stop.cancelled(), grace)
                        .await
                }
                None => Ok(()),
            }
        };
        let stopping = async {
            shutdown.await;
            stop.cancel();
        };
        let (site, scrapes, ()) = tokio::join!(site, scrapes, stopping);
        drop(sweeper);
        site.and(scrapes)
    }
}

/// The metrics listener's own connections are not counted.
struct Unobserved;

impl http::server::Observer for Unobserved {
    fn opened(&self, _: usize) {}
    fn closed(&self, _: usize, _: Option<http::server::Phase>) {}
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The whole site: the API under `/api`, the frontend (when configured) everywhere else.
pub fn endpoint(state: AppState) -> Result<impl Endpoint + use<>, http::web::MissingFrontend> {
    let service = api::service();
    let api = Route::new()
        .at("/openapi.json", service.spec_endpoint())
        .nest("/docs", service.swagger_ui())
        .nest("/", service)
        .around(http::run_writes_to_completion)
        .around(http::resolve_session)
        .around(http::reject_cross_site)
        .around(http::json_errors);
    let mut site = http::feeds::routes(Route::new().nest("/api", api));
    if let Some(dir) = &state.config.web_dir {
        site = site.nest("/", http::web::routes(dir)?);
    }
    Ok(site.around(http::security_headers).around(http::observe::observe).data(state))
}

/// Deletes expired sessions, stale login failures, old password resets and old rate counts
/// every few minutes.
async fn sweep_forever(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(300));
    loop {
        every.tick().await;
        let swept = state.sessions.sweep().await;
        if swept.as_ref().is_ok_and(|&sessions| sessions > 0) {
            // Sessions only: nothing to tell other instances, so this cannot fail.
            let _ = state.caches.after_commit([Change::SessionsSwept]).await;
        }
        let now = state.config.clock.now();
        let rest = async {
            let failures = state.throttle.sweep().await?;
            let resets = auth::recovery::sweep(&state.db, now).await?;
            let counts = auth::rate::sweep(&state.db, now).await?;
            Ok::<_, sea_orm::DbErr>(failures + resets + counts)
        };
        match (swept, rest.await) {
            (Ok(sessions), Ok(other)) if sessions + other > 0 => {
                tracing::info!(sessions, other, "swept expired rows");
            }
            (Err(err), _) | (_, Err(err)) => {
                tracing::warn!(error = %err, "sweep failed; will retry")
            }
            _ => {}
        }
    }
}
