//! The inbox (DESIGN.md section 20): a person's notifications, marking them read, muting a
//! post's thread, and mail of new notifications for those who want it.
//!
//! Notifications are made by the writes that cause them (`storage::comments::create`,
//! `storage::posts::create`), in their transaction; nothing here makes one. The unread count a
//! page's header shows comes with the session (`User::unread`).
//!
//! Mail is sent by a background round ([`mail_forever`]), never on a request's path: every
//! [`Config::inbox_mail_every`](crate::config::Config::inbox_mail_every) it mails each person
//! who wants mail and has unread notifications not mailed yet, at most once per
//! [`MAIL_SPACING`]: the first soon after it came, then what came since, together.

use std::time::Duration;

use bytes::Bytes;

use super::{App, Page, Refusal, User};
use crate::{
    db::{Answer, AnswerKey},
    error::AppError,
    mail::Letter,
    storage::notifications::{self, Digest, Only},
};

pub use crate::storage::notifications::{Kind, Row};

/// At most one mail of notifications per person within this long.
pub const MAIL_SPACING: Duration = Duration::from_secs(15 * 60);

/// There is no such notification of the caller's, or no such post.
#[derive(Debug, PartialEq, Eq)]
pub struct NotFound;

/// A page of `user`'s notifications (`only` those), newest first, and how many are unread.
pub struct Inbox {
    pub page: Page<Row>,
    pub unread: u64,
}

/// A page of `user`'s notifications, newest first (all of them, or only the unread ones),
/// rendered by `render` and kept for them until what it shows changes (`Change::Person` or
/// `Change::Content`, see `db::caches`).
pub async fn list(
    app: &App,
    user: &User,
    unread_only: bool,
    (page, per_page): (u32, u32),
    render: impl FnOnce(Inbox) -> Bytes,
) -> Result<Bytes, AppError> {
    let read = async {
        let only = if unread_only { Only::Unread } else { Only::All };
        let items = notifications::page(&app.db, user.id, only, page.into(), per_page.into()).await?;
        let (total, unread) = notifications::counts(&app.db, user.id, only).await?;
        Ok::<_, AppError>(Some(render(Inbox { page: Page { items, page, per_page, total }, unread })))
    };
    let key = AnswerKey { viewer: Some(user.id), answer: Answer::Inbox { unread_only, page, per_page } };
    // The read always answers a page (never "no such thing"), and so does whoever waited for it.
    app.db
        .cached(user.changes, key, read)
        .await?
        .ok_or_else(|| AppError::internal("an inbox was read as nothing"))
}

/// Marks `user`'s notification `id` read.
pub async fn mark_read(app: &App, user: &User, id: i32) -> Result<Result<(), NotFound>, AppError> {
    let now = app.now();
    let marked = app.db.write(async |tx| notifications::mark_read(tx, user.id, id, now).await).await?;
    Ok(if marked { Ok(()) } else { Err(NotFound) })
}

/// Marks read every notification of `user` up to `up_to` (by id): the ones their page showed.
pub async fn mark_read_up_to(app: &App, user: &User, up_to: i32) -> Result<(), AppError> {
    let now = app.now();
    Ok(app.db.write(async |tx| notifications::mark_read_up_to(tx, user.id, up_to, now).await).await?)
}

/// Mutes (`true`) or unmutes the thread of `post` for `user`: no notifications come from it
/// while it is muted; those that came stay.
pub async fn mute_thread(
    app: &App,
    user: &User,
    post: i32,
    mute: bool,
) -> Result<Result<(), NotFound>, AppError> {
    let now = app.now();
    let written = app
        .db
        .write(async |tx| match notifications::mute_thread(tx, user.id, post, mute, now).await? {
            true => Ok(()),
            // Abandoned: on PostgreSQL a refused insert spoils the transaction.
            false => Err(Refusal::Refused(NotFound)),
        })
        .await;
    Refusal::split(written)
}

/// A person's settings of the inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Whether new notifications are mailed.
    pub email_notifications: bool,
}

/// Changes `user`'s settings; turned off, nothing that waits is mailed, and turned on, only
/// what comes from then on is.
pub async fn set_settings(app: &App, user: &User, settings: Settings) -> Result<Settings, AppError> {
    let on = settings.email_notifications;
    app.db.write(async |tx| notifications::set_mail(tx, user.id, on).await).await?;
    Ok(settings)
}

/// Mails new notifications every `config.inbox_mail_every`, until dropped.
pub async fn mail_forever(app: App) {
    let every = app.config.inbox_mail_every;
    // The first round comes one interval after the start, not at once.
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match mail_due(&app).await {
            Ok(0) => {}
            Ok(mails) => tracing::info!(mails, "mailed new notifications"),
            Err(err) => tracing::warn!(error = %err, "mailing notifications failed; will retry"),
        }
    }
}

/// One round: mails everyone whose turn it is what came since their last mail; returns how many
/// mails were posted. Each turn is taken in a unit of work of its own, so of two instances
/// running rounds at once only one mails a person.
pub async fn mail_due(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let spacing = chrono::Duration::from_std(MAIL_SPACING).unwrap_or(chrono::Duration::MAX);
    let last_by = now - spacing;
    let mut mailed = 0;
    for user in notifications::due(&app.db, last_by).await? {
        let taken = app.db.write(async |tx| notifications::take_digest(tx, user, last_by, now).await).await?;
        if let Some(digest) = taken {
            app.postbox.post(letter(&app.origin, &digest));
            mailed += 1;
        }
    }
    Ok(mailed)
}

/// The mail of `digest`, its links starting with `origin`.
fn letter(origin: &str, digest: &Digest) -> Letter {
    let subject = match digest.items.as_slice() {
        [one] => format!("{} on Just Tech News", said(one)),
        many => format!("{} new notifications on Just Tech News", many.len()),
    };
    let mut body = format!("Hello {},\n\nSince the last mail:\n\n", digest.username);
    for item in &digest.items {
        let anchor = item.comment_id.map(|id| format!("#comment-{id}")).unwrap_or_default();
        body.push_str(&format!("- {}\n  {origin}/post/{}{anchor}\n\n", said(item), item.post_id));
    }
    body.push_str(&format!(
        "Your inbox: {origin}/inbox\n\n\
         You get these mails because \"E-mail notifications\" is on for your\n\
         account; turn it off on {origin}/account.\n"
    ));
    Letter { to: digest.email.clone(), subject, body }
}

/// What a notification tells, in a line: "alice replied to your comment on “Title”".
pub fn said(item: &Row) -> String {
    let who = item.actor_name.as_deref().unwrap_or("Someone");
    let what = match Kind::from_column(&item.kind) {
        Kind::Reply => "replied to your comment on",
        Kind::PostComment => "commented on your post",
        Kind::Mention => "mentioned you in",
    };
    format!("{who} {what} \u{201c}{}\u{201d}", item.post_title)
}
