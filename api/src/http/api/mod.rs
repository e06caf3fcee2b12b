//! The JSON API: one `#[OpenApi]` struct per resource, composed here into one service and spec.
//! A handler parses, calls the one service function that does the work, and maps its outcome
//! to a response.

mod bans;
mod comments;
mod email;
mod export;
mod flags;
mod health;
mod invites;
mod marks;
mod me;
mod moderation;
mod mutes;
mod notifications;
mod passkeys;
mod people;
mod posts;
mod recovery;
mod search;
mod session;
mod tags;
mod tokens;
mod two_factor;
mod users;
mod votes;

use poem_openapi::{Object, OpenApiService, Tags};

pub use bans::BansApi;
pub use comments::CommentsApi;
pub use email::EmailApi;
pub use export::ExportApi;
pub use flags::{CommentFlagsApi, PostFlagsApi};
pub use health::HealthApi;
pub use invites::InvitesApi;
pub use marks::MarksApi;
pub use me::AccountApi;
pub use moderation::{AdminApi, ModerationApi, ModerationLogApi};
pub use mutes::MutesApi;
pub use notifications::NotificationsApi;
pub use passkeys::PasskeysApi;
pub use people::PeopleApi;
pub use posts::{PostApi, PostsApi};
pub use recovery::PasswordResetApi;
pub use search::SearchApi;
pub use session::SessionApi;
pub use tags::{FiltersApi, TagsApi};
pub use tokens::TokensApi;
pub use two_factor::TwoFactorApi;
pub use users::UsersApi;
pub use votes::VotesApi;

/// The operations, grouped in the spec and Swagger UI.
#[derive(Tags)]
pub enum ApiTags {
    /// Sign-up, login, logout and password resets.
    Users,
    /// Who is logged in.
    Session,
    /// Your own account: profile, password, two-factor login, sessions, deletion.
    Account,
    /// Posts, their votes, and listing them.
    Posts,
    /// Comments on posts.
    Comments,
    /// People's profiles and what they wrote.
    People,
    /// Flags, the moderation queue, removals, bans, roles and the public moderation log.
    Moderation,
    /// Invitations to sign up.
    Invitations,
    /// Your notifications: replies, comments on your posts, mentions; muted threads.
    Inbox,
    /// Whether the service can serve.
    Health,
}

/// The first page, when none is asked for.
fn default_page() -> u32 {
    1
}

/// The page size, when none is asked for.
fn default_per_page() -> u32 {
    20
}

/// A user as others see them.
// Its derived `Serialize` writes what `ToJSON` writes: its fields are in name order.
#[derive(Object, Clone, Debug, serde::Serialize)]
pub struct UserRef {
    /// The user's id.
    pub id: i32,
    /// The user's name.
    pub username: String,
}

/// Why and when a moderator removed a post or a comment (shown to moderators and admins only).
#[derive(Object, Clone, Debug)]
pub struct Removal {
    /// The moderator's reason, as the moderation log shows it.
    pub reason: String,
    /// When it was removed.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// As `ToJSON` writes it (see `RenderedJson::serialize`).
impl serde::Serialize for Removal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Removal", 2)?;
        out.serialize_field("at", &Time(&self.at))?;
        out.serialize_field("reason", &self.reason)?;
        out.end()
    }
}

/// A time as `ToJSON` writes it: RFC 3339, with `+00:00`.
pub struct Time<'t>(pub &'t chrono::DateTime<chrono::Utc>);

impl serde::Serialize for Time<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_rfc3339())
    }
}

impl Removal {
    /// The removal these columns describe, if there was one.
    pub fn from_columns(at: Option<chrono::DateTime<chrono::Utc>>, reason: Option<String>) -> Option<Self> {
        at.map(|at| Self { reason: reason.unwrap_or_default(), at })
    }
}

/// Every resource's operations, in the order the spec lists their paths.
type Apis = (
    (
        UsersApi,
        PasswordResetApi,
        SessionApi,
        AccountApi,
        EmailApi,
        PasskeysApi,
        TwoFactorApi,
        TokensApi,
        ExportApi,
    ),
    (PostsApi, SearchApi, PostApi, VotesApi, PostFlagsApi, MarksApi, TagsApi, FiltersApi),
    (CommentsApi, CommentFlagsApi, PeopleApi, MutesApi, NotificationsApi),
    (ModerationApi, BansApi, ModerationLogApi, AdminApi, InvitesApi, HealthApi),
);

/// The whole API, as served under `/api` and printed by `just-tech-news openapi`.
pub type ApiService = OpenApiService<Apis, ()>;

pub fn service() -> ApiService {
    let apis = (
        (
            UsersApi,
            PasswordResetApi,
            SessionApi,
            AccountApi,
            EmailApi,
            PasskeysApi,
            TwoFactorApi,
            TokensApi,
            ExportApi,
        ),
        (PostsApi, SearchApi, PostApi, VotesApi, PostFlagsApi, MarksApi, TagsApi, FiltersApi),
        (CommentsApi, CommentFlagsApi, PeopleApi, MutesApi, NotificationsApi),
        (ModerationApi, BansApi, ModerationLogApi, AdminApi, InvitesApi, HealthApi),
    );
    OpenApiService::new(apis, "Just Tech News", env!("CARGO_PKG_VERSION"))
        .description(
            "A small link-sharing news site: sign up, post links, comment and upvote.\n\n\
             Sessions are server-side: sign-up and login set an HttpOnly session cookie, which \
             every operation marked with `session_cookie` needs. Every error is JSON of one \
             shape, `ErrorBody`, with a stable `code`.",
        )
        .server("/api")
}

#[cfg(test)]
mod tests {
    use poem_openapi::{OpenApi, registry::MetaOperation};

    use super::*;

    /// Every operation, as `METHOD /path`.
    fn operations() -> Vec<(String, MetaOperation)> {
        <Apis as OpenApi>::meta()
            .into_iter()
            .flat_map(|api| api.paths)
            .flat_map(|path| {
                let name = path.path.clone();
                path.operations.into_iter().map(move |op| (format!("{} {name}", op.method), op))
            })
            .collect()
    }

    // poem-openapi lists an operation's own responses and its failure kind's side by side, and
    // would print a status given by both twice (a JSON object with a repeated key).
    #[test]
    fn no_operation_documents_a_status_twice() {
        for (name, op) in operations() {
            let mut statuses: Vec<_> = op.responses.responses.iter().map(|r| r.status).collect();
            let all = statuses.len();
            statuses.sort();
            statuses.dedup();
            assert_eq!(statuses.len(), all, "{name} documents a status twice");
        }
    }

    #[test]
    fn every_state_changing_operation_documents_the_cross_site_refusal() {
        for (name, op) in operations() {
            if op.method == poem::http::Method::GET {
                continue;
            }
            let forbidden = op.responses.responses.iter().find(|r| r.status == Some(403));
            assert!(
                forbidden.is_some_and(|r| r.description.contains("`cross_site_request`")),
                "{name}: its 403 must name `cross_site_request`"
            );
        }
    }
}
