//! PostgreSQL connections of their own for the one statement nearly every request makes: reading
//! its session with the change counter (or the counter alone), and advancing the counter after a
//! write.
//!
//! sqlx's pool, which every other statement goes through, pings a connection (a round trip of its
//! own) each time it is given back, in a task spawned for it: for a one-statement request that
//! doubles the round trips, for the server and for PostgreSQL. These connections are given back
//! without one. A connection is given back only after its statement answered in full; one whose
//! statement failed or was cut short (the request was dropped) is closed instead, so the next
//! statement never meets what the last one left unread. A statement that fails on a connection
//! that had sat idle (the server restarted or dropped it) is tried once more on a new one: these
//! statements read, or advance a counter that may be advanced twice.

use std::{pin::Pin, str::FromStr, sync::Mutex, time::Duration};

use sea_orm::{
    DbErr, FromQueryResult, QueryResult, RuntimeErr,
    sqlx::{
        self, Connection, Row,
        postgres::{PgConnectOptions, PgConnection},
    },
};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::{
    auth::sessions::{self, Found, LiveSession},
    cache::Counter,
};

/// Connections open at most (the pool has 16 of its own beside them).
const CONNECTIONS: usize = 8;
/// How long a statement waits for a connection, or for one to open, before failing (as the pool).
const WAIT: Duration = Duration::from_secs(3);

const ADVANCE: &str = "SELECT nextval('changes')";

/// The connections, for one PostgreSQL database.
pub struct Direct {
    options: PgConnectOptions,
    idle: Mutex<Vec<PgConnection>>,
    permits: Semaphore,
}

impl Drop for Direct {
    fn drop(&mut self) {
        self.close();
    }
}

impl Direct {
    /// Connections to the PostgreSQL database `url` names (opened when first needed); `None`
    /// for any other database.
    pub fn of(url: &str) -> Option<Self> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return None;
        }
        let options = PgConnectOptions::from_str(url).ok()?.application_name("just-tech-news");
        Some(Self { options, idle: Mutex::new(Vec::new()), permits: Semaphore::new(CONNECTIONS) })
    }

    /// Closes the idle connections and refuses every statement from now on, as a closed pool does.
    pub fn close(&self) {
        self.permits.close();
        self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    /// The session whose token hashes to `token_hash`, with the change counter.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(LiveSession, Option<i64>)>, DbErr> {
        let sql = sessions::postgres_lookup();
        let row = self.run(|conn| Box::pin(sqlx::query(sql).bind(token_hash).fetch_optional(conn))).await?;
        row.map(|row| Ok(Found::from_query_result(&QueryResult::from(row), "")?.split())).transpose()
    }

    /// The change counter now.
    pub async fn counter(&self) -> Result<i64, DbErr> {
        let row = self.run(|conn| Box::pin(sqlx::query(counter_sql()).fetch_one(conn))).await?;
        row.try_get(0).map_err(query_error)
    }

    /// Advances the change counter.
    pub async fn advance(&self) -> Result<(), DbErr> {
        self.run(|conn| Box::pin(sqlx::query(ADVANCE).fetch_one(conn))).await?;
        Ok(())
    }

    /// Runs `statement` on an idle connection (or a new one), giving the connection back only if
    /// it answered.
    async fn run<T>(
        &self,
        statement: impl for<'c> Fn(&'c mut PgConnection) -> Statement<'c, T>,
    ) -> Result<T, DbErr> {
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

    async fn permit(&self) -> Result<SemaphorePermit<'_>, DbErr> {
        match tokio::time::timeout(WAIT, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed)),
            Err(_) => Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
        }
    }

    async fn open(&self) -> Result<PgConnection, DbErr> {
        match tokio::time::timeout(WAIT, PgConnection::connect_with(&self.options)).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(err)) => Err(DbErr::Conn(RuntimeErr::SqlxError(err.into()))),
            Err(_) => Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
        }
    }
}

/// A statement running on a connection.
type Statement<'c, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'c>>;

/// Whether `err` says the connection is gone (rather than the statement being wrong).
fn broken(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_))
}

fn query_error(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(err.into()))
}

/// The counter alone, as `cache::counter` reads it beside a session.
fn counter_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT {}", Counter::value_sql(sea_orm::DatabaseBackend::Postgres).unwrap_or("0"))
    });
    &SQL
}
