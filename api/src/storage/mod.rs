//! The tables, read and written by small functions named for what they do.
//!
//! A read takes any connection: the database's own readers (`db::Db`) or a transaction. A write
//! takes a [`Tx`], the transaction of the one unit of work (`db::Db::write`), and states on it
//! what it changed ([`Change`]): that is how whatever is cached of it is invalidated once the
//! transaction has committed. Nothing here chooses a connection, begins or commits, or touches
//! a cache.

pub mod accounts;
pub mod changes;
pub mod comments;
pub mod email_tokens;
pub mod export;
pub mod flags;
pub mod invites;
pub mod limits;
pub mod login_failures;
pub mod marks;
pub mod moderation_log;
pub mod mutes;
pub mod notifications;
pub mod passkeys;
pub mod posts;
pub mod ranking;
pub mod removals;
pub mod resets;
mod rows;
pub mod search;
pub mod sessions;
pub mod tags;
mod template;
pub mod tokens;
pub mod two_factor;
pub mod votes;

use std::{
    any::Any,
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
};

use chrono::{DateTime, Utc};
pub use rows::{Column, Row, Rows, decoded};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, SqlErr, Statement, sqlx,
};

/// What a committed write changed, as far as anything cached is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Something an answer may show: a post, a comment, a vote, a removal, an account, a role.
    Content,
    /// What is known of these sessions is no longer true: they ended, or their user's role or
    /// ban (which a session is read with) changed.
    Sessions(Sessions),
    /// A session was seen at `at`: its `last_seen_at` was written.
    SessionSeen { token_hash: String, at: DateTime<Utc> },
    /// What this person's sessions are read with, or what only they see, changed: their
    /// notifications (made, read, or gone with their post), whether their address is verified,
    /// and what their profile shows (settings, two-factor, recovery codes, a pending address).
    Person(i32),
}

impl Change {
    /// Whether it may make an answer cached by another instance untrue, so that on a database
    /// server it advances the change counter (`db::counter`).
    pub fn reaches_answers(&self) -> bool {
        matches!(self, Self::Content | Self::Person(_))
    }
}

/// Which sessions a [`Change::Sessions`] is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sessions {
    /// The one whose token hashes to this.
    Token(String),
    /// The one with this public id.
    Id(i32),
    /// Every one of this user's, but `except`.
    OfUser { user: i32, except: Option<i32> },
    /// All of them.
    All,
}

/// A transaction of the unit of work, and what its writes changed. Only `db::Db::write` makes
/// one, and it commits it and reports the changes; the storage functions that write take it,
/// so no write can happen outside a unit of work, nor be left unreported.
pub struct Tx {
    txn: Box<dyn Transaction>,
    changes: Mutex<Vec<Change>>,
    /// Whether a statement was chosen as a deadlock's victim: the database rolled the
    /// transaction back, and the unit of work runs again.
    deadlocked: AtomicBool,
}

impl Tx {
    /// A unit of work's transaction, begun by `db::Db::write`.
    pub(crate) fn new(txn: impl Transaction) -> Self {
        Self { txn: Box::new(txn), changes: Mutex::new(Vec::new()), deadlocked: AtomicBool::new(false) }
    }

    /// Whether a statement of this transaction lost a deadlock (see [`is_deadlock`]).
    pub(crate) fn deadlocked(&self) -> bool {
        self.deadlocked.load(Ordering::Relaxed)
    }

    /// Passes a statement's outcome on, noting whether it lost a deadlock.
    fn noted<T>(&self, outcome: Result<T, DbErr>) -> Result<T, DbErr> {
        if let Err(err) = &outcome
            && is_deadlock(err)
        {
            self.deadlocked.store(true, Ordering::Relaxed);
        }
        outcome
    }

    /// The transaction to commit, and what it changed.
    pub(crate) fn finish(self) -> (Box<dyn Transaction>, Vec<Change>) {
        let changes = self.changes.into_inner().unwrap_or_else(PoisonError::into_inner);
        (self.txn, changes)
    }

    /// Notes what a write in this transaction changed (once per kind is enough).
    fn changed(&self, change: Change) {
        let mut changes = self.changes.lock().unwrap_or_else(PoisonError::into_inner);
        if !changes.contains(&change) {
            changes.push(change);
        }
    }
}

/// What the statements of a [`Tx`] run on: a transaction that `db` began, on a connection of its
/// choosing. Only `db` implements it, and only `db` commits one (it gets it back from
/// [`Tx::finish`] and knows it by [`Transaction::into_any`]).
#[async_trait::async_trait]
pub trait Transaction: Send + Sync + 'static {
    fn backend(&self) -> DbBackend;
    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr>;
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr>;
    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr>;
    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr>;
    /// The transaction itself, for `db` to commit or abandon.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

#[async_trait::async_trait]
impl ConnectionTrait for Tx {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.noted(self.txn.execute(stmt).await)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.noted(self.txn.execute_unprepared(sql).await)
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.noted(self.txn.query_one(stmt).await)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.noted(self.txn.query_all(stmt).await)
    }
}

/// Inside a transaction each row is decoded from sea-orm's.
impl Rows for Tx {}

/// Whether `err` says the database chose this transaction as a deadlock's victim and rolled it
/// back, to be run again (by SQLSTATE: 40001, MariaDB's 1213 and PostgreSQL's serialization
/// failure; 40P01, PostgreSQL's deadlock).
pub fn is_deadlock(err: &DbErr) -> bool {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => {
            matches!(&**sqlx, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40001" | "40P01")))
        }
        _ => false,
    }
}

/// Whether `err` is a unique key's refusal (by the error's code, on every database).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
        || database_error(err).is_some_and(|db| db.is_unique_violation())
}

/// Whether `err` is a foreign key's refusal: the row referred to is not there (any more).
pub fn is_missing_reference(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_)))
        || database_error(err).is_some_and(|db| db.is_foreign_key_violation())
}

/// The database's own error within `err`, if it is one. sea-orm's `sql_err` knows the errors of
/// sqlx's drivers by their types; the embedded file's writer reports SQLite's errors with a type
/// of its own (`db::writer`), known by its kind.
fn database_error(err: &DbErr) -> Option<&dyn sqlx::error::DatabaseError> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => match &**sqlx
        {
            sqlx::Error::Database(db) => Some(&**db),
            _ => None,
        },
        _ => None,
    }
}
