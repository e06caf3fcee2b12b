//! The HTTP edge: request bodies, the middleware every request passes, and the static frontend.

mod client;
mod errors;
pub mod feeds;
mod json;
pub mod observe;
mod rendered;
mod security;
pub mod server;
mod session;
pub mod web;
mod writes;

pub use client::client_address;
pub use errors::{json_error_response, json_errors};
pub use json::{BODY_LIMIT, JsonBody};
pub use rendered::RenderedJson;
pub use security::{reject_cross_site, security_headers};
pub use session::resolve_session;
pub use writes::run_writes_to_completion;
