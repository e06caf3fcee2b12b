//! Flags, the moderation queue, removals and the public moderation log (DESIGN.md section 15).
//!
//! A flag is one row per user and item, its reason replaced by a new flag. A removal keeps the
//! row and marks it (`removed_at`), so a restore brings back everything; a restore also clears
//! the item's flags, since a moderator has judged them. Every action writes its log entry in the
//! same transaction, so the log never misses one and never shows one that did not happen.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, SqlErr, TransactionTrait,
    sea_query::{Expr, Func},
};

use crate::{
    auth::roles::{self, Role},
    entities::{comment, flag, moderation_log, post, user},
};

/// What a flag, a removal or a restore is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Post(i32),
    Comment(i32),
}

/// Characters of a comment shown in the queue and the log.
const EXCERPT: usize = 200;

fn excerpt(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().nth(EXCERPT).is_none() {
        return text;
    }
    match text.char_indices().nth(EXCERPT - 1) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A shown item's author: `None` when there is no such item, or it is removed, deleted, or on a
/// removed post.
async fn shown_author(db: &impl ConnectionTrait, target: Target) -> Result<Option<i32>, DbErr> {
    match target {
        Target::Post(id) => {
            post::Entity::find_by_id(id)
                .select_only()
                .column(post::Column::UserId)
                .filter(post::Column::RemovedAt.is_null())
                .into_tuple()
                .one(db)
                .await
        }
        Target::Comment(id) => {
            let author: Option<Option<i32>> = comment::Entity::find_by_id(id)
                .select_only()
                .column(comment::Column::UserId)
                .join(JoinType::InnerJoin, comment::Relation::Post.def())
                .filter(comment::Column::Deleted.eq(false))
                .filter(comment::Column::RemovedAt.is_null())
                .filter(post::Column::RemovedAt.is_null())
                .into_tuple()
                .one(db)
                .await?;
            Ok(author.flatten())
        }
    }
}

/// What flagging (or taking a flag back) found.
#[derive(Debug, PartialEq, Eq)]
pub enum Flagging {
    Done,
    /// No such item, or not shown.
    NotFound,
    /// The item is the flagger's own.
    OwnItem,
}

fn of_target(target: Target) -> (flag::Column, i32) {
    match target {
        Target::Post(id) => (flag::Column::PostId, id),
        Target::Comment(id) => (flag::Column::CommentId, id),
    }
}

/// Whether `user` may flag `target` (or take a flag back): it is shown, and not theirs.
pub async fn may_flag(db: &impl ConnectionTrait, user: i32, target: Target) -> Result<Flagging, DbErr> {
    Ok(match shown_author(db, target).await? {
        None => Flagging::NotFound,
        Some(author) if author == user => Flagging::OwnItem,
        Some(_) => Flagging::Done,
    })
}

/// Flags `target` for `user` with `reason` (replacing the reason of an earlier flag), once
/// [`may_flag`] said so.
pub async fn flag(
    db: &impl ConnectionTrait,
    user: i32,
    target: Target,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Flagging, DbErr> {
    let (column, id) = of_target(target);
    let replace = || {
        flag::Entity::update_many()
            .col_expr(flag::Column::Reason, Expr::value(reason))
            .col_expr(flag::Column::CreatedAt, Expr::value(now))
            .filter(flag::Column::UserId.eq(user))
            .filter(column.eq(id))
    };
    if replace().exec(db).await?.rows_affected > 0 {
        return Ok(Flagging::Done);
    }
    let (post_id, comment_id) = match target {
        Target::Post(id) => (Some(id), None),
        Target::Comment(id) => (None, Some(id)),
    };
    let row = flag::ActiveModel {
        user_id: Set(user),
        post_id: Set(post_id),
        comment_id: Set(comment_id),
        reason: Set(reason.to_owned()),
        created_at: Set(now),
        ..Default::default()
    };
    match flag::Entity::insert(row).exec_without_returning(db).await {
        Ok(_) => Ok(Flagging::Done),
        // A flag of the same user and item won the race: this one replaces its reason.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            replace().exec(db).await?;
            Ok(Flagging::Done)
        }
        // The item went a moment ago.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))) => {
            Ok(Flagging::NotFound)
        }
        Err(err) => Err(err),
    }
}

/// Takes back `user`'s flag on `target`, if there is one.
pub async fn unflag(db: &impl ConnectionTrait, user: i32, target: Target) -> Result<Flagging, DbErr> {
    let allowed = may_flag(db, user, target).await?;
    if allowed != Flagging::Done {
        return Ok(allowed);
    }
    let (column, id) = of_target(target);
    flag::Entity::delete_many().filter(flag::Column::UserId.eq(user)).filter(column.eq(id)).exec(db).await?;
    Ok(Flagging::Done)
}

/// A flagged item in the queue.
#[derive(Clone, Debug)]
pub struct Flagged {
    pub target: Target,
    pub post_id: i32,
    pub title: String,
    pub excerpt: String,
    pub author_id: i32,
    pub author: String,
    pub flag_count: i64,
    pub reasons: BTreeMap<String, i64>,
}

/// Items the queue shows at most.
pub const QUEUE_MAX: usize = 200;

#[derive(FromQueryResult)]
struct Tally {
    item: Option<i32>,
    reason: String,
    flags: i64,
}

#[derive(FromQueryResult)]
struct PostRow {
    id: i32,
    title: String,
    post_url: String,
    user_id: i32,
    username: String,
}

#[derive(FromQueryResult)]
struct CommentRow {
    id: i32,
    post_id: i32,
    comment_text: String,
    user_id: Option<i32>,
    username: Option<String>,
    title: String,
}

/// Flagged posts and comments that are still shown, most flags first (ties: the newest item
/// first): a count per item and reason, then the items themselves.
pub async fn queue(db: &impl ConnectionTrait) -> Result<Vec<Flagged>, DbErr> {
    let tally = |column: flag::Column| {
        flag::Entity::find()
            .select_only()
            .column_as(column, "item")
            .column(flag::Column::Reason)
            .column_as(Expr::from(Func::count(Expr::col((flag::Entity, flag::Column::Id)))), "flags")
            .group_by(column)
            .group_by(flag::Column::Reason)
    };
    let posts = tally(flag::Column::PostId)
        .join(JoinType::InnerJoin, flag::Relation::Post.def())
        .filter(post::Column::RemovedAt.is_null())
        .into_model::<Tally>()
        .all(db)
        .await?;
    let comments = tally(flag::Column::CommentId)
        .join(JoinType::InnerJoin, flag::Relation::Comment.def())
        .filter(comment::Column::RemovedAt.is_null())
        .filter(comment::Column::Deleted.eq(false))
        .into_model::<Tally>()
        .all(db)
        .await?;
    let mut counts: HashMap<Target, BTreeMap<String, i64>> = HashMap::new();
    for (rows, target) in [(posts, Target::Post as fn(i32) -> Target), (comments, Target::Comment)] {
        for Tally { item, reason, flags } in rows {
            if let Some(id) = item {
                *counts.entry(target(id)).or_default().entry(reason).or_default() += flags;
            }
        }
    }
    let mut ranked: Vec<(Target, BTreeMap<String, i64>, i64)> = counts
        .into_iter()
        .map(|(target, reasons)| (target, reasons.clone(), reasons.values().sum()))
        .collect();
    let newest = |target: &Target| match *target {
        Target::Post(id) => (1, id),
        Target::Comment(id) => (0, id),
    };
    ranked.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| newest(&b.0).cmp(&newest(&a.0))));
    ranked.truncate(QUEUE_MAX);

    let ids =
        |want: fn(&Target) -> Option<i32>| ranked.iter().filter_map(|(t, ..)| want(t)).collect::<Vec<_>>();
    let post_ids = ids(|t| if let Target::Post(id) = t { Some(*id) } else { None });
    let comment_ids = ids(|t| if let Target::Comment(id) = t { Some(*id) } else { None });
    let posts: HashMap<i32, PostRow> = post::Entity::find()
        .select_only()
        .columns([post::Column::Id, post::Column::Title, post::Column::PostUrl, post::Column::UserId])
        .column(user::Column::Username)
        .join(JoinType::InnerJoin, post::Relation::User.def())
        .filter(post::Column::Id.is_in(post_ids))
        .filter(post::Column::RemovedAt.is_null())
        .into_model::<PostRow>()
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    let comments: HashMap<i32, CommentRow> = comment::Entity::find()
        .select_only()
        .columns([
            comment::Column::Id,
            comment::Column::PostId,
            comment::Column::CommentText,
            comment::Column::UserId,
        ])
        .column(user::Column::Username)
        .column_as(post::Column::Title, "title")
        .join(JoinType::LeftJoin, comment::Relation::User.def())
        .join(JoinType::InnerJoin, comment::Relation::Post.def())
        .filter(comment::Column::Id.is_in(comment_ids))
        .filter(post::Column::RemovedAt.is_null())
        .into_model::<CommentRow>()
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    Ok(ranked
        .into_iter()
        .filter_map(|(target, reasons, flag_count)| match target {
            Target::Post(id) => posts.get(&id).map(|p| Flagged {
                target,
                post_id: p.id,
                title: p.title.clone(),
                excerpt: p.post_url.clone(),
                author_id: p.user_id,
                author: p.username.clone(),
                flag_count,
                reasons,
            }),
            Target::Comment(id) => comments.get(&id).and_then(|c| {
                Some(Flagged {
                    target,
                    post_id: c.post_id,
                    title: c.title.clone(),
                    excerpt: excerpt(&c.comment_text),
                    author_id: c.user_id?,
                    author: c.username.clone()?,
                    flag_count,
                    reasons,
                })
            }),
        })
        .collect())
}

/// A moderation action, as the log names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    RemovePost,
    RestorePost,
    RemoveComment,
    RestoreComment,
    Ban,
    Unban,
    ChangeRole,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RemovePost => "remove_post",
            Self::RestorePost => "restore_post",
            Self::RemoveComment => "remove_comment",
            Self::RestoreComment => "restore_comment",
            Self::Ban => "ban",
            Self::Unban => "unban",
            Self::ChangeRole => "change_role",
        }
    }
}

/// Who acted: a moderator or admin, or `None` for the command line.
pub type Actor<'a> = Option<(i32, &'a str)>;

/// Appends one entry to the log.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: Actor<'_>,
    action: Action,
    (target_type, target_id, target_title): (&str, i32, &str),
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = moderation_log::ActiveModel {
        at: Set(now),
        moderator_id: Set(actor.map(|(id, _)| id)),
        moderator_username: Set(actor.map(|(_, name)| name.to_owned())),
        action: Set(action.as_str().to_owned()),
        target_type: Set(target_type.to_owned()),
        target_id: Set(target_id),
        target_title: Set(target_title.chars().take(200).collect()),
        reason: Set(reason.map(str::to_owned)),
        ..Default::default()
    };
    moderation_log::Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// Gives user `id` `role` and logs it, in one transaction; answers the role they had and their
/// name, or `None` if there is no such user. The caller reports `Change::RoleChanged` after.
pub async fn change_role(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i32,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Option<(Role, String)>, DbErr> {
    let txn = db.begin().await?;
    let Some(account) = user::Entity::find_by_id(id).one(&txn).await? else { return Ok(None) };
    let before = Role::from_column(&account.role);
    roles::set(&txn, id, role).await?;
    let reason = format!("{} → {}", before.as_str(), role.as_str());
    record(&txn, actor, Action::ChangeRole, ("user", id, &account.username), Some(&reason), now).await?;
    txn.commit().await?;
    Ok(Some((before, account.username)))
}

/// A page of the log, newest first.
pub async fn log_page(
    db: &impl ConnectionTrait,
    page: u64,
    per_page: u64,
) -> Result<(Vec<moderation_log::Model>, u64), DbErr> {
    let entries = moderation_log::Entity::find()
        .order_by_desc(moderation_log::Column::Id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let total = moderation_log::Entity::find().count(db).await?;
    Ok((entries, total))
}

/// Whether `target` exists, removed or not (a placeholder of a deleted comment does not).
pub async fn exists(db: &impl ConnectionTrait, target: Target) -> Result<bool, DbErr> {
    Ok(match target {
        Target::Post(id) => post::Entity::find_by_id(id)
            .select_only()
            .column(post::Column::Id)
            .into_tuple::<i32>()
            .one(db)
            .await?
            .is_some(),
        Target::Comment(id) => comment::Entity::find_by_id(id)
            .select_only()
            .column(comment::Column::Id)
            .filter(comment::Column::Deleted.eq(false))
            .into_tuple::<i32>()
            .one(db)
            .await?
            .is_some(),
    })
}

/// What a removal or restore found.
#[derive(Debug, PartialEq, Eq)]
pub enum Moderated {
    /// Done (or it was so already: nothing was written or logged).
    Done,
    NotFound,
}

/// Removes (`reason` given) or restores (`None`) `target`, logging it, in one transaction.
pub async fn set_removed(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    target: Target,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Moderated, DbErr> {
    let txn = db.begin().await?;
    let removed_at = reason.map(|_| now);
    let (changed, title) = match target {
        Target::Post(id) => {
            let Some(title) = post::Entity::find_by_id(id)
                .select_only()
                .column(post::Column::Title)
                .into_tuple::<String>()
                .one(&txn)
                .await?
            else {
                return Ok(Moderated::NotFound);
            };
            let mut update = post::Entity::update_many()
                .col_expr(post::Column::RemovedAt, Expr::value(removed_at))
                .col_expr(post::Column::RemovedReason, Expr::value(reason))
                .filter(post::Column::Id.eq(id));
            update = match reason {
                Some(_) => update.filter(post::Column::RemovedAt.is_null()),
                None => update.filter(post::Column::RemovedAt.is_not_null()),
            };
            (update.exec(&txn).await?.rows_affected > 0, title)
        }
        Target::Comment(id) => {
            let Some((text, deleted)) = comment::Entity::find_by_id(id)
                .select_only()
                .columns([comment::Column::CommentText, comment::Column::Deleted])
                .into_tuple::<(String, bool)>()
                .one(&txn)
                .await?
            else {
                return Ok(Moderated::NotFound);
            };
            if deleted {
                return Ok(Moderated::NotFound);
            }
            let mut update = comment::Entity::update_many()
                .col_expr(comment::Column::RemovedAt, Expr::value(removed_at))
                .col_expr(comment::Column::RemovedReason, Expr::value(reason))
                .filter(comment::Column::Id.eq(id));
            update = match reason {
                Some(_) => update.filter(comment::Column::RemovedAt.is_null()),
                None => update.filter(comment::Column::RemovedAt.is_not_null()),
            };
            (update.exec(&txn).await?.rows_affected > 0, excerpt(&text))
        }
    };
    if !changed {
        return Ok(Moderated::Done);
    }
    let (column, id) = of_target(target);
    let (action, target_type) = match (target, reason) {
        (Target::Post(_), Some(_)) => (Action::RemovePost, "post"),
        (Target::Post(_), None) => (Action::RestorePost, "post"),
        (Target::Comment(_), Some(_)) => (Action::RemoveComment, "comment"),
        (Target::Comment(_), None) => (Action::RestoreComment, "comment"),
    };
    if reason.is_none() {
        flag::Entity::delete_many().filter(column.eq(id)).exec(&txn).await?;
    }
    record(&txn, actor, action, (target_type, id, &title), reason, now).await?;
    txn.commit().await?;
    Ok(Moderated::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_line_and_short() {
        assert_eq!(excerpt("a\n\n  b"), "a b");
        let long = "x".repeat(500);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT);
        assert!(excerpt(&long).ends_with('…'));
        assert_eq!(excerpt(&"é".repeat(EXCERPT)), "é".repeat(EXCERPT));
    }
}
