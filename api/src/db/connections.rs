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

use std::{pin::Pin, str::FromStr, sync::Mutex, time::Duration};

use sea_orm::{
    DbErr, QueryResult, RuntimeErr, Statement,
    sqlx::{
        self, ConnectOptions, Connection, Database,
        mysql::{MySqlConnectOptions, MySqlConnection},
        postgres::{PgConnectOptions, PgConnection},
        sqlite::{SqliteConnectOptions, SqliteConnection},
    },
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::{StatementLog, errors::is_broken};

/// Connections open at most, per database server (the pool has its own beside them). Each
/// embedded SQLite connection is a thread: with fewer, the runtime's threads more often sit
/// waiting for an answer.
const LIMIT: usize = 8;
/// The page cache of each embedded SQLite connection, in KiB: they read rows by key, a few pages
/// each, and the operating system's cache holds the file; SQLite's default (2 MiB each) would add
/// up to 16 MiB of heap for nothing.
const SQLITE_CACHE_KIB: i32 = 256;
/// How long a statement waits for a connection, or for one to open, before failing (as the pool).
const WAIT: Duration = Duration::from_secs(3);

/// The connections, for one database.
pub enum Connections {
    Postgres(Set<PgConnection>),
    MySql(Set<MySqlConnection>),
    Sqlite(Set<SqliteConnection>),
}

impl Connections {
    /// Connections to the database `url` names (opened when first needed); `None` for an
    /// in-memory SQLite database, where each connection would be a database of its own.
    pub fn of(url: &str, log: Option<StatementLog>) -> Option<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).ok()?.application_name("just-tech-news");
            return Some(Self::Postgres(Set::new(options.disable_statement_logging(), log)));
        }
        if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let options = MySqlConnectOptions::from_str(url).ok()?;
            return Some(Self::MySql(Set::new(options.disable_statement_logging(), log)));
        }
        if url.starts_with("sqlite:") && super::embedded::path(url).is_some() {
            let options = super::connect::sqlite_options(SqliteConnectOptions::from_str(url).ok()?)
                .pragma("cache_size", (-SQLITE_CACHE_KIB).to_string());
            return Some(Self::Sqlite(Set::new(options.disable_statement_logging(), log)));
        }
        None
    }

    /// Closes the idle connections and refuses every statement from now on, as a closed pool does.
    pub fn close(&self) {
        match self {
            Self::Postgres(set) => set.close(),
            Self::MySql(set) => set.close(),
            Self::Sqlite(set) => set.close(),
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

/// Up to [`LIMIT`] connections of one kind, opened when first needed.
pub struct Set<C: Connection> {
    options: <C as Connection>::Options,
    idle: Mutex<Vec<C>>,
    permits: Semaphore,
    log: Option<StatementLog>,
}

impl<C: Connection> Drop for Set<C> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<C: Connection> Set<C> {
    fn new(options: <C as Connection>::Options, log: Option<StatementLog>) -> Self {
        Self { options, idle: Mutex::new(Vec::new()), permits: Semaphore::new(LIMIT), log }
    }

    fn close(&self) {
        self.permits.close();
        self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    fn status(&self) -> (usize, usize) {
        let in_use = LIMIT - self.permits.available_permits();
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len();
        (idle + in_use, in_use)
    }

    /// Runs `statement` on an idle connection (or a new one), giving the connection back only if
    /// it answered.
    async fn run<T>(&self, statement: impl for<'c> Fn(&'c mut C) -> Running<'c, T>) -> Result<T, DbErr> {
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

    async fn permit(&self) -> Result<SemaphorePermit<'_>, DbErr> {
        match tokio::time::timeout(WAIT, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed)),
            Err(_) => Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
        }
    }

    async fn open(&self) -> Result<C, DbErr> {
        match tokio::time::timeout(WAIT, C::connect_with(&self.options)).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(err)) => Err(DbErr::Conn(RuntimeErr::SqlxError(err.into()))),
            Err(_) => Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
        }
    }
}

/// A statement running on a connection.
type Running<'c, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'c>>;

fn query_error(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(err.into()))
}
