//! Flags (DESIGN.md section 15): one row per member and item, its reason replaced by a new flag,
//! and the queue of flagged items that moderators work through. Nothing cached shows a flag.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect,
    RelationTrait,
    sea_query::{Expr, Func},
};

use super::{Tx, moderation_log::excerpt};
use crate::entities::{comment, flag, post, user};

/// What a flag, a removal or a restore is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Post(i32),
    Comment(i32),
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
    /// A flag of the same member and item was written at the same moment: try again (it will
    /// replace that one's reason).
    Raced,
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
    tx: &Tx,
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
    if replace().exec(tx).await?.rows_affected > 0 {
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
    match flag::Entity::insert(row).exec_without_returning(tx).await {
        Ok(_) => Ok(Flagging::Done),
        // A flag of the same user and item won the race, or the item went a moment ago: the
        // transaction is spoilt on PostgreSQL, so the caller abandons it and tries again.
        Err(err) if super::is_unique_violation(&err) => Ok(Flagging::Raced),
        Err(err) if super::is_missing_reference(&err) => Ok(Flagging::NotFound),
        Err(err) => Err(err),
    }
}

/// Takes back `user`'s flag on `target`, if there is one, once [`may_flag`] said so.
pub async fn unflag(tx: &Tx, user: i32, target: Target) -> Result<Flagging, DbErr> {
    let (column, id) = of_target(target);
    flag::Entity::delete_many().filter(flag::Column::UserId.eq(user)).filter(column.eq(id)).exec(tx).await?;
    Ok(Flagging::Done)
}

/// Clears every flag on `target` (a moderator has judged them).
pub async fn clear(tx: &Tx, target: Target) -> Result<(), DbErr> {
    let (column, id) = of_target(target);
    flag::Entity::delete_many().filter(column.eq(id)).exec(tx).await?;
    Ok(())
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
