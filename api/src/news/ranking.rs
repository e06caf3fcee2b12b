//! The hot ranking (DESIGN.md section 11): a post's `hotness`, stored in its row and kept exact
//! in the same transaction as every change to its votes.
//!
//! Like Lobsters' `calculated_hotness`, time enters linearly, so a stored score never decays
//! and needs no batch job (Lemmy's periodic `hot_rank` refresh is what its users wait on).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, LockType, Query},
};

use crate::entities::post;

/// Seconds of age that weigh as much as a tenfold in votes.
const SECONDS_PER_DECADE_OF_VOTES: f64 = 45_000.0;

/// `log10(max(1, votes + 1)) + created_at / 45000`, with `created_at` in Unix seconds.
pub fn hotness(votes: i64, created_at: DateTime<Utc>) -> f64 {
    let seconds = created_at.timestamp_micros() as f64 / 1e6;
    (Ord::max(votes + 1, 1) as f64).log10() + seconds / SECONDS_PER_DECADE_OF_VOTES
}

/// Moves `post`'s vote count by `delta` and writes its hotness anew; answers its count now, or
/// `None` if there is no such post. Run it in the transaction that adds or removes the votes,
/// **before** touching them: the increment applies to the newest row version (so concurrent
/// votes all count) and locks the post's row until the commit, and taking that lock first, in
/// every path, is what keeps votes and unvotes of one post from deadlocking. With `shown_only`,
/// a post a moderator removed counts as missing.
///
/// Two statements: the increment answers the count and the post's age (`RETURNING`), and the
/// hotness follows from them. MariaDB has no `UPDATE … RETURNING`, so there the row is read
/// again under the lock the increment holds ([`rank`]).
pub async fn bump(
    conn: &impl ConnectionTrait,
    post: i32,
    delta: i32,
    shown_only: bool,
) -> Result<Option<i64>, DbErr> {
    let mut update = Query::update();
    update
        .table(post::Entity)
        .value(post::Column::VoteCount, Expr::col(post::Column::VoteCount).add(delta))
        .and_where(Expr::col(post::Column::Id).eq(post));
    if shown_only {
        update.and_where(Expr::col(post::Column::RemovedAt).is_null());
    }
    if conn.get_database_backend() == DatabaseBackend::MySql {
        if conn.execute(&update).await?.rows_affected() == 0 {
            return Ok(None);
        }
        return Ok(rank(conn, &[post]).await?.first().map(|&(_, votes)| votes));
    }
    update.returning(Query::returning().columns([post::Column::VoteCount, post::Column::CreatedAt]));
    let Some(row) = conn.query_one(&update).await? else { return Ok(None) };
    let votes: i32 = row.try_get("", "vote_count")?;
    let created_at: DateTime<Utc> = row.try_get("", "created_at")?;
    set_hotness(conn, post, hotness(votes.into(), created_at)).await?;
    Ok(Some(votes.into()))
}

async fn set_hotness(conn: &impl ConnectionTrait, post: i32, hotness: f64) -> Result<(), DbErr> {
    post::Entity::update_many()
        .col_expr(post::Column::Hotness, Expr::value(hotness))
        .filter(post::Column::Id.eq(post))
        .exec(conn)
        .await?;
    Ok(())
}

/// Writes the hotness of each of `posts` from its row; answers `(id, vote_count)` of those
/// that exist. On a database server the rows are read with the lock a [`bump`] already holds,
/// so the count read is the newest one even under MariaDB's repeatable-read snapshots.
pub async fn rank(conn: &impl ConnectionTrait, posts: &[i32]) -> Result<Vec<(i32, i64)>, DbErr> {
    let mut rows = post::Entity::find()
        .select_only()
        .columns([post::Column::Id, post::Column::VoteCount, post::Column::CreatedAt])
        .filter(post::Column::Id.is_in(posts.iter().copied()));
    rows = match conn.get_database_backend() {
        DatabaseBackend::Postgres => rows.lock(LockType::NoKeyUpdate),
        DatabaseBackend::MySql => rows.lock(LockType::Update),
        _ => rows,
    };
    let rows: Vec<(i32, i32, DateTime<Utc>)> = rows.into_tuple().all(conn).await?;
    for &(id, votes, created_at) in &rows {
        set_hotness(conn, id, hotness(votes.into(), created_at)).await?;
    }
    Ok(rows.into_iter().map(|(id, votes, _)| (id, votes.into())).collect())
}

/// Ranks every post that has no hotness yet (rows a migration kept or a bulk load added),
/// a thousand at a time. The server runs this after migrating and before serving.
pub async fn rank_unranked(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    loop {
        let ids: Vec<i32> = post::Entity::find()
            .select_only()
            .column(post::Column::Id)
            .filter(post::Column::Hotness.is_null())
            .limit(1000)
            .into_tuple()
            .all(conn)
            .await?;
        if ids.is_empty() {
            return Ok(());
        }
        rank(conn, &ids).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn the_formula_to_the_letter() {
        assert_eq!(hotness(0, at(0)), 0.0);
        assert_eq!(hotness(9, at(0)), 1.0);
        assert_eq!(hotness(99, at(45_000)), 3.0);
        // max(1, votes + 1): never below log10(1).
        assert_eq!(hotness(-5, at(90_000)), 2.0);
        let t = at(1_796_000_000);
        assert!((hotness(3, t) - (4f64.log10() + 1_796_000_000.0 / 45_000.0)).abs() < 1e-12);
    }

    #[test]
    fn ten_times_the_votes_is_worth_twelve_and_a_half_hours() {
        let t = at(1_796_000_000);
        let later = t + chrono::Duration::minutes(12 * 60 + 30);
        assert!((hotness(99, t) - hotness(9, later)).abs() < 1e-9);
        assert!(hotness(10, t) > hotness(0, later - chrono::Duration::hours(1)));
    }

    #[test]
    fn fractions_of_a_second_count() {
        let t = at(1_796_000_000);
        assert!(hotness(0, t + chrono::Duration::microseconds(500_000)) > hotness(0, t));
    }
}
