//! The HTTP edge: the API's operations, the middleware every request passes, the feeds, the
//! static frontend, the metrics and the server itself. Everything here reaches the site through
//! `crate::services`.

pub mod api;
mod client;
mod cookie;
pub mod error_body;
mod errors;
mod extract;
pub mod feeds;
pub mod metrics;
pub mod observe;
pub mod openapi;
mod security;
pub mod server;
mod session;
pub mod web;

use std::{ops::Deref, sync::Arc};

use poem::{Endpoint, EndpointExt, Route};

pub use errors::{json_error_response, json_errors};
pub use extract::{Admin, CurrentUser, MaybeUser, Moderator, Owner};
pub use security::{reject_cross_site, security_headers};
pub use session::{SessionContext, resolve_session};

use self::{cookie::SessionCookie, metrics::Metrics};
use crate::services::App;

/// What every request can reach: the site, and what the edge adds to it.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub cookie: SessionCookie,
    /// What `/metrics` shows.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(app: App) -> Self {
        Self { cookie: SessionCookie::new(&app.config), metrics: Arc::new(Metrics::new(app.clone())), app }
    }

    /// Closes every connection to the database; every statement fails from now on.
    pub async fn close_database(&self) -> Result<(), sea_orm::DbErr> {
        self.app.db.close().await
    }
}

/// The handlers call the services with the state itself.
impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

/// The whole site: the API under `/api`, the feeds, and the frontend (when configured)
/// everywhere else.
pub fn endpoint(state: AppState) -> Result<impl Endpoint + use<>, web::MissingFrontend> {
    let service = api::service();
    let api = Route::new()
        .at("/openapi.json", service.spec_endpoint())
        .nest("/docs", service.swagger_ui())
        .nest("/", service)
        .around(resolve_session)
        .around(reject_cross_site)
        .around(json_errors);
    let mut site = feeds::routes(Route::new().nest("/api", api));
    if let Some(dir) = &state.config.web_dir {
        site = site.nest("/", web::routes(dir)?);
    }
    Ok(site.around(security_headers).around(observe::observe).data(state))
}
