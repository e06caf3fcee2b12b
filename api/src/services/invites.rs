//! Invitations (DESIGN.md section 15): members whose account is old enough invite others; the
//! code is shown once, at creation.

use chrono::{DateTime, Utc};

use super::{App, User};
use crate::{
    error::AppError,
    storage::{
        accounts,
        invites::{self, Created, Listed},
    },
};

/// Why no invitation was made.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The account may invite from this moment on (`INVITE_MIN_AGE` after signing up).
    TooNew(DateTime<Utc>),
    /// [`invites::MAX_UNUSED`] invitations are unused and unexpired already.
    TooMany,
}

/// How many unused invitations a member may hold.
pub const MAX_UNUSED: u64 = invites::MAX_UNUSED;

/// A new invitation for `user`: a single-use code valid for a week.
pub async fn create(app: &App, user: &User) -> Result<Result<Created, Refused>, AppError> {
    let now = app.now();
    let from = allowed_from(app, user).await?;
    if now < from {
        return Ok(Err(Refused::TooNew(from)));
    }
    let created = app.db.write(async |tx| invites::create(tx, user.id, now).await).await?;
    Ok(created.ok_or(Refused::TooMany))
}

/// `user`'s invitations, newest first, and when they may start inviting.
pub async fn list(app: &App, user: &User) -> Result<(Vec<Listed>, DateTime<Utc>), AppError> {
    let allowed_from = allowed_from(app, user).await?;
    Ok((invites::list(&app.db, user.id).await?, allowed_from))
}

/// When `user` may start inviting.
async fn allowed_from(app: &App, user: &User) -> Result<DateTime<Utc>, AppError> {
    let account = accounts::by_id(&app.db, user.id).await?.ok_or(AppError::LoginRequired)?;
    let min_age = chrono::Duration::from_std(app.config.invite_min_age).unwrap_or(chrono::Duration::MAX);
    Ok(account.created_at.checked_add_signed(min_age).unwrap_or(DateTime::<Utc>::MAX_UTC))
}
