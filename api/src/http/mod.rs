//! The HTTP edge: request bodies, the middleware every request passes, and the static frontend.

mod errors;
mod json;
mod rendered;
mod security;
pub mod web;

pub use errors::{json_error_response, json_errors};
pub use json::{BODY_LIMIT, JsonBody};
pub use rendered::RenderedJson;
pub use security::{reject_cross_site, security_headers};
