//! Connecting to the database and bringing its schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Connects with settings fit for serving: for SQLite a small pool over WAL with a busy timeout
/// (sea-orm would otherwise use one connection), for servers a pool that gives up quickly, so an
/// unreachable database becomes a prompt 503 rather than a hung request.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(3))
        .acquire_timeout(Duration::from_secs(3));
    if url.starts_with("sqlite:") {
        create_parent_dir(url);
        // An embedded file never drops a connection: no ping before handing one out.
        options.test_before_acquire(false).max_connections(8).min_connections(1).map_sqlx_sqlite_opts(|o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        // Ping only connections idle long enough to have been dropped by the server or a proxy;
        // pinging on every checkout doubled the round trips of every query.
        options
            .max_connections(16)
            .min_connections(1)
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    Database::connect(options).await
}

/// Whether this process is the database's only writer (embedded SQLite), so what it caches of
/// the database can be kept exact by forgetting on its own writes.
pub fn single_writer(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite
}

/// Runs pending migrations; answers whether the database was brand new (had none applied).
pub async fn migrate(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let brand_new = Migrator::get_applied_migrations(db).await?.is_empty();
    Migrator::up(db, None).await?;
    Ok(brand_new)
}

/// `mode=rwc` creates the file, not its folder (`data/` on a fresh checkout).
fn create_parent_dir(url: &str) {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(parent);
    }
}
