//! What the server caches to go faster, and what each kind of change invalidates: stated once,
//! here.
//!
//! Two caches: live sessions by token hash (browsers' sessions and personal API tokens alike, each
//! by the hash of its own secret), and rendered answers of the read endpoints per viewer (a
//! person's inbox and profile among them, which only they see). A write
//! reports what it changed (`storage::Change`) after its transaction has committed and before its
//! answer is sent (`Db::write`); nothing is invalidated before the commit (a read in between would
//! cache the old row again), and a read that overlapped a write is not cached (see [`Cache`]).
//!
//! | change | sessions | answers |
//! | --- | --- | --- |
//! | `Content` (posts, comments, votes, removals, accounts, roles) | — | all |
//! | `Sessions(which)` (ended; role or ban changed) | those | — |
//! | `SessionSeen` | that one's `last_seen_at` set | — |
//! | `Person(user)` (a notification made or read or gone; their address verified or changed; their settings, two-factor or recovery codes) | the user's | the user's |
//!
//! Answers are invalidated all at once by `Content`: any write to what they show may change any
//! page (an order, a total, a count), and finer invalidation would need a concurrency test for
//! each key it spares. `Person(user)` forgets every answer cached for that viewer: what only
//! they see changed (`tests/api/personal.rs` is that concurrency test).
//!
//! With a database server other instances write too. There sessions are never cached (a
//! session ends on every instance the moment it is ended, and reading it is the one round trip
//! a logged-in request makes anyway), and answers follow the change counter ([`super::counter`]),
//! which `Content` and `Person` advance.

use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use sea_orm::DbErr;

use super::{cache::Cache, counter::Counter};
use crate::storage::{Change, Sessions, search, sessions::LiveSession};

/// How much each cache may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budgets {
    /// Live sessions (only where this process is the database's one writer).
    pub sessions: usize,
    /// Bytes of rendered answers.
    pub answer_bytes: usize,
}

/// A rendered answer: which one, for whom (`voted` differs between viewers).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    /// The logged-in viewer's id, if any.
    pub viewer: Option<i32>,
    pub answer: Answer,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// A page of posts in one order, maybe of one author or one tag (by name), without the posts
    /// of the tags `exclude` names (sorted, each once).
    Page {
        page: u32,
        per_page: u32,
        author: Option<i32>,
        order: Ranking,
        tag: Option<String>,
        exclude: Vec<String>,
    },
    /// One post with its comments.
    Post(i32),
    /// An Atom feed, cached for no viewer.
    Feed(FeedOf),
    /// A page of search results, without the posts of the tags `exclude` names.
    Search { query: std::sync::Arc<search::Query>, page: u32, per_page: u32, exclude: Vec<String> },
    /// Every tag with its count of posts.
    Tags,
    /// A page of the viewer's notifications, all or only the unread.
    Inbox { unread_only: bool, page: u32, per_page: u32 },
    /// The viewer's own account (`GET /users/me`), kept only while no address change waits: a
    /// pending address stops showing when its link expires, with no write to say so.
    Profile,
}

/// Which posts a feed follows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FeedOf {
    Hot,
    New,
    /// One person's posts, newest first, by their name in lower case (as the URL names them,
    /// so a cached feed is found without reading who that is).
    Author(String),
    /// One tag's posts, newest first, by its name.
    Tag(String),
}

/// The orders of listings that only writes change. "Most voted this week" is not one: posts
/// leave it as time passes, with no write to say so, so it is never cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ranking {
    Newest,
    Hottest,
    MostVotedEver,
}

/// The caches, and the change counter they follow when other instances write too.
pub struct Caches {
    /// Empty-budgeted where other instances write too.
    pub(super) sessions: Cache<String, LiveSession>,
    pub(super) answers: Cache<AnswerKey, Bytes>,
    /// The database's change counter, when other instances may write.
    counter: Option<Counter>,
    /// The highest value of the counter this process has read; every cached answer was read
    /// after the counter had reached it.
    seen: Mutex<i64>,
}

impl Caches {
    /// Caches for the database `counter` belongs to: without one (this process is the one
    /// writer), invalidating on its own writes keeps them exact; with one, they follow it.
    pub fn new(budgets: Budgets, counter: Option<Counter>) -> Self {
        let sessions = if counter.is_none() { budgets.sessions } else { 0 };
        Self {
            sessions: Cache::new(sessions, |_| 1),
            answers: Cache::new(budgets.answer_bytes, Bytes::len),
            counter,
            seen: Mutex::new(i64::MIN),
        }
    }

    /// Brings the answers up to date with the change counter before a request reads them:
    /// `known` is the counter as read with the request's session, if it was; otherwise it is
    /// read now (one round trip). Nothing to do where this process is the one writer.
    pub async fn catch_up(&self, known: Option<i64>) -> Result<(), DbErr> {
        let Some(counter) = &self.counter else { return Ok(()) };
        let now = match known {
            Some(value) => value,
            None => counter.read().await?,
        };
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if now > *seen {
            // Invalidated while holding `seen`, so no request can find the new value seen and an
            // answer read before it still cached.
            self.answers.invalidate_all();
            *seen = now;
        }
        Ok(())
    }

    /// Invalidates what `changes` made untrue, and tells other instances through the change
    /// counter when answers changed, unless the commit already `advanced` it. Called once per
    /// write, after its commit and before its answer; an error (the counter could not be
    /// advanced) must fail the request.
    pub async fn report(&self, changes: &[Change], advanced: bool) -> Result<(), DbErr> {
        for change in changes {
            self.invalidate(change);
        }
        match &self.counter {
            Some(counter) if changes.iter().any(Change::reaches_answers) && !advanced => {
                counter.advance().await
            }
            _ => Ok(()),
        }
    }

    fn invalidate(&self, change: &Change) {
        match change {
            Change::Content => self.answers.invalidate_all(),
            Change::Sessions(Sessions::Token(token_hash)) => self.sessions.invalidate(token_hash),
            Change::Sessions(Sessions::Id(id)) => {
                self.sessions.invalidate_where(|_, s| !s.is_token() && s.id == *id)
            }
            // A person's tokens are theirs too, whichever session is kept.
            Change::Sessions(Sessions::OfUser { user, except }) => self
                .sessions
                .invalidate_where(|_, s| s.user_id == *user && (s.is_token() || Some(s.id) != *except)),
            Change::Sessions(Sessions::All) => self.sessions.invalidate_all(),
            Change::SessionSeen { token_hash, at } => {
                self.sessions.update(token_hash, |s| s.last_seen_at = *at)
            }
            Change::Person(user) => {
                self.sessions.invalidate_where(|_, s| s.user_id == *user);
                self.answers.invalidate_where(|key, _| key.viewer == Some(*user));
            }
        }
    }

    /// Lookups of each cache answered from memory and read, for the metrics.
    pub fn lookups(&self) -> [(&'static str, (u64, u64)); 2] {
        [("sessions", self.sessions.lookups()), ("answers", self.answers.lookups())]
    }
}
