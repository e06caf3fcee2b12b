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

use std::{
    str::FromStr,
    sync::{
        Arc, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use sea_orm::sqlx::{
    ConnectOptions, Connection, Executor,
    sqlite::{SqliteConnectOptions, SqliteConnection},
};

/// How often the log is checkpointed while writes come in.
const EVERY: Duration = Duration::from_millis(100);

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
/// until `commits` is dropped (with the database). Failures are logged and tried again next time:
/// until a checkpoint succeeds the log only grows, and every read still finds every write.
pub fn start(url: &str, commits: &Arc<Commits>) {
    let Ok(options) = SqliteConnectOptions::from_str(url) else { return };
    let options = super::connect::sqlite_options(options).disable_statement_logging();
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
            let outcome = match &mut conn {
                Some(conn) => conn.execute("PRAGMA wal_checkpoint(PASSIVE)").await.map(|_| ()),
                None => match options.connect().await {
                    Ok(opened) => {
                        conn.insert(opened).execute("PRAGMA wal_checkpoint(PASSIVE)").await.map(|_| ())
                    }
                    Err(err) => Err(err),
                },
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

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use sea_orm::ConnectionTrait;

    use crate::db::{Budgets, Db};

    /// Fifty writes of a page each: far below the 1,000 pages at which a writer would checkpoint
    /// by default, so only the checkpointer copies them into the database file.
    #[tokio::test]
    async fn the_log_is_copied_into_the_database_file_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("test.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let db = Db::connect(&url, Budgets { sessions: 0, answer_bytes: 0 }, None).await.unwrap();
        db.write(async |tx| tx.execute_unprepared("CREATE TABLE t (x BLOB)").await.map(|_| ()))
            .await
            .unwrap();
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
}
