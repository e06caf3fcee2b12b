//! The database's change counter: how instances that share a database server keep what they
//! cache exact.
//!
//! Every write that changes what an answer shows advances the counter **after** its commit and
//! before its answer (`Db::write`). Every request that reads an answer from the cache first reads
//! the counter — in the same statement as its session when it has one, so a logged-in request
//! pays no extra round trip — and, if the counter moved since this instance last looked,
//! invalidates every cached answer before it looks one up (`Caches::catch_up`).
//!
//! Why that is exact: a request that begins after a write has answered reads a counter at least
//! as high as the write left it. Either this instance has already seen that value, and then
//! invalidated everything when it first did, so whatever it cached since was read after the write
//! had committed; or it sees the value now, and invalidates now. A read that was in flight when
//! an instance invalidated is not cached (see [`super::cache::Cache`]).
//!
//! The counter lives where the writes do (`storage::changes`): a PostgreSQL sequence (never
//! blocked, never rolled back, and logged so that a crash cannot make it go back), a MariaDB row.
//! Embedded SQLite has none: the one process that writes the file invalidates what each write
//! changed before it answers, and no one else can write.

use std::sync::Arc;

use sea_orm::{DatabaseBackend, DbErr, Statement};

use super::connections::Connections;
use crate::storage::changes;

/// The change counter of one database server, read and advanced on the server's own
/// connections.
pub struct Counter {
    backend: DatabaseBackend,
    connections: Arc<Connections>,
}

impl Counter {
    /// The counter of a database of `backend`, or `None` for embedded SQLite (one writer:
    /// nothing to share).
    pub fn of(backend: DatabaseBackend, connections: Option<Arc<Connections>>) -> Option<Self> {
        changes::advance_sql(backend)?;
        Some(Self { backend, connections: connections? })
    }

    /// The counter's value now: one round trip.
    pub async fn read(&self) -> Result<i64, DbErr> {
        let sql = changes::read_sql(self.backend).unwrap_or("SELECT 0 AS n");
        let row = self.connections.one(Statement::from_string(self.backend, sql)).await?;
        row.map_or(Ok(0), |row| row.try_get::<i64>("", "n"))
    }

    /// Advances the counter: after a write's commit, before its answer.
    pub async fn advance(&self) -> Result<(), DbErr> {
        match changes::advance_sql(self.backend) {
            Some(sql) => self.connections.execute(sql).await,
            None => Ok(()),
        }
    }
}
