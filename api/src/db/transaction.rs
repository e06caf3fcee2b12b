//! The transactions of the unit of work (`Db::write`), committed and abandoned here; on a
//! database server also begun here (an embedded file's begin on its writer, [`super::writer`]).
//!
//! On a database server a write's transaction runs on a connection of the server's own writers
//! ([`Connections`] for writes), not on sqlx's pool: the pool pings every connection given back
//! to it, a round trip per write, and would set MariaDB's
//! isolation level in every transaction where a writer's session sets it once. Owning the
//! `COMMIT` also lets PostgreSQL advance the change counter in the same message, right after it
//! (`storage::changes::commit_sql`), one round trip where there were two. Where the server has
//! no connections of its own (an in-memory SQLite database) and while migrating SQLite, a
//! transaction is sea-orm's, on the pool.

use std::any::Any;

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
    TransactionTrait,
};

use super::{
    connections::{Connections, Held},
    errors::is_broken_connection,
    writer::Writing,
};
use crate::storage::Transaction;

/// A transaction on a connection of the server's own writers.
pub struct Own {
    backend: DbBackend,
    /// `None` once the transaction has ended.
    held: tokio::sync::Mutex<Option<Held>>,
}

impl Own {
    /// Begins a transaction on one of `writers`. A connection found broken when it begins (it had
    /// sat idle while the database restarted, failed over or cut it) is dropped and another
    /// taken, so the first write after an outage succeeds; nothing of the work has run yet.
    pub async fn begin(writers: &Connections) -> Result<Self, DbErr> {
        let mut broken = 0;
        loop {
            let (mut held, reused) = writers.lease().await?;
            match held.control("BEGIN").await {
                Ok(()) => {
                    let backend = held.backend();
                    return Ok(Self { backend, held: tokio::sync::Mutex::new(Some(held)) });
                }
                // Each broken connection fails once and is dropped, so after an outage every idle
                // one may fail in turn before a new one is opened.
                Err(err) if reused && is_broken_connection(&err) && broken < writers.limit() => {
                    broken += 1;
                    tracing::info!("a writer's connection was gone when a write began; trying another");
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Commits with `commit` (`COMMIT`, maybe followed by what must run right after it) and gives
    /// the connection back. If it fails the connection is closed, as its state is unknown.
    pub async fn commit(self, commit: &str) -> Result<(), DbErr> {
        let Some(mut held) = self.held.into_inner() else { return Err(ended()) };
        held.control(commit).await?;
        held.give_back();
        Ok(())
    }

    /// Rolls back and gives the connection back (closed instead if the rollback fails).
    pub async fn abandon(self) {
        if let Some(mut held) = self.held.into_inner()
            && held.control("ROLLBACK").await.is_ok()
        {
            held.give_back();
        }
    }

    async fn with<T>(&self, statement: impl AsyncFnOnce(&mut Held) -> Result<T, DbErr>) -> Result<T, DbErr> {
        let mut held = self.held.lock().await;
        let held = held.as_mut().ok_or_else(ended)?;
        statement(held).await
    }
}

fn ended() -> DbErr {
    DbErr::Custom("a statement after its transaction ended".into())
}

#[async_trait::async_trait]
impl Transaction for Own {
    fn backend(&self) -> DbBackend {
        self.backend
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.with(async |held| held.execute(&stmt).await).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.with(async |held| held.execute_unprepared(sql).await).await
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.with(async |held| held.one(&stmt).await).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.with(async |held| held.all(&stmt).await).await
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

#[async_trait::async_trait]
impl Transaction for DatabaseTransaction {
    fn backend(&self) -> DbBackend {
        self.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        ConnectionTrait::execute_unprepared(self, sql).await
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.query_one_raw(stmt).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.query_all_raw(stmt).await
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// Commits a transaction the unit of work began: with `commit` where it is the server's own
/// (`Ok(true)`), else as sea-orm commits (`Ok(false)`: only the `COMMIT` ran).
pub async fn commit(txn: Box<dyn Transaction>, commit: &str) -> Result<bool, DbErr> {
    let txn = match txn.into_any().downcast::<Own>() {
        Ok(own) => return own.commit(commit).await.map(|()| true),
        Err(other) => other,
    };
    let txn = match txn.downcast::<Writing>() {
        Ok(writing) => return writing.commit(commit).map(|()| true),
        Err(other) => other,
    };
    match txn.downcast::<DatabaseTransaction>() {
        Ok(txn) => txn.commit().await.map(|()| false),
        Err(_) => Err(DbErr::Custom("a transaction of an unknown kind".into())),
    }
}

/// Rolls back a transaction the unit of work began.
pub async fn abandon(txn: Box<dyn Transaction>) {
    let txn = match txn.into_any().downcast::<Own>() {
        Ok(own) => return own.abandon().await,
        Err(other) => other,
    };
    let txn = match txn.downcast::<Writing>() {
        Ok(writing) => return writing.abandon(),
        Err(other) => other,
    };
    if let Ok(txn) = txn.downcast::<DatabaseTransaction>() {
        let _ = txn.rollback().await;
    }
}

/// Begins a transaction on the pool (sea-orm's), reading what has committed before each
/// statement: PostgreSQL's connections start so, MariaDB's transactions are told.
pub async fn begin_pooled(pool: &sea_orm::DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match pool.get_database_backend() {
        DbBackend::MySql => pool.begin_with_config(Some(sea_orm::IsolationLevel::ReadCommitted), None).await,
        _ => pool.begin().await,
    }
}
