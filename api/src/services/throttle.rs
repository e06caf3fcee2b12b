//! The login throttle (DESIGN.md section 5): failed logins counted per account and per client
//! address in the database, so every instance and every restart sees the same counts. The check
//! comes before any password is hashed.

use std::{net::IpAddr, time::Duration};

use sea_orm::DbErr;
use sha2::{Digest, Sha256};

use super::App;
use crate::{
    domain::Email,
    storage::{Tx, login_failures},
};

/// The two keys one login attempt counts under, hashed, so the table never holds an e-mail
/// address or an IP address in the clear.
pub struct Attempt {
    /// `None` while the account is not known (a passkey not yet identified).
    account: Option<String>,
    address: String,
}

impl Attempt {
    pub fn new(email: &Email, address: IpAddr) -> Self {
        Self { account: Some(key("account", email.as_str())), address: key("address", &address.to_string()) }
    }

    /// An attempt whose account is not known yet: it counts under its address only.
    pub fn from_address(address: IpAddr) -> Self {
        Self { account: None, address: key("address", &address.to_string()) }
    }

    /// The keys it counts under, with their limits.
    fn keys<'a>(&'a self, app: &App) -> impl Iterator<Item = (&'a str, u64)> {
        let config = &app.config;
        let account = self.account.as_deref().map(|key| (key, config.login_max_failures_per_account));
        account.into_iter().chain([(self.address.as_str(), config.login_max_failures_per_address)])
    }
}

fn key(kind: &str, value: &str) -> String {
    hex::encode(Sha256::digest(format!("{kind}:{value}")))
}

/// The window failures are counted over.
fn window(app: &App) -> chrono::Duration {
    chrono::Duration::from_std(app.config.login_window).unwrap_or(chrono::Duration::MAX)
}

/// `Some(wait)` when this attempt must be refused before any password is checked.
pub async fn check(app: &App, attempt: &Attempt) -> Result<Option<Duration>, DbErr> {
    let (now, length) = (app.now(), window(app));
    let mut wait = None;
    for (key, max) in attempt.keys(app) {
        let failures = login_failures::window(&app.db, key, now - length).await?;
        wait = wait.max(failures.wait(max, length, now));
    }
    Ok(wait)
}

/// Counts a failed attempt against both its account and its address.
pub async fn record_failure(app: &App, attempt: &Attempt) -> Result<(), DbErr> {
    let now = app.now();
    let keys: Vec<&str> = attempt.keys(app).map(|(key, _)| key).collect();
    app.db.write(async |tx| login_failures::record(tx, &keys, now).await).await
}

/// A successful login clears its account's count (not its address's), in the login's unit of
/// work.
pub async fn clear_account(tx: &Tx, attempt: &Attempt) -> Result<(), DbErr> {
    match &attempt.account {
        Some(account) => login_failures::clear(tx, account).await,
        None => Ok(()),
    }
}

/// Deletes failures older than the window; returns how many.
pub async fn sweep(app: &App) -> Result<u64, DbErr> {
    let failed_by = app.now() - window(app);
    app.db.write(async |tx| login_failures::sweep(tx, failed_by).await).await
}
