//! `sessions.token_hash` and `login_failures.key_hash` become `VARCHAR(64)` on PostgreSQL. They
//! were `CHAR(64)` (`bpchar`), and a driver binds a string as `text`: comparing the column with a
//! `text` parameter casts the column, so the unique index on `token_hash` could not be used and
//! every request's session lookup read the whole sessions table (the benchmark's logged-in
//! requests got slower with every login). The hashes are always 64 hex digits, so nothing
//! changes but the type. SQLite has no such types, and MariaDB compares `CHAR` with a string
//! parameter through the index, so both are left as they are.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000006_varchar_hashes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE sessions ALTER COLUMN token_hash TYPE VARCHAR(64)").await?;
        db.execute_unprepared("ALTER TABLE login_failures ALTER COLUMN key_hash TYPE VARCHAR(64)").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE sessions ALTER COLUMN token_hash TYPE CHAR(64)").await?;
        db.execute_unprepared("ALTER TABLE login_failures ALTER COLUMN key_hash TYPE CHAR(64)").await?;
        Ok(())
    }
}
