//! Limits on requests counted per key (a client address, a user) in the database, so every
//! instance and every restart sees the same counts: one row per counted request in
//! `rate_events`, under the SHA-256 of its key.

use std::{fmt, str::FromStr, time::Duration};

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
    conn: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Result<Option<Ticket>, Duration>, DbErr> {
    match limit {
        None => Ok(Ok(None)),
        Some(limit) => Ok(limit.take(conn, key, now).await?.map(Some)),
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
        conn: &impl ConnectionTrait,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Duration>, DbErr> {
        Ok(self.take(conn, key, now).await?.err())
    }

    /// Counts one request under `key`: its ticket when it is within the limit, else how long to
    /// wait.
    ///
    /// The request is recorded first (committed on its own, whatever transaction follows) and
    /// the window counted after, with it: two requests racing for the last place both see each
    /// other, so the limit is never exceeded (both may be refused). A refused request is taken
    /// out of the count again.
    pub async fn take(
        &self,
        conn: &impl ConnectionTrait,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Ticket, Duration>, DbErr> {
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
        let Some(Window { requests, oldest: Some(oldest) }) = counted else { return Ok(Ok(Ticket(id))) };
        if u64::try_from(requests).unwrap_or(0) <= self.max {
            return Ok(Ok(Ticket(id)));
        }
        rate_event::Entity::delete_by_id(id).exec(conn).await?;
        let secs = (oldest + window - now).num_seconds().max(1);
        Ok(Err(Duration::from_secs(u64::try_from(secs).unwrap_or(1))))
    }
}

/// Deletes rows older than any window; returns how many.
pub async fn sweep(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let cutoff = now - chrono::Duration::from_std(LONGEST_WINDOW).unwrap_or(chrono::Duration::MAX);
    let result =
        rate_event::Entity::delete_many().filter(rate_event::Column::At.lte(cutoff)).exec(conn).await?;
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
