//! Limits on requests counted per key (a client address) in the database, so every instance and
//! every restart sees the same counts: one row per counted request in `rate_events`, under the
//! SHA-256 of its key.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    sea_query::{Expr, Func},
};
use sha2::{Digest, Sha256};

use crate::entities::rate_event;

/// At most `max` requests per key within `window`.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// What is limited, e.g. `password-reset`: keys of different limits never mix.
    pub name: &'static str,
    pub max: u64,
    pub window: Duration,
}

/// The longest window of any limit: the sweep keeps rows this long.
pub const LONGEST_WINDOW: Duration = Duration::from_secs(24 * 3600);

#[derive(FromQueryResult)]
struct Window {
    requests: i64,
    oldest: Option<DateTime<Utc>>,
}

impl Limit {
    /// Counts one request under `key`: `None` when it is within the limit, else how long to wait.
    ///
    /// The request is recorded first and the window counted after, with it: two requests racing
    /// for the last place both see each other, so the limit is never exceeded (both may be
    /// refused). A refused request is taken out of the count again.
    pub async fn hit(
        &self,
        conn: &impl ConnectionTrait,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Duration>, DbErr> {
        let key_hash = hex::encode(Sha256::digest(format!("{}:{key}", self.name)));
        let row =
            rate_event::ActiveModel { key_hash: Set(key_hash.clone()), at: Set(now), ..Default::default() };
        let id = rate_event::Entity::insert(row).exec(conn).await?.last_insert_id;
        let window = chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::MAX);
        let counted = rate_event::Entity::find()
            .select_only()
            .column_as(Expr::from(Func::count(Expr::col(rate_event::Column::Id))), "requests")
            .column_as(Expr::from(Func::min(Expr::col(rate_event::Column::At))), "oldest")
            .filter(rate_event::Column::KeyHash.eq(key_hash))
            .filter(rate_event::Column::At.gt(now - window))
            .into_model::<Window>()
            .one(conn)
            .await?;
        let Some(Window { requests, oldest: Some(oldest) }) = counted else { return Ok(None) };
        if u64::try_from(requests).unwrap_or(0) <= self.max {
            return Ok(None);
        }
        rate_event::Entity::delete_by_id(id).exec(conn).await?;
        let secs = (oldest + window - now).num_seconds().max(1);
        Ok(Some(Duration::from_secs(u64::try_from(secs).unwrap_or(1))))
    }
}

/// Deletes rows older than any window; returns how many.
pub async fn sweep(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let cutoff = now - chrono::Duration::from_std(LONGEST_WINDOW).unwrap_or(chrono::Duration::MAX);
    let result =
        rate_event::Entity::delete_many().filter(rate_event::Column::At.lte(cutoff)).exec(conn).await?;
    Ok(result.rows_affected)
}
