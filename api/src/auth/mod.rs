//! Who is asking: session tokens and their store, the cookie, the extractors handlers use,
//! password hashing and the login throttle.

mod cache;
pub mod cookie;
pub mod device;
mod extract;
pub mod password;
pub mod sessions;
pub mod throttle;
pub mod token;

pub use extract::{CurrentUser, MaybeUser, SessionContext, resolve_session};
