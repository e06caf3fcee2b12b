//! The hot ranking (DESIGN.md section 11): a post's `hotness` (`domain::ranking::hotness`),
//! stored in its row and kept exact in the same transaction as every change to its votes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, LockType, Query},
};

use super::{Change, Tx};
use crate::{domain::ranking::hotness, entities::post};

/// Moves `post`'s vote count by `delta` and writes its hotness anew; returns its count now, or
/// `None` if there is no such post. Run it in the transaction that adds or removes the votes,
/// **before** touching them: the increment applies to the newest row version (so concurrent
/// votes all count) and locks the post's row until the commit, and taking that lock first, in
/// every path, is what keeps votes and unvotes of one post from deadlocking. With `shown_only`,
/// a post a moderator removed counts as missing.
///
/// Two statements: the increment returns the count and the post's age (`RETURNING`), and the
/// hotness follows from them. MariaDB has no `UPDATE … RETURNING`, so there the row is read
/// again under the lock the increment holds ([`rank`]).
pub async fn bump(tx: &Tx, post: i32, delta: i32, shown_only: bool) -> Result<Option<i64>, DbErr> {
    tx.changed(Change::Content);
    let mut update = Query::update();
    update
        .table(post::Entity)
        .value(post::Column::VoteCount, Expr::col(post::Column::VoteCount).add(delta))
        .and_where(Expr::col(post::Column::Id).eq(post));
    if shown_only {
        update.and_where(Expr::col(post::Column::RemovedAt).is_null());
    }
    if tx.get_database_backend() == DatabaseBackend::MySql {
        if tx.execute(&update).await?.rows_affected() == 0 {
            return Ok(None);
        }
        return Ok(rank(tx, &[post]).await?.first().map(|&(_, votes)| votes));
    }
    update.returning(Query::returning().columns([post::Column::VoteCount, post::Column::CreatedAt]));
    let Some(row) = tx.query_one(&update).await? else { return Ok(None) };
    let votes: i32 = row.try_get("", "vote_count")?;
    let created_at: DateTime<Utc> = row.try_get("", "created_at")?;
    set_hotness(tx, post, hotness(votes.into(), created_at)).await?;
    Ok(Some(votes.into()))
}

/// [`bump`] of a shown post whose count was read as `seen` (and its creation as `created_at`)
/// before the transaction began: one statement that writes the count and hotness that follow
/// from them, if the count is still the one seen. Otherwise another vote came in between, and
/// this is [`bump`]. Either way the post's row is locked by the first statement that writes it.
///
/// MariaDB always takes [`bump`]: there an `UPDATE` whose condition stops matching while it waits
/// for the row still took part in lock waits that InnoDB resolved as deadlocks, under sixteen
/// writers voting and commenting on one post (`faults::many_concurrent_writers_…`).
pub async fn bump_from(
    tx: &Tx,
    post: i32,
    delta: i32,
    seen: i64,
    created_at: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    let counts = i32::try_from(seen).ok().and_then(|seen| Some((seen, seen.checked_add(delta)?)));
    let Some((seen, votes)) = counts.filter(|_| tx.get_database_backend() != DatabaseBackend::MySql) else {
        return bump(tx, post, delta, true).await;
    };
    tx.changed(Change::Content);
    let written = post::Entity::update_many()
        .col_expr(post::Column::VoteCount, Expr::value(votes))
        .col_expr(post::Column::Hotness, Expr::value(hotness(votes.into(), created_at)))
        .filter(post::Column::Id.eq(post))
        .filter(post::Column::VoteCount.eq(seen))
        .filter(post::Column::RemovedAt.is_null())
        .exec(tx)
        .await?;
    if written.rows_affected == 1 {
        return Ok(Some(votes.into()));
    }
    bump(tx, post, delta, true).await
}

async fn set_hotness(tx: &Tx, post: i32, hotness: f64) -> Result<(), DbErr> {
    tx.changed(Change::Content);
    post::Entity::update_many()
        .col_expr(post::Column::Hotness, Expr::value(hotness))
        .filter(post::Column::Id.eq(post))
        .exec(tx)
        .await?;
    Ok(())
}

/// Writes the hotness of each of `posts` from its row; returns `(id, vote_count)` of those
/// that exist. On a database server the rows are read with the lock a [`bump`] already holds,
/// so the count read is the newest one even under MariaDB's repeatable-read snapshots.
pub async fn rank(tx: &Tx, posts: &[i32]) -> Result<Vec<(i32, i64)>, DbErr> {
    let mut rows = post::Entity::find()
        .select_only()
        .columns([post::Column::Id, post::Column::VoteCount, post::Column::CreatedAt])
        .filter(post::Column::Id.is_in(posts.iter().copied()));
    rows = match tx.get_database_backend() {
        DatabaseBackend::Postgres => rows.lock(LockType::NoKeyUpdate),
        DatabaseBackend::MySql => rows.lock(LockType::Update),
        _ => rows,
    };
    let rows: Vec<(i32, i32, DateTime<Utc>)> = rows.into_tuple().all(tx).await?;
    for &(id, votes, created_at) in &rows {
        set_hotness(tx, id, hotness(votes.into(), created_at)).await?;
    }
    Ok(rows.into_iter().map(|(id, votes, _)| (id, votes.into())).collect())
}

/// Ranks every post that has no hotness yet (rows a migration kept or a bulk load added),
/// a thousand at a time. The server runs this after migrating and before serving.
pub async fn rank_unranked(tx: &Tx) -> Result<(), DbErr> {
    loop {
        let ids: Vec<i32> = post::Entity::find()
            .select_only()
            .column(post::Column::Id)
            .filter(post::Column::Hotness.is_null())
            .limit(1000)
            .into_tuple()
            .all(tx)
            .await?;
        if ids.is_empty() {
            return Ok(());
        }
        rank(tx, &ids).await?;
    }
}
