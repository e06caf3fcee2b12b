//! Just Tech News: a link-sharing news site's JSON API with server-side sessions, and the
//! static frontend it serves. [`Application::build`] is the one way to make the server: `main`,
//! the tests and the spec all use it.
//!
//! The modules are layers, each importing only those below it:
//!
//! | layer | modules | holds |
//! | --- | --- | --- |
//! | foundations | [`clock`], [`config`], [`error`], [`domain`], [`entities`] | settings, failures, the site's values and rules, the tables' shapes |
//! | storage | [`storage`] | the queries, one small function each; writes take a unit of work's transaction |
//! | the seam | [`db`], [`mail`] | connections, the unit of work, the caches and the change counter; sending mail |
//! | services | [`services`] | one function per use case |
//! | the edge | [`http`] | the API's operations, middleware, feeds, pages, metrics, the server |

pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod entities;
pub mod error;
pub mod http;
#[cfg(test)]
mod layers;
pub mod mail;
pub mod services;
pub mod storage;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use poem::EndpointExt;
use tokio::net::TcpListener;

pub use http::AppState;

use crate::{
    config::Config,
    db::{Budgets, Db, StatementLog},
    services::{App, maintenance, notifications},
};

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
        Self::build_logged(config, None).await
    }

    /// Like [`Application::build`], with every statement the server runs told to `log` (tests
    /// count them).
    pub async fn build_logged(config: Config, log: Option<StatementLog>) -> Result<Self, StartError> {
        let lock = db::embedded::lock(&config.database_url)?;
        let db = Db::connect(&config.database_url, budgets(&config), log).await?;
        let brand_new_database = db.migrate().await?;
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
        let state = AppState::new(App::new(db, config));
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
        let sweeper = AbortOnDrop(tokio::spawn(maintenance::sweep_forever(self.state.app.clone())));
        let mailer = AbortOnDrop(tokio::spawn(notifications::mail_forever(self.state.app.clone())));
        let passwords = self.state.passwords.clone();
        tokio::spawn(async move { passwords.warm_up().await });
        let limits = self.state.config.connections;
        let metrics = self.state.metrics.clone();
        let app = http::endpoint(self.state).map_err(std::io::Error::other)?.map_to_response().boxed();
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
        drop((sweeper, mailer));
        site.and(scrapes)
    }
}

/// The caches' budgets the configuration gives.
pub fn budgets(config: &Config) -> Budgets {
    Budgets { sessions: config.session_cache, answer_bytes: config.answer_cache_kib.saturating_mul(1024) }
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
