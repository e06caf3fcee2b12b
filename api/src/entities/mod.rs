//! sea-orm entities: the tables as the storage layer sees them. Never returned to clients.

pub mod api_token;
pub mod comment;
pub mod email_token;
pub mod flag;
pub mod hidden_post;
pub mod invite;
pub mod login_failure;
pub mod moderation_log;
pub mod muted_user;
pub mod notification;
pub mod passkey;
pub mod passkey_challenge;
pub mod password_reset;
pub mod post;
pub mod post_tag;
pub mod rate_event;
pub mod rate_key;
pub mod recovery_code;
pub mod saved_post;
pub mod session;
pub mod tag;
pub mod tag_filter;
pub mod thread_mute;
pub mod user;
pub mod vote;
