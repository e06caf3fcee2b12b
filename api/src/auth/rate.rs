//! Limits on requests counted per key (a client address, a user) in the database, so every
//! instance and every restart sees the same counts: one row per counted request in
//! `rate_events`, under the SHA-256 of its key, and one row per key in `rate_keys`, whose lock
//! the key's requests take turns on.

use std::{fmt, str::FromStr, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QuerySelect,
    sea_query::{Expr, Func, OnConflict},
};
use sha2::{Digest, Sha256};

use crate::entities::{rate_event, rate_key};

/// At most `max` requests per key within `window`.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// What is limited, e.g. `password-reset`: keys of different limits never mix.
    pub name: &'static str,
    pub max: u64,
    pub window: Duration,
}

/// A configured rate, `N/s`, `N/m`, `N/h` or `N/d` (DESIGN.md section 14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub max: u64,
    pub window: Duration,
}

impl Rate {
    /// Reads a setting: `None` for `0` (no limit), else the rate.
    pub fn setting(text: &str) -> Result<Option<Self>, String> {
        match text.trim() {
            "0" => Ok(None),
            text => text.parse().map(Some),
        }
    }

    /// This rate as a limit on requests of kind `name`.
    pub fn limit(self, name: &'static str) -> Limit {
        Limit { name, max: self.max, window: self.window }
    }
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let shape = || format!("{text:?} is not a rate like 10/h (N/s, N/m, N/h or N/d), or 0 for none");
        let (count, unit) = text.split_once('/').ok_or_else(shape)?;
        let max = count.parse::<u64>().ok().filter(|&n| n > 0).ok_or_else(shape)?;
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 24 * 3600,
            _ => return Err(shape()),
        };
        Ok(Self { max, window: Duration::from_secs(seconds) })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.window.as_secs() {
            1 => "s",
            60 => "m",
            3600 => "h",
            _ => "d",
        };
        write!(f, "{}/{unit}", self.max)
    }
}

/// A request counted under a limit, which can be taken back when the write it was for did not
/// happen after all ("only writes that succeed count").
#[derive(Debug)]
#[must_use = "refund the ticket if the write does not happen"]
pub struct Ticket(i32);

impl Ticket {
    /// Takes the request out of the count again.
    pub async fn refund(self, conn: &impl ConnectionTrait) -> Result<(), DbErr> {
        rate_event::Entity::delete_by_id(self.0).exec(conn).await?;
        Ok(())
    }
}

/// Counts one request under `limit` (no limit: always allowed, nothing counted): `Ok(ticket)`
/// when it is within the limit, `Err(wait)` when it is not.
pub async fn take(
    limit: Option<Limit>,
    db: &DatabaseConnection,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Result<Option<Ticket>, Duration>, DbErr> {
    match limit {
        None => Ok(Ok(None)),
        Some(limit) => Ok(limit.take(db, key, now).await?.map(Some)),
    }
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
    pub async fn hit(
        &self,
        db: &DatabaseConnection,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Duration>, DbErr> {
        Ok(self.take(db, key, now).await?.err())
    }

    /// Counts one request under `key`: its ticket when it is within the limit, else how long to
    /// wait (and nothing is counted).
    ///
    /// The requests of one key take turns on its `rate_keys` row lock, each in a transaction
    /// that counts the window and records itself before the next one counts: so the limit is
    /// never exceeded however many race for the last places, on any instance, and every place
    /// goes to someone (first come, first served).
    pub async fn take(
        &self,
        db: &DatabaseConnection,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Ticket, Duration>, DbErr> {
        let key_hash = hex::encode(Sha256::digest(format!("{}:{key}", self.name)));
        let txn = crate::db::begin(db).await?;
        take_turn(&txn, &key_hash, now).await?;
        let window = chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::MAX);
        let counted = rate_event::Entity::find()
            .select_only()
            .column_as(Expr::from(Func::count(Expr::col(rate_event::Column::Id))), "requests")
            .column_as(Expr::from(Func::min(Expr::col(rate_event::Column::At))), "oldest")
            .filter(rate_event::Column::KeyHash.eq(key_hash.as_str()))
            .filter(rate_event::Column::At.gt(now - window))
            .into_model::<Window>()
            .one(&txn)
            .await?;
        if let Some(Window { requests, oldest: Some(oldest) }) = counted
            && u64::try_from(requests).unwrap_or(0) >= self.max
        {
            // Rolled back as it drops: nothing was counted.
            let secs = (oldest + window - now).num_seconds().max(1);
            return Ok(Err(Duration::from_secs(u64::try_from(secs).unwrap_or(1))));
        }
        let row = rate_event::ActiveModel { key_hash: Set(key_hash), at: Set(now), ..Default::default() };
        let id = rate_event::Entity::insert(row).exec(&txn).await?.last_insert_id;
        txn.commit().await?;
        Ok(Ok(Ticket(id)))
    }
}

/// Waits for the turn of `key_hash` and holds it until `txn` ends: makes its `rate_keys` row if
/// it has none, then locks it by writing to it (on SQLite, the write takes the database's one
/// write lock, which is a turn too).
async fn take_turn(txn: &DatabaseTransaction, key_hash: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    let row = rate_key::ActiveModel { key_hash: Set(key_hash.to_owned()), last_at: Set(now) };
    rate_key::Entity::insert(row)
        .on_conflict(
            OnConflict::column(rate_key::Column::KeyHash)
                .do_nothing_on([rate_key::Column::KeyHash])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    rate_key::Entity::update_many()
        .col_expr(rate_key::Column::LastAt, Expr::value(now))
        .filter(rate_key::Column::KeyHash.eq(key_hash))
        .exec(txn)
        .await?;
    Ok(())
}

/// Deletes rows older than any window, and keys idle as long; returns how many events went.
pub async fn sweep(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let cutoff = now - chrono::Duration::from_std(LONGEST_WINDOW).unwrap_or(chrono::Duration::MAX);
    let result =
        rate_event::Entity::delete_many().filter(rate_event::Column::At.lte(cutoff)).exec(conn).await?;
    rate_key::Entity::delete_many().filter(rate_key::Column::LastAt.lte(cutoff)).exec(conn).await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_the_design_writes_them() {
        assert_eq!(Rate::setting("10/h"), Ok(Some(Rate { max: 10, window: Duration::from_secs(3600) })));
        assert_eq!(Rate::setting(" 3/s "), Ok(Some(Rate { max: 3, window: Duration::from_secs(1) })));
        assert_eq!(Rate::setting("60/m").unwrap().unwrap().window, Duration::from_secs(60));
        assert_eq!(Rate::setting("1/d").unwrap().unwrap().window, Duration::from_secs(86_400));
        assert_eq!(Rate::setting("0"), Ok(None));
        assert_eq!(Rate::setting("10/h").unwrap().unwrap().to_string(), "10/h");
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["abc", "", "10", "10/", "/h", "10/x", "10/hour", "-1/h", "0/h", "1.5/h", "10 / h", "10/H"]
        {
            assert!(Rate::setting(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
