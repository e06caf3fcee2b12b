//! Storage for the news: posts, comments and votes. Small functions named for what they do; the
//! HTTP layer never builds a query itself.

pub mod comments;
pub mod links;
pub mod markdown;
pub mod moderation;
pub mod people;
pub mod posts;
pub mod ranking;
pub mod search;
pub mod votes;
