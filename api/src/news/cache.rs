//! Rendered answers of the read endpoints, kept between requests on embedded SQLite.
//!
//! A page of posts or a post with its comments is the same bytes for everyone who asks until
//! something is written, and reading it through the database costs far more than handing out
//! bytes. On embedded SQLite this process is the database's one writer, and every write reaches
//! it through a request with a writing method (`POST`, `PUT`, `PATCH`, `DELETE`):
//! [`forget_after_writes`] runs each such request to completion and then, unless it was refused
//! with a 4xx (handlers check before they write), forgets every cached answer. The cache is
//! therefore exact, never merely fresh enough. With a database server other
//! instances write too, so there it is off and every request reads the database.
//!
//! Answers are kept per viewer, because `voted` differs between viewers. An answer whose read
//! raced a write (began before the write's end, finished after it) is not kept: forgetting bumps
//! a generation, and an answer is stored only if the generation is unchanged since its read began.

use std::{collections::HashMap, future::Future, sync::Arc};

use bytes::Bytes;
use poem::{Endpoint, IntoResponse, Request, Response, http::Method};
use poem_openapi::types::ToJSON;

use crate::{AppState, http::RenderedJson};

/// At most this many bytes of answers are kept; past it, half of them are dropped.
const BUDGET_BYTES: usize = 6 << 20;

/// Which answer, for whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The logged-in viewer's id, if any.
    pub viewer: Option<i32>,
    pub answer: Answer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// `GET /api/posts` with these parameters.
    Page { page: u32, per_page: u32, author: Option<i32> },
    /// `GET /api/posts/{id}`.
    Post(i32),
}

pub struct AnswerCache {
    enabled: bool,
    inner: std::sync::Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    bytes: usize,
    answers: HashMap<Key, Bytes>,
}

impl AnswerCache {
    /// A cache that keeps answers only when `enabled` (this process is the database's one writer).
    pub fn new(enabled: bool) -> Self {
        Self { enabled, inner: Default::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The answer for `key`: the kept one, or the one `read` produces (kept for next time unless
    /// a write ended meanwhile). `read` answers `None` for "no such thing", which is not kept.
    pub async fn get_or_read<T, E>(
        &self,
        key: Key,
        read: impl Future<Output = Result<Option<T>, E>>,
    ) -> Result<Option<RenderedJson<T>>, E>
    where
        T: ToJSON,
    {
        if !self.enabled {
            return Ok(read.await?.map(|value| RenderedJson::render(&value)));
        }
        let generation = {
            let inner = self.lock();
            if let Some(bytes) = inner.answers.get(&key) {
                return Ok(Some(RenderedJson::from_bytes(bytes.clone())));
            }
            inner.generation
        };
        let Some(value) = read.await? else { return Ok(None) };
        let rendered = RenderedJson::render(&value);
        self.keep(key, rendered.bytes(), generation);
        Ok(Some(rendered))
    }

    fn keep(&self, key: Key, bytes: Bytes, read_at_generation: u64) {
        let mut inner = self.lock();
        if inner.generation != read_at_generation {
            return;
        }
        if inner.bytes + bytes.len() > BUDGET_BYTES {
            // Drop every other answer: which half is arbitrary (the map's order), so a working
            // set larger than the budget still finds about half of itself.
            let mut keep = false;
            let mut freed = 0;
            inner.answers.retain(|_, kept| {
                keep = !keep;
                if !keep {
                    freed += kept.len();
                }
                keep
            });
            inner.bytes -= freed;
        }
        inner.bytes += bytes.len();
        if let Some(replaced) = inner.answers.insert(key, bytes) {
            inner.bytes -= replaced.len();
        }
    }

    /// Forgets every kept answer; call after any write has ended.
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.bytes = 0;
        inner.answers.clear();
    }
}

/// Middleware: runs every request with a writing method to its end even if the client goes away
/// (so no write is left half-known), then forgets the cached answers.
pub async fn forget_after_writes<E: Endpoint + 'static>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return ep.call(req).await.map(IntoResponse::into_response);
    }
    let state = req.data::<AppState>().expect("AppState is attached to every request").clone();
    let write = tokio::spawn(async move {
        // Forgets when the write ends, however it ends (a panic included)...
        let mut forget = ForgetOnDrop(Some(state.answers));
        let response = ep.call(req).await.map(IntoResponse::into_response);
        let status = response.as_ref().map_or_else(poem::Error::status, Response::status);
        if status.is_client_error() {
            // ...unless it was refused: every handler checks before it writes, so a 4xx changed
            // nothing, and a flood of refused requests cannot flush the cache.
            forget.0 = None;
        }
        response
    });
    match write.await {
        Ok(response) => response,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => Err(poem::Error::from_status(poem::http::StatusCode::SERVICE_UNAVAILABLE)),
    }
}

struct ForgetOnDrop(Option<Arc<AnswerCache>>);

impl Drop for ForgetOnDrop {
    fn drop(&mut self) {
        if let Some(answers) = &self.0 {
            answers.forget_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: i32) -> Key {
        Key { viewer: None, answer: Answer::Post(id) }
    }

    async fn read(cache: &AnswerCache, id: i32, value: &str) -> String {
        let value = value.to_owned();
        let rendered = cache.get_or_read(key(id), async { Ok::<_, ()>(Some(value)) }).await.unwrap().unwrap();
        String::from_utf8(rendered.bytes().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn keeps_answers_until_a_write() {
        let cache = AnswerCache::new(true);
        assert_eq!(read(&cache, 1, "first").await, r#""first""#);
        assert_eq!(read(&cache, 1, "second").await, r#""first""#);
        cache.forget_all();
        assert_eq!(read(&cache, 1, "third").await, r#""third""#);
    }

    #[tokio::test]
    async fn a_read_that_raced_a_write_is_not_kept() {
        let cache = AnswerCache::new(true);
        let raced = cache
            .get_or_read(key(1), async {
                cache.forget_all(); // a write ends while this read is under way
                Ok::<_, ()>(Some("stale".to_owned()))
            })
            .await;
        assert!(raced.unwrap().is_some());
        assert_eq!(read(&cache, 1, "fresh").await, r#""fresh""#);
    }

    #[tokio::test]
    async fn a_disabled_cache_always_reads() {
        let cache = AnswerCache::new(false);
        assert_eq!(read(&cache, 1, "first").await, r#""first""#);
        assert_eq!(read(&cache, 1, "second").await, r#""second""#);
    }

    #[tokio::test]
    async fn not_found_is_not_kept_and_the_budget_holds() {
        let cache = AnswerCache::new(true);
        let missing = cache.get_or_read(key(1), async { Ok::<Option<String>, ()>(None) }).await;
        assert!(missing.unwrap().is_none());
        assert_eq!(read(&cache, 1, "now").await, r#""now""#);
        let big = "x".repeat(BUDGET_BYTES / 8);
        for id in 2..40 {
            read(&cache, id, &big).await;
        }
        let inner = cache.lock();
        assert!(inner.bytes <= BUDGET_BYTES);
        assert_eq!(inner.bytes, inner.answers.values().map(Bytes::len).sum::<usize>());
        assert!(inner.answers.len() > 4, "evicting keeps about half, not nothing");
    }
}
