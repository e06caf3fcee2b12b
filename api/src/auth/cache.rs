//! An exact in-process cache of live sessions, so a logged-in request costs no query.
//!
//! It is used only on embedded SQLite, where this process is the database's one writer: every
//! change to a session goes through [`super::sessions::Sessions`], which tells the cache. With a
//! database server, other instances change sessions too, so every request asks the database.
//!
//! Timeouts are still judged on each request from the cached timestamps, and `last_seen_at` is
//! still written to the database about once a minute. A lookup that raced an invalidation (read
//! the row before a logout, finished after it) is not cached: every invalidation bumps a
//! generation, and an entry is stored only if the generation is unchanged since its read began.

use std::{collections::HashMap, sync::Mutex};

use chrono::{DateTime, Utc};

use super::sessions::LiveSession;

/// More entries than this and the cache starts over (it refills from the database).
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct SessionCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    by_token_hash: HashMap<String, LiveSession>,
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn get(&self, token_hash: &str) -> Option<LiveSession> {
        self.lock().by_token_hash.get(token_hash).cloned()
    }

    /// Call before reading a session from the database; pass the answer to [`Self::insert`].
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Stores a session read from the database, unless something was invalidated meanwhile.
    pub fn insert(&self, token_hash: &str, session: LiveSession, read_at_generation: u64) {
        let mut inner = self.lock();
        if inner.generation != read_at_generation {
            return;
        }
        if inner.by_token_hash.len() >= MAX_ENTRIES {
            inner.by_token_hash.clear();
        }
        inner.by_token_hash.insert(token_hash.to_owned(), session);
    }

    pub fn touched(&self, token_hash: &str, at: DateTime<Utc>) {
        if let Some(session) = self.lock().by_token_hash.get_mut(token_hash) {
            session.last_seen_at = at;
        }
    }

    /// Drops every cached session for which `ended` holds.
    pub fn forget(&self, ended: impl Fn(&str, &LiveSession) -> bool) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.by_token_hash.retain(|hash, session| !ended(hash, session));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: i32) -> LiveSession {
        LiveSession {
            id,
            user_id: 1,
            username: "ada".into(),
            created_at: Utc::now(),
            last_seen_at: Utc::now(),
        }
    }

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_cached() {
        let cache = SessionCache::default();
        let before = cache.generation();
        cache.forget(|hash, _| hash == "h");
        cache.insert("h", session(1), before);
        assert!(cache.get("h").is_none());
        cache.insert("h", session(1), cache.generation());
        assert_eq!(cache.get("h").map(|s| s.id), Some(1));
    }

    #[test]
    fn forgetting_removes_only_what_matches() {
        let cache = SessionCache::default();
        cache.insert("a", session(1), cache.generation());
        cache.insert("b", session(2), cache.generation());
        cache.forget(|_, s| s.id == 1);
        assert!(cache.get("a").is_none());
        assert!(cache.get("b").is_some());
    }
}
