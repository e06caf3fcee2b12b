//! The one unit of work: [`Db::write`].

use std::sync::Arc;

use sea_orm::DbErr;
use tokio::sync::OwnedMutexGuard;

use super::{
    Db,
    connect::POOL_MAX,
    errors::is_broken_connection,
    transaction::{self, Own},
};
use crate::storage::{Tx, changes};

/// How many times a write that keeps losing deadlocks is run before it fails.
const DEADLOCK_ATTEMPTS: u32 = 5;

impl Db {
    /// Runs `work` as one transaction, and returns what it returns.
    ///
    /// 1. **Begins** a transaction: on a database server on one of the server's own writers'
    ///    connections (see [`transaction`]), on an embedded file on its one writer, in the calling
    ///    thread ([`super::writer`]), and on the pool where there is neither (an in-memory
    ///    database). A server's connection found broken before any of the work ran (the database
    ///    restarted, failed over, or cut an idle connection) is dropped and another taken, so the
    ///    first write after an outage succeeds; the work itself never runs twice.
    /// 2. **Takes the write turn** on SQLite: its writers wait here, first come first served, and
    ///    each starts the moment the one ahead commits, instead of sleeping in SQLite's busy
    ///    handler (1, 2, 5, 10… ms between tries, however soon the writer ahead finishes). On an
    ///    embedded file the turn is the writer's own lock, taken as the transaction begins. A
    ///    database server locks rows instead.
    /// 3. **Runs the work**. An `Err` abandons the transaction (it is rolled back) and is
    ///    answered as it is: nothing was written, nothing is reported. If the database chose
    ///    the transaction as a deadlock's victim, it rolled it back whole and asks for it to be
    ///    run again: the work runs again in a new transaction, a few times at most (nothing of
    ///    a rolled-back attempt stays, so nothing is written twice). So the work does database
    ///    work only (mail is posted after the write answered), and is `Clone`, one copy per
    ///    attempt.
    /// 4. **Commits, then reports** what the work's writes said they changed to the caches, and
    ///    on a database server advances the change counter (PostgreSQL's in the commit's own
    ///    message, right after the `COMMIT`), before answering. These two run to
    ///    their end in a task of their own, so a request dropped meanwhile (its client went away)
    ///    cannot leave a commit unreported. If the counter cannot be advanced the answer is an
    ///    error, though the write stands.
    ///
    /// On a database server the transaction reads what has committed before each statement
    /// (`READ COMMITTED`: PostgreSQL's connections start with it, MariaDB's writers' sessions set it;
    /// MariaDB's default would read from a snapshot taken at its first read, so a reply committed
    /// while a comment waited for its row lock could go unseen).
    pub async fn write<T, E>(&self, work: impl AsyncFnOnce(&Tx) -> Result<T, E> + Clone) -> Result<T, E>
    where
        E: From<DbErr>,
    {
        // Boxed: the whole transaction's state would otherwise sit inline in every caller's
        // future, and a request's future is moved as a whole (reads that write nothing, most of
        // them, would pay for copying it).
        Box::pin(self.unit_of_work(work)).await
    }

    async fn unit_of_work<T, E>(&self, work: impl AsyncFnOnce(&Tx) -> Result<T, E> + Clone) -> Result<T, E>
    where
        E: From<DbErr>,
    {
        let mut attempts = 1;
        loop {
            let tx = self.begin().await?;
            let turn = self.turn().await;
            let outcome = work.clone()(&tx).await;
            if tx.deadlocked() {
                abandon(tx, turn).await;
                if attempts < DEADLOCK_ATTEMPTS {
                    attempts += 1;
                    tracing::info!("a write lost a deadlock and was rolled back; running it again");
                    continue;
                }
                // Whatever the work made of the failed statement, it is not committed.
                outcome?;
                return Err(DbErr::Custom("a write lost a deadlock at each attempt".into()).into());
            }
            let answer = match outcome {
                Ok(answer) => answer,
                Err(err) => {
                    abandon(tx, turn).await;
                    return Err(err);
                }
            };
            self.commit(tx, turn).await?;
            return Ok(answer);
        }
    }

    /// A transaction on a connection that answers: one of the server's own writers', or the
    /// pool's where it has none (see [`transaction`]).
    async fn begin(&self) -> Result<Tx, DbErr> {
        if let Some(writer) = &self.0.writer {
            return Ok(Tx::new(writer.begin().await?));
        }
        if let Some(writers) = &self.0.writers {
            return Ok(Tx::new(Own::begin(writers).await?));
        }
        // Each broken connection fails once and leaves the pool, so after an outage the pool's
        // every idle connection may fail in turn before a new one is opened.
        let mut broken = 0;
        loop {
            match transaction::begin_pooled(&self.0.pool).await {
                Err(err) if is_broken_connection(&err) && broken < POOL_MAX => {
                    broken += 1;
                    tracing::info!("a pooled connection was gone when a write began; trying another");
                }
                begun => return begun.map(Tx::new),
            }
        }
    }

    /// An in-memory SQLite database's write turn, held until the commit; nothing elsewhere (an
    /// embedded file's is its writer's, taken as its transaction begins: [`super::writer`]).
    async fn turn(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.0.turn {
            Some(turn) => Some(Arc::clone(turn).lock_owned().await),
            None => None,
        }
    }

    /// Commits `tx` and reports its changes, in a task of its own (see [`Db::write`]).
    pub(super) async fn commit(&self, tx: Tx, turn: Option<OwnedMutexGuard<()>>) -> Result<(), DbErr> {
        let (txn, changes) = tx.finish();
        let (commit, advances) =
            changes::commit_sql(txn.backend(), changes.iter().any(crate::storage::Change::reaches_answers));
        let db = self.clone();
        let finishing = tokio::spawn(async move {
            let own = transaction::commit(txn, commit).await?;
            drop(turn);
            if let Some(commits) = &db.0.commits {
                commits.add();
            }
            db.0.caches.report(&changes, own && advances).await
        });
        match finishing.await {
            Ok(finished) => finished,
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(_) => Err(DbErr::Custom("the server stopped before a write finished".into())),
        }
    }
}

/// Rolls back `tx`, then ends the write turn (the next writer finds the file unlocked).
async fn abandon(tx: Tx, turn: Option<OwnedMutexGuard<()>>) {
    let (txn, _) = tx.finish();
    transaction::abandon(txn).await;
    drop(turn);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::db::Budgets;

    async fn embedded() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        (Db::connect(&url, Budgets { sessions: 10, answer_bytes: 1024 }, None).await.unwrap(), dir)
    }

    #[tokio::test]
    async fn on_an_embedded_file_one_write_has_its_turn_at_a_time_first_come_first_served() {
        let (db, _dir) = embedded().await;
        // On an embedded file the turn is taken when the transaction begins (`writer`).
        let first = db.begin().await.unwrap();
        // Two more writers queue up behind it, in the order they came.
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for n in [2, 3] {
            let (db, order) = (db.clone(), order.clone());
            waiting.push(tokio::spawn(async move {
                let _turn = db.begin().await.unwrap();
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

    #[tokio::test]
    async fn reads_refuse_to_write() {
        use sea_orm::ConnectionTrait;
        let (db, _dir) = embedded().await;
        db.ping().await.unwrap();
        let backend = db.get_database_backend();
        for sql in ["CREATE TABLE t (x INTEGER)", "INSERT INTO t VALUES (1)", "  delete from t"] {
            assert!(db.execute_unprepared(sql).await.is_err(), "{sql}");
            let statement = sea_orm::Statement::from_string(backend, sql);
            assert!(db.query_one_raw(statement.clone()).await.is_err(), "{sql}");
            assert!(db.query_all_raw(statement).await.is_err(), "{sql}");
        }
    }

    #[tokio::test]
    async fn a_write_that_fails_writes_nothing_and_one_that_succeeds_commits() {
        use sea_orm::ConnectionTrait;
        let (db, _dir) = embedded().await;
        db.write(async |tx| tx.execute_unprepared("CREATE TABLE t (x INTEGER)").await.map(|_| ()))
            .await
            .unwrap();
        let failed: Result<(), DbErr> = db
            .write(async |tx| {
                tx.execute_unprepared("INSERT INTO t VALUES (1)").await?;
                Err(DbErr::Custom("the work changed its mind".into()))
            })
            .await;
        assert!(failed.is_err());
        db.write(async |tx| tx.execute_unprepared("INSERT INTO t VALUES (2)").await.map(|_| ()))
            .await
            .unwrap();
        let backend = db.get_database_backend();
        let rows =
            db.query_all_raw(sea_orm::Statement::from_string(backend, "SELECT x FROM t")).await.unwrap();
        let values: Vec<i32> = rows.iter().map(|row| row.try_get("", "x").unwrap()).collect();
        assert_eq!(values, [2]);
    }
}
