//! Notifications (DESIGN.md section 20): what someone else did that concerns a person — a reply
//! to their comment, a comment at the top of their post, a mention — made in the transaction of
//! the comment or post that caused it, read and marked read by that person.
//!
//! A person's notifications are those on posts that are shown: one on a removed post is not
//! listed nor counted (a restore brings it back), one on a deleted post is gone with it. So the
//! writes that delete, remove or restore posts state that their readers' counts changed
//! ([`posts_going`]), as every write that makes or reads a notification does: the count of unread
//! ones is read with each session (`sessions::lookup_sql`), and a cached session is forgotten when
//! it changes ([`Change::Inbox`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement},
};

use super::{Change, Tx};
use crate::{
    domain::markdown,
    entities::{comment, muted_user, notification, post, thread_mute, user},
};

/// What a notification tells of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A reply to one's comment.
    Reply,
    /// A comment at the top of one's post.
    PostComment,
    /// One's name as `@name` in a comment or a text post.
    Mention,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::PostComment => "post_comment",
            Self::Mention => "mention",
        }
    }

    /// The kind a stored row names.
    pub fn from_column(kind: &str) -> Self {
        match kind {
            "reply" => Self::Reply,
            "post_comment" => Self::PostComment,
            _ => Self::Mention,
        }
    }
}

/// The people a Markdown text mentions who have accounts, read in one statement.
#[derive(Debug, Default)]
pub struct Mentioned {
    /// By name in lower case: the name as the person spells it.
    names: HashMap<String, String>,
    /// Their ids, in the order first mentioned.
    pub ids: Vec<i32>,
}

impl Mentioned {
    /// `text` rendered, its mentions of these people made links to their pages.
    pub fn render(&self, text: &str) -> String {
        markdown::render_with(text, &self.names)
    }
}

/// Who of the people `text` mentions (at most [`markdown::MENTIONS_MAX`]) has an account.
pub async fn mentioned(db: &impl ConnectionTrait, text: &str) -> Result<Mentioned, DbErr> {
    let keys: Vec<String> = markdown::mentions(text).iter().map(|name| name.to_ascii_lowercase()).collect();
    if keys.is_empty() {
        return Ok(Mentioned::default());
    }
    let found: Vec<(i32, String, String)> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::UsernameKey, user::Column::Username])
        .filter(user::Column::UsernameKey.is_in(keys.clone()))
        .into_tuple()
        .all(db)
        .await?;
    let mut mentioned = Mentioned::default();
    for key in keys {
        if let Some((id, _, name)) = found.iter().find(|(_, found, _)| *found == key) {
            mentioned.ids.push(*id);
            mentioned.names.insert(key, name.clone());
        }
    }
    Ok(mentioned)
}

/// A comment or a text post just written, and whom it may concern.
pub struct Cause {
    /// Who wrote it.
    pub actor: i32,
    pub post: i32,
    /// The comment, if it is one.
    pub comment: Option<i32>,
    /// The person it answers and how: the parent comment's author (`Reply`) or, for a comment at
    /// the top, the post's (`PostComment`).
    pub answers: Option<(i32, Kind)>,
    /// The people it mentions.
    pub mentioned: Vec<i32>,
}

/// Makes the notifications `cause` calls for, in its transaction: one for the person it answers,
/// one `Mention` for each other person it mentions; never for its writer, nor for anyone who
/// muted the writer or muted the post's thread. Each is to be mailed if its reader wants mail.
pub async fn notify(tx: &Tx, cause: &Cause, now: DateTime<Utc>) -> Result<(), DbErr> {
    let mut wanted: Vec<(i32, Kind)> = Vec::new();
    let candidates = cause.answers.into_iter().chain(cause.mentioned.iter().map(|&id| (id, Kind::Mention)));
    for (person, kind) in candidates {
        if person != cause.actor && !wanted.iter().any(|(seen, _)| *seen == person) {
            wanted.push((person, kind));
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let mut muted = Query::select();
    muted
        .expr(Expr::val(1))
        .from(muted_user::Entity)
        .and_where(
            Expr::col((muted_user::Entity, muted_user::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .and_where(Expr::col((muted_user::Entity, muted_user::Column::MutedId)).eq(cause.actor));
    let mut hushed = Query::select();
    hushed
        .expr(Expr::val(1))
        .from(thread_mute::Entity)
        .and_where(
            Expr::col((thread_mute::Entity, thread_mute::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .and_where(Expr::col((thread_mute::Entity, thread_mute::Column::PostId)).eq(cause.post));
    let readers: Vec<(i32, bool)> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::EmailNotifications])
        .filter(user::Column::Id.is_in(wanted.iter().map(|(id, _)| *id)))
        .filter(Expr::exists(muted).not())
        .filter(Expr::exists(hushed).not())
        .into_tuple()
        .all(tx)
        .await?;
    let rows: Vec<notification::ActiveModel> = wanted
        .iter()
        .filter_map(|(person, kind)| {
            let (_, mail) = readers.iter().find(|(id, _)| id == person)?;
            Some(notification::ActiveModel {
                user_id: Set(*person),
                kind: Set(kind.as_str().to_owned()),
                actor_id: Set(Some(cause.actor)),
                post_id: Set(cause.post),
                comment_id: Set(cause.comment),
                created_at: Set(now),
                read_at: Set(None),
                mail_pending: Set(*mail),
                ..Default::default()
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    for row in &rows {
        if let Set(person) = row.user_id {
            tx.changed(Change::Person(person));
        }
    }
    notification::Entity::insert_many(rows).exec_without_returning(tx).await?;
    Ok(())
}

/// A notification as its reader's list shows it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Row {
    pub id: i32,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub actor_id: Option<i32>,
    pub actor_name: Option<String>,
    pub post_id: i32,
    pub post_title: String,
    /// The comment it is about, as the notification names it.
    pub comment_id: Option<i32>,
    /// The comment's HTML, when it is still shown: not deleted (nor gone) nor removed.
    pub comment_html: Option<String>,
}

/// Which of a person's notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Only {
    All,
    Unread,
    /// Unread and waiting to be mailed.
    ToMail,
}

/// `user`'s notifications on shown posts, `only` those: the `FROM` and `WHERE` of the list and
/// of its counts.
fn of(user: i32, only: Only) -> SelectStatement {
    let mut select = Query::select();
    select
        .from(notification::Entity)
        .inner_join(
            post::Entity,
            Expr::col((post::Entity, post::Column::Id))
                .equals((notification::Entity, notification::Column::PostId)),
        )
        .and_where(Expr::col((notification::Entity, notification::Column::UserId)).eq(user))
        .and_where(Expr::col((post::Entity, post::Column::RemovedAt)).is_null());
    if only != Only::All {
        select.and_where(Expr::col((notification::Entity, notification::Column::ReadAt)).is_null());
    }
    if only == Only::ToMail {
        select.and_where(Expr::col((notification::Entity, notification::Column::MailPending)).eq(true));
    }
    select
}

/// A page of `user`'s notifications (`only` those), newest first.
pub async fn page(
    db: &impl ConnectionTrait,
    user: i32,
    only: Only,
    page: u64,
    per_page: u64,
) -> Result<Vec<Row>, DbErr> {
    let (actor, shown) = ("actor", "shown");
    let n = |column: notification::Column| Expr::col((notification::Entity, column));
    let mut select = of(user, only);
    select
        .expr_as(n(notification::Column::Id), "id")
        .expr_as(n(notification::Column::Kind), "kind")
        .expr_as(n(notification::Column::CreatedAt), "created_at")
        .expr_as(n(notification::Column::ReadAt), "read_at")
        .expr_as(n(notification::Column::ActorId), "actor_id")
        .expr_as(Expr::col((actor, user::Column::Username)), "actor_name")
        .expr_as(n(notification::Column::PostId), "post_id")
        .expr_as(Expr::col((post::Entity, post::Column::Title)), "post_title")
        .expr_as(n(notification::Column::CommentId), "comment_id")
        .expr_as(Expr::col((shown, comment::Column::CommentHtml)), "comment_html")
        .join_as(
            JoinType::LeftJoin,
            user::Entity,
            Alias::new(actor),
            Expr::col((actor, user::Column::Id))
                .equals((notification::Entity, notification::Column::ActorId)),
        )
        .join_as(
            JoinType::LeftJoin,
            comment::Entity,
            Alias::new(shown),
            Expr::col((shown, comment::Column::Id))
                .equals((notification::Entity, notification::Column::CommentId))
                .and(Expr::col((shown, comment::Column::Deleted)).eq(false))
                .and(Expr::col((shown, comment::Column::RemovedAt)).is_null()),
        )
        .order_by((notification::Entity, notification::Column::Id), Order::Desc)
        .offset((page - 1) * per_page)
        .limit(per_page);
    let backend = db.get_database_backend();
    Row::find_by_statement(backend.build(&select)).all(db).await
}

/// How many notifications `user` has (`only` those), and how many unread: one statement.
pub async fn counts(db: &impl ConnectionTrait, user: i32, only: Only) -> Result<(u64, u64), DbErr> {
    let count = |only| {
        let mut select = of(user, only);
        select.expr(Func::count(Expr::col(Asterisk)));
        Expr::from(select)
    };
    let mut select = Query::select();
    select.expr_as(count(only), "total").expr_as(count(Only::Unread), "unread");
    let backend = db.get_database_backend();
    let row = db.query_one_raw(backend.build(&select)).await?;
    let read = |name| -> Result<u64, DbErr> {
        let value: i64 = row.as_ref().map(|row| row.try_get("", name)).transpose()?.unwrap_or(0);
        Ok(u64::try_from(value).unwrap_or(0))
    };
    Ok((read("total")?, read("unread")?))
}

/// The count of unread notifications of the user `reader` names (a column of the statement it
/// is put in): what a session is read with. Those on removed posts are left out as [`of`] leaves
/// them out, but by the short list of removed posts (read once, by `idx_posts_removed_at`)
/// rather than by a probe of `posts` for each notification: every post a notification names
/// exists (they go with it).
pub fn unread_of(reader: Expr) -> Expr {
    let mut removed = Query::select();
    removed
        .column((post::Entity, post::Column::Id))
        .from(post::Entity)
        .and_where(Expr::col((post::Entity, post::Column::RemovedAt)).is_not_null());
    let mut select = Query::select();
    select
        .expr(Func::count(Expr::col(Asterisk)))
        .from(notification::Entity)
        .and_where(Expr::col((notification::Entity, notification::Column::UserId)).eq(reader))
        .and_where(Expr::col((notification::Entity, notification::Column::ReadAt)).is_null())
        .and_where(Expr::col((notification::Entity, notification::Column::PostId)).not_in_subquery(removed));
    Expr::from(select)
}

/// Marks `user`'s notification `id` read (reading it twice is reading it once); `false` if they
/// have no such notification (on a shown post).
pub async fn mark_read(tx: &Tx, user: i32, id: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let mut exists = of(user, Only::All);
    exists
        .expr(Expr::col((notification::Entity, notification::Column::Id)))
        .and_where(Expr::col((notification::Entity, notification::Column::Id)).eq(id));
    let backend = tx.get_database_backend();
    if tx.query_one_raw(backend.build(&exists)).await?.is_none() {
        return Ok(false);
    }
    read(tx, user, notification::Column::Id.eq(id), now).await?;
    Ok(true)
}

/// Marks read every notification of `user` whose id is at most `up_to`: those drawn on their
/// page, not one that came after.
pub async fn mark_read_up_to(tx: &Tx, user: i32, up_to: i32, now: DateTime<Utc>) -> Result<(), DbErr> {
    read(tx, user, notification::Column::Id.lte(up_to), now).await
}

async fn read(tx: &Tx, user: i32, which: Expr, now: DateTime<Utc>) -> Result<(), DbErr> {
    let marked = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .col_expr(notification::Column::MailPending, Expr::value(false))
        .filter(notification::Column::UserId.eq(user))
        .filter(which)
        .filter(notification::Column::ReadAt.is_null())
        .exec(tx)
        .await?;
    if marked.rows_affected > 0 {
        tx.changed(Change::Person(user));
    }
    Ok(())
}

/// States that the readers of unread notifications on the posts `which` (a condition on `posts`)
/// selects have a different count: those posts are being deleted, removed or restored.
pub async fn posts_going(tx: &Tx, which: Expr) -> Result<(), DbErr> {
    let mut readers = Query::select();
    readers
        .distinct()
        .column((notification::Entity, notification::Column::UserId))
        .from(notification::Entity)
        .inner_join(
            post::Entity,
            Expr::col((post::Entity, post::Column::Id))
                .equals((notification::Entity, notification::Column::PostId)),
        )
        .and_where(which)
        .and_where(Expr::col((notification::Entity, notification::Column::ReadAt)).is_null());
    let backend = tx.get_database_backend();
    for row in tx.query_all_raw(backend.build(&readers)).await? {
        tx.changed(Change::Person(row.try_get("", "user_id")?));
    }
    Ok(())
}

/// Mutes (`true`) or unmutes the thread of `post` for `user`; doing either twice is doing it
/// once. `false` if the post is not there (or removed).
pub async fn mute_thread(
    tx: &Tx,
    user: i32,
    post: i32,
    mute: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let shown = post::Entity::find_by_id(post)
        .select_only()
        .column(post::Column::Id)
        .filter(post::Column::RemovedAt.is_null())
        .into_tuple::<i32>()
        .one(tx)
        .await?;
    if shown.is_none() {
        return Ok(false);
    }
    let changed = if mute {
        let row = thread_mute::ActiveModel { user_id: Set(user), post_id: Set(post), created_at: Set(now) };
        let inserted = thread_mute::Entity::insert(row)
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    thread_mute::Column::UserId,
                    thread_mute::Column::PostId,
                ])
                .do_nothing_on([thread_mute::Column::UserId])
                .to_owned(),
            )
            .exec_without_returning(tx)
            .await;
        match inserted {
            Ok(rows) => rows > 0,
            Err(DbErr::RecordNotInserted) => false,
            // The post was deleted since it was looked up.
            Err(err) if super::is_missing_reference(&err) => return Ok(false),
            Err(err) => return Err(err),
        }
    } else {
        thread_mute::Entity::delete_many()
            .filter(thread_mute::Column::UserId.eq(user))
            .filter(thread_mute::Column::PostId.eq(post))
            .exec(tx)
            .await?
            .rows_affected
            > 0
    };
    if changed {
        // The post's page says whether its reader muted it.
        tx.changed(Change::Content);
    }
    Ok(true)
}

/// Turns `user`'s mail of notifications on or off; off, nothing waiting is mailed.
pub async fn set_mail(tx: &Tx, user: i32, on: bool) -> Result<(), DbErr> {
    tx.changed(Change::Person(user));
    user::Entity::update_many()
        .col_expr(user::Column::EmailNotifications, Expr::value(on))
        .filter(user::Column::Id.eq(user))
        .exec(tx)
        .await?;
    if !on {
        notification::Entity::update_many()
            .col_expr(notification::Column::MailPending, Expr::value(false))
            .filter(notification::Column::UserId.eq(user))
            .filter(notification::Column::MailPending.eq(true))
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// The people who have notifications waiting to be mailed, want mail, and were last mailed at or
/// before `last_by` (or never).
pub async fn due(db: &impl ConnectionTrait, last_by: DateTime<Utc>) -> Result<Vec<i32>, DbErr> {
    notification::Entity::find()
        .select_only()
        .column(notification::Column::UserId)
        .distinct()
        .join(
            JoinType::InnerJoin,
            notification::Entity::belongs_to(user::Entity)
                .from(notification::Column::UserId)
                .to(user::Column::Id)
                .into(),
        )
        .filter(notification::Column::MailPending.eq(true))
        .filter(user::Column::EmailNotifications.eq(true))
        .filter(user::Column::NotifiedAt.is_null().or(user::Column::NotifiedAt.lte(last_by)))
        .into_tuple()
        .all(db)
        .await
}

/// What one mail of notifications tells a person.
pub struct Digest {
    pub email: String,
    pub username: String,
    /// What arrived since the last mail, oldest first.
    pub items: Vec<Row>,
}

/// Takes `user`'s turn to be mailed, if it is theirs: when they want mail, have notifications
/// waiting (unread, on shown posts) and were last mailed at or before `last_by` (or never),
/// marks them mailed `now` and those notifications mailed, and returns what to send. One
/// instance only takes a turn: it is claimed by a conditional update of the person's row, which
/// a second claimant waits for and then finds already taken.
pub async fn take_digest(
    tx: &Tx,
    user: i32,
    last_by: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<Digest>, DbErr> {
    let mut items = page(tx, user, Only::ToMail, 1, DIGEST_MAX).await?;
    if items.is_empty() {
        return Ok(None);
    }
    let claimed = user::Entity::update_many()
        .col_expr(user::Column::NotifiedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user))
        .filter(user::Column::EmailNotifications.eq(true))
        .filter(user::Column::NotifiedAt.is_null().or(user::Column::NotifiedAt.lte(last_by)))
        .exec(tx)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(None);
    }
    let Some((email, username)) = user::Entity::find_by_id(user)
        .select_only()
        .columns([user::Column::Email, user::Column::Username])
        .into_tuple::<(String, String)>()
        .one(tx)
        .await?
    else {
        return Ok(None);
    };
    // What arrives from now on waits for the next turn; what is listed, and anything older that
    // did not fit, is mailed now.
    let newest = items.first().map_or(0, |row| row.id);
    notification::Entity::update_many()
        .col_expr(notification::Column::MailPending, Expr::value(false))
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::MailPending.eq(true))
        .filter(notification::Column::Id.lte(newest))
        .exec(tx)
        .await?;
    items.reverse();
    Ok(Some(Digest { email, username, items }))
}

/// At most this many notifications are listed in one mail, newest; the mail links to the inbox
/// for the rest.
pub const DIGEST_MAX: u64 = 50;
