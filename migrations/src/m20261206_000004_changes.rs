//! The change counter (DESIGN.md section 10): what lets several instances on one database server
//! keep rendered answers in memory and still never serve one that a write through another
//! instance made untrue. Each write that changes what answers show advances it after its commit;
//! each request that reads a kept answer reads it first (`api::cache::counter`).
//!
//! - PostgreSQL: a sequence, so advancing it takes no lock and waits for no other write.
//! - MariaDB: a table of one row.
//! - SQLite: nothing; one process owns the file and forgets what its own writes change.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000004_changes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements: &[&str] = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => &[],
            DatabaseBackend::Postgres => &["CREATE SEQUENCE changes AS bigint"],
            _ => &[
                "CREATE TABLE changes (id INT NOT NULL PRIMARY KEY, n BIGINT NOT NULL) ENGINE = InnoDB",
                "INSERT INTO changes (id, n) VALUES (1, 0)",
            ],
        };
        for statement in statements {
            manager.get_connection().execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statement = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => return Ok(()),
            DatabaseBackend::Postgres => "DROP SEQUENCE changes",
            _ => "DROP TABLE changes",
        };
        manager.get_connection().execute_unprepared(statement).await?;
        Ok(())
    }
}
