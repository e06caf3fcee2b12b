//! Connecting to the database, bringing its schema up to date, holding an embedded file for one
//! process, and telling which constraint a write broke.

pub mod direct;

use std::{
    fs::{File, OpenOptions},
    io::{Read, Seek, Write},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    DbErr, IsolationLevel, TransactionTrait,
    sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};

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
        options
            .test_before_acquire(false)
            .max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(sqlite_options);
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

/// Whether this process is the database's only writer (embedded SQLite), so what it caches of
/// the database can be kept exact by forgetting on its own writes.
pub fn single_writer(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite
}

/// On an embedded file, where the writers of one process would otherwise meet in SQLite's busy
/// handler (which sleeps 1, 2, 5, 10… ms between tries however soon the writer ahead finishes,
/// so under load most of a write's time was sleep), write transactions that take it wait for
/// their turn here instead, first come first served, and each starts the moment the one ahead
/// commits. A transaction takes its turn once it has its connection, so a writer never waits
/// for the pool while others wait for it. A database server locks rows, and nothing waits here.
/// A write that does not take a turn is still correct: it waits in the busy handler as before.
#[derive(Clone)]
pub struct WriteQueue(Option<Arc<tokio::sync::Mutex<()>>>);

impl WriteQueue {
    pub fn of(db: &DatabaseConnection) -> Self {
        Self(single_writer(db).then(|| Arc::new(tokio::sync::Mutex::new(()))))
    }

    /// Waits for this write's turn; it lasts until the guard is dropped, after the commit.
    pub async fn turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.0 {
            Some(queue) => Some(queue.lock().await),
            None => None,
        }
    }
}

/// Runs pending migrations, then fills what they left for the server to derive (the hotness of
/// posts and the HTML of comments kept or bulk-loaded); answers whether the database was brand
/// new (had none applied).
///
/// On SQLite all of it runs in one transaction: a migration that fails leaves nothing half done
/// (a table rebuild included), and only that one connection has seen the old schema (another
/// connection of the pool that had read it mid-migration could keep judging statements by it).
pub async fn migrate(db: &DatabaseConnection) -> Result<bool, DbErr> {
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        let txn = db.begin().await?;
        let brand_new = Migrator::get_applied_migrations(&txn).await?.is_empty();
        Migrator::up(&txn, None).await?;
        derive(&txn).await?;
        txn.commit().await?;
        return Ok(brand_new);
    }
    let brand_new = Migrator::get_applied_migrations(db).await?.is_empty();
    Migrator::up(db, None).await?;
    derive(db).await?;
    Ok(brand_new)
}

/// What the server derives from rows that a migration or a bulk load wrote without it.
async fn derive(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    crate::news::ranking::rank_unranked(conn).await?;
    crate::news::posts::key_unkeyed(conn).await?;
    crate::news::comments::render_unrendered(conn).await
}

/// Begins a transaction in which every statement sees what has committed before it, on every
/// database: MariaDB's default would read from a snapshot taken at the transaction's first
/// read, so a reply committed while a comment waited for its row lock could go unseen.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => db.begin().await,
        _ => db.begin_with_config(Some(IsolationLevel::ReadCommitted), None).await,
    }
}

/// The file an embedded (`sqlite:`) URL names; `None` for a server or an in-memory database.
pub fn embedded_path(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

/// `mode=rwc` creates the file, not its folder (`data/` on a fresh checkout).
fn create_parent_dir(url: &str) {
    if let Some(parent) =
        embedded_path(url).as_deref().and_then(Path::parent).filter(|p| !p.as_os_str().is_empty())
    {
        let _ = std::fs::create_dir_all(parent);
    }
}

/// This process's hold on an embedded database file; dropping it lets another process have it.
#[derive(Debug)]
pub struct EmbeddedLock {
    _file: File,
}

/// Another process holds the embedded database.
#[derive(Debug, thiserror::Error)]
#[error(
    "{path} is in use by another just-tech-news process{holder}: an embedded database belongs to \
     one process at a time (stop that one first; to run several instances use PostgreSQL or \
     MariaDB)"
)]
pub struct InUse {
    path: String,
    /// ` (pid N)` when the holder wrote its pid.
    holder: String,
}

/// Why an embedded database could not be held.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(transparent)]
    InUse(#[from] InUse),
    #[error("cannot lock {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Takes the embedded database file named by `url` for this process, so that a second server,
/// or `migrate` or `seed` while a server runs, is refused instead of writing behind the first
/// one's exact in-memory caches. The OS lock is on `FILE.lock` beside the database (not on the
/// database itself, whose own POSIX locks a second descriptor closing would release) and goes
/// with the process, however it ends. `None` for a database server, which needs no lock.
pub fn lock_embedded(url: &str) -> Result<Option<EmbeddedLock>, LockError> {
    let Some(database) = embedded_path(url) else { return Ok(None) };
    create_parent_dir(url);
    let mut path = database.into_os_string();
    path.push(".lock");
    let path = PathBuf::from(path);
    let shown = path.display().to_string();
    let io = |source| LockError::Io { path: shown.clone(), source };
    let mut file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = pid.trim();
            let holder = if pid.is_empty() { String::new() } else { format!(" (pid {pid})") };
            let path = shown.trim_end_matches(".lock").to_owned();
            return Err(InUse { path, holder }.into());
        }
        Err(std::fs::TryLockError::Error(err)) => return Err(io(err)),
    }
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()))
        .map_err(io)?;
    Ok(Some(EmbeddedLock { _file: file }))
}

/// A unique constraint, by the name each database gives it in a violation (PostgreSQL names the
/// constraint, MariaDB/MySQL the key, SQLite the table and columns).
pub struct Constraint {
    pub postgres: &'static str,
    pub mysql: &'static str,
    pub sqlite: &'static str,
}

/// Whether `err` is a violation of `constraint`.
pub fn violates(err: &DbErr, constraint: &Constraint) -> bool {
    use sea_orm::{RuntimeErr, sqlx::error::ErrorKind};
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx))) = err else {
        return false;
    };
    let Some(db) = sqlx.as_database_error() else { return false };
    if !matches!(db.kind(), ErrorKind::UniqueViolation) {
        return false;
    }
    if let Some(name) = db.constraint() {
        return name == constraint.postgres;
    }
    let message = db.message();
    // MariaDB: "Duplicate entry '…' for key 'email'"; MySQL 8 says 'users.email'. The key is
    // the last quoted part, whatever the duplicate value holds.
    if let Some((_, key)) = message.rsplit_once(" for key '") {
        let key = key.trim_end_matches('\'');
        return key.rsplit('.').next() == Some(constraint.mysql);
    }
    message.strip_prefix("UNIQUE constraint failed: ") == Some(constraint.sqlite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn on_an_embedded_file_one_write_has_its_turn_at_a_time_first_come_first_served() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let queue = WriteQueue::of(&db);
        let first = queue.turn().await;
        assert!(first.is_some());
        // Two more writers queue up behind it, in the order they came.
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for n in [2, 3] {
            let (queue, order) = (queue.clone(), order.clone());
            waiting.push(tokio::spawn(async move {
                let _turn = queue.turn().await;
                order.lock().unwrap().push(n);
            }));
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(order.lock().unwrap().is_empty(), "no turn while the first lasts");
        drop(first);
        for writer in waiting {
            writer.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [2, 3]);
    }
}
