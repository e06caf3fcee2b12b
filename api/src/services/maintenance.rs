//! Background work: deleting what has expired, every few minutes.

use std::time::Duration;

use sea_orm::DbErr;

use super::{App, limits::LONGEST_WINDOW, recovery, sessions, throttle};
use crate::{error::AppError, storage::limits};

/// How often the sweep runs.
const EVERY: Duration = Duration::from_secs(300);

/// Deletes expired sessions, stale login failures, old password resets and e-mail links, expired
/// passkey ceremonies and old write counts, every few minutes, until dropped.
pub async fn sweep_forever(app: App) {
    let mut every = tokio::time::interval(EVERY);
    loop {
        every.tick().await;
        match sweep(&app).await {
            Ok((sessions, other)) if sessions + other > 0 => {
                tracing::info!(sessions, other, "swept expired rows");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "sweep failed; will retry"),
        }
    }
}

/// Whether the service can serve: its database answers.
pub async fn health(app: &App) -> Result<(), AppError> {
    Ok(app.db.ping().await?)
}

/// One sweep: the sessions deleted, and the other rows.
async fn sweep(app: &App) -> Result<(u64, u64), DbErr> {
    let sessions = sessions::sweep(app).await?;
    let failures = throttle::sweep(app).await?;
    let resets =
        recovery::sweep(app).await? + super::email::sweep(app).await? + super::passkeys::sweep(app).await?;
    let counted_by = app.now() - chrono::Duration::from_std(LONGEST_WINDOW).unwrap_or(chrono::Duration::MAX);
    let counts = app.db.write(async |tx| limits::sweep(tx, counted_by).await).await?;
    Ok((sessions, failures + resets + counts))
}
