//! Upvotes: one per user and post, kept so by the primary key rather than by checking first.

use std::{collections::HashMap, sync::Mutex};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QuerySelect, SqlErr,
};

use crate::entities::{post, vote};

/// What casting a vote found.
#[derive(Debug, PartialEq, Eq)]
pub enum Cast {
    /// The vote is new.
    Added,
    /// The user had already upvoted the post; nothing changed.
    AlreadyThere,
    /// The post does not exist (any more).
    NoSuchPost,
}

/// Records `user`'s upvote of `post`; casting twice is the same as once.
pub async fn cast(
    db: &impl ConnectionTrait,
    user: i32,
    post: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Cast, DbErr> {
    let row = vote::ActiveModel { user_id: Set(user), post_id: Set(post), created_at: Set(now) };
    match vote::Entity::insert(row).exec_without_returning(db).await {
        Ok(_) => Ok(Cast::Added),
        Err(err) => match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Ok(Cast::AlreadyThere),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Ok(Cast::NoSuchPost),
            _ => Err(err),
        },
    }
}

/// Takes back `user`'s upvote of `post`; answers whether there was one.
pub async fn withdraw(db: &impl ConnectionTrait, user: i32, post: i32) -> Result<bool, DbErr> {
    let result = vote::Entity::delete_many()
        .filter(vote::Column::UserId.eq(user))
        .filter(vote::Column::PostId.eq(post))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// How many upvotes `post` has, or `None` if there is no such post: one statement.
async fn read_count(db: &impl ConnectionTrait, post: i32) -> Result<Option<i64>, DbErr> {
    let votes = super::posts::count_for_post(vote::Entity, vote::Column::PostId, None);
    post::Entity::find_by_id(post).select_only().expr(votes).into_tuple::<i64>().one(db).await
}

/// Every post's number of upvotes, remembered between requests on embedded SQLite, where this
/// process makes every write: after each vote and unvote the handler reports the change
/// ([`VoteTally::changed`]), after deleting a post or an account it forgets. With a database
/// server other instances vote too, so there every count is read from the database.
///
/// Of the reads of one post's count that overlap, only the first may keep what it read, and only
/// if no change to that post was reported while it was reading; otherwise the next request reads
/// again. So a kept count is always exact.
pub struct VoteTally {
    enabled: bool,
    inner: Mutex<TallyInner>,
}

#[derive(Default)]
struct TallyInner {
    next_read: u64,
    posts: HashMap<i32, Tally>,
}

enum Tally {
    Known(i64),
    /// Being read from the database by the read numbered `read`; `disturbed` once a change to
    /// the post was reported meanwhile (the read may or may not have seen it).
    Reading {
        read: u64,
        disturbed: bool,
    },
}

/// More posts than this and the tally starts over (it refills from the database).
const MAX_POSTS: usize = 1_000_000;

impl VoteTally {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self { enabled: crate::db::single_writer(db), inner: Default::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TallyInner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many upvotes `post` has, or `None` if there is no such post.
    pub async fn count(&self, db: &impl ConnectionTrait, post: i32) -> Result<Option<i64>, DbErr> {
        if !self.enabled {
            return read_count(db, post).await;
        }
        let claim = {
            let mut inner = self.lock();
            match inner.posts.get(&post) {
                Some(Tally::Known(count)) => return Ok(Some(*count)),
                Some(Tally::Reading { .. }) => None,
                None => {
                    if inner.posts.len() >= MAX_POSTS {
                        inner.posts.clear();
                    }
                    inner.next_read += 1;
                    let read = inner.next_read;
                    inner.posts.insert(post, Tally::Reading { read, disturbed: false });
                    Some(Claim { tally: self, post, read })
                }
            }
        };
        let count = read_count(db, post).await?;
        if let Some(claim) = claim {
            claim.settle(count);
        }
        Ok(count)
    }

    /// Reports a committed change of `delta` upvotes to `post`.
    pub fn changed(&self, post: i32, delta: i64) {
        match self.lock().posts.get_mut(&post) {
            Some(Tally::Known(count)) => *count += delta,
            Some(Tally::Reading { disturbed, .. }) => *disturbed = true,
            None => {}
        }
    }

    /// Forgets `post` (deleted, with its votes).
    pub fn forget(&self, post: i32) {
        self.lock().posts.remove(&post);
    }

    /// Forgets every post (an account's votes went, on posts of every kind).
    pub fn forget_all(&self) {
        self.lock().posts.clear();
    }
}

/// A read of one post's count in flight; dropped unsettled (an error, a cancelled request), it
/// withdraws itself so that the next request reads again.
struct Claim<'a> {
    tally: &'a VoteTally,
    post: i32,
    read: u64,
}

impl Claim<'_> {
    /// Keeps `count` if this read is still the post's and nothing changed meanwhile; otherwise
    /// leaves the post to the next read. (Dropping the claim afterwards finds nothing of its own.)
    fn settle(self, count: Option<i64>) {
        let mut inner = self.tally.lock();
        let Some(&Tally::Reading { read, disturbed }) = inner.posts.get(&self.post) else { return };
        if read != self.read {
            return;
        }
        match count {
            Some(count) if !disturbed => inner.posts.insert(self.post, Tally::Known(count)),
            _ => inner.posts.remove(&self.post),
        };
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut inner = self.tally.lock();
        if matches!(inner.posts.get(&self.post), Some(Tally::Reading { read, .. }) if *read == self.read) {
            inner.posts.remove(&self.post);
        }
    }
}
