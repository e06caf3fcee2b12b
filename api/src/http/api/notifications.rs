use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{ApiTags, UserRef, default_page, default_per_page, posts};
use crate::{
    http::{
        AppState, CurrentUser,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody, Nullable, RenderedJson,
            kind::{Action, PrivateListing, Submission},
        },
    },
    services::{
        Page,
        notifications::{self, Inbox, Kind, NotFound, Row},
    },
};

/// `/notifications` and `/posts/{id}/mute`: a person's inbox, and the threads they muted.
pub struct NotificationsApi;

/// What a notification tells of.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub(super) enum NotificationKind {
    /// A reply to your comment.
    Reply,
    /// A comment at the top of your post.
    PostComment,
    /// `@yourname` in a comment or a text post.
    Mention,
}

impl From<Kind> for NotificationKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Reply => Self::Reply,
            Kind::PostComment => Self::PostComment,
            Kind::Mention => Self::Mention,
        }
    }
}

/// The post a notification is on.
#[derive(Object)]
pub(super) struct NotifiedPost {
    /// The post's id.
    id: i32,
    /// Its title.
    title: String,
}

/// The comment a notification is about.
#[derive(Object)]
pub(super) struct NotifiedComment {
    /// The comment's id: `/post/{post.id}#comment-{id}` shows it in its thread.
    id: i32,
    /// Its sanitised HTML; empty once it is deleted or removed.
    comment_html: String,
    /// Whether it was deleted by its author or removed by a moderator since.
    deleted: bool,
}

/// Something someone else did that concerns you.
#[derive(Object)]
pub(super) struct Notification {
    /// The notification's id, increasing: what `POST /notifications/read` marks up to.
    id: i32,
    kind: NotificationKind,
    /// When it happened.
    created_at: DateTime<Utc>,
    /// Whether you marked it read.
    read: bool,
    // Who did it; `null` once their account is deleted. (No doc comment: on a `$ref`
    // poem-openapi would wrap it in `allOf`, which generated clients mishandle.)
    actor: Nullable<UserRef>,
    post: NotifiedPost,
    // The comment it is about; `null` for a mention in a text post.
    comment: Nullable<NotifiedComment>,
}

impl From<Row> for Notification {
    fn from(row: Row) -> Self {
        let actor = match (row.actor_id, row.actor_name) {
            (Some(id), Some(username)) => Some(UserRef { id, username }),
            _ => None,
        };
        let comment = row.comment_id.map(|id| NotifiedComment {
            id,
            deleted: row.comment_html.is_none(),
            comment_html: row.comment_html.unwrap_or_default(),
        });
        Self {
            id: row.id,
            kind: Kind::from_column(&row.kind).into(),
            created_at: row.created_at,
            read: row.read_at.is_some(),
            actor: Nullable(actor),
            post: NotifiedPost { id: row.post_id, title: row.post_title },
            comment: Nullable(comment),
        }
    }
}

/// A page of your notifications, newest first.
#[derive(Object)]
struct NotificationPage {
    notifications: Vec<Notification>,
    /// This page's number, from 1.
    page: u32,
    /// The page size asked for.
    per_page: u32,
    /// How many notifications the filter lists in all.
    total: u64,
    /// How many of your notifications are unread, whatever the filter: the count
    /// `GET /session` gives as `user.unread`.
    unread: u64,
}

impl NotificationPage {
    /// A page of the inbox, rendered as the answer is sent.
    fn render(Inbox { page, unread }: Inbox) -> bytes::Bytes {
        let Page { items, page, per_page, total } = page;
        let notifications = items.into_iter().map(Notification::from).collect();
        RenderedJson::render(&Self { notifications, page, per_page, total, unread }).bytes()
    }
}

/// Which notifications to mark read.
#[derive(Object)]
struct ReadUpTo {
    /// Marks read each of your notifications whose id is at most this: the newest one your page
    /// showed, so one that arrived after it was drawn stays unread.
    #[oai(validator(minimum(value = "0")))]
    up_to_id: i32,
}

#[derive(ApiResponse)]
enum ListResponse {
    /// A page of your notifications.
    #[oai(status = 200)]
    Ok(RenderedJson<NotificationPage>),
}

#[derive(ApiResponse)]
enum ReadResponse {
    /// It is marked read (or it was already).
    #[oai(status = 204)]
    Done,
    /// You have no such notification (`not_found`), the same answer whether or not it is
    /// someone else's.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum ReadAllResponse {
    /// Done.
    #[oai(status = 204)]
    Done,
}

#[derive(ApiResponse)]
enum MuteResponse {
    /// Done: the thread is muted so, or no longer.
    #[oai(status = 204)]
    Done,
    /// There is no such post, or a moderator removed it (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

impl From<Result<(), NotFound>> for MuteResponse {
    fn from(muted: Result<(), NotFound>) -> Self {
        match muted {
            Ok(()) => Self::Done,
            Err(NotFound) => Self::NotFound(posts::not_found()),
        }
    }
}

#[OpenApi(tag = "ApiTags::Inbox")]
impl NotificationsApi {
    /// Your notifications
    ///
    /// Replies to your comments, comments on your posts and mentions of you (`@yourname`), by
    /// other people, newest first. Those on a post a moderator removed are not listed (nor
    /// counted) while it is removed; those on a deleted post are gone. One whose comment was
    /// deleted or removed stays, with `comment.deleted: true`.
    #[oai(path = "/notifications", method = "get", operation_id = "list_notifications")]
    async fn list(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        /// `true` lists only unread notifications; `false` (the default) lists all.
        #[oai(default)]
        unread: Query<bool>,
        /// The page, from 1.
        #[oai(default = "default_page", validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<u32>,
        /// Notifications per page, 1–100.
        #[oai(default = "default_per_page", validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<u32>,
    ) -> Result<ListResponse, Failure<PrivateListing>> {
        let paging = (page.0, per_page.0);
        let page = notifications::list(&state, &user, unread.0, paging, NotificationPage::render).await?;
        Ok(ListResponse::Ok(RenderedJson::from_bytes(page)))
    }

    /// Mark a notification read
    ///
    /// Idempotent.
    #[oai(path = "/notifications/:id/read", method = "put", operation_id = "mark_notification_read")]
    async fn read(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<ReadResponse, Failure<Action>> {
        Ok(match notifications::mark_read(&state, &user, id.0).await? {
            Ok(()) => ReadResponse::Done,
            Err(NotFound) => {
                ReadResponse::NotFound(ErrorBody::new(ErrorCode::NotFound, "there is no such notification"))
            }
        })
    }

    /// Mark notifications read
    ///
    /// Marks read every notification of yours up to `up_to_id`; newer ones stay unread.
    #[oai(path = "/notifications/read", method = "post", operation_id = "mark_notifications_read")]
    async fn read_up_to(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        body: JsonBody<ReadUpTo>,
    ) -> Result<ReadAllResponse, Failure<Submission>> {
        let ReadUpTo { up_to_id } = body.parse()?;
        notifications::mark_read_up_to(&state, &user, up_to_id).await?;
        Ok(ReadAllResponse::Done)
    }

    /// Mute a post's thread
    ///
    /// No notifications come to you from the post or any comment under it while it is muted;
    /// those that came stay. The post's page says `muted: true` to you. Idempotent.
    #[oai(path = "/posts/:id/mute", method = "put", operation_id = "mute_thread")]
    async fn mute(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<MuteResponse, Failure<Action>> {
        Ok(notifications::mute_thread(&state, &user, id.0, true).await?.into())
    }

    /// Unmute a post's thread
    ///
    /// Idempotent: unmuting a thread that is not muted changes nothing.
    #[oai(path = "/posts/:id/mute", method = "delete", operation_id = "unmute_thread")]
    async fn unmute(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<MuteResponse, Failure<Action>> {
        Ok(notifications::mute_thread(&state, &user, id.0, false).await?.into())
    }
}
