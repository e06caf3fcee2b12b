//! [`Cache`]: a bounded map of values read from the database, kept exact by invalidating after
//! writes, whose reads never cache a value that a write may have made stale.

use tokio::sync::watch;

use std::{
    collections::HashMap,
    future::Future,
    hash::Hash,
    sync::{
        Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

/// Values read from the database, by key, up to a budget.
///
/// A value is cached only by the read that claimed its key and only if nothing about that key was
/// forgotten or updated while it was reading: a read in flight leaves a `Reading` mark, and every
/// invalidation removes the marks it may concern. So a read that overlapped a write (began before
/// the write's commit, finished after its invalidation) is handed to its caller but never cached.
///
/// A lookup that finds a read of its key in flight waits for that read's answer instead of
/// reading too, so a write invalidating a page read by many at once costs one read, not one per
/// request. That answer is exact for the waiter: the mark it found means nothing about the key
/// was invalidated since that read began, so the read began after every write reported before
/// the waiter came (each removed the marks of its time). A write reported while it waits did not
/// answer before its request began. If that read fails or is cancelled, the waiter reads itself.
pub struct Cache<K, V> {
    /// Total weight cached at most; 0 caches nothing (every read goes to the database).
    budget: usize,
    weigh: fn(&V) -> usize,
    inner: Mutex<Inner<K, V>>,
    /// Lookups answered from memory, and those that went to the database (for the metrics).
    hits: AtomicU64,
    misses: AtomicU64,
}

struct Inner<K, V> {
    next_read: u64,
    weight: usize,
    slots: HashMap<K, Slot<V>>,
}

enum Slot<V> {
    Known(V),
    /// Being read from the database by the read with this number, which sends its answer to
    /// whoever waits for it (`Some` once read: the value, or `None` for "no such thing").
    Reading(u64, watch::Receiver<Option<Option<V>>>),
}

impl<K: Clone + Eq + Hash, V: Clone> Cache<K, V> {
    /// A cache holding at most `budget` of weight, each value weighing `weigh(value)`.
    pub fn new(budget: usize, weigh: fn(&V) -> usize) -> Self {
        Self {
            budget,
            weigh,
            inner: Mutex::new(Inner { next_read: 0, weight: 0, slots: HashMap::new() }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// How many lookups were answered from memory, and how many were read, so far.
    pub fn lookups(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    fn lock(&self) -> MutexGuard<'_, Inner<K, V>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value for `key`: the cached one, or the one `read` produces, cached for next time unless a
    /// write concerning `key` was reported while it was reading. `read` returns `None` for "no
    /// such thing", which is never cached. Of overlapping reads of one key only the first may cache.
    pub async fn get_or_read<E>(
        &self,
        key: K,
        read: impl Future<Output = Result<Option<V>, E>>,
    ) -> Result<Option<V>, E> {
        if self.budget == 0 {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return read.await;
        }
        let (claim, answer) = {
            let mut inner = self.lock();
            match inner.slots.get(&key) {
                Some(Slot::Known(value)) => {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(Some(value.clone()));
                }
                Some(Slot::Reading(_, answer)) => (None, Some(answer.clone())),
                None => {
                    inner.next_read += 1;
                    let read = inner.next_read;
                    let (answer, waiting) = watch::channel(None);
                    inner.slots.insert(key.clone(), Slot::Reading(read, waiting));
                    (Some(Claim { cache: self, key, read, answer }), None)
                }
            }
        };
        // If that read fails or is cancelled, read without it.
        if let Some(mut answer) = answer
            && let Ok(answered) = answer.wait_for(Option::is_some).await
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(answered.clone().flatten());
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let value = read.await?;
        if let Some(claim) = claim {
            claim.answer.send_replace(Some(value.clone()));
            if let Some(value) = &value {
                claim.keep(value.clone());
            }
        }
        Ok(value)
    }

    /// Invalidates `key`.
    pub fn invalidate(&self, key: &K) {
        let mut inner = self.lock();
        if let Some(Slot::Known(value)) = inner.slots.remove(key) {
            inner.weight -= (self.weigh)(&value);
        }
    }

    /// Invalidates every cached value for which `stale` holds, and every read in flight (its
    /// value is not known yet, so it may be one of them).
    pub fn invalidate_where(&self, stale: impl Fn(&K, &V) -> bool) {
        let mut inner = self.lock();
        let mut freed = 0;
        inner.slots.retain(|key, slot| match slot {
            Slot::Known(value) if stale(key, value) => {
                freed += (self.weigh)(value);
                false
            }
            Slot::Known(_) => true,
            Slot::Reading(..) => false,
        });
        inner.weight -= freed;
    }

    /// Invalidates everything.
    pub fn invalidate_all(&self) {
        let mut inner = self.lock();
        inner.slots.clear();
        inner.weight = 0;
    }

    /// Applies a committed change to the cached value of `key`, if there is one; a read of `key` in
    /// flight may or may not have seen the change, so it will not cache what it read.
    ///
    /// `change` must *set* what the write set, never add a delta: a read that began before the
    /// commit and cached its value before this call may already hold the change.
    pub fn update(&self, key: &K, change: impl FnOnce(&mut V)) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        match inner.slots.get_mut(key) {
            Some(Slot::Known(value)) => {
                let before = (self.weigh)(value);
                change(value);
                inner.weight = inner.weight - before + (self.weigh)(value);
            }
            Some(Slot::Reading(..)) => {
                inner.slots.remove(key);
            }
            None => {}
        }
    }

    /// The weight cached now.
    #[cfg(test)]
    fn weight(&self) -> usize {
        self.lock().weight
    }
}

/// A read of one key in flight. Dropped without caching (an error, "no such thing", a cancelled
/// request), it withdraws its mark so that the next request reads again.
struct Claim<'a, K: Clone + Eq + Hash, V: Clone> {
    cache: &'a Cache<K, V>,
    key: K,
    read: u64,
    /// Where the answer goes to the lookups waiting for it; dropped unsent, it tells them to
    /// read themselves.
    answer: watch::Sender<Option<Option<V>>>,
}

impl<K: Clone + Eq + Hash, V: Clone> Claim<'_, K, V> {
    /// Keeps `value` if this read still holds its mark (nothing concerning the key was reported
    /// since the read began).
    fn keep(self, value: V) {
        let cache = self.cache;
        let mut inner = cache.lock();
        if !matches!(inner.slots.get(&self.key), Some(Slot::Reading(read, _)) if *read == self.read) {
            return;
        }
        let weight = (cache.weigh)(&value);
        if weight > cache.budget {
            inner.slots.remove(&self.key);
            return;
        }
        if inner.weight + weight > cache.budget {
            evict_half(&mut inner, cache.weigh);
        }
        inner.weight += weight;
        inner.slots.insert(self.key.clone(), Slot::Known(value));
    }
}

impl<K: Clone + Eq + Hash, V: Clone> Drop for Claim<'_, K, V> {
    fn drop(&mut self) {
        let mut inner = self.cache.lock();
        if matches!(inner.slots.get(&self.key), Some(Slot::Reading(read, _)) if *read == self.read) {
            inner.slots.remove(&self.key);
        }
    }
}

/// Drops every other cached value: which half is arbitrary (the map's order), so a working set
/// larger than the budget still finds about half of itself. Reads in flight keep their marks.
fn evict_half<K, V>(inner: &mut Inner<K, V>, weigh: fn(&V) -> usize) {
    let mut drop_this = false;
    let mut freed = 0;
    inner.slots.retain(|_, slot| match slot {
        Slot::Known(value) => {
            drop_this = !drop_this;
            if drop_this {
                freed += weigh(value);
            }
            !drop_this
        }
        Slot::Reading(..) => true,
    });
    inner.weight -= freed;
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn cache() -> Cache<u32, String> {
        Cache::new(100, String::len)
    }

    async fn read(cache: &Cache<u32, String>, key: u32, value: &str) -> String {
        let value = value.to_owned();
        cache.get_or_read(key, async { Ok::<_, ()>(Some(value)) }).await.unwrap().unwrap()
    }

    #[tokio::test]
    async fn caches_a_value_until_it_is_invalidated() {
        let cache = cache();
        assert_eq!(read(&cache, 1, "first").await, "first");
        assert_eq!(read(&cache, 1, "second").await, "first");
        cache.invalidate(&1);
        assert_eq!(read(&cache, 1, "third").await, "third");
        cache.invalidate_all();
        assert_eq!(read(&cache, 1, "fourth").await, "fourth");
        cache.invalidate_where(|_, value| value == "fourth");
        assert_eq!(read(&cache, 1, "fifth").await, "fifth");
    }

    /// Every way a write's report can concern key 1.
    const INVALIDATIONS: [fn(&Cache<u32, String>); 4] = [
        |cache| cache.invalidate(&1),
        |cache| cache.invalidate_all(),
        |cache| cache.invalidate_where(|_, _| false),
        |cache| cache.update(&1, |value| value.clear()),
    ];

    #[tokio::test]
    async fn a_read_that_overlapped_an_invalidation_is_not_cached() {
        for invalidate in INVALIDATIONS {
            let cache = cache();
            let raced = cache
                .get_or_read(1, async {
                    invalidate(&cache); // a write commits and is reported while this read runs
                    Ok::<_, ()>(Some("stale".to_owned()))
                })
                .await;
            assert_eq!(raced.unwrap().as_deref(), Some("stale"), "the caller still gets its answer");
            assert_eq!(read(&cache, 1, "fresh").await, "fresh");
        }
    }

    #[tokio::test]
    async fn an_invalidation_of_another_key_does_not_stop_a_read_from_caching() {
        let cache = cache();
        cache
            .get_or_read(1, async {
                cache.invalidate(&2);
                cache.update(&2, |value| value.clear());
                Ok::<_, ()>(Some("kept".to_owned()))
            })
            .await
            .unwrap();
        assert_eq!(read(&cache, 1, "other").await, "kept");
    }

    /// A read of key 1 in flight on its own task, answering `value` once `go` is sent (or failing
    /// if `go` is dropped), and counting itself in `reads`.
    fn read_in_flight(
        cache: &Arc<Cache<u32, String>>,
        reads: &Arc<AtomicU64>,
        value: &'static str,
    ) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<Result<Option<String>, ()>>) {
        let (go, gate) = tokio::sync::oneshot::channel::<()>();
        let (cache, reads) = (cache.clone(), reads.clone());
        let task = tokio::spawn(async move {
            cache
                .get_or_read(1, async move {
                    reads.fetch_add(1, Ordering::SeqCst);
                    gate.await.map_err(|_| ())?;
                    Ok(Some(value.to_owned()))
                })
                .await
        });
        (go, task)
    }

    /// A lookup of key 1 on its own task whose own read would answer `value`, counted in `reads`.
    fn lookup(
        cache: &Arc<Cache<u32, String>>,
        reads: &Arc<AtomicU64>,
        value: &'static str,
    ) -> tokio::task::JoinHandle<Result<Option<String>, ()>> {
        let (cache, reads) = (cache.clone(), reads.clone());
        tokio::spawn(async move {
            cache
                .get_or_read(1, async move {
                    reads.fetch_add(1, Ordering::SeqCst);
                    Ok(Some(value.to_owned()))
                })
                .await
        })
    }

    /// Lets every spawned task run until it waits (the runtime of these tests is one thread).
    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn lookups_that_find_a_read_in_flight_wait_for_its_answer_and_read_nothing() {
        let (cache, reads) = (Arc::new(cache()), Arc::new(AtomicU64::new(0)));
        let (go, first) = read_in_flight(&cache, &reads, "first");
        settle().await;
        let waiting: Vec<_> = (0..10).map(|_| lookup(&cache, &reads, "second")).collect();
        settle().await;
        assert_eq!(reads.load(Ordering::SeqCst), 1, "one read for eleven lookups");
        go.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(Some("first".to_owned())));
        for lookup in waiting {
            assert_eq!(lookup.await.unwrap(), Ok(Some("first".to_owned())));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert_eq!(read(&cache, 1, "third").await, "first", "and the first read cached its answer");
    }

    #[tokio::test]
    async fn a_lookup_after_an_invalidation_reads_for_itself_not_the_read_before_it() {
        for invalidate in INVALIDATIONS {
            let (cache, reads) = (Arc::new(cache()), Arc::new(AtomicU64::new(0)));
            let (go, stale) = read_in_flight(&cache, &reads, "stale");
            settle().await;
            invalidate(&cache); // a write commits and is reported while that read runs
            // Answered at once, from a read of its own, while the read before is still running.
            let fresh = cache.get_or_read(1, async { Ok::<_, ()>(Some("fresh".to_owned())) });
            assert_eq!(futures_now(fresh), Some(Ok(Some("fresh".to_owned()))));
            go.send(()).unwrap();
            assert_eq!(stale.await.unwrap(), Ok(Some("stale".to_owned())), "its caller still gets it");
            assert_eq!(read(&cache, 1, "later").await, "fresh", "and only the fresh one is cached");
        }
    }

    #[tokio::test]
    async fn lookups_waiting_for_a_read_that_fails_or_is_cancelled_read_themselves() {
        for cancel in [false, true] {
            let (cache, reads) = (Arc::new(cache()), Arc::new(AtomicU64::new(0)));
            let (go, first) = read_in_flight(&cache, &reads, "first");
            settle().await;
            let waiting = lookup(&cache, &reads, "own");
            settle().await;
            if cancel {
                first.abort();
                drop(go);
            } else {
                drop(go); // the read fails
                assert_eq!(first.await.unwrap(), Err(()));
            }
            assert_eq!(waiting.await.unwrap(), Ok(Some("own".to_owned())));
            assert_eq!(reads.load(Ordering::SeqCst), 2);
        }
    }

    /// Many lookups, reads and writes at once on several threads: every lookup returns a value at
    /// least as new as the last write reported before it began, whether it read, waited for a
    /// read in flight, or found a cached value.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn under_concurrent_writes_no_lookup_answers_what_a_write_reported_before_it_made_untrue() {
        let cache: Arc<Cache<u32, u64>> = Arc::new(Cache::new(100, |_| 1));
        // What the database holds, and the newest write that has answered.
        let (database, answered) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (cache, database, answered) = (cache.clone(), database.clone(), answered.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..500 {
                    let committed = database.fetch_add(1, Ordering::SeqCst) + 1; // the commit
                    tokio::task::yield_now().await;
                    cache.invalidate_all(); // its report
                    answered.fetch_max(committed, Ordering::SeqCst); // its answer
                    tokio::task::yield_now().await;
                }
            }));
        }
        for _ in 0..16 {
            let (cache, database, answered) = (cache.clone(), database.clone(), answered.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..500 {
                    let answered_before = answered.load(Ordering::SeqCst);
                    let seen = cache
                        .get_or_read(1, async {
                            let now = database.load(Ordering::SeqCst);
                            tokio::task::yield_now().await; // the statement takes a while
                            Ok::<_, ()>(Some(now))
                        })
                        .await
                        .unwrap()
                        .unwrap();
                    assert!(
                        seen >= answered_before,
                        "answered {seen}, a write had made it {answered_before}"
                    );
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    }

    #[tokio::test]
    async fn an_update_changes_a_cached_value_in_place() {
        let cache = cache();
        read(&cache, 1, "seen at 1").await;
        cache.update(&1, |value| *value = "seen at 20".to_owned());
        assert_eq!(read(&cache, 1, "other").await, "seen at 20");
        assert_eq!(cache.weight(), "seen at 20".len());
    }

    #[tokio::test]
    async fn nothing_found_an_error_or_a_cancelled_read_is_not_kept() {
        let cache = cache();
        assert_eq!(cache.get_or_read(1, async { Ok::<Option<String>, ()>(None) }).await, Ok(None));
        assert_eq!(cache.get_or_read(1, async { Err::<Option<String>, _>(()) }).await, Err(()));
        let cancelled = cache.get_or_read(1, std::future::pending::<Result<Option<String>, ()>>());
        assert!(futures_now(cancelled).is_none());
        assert_eq!(read(&cache, 1, "found").await, "found");
    }

    /// Polls `future` once and drops it.
    fn futures_now<F: Future>(future: F) -> Option<F::Output> {
        let mut future = std::pin::pin!(future);
        let waker = std::task::Waker::noop();
        match future.as_mut().poll(&mut std::task::Context::from_waker(waker)) {
            std::task::Poll::Ready(output) => Some(output),
            std::task::Poll::Pending => None,
        }
    }

    #[tokio::test]
    async fn a_zero_budget_keeps_nothing() {
        let cache = Cache::new(0, String::len);
        assert_eq!(read(&cache, 1, "first").await, "first");
        assert_eq!(read(&cache, 1, "second").await, "second");
    }

    #[tokio::test]
    async fn the_budget_holds_and_evicting_keeps_about_half() {
        let cache = cache();
        for key in 0..40 {
            read(&cache, key, "0123456789").await;
        }
        let inner = cache.lock();
        let kept = inner.slots.values().filter(|slot| matches!(slot, Slot::Known(_))).count();
        assert!(inner.weight <= 100);
        assert_eq!(inner.weight, kept * 10);
        assert!(kept > 2, "evicting keeps about half, not nothing");
    }
}
