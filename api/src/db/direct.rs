//! Connections of their own, beside the pool, for the one statement nearly every request makes:
//! reading its session (on PostgreSQL with the change counter), reading the counter alone,
//! advancing it after a write, and the first read of every vote. PostgreSQL and embedded SQLite
//! have them; MariaDB goes through the pool.
//!
//! sqlx's pool, which every other statement goes through, pings a connection each time it is
//! given back, in a task spawned for it: on PostgreSQL a round trip of its own, on SQLite one more
//! pair of hand-offs to and from the connection's worker thread (sqlx runs each SQLite connection
//! on a thread, and every statement is a message to it and an answer back). For a one-statement
//! request that doubles the work, for the server and for the database. These connections are
//! given back without one.
//!
//! A connection is given back only after its statement answered in full; one whose statement
//! failed or was cut short (the request was dropped) is closed instead, so the next statement
//! never meets what the last one left unread. A statement that fails on a connection that had sat
//! idle (the server restarted or dropped it) is tried once more on a new one: these statements
//! read, or advance a counter that may be advanced twice.

use std::{pin::Pin, str::FromStr, sync::Mutex, time::Duration};

use sea_orm::{
    DatabaseConnection, DbErr, FromQueryResult, QueryResult, RuntimeErr, Statement,
    sqlx::{
        self, Connection, Database, Row,
        postgres::{PgConnectOptions, PgConnection},
        sqlite::{SqliteConnectOptions, SqliteConnection},
    },
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::cache::Counter;

/// PostgreSQL connections open at most (the pool has 16 of its own beside them).
const POSTGRES_CONNECTIONS: usize = 8;
/// SQLite connections open at most (the pool has 8 beside them). Each is a thread; with fewer,
/// the runtime's threads more often sit waiting for an answer (votes on 10 posts from 64
/// connections: 15,000 req/s with 2, 17,500 with 4, 18,000 with 8, the same with 16).
const SQLITE_CONNECTIONS: usize = 8;
/// The page cache of each of them, in KiB: they read rows by key, a few pages each, and the
/// operating system's cache holds the file; SQLite's default (2 MiB each) would add up to
/// 16 MiB of heap for nothing.
const SQLITE_CACHE_KIB: i32 = 256;
/// How long a statement waits for a connection, or for one to open, before failing (as the pool).
const WAIT: Duration = Duration::from_secs(3);

const ADVANCE: &str = "SELECT nextval('changes')";

/// The connections, for one PostgreSQL database or one embedded SQLite file.
pub enum Direct {
    Postgres(Connections<PgConnection>),
    Sqlite(Connections<SqliteConnection>),
}

impl Direct {
    /// Connections to the database `url` names (opened when first needed); `None` for MariaDB
    /// and for an in-memory SQLite database (each connection to one would be a database of its
    /// own).
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).ok()?.application_name("just-tech-news");
            return Some(Self::Postgres(Connections::new(options, POSTGRES_CONNECTIONS)));
        }
        if url.starts_with("sqlite:") && super::embedded_path(url).is_some() {
            let options = super::sqlite_options(SqliteConnectOptions::from_str(url).ok()?)
                .pragma("cache_size", (-SQLITE_CACHE_KIB).to_string());
            return Some(Self::Sqlite(Connections::new(options, SQLITE_CONNECTIONS)));
        }
        None
    }

    /// Closes the idle connections and refuses every statement from now on, as a closed pool does.
    pub fn close(&self) {
        match self {
            Self::Postgres(conns) => conns.close(),
            Self::Sqlite(conns) => conns.close(),
        }
    }

    /// The first row `statement` reads, as an `M`.
    pub async fn one<M: FromQueryResult>(&self, statement: Statement) -> Result<Option<M>, DbErr> {
        let sql = statement.sql.as_str();
        let values = SqlxValues(statement.values.unwrap_or(sea_orm::Values(Vec::new())));
        let row = match self {
            Self::Postgres(conns) => conns.first_row(sql, &values).await?,
            Self::Sqlite(conns) => conns.first_row(sql, &values).await?,
        };
        row.map(|row| M::from_query_result(&row, "")).transpose()
    }

    /// The change counter now (PostgreSQL: SQLite has none).
    pub async fn counter(&self) -> Result<i64, DbErr> {
        let Self::Postgres(conns) = self else { return Err(no_counter()) };
        let row = conns.run(|conn| Box::pin(sqlx::query(counter_sql()).fetch_one(conn))).await?;
        row.try_get(0).map_err(query_error)
    }

    /// Advances the change counter (PostgreSQL: SQLite has none).
    pub async fn advance(&self) -> Result<(), DbErr> {
        let Self::Postgres(conns) = self else { return Err(no_counter()) };
        conns.run(|conn| Box::pin(sqlx::query(ADVANCE).fetch_one(conn))).await?;
        Ok(())
    }
}

/// The first row `statement` reads from `db`, as an `M`: on `direct`'s connections where the
/// database has them, otherwise through the pool.
pub async fn one<M: FromQueryResult>(
    direct: Option<&Direct>,
    db: &DatabaseConnection,
    statement: Statement,
) -> Result<Option<M>, DbErr> {
    match direct {
        Some(direct) => direct.one(statement).await,
        None => M::find_by_statement(statement).one(db).await,
    }
}

/// Up to `limit` connections of one kind, opened when first needed.
pub struct Connections<C: Connection> {
    options: <C as Connection>::Options,
    idle: Mutex<Vec<C>>,
    permits: Semaphore,
}

impl<C: Connection> Drop for Connections<C> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<C: Connection> Connections<C> {
    fn new(options: <C as Connection>::Options, limit: usize) -> Self {
        Self { options, idle: Mutex::new(Vec::new()), permits: Semaphore::new(limit) }
    }

    fn close(&self) {
        self.permits.close();
        self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
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
            Err(err) if reused && broken(&err) => {
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

    /// The first row `sql` reads with `values` bound.
    async fn first_row(&self, sql: &str, values: &SqlxValues) -> Result<Option<QueryResult>, DbErr>
    where
        C: Connection<Database: Database<Row: Into<QueryResult>>>,
        SqlxValues: sqlx::IntoArguments<C::Database>,
        for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    {
        let row = self
            .run(|conn| {
                let query = sqlx::query_with(sqlx::AssertSqlSafe(sql), values.clone());
                Box::pin(query.fetch_optional(conn))
            })
            .await?;
        Ok(row.map(Into::into))
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

/// Whether `err` says the connection is gone (rather than the statement being wrong).
fn broken(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed
    )
}

fn query_error(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(err.into()))
}

fn no_counter() -> DbErr {
    DbErr::Custom("an embedded database has no change counter".into())
}

/// The counter alone, as `cache::counter` reads it beside a session.
fn counter_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT {}", Counter::value_sql(sea_orm::DatabaseBackend::Postgres).unwrap_or("0"))
    });
    &SQL
}
