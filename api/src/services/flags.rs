//! Flags (DESIGN.md section 15): telling the moderators that a post or a comment should not be
//! here, and why; one flag per member and item, a new reason replacing the old.

use super::{App, Refusal, User};
use crate::{
    error::AppError,
    storage::flags::{self, Flagging},
};

pub use crate::storage::flags::{Flagging as Outcome, Target};

/// Flags `target` for `user` with `reason`. `reason` is the body as parsed: its refusal (422)
/// comes after 404 (no such item, or not shown) and 403 (one's own).
pub async fn flag(
    app: &App,
    user: &User,
    target: Target,
    reason: Result<&'static str, AppError>,
) -> Result<Flagging, AppError> {
    let allowed = flags::may_flag(&app.db, user.id, target).await?;
    if allowed != Flagging::Done {
        return Ok(allowed);
    }
    let (reason, now) = (reason?, app.now());
    // A flag of the same member and item written at the same moment makes this one replace its
    // reason, on the second try.
    for _ in 0..2 {
        let written = app
            .db
            .write(async |tx| match flags::flag(tx, user.id, target, reason, now).await? {
                Flagging::Done => Ok(Flagging::Done),
                // The insert was refused: the transaction is spoilt on PostgreSQL.
                refused => Err(Refusal::Refused(refused)),
            })
            .await;
        match Refusal::split(written)? {
            Err(Flagging::Raced) => continue,
            Ok(outcome) | Err(outcome) => return Ok(outcome),
        }
    }
    Err(AppError::internal("a flag raced another twice"))
}

/// Takes back `user`'s flag on `target`, if there is one.
pub async fn unflag(app: &App, user: &User, target: Target) -> Result<Flagging, AppError> {
    let allowed = flags::may_flag(&app.db, user.id, target).await?;
    if allowed != Flagging::Done {
        return Ok(allowed);
    }
    Ok(app.db.write(async |tx| flags::unflag(tx, user.id, target).await).await?)
}
