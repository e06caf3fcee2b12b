//! sea-orm entities: the tables as the storage layer sees them. Never returned to clients.

pub mod comment;
pub mod login_failure;
pub mod post;
pub mod session;
pub mod user;
pub mod vote;
