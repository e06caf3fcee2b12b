//! The number of shown posts (not removed), kept in a row of its own by each database itself, so
//! the homepage's `total` is one row read however many posts there are, rather than a count over
//! all of them (which grew with the table: 5 ms at 10,000 posts on PostgreSQL, and paid again
//! after every write). Lemmy keeps its site totals the same way (`site_aggregates`).
//!
//! Triggers keep `post_totals.shown` exact on every insert, delete and removal or restore, in the
//! same transaction, whatever writes the posts (the server, a bulk load, a cascade):
//! - SQLite: row triggers (foreign-key cascades fire them too).
//! - PostgreSQL: statement triggers over transition tables for inserts and deletes (one update of
//!   the row per statement, so a `COPY` of a million rows is one update), and a row trigger for
//!   removal and restore, which fires only when `removed_at` is set and its nullness changes: a
//!   vote, which updates the post's row too, never touches the total's row.
//! - MariaDB: row triggers that update the total only when it changes (a vote takes no lock on
//!   it). MariaDB fires no trigger for a cascade, so deleting an account deletes its posts by a
//!   statement of its own first (`auth::accounts::delete`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000005_post_totals"
    }
}

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE post_totals (id INTEGER NOT NULL PRIMARY KEY, shown INTEGER NOT NULL)",
    "INSERT INTO post_totals (id, shown) SELECT 1, COUNT(*) FROM posts WHERE removed_at IS NULL",
    "CREATE TRIGGER post_totals_insert AFTER INSERT ON posts WHEN new.removed_at IS NULL BEGIN
         UPDATE post_totals SET shown = shown + 1 WHERE id = 1;
     END",
    "CREATE TRIGGER post_totals_delete AFTER DELETE ON posts WHEN old.removed_at IS NULL BEGIN
         UPDATE post_totals SET shown = shown - 1 WHERE id = 1;
     END",
    "CREATE TRIGGER post_totals_update AFTER UPDATE OF removed_at ON posts
     WHEN (old.removed_at IS NULL) <> (new.removed_at IS NULL) BEGIN
         UPDATE post_totals SET shown = shown + (CASE WHEN new.removed_at IS NULL THEN 1 ELSE -1 END) WHERE id = 1;
     END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER post_totals_update",
    "DROP TRIGGER post_totals_delete",
    "DROP TRIGGER post_totals_insert",
    "DROP TABLE post_totals",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE TABLE post_totals (id INT NOT NULL PRIMARY KEY, shown BIGINT NOT NULL)",
    "INSERT INTO post_totals (id, shown) SELECT 1, COUNT(*) FROM posts WHERE removed_at IS NULL",
    "CREATE FUNCTION post_totals_added() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE n BIGINT;
     BEGIN
         SELECT COUNT(*) INTO n FROM added WHERE removed_at IS NULL;
         IF n <> 0 THEN UPDATE post_totals SET shown = shown + n WHERE id = 1; END IF;
         RETURN NULL;
     END $$",
    "CREATE FUNCTION post_totals_dropped() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE n BIGINT;
     BEGIN
         SELECT COUNT(*) INTO n FROM dropped WHERE removed_at IS NULL;
         IF n <> 0 THEN UPDATE post_totals SET shown = shown - n WHERE id = 1; END IF;
         RETURN NULL;
     END $$",
    "CREATE FUNCTION post_totals_moderated() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
         UPDATE post_totals SET shown = shown + (CASE WHEN NEW.removed_at IS NULL THEN 1 ELSE -1 END) WHERE id = 1;
         RETURN NULL;
     END $$",
    "CREATE TRIGGER post_totals_insert AFTER INSERT ON posts REFERENCING NEW TABLE AS added
     FOR EACH STATEMENT EXECUTE FUNCTION post_totals_added()",
    "CREATE TRIGGER post_totals_delete AFTER DELETE ON posts REFERENCING OLD TABLE AS dropped
     FOR EACH STATEMENT EXECUTE FUNCTION post_totals_dropped()",
    "CREATE TRIGGER post_totals_update AFTER UPDATE OF removed_at ON posts FOR EACH ROW
     WHEN ((OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL)) EXECUTE FUNCTION post_totals_moderated()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER post_totals_update ON posts",
    "DROP TRIGGER post_totals_delete ON posts",
    "DROP TRIGGER post_totals_insert ON posts",
    "DROP FUNCTION post_totals_moderated()",
    "DROP FUNCTION post_totals_dropped()",
    "DROP FUNCTION post_totals_added()",
    "DROP TABLE post_totals",
];

const MARIADB_UP: &[&str] = &[
    "CREATE TABLE post_totals (id INT NOT NULL PRIMARY KEY, shown BIGINT NOT NULL) ENGINE = InnoDB",
    "INSERT INTO post_totals (id, shown) SELECT 1, COUNT(*) FROM posts WHERE removed_at IS NULL",
    "CREATE TRIGGER post_totals_insert AFTER INSERT ON posts FOR EACH ROW
     IF NEW.removed_at IS NULL THEN
         UPDATE post_totals SET shown = shown + 1 WHERE id = 1;
     END IF",
    "CREATE TRIGGER post_totals_delete AFTER DELETE ON posts FOR EACH ROW
     IF OLD.removed_at IS NULL THEN
         UPDATE post_totals SET shown = shown - 1 WHERE id = 1;
     END IF",
    "CREATE TRIGGER post_totals_update AFTER UPDATE ON posts FOR EACH ROW
     IF (NEW.removed_at IS NULL) <> (OLD.removed_at IS NULL) THEN
         UPDATE post_totals SET shown = shown + IF(NEW.removed_at IS NULL, 1, -1) WHERE id = 1;
     END IF",
];

const MARIADB_DOWN: &[&str] = &[
    "DROP TRIGGER post_totals_update",
    "DROP TRIGGER post_totals_delete",
    "DROP TRIGGER post_totals_insert",
    "DROP TABLE post_totals",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_UP,
            DatabaseBackend::Postgres => POSTGRES_UP,
            _ => MARIADB_UP,
        };
        for statement in statements {
            manager.get_connection().execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_DOWN,
            DatabaseBackend::Postgres => POSTGRES_DOWN,
            _ => MARIADB_DOWN,
        };
        for statement in statements {
            manager.get_connection().execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
