//! The JSON API: one `#[OpenApi]` struct per resource, composed here into one service and spec.

mod comments;
mod health;
mod me;
mod nullable;
mod posts;
mod session;
mod users;

use poem_openapi::{Object, OpenApiService, Tags};

pub use comments::CommentsApi;
pub use health::HealthApi;
pub use me::AccountApi;
pub use posts::PostsApi;
pub use session::SessionApi;
pub use users::UsersApi;

/// The operations, grouped in the spec and Swagger UI.
#[derive(Tags)]
pub enum ApiTags {
    /// Sign-up, login and logout.
    Users,
    /// Who is logged in.
    Session,
    /// Your own account: profile, password, sessions, deletion.
    Account,
    /// Posts, their votes, and listing them.
    Posts,
    /// Comments on posts.
    Comments,
    /// Whether the service can serve.
    Health,
}

/// A user as others see them.
#[derive(Object, Clone, Debug)]
pub struct UserRef {
    /// The user's id.
    pub id: i32,
    /// The user's name.
    pub username: String,
}

/// The whole API, as served under `/api` and printed by `just-tech-news openapi`.
pub type ApiService =
    OpenApiService<(UsersApi, SessionApi, AccountApi, PostsApi, CommentsApi, HealthApi), ()>;

pub fn service() -> ApiService {
    let apis = (UsersApi, SessionApi, AccountApi, PostsApi, CommentsApi, HealthApi);
    OpenApiService::new(apis, "Just Tech News", env!("CARGO_PKG_VERSION"))
        .description(
            "A small link-sharing news site: sign up, post links, comment and upvote.\n\n\
             Sessions are server-side: sign-up and login set an HttpOnly session cookie, which \
             every operation marked with `session_cookie` needs. Every error is JSON of one \
             shape, `ErrorBody`, with a stable `code`.",
        )
        .server("/api")
}
