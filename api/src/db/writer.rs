//! The embedded file's write transactions, run in the calling thread, on its one writer.
//!
//! An embedded file has one writer at a time (SQLite's lock; `Db::write` serves its turns first
//! come, first served). Through sqlx every statement of a write is a message to the connection's
//! own thread and an answer back, and the turn is held across each: a vote's count, its row and
//! its `COMMIT` were three hand-offs in a row, each a thread woken and the runtime's task woken
//! again, while every other writer waited (`bench/README.md`, issue 27). Here the turn *is* the
//! one writer connection's lock: a write takes it, and its statements (built by sea-orm, as every
//! other) run through rusqlite in the thread that runs the work, then it commits and gives it
//! back. Each statement is tens of microseconds of SQLite's own work; nothing else waits on it.
//! A write of many statements (deleting an account takes back each of its votes) still lets the
//! runtime's thread serve other requests between them: each statement spends the task's budget
//! (`tokio::task::consume_budget`), and once it is spent the task yields.
//!
//! Nothing about exactness changes: there is still one writer, its transaction reads what the
//! last commit left, and its commit is durable as the pool's were (WAL, `synchronous=NORMAL`); the
//! caches hear of a write after its commit, as before.
//!
//! sea-orm's results are its own types, made from sqlx's or, with its `proxy` feature, from
//! plain values: a statement's effect is a [`ProxyExecResult`], a row a [`ProxyRow`] (see
//! [`proxy_row`] for how its values decode as sea-orm's sqlx rows would).

use std::{
    borrow::Cow,
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex, PoisonError, Weak,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use rusqlite::{OpenFlags, types::ValueRef};
use sea_orm::{
    DbBackend, DbErr, ExecResult, ProxyExecResult, ProxyRow, QueryResult, RuntimeErr, Statement, Value, sqlx,
};
use tokio::sync::OwnedMutexGuard;

use super::{StatementLog, direct::params};
use crate::storage::Transaction;

/// Prepared statements the writer keeps, by their SQL.
const STATEMENTS: usize = 64;

/// The write turn: whoever holds it writes, on the connection it guards (`None` until the first
/// write opens it). The checkpointer takes it too, to reset the log (`checkpoint`).
pub type Turn = tokio::sync::Mutex<Option<rusqlite::Connection>>;

/// The one writer connection of an embedded file, and the turn to use it.
pub struct Writer {
    path: PathBuf,
    /// Its page cache, in KiB (as the reader connections').
    cache_kib: i32,
    /// The turn. The connection is opened by the first write (and again after one whose end left
    /// it in a state not known).
    turn: Arc<Turn>,
    closed: AtomicBool,
    log: Option<StatementLog>,
}

impl Writer {
    /// The writer of the embedded file at `path`, opened when first needed.
    pub fn new(path: &Path, cache_kib: i32, log: Option<StatementLog>) -> Self {
        Self { path: path.to_owned(), cache_kib, turn: Arc::default(), closed: AtomicBool::new(false), log }
    }

    /// Waits for the turn, then begins a transaction.
    pub async fn begin(&self) -> Result<Writing, DbErr> {
        let mut turn = Arc::clone(&self.turn).lock_owned().await;
        if self.closed.load(Ordering::SeqCst) {
            *turn = None;
            return Err(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed));
        }
        let conn = match turn.take() {
            Some(conn) => conn,
            None => self.open().map_err(|err| DbErr::Conn(RuntimeErr::Internal(err.to_string())))?,
        };
        // A connection whose `BEGIN` failed is dropped (closed): the next write opens another.
        conn.execute_batch("BEGIN").map_err(exec_error)?;
        *turn = Some(conn);
        Ok(Writing { held: Mutex::new(Some(turn)), log: self.log.clone() })
    }

    /// The turn, for the checkpointer, which holds it while it resets the log.
    pub fn turn(&self) -> Weak<Turn> {
        Arc::downgrade(&self.turn)
    }

    /// Copies the log back into the file and empties it, closes the connection (once the write
    /// that has it ends, if one does), and refuses every write from now on. The last connection
    /// to close would copy the log back by itself, but the checkpointer's may outlive this one.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Ok(mut turn) = self.turn.try_lock() {
            if let Some(conn) = turn.as_ref()
                && let Err(err) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            {
                tracing::warn!(error = %err, "the log could not be copied back as the database closed");
            }
            *turn = None;
        }
    }

    /// How many connections are open (0 or 1), and how many of them are writing.
    pub fn status(&self) -> (usize, usize) {
        match self.turn.try_lock() {
            Ok(turn) => (usize::from(turn.is_some()), 0),
            Err(_) => (1, 1),
        }
    }

    /// The connection, set up as every connection to the file is (`connect::sqlite_options`), and
    /// never checkpointing in a writer's turn (`checkpoint`).
    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        // Without SQLite's own mutex: one thread uses it at a time, holding the turn.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = rusqlite::Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -self.cache_kib)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // The log is cut back to this when the writer starts it again from the beginning.
        conn.pragma_update(None, "journal_size_limit", super::checkpoint::LOG_KEPT_BYTES)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        Ok(conn)
    }
}

/// Dropped with the database (the server stopping), the writer copies the log back as it closes.
impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

/// A write transaction on the one writer, holding the turn until it ends. Dropped unended (the
/// request went away mid-work), it is rolled back.
pub struct Writing {
    /// The turn and its connection; `None` once the transaction has ended.
    held: Mutex<Option<OwnedMutexGuard<Option<rusqlite::Connection>>>>,
    log: Option<StatementLog>,
}

impl Writing {
    /// Commits with `commit` and gives the turn back. If it fails the connection is closed (SQLite
    /// rolls back what it had begun), as its state is not known.
    pub fn commit(self, commit: &str) -> Result<(), DbErr> {
        let mut turn = self.end().ok_or_else(ended)?;
        let conn = turn.as_ref().ok_or_else(ended)?;
        if let Err(err) = conn.execute_batch(commit) {
            *turn = None;
            return Err(exec_error(err));
        }
        Ok(())
    }

    /// Rolls back and gives the turn back.
    pub fn abandon(self) {
        if let Some(turn) = self.end() {
            roll_back(turn);
        }
    }

    fn end(&self) -> Option<OwnedMutexGuard<Option<rusqlite::Connection>>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    fn with<T>(
        &self,
        sql: &str,
        run: impl FnOnce(&rusqlite::Connection) -> Result<T, DbErr>,
    ) -> Result<T, DbErr> {
        if let Some(log) = &self.log {
            log(sql);
        }
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let conn = held.as_ref().and_then(|turn| turn.as_ref()).ok_or_else(ended)?;
        run(conn)
    }

    /// The rows `statement` reads: the first, or all.
    fn rows(&self, statement: &Statement, first: bool) -> Result<Vec<QueryResult>, DbErr> {
        self.with(&statement.sql, |conn| {
            let mut prepared = conn.prepare_cached(&statement.sql).map_err(query_error)?;
            let names: Vec<String> = prepared.column_names().into_iter().map(str::to_owned).collect();
            let mut rows = prepared.query(params(statement)?).map_err(query_error)?;
            let mut found = Vec::new();
            while let Some(row) = rows.next().map_err(query_error)? {
                found.push(proxy_row(row, &names)?.into());
                if first {
                    break;
                }
            }
            Ok(found)
        })
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        if let Some(turn) = self.end() {
            roll_back(turn);
        }
    }
}

/// Rolls back the transaction `turn`'s connection is in; closes the connection if that fails.
fn roll_back(mut turn: OwnedMutexGuard<Option<rusqlite::Connection>>) {
    if let Some(conn) = turn.as_ref()
        && !conn.is_autocommit()
        && conn.execute_batch("ROLLBACK").is_err()
    {
        *turn = None;
    }
}

#[async_trait::async_trait]
impl Transaction for Writing {
    fn backend(&self) -> DbBackend {
        DbBackend::Sqlite
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        tokio::task::consume_budget().await;
        self.with(&stmt.sql, |conn| {
            let mut prepared = conn.prepare_cached(&stmt.sql).map_err(exec_error)?;
            // Stepped to its end whatever it returns (sqlx's `execute` ignores rows too).
            let mut rows = prepared.query(params(&stmt)?).map_err(exec_error)?;
            while rows.next().map_err(exec_error)?.is_some() {}
            Ok(done(conn, conn.changes()))
        })
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        tokio::task::consume_budget().await;
        self.with(sql, |conn| {
            let before = conn.total_changes();
            conn.execute_batch(sql).map_err(exec_error)?;
            Ok(done(conn, conn.total_changes().saturating_sub(before)))
        })
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        tokio::task::consume_budget().await;
        Ok(self.rows(&stmt, true)?.into_iter().next())
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        tokio::task::consume_budget().await;
        self.rows(&stmt, false)
    }

    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send> {
        self
    }
}

fn done(conn: &rusqlite::Connection, rows_affected: u64) -> ExecResult {
    let last_insert_id = u64::try_from(conn.last_insert_rowid()).unwrap_or_default();
    ProxyExecResult::new(last_insert_id, rows_affected).into()
}

fn ended() -> DbErr {
    DbErr::Custom("a statement after its transaction ended".into())
}

/// `row` as sea-orm's row: each value of the type SQLite holds it as (an integer, a float, a
/// text, bytes), which sea-orm converts to the type asked for as sqlx would (a narrower integer, a
/// bool, a time: `vendor/README.md`). A proxy row finds a column by name, and by position in the
/// order of its names, so each value is kept twice: under its name, and under its position,
/// spelled so that positions sort first and in order.
fn proxy_row(row: &rusqlite::Row<'_>, names: &[String]) -> Result<ProxyRow, DbErr> {
    let mut values = BTreeMap::new();
    for (index, name) in names.iter().enumerate() {
        let value = match row.get_ref(index).map_err(query_error)? {
            ValueRef::Null => Value::BigInt(None),
            ValueRef::Integer(n) => Value::BigInt(Some(n)),
            ValueRef::Real(x) => Value::Double(Some(x)),
            ValueRef::Text(text) => Value::String(Some(
                String::from_utf8(text.to_vec())
                    .map_err(|_| DbErr::Type(format!("column {name}: not UTF-8")))?,
            )),
            ValueRef::Blob(bytes) => Value::Bytes(Some(bytes.to_vec())),
        };
        values.insert(format!("\u{1}{index:05}"), value.clone());
        values.insert(name.clone(), value);
    }
    Ok(ProxyRow::new(values))
}

/// SQLite's error, as sqlx would report it: a database error with SQLite's extended code, known
/// as a unique or foreign key's refusal by its kind (`storage::is_unique_violation`), and as
/// "busy" by its code (`errors`).
#[derive(Debug)]
struct SqliteError {
    code: i32,
    message: String,
}

impl std::fmt::Display for SqliteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SqliteError {}

impl sqlx::error::DatabaseError for SqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        use sqlx::error::ErrorKind;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ErrorKind::UniqueViolation,
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

fn runtime_error(err: rusqlite::Error) -> RuntimeErr {
    let err = match err {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.unwrap_or_else(|| failure.to_string());
            sqlx::Error::Database(Box::new(SqliteError { code: failure.extended_code, message }))
        }
        // Not SQLite's refusal but rusqlite's (a value it cannot bind, a column it cannot read).
        other => return RuntimeErr::Internal(other.to_string()),
    };
    RuntimeErr::SqlxError(Arc::new(err))
}

fn exec_error(err: rusqlite::Error) -> DbErr {
    DbErr::Exec(runtime_error(err))
}

fn query_error(err: rusqlite::Error) -> DbErr {
    DbErr::Query(runtime_error(err))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use sea_orm::{
        ActiveModelTrait,
        ActiveValue::Set,
        ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
        sea_query::{Expr, ExprTrait, Func},
    };

    use crate::{
        db::{Budgets, Db},
        entities::user,
        storage,
    };

    async fn migrated() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let db = Db::connect(&url, Budgets { sessions: 10, answer_bytes: 1024 }, None).await.unwrap();
        db.migrate().await.unwrap();
        (db, dir)
    }

    /// Every user's name, as the readers read them.
    async fn usernames(db: &Db) -> Vec<String> {
        user::Entity::find().select_only().column(user::Column::Username).into_tuple().all(db).await.unwrap()
    }

    fn someone(name: &str, at: chrono::DateTime<chrono::Utc>) -> user::ActiveModel {
        user::ActiveModel {
            username: Set(name.to_owned()),
            username_key: Set(name.to_owned()),
            email: Set(format!("{name}@example.com")),
            password_hash: Set("not a hash".to_owned()),
            created_at: Set(at),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_writes_rows_decode_as_their_entities_declare_them() {
        let (db, _dir) = migrated().await;
        let at = chrono::Utc.with_ymd_and_hms(2026, 12, 8, 1, 2, 3).unwrap()
            + chrono::Duration::microseconds(456_789);
        let (inserted, found, tuples, count, step) = db
            .write(async move |tx| {
                // `INSERT … RETURNING` every column: ints, texts, a time, a bool, nulls of each.
                let inserted = someone("ada", at).insert(tx).await?;
                let mut second = someone("grace", at);
                second.totp_last_step = Set(Some(3_000_000_000));
                second.totp_enabled_at = Set(Some(at));
                let second = second.insert(tx).await?;
                let found = user::Entity::find_by_id(second.id).one(tx).await?;
                // By position, in the order selected (not the names' order).
                let tuples: Vec<(String, i32, chrono::DateTime<chrono::Utc>)> = user::Entity::find()
                    .select_only()
                    .columns([user::Column::Username, user::Column::Id, user::Column::CreatedAt])
                    .into_tuple()
                    .all(tx)
                    .await?;
                // An expression, which no table declares.
                let count: Option<i64> = user::Entity::find()
                    .select_only()
                    .expr(Func::count(Expr::col(user::Column::Id)))
                    .into_tuple()
                    .one(tx)
                    .await?;
                // Expressions whose values are a time and a bool (the rate limits' window).
                let oldest: Option<(Option<chrono::DateTime<chrono::Utc>>, bool, i32)> = user::Entity::find()
                    .select_only()
                    .expr(Func::min(Expr::col(user::Column::CreatedAt)))
                    .expr(Expr::expr(Func::count(Expr::col(user::Column::Id))).gt(1))
                    .expr(Func::max(Expr::col(user::Column::Id)))
                    .into_tuple()
                    .one(tx)
                    .await?;
                assert_eq!(oldest, Some((Some(at), true, second.id)));
                let step: Option<Option<i64>> = user::Entity::find_by_id(second.id)
                    .select_only()
                    .column(user::Column::TotpLastStep)
                    .into_tuple()
                    .one(tx)
                    .await?;
                Ok::<_, sea_orm::DbErr>((inserted, found.map(|found| (found, second)), tuples, count, step))
            })
            .await
            .unwrap();
        assert_eq!(inserted.username, "ada");
        assert_eq!(inserted.created_at, at);
        assert_eq!(inserted.totp_last_step, None);
        assert!(!inserted.email_notifications);
        let (found, second) = found.unwrap();
        assert!(found == second, "a row read is the row inserted");
        assert_eq!(found.totp_last_step, Some(3_000_000_000));
        assert_eq!(found.totp_enabled_at, Some(at));
        assert_eq!(tuples, [("ada".to_owned(), inserted.id, at), ("grace".to_owned(), found.id, at)]);
        assert_eq!(count, Some(2));
        assert_eq!(step, Some(Some(3_000_000_000)));
        // What the writer wrote, the readers read.
        let read = user::Entity::find().filter(user::Column::Username.eq("grace")).one(&db).await.unwrap();
        assert!(read.is_some_and(|read| read == found));
    }

    #[tokio::test]
    async fn its_refusals_are_known_by_their_kind_and_leave_nothing_written() {
        let (db, _dir) = migrated().await;
        let at = chrono::Utc::now();
        db.write(async move |tx| someone("ada", at).insert(tx).await.map(|_| ())).await.unwrap();
        let again = db.write(async move |tx| someone("ada", at).insert(tx).await.map(|_| ())).await;
        assert!(storage::is_unique_violation(&again.unwrap_err()));
        let orphan = db
            .write(async move |tx| {
                someone("bob", at).insert(tx).await?;
                tx.execute_unprepared("INSERT INTO votes (user_id, post_id, created_at) VALUES (1, 999, '')")
                    .await
            })
            .await;
        assert!(storage::is_missing_reference(&orphan.unwrap_err()));
        let names = usernames(&db).await;
        assert_eq!(names, ["ada"], "the failed write's first insert was rolled back");
    }

    #[tokio::test]
    async fn closing_copies_the_log_back_into_the_file_and_empties_it() {
        let (db, dir) = migrated().await;
        db.write(async move |tx| someone("ada", chrono::Utc::now()).insert(tx).await.map(|_| ()))
            .await
            .unwrap();
        let log = dir.path().join("test.db-wal");
        let size = || std::fs::metadata(&log).map_or(0, |meta| meta.len());
        assert!(size() > 0, "the write went to the log");
        // Another connection outlives the writer's, as the checkpointer's may: the writer's is not
        // the last to close, which would copy the log back by itself.
        let other = rusqlite::Connection::open(dir.path().join("test.db")).unwrap();
        other.query_row("SELECT count(*) FROM users", [], |_| Ok(())).unwrap();
        db.close().await.unwrap();
        assert_eq!(size(), 0);
        drop(other);
    }

    #[tokio::test]
    async fn a_write_dropped_midway_is_rolled_back_and_the_next_one_writes() {
        let (db, _dir) = migrated().await;
        let at = chrono::Utc::now();
        let inserted = std::sync::Arc::new(tokio::sync::Notify::new());
        let stuck = tokio::spawn({
            let (db, inserted) = (db.clone(), inserted.clone());
            async move {
                db.write(async move |tx| {
                    someone("ada", at).insert(tx).await?;
                    inserted.notify_one();
                    std::future::pending::<Result<(), sea_orm::DbErr>>().await
                })
                .await
            }
        });
        inserted.notified().await;
        stuck.abort();
        let _ = stuck.await;
        db.write(async move |tx| someone("bob", at).insert(tx).await.map(|_| ())).await.unwrap();
        let names = usernames(&db).await;
        assert_eq!(names, ["bob"]);
    }
}
