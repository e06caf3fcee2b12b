//! The server's own connections, beside the pool, for reads: every statement that is not part
//! of a write's transaction runs on one of these.
//!
//! sqlx's pool, which transactions go through, pings a connection each time it is given back,
//! in a task spawned for it: on a database server a round trip of its own, on SQLite one more
//! pair of hand-offs to and from the connection's worker thread (sqlx runs each SQLite
//! connection on a thread, and every statement is a message to it and an answer back). For a
//! request that reads one or two rows that doubles the work, for the server and the database.
//! These connections are given back without one (`bench/README.md` has the figures).
//!
//! A connection is given back only after its statement answered in full; one whose statement
//! failed or was cut short (the request was dropped) is closed instead, so the next statement
//! never meets what the last one left unread. A statement that fails on a connection that had sat
//! idle because the connection is gone (the database restarted, a failover, an idle connection
//! cut) is run again on a new one: these statements only read, or advance a counter that may be
//! advanced twice.

use std::{
    pin::Pin,
    str::FromStr,
    sync::{Arc, Mutex},
    time::Duration,
};

use sea_orm::{
    DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement,
    sqlx::{
        self, ConnectOptions, Connection, Database,
        mysql::{MySqlConnectOptions, MySqlConnection},
        postgres::{PgConnectOptions, PgConnection},
        sqlite::{SqliteConnectOptions, SqliteConnection},
    },
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{StatementLog, errors::is_broken};

/// Connections open at most for reads, per database server (the writers have their own beside
/// them). Each embedded SQLite connection is a thread: with fewer, the runtime's threads more
/// often sit waiting for an answer.
const LIMIT: usize = 8;
/// Connections open at most for write transactions, per database server and on an embedded file
/// (whose writers take turns, so the most of them wait having begun).
const WRITERS: usize = 16;
const WRITERS_EMBEDDED: usize = 8;
/// The page cache of each embedded SQLite connection, in KiB: they read rows by key, a few pages
/// each, and the operating system's cache holds the file; SQLite's default (2 MiB each) would add
/// up to 16 MiB of heap for nothing.
pub(super) const SQLITE_CACHE_KIB: i32 = 256;
/// How long a statement waits for a connection, or for one to open, before failing (as the pool).
const WAIT: Duration = Duration::from_secs(3);

/// The connections, for one database.
pub enum Connections {
    Postgres(Arc<Set<PgConnection>>),
    MySql(Arc<Set<MySqlConnection>>),
    Sqlite(Arc<Set<SqliteConnection>>),
}

/// What a set of connections is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Statements that only read, each on its own.
    Reads,
    /// Write transactions, begun and ended by `db::transaction`.
    Writes,
}

impl Connections {
    /// Connections to the database `url` names for `use_` (opened when first needed); `None` for
    /// an in-memory SQLite database, where each connection would be a database of its own.
    pub fn of(url: &str, use_: Use, log: Option<StatementLog>) -> Option<Self> {
        let writes = use_ == Use::Writes;
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = super::connect::read_committed(PgConnectOptions::from_str(url).ok()?)
                .application_name("just-tech-news");
            let limit = if writes { WRITERS } else { LIMIT };
            return Some(Self::Postgres(Set::new(options.disable_statement_logging(), limit, None, log)));
        }
        if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let options = MySqlConnectOptions::from_str(url).ok()?;
            // MariaDB's default would read from a snapshot taken at a transaction's first read
            // (see `Db::write`): its writers' sessions read what has committed, set once.
            let on_open = writes.then_some("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
            let limit = if writes { WRITERS } else { LIMIT };
            return Some(Self::MySql(Set::new(options.disable_statement_logging(), limit, on_open, log)));
        }
        if url.starts_with("sqlite:") && super::embedded::path(url).is_some() {
            let mut options = super::connect::sqlite_options(SqliteConnectOptions::from_str(url).ok()?)
                .pragma("cache_size", (-SQLITE_CACHE_KIB).to_string());
            if writes {
                // The log is checkpointed in the background, never in a writer's turn (`checkpoint`).
                options = options.pragma("wal_autocheckpoint", "0");
            }
            let limit = if writes { WRITERS_EMBEDDED } else { LIMIT };
            return Some(Self::Sqlite(Set::new(options.disable_statement_logging(), limit, None, log)));
        }
        None
    }

    /// A connection of its own for a transaction, and whether it had been used before (and so
    /// may have been cut while it sat idle).
    pub async fn lease(&self) -> Result<(Held, bool), DbErr> {
        Ok(match self {
            Self::Postgres(set) => {
                let (lease, reused) = Set::lease(set).await?;
                (Held::Postgres(lease), reused)
            }
            Self::MySql(set) => {
                let (lease, reused) = Set::lease(set).await?;
                (Held::MySql(lease), reused)
            }
            Self::Sqlite(set) => {
                let (lease, reused) = Set::lease(set).await?;
                (Held::Sqlite(lease), reused)
            }
        })
    }

    /// Closes the idle connections and refuses every statement from now on, as a closed pool does.
    pub fn close(&self) {
        match self {
            Self::Postgres(set) => set.close(),
            Self::MySql(set) => set.close(),
            Self::Sqlite(set) => set.close(),
        }
    }

    /// How many may be open at once.
    pub fn limit(&self) -> usize {
        match self {
            Self::Postgres(set) => set.limit,
            Self::MySql(set) => set.limit,
            Self::Sqlite(set) => set.limit,
        }
    }

    /// How many are open, and how many of them are running a statement now.
    pub fn status(&self) -> (usize, usize) {
        match self {
            Self::Postgres(set) => set.status(),
            Self::MySql(set) => set.status(),
            Self::Sqlite(set) => set.status(),
        }
    }

    /// The first row `statement` reads.
    pub async fn one(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        let rows = Rows::First;
        Ok(match self {
            Self::Postgres(set) => set.rows(&statement, rows).await?,
            Self::MySql(set) => set.rows(&statement, rows).await?,
            Self::Sqlite(set) => set.rows(&statement, rows).await?,
        }
        .into_iter()
        .next())
    }

    /// Every row `statement` reads.
    pub async fn all(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Self::Postgres(set) => set.rows(&statement, Rows::All).await,
            Self::MySql(set) => set.rows(&statement, Rows::All).await,
            Self::Sqlite(set) => set.rows(&statement, Rows::All).await,
        }
    }

    /// Runs `sql` for its effect (the change counter's advance).
    pub async fn execute(&self, sql: &'static str) -> Result<(), DbErr> {
        match self {
            Self::Postgres(set) => set.execute(sql).await,
            Self::MySql(set) => set.execute(sql).await,
            Self::Sqlite(set) => set.execute(sql).await,
        }
    }
}

/// How many rows a statement is read for.
#[derive(Clone, Copy)]
enum Rows {
    First,
    All,
}

/// Up to `limit` connections of one kind, opened when first needed.
pub struct Set<C: Connection> {
    options: <C as Connection>::Options,
    idle: Mutex<Vec<C>>,
    permits: Arc<Semaphore>,
    limit: usize,
    /// A statement each connection runs once, when it opens.
    on_open: Option<&'static str>,
    log: Option<StatementLog>,
}

impl<C: Connection> Drop for Set<C> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<C: Connection> Set<C> {
    fn new(
        options: <C as Connection>::Options,
        limit: usize,
        on_open: Option<&'static str>,
        log: Option<StatementLog>,
    ) -> Arc<Self> {
        let permits = Arc::new(Semaphore::new(limit));
        Arc::new(Self { options, idle: Mutex::new(Vec::new()), permits, limit, on_open, log })
    }

    fn close(&self) {
        self.permits.close();
        self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    fn status(&self) -> (usize, usize) {
        let in_use = self.limit - self.permits.available_permits();
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len();
        (idle + in_use, in_use)
    }

    /// Runs `statement` on an idle connection (or a new one), giving the connection back only if
    /// it answered.
    async fn run<T>(&self, statement: impl for<'c> Fn(&'c mut C) -> Running<'c, T>) -> Result<T, DbErr>
    where
        for<'e> &'e mut C: sqlx::Executor<'e, Database = C::Database>,
    {
        let _permit = self.permit().await?;
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let reused = idle.is_some();
        let mut conn = match idle {
            Some(conn) => conn,
            None => self.open().await?,
        };
        let answer = match statement(&mut conn).await {
            Err(err) if reused && is_broken(&err) => {
                drop(conn);
                conn = self.open().await?;
                statement(&mut conn).await
            }
            answer => answer,
        };
        let answer = answer.map_err(query_error)?;
        self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(conn);
        Ok(answer)
    }

    /// The rows `statement` reads: the first, or all.
    async fn rows(&self, statement: &Statement, rows: Rows) -> Result<Vec<QueryResult>, DbErr>
    where
        C: Connection<Database: Database<Row: Into<QueryResult>>>,
        SqlxValues: sqlx::IntoArguments<C::Database>,
        for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    {
        if let Some(log) = &self.log {
            log(&statement.sql);
        }
        let sql = statement.sql.as_str();
        let values = SqlxValues(statement.values.clone().unwrap_or(sea_orm::Values(Vec::new())));
        let found = self
            .run(|conn| -> Running<'_, Vec<<C::Database as Database>::Row>> {
                let query = sqlx::query_with(sqlx::AssertSqlSafe(sql), values.clone());
                match rows {
                    Rows::First => {
                        Box::pin(async move { Ok(query.fetch_optional(conn).await?.into_iter().collect()) })
                    }
                    Rows::All => Box::pin(query.fetch_all(conn)),
                }
            })
            .await?;
        Ok(found.into_iter().map(Into::into).collect())
    }

    async fn execute(&self, sql: &'static str) -> Result<(), DbErr>
    where
        for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    {
        if let Some(log) = &self.log {
            log(sql);
        }
        self.run(|conn| {
            Box::pin(async move { sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(conn).await.map(|_| ()) })
        })
        .await
    }

    /// A connection for a transaction: an idle one or a new one, held until the lease ends.
    async fn lease(set: &Arc<Self>) -> Result<(Lease<C>, bool), DbErr>
    where
        for<'e> &'e mut C: sqlx::Executor<'e, Database = C::Database>,
    {
        let permit = set.permit().await?;
        let idle = set.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let reused = idle.is_some();
        let conn = match idle {
            Some(conn) => conn,
            None => set.open().await?,
        };
        Ok((Lease { set: Arc::clone(set), conn: Some(conn), _permit: permit }, reused))
    }

    async fn permit(&self) -> Result<OwnedSemaphorePermit, DbErr> {
        match tokio::time::timeout(WAIT, Arc::clone(&self.permits).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed)),
            Err(_) => Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
        }
    }

    async fn open(&self) -> Result<C, DbErr>
    where
        for<'e> &'e mut C: sqlx::Executor<'e, Database = C::Database>,
    {
        let opened = async {
            let mut conn = C::connect_with(&self.options).await?;
            if let Some(sql) = self.on_open {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
            }
            Ok::<_, sqlx::Error>(conn)
        };
        match tokio::time::timeout(WAIT, opened).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(err)) => Err(DbErr::Conn(RuntimeErr::SqlxError(err.into()))),
            Err(_) => Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
        }
    }
}

/// A connection taken for a transaction. Given back ([`Held::give_back`]) once the transaction
/// ended; dropped otherwise, and then closed, so the database rolls back whatever it had begun.
pub struct Lease<C: Connection> {
    set: Arc<Set<C>>,
    conn: Option<C>,
    _permit: OwnedSemaphorePermit,
}

/// A connection taken for a transaction, of the database's kind.
pub enum Held {
    Postgres(Lease<PgConnection>),
    MySql(Lease<MySqlConnection>),
    Sqlite(Lease<SqliteConnection>),
}

impl Held {
    pub fn backend(&self) -> DbBackend {
        match self {
            Self::Postgres(_) => DbBackend::Postgres,
            Self::MySql(_) => DbBackend::MySql,
            Self::Sqlite(_) => DbBackend::Sqlite,
        }
    }

    /// Runs `statement` for its effect.
    pub async fn execute(&mut self, statement: &Statement) -> Result<ExecResult, DbErr> {
        match self {
            Self::Postgres(lease) => lease.execute(statement).await,
            Self::MySql(lease) => lease.execute(statement).await,
            Self::Sqlite(lease) => lease.execute(statement).await,
        }
    }

    /// Runs `sql`, which binds nothing, for its effect.
    pub async fn execute_unprepared(&mut self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            Self::Postgres(lease) => lease.execute_unprepared(sql, true).await,
            Self::MySql(lease) => lease.execute_unprepared(sql, true).await,
            Self::Sqlite(lease) => lease.execute_unprepared(sql, true).await,
        }
    }

    /// The first row `statement` reads.
    pub async fn one(&mut self, statement: &Statement) -> Result<Option<QueryResult>, DbErr> {
        let rows = match self {
            Self::Postgres(lease) => lease.rows(statement, Rows::First).await?,
            Self::MySql(lease) => lease.rows(statement, Rows::First).await?,
            Self::Sqlite(lease) => lease.rows(statement, Rows::First).await?,
        };
        Ok(rows.into_iter().next())
    }

    /// Every row `statement` reads.
    pub async fn all(&mut self, statement: &Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Self::Postgres(lease) => lease.rows(statement, Rows::All).await,
            Self::MySql(lease) => lease.rows(statement, Rows::All).await,
            Self::Sqlite(lease) => lease.rows(statement, Rows::All).await,
        }
    }

    /// Runs `sql` (one or more statements that bind nothing: `BEGIN`, `COMMIT`) unheard by the
    /// statement log, which hears the work's statements.
    pub async fn control(&mut self, sql: &str) -> Result<(), DbErr> {
        let done = match self {
            Self::Postgres(lease) => lease.execute_unprepared(sql, false).await,
            Self::MySql(lease) => lease.execute_unprepared(sql, false).await,
            Self::Sqlite(lease) => lease.execute_unprepared(sql, false).await,
        };
        done.map(|_| ())
    }

    /// Gives the connection back for the next transaction.
    pub fn give_back(self) {
        match self {
            Self::Postgres(lease) => lease.give_back(),
            Self::MySql(lease) => lease.give_back(),
            Self::Sqlite(lease) => lease.give_back(),
        }
    }
}

impl<C: Connection> Lease<C> {
    fn conn(&mut self) -> &mut C {
        self.conn.as_mut().expect("a lease holds its connection until it ends")
    }

    fn give_back(mut self) {
        if let Some(conn) = self.conn.take() {
            self.set.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(conn);
        }
    }

    async fn execute(&mut self, statement: &Statement) -> Result<ExecResult, DbErr>
    where
        SqlxValues: sqlx::IntoArguments<C::Database>,
        for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
        ExecResult: From<<C::Database as Database>::QueryResult>,
    {
        if let Some(log) = &self.set.log {
            log(&statement.sql);
        }
        let values = SqlxValues(statement.values.clone().unwrap_or(sea_orm::Values(Vec::new())));
        let query = sqlx::query_with(sqlx::AssertSqlSafe(statement.sql.as_str()), values);
        query.execute(self.conn()).await.map(ExecResult::from).map_err(exec_error)
    }

    async fn execute_unprepared(&mut self, sql: &str, heard: bool) -> Result<ExecResult, DbErr>
    where
        for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
        ExecResult: From<<C::Database as Database>::QueryResult>,
    {
        if heard && let Some(log) = &self.set.log {
            log(sql);
        }
        let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(self.conn()).await;
        done.map(ExecResult::from).map_err(exec_error)
    }

    async fn rows(&mut self, statement: &Statement, rows: Rows) -> Result<Vec<QueryResult>, DbErr>
    where
        C: Connection<Database: Database<Row: Into<QueryResult>>>,
        SqlxValues: sqlx::IntoArguments<C::Database>,
        for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    {
        if let Some(log) = &self.set.log {
            log(&statement.sql);
        }
        let values = SqlxValues(statement.values.clone().unwrap_or(sea_orm::Values(Vec::new())));
        let query = sqlx::query_with(sqlx::AssertSqlSafe(statement.sql.as_str()), values);
        let conn = self.conn();
        let found = match rows {
            Rows::First => query.fetch_optional(conn).await.map(|row| row.into_iter().collect()),
            Rows::All => query.fetch_all(conn).await,
        };
        let found: Vec<<C::Database as Database>::Row> = found.map_err(query_error)?;
        Ok(found.into_iter().map(Into::into).collect())
    }
}

fn exec_error(err: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(err.into()))
}

/// A statement running on a connection.
type Running<'c, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'c>>;

fn query_error(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(err.into()))
}
