//! Everything the server keeps in memory to go faster, and the one way it learns of writes.
//!
//! Three [`Memo`]s: live sessions by token hash, rendered answers of the read endpoints per
//! viewer, and counts (the number of all posts).
//!
//! Every write that changes what a memo may hold ends with [`Caches::after_commit`], called once
//! with what it changed, **after** its transaction has committed and before its answer is sent.
//! That is the whole invalidation protocol: storage code never touches a memo, and nothing is
//! forgotten before the commit (a read in between would keep the old row again). A read that
//! overlapped a write is not kept (see [`Memo`]). Writes to tables nothing here reads (the login
//! throttle's) report nothing.
//!
//! With a database server, other instances write too. There `after_commit` also advances the
//! database's change counter, and answers and counts are reached only through [`Current`]: proof
//! that this request has read the counter and forgotten what it made stale ([`counter`]).
//! Sessions are never kept there: a session ends on every instance the moment it is ended, and
//! reading it is the one round trip a logged-in request makes anyway (the counter rides along).

pub mod counter;
mod memo;

use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::DbErr;

pub use counter::Counter;
pub use memo::Memo;

use crate::auth::sessions::LiveSession;

/// Live sessions kept at most.
const SESSIONS: usize = 100_000;
/// Bytes of rendered answers kept at most.
const ANSWER_BYTES: usize = 6 << 20;
/// Counts kept at most.
const COUNTS: usize = 1_000_000;

/// A rendered answer: which one, for whom (`voted` differs between viewers).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    /// The logged-in viewer's id, if any.
    pub viewer: Option<i32>,
    pub answer: Answer,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// A page of posts in one order, maybe of one author.
    Page { page: u32, per_page: u32, author: Option<i32>, order: Ranking },
    /// One post with its comments.
    Post(i32),
    /// An Atom feed (`http::feeds`), kept for no viewer.
    Feed(FeedOf),
    /// A page of search results.
    Search { query: std::sync::Arc<crate::news::search::Query>, page: u32, per_page: u32 },
}

/// Which posts a feed follows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FeedOf {
    Hot,
    New,
    /// One person's posts, newest first, by their name in lower case (as the URL names them,
    /// so a kept feed is found without reading who that is).
    Author(String),
}

/// The orders of listings that only writes change. "Most voted this week" is not one: posts
/// leave it as time passes, with no write to say so, so it is never kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ranking {
    Newest,
    Hottest,
    MostVotedEver,
}

/// A number the answers show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Count {
    /// How many posts there are (the homepage's `total`).
    AllPosts,
}

/// What a committed write changed, as far as anything kept in memory is concerned.
#[derive(Clone, Debug)]
pub enum Change {
    /// The session with this token hash ended (logout; a login or sign-up replacing it; expiry).
    SessionEnded { token_hash: String },
    /// The session with this public id ended.
    SessionEndedById { id: i32 },
    /// Every session of the user but `kept` ended (password change, "log out everywhere else").
    UserSessionsEnded { user_id: i32, kept: Option<i32> },
    /// Sessions past their timeouts were deleted.
    SessionsSwept,
    /// The session with this token hash was seen at `at` (its `last_seen_at` was written).
    SessionSeen { token_hash: String, at: DateTime<Utc> },
    /// A post was added.
    PostAdded,
    /// A post's title changed.
    PostEdited,
    /// A post went, with its comments and votes.
    PostDeleted { post: i32 },
    /// A comment was added to or deleted from a post.
    CommentsChanged,
    /// A vote on `post` was added or taken back.
    Voted { post: i32 },
    /// An account went, with its sessions, posts, comments and votes.
    AccountDeleted { user_id: i32 },
    /// A user's role changed: their sessions carry it, and what they are shown depends on it.
    RoleChanged { user_id: i32 },
    /// A moderator removed or restored a post or a comment: listings, threads, totals and
    /// counts all change.
    Moderated,
    /// Rows of every kind were written at once (the demo content).
    Everything,
}

impl Change {
    /// Whether the change is to what answers and counts show (rather than to sessions alone),
    /// so other instances must hear of it.
    fn shown(&self) -> bool {
        !matches!(
            self,
            Self::SessionEnded { .. }
                | Self::SessionEndedById { .. }
                | Self::UserSessionsEnded { .. }
                | Self::SessionsSwept
                | Self::SessionSeen { .. }
        )
    }
}

/// The memos, and the change counter they follow when other instances write too.
pub struct Caches {
    /// Kept only where this process is the database's one writer; otherwise empty-budgeted.
    pub sessions: Memo<String, LiveSession>,
    answers: Memo<AnswerKey, Bytes>,
    /// Forgotten, never adjusted, when they change: a delta applied after the commit would
    /// count twice a read that kept its value between the commit and the report.
    counts: Memo<Count, i64>,
    /// The database's change counter, when other instances may write (see [`counter`]).
    counter: Option<Counter>,
    /// The highest value of the counter this process has read; answers and counts were all read
    /// from the database after it had reached this value.
    seen: Mutex<i64>,
}

/// Proof that the request holding it has read the change counter (where there is one) and
/// forgotten whatever a write on another instance made stale: the only way to reach answers and
/// counts (`Caches::answers`, `Caches::counts`).
pub struct Current(());

impl Caches {
    /// Memos for the database `counter` belongs to: without one (this process is the one
    /// writer), forgetting on its own writes keeps them exact; with one, reads follow it.
    pub fn new(counter: Option<Counter>) -> Self {
        let sessions = if counter.is_none() { SESSIONS } else { 0 };
        Self {
            sessions: Memo::new(sessions, |_| 1),
            answers: Memo::new(ANSWER_BYTES, Bytes::len),
            counts: Memo::new(COUNTS, |_| 1),
            counter,
            seen: Mutex::new(i64::MIN),
        }
    }

    /// Brings the memos up to date with the change counter before a request reads them:
    /// `known` is the counter as read with the request's session, if it was; otherwise it is
    /// read now (one round trip). Nothing to do where this process is the one writer.
    pub async fn current(&self, known: Option<i64>) -> Result<Current, DbErr> {
        let Some(counter) = &self.counter else { return Ok(Current(())) };
        let now = match known {
            Some(value) => value,
            None => counter.read().await?,
        };
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if now > *seen {
            // Forgotten while holding `seen`, so no request can find the new value seen and an
            // answer read before it still kept.
            self.answers.forget_all();
            self.counts.forget_all();
            *seen = now;
        }
        Ok(Current(()))
    }

    /// Rendered answers, per viewer.
    pub fn answers(&self, _: &Current) -> &Memo<AnswerKey, Bytes> {
        &self.answers
    }

    /// Counts the answers show.
    pub fn counts(&self, _: &Current) -> &Memo<Count, i64> {
        &self.counts
    }

    /// Forgets (or updates) whatever `changes` made untrue, and tells other instances through
    /// the change counter. Call once per write, after its commit and before answering; an error
    /// (the counter could not be advanced) must fail the request.
    pub async fn after_commit(&self, changes: impl IntoIterator<Item = Change>) -> Result<(), DbErr> {
        let mut shown = false;
        for change in changes {
            shown |= change.shown();
            self.apply(change);
        }
        match &self.counter {
            Some(counter) if shown => counter.advance().await,
            _ => Ok(()),
        }
    }

    /// Lookups of each memo answered from memory and read, for the metrics.
    pub fn lookups(&self) -> [(&'static str, (u64, u64)); 3] {
        [
            ("sessions", self.sessions.lookups()),
            ("answers", self.answers.lookups()),
            ("counts", self.counts.lookups()),
        ]
    }

    fn apply(&self, change: Change) {
        match change {
            Change::SessionEnded { token_hash } => self.sessions.forget(&token_hash),
            Change::SessionEndedById { id } => self.sessions.forget_where(|_, s| s.id == id),
            Change::UserSessionsEnded { user_id, kept } => {
                self.sessions.forget_where(|_, s| s.user_id == user_id && Some(s.id) != kept)
            }
            Change::SessionsSwept => self.sessions.forget_all(),
            Change::SessionSeen { token_hash, at } => {
                self.sessions.update(&token_hash, |s| s.last_seen_at = at)
            }
            Change::PostAdded => {
                self.counts.forget(&Count::AllPosts);
                self.answers.forget_all();
            }
            Change::PostEdited | Change::CommentsChanged => self.answers.forget_all(),
            Change::PostDeleted { .. } => {
                self.counts.forget(&Count::AllPosts);
                self.answers.forget_all();
            }
            Change::Voted { .. } => self.answers.forget_all(),
            Change::RoleChanged { user_id } => {
                self.sessions.forget_where(|_, s| s.user_id == user_id);
                self.answers.forget_all();
            }
            Change::Moderated => {
                self.counts.forget_all();
                self.answers.forget_all();
            }
            Change::AccountDeleted { user_id } => {
                self.sessions.forget_where(|_, s| s.user_id == user_id);
                self.counts.forget_all();
                self.answers.forget_all();
            }
            Change::Everything => {
                self.sessions.forget_all();
                self.counts.forget_all();
                self.answers.forget_all();
            }
        }
    }
}
