use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::{ApiTags, me::Settings, notifications::Notification, tokens::TokenView};
use crate::{
    http::{
        AppState, Owner,
        openapi::{
            Failure, Nullable,
            kind::{CookieOnly, Limited, PrivateRead},
        },
    },
    services::export::{self, Export},
};

/// `/users/me/export`: everything the site keeps that is yours, to take away.
pub struct ExportApi;

/// Your account.
#[derive(Object)]
struct ExportProfile {
    id: i32,
    username: String,
    email: String,
    /// Whether you proved the address is yours.
    email_verified: bool,
    created_at: DateTime<Utc>,
    /// Whether logging in needs a second factor.
    two_factor: bool,
}

/// A post you wrote.
#[derive(Object)]
struct ExportPost {
    id: i32,
    title: String,
    /// `null` for a text post.
    post_url: Nullable<String>,
    /// The Markdown of a text post; `null` for a link post.
    text: Nullable<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    vote_count: i32,
    /// When a moderator removed it; `null` if none did.
    removed_at: Nullable<DateTime<Utc>>,
}

/// A comment you wrote (those you deleted are gone).
#[derive(Object)]
struct ExportComment {
    id: i32,
    post_id: i32,
    /// The comment it answers; `null` at the top of the thread.
    parent_id: Nullable<i32>,
    /// The Markdown as written.
    comment_text: String,
    created_at: DateTime<Utc>,
    /// When it was last edited; `null` if never.
    updated_at: Nullable<DateTime<Utc>>,
    /// When a moderator removed it; `null` if none did.
    removed_at: Nullable<DateTime<Utc>>,
}

/// A post you saved or hid, and when.
#[derive(Object)]
struct ExportMark {
    post_id: i32,
    at: DateTime<Utc>,
}

/// Someone you muted.
#[derive(Object)]
struct ExportMuted {
    id: i32,
    username: String,
    muted_at: DateTime<Utc>,
}

/// An invitation you made (never its code).
#[derive(Object)]
struct ExportInvitation {
    id: i32,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Nullable<DateTime<Utc>>,
    /// Who signed up with it; `null` while unused (or once their account is gone).
    used_by: Nullable<String>,
}

/// A flag you raised.
#[derive(Object)]
struct ExportFlag {
    /// The post flagged; `null` for a comment.
    post_id: Nullable<i32>,
    /// The comment flagged; `null` for a post.
    comment_id: Nullable<i32>,
    reason: String,
    created_at: DateTime<Utc>,
}

/// A place where you are logged in (never its token).
#[derive(Object)]
struct ExportSession {
    id: i32,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    /// The browser and system, e.g. "Firefox on Windows".
    device: String,
}

/// A passkey of yours (never its key).
#[derive(Object)]
struct ExportPasskey {
    name: String,
    created_at: DateTime<Utc>,
    last_used_at: Nullable<DateTime<Utc>>,
}

/// Everything the site keeps that is yours.
#[derive(Object)]
struct ExportData {
    profile: ExportProfile,
    settings: Settings,
    /// Your posts, oldest first.
    posts: Vec<ExportPost>,
    /// Your comments, oldest first.
    comments: Vec<ExportComment>,
    /// The ids of the posts you upvoted, in the order you voted.
    votes: Vec<i32>,
    /// The posts you saved, in the order you saved them.
    saved: Vec<ExportMark>,
    /// The posts you hid, in the order you hid them.
    hidden: Vec<ExportMark>,
    /// The people you muted, most recently first.
    muted: Vec<ExportMuted>,
    /// The tags you filter out.
    filters: Vec<String>,
    /// Your notifications, newest first.
    notifications: Vec<Notification>,
    /// The invitations you made, newest first.
    invitations: Vec<ExportInvitation>,
    /// The flags you raised, oldest first.
    flags: Vec<ExportFlag>,
    /// Your live sessions, most recently used first.
    sessions: Vec<ExportSession>,
    /// Your API tokens, newest first.
    tokens: Vec<TokenView>,
    /// Your passkeys.
    passkeys: Vec<ExportPasskey>,
}

#[derive(ApiResponse)]
enum ExportResponse {
    /// Everything of yours, as a file to save.
    #[oai(status = 200)]
    Ok(Json<ExportData>, #[oai(header = "Content-Disposition")] String),
}

#[OpenApi(tag = "ApiTags::Account")]
impl ExportApi {
    /// Export your data
    ///
    /// Your profile, settings, posts, comments, votes, saved and hidden posts, muted people,
    /// filters, notifications, invitations, flags, sessions, tokens and passkeys, as one JSON
    /// file (never a secret). At most once a minute.
    #[oai(path = "/users/me/export", method = "get", operation_id = "export_account")]
    async fn export(
        &self,
        state: Data<&AppState>,
        me: Owner,
    ) -> Result<ExportResponse, Failure<Limited<CookieOnly<PrivateRead>>>> {
        let data = export::export(&state, &me).await?;
        let file = format!("attachment; filename=\"just-tech-news-{}.json\"", me.username);
        Ok(ExportResponse::Ok(Json(shaped(data)), file))
    }
}

fn shaped(data: Export) -> ExportData {
    let marks = |rows: Vec<export::Marked>| {
        rows.into_iter().map(|row| ExportMark { post_id: row.post_id, at: row.created_at }).collect()
    };
    let profile = data.profile;
    ExportData {
        settings: profile.settings.into(),
        profile: ExportProfile {
            id: profile.id,
            username: profile.username,
            email: profile.email,
            email_verified: profile.email_verified,
            created_at: profile.created_at,
            two_factor: profile.two_factor,
        },
        posts: data
            .posts
            .into_iter()
            .map(|p| ExportPost {
                id: p.id,
                title: p.title,
                post_url: Nullable(p.post_url),
                text: Nullable(p.text),
                created_at: p.created_at,
                updated_at: p.updated_at,
                vote_count: p.vote_count,
                removed_at: Nullable(p.removed_at),
            })
            .collect(),
        comments: data
            .comments
            .into_iter()
            .map(|c| ExportComment {
                id: c.id,
                post_id: c.post_id,
                parent_id: Nullable(c.parent_id),
                comment_text: c.comment_text,
                created_at: c.created_at,
                updated_at: Nullable(c.updated_at),
                removed_at: Nullable(c.removed_at),
            })
            .collect(),
        votes: data.votes.into_iter().map(|vote| vote.post_id).collect(),
        saved: marks(data.saved),
        hidden: marks(data.hidden),
        muted: data
            .muted
            .into_iter()
            .map(|m| ExportMuted { id: m.id, username: m.username, muted_at: m.muted_at })
            .collect(),
        filters: data.filters,
        notifications: data.notifications.into_iter().map(Notification::from).collect(),
        invitations: data
            .invitations
            .into_iter()
            .map(|i| ExportInvitation {
                id: i.id,
                created_at: i.created_at,
                expires_at: i.expires_at,
                used_at: Nullable(i.used_at),
                used_by: Nullable(i.used_by_username),
            })
            .collect(),
        flags: data
            .flags
            .into_iter()
            .map(|f| ExportFlag {
                post_id: Nullable(f.post_id),
                comment_id: Nullable(f.comment_id),
                reason: f.reason,
                created_at: f.created_at,
            })
            .collect(),
        sessions: data
            .sessions
            .into_iter()
            .map(|s| ExportSession {
                id: s.id,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                device: s.device,
            })
            .collect(),
        tokens: data.tokens.into_iter().map(TokenView::from).collect(),
        passkeys: data
            .passkeys
            .into_iter()
            .map(|p| ExportPasskey {
                name: p.name,
                created_at: p.created_at,
                last_used_at: Nullable(p.last_used_at),
            })
            .collect(),
    }
}
