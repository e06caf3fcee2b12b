//! Upvotes: one per user and post, kept so by the primary key rather than by checking first.
//! Each vote and unvote moves the post's `vote_count` and `hotness` in the same transaction.

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Asterisk, Expr, ExprTrait, Func, Query},
};

use super::{Rows, Tx, ranking};
use crate::entities::{post, vote};

/// What casting a vote found. Anything but `Added` leaves the transaction to be abandoned: the
/// post's count was moved before the vote was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Cast {
    /// The vote is new; the post has this many votes now.
    Added(i64),
    /// The user had already upvoted the post; nothing changed.
    AlreadyThere,
    /// The post does not exist (any more).
    NoSuchPost,
}

/// What a vote or unvote finds before it writes: whether `user` has upvoted `post`, and the
/// post's count and age, from which the write computes the post's count and hotness after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub voted: bool,
    pub votes: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Whether `user` has upvoted `post`, and its count; `None` if there is no such post (or it was
/// removed). One statement: the post by its key, the vote by its key. A vote or unvote that would
/// change nothing is answered from it without a write transaction (on SQLite the one writer's
/// lock): casting the vote already there, or taking back one that is not.
pub async fn seen(conn: &impl Rows, user: i32, post: i32) -> Result<Option<Seen>, DbErr> {
    let mine = Query::select()
        .expr(Func::count(Expr::col(Asterisk)))
        .from(vote::Entity)
        .and_where(Expr::col((vote::Entity, vote::Column::UserId)).eq(user))
        .and_where(Expr::col((vote::Entity, vote::Column::PostId)).equals((post::Entity, post::Column::Id)))
        .to_owned();
    // A statement of its own rather than `Select::one`, which adds `LIMIT ?`: SQLite re-prepares a
    // statement whose LIMIT is a bound parameter every time it runs (see the vote rows of
    // `bench/README.md`), and a row by its key needs no limit.
    let statement = post::Entity::find_by_id(post)
        .select_only()
        .column(post::Column::VoteCount)
        .column(post::Column::CreatedAt)
        .column_as(Expr::from(mine), "voted")
        .filter(post::Column::RemovedAt.is_null())
        .build(conn.get_database_backend());
    let found = conn
        .rows(statement, |row| {
            Ok(Seen {
                voted: row.get::<i64>("voted")? > 0,
                votes: row.get::<i32>("vote_count")?.into(),
                created_at: row.get("created_at")?,
            })
        })
        .await?;
    Ok(found.into_iter().next())
}

/// Records `user`'s upvote of `post` (one shown, not removed), which [`seen`] found as `seen`;
/// casting twice is the same as once.
pub async fn cast(
    tx: &Tx,
    user: i32,
    post: i32,
    seen: Seen,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Cast, DbErr> {
    let Some(votes) = ranking::bump_from(tx, post, 1, seen.votes, seen.created_at).await? else {
        return Ok(Cast::NoSuchPost);
    };
    let row = vote::ActiveModel { user_id: Set(user), post_id: Set(post), created_at: Set(now) };
    match vote::Entity::insert(row).exec_without_returning(tx).await {
        Ok(_) => Ok(Cast::Added(votes)),
        Err(err) if super::is_unique_violation(&err) => Ok(Cast::AlreadyThere),
        Err(err) if super::is_missing_reference(&err) => Ok(Cast::NoSuchPost),
        Err(err) => Err(err),
    }
}

/// Takes back `user`'s upvote of `post`, which [`seen`] found as `seen`; returns the post's vote
/// count now if there was one to take back. `None` leaves the transaction to be abandoned: the
/// count was moved first.
pub async fn withdraw(tx: &Tx, user: i32, post: i32, seen: Seen) -> Result<Option<i64>, DbErr> {
    let Some(votes) = ranking::bump_from(tx, post, -1, seen.votes, seen.created_at).await? else {
        return Ok(None);
    };
    let removed = vote::Entity::delete_many()
        .filter(vote::Column::UserId.eq(user))
        .filter(vote::Column::PostId.eq(post))
        .exec(tx)
        .await?
        .rows_affected;
    Ok((removed > 0).then_some(votes))
}

/// Takes back every vote `user` has cast, moving each post's count and hotness: part of deleting
/// the account, in its transaction. Posts are locked first and in id order, as a vote locks them.
pub async fn withdraw_all(tx: &Tx, user: i32) -> Result<(), DbErr> {
    let mut posts: Vec<i32> = vote::Entity::find()
        .select_only()
        .column(vote::Column::PostId)
        .filter(vote::Column::UserId.eq(user))
        .into_tuple()
        .all(tx)
        .await?;
    posts.sort_unstable();
    for &post in &posts {
        ranking::bump(tx, post, -1, false).await?;
    }
    vote::Entity::delete_many().filter(vote::Column::UserId.eq(user)).exec(tx).await?;
    Ok(())
}

/// How many upvotes `post` has, or `None` if there is no such post (or it was removed): one
/// indexed read.
pub async fn count(db: &impl ConnectionTrait, post: i32) -> Result<Option<i64>, DbErr> {
    let votes = post::Entity::find_by_id(post)
        .select_only()
        .column(post::Column::VoteCount)
        .filter(post::Column::RemovedAt.is_null());
    Ok(votes.into_tuple::<i32>().one(db).await?.map(i64::from))
}
