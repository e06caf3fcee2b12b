//! Upvotes (DESIGN.md sections 3, 11, 14): one per person and post, vote and unvote idempotent.
//! A vote or unvote that would change nothing is answered from one read, with no write at all.

use super::{
    App, Refusal, User,
    limits::{self, Limit},
};
use crate::{
    error::AppError,
    storage::votes::{self, Cast, Seen},
};

/// A post's votes after a vote or unvote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoteState {
    pub vote_count: i64,
    /// Whether the caller's upvote stands.
    pub voted: bool,
}

/// Why a vote's unit of work was abandoned.
enum Stop {
    NoSuchPost,
    /// Another request changed the same vote meanwhile.
    Raced,
}

/// Upvotes `post` for `user`; `None` if there is no such post. New votes are counted by the
/// votes limit (`VOTE_RATE`); a repeated one is not.
pub async fn cast(app: &App, user: &User, post: i32) -> Result<Option<VoteState>, AppError> {
    let seen = match votes::seen(&app.db, user.id, post).await? {
        None => return Ok(None),
        Some(Seen { voted: true, votes, .. }) => {
            return Ok(Some(VoteState { vote_count: votes, voted: true }));
        }
        Some(seen) => seen,
    };
    let now = app.now();
    let limit = Limit::of(app.config.vote_rate, "vote");
    let written = app
        .db
        .write(async |tx| {
            limits::take(tx, limit, &user.id.to_string(), now).await?;
            match votes::cast(tx, user.id, post, seen, now).await? {
                Cast::Added(votes) => Ok(votes),
                Cast::NoSuchPost => Err(Refusal::Refused(Stop::NoSuchPost)),
                Cast::AlreadyThere => Err(Refusal::Refused(Stop::Raced)),
            }
        })
        .await;
    settle(app, post, true, Refusal::split(written)?).await
}

/// Takes back `user`'s upvote of `post`; `None` if there is no such post.
pub async fn withdraw(app: &App, user: &User, post: i32) -> Result<Option<VoteState>, AppError> {
    let seen = match votes::seen(&app.db, user.id, post).await? {
        None => return Ok(None),
        Some(Seen { voted: false, votes, .. }) => {
            return Ok(Some(VoteState { vote_count: votes, voted: false }));
        }
        Some(seen) => seen,
    };
    let written = app
        .db
        .write(async |tx| match votes::withdraw(tx, user.id, post, seen).await? {
            Some(votes) => Ok(votes),
            None => Err(Refusal::Refused(Stop::Raced)),
        })
        .await;
    settle(app, post, false, Refusal::split(written)?).await
}

/// The answer to a vote or unvote: the count it left, or, when it raced another change of the
/// same vote, the post's count now (or no post).
async fn settle(
    app: &App,
    post: i32,
    voted: bool,
    written: Result<i64, Stop>,
) -> Result<Option<VoteState>, AppError> {
    let vote_count = match written {
        Ok(votes) => Some(votes),
        Err(Stop::NoSuchPost) => None,
        Err(Stop::Raced) => votes::count(&app.db, post).await?,
    };
    Ok(vote_count.map(|vote_count| VoteState { vote_count, voted }))
}
