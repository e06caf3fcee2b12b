//! The database's change counter: how instances that share a database server keep what they
//! remember exact.
//!
//! Every write that changes what an answer shows advances the counter **after** its commit and
//! before its answer ([`super::Caches::after_commit`]). Every request that reads an answer from
//! memory first reads the counter — in the same statement as its session when it has one, so a
//! logged-in request pays no extra round trip — and, if the counter moved since this instance
//! last looked, forgets every answer and count before it looks one up ([`super::Caches::current`]).
//!
//! Why that is exact: a request that begins after a write has answered reads a counter at least
//! as high as the write left it. Either this instance has already seen that value, and then
//! forgot everything when it first did, so whatever it kept since was read after the write had
//! committed; or it sees the value now, and forgets now. A read that was in flight when an
//! instance forgot is not kept (see [`super::Memo`]).
//!
//! The counter lives where the writes do:
//! - PostgreSQL: a sequence, `changes`, advanced by `nextval` (never blocked, never rolled back,
//!   and logged so that a crash cannot make it go back) and read as `last_value`.
//! - MariaDB: a one-row table, `changes`, advanced by an `UPDATE` of its own.
//! - SQLite: none. The one process that writes the file forgets what each write changed before
//!   it answers, and no one else can write.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement, TryGetable};

use crate::db::direct::Direct;

/// Where a database server keeps its change counter, and how to reach it.
#[derive(Clone)]
pub struct Counter {
    db: DatabaseConnection,
    /// PostgreSQL's connections for one-statement requests, which read and advance it.
    direct: Option<Arc<Direct>>,
}

impl Counter {
    /// The counter of `db`, or `None` for embedded SQLite (one writer: nothing to share).
    pub fn of(db: &DatabaseConnection, direct: Option<Arc<Direct>>) -> Option<Self> {
        (!crate::db::single_writer(db)).then(|| Self { db: db.clone(), direct })
    }

    /// An expression for the counter's value, to select in the same statement as something else.
    pub fn value_sql(backend: DatabaseBackend) -> Option<&'static str> {
        match backend {
            DatabaseBackend::Postgres => Some("(SELECT last_value FROM changes)"),
            DatabaseBackend::MySql => Some("(SELECT n FROM changes WHERE id = 1)"),
            _ => None,
        }
    }

    /// The counter's value now: one round trip.
    pub async fn read(&self) -> Result<i64, DbErr> {
        if let Some(direct) = &self.direct {
            return direct.counter().await;
        }
        let backend = self.db.get_database_backend();
        let sql = Self::value_sql(backend).unwrap_or("0");
        let row =
            self.db.query_one_raw(Statement::from_string(backend, format!("SELECT {sql} AS n"))).await?;
        row.map_or(Ok(0), |row| i64::try_get_by(&row, "n").map_err(DbErr::from))
    }

    /// Advances the counter: after a write's commit, before its answer.
    pub async fn advance(&self) -> Result<(), DbErr> {
        if let Some(direct) = &self.direct {
            return direct.advance().await;
        }
        let backend = self.db.get_database_backend();
        let sql = match backend {
            DatabaseBackend::Postgres => "SELECT nextval('changes')",
            _ => "UPDATE changes SET n = n + 1 WHERE id = 1",
        };
        self.db.execute_unprepared(sql).await?;
        Ok(())
    }
}
