//! Reads of an embedded SQLite file run in the calling thread, for the statements that read most
//! rows where nothing is cached (a post's page with its thread: `storage::posts::with_thread`).
//!
//! sqlx runs each SQLite connection on a thread of its own: a statement is a message to it, and
//! each row a message back, a copy of every value made on that thread (`sqlite3_value_dup`) and
//! freed on the runtime's. For a page of thirty-odd columns a row that was most of the request's
//! cost, and the two threads woke each other for every row (`bench/README.md`, issue 27). Here
//! the statement (built by sea-orm, as every other) runs on a connection of the server's own
//! through rusqlite, in the thread that asks, and each row is decoded into the caller's type
//! straight from SQLite's own buffers ([`Row`]).
//!
//! Nothing about exactness changes: the connections only read (they are opened read-only, and
//! `Db`'s `storage::Rows` refuses anything but a `SELECT`), and in WAL mode each statement reads
//! the file as the last commit before it left it, as the reader connections of
//! [`super::connections`] do. A statement of this kind reads pages already in memory or in the
//! operating system's cache, tens of microseconds, so running it in the runtime's thread holds
//! that thread no longer than decoding its rows would.

use std::{
    path::{Path, PathBuf},
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use rusqlite::{OpenFlags, types::Value as Bound};
use sea_orm::{DbErr, RuntimeErr, Statement, Value};

use super::StatementLog;
use crate::storage::Row;

/// Idle connections kept at most; more may be open at once, one per thread reading.
const KEEP: usize = 8;
/// Prepared statements each connection keeps, by their SQL.
const STATEMENTS: usize = 32;

/// The connections of one embedded file that read in the calling thread.
pub struct Direct {
    path: PathBuf,
    /// Each connection's page cache, in KiB (as the reader connections').
    cache_kib: i32,
    idle: Mutex<Vec<rusqlite::Connection>>,
    closed: AtomicBool,
    log: Option<StatementLog>,
}

impl Direct {
    /// The connections to the embedded file at `path`, opened when first needed.
    pub fn new(path: &Path, cache_kib: i32, log: Option<StatementLog>) -> Self {
        Self { path: path.to_owned(), cache_kib, idle: Mutex::default(), closed: AtomicBool::new(false), log }
    }

    /// Every row `statement` reads, each decoded by `decode`.
    pub fn rows<T>(
        &self,
        statement: &Statement,
        mut decode: impl FnMut(&Row<'_>) -> Result<T, DbErr>,
    ) -> Result<Vec<T>, DbErr> {
        if let Some(log) = &self.log {
            log(&statement.sql);
        }
        let conn = self.take()?;
        let answer = (|| {
            let bound = params(statement)?;
            let mut prepared = conn.prepare_cached(&statement.sql).map_err(failed)?;
            // Columns are found by name among these, not by SQLite's own lookup, which reads
            // every column's name again for each one asked.
            let names: Vec<String> = prepared.column_names().into_iter().map(str::to_owned).collect();
            let mut rows = prepared.query(bound).map_err(failed)?;
            let mut found = Vec::new();
            while let Some(row) = rows.next().map_err(failed)? {
                found.push(decode(&Row::sqlite(row, &names))?);
            }
            Ok(found)
        })();
        // A connection is given back whatever its statement did: each statement here is read
        // to its end or reset when `rows` is dropped, and a read leaves nothing behind it.
        self.give_back(conn);
        answer
    }

    /// Closes the idle connections and refuses every statement from now on.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// How many connections sit idle.
    pub fn idle(&self) -> usize {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    fn take(&self) -> Result<rusqlite::Connection, DbErr> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed));
        }
        if let Some(conn) = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop() {
            return Ok(conn);
        }
        self.open().map_err(|err| DbErr::Conn(RuntimeErr::Internal(err.to_string())))
    }

    fn give_back(&self, conn: rusqlite::Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < KEEP && !self.closed.load(Ordering::SeqCst) {
            idle.push(conn);
        }
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        // Read-only, and without SQLite's own mutex: a connection is used by one thread at a time.
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "cache_size", -self.cache_kib)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        Ok(conn)
    }
}

/// `statement`'s values, bound as sqlx would bind them ([`bind`]).
pub(super) fn params(statement: &Statement) -> Result<rusqlite::ParamsFromIter<Vec<Bound>>, DbErr> {
    let values = statement.values.as_ref().map_or(&[][..], |values| &values.0[..]);
    Ok(rusqlite::params_from_iter(values.iter().map(bind).collect::<Result<Vec<_>, _>>()?))
}

/// `value` as SQLite is given it: as sqlx would bind it (a time as RFC 3339 text). The values
/// sea-orm binds for our entities' columns and for `LIMIT`; anything else is refused.
fn bind(value: &Value) -> Result<Bound, DbErr> {
    let int = |n: Option<i64>| n.map_or(Bound::Null, Bound::Integer);
    Ok(match value {
        Value::Bool(b) => int(b.map(i64::from)),
        Value::TinyInt(n) => int(n.map(i64::from)),
        Value::SmallInt(n) => int(n.map(i64::from)),
        Value::Int(n) => int(n.map(i64::from)),
        Value::BigInt(n) => int(*n),
        Value::TinyUnsigned(n) => int(n.map(i64::from)),
        Value::SmallUnsigned(n) => int(n.map(i64::from)),
        Value::Unsigned(n) => int(n.map(i64::from)),
        // A `LIMIT`, which sea-orm binds unsigned; SQLite's integers stop at `i64::MAX`.
        Value::BigUnsigned(n) => int(n.map(|n| i64::try_from(n).unwrap_or(i64::MAX))),
        Value::Float(x) => x.map_or(Bound::Null, |x| Bound::Real(f64::from(x))),
        Value::Double(x) => x.map_or(Bound::Null, Bound::Real),
        Value::String(s) => s.as_ref().map_or(Bound::Null, |s| Bound::Text(s.clone())),
        Value::Char(c) => c.map_or(Bound::Null, |c| Bound::Text(c.to_string())),
        Value::Bytes(b) => b.as_ref().map_or(Bound::Null, |b| Bound::Blob(b.clone())),
        Value::ChronoDateTimeUtc(t) => t.as_ref().map_or(Bound::Null, |t| Bound::Text(t.to_rfc3339())),
        _ => return Err(DbErr::Custom("a value the direct SQLite statements do not bind".into())),
    })
}

fn failed(err: rusqlite::Error) -> DbErr {
    DbErr::Query(RuntimeErr::Internal(err.to_string()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use sea_orm::{ConnectionTrait, DbBackend};

    use crate::{
        db::{Budgets, Db},
        storage::Rows,
    };

    async fn embedded() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        (Db::connect(&url, Budgets { sessions: 10, answer_bytes: 1024 }, None).await.unwrap(), dir)
    }

    #[derive(Debug, PartialEq)]
    struct Thing {
        id: i32,
        name: Option<String>,
        at: chrono::DateTime<chrono::Utc>,
        shown: bool,
        score: f64,
    }

    async fn things(db: &Db, above: i32) -> Vec<Thing> {
        let statement = sea_orm::Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT id, name, at, shown, score FROM things WHERE id > ? ORDER BY id",
            [above.into()],
        );
        db.rows(statement, |row| {
            Ok(Thing {
                id: row.get("id")?,
                name: row.get("name")?,
                at: row.get("at")?,
                shown: row.get("shown")?,
                score: row.get("score")?,
            })
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn reads_in_the_calling_thread_decode_what_sqlx_wrote_and_see_each_commit_at_once() {
        let (db, _dir) = embedded().await;
        let at = chrono::Utc.with_ymd_and_hms(2026, 12, 8, 1, 2, 3).unwrap()
            + chrono::Duration::microseconds(456_789);
        db.write(async move |tx| {
            tx.execute_unprepared(
                "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT, at TEXT, shown BOOLEAN, score REAL)",
            )
            .await?;
            let insert = sea_orm::Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "INSERT INTO things (id, name, at, shown, score) VALUES (1, ?, ?, ?, ?), (2, NULL, ?, ?, ?)",
                [
                    Some("one".to_owned()).into(),
                    at.into(),
                    true.into(),
                    1.5.into(),
                    at.into(),
                    false.into(),
                    (-2.0).into(),
                ],
            );
            tx.execute_raw(insert).await.map(|_| ())
        })
        .await
        .unwrap();
        let read = things(&db, 0).await;
        assert_eq!(
            read,
            [
                Thing { id: 1, name: Some("one".into()), at, shown: true, score: 1.5 },
                Thing { id: 2, name: None, at, shown: false, score: -2.0 },
            ]
        );
        assert_eq!(things(&db, 1).await.len(), 1, "the bound value is used");
        // Each read is a new look at the file: a commit is seen by the next read.
        for n in 3..6 {
            db.write(async move |tx| {
                tx.execute_unprepared(&format!(
                    "INSERT INTO things VALUES ({n}, 'x', '{}', 1, 0)",
                    at.to_rfc3339()
                ))
                .await
                .map(|_| ())
            })
            .await
            .unwrap();
            assert_eq!(things(&db, 0).await.last().map(|t| t.id), Some(n));
        }
    }

    #[tokio::test]
    async fn they_refuse_a_write_a_missing_column_and_a_closed_database() {
        let (db, _dir) = embedded().await;
        let statement = |sql: &str| sea_orm::Statement::from_string(DbBackend::Sqlite, sql);
        assert!(db.rows(statement("CREATE TABLE t (x INTEGER)"), |_| Ok(())).await.is_err());
        let missing = db.rows(statement("SELECT 1 AS one"), |row| row.get::<i32>("two")).await;
        assert!(missing.is_err());
        assert_eq!(db.rows(statement("SELECT 1 AS one"), |row| row.get::<i32>("one")).await.unwrap(), [1]);
        db.close().await.unwrap();
        assert!(db.rows(statement("SELECT 1 AS one"), |row| row.get::<i32>("one")).await.is_err());
    }
}
