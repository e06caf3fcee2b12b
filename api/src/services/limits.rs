//! Write limits (DESIGN.md section 14): posts, comments and votes per person, sign-ups and
//! password-reset requests per client address, counted in the database, so every instance and
//! every restart sees the same counts.
//!
//! A request is counted inside the unit of work of the write it is for ([`take`]): a write that
//! does not happen (refused, abandoned, failed) takes its count with it, so only writes that
//! succeed count and nothing is ever refunded. The requests of one key take turns on the key's
//! row lock, each counting the window and recording itself before the next one counts: the
//! limit is never exceeded however many race for the last places, on any instance, and every
//! place goes to someone (first come, first served).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

use crate::{
    config::Rate,
    error::AppError,
    storage::{Tx, limits},
};

/// At most `max` requests per key within `window`.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// What is limited, e.g. `password-reset`: keys of different limits never mix.
    pub name: &'static str,
    pub max: u64,
    pub window: Duration,
}

impl Limit {
    /// `rate` as a limit on requests of kind `name`; none for no rate.
    pub fn of(rate: Option<Rate>, name: &'static str) -> Option<Self> {
        rate.map(|rate| Self { name, max: rate.max, window: rate.window })
    }

    fn key_hash(&self, key: &str) -> String {
        hex::encode(Sha256::digest(format!("{}:{key}", self.name)))
    }

    fn length(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::MAX)
    }
}

/// Counts one request under `key` in the write's transaction: `Err(RateLimited)`, with nothing
/// counted, when `limit`'s places are all taken (the caller abandons the write). Take it first
/// in the transaction: the key's turn is its first lock.
pub async fn take(tx: &Tx, limit: Option<Limit>, key: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let Some(limit) = limit else { return Ok(()) };
    let key_hash = limit.key_hash(key);
    limits::take_turn(tx, &key_hash, now).await?;
    let window = limits::window(tx, &key_hash, now - limit.length()).await?;
    if let Some(retry_after) = window.wait(limit.max, limit.length(), now) {
        return Err(AppError::RateLimited { retry_after });
    }
    limits::record(tx, &key_hash, now).await?;
    Ok(())
}

/// `Err(RateLimited)` when `limit`'s places under `key` are all taken now: a read, for a request
/// that would do costly work (hashing a password) before its write counts it with [`take`].
pub async fn check(
    conn: &impl ConnectionTrait,
    limit: Option<Limit>,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(limit) = limit else { return Ok(()) };
    let window = limits::window(conn, &limit.key_hash(key), now - limit.length()).await?;
    match window.wait(limit.max, limit.length(), now) {
        Some(retry_after) => Err(AppError::RateLimited { retry_after }),
        None => Ok(()),
    }
}

/// The longest window of any limit: the sweep keeps counts this long.
pub const LONGEST_WINDOW: Duration = Duration::from_secs(24 * 3600);
