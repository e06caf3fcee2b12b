//! Who is asking: accounts, session tokens and their store, the cookie, the extractors handlers
//! use, password hashing, the login throttle, password resets and two-factor login.

pub mod accounts;
pub mod bans;
pub mod cookie;
pub mod device;
mod extract;
pub mod invites;
pub mod password;
pub mod rate;
pub mod recovery;
pub mod roles;
pub mod sessions;
pub mod throttle;
pub mod token;
pub mod two_factor;

use sea_orm::DbErr;

pub use extract::{Admin, CurrentUser, MaybeUser, Moderator, SessionContext};

use crate::{
    AppState,
    auth::sessions::{LiveSession, Liveness},
    cache::Change,
};

/// The live session whose token hashes to `token_hash`, if any: from memory where it is kept,
/// else from the store. A dead one is deleted on the way; a live one has its `last_seen_at`
/// refreshed about once a minute. Beside it, the database's change counter when it was read in
/// the same statement (see `cache::counter`).
///
/// Both writes here may be cut short by a client that goes away (this runs on reads too, which
/// are not shielded the way writes are), and both are safe so: a session deleted but still kept
/// is judged dead again by the next request, and one whose refresh was not reported is
/// refreshed again.
pub async fn resolve(
    state: &AppState,
    token_hash: &str,
) -> Result<(Option<LiveSession>, Option<i64>), DbErr> {
    let mut changes = None;
    let read = async {
        // Boxed, so that this future stays small on the hit path, where it is moved but never run.
        let found = Box::pin(state.sessions.find(token_hash)).await?;
        Ok::<_, DbErr>(found.map(|(session, counter)| {
            changes = counter;
            session
        }))
    };
    let Some(mut live) = state.caches.sessions.get_or_read(token_hash.to_owned(), read).await? else {
        return Ok((None, changes));
    };
    let ended = || Change::SessionEnded { token_hash: token_hash.to_owned() };
    match state.sessions.judge(&live) {
        Liveness::Live => Ok((Some(live), changes)),
        Liveness::Dead => {
            state.sessions.delete(live.id).await?;
            state.caches.after_commit([ended()]).await?;
            Ok((None, changes))
        }
        Liveness::Unseen { now } => {
            if !state.sessions.touch(live.id, now).await? {
                state.caches.after_commit([ended()]).await?;
                return Ok((None, changes));
            }
            let seen = Change::SessionSeen { token_hash: token_hash.to_owned(), at: now };
            state.caches.after_commit([seen]).await?;
            live.last_seen_at = now;
            Ok((Some(live), changes))
        }
    }
}
