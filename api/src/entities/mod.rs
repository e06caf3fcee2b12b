//! sea-orm entities: the tables as the storage layer sees them. Never returned to clients.

pub mod comment;
pub mod login_failure;
pub mod password_reset;
pub mod post;
pub mod rate_event;
pub mod recovery_code;
pub mod session;
pub mod user;
pub mod vote;
