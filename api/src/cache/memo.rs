//! [`Memo`]: a bounded map of values read from the database, kept exact by forgetting after
//! writes, whose reads never keep a value that a write may have made stale.

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
/// A value is kept only by the read that claimed its key and only if nothing about that key was
/// forgotten or updated while it was reading: a read in flight leaves a `Reading` mark, and every
/// invalidation removes the marks it may concern. So a read that overlapped a write (began before
/// the write's commit, finished after its invalidation) is handed to its caller but never kept.
pub struct Memo<K, V> {
    /// Total weight kept at most; 0 keeps nothing (every read goes to the database).
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
    /// Being read from the database by the read with this number.
    Reading(u64),
}

impl<K: Clone + Eq + Hash, V: Clone> Memo<K, V> {
    /// A memo keeping at most `budget` of weight, each value weighing `weigh(value)`.
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

    /// The value for `key`: the kept one, or the one `read` produces, kept for next time unless a
    /// write concerning `key` was reported while it was reading. `read` answers `None` for "no
    /// such thing", which is never kept. Of overlapping reads of one key only the first may keep.
    pub async fn get_or_read<E>(
        &self,
        key: K,
        read: impl Future<Output = Result<Option<V>, E>>,
    ) -> Result<Option<V>, E> {
        if self.budget == 0 {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return read.await;
        }
        let claim = {
            let mut inner = self.lock();
            match inner.slots.get(&key) {
                Some(Slot::Known(value)) => {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(Some(value.clone()));
                }
                Some(Slot::Reading(_)) => None,
                None => {
                    inner.next_read += 1;
                    let read = inner.next_read;
                    inner.slots.insert(key.clone(), Slot::Reading(read));
                    Some(Claim { memo: self, key, read })
                }
            }
        };
        self.misses.fetch_add(1, Ordering::Relaxed);
        let value = read.await?;
        if let (Some(claim), Some(value)) = (claim, &value) {
            claim.keep(value.clone());
        }
        Ok(value)
    }

    /// Forgets `key`.
    pub fn forget(&self, key: &K) {
        let mut inner = self.lock();
        if let Some(Slot::Known(value)) = inner.slots.remove(key) {
            inner.weight -= (self.weigh)(&value);
        }
    }

    /// Forgets every kept value for which `stale` holds, and every read in flight (its value
    /// is not known yet, so it may be one of them).
    pub fn forget_where(&self, stale: impl Fn(&K, &V) -> bool) {
        let mut inner = self.lock();
        let mut freed = 0;
        inner.slots.retain(|key, slot| match slot {
            Slot::Known(value) if stale(key, value) => {
                freed += (self.weigh)(value);
                false
            }
            Slot::Known(_) => true,
            Slot::Reading(_) => false,
        });
        inner.weight -= freed;
    }

    /// Forgets everything.
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.slots.clear();
        inner.weight = 0;
    }

    /// Applies a committed change to the kept value of `key`, if there is one; a read of `key` in
    /// flight may or may not have seen the change, so it will not keep what it read.
    ///
    /// `change` must *set* what the write set, never add a delta: a read that began before the
    /// commit and kept its value before this call may already hold the change.
    pub fn update(&self, key: &K, change: impl FnOnce(&mut V)) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        match inner.slots.get_mut(key) {
            Some(Slot::Known(value)) => {
                let before = (self.weigh)(value);
                change(value);
                inner.weight = inner.weight - before + (self.weigh)(value);
            }
            Some(Slot::Reading(_)) => {
                inner.slots.remove(key);
            }
            None => {}
        }
    }

    /// The weight kept now.
    #[cfg(test)]
    fn weight(&self) -> usize {
        self.lock().weight
    }
}

/// A read of one key in flight. Dropped without keeping (an error, "no such thing", a cancelled
/// request), it withdraws its mark so that the next request reads again.
struct Claim<'a, K: Clone + Eq + Hash, V: Clone> {
    memo: &'a Memo<K, V>,
    key: K,
    read: u64,
}

impl<K: Clone + Eq + Hash, V: Clone> Claim<'_, K, V> {
    /// Keeps `value` if this read still holds its mark (nothing concerning the key was reported
    /// since the read began).
    fn keep(self, value: V) {
        let memo = self.memo;
        let mut inner = memo.lock();
        if !matches!(inner.slots.get(&self.key), Some(Slot::Reading(read)) if *read == self.read) {
            return;
        }
        let weight = (memo.weigh)(&value);
        if weight > memo.budget {
            inner.slots.remove(&self.key);
            return;
        }
        if inner.weight + weight > memo.budget {
            evict_half(&mut inner, memo.weigh);
        }
        inner.weight += weight;
        inner.slots.insert(self.key.clone(), Slot::Known(value));
    }
}

impl<K: Clone + Eq + Hash, V: Clone> Drop for Claim<'_, K, V> {
    fn drop(&mut self) {
        let mut inner = self.memo.lock();
        if matches!(inner.slots.get(&self.key), Some(Slot::Reading(read)) if *read == self.read) {
            inner.slots.remove(&self.key);
        }
    }
}

/// Drops every other kept value: which half is arbitrary (the map's order), so a working set
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
        Slot::Reading(_) => true,
    });
    inner.weight -= freed;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memo() -> Memo<u32, String> {
        Memo::new(100, String::len)
    }

    async fn read(memo: &Memo<u32, String>, key: u32, value: &str) -> String {
        let value = value.to_owned();
        memo.get_or_read(key, async { Ok::<_, ()>(Some(value)) }).await.unwrap().unwrap()
    }

    #[tokio::test]
    async fn keeps_a_value_until_it_is_forgotten() {
        let memo = memo();
        assert_eq!(read(&memo, 1, "first").await, "first");
        assert_eq!(read(&memo, 1, "second").await, "first");
        memo.forget(&1);
        assert_eq!(read(&memo, 1, "third").await, "third");
        memo.forget_all();
        assert_eq!(read(&memo, 1, "fourth").await, "fourth");
        memo.forget_where(|_, value| value == "fourth");
        assert_eq!(read(&memo, 1, "fifth").await, "fifth");
    }

    #[tokio::test]
    async fn a_read_that_overlapped_an_invalidation_is_not_kept() {
        let invalidations: [fn(&Memo<u32, String>); 4] = [
            |memo| memo.forget(&1),
            |memo| memo.forget_all(),
            |memo| memo.forget_where(|_, _| false),
            |memo| memo.update(&1, |value| value.clear()),
        ];
        for invalidate in invalidations {
            let memo = memo();
            let raced = memo
                .get_or_read(1, async {
                    invalidate(&memo); // a write commits and is reported while this read runs
                    Ok::<_, ()>(Some("stale".to_owned()))
                })
                .await;
            assert_eq!(raced.unwrap().as_deref(), Some("stale"), "the caller still gets its answer");
            assert_eq!(read(&memo, 1, "fresh").await, "fresh");
        }
    }

    #[tokio::test]
    async fn an_invalidation_of_another_key_does_not_stop_a_read_from_keeping() {
        let memo = memo();
        memo.get_or_read(1, async {
            memo.forget(&2);
            memo.update(&2, |value| value.clear());
            Ok::<_, ()>(Some("kept".to_owned()))
        })
        .await
        .unwrap();
        assert_eq!(read(&memo, 1, "other").await, "kept");
    }

    #[tokio::test]
    async fn of_overlapping_reads_only_the_first_keeps() {
        let memo = memo();
        memo.get_or_read(1, async {
            assert_eq!(read(&memo, 1, "second").await, "second");
            Ok::<_, ()>(Some("first".to_owned()))
        })
        .await
        .unwrap();
        assert_eq!(read(&memo, 1, "third").await, "first");
    }

    #[tokio::test]
    async fn an_update_changes_a_kept_value_in_place() {
        let memo = memo();
        read(&memo, 1, "seen at 1").await;
        memo.update(&1, |value| *value = "seen at 20".to_owned());
        assert_eq!(read(&memo, 1, "other").await, "seen at 20");
        assert_eq!(memo.weight(), "seen at 20".len());
    }

    #[tokio::test]
    async fn nothing_found_an_error_or_a_cancelled_read_is_not_kept() {
        let memo = memo();
        assert_eq!(memo.get_or_read(1, async { Ok::<Option<String>, ()>(None) }).await, Ok(None));
        assert_eq!(memo.get_or_read(1, async { Err::<Option<String>, _>(()) }).await, Err(()));
        let cancelled = memo.get_or_read(1, std::future::pending::<Result<Option<String>, ()>>());
        assert!(futures_now(cancelled).is_none());
        assert_eq!(read(&memo, 1, "found").await, "found");
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
        let memo = Memo::new(0, String::len);
        assert_eq!(read(&memo, 1, "first").await, "first");
        assert_eq!(read(&memo, 1, "second").await, "second");
    }

    #[tokio::test]
    async fn the_budget_holds_and_evicting_keeps_about_half() {
        let memo = memo();
        for key in 0..40 {
            read(&memo, key, "0123456789").await;
        }
        let inner = memo.lock();
        let kept = inner.slots.values().filter(|slot| matches!(slot, Slot::Known(_))).count();
        assert!(inner.weight <= 100);
        assert_eq!(inner.weight, kept * 10);
        assert!(kept > 2, "evicting keeps about half, not nothing");
    }
}
