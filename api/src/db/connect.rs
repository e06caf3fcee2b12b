//! Connecting: the pool that migrations run on (and write transactions, where the server has no
//! connections of its own), set up for serving, and the settings every connection shares.

use std::time::Duration;

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr,
    sqlx::{
        postgres::PgConnectOptions,
        sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
    },
};

use super::{StatementLog, embedded};

/// Connections the pool opens at most on a database server, and on an embedded file.
pub const POOL_MAX: u32 = 16;
const POOL_MAX_EMBEDDED: u32 = 8;

/// Connects with settings fit for serving: for SQLite a small pool over WAL with a busy timeout
/// (sea-orm would otherwise use one connection), for servers a pool that gives up quickly, so an
/// unreachable database becomes a prompt 503 rather than a hung request. `log` hears every
/// statement run on the pool.
pub async fn pool(url: &str, log: Option<StatementLog>) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(3))
        .acquire_timeout(Duration::from_secs(3));
    if url.starts_with("sqlite:") {
        embedded::create_parent_dir(url);
        // An embedded file never drops a connection: no ping before handing one out.
        options
            .test_before_acquire(false)
            .max_connections(POOL_MAX_EMBEDDED)
            .min_connections(1)
            // The log is checkpointed in the background, not in a writer's turn (`checkpoint`).
            .map_sqlx_sqlite_opts(|options| sqlite_options(options).pragma("wal_autocheckpoint", "0"));
    } else {
        // Ping only connections idle long enough to have been dropped by the server or a proxy;
        // a connection found broken when a write begins is replaced then (`Db::write`).
        options
            .max_connections(POOL_MAX)
            .min_connections(1)
            .test_before_acquire_if_idle_for(Duration::from_secs(30))
            .map_sqlx_postgres_opts(read_committed);
    }
    let mut pool = Database::connect(options).await?;
    if let Some(log) = log {
        pool.set_metric_callback(move |info| log(&info.statement.sql));
    }
    Ok(pool)
}

/// Every PostgreSQL connection's transactions read what has committed before each statement
/// (`READ COMMITTED`, PostgreSQL's default, made sure of whatever the server's configuration), set
/// once when the connection starts rather than by a statement in every transaction.
pub fn read_committed(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("default_transaction_isolation", "read committed")])
}

/// How every connection to an embedded file is set up: WAL, so reads never wait for the writer;
/// `synchronous=NORMAL`, durable at each checkpoint and never corrupt; a busy timeout, so a
/// second writer waits for the first instead of failing; and foreign keys enforced.
pub fn sqlite_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
}
