//! An embedded file's write-ahead log, copied back into the database file in the background.
//!
//! By default SQLite checkpoints (copies the log's pages into the database file and syncs both
//! to disk) inside the commit that grows the log past 1,000 pages: that write, and every writer
//! waiting for its turn behind it (`Db::write`), waits for the disk, a few milliseconds every
//! few hundred votes. Here the writers' connections never checkpoint (`wal_autocheckpoint=0`,
//! [`super::connect`]); a task of the database's own does, on a connection of its own, every
//! [`EVERY`] while writes come in. Its checkpoints are `PASSIVE`: they wait for no reader and
//! no writer, and writers go on appending to the log meanwhile. The last connection to close
//! checkpoints what is left, as before.
//!
//! A passive checkpoint never starts the log again from its beginning: only a writer does, when
//! it finds every page of the log copied and no reader still reading from it. Under a steady load
//! of reads and writes that moment never comes (each reader began while the newest pages were
//! not copied yet), and the log grew without end: by a gigabyte in a minute of votes, each read
//! looking its pages up through ever more of the log's index, so that every read of the site
//! slowed down as the log grew (`bench/README.md`, issue 27). So once the log holds more than
//! [`RESTART_FRAMES`] pages the checkpointer takes the write turn (writers wait for it as for any
//! other write, asleep in the runtime rather than in SQLite's busy handler) and checkpoints with
//! `RESTART`, which also needs the readers still reading from the log to be done (each a single
//! read, well under a millisecond): it tries again at once until they are, where SQLite's busy
//! handler would sleep 1, 2, 5… ms between tries with every writer waiting (ten times the cost,
//! measured). The next writer starts the log from its beginning and cuts the file back to
//! [`LOG_KEPT_BYTES`].

use std::{
    str::FromStr,
    sync::{
        Arc, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use sea_orm::sqlx::{
    ConnectOptions, Connection,
    sqlite::{SqliteConnectOptions, SqliteConnection},
};

use super::writer::Turn;

/// How often the log is checkpointed while writes come in.
const EVERY: Duration = Duration::from_millis(100);
/// Pages in the log past which it is started again from its beginning: eight blocks of its index
/// (4,096 pages each), 128 MiB of 4 KiB pages. Each start costs the writers a wait for two syncs
/// of the disk (10–25 ms under a load of votes, measured); this many pages apart, that is a
/// start every second or two of votes flat out, and each page a read looks up in the log's index
/// is found in at most eight blocks.
#[cfg(not(test))]
const RESTART_FRAMES: i64 = 32_768;
#[cfg(test)]
const RESTART_FRAMES: i64 = 64;
/// Pages of the log not yet copied that a `RESTART` may be left to copy while writers wait.
const CATCH_UP_FRAMES: i64 = 512;
/// How long the checkpointer tries to start the log again, holding the write turn, before it
/// leaves it to the next time.
const RESTART_WAIT: Duration = Duration::from_millis(250);
/// What the log's file is cut back to when it starts again (the writer's `journal_size_limit`):
/// above what it grows to between two starts, so that the file is not cut and grown again each
/// time under a steady load (cutting it inside a writer's turn cost tens of milliseconds).
#[cfg(not(test))]
pub const LOG_KEPT_BYTES: i64 = 160 << 20;
#[cfg(test)]
pub const LOG_KEPT_BYTES: i64 = 256 << 10;

/// Commits to an embedded file so far: what tells the checkpointer there is work.
#[derive(Default)]
pub struct Commits(AtomicU64);

impl Commits {
    /// Counts one commit.
    pub fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Checkpoints the log of the embedded file `url` names every [`EVERY`] in which `commits` grew,
/// until `commits` is dropped (with the database), and has it started again from its beginning,
/// holding the write `turn`, once it holds more than [`RESTART_FRAMES`] pages. Failures are logged
/// and tried again next time: until a checkpoint succeeds the log only grows, and every read still
/// finds every write.
pub fn start(url: &str, commits: &Arc<Commits>, turn: Option<Weak<Turn>>) {
    let Ok(options) = SqliteConnectOptions::from_str(url) else { return };
    // It never waits in SQLite's busy handler, which sleeps 1, 2, 5, 10… ms between tries: a
    // `RESTART` that finds a reader still reading from the log tries again at once (below).
    let options =
        super::connect::sqlite_options(options).busy_timeout(Duration::ZERO).disable_statement_logging();
    let commits = Arc::downgrade(commits);
    tokio::spawn(async move {
        let mut conn: Option<SqliteConnection> = None;
        let mut done = 0;
        loop {
            tokio::time::sleep(EVERY).await;
            let Some(now) = Weak::upgrade(&commits).map(|commits| commits.count()) else { break };
            if now == done {
                continue;
            }
            let opened = match conn.take() {
                Some(opened) => Ok(opened),
                None => options.connect().await,
            };
            let outcome = match opened {
                Ok(opened) => checkpoint(conn.insert(opened), turn.as_ref()).await,
                Err(err) => Err(err),
            };
            match outcome {
                Ok(()) => done = now,
                Err(err) => {
                    tracing::warn!(error = %err, "a checkpoint of the database's log failed; trying again");
                    conn = None;
                }
            }
        }
        if let Some(conn) = conn {
            let _ = conn.close().await;
        }
    });
}

/// One passive checkpoint; and if the log has grown past [`RESTART_FRAMES`] pages, a `RESTART`
/// one, holding the write turn.
async fn checkpoint(
    conn: &mut SqliteConnection,
    turn: Option<&Weak<Turn>>,
) -> Result<(), sea_orm::sqlx::Error> {
    let (pages, copied) = passive(conn).await?;
    if pages <= RESTART_FRAMES {
        return Ok(());
    }
    let Some(turn) = turn.and_then(Weak::upgrade) else { return Ok(()) };
    // What the `RESTART` copies, it copies with every writer waiting: first, copy without holding
    // the turn what came in while this checkpoint copied (writers go on meanwhile), until little
    // is left.
    let mut left = pages - copied;
    for _ in 0..4 {
        if left <= CATCH_UP_FRAMES {
            break;
        }
        let (pages, copied) = passive(conn).await?;
        left = pages - copied;
    }
    let _turn = turn.lock().await;
    // Each try copies what is left and, if a reader still reads from the log, says so (`busy`)
    // rather than waiting: readers each read for well under a millisecond, and those that begin
    // now read from the database file, so a try soon finds none. Writers wait meanwhile.
    let deadline = tokio::time::Instant::now() + RESTART_WAIT;
    loop {
        let (busy, _, _): (i64, i64, i64) =
            sea_orm::sqlx::query_as("PRAGMA wal_checkpoint(RESTART)").fetch_one(&mut *conn).await?;
        if busy == 0 || tokio::time::Instant::now() >= deadline {
            return Ok(());
        }
        tokio::task::yield_now().await;
    }
}

/// A passive checkpoint: the log's pages, and how many of them are in the database file now.
async fn passive(conn: &mut SqliteConnection) -> Result<(i64, i64), sea_orm::sqlx::Error> {
    let (_, pages, copied): (i64, i64, i64) =
        sea_orm::sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&mut *conn).await?;
    Ok((pages, copied))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use sea_orm::ConnectionTrait;

    use crate::db::{Budgets, Db};

    /// A database in a file of its own with an empty table `t`, and the folder it is in.
    async fn with_a_table() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let db = Db::connect(&url, Budgets { sessions: 0, answer_bytes: 0 }, None).await.unwrap();
        db.write(async |tx| tx.execute_unprepared("CREATE TABLE t (x BLOB)").await.map(|_| ()))
            .await
            .unwrap();
        (db, dir)
    }

    /// Fifty writes of a page each: far below the 1,000 pages at which a writer would checkpoint
    /// by default, so only the checkpointer copies them into the database file.
    #[tokio::test]
    async fn the_log_is_copied_into_the_database_file_in_the_background() {
        let (db, dir) = with_a_table().await;
        let file = dir.path().join("test.db");
        let before = std::fs::metadata(&file).unwrap().len();
        for _ in 0..50 {
            db.write(async |tx| {
                tx.execute_unprepared("INSERT INTO t VALUES (randomblob(4000))").await.map(|_| ())
            })
            .await
            .unwrap();
        }
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::metadata(&file).unwrap().len() < before + 50 * 4000 {
            assert!(Instant::now() < deadline, "the log was not checkpointed");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Writes one after another while a reader reads all along, as under load: without being
    /// started again the log would hold every page written (some forty megabytes here); it is
    /// started again whenever it passes `RESTART_FRAMES` pages, so it only ever holds what was
    /// written between two checkpoints.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn under_steady_reads_and_writes_the_log_is_started_again_and_stays_small() {
        let (db, dir) = with_a_table().await;
        let file = dir.path().join("test.db");
        let reading = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let reader = tokio::spawn({
            let (db, reading) = (db.clone(), reading.clone());
            async move {
                let count =
                    sea_orm::Statement::from_string(db.get_database_backend(), "SELECT count(*) FROM t");
                while reading.load(std::sync::atomic::Ordering::Relaxed) {
                    db.query_one_raw(count.clone()).await.unwrap();
                }
            }
        });
        let wal = file.with_extension("db-wal");
        let mut largest = 0;
        for n in 0..4000 {
            // About a thousand pages between two checkpoints.
            if n % 4 == 0 {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            db.write(async |tx| {
                tx.execute_unprepared("INSERT INTO t VALUES (randomblob(4000))").await.map(|_| ())
            })
            .await
            .unwrap();
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |meta| meta.len()));
        }
        reading.store(false, std::sync::atomic::Ordering::Relaxed);
        reader.await.unwrap();
        assert!(largest < 10 << 20, "the log grew to {largest} bytes");
    }
}
