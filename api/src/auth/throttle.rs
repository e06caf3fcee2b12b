//! The login throttle: failed logins counted per account and per client address, in the
//! database, so every instance and every restart sees the same counts (DESIGN.md section 5).

use std::{net::IpAddr, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    sea_query::{Expr, Func},
};
use sha2::{Digest, Sha256};

use crate::{clock::Clock, config::Config, domain::Email, entities::login_failure};

#[derive(Clone)]
pub struct LoginThrottle {
    db: DatabaseConnection,
    clock: Clock,
    window: chrono::Duration,
    max_per_account: u64,
    max_per_address: u64,
}

/// The two keys one login attempt counts under.
pub struct Attempt {
    account: String,
    address: String,
}

impl Attempt {
    pub fn new(email: &Email, address: IpAddr) -> Self {
        Self { account: key("account", email.as_str()), address: key("address", &address.to_string()) }
    }
}

#[derive(FromQueryResult)]
struct Window {
    failures: i64,
    oldest: Option<DateTime<Utc>>,
}

impl LoginThrottle {
    pub fn new(db: DatabaseConnection, config: &Config) -> Self {
        Self {
            db,
            clock: config.clock.clone(),
            window: chrono::Duration::from_std(config.login_window).unwrap_or(chrono::Duration::MAX),
            max_per_account: config.login_max_failures_per_account,
            max_per_address: config.login_max_failures_per_address,
        }
    }

    /// `Some(wait)` when this attempt must be refused before any password is checked.
    pub async fn check(&self, attempt: &Attempt) -> Result<Option<Duration>, DbErr> {
        let now = self.clock.now();
        let mut wait = None;
        for (key, max) in [(&attempt.account, self.max_per_account), (&attempt.address, self.max_per_address)]
        {
            let window = login_failure::Entity::find()
                .select_only()
                .column_as(Expr::from(Func::count(Expr::col(login_failure::Column::Id))), "failures")
                .column_as(Expr::from(Func::min(Expr::col(login_failure::Column::FailedAt))), "oldest")
                .filter(login_failure::Column::KeyHash.eq(key.as_str()))
                .filter(login_failure::Column::FailedAt.gt(now - self.window))
                .into_model::<Window>()
                .one(&self.db)
                .await?;
            if let Some(Window { failures, oldest: Some(oldest) }) = window
                && u64::try_from(failures).unwrap_or(0) >= max
            {
                let secs = (oldest + self.window - now).num_seconds().max(1);
                let until = Duration::from_secs(u64::try_from(secs).unwrap_or(1));
                wait = wait.max(Some(until));
            }
        }
        Ok(wait)
    }

    /// Counts a failed attempt against both its account and its address.
    pub async fn record_failure(&self, attempt: &Attempt) -> Result<(), DbErr> {
        let now = self.clock.now();
        let rows = [&attempt.account, &attempt.address].map(|key| login_failure::ActiveModel {
            key_hash: sea_orm::Set(key.clone()),
            failed_at: sea_orm::Set(now),
            ..Default::default()
        });
        login_failure::Entity::insert_many(rows).exec_without_returning(&self.db).await?;
        Ok(())
    }

    /// A successful login clears its account's count (not its address's).
    pub async fn clear_account(&self, attempt: &Attempt) -> Result<(), DbErr> {
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::KeyHash.eq(attempt.account.as_str()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes failures older than the window; returns how many.
    pub async fn sweep(&self) -> Result<u64, DbErr> {
        let cutoff = self.clock.now() - self.window;
        let result = login_failure::Entity::delete_many()
            .filter(login_failure::Column::FailedAt.lte(cutoff))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}

/// Hashed, so the table never holds an email address or an IP address in the clear.
fn key(kind: &str, value: &str) -> String {
    hex::encode(Sha256::digest(format!("{kind}:{value}")))
}
