//! The database, behind one seam: [`Db`].
//!
//! - **Reads** go through `Db` itself, a sea-orm connection that only reads: each statement runs
//!   on one of the server's own connections ([`connections`]; the pool where there are none), and
//!   a statement that is not a read is refused, so a write cannot slip past the unit of work.
//! - **Writes** go through [`Db::write`], the one unit of work: it begins a transaction (on a
//!   database server on a writer's connection of the server's own, [`transaction`]; on an
//!   embedded file on its one writer, in the calling thread, once it has the write turn,
//!   [`writer`]), runs the work, commits, and reports what the
//!   work changed to the caches (and, on a database server, to the other instances through the
//!   change counter) before it returns.
//! - **Caches** ([`caches`]) are reached only through `Db`'s lookups ([`Db::session`],
//!   [`Db::cached`]), so whatever is cached is always invalidated by the writes it depends on.
//!
//! Storage functions (`crate::storage`) take a connection or a transaction and nothing else;
//! which connection a read uses, the write turn and the change counter are decided here.

pub mod backup;
mod cache;
mod caches;
mod checkpoint;
mod connect;
mod connections;
mod counter;
mod direct;
pub mod embedded;
mod errors;
mod migrate;
mod transaction;
mod work;
mod writer;

use std::{future::Future, sync::Arc};

use bytes::Bytes;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement};

pub use caches::{Answer, AnswerKey, Budgets, FeedOf, Ranking};
pub use embedded::{EmbeddedLock, LockError};
pub use errors::is_broken_connection;

use self::{
    caches::Caches,
    connections::{Connections, Use},
    counter::Counter,
    direct::Direct,
    writer::Writer,
};
use crate::storage::{self, Row, Rows, sessions::LiveSession};

/// Hears the SQL of every statement the server runs (tests count them).
pub type StatementLog = Arc<dyn Fn(&str) + Send + Sync>;

/// The database: its connections, the unit of work, and the caches. Cloned freely.
#[derive(Clone)]
pub struct Db(Arc<Inner>);

struct Inner {
    /// The migrations', and write transactions' where the server has no connections of its own
    /// (an in-memory SQLite database).
    pool: DatabaseConnection,
    /// Where reads run, where the database has them.
    connections: Option<Arc<Connections>>,
    /// On an embedded file, where [`Db::rows`] reads, in the calling thread.
    direct: Option<Direct>,
    /// Where write transactions run on a database server.
    writers: Option<Connections>,
    /// On an embedded file, where write transactions run, in the calling thread, one at a time
    /// ([`writer`]).
    writer: Option<Writer>,
    /// On an in-memory SQLite database, the writers' turns on the pool: first come, first served
    /// (see [`work`]).
    turn: Option<Arc<tokio::sync::Mutex<()>>>,
    /// On an embedded file, its commits, which its log's checkpointer follows ([`checkpoint`]).
    commits: Option<Arc<checkpoint::Commits>>,
    caches: Caches,
}

/// The session a token's hash names, as [`Db::session`] finds it.
pub struct SessionLookup {
    /// The session's row with its user's, live or not; `None` when there is none.
    pub session: Option<LiveSession>,
    /// The database's change counter, when it was read in the same statement (a database
    /// server's: see [`counter`]).
    pub changes: Option<i64>,
}

impl Db {
    /// Connects to the database `url` names, with caches of `budgets`; `log` (for tests) hears
    /// every statement.
    pub async fn connect(url: &str, budgets: Budgets, log: Option<StatementLog>) -> Result<Self, DbErr> {
        let pool = connect::pool(url, log.clone()).await?;
        let backend = pool.get_database_backend();
        let connections = Connections::of(url, Use::Reads, log.clone()).map(Arc::new);
        let direct = (backend == DbBackend::Sqlite && connections.is_some())
            .then(|| embedded::path(url))
            .flatten()
            .map(|path| Direct::new(&path, connections::SQLITE_CACHE_KIB, log.clone()));
        let writer = (backend == DbBackend::Sqlite && connections.is_some())
            .then(|| embedded::path(url))
            .flatten()
            .map(|path| Writer::new(&path, connections::SQLITE_CACHE_KIB, log.clone()));
        let writers = if writer.is_some() { None } else { Connections::of(url, Use::Writes, log) };
        let counter = Counter::of(backend, connections.clone());
        let turn =
            (backend == DbBackend::Sqlite && writer.is_none()).then(|| Arc::new(tokio::sync::Mutex::new(())));
        let commits = embedded::path(url).map(|_| Arc::new(checkpoint::Commits::default()));
        if let Some(commits) = &commits {
            checkpoint::start(url, commits, writer.as_ref().map(Writer::turn));
        }
        let caches = Caches::new(budgets, counter);
        Ok(Self(Arc::new(Inner { pool, connections, direct, writers, writer, turn, commits, caches })))
    }

    /// Runs pending migrations and derives what they leave for the server (see [`migrate`]);
    /// returns whether the database was brand new.
    pub async fn migrate(&self) -> Result<bool, DbErr> {
        migrate::run(self).await
    }

    /// The session whose token hashes to `token_hash`: from the cache where sessions are cached
    /// (an embedded file, whose one writer is this process), else read with the change counter
    /// in one statement.
    pub async fn session(&self, token_hash: &str) -> Result<SessionLookup, DbErr> {
        self.credential(token_hash, || storage::sessions::find(self, token_hash)).await
    }

    /// The personal API token whose secret hashes to `token_hash`, as [`Db::session`] finds a
    /// session (and in the same cache: each by the hash of its own secret).
    pub async fn token(&self, token_hash: &str) -> Result<SessionLookup, DbErr> {
        self.credential(token_hash, || storage::tokens::find(self, token_hash)).await
    }

    async fn credential<Found>(
        &self,
        token_hash: &str,
        find: impl FnOnce() -> Found,
    ) -> Result<SessionLookup, DbErr>
    where
        Found: Future<Output = Result<Option<(LiveSession, Option<i64>)>, DbErr>>,
    {
        let mut changes = None;
        let read = async {
            // Boxed, so that this future stays small on the hit path, where it is moved but
            // never run.
            Ok::<_, DbErr>(Box::pin(find()).await?.map(|(session, counter)| {
                changes = counter;
                session
            }))
        };
        let session = self.0.caches.sessions.get_or_read(token_hash.to_owned(), read).await?;
        Ok(SessionLookup { session, changes })
    }

    /// The rendered answer `key` names: the cached one, or what `read` renders (`None` for "no
    /// such thing", never cached), cached for the next request unless a write it overlapped
    /// invalidated it. `known` is the change counter as this request read it with its session,
    /// if it did: the cache is brought up to date with the counter first (on a database server,
    /// reading it now if `known` is `None`).
    pub async fn cached<E: From<DbErr>>(
        &self,
        known: Option<i64>,
        key: AnswerKey,
        read: impl Future<Output = Result<Option<Bytes>, E>>,
    ) -> Result<Option<Bytes>, E> {
        self.0.caches.catch_up(known).await?;
        self.0.caches.answers.get_or_read(key, read).await
    }

    /// Forgets the cached answer `key` names, if it is kept: for an answer read and kept that
    /// will stop being true with time alone, no write saying so.
    pub fn forget(&self, key: &AnswerKey) {
        self.0.caches.answers.invalidate(key);
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.query_one_raw(Statement::from_string(self.get_database_backend(), "SELECT 1")).await?;
        Ok(())
    }

    /// Closes every connection to the database; every statement fails from now on.
    pub async fn close(&self) -> Result<(), DbErr> {
        for connections in [self.0.connections.as_deref(), self.0.writers.as_ref()].into_iter().flatten() {
            connections.close();
        }
        if let Some(direct) = &self.0.direct {
            direct.close();
        }
        if let Some(writer) = &self.0.writer {
            writer.close();
        }
        self.0.pool.close_by_ref().await
    }

    /// Connections open now, and how many of them are in use (the pool and the readers').
    pub fn connections_in_use(&self) -> (u64, u64) {
        let (open, idle) = match self.get_database_backend() {
            DbBackend::Postgres => {
                let pool = self.0.pool.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DbBackend::MySql => {
                let pool = self.0.pool.get_mysql_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = self.0.pool.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        let (own_open, own_in_use) = [self.0.connections.as_deref(), self.0.writers.as_ref()]
            .into_iter()
            .flatten()
            .map(Connections::status)
            .chain(self.0.writer.as_ref().map(Writer::status))
            .fold((0, 0), |(open, in_use), (o, u)| (open + o, in_use + u));
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        // The direct readers are in use only within one thread's synchronous read: idle here.
        let own_open = own_open + self.0.direct.as_ref().map_or(0, Direct::idle);
        let pool_in_use = u64::from(open).saturating_sub(count(idle));
        (u64::from(open) + count(own_open), pool_in_use + count(own_in_use))
    }

    /// Lookups of each cache answered from memory and read, for the metrics.
    pub fn cache_lookups(&self) -> [(&'static str, (u64, u64)); 2] {
        self.0.caches.lookups()
    }
}

/// `Db` is a connection for reads: the storage functions that read take it (or a transaction).
#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.0.pool.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        Err(not_a_read(&stmt.sql))
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        Err(not_a_read(sql))
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        reads_only(&stmt.sql)?;
        match &self.0.connections {
            Some(connections) => connections.one(stmt).await,
            None => self.0.pool.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        reads_only(&stmt.sql)?;
        match &self.0.connections {
            Some(connections) => connections.all(stmt).await,
            None => self.0.pool.query_all_raw(stmt).await,
        }
    }
}

/// On an embedded file each row is decoded in the calling thread, straight from SQLite's buffers
/// ([`direct`]); elsewhere from the rows the reader connections bring.
impl Rows for Db {
    async fn rows<T: Send>(
        &self,
        statement: Statement,
        decode: impl FnMut(&Row<'_>) -> Result<T, DbErr> + Send,
    ) -> Result<Vec<T>, DbErr> {
        reads_only(&statement.sql)?;
        match &self.0.direct {
            Some(direct) => direct.rows(&statement, decode),
            None => storage::decoded(self, statement, decode).await,
        }
    }
}

/// Refuses a statement that is not a `SELECT`: every write goes through [`Db::write`].
fn reads_only(sql: &str) -> Result<(), DbErr> {
    let word = sql.trim_start().get(..6).unwrap_or_default();
    if word.eq_ignore_ascii_case("select") { Ok(()) } else { Err(not_a_read(sql)) }
}

fn not_a_read(_sql: &str) -> DbErr {
    DbErr::Custom("a write outside the unit of work: writes go through Db::write".into())
}
