//! Upvotes: one per user and post, kept so by the primary key rather than by checking first.
//! Each vote and unvote moves the post's `vote_count` and `hotness` in the same transaction.

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, QueryTrait, SqlErr, TransactionTrait,
    sea_query::{Asterisk, Expr, ExprTrait, Func, Query},
};

use super::ranking;
use crate::{
    db::{
        WriteQueue,
        direct::{self, Direct},
    },
    entities::{post, vote},
};

/// What casting a vote found.
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
/// post's count.
#[derive(Debug, PartialEq, Eq)]
pub struct Seen {
    pub voted: bool,
    pub votes: i64,
}

/// Whether `user` has upvoted `post`, and its count; `None` if there is no such post (or it was
/// removed). One statement: the post by its key, the vote by its key. A vote or unvote that would
/// change nothing is answered from it without a write transaction (on SQLite the one writer's
/// lock): casting the vote already there, or taking back one that is not. A vote's rate limit is
/// counted only once this has said the vote would be new. Read on `direct`'s connections where
/// the database has them.
pub async fn seen(
    db: &DatabaseConnection,
    direct: Option<&Direct>,
    user: i32,
    post: i32,
) -> Result<Option<Seen>, DbErr> {
    let mine = Query::select()
        .expr(Func::count(Expr::col(Asterisk)))
        .from(vote::Entity)
        .and_where(Expr::col((vote::Entity, vote::Column::UserId)).eq(user))
        .and_where(Expr::col((vote::Entity, vote::Column::PostId)).equals((post::Entity, post::Column::Id)))
        .to_owned();
    let statement = post::Entity::find_by_id(post)
        .select_only()
        .column(post::Column::VoteCount)
        .column_as(Expr::from(mine), "voted")
        .filter(post::Column::RemovedAt.is_null())
        .build(db.get_database_backend());
    let found: Option<SeenRow> = direct::one(direct, db, statement).await?;
    Ok(found.map(|row| Seen { voted: row.voted > 0, votes: row.vote_count.into() }))
}

/// The row [`seen`] reads.
#[derive(FromQueryResult)]
struct SeenRow {
    vote_count: i32,
    voted: i64,
}

/// Records `user`'s upvote of `post` (one shown, not removed), after [`seen`] said it is new;
/// casting twice is the same as once. On an embedded file the transaction waits for its turn in
/// `writes` once it has its connection (so a vote waiting its turn holds no lock, and one that
/// has it never waits for the pool), and keeps it through the commit.
pub async fn cast(
    db: &DatabaseConnection,
    writes: &WriteQueue,
    user: i32,
    post: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Cast, DbErr> {
    let txn = db.begin().await?;
    let _turn = writes.turn().await;
    let Some(votes) = ranking::bump(&txn, post, 1, true).await? else {
        return Ok(Cast::NoSuchPost);
    };
    let row = vote::ActiveModel { user_id: Set(user), post_id: Set(post), created_at: Set(now) };
    // A failed insert abandons the transaction, and the bump with it.
    if let Err(err) = vote::Entity::insert(row).exec_without_returning(&txn).await {
        return match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Ok(Cast::AlreadyThere),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Ok(Cast::NoSuchPost),
            _ => Err(err),
        };
    }
    txn.commit().await?;
    Ok(Cast::Added(votes))
}

/// Takes back `user`'s upvote of `post`, after [`seen`] said there is one; answers the post's
/// vote count now if there still was one. Waits for its turn in `writes` as [`cast`] does.
pub async fn withdraw(
    db: &DatabaseConnection,
    writes: &WriteQueue,
    user: i32,
    post: i32,
) -> Result<Option<i64>, DbErr> {
    let txn = db.begin().await?;
    let _turn = writes.turn().await;
    let Some(votes) = ranking::bump(&txn, post, -1, true).await? else {
        return Ok(None);
    };
    let removed = vote::Entity::delete_many()
        .filter(vote::Column::UserId.eq(user))
        .filter(vote::Column::PostId.eq(post))
        .exec(&txn)
        .await?
        .rows_affected;
    if removed == 0 {
        // Abandoned: the bump is undone.
        return Ok(None);
    }
    txn.commit().await?;
    Ok(Some(votes))
}

/// Takes back every vote `user` has cast, moving each post's count and hotness: part of deleting
/// the account, in its transaction. Posts are locked first and in id order, as a vote locks them.
pub async fn withdraw_all(conn: &impl ConnectionTrait, user: i32) -> Result<(), DbErr> {
    let mut posts: Vec<i32> = vote::Entity::find()
        .select_only()
        .column(vote::Column::PostId)
        .filter(vote::Column::UserId.eq(user))
        .into_tuple()
        .all(conn)
        .await?;
    posts.sort_unstable();
    for &post in &posts {
        ranking::bump(conn, post, -1, false).await?;
    }
    vote::Entity::delete_many().filter(vote::Column::UserId.eq(user)).exec(conn).await?;
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
