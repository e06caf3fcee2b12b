//! Muting people (DESIGN.md section 21): a muted person's posts leave the muter's listings and
//! search, and their comments come collapsed on post pages. They are not told. Muting and
//! unmuting are idempotent.

use super::{App, Refusal, User};
use crate::{
    error::AppError,
    storage::{accounts, mutes},
};

pub use crate::storage::mutes::Muted;

/// Why a mute or unmute was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// There is no one by that name.
    NoSuchUser,
    /// One cannot mute oneself.
    Yourself,
}

/// Who `username` is, if it is someone `user` may mute.
async fn other(app: &App, user: &User, username: &str) -> Result<Result<i32, Refused>, AppError> {
    Ok(match accounts::id_of(&app.db, username).await? {
        None => Err(Refused::NoSuchUser),
        Some(id) if id == user.id => Err(Refused::Yourself),
        Some(id) => Ok(id),
    })
}

/// `user` mutes the person named `username` (any case).
pub async fn mute(app: &App, user: &User, username: &str) -> Result<Result<(), Refused>, AppError> {
    let muted = match other(app, user, username).await? {
        Ok(id) => id,
        Err(refused) => return Ok(Err(refused)),
    };
    let now = app.now();
    let written = app
        .db
        .write(async |tx| match mutes::mute(tx, user.id, muted, now).await? {
            true => Ok(()),
            false => Err(Refusal::Refused(Refused::NoSuchUser)),
        })
        .await;
    Refusal::split(written)
}

/// `user` unmutes the person named `username` (any case).
pub async fn unmute(app: &App, user: &User, username: &str) -> Result<Result<(), Refused>, AppError> {
    let muted = match other(app, user, username).await? {
        Ok(id) => id,
        Err(refused) => return Ok(Err(refused)),
    };
    app.db.write(async |tx| mutes::unmute(tx, user.id, muted).await).await?;
    Ok(Ok(()))
}

/// Everyone `user` muted, most recently muted first: read afresh (it is one person's).
pub async fn list(app: &App, user: &User) -> Result<Vec<Muted>, AppError> {
    Ok(mutes::list(&app.db, user.id).await?)
}
