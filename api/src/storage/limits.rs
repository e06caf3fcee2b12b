//! Requests counted per key (a client address, a user) for the write limits: one row per counted
//! request in `rate_events`, under the SHA-256 of its key, and one row per key in `rate_keys`,
//! whose lock the key's requests take turns on. Nothing cached shows them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    sea_query::{Expr, Func, OnConflict},
};

use super::Tx;
use crate::entities::{rate_event, rate_key};

/// How many rows a key has within a window, and when the oldest of them was made.
#[derive(Clone, Copy, Debug, FromQueryResult)]
pub struct Window {
    pub count: i64,
    pub oldest: Option<DateTime<Utc>>,
}

impl Window {
    /// How long until a place frees, if `max` are taken within the window of `length` that ends
    /// `now`: when the oldest leaves it (at least a second).
    pub fn wait(&self, max: u64, length: chrono::Duration, now: DateTime<Utc>) -> Option<Duration> {
        let oldest = self.oldest?;
        if u64::try_from(self.count).unwrap_or(0) < max {
            return None;
        }
        let secs = (oldest + length - now).num_seconds().max(1);
        Some(Duration::from_secs(u64::try_from(secs).unwrap_or(1)))
    }
}

/// The requests counted under `key_hash` after `since`.
pub async fn window(
    conn: &impl ConnectionTrait,
    key_hash: &str,
    since: DateTime<Utc>,
) -> Result<Window, DbErr> {
    let window = rate_event::Entity::find()
        .select_only()
        .column_as(Expr::from(Func::count(Expr::col(rate_event::Column::Id))), "count")
        .column_as(Expr::from(Func::min(Expr::col(rate_event::Column::At))), "oldest")
        .filter(rate_event::Column::KeyHash.eq(key_hash))
        .filter(rate_event::Column::At.gt(since))
        .into_model::<Window>()
        .one(conn)
        .await?;
    Ok(window.unwrap_or(Window { count: 0, oldest: None }))
}

/// Waits for the turn of `key_hash` and holds it until the transaction ends: one upsert that
/// makes its `rate_keys` row, or locks the one there by writing to it (on SQLite, the write
/// takes the database's one write lock, which is a turn too). One statement, so a request only
/// ever asks for the row's exclusive lock: an insert that found the row and then updated it
/// would first hold a shared lock on it (MariaDB), and two such requests deadlock. Take it
/// before anything else the transaction locks, so two requests never wait for each other's
/// locks.
pub async fn take_turn(tx: &Tx, key_hash: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    let row = rate_key::ActiveModel { key_hash: Set(key_hash.to_owned()), last_at: Set(now) };
    rate_key::Entity::insert(row)
        .on_conflict(
            OnConflict::column(rate_key::Column::KeyHash).update_column(rate_key::Column::LastAt).to_owned(),
        )
        .exec_without_returning(tx)
        .await?;
    Ok(())
}

/// Counts one request under `key_hash`.
pub async fn record(tx: &Tx, key_hash: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    let row =
        rate_event::ActiveModel { key_hash: Set(key_hash.to_owned()), at: Set(now), ..Default::default() };
    rate_event::Entity::insert(row).exec_without_returning(tx).await?;
    Ok(())
}

/// Deletes the requests counted at or before `counted_by`, and keys idle as long; returns how
/// many requests went.
pub async fn sweep(tx: &Tx, counted_by: DateTime<Utc>) -> Result<u64, DbErr> {
    let result =
        rate_event::Entity::delete_many().filter(rate_event::Column::At.lte(counted_by)).exec(tx).await?;
    rate_key::Entity::delete_many().filter(rate_key::Column::LastAt.lte(counted_by)).exec(tx).await?;
    Ok(result.rows_affected)
}
