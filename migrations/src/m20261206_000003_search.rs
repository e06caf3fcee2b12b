//! Search (DESIGN.md section 17): each database's own full-text index over every shown post's
//! title and site, kept exact by the database itself with every write.
//!
//! - `posts.site`: the link's host, lower-cased, without a leading `www.` — what `domain:`
//!   compares and what the index holds beside the title. A migration cannot parse a link, so the
//!   rows it keeps get `NULL` and the server fills every `NULL` before it serves (as with
//!   `posts.url_key`). A post's link never changes, so neither does its site.
//! - SQLite: an FTS5 table `post_search` (rowid = post id), with triggers that keep it equal to
//!   the shown posts on every insert, retitle, removal, restore and delete (cascades included).
//! - PostgreSQL: a stored generated `tsvector` column `posts.search` with a GIN index; a removed
//!   post is left out by the query (`removed_at IS NULL`), since the column cannot see it.
//! - MariaDB: a `post_search` table with a `FULLTEXT` index, case- and accent-insensitive
//!   (`utf8mb4_unicode_ci`, where `posts` is `utf8mb4_bin`), kept by triggers; its rows go with
//!   their post by a cascading foreign key (MariaDB fires no trigger for a cascade). Built with
//!   stopwords off, so no word is unsearchable.
//!
//! Every backend indexes words as runs of letters and digits: punctuation and symbols separate
//! words (`rust-lang.org` is `rust lang org`), as the query side splits them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000003_search"
    }
}

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE post_search USING fts5(title, site, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER post_search_insert AFTER INSERT ON posts WHEN new.removed_at IS NULL BEGIN
         INSERT INTO post_search (rowid, title, site) VALUES (new.id, new.title, coalesce(new.site, ''));
     END",
    "CREATE TRIGGER post_search_update AFTER UPDATE OF title, site, removed_at ON posts BEGIN
         DELETE FROM post_search WHERE rowid = old.id;
         INSERT INTO post_search (rowid, title, site)
             SELECT new.id, new.title, coalesce(new.site, '') WHERE new.removed_at IS NULL;
     END",
    "CREATE TRIGGER post_search_delete AFTER DELETE ON posts BEGIN
         DELETE FROM post_search WHERE rowid = old.id;
     END",
    "INSERT INTO post_search (rowid, title, site)
         SELECT id, title, coalesce(site, '') FROM posts WHERE removed_at IS NULL",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER post_search_delete",
    "DROP TRIGGER post_search_update",
    "DROP TRIGGER post_search_insert",
    "DROP TABLE post_search",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE posts ADD COLUMN search tsvector GENERATED ALWAYS AS (
         to_tsvector('simple'::regconfig,
             regexp_replace(title || ' ' || coalesce(site, ''), '[^[:alnum:]]+', ' ', 'g'))
     ) STORED",
    "CREATE INDEX posts_search ON posts USING GIN (search)",
];

const POSTGRES_DOWN: &[&str] = &["DROP INDEX posts_search", "ALTER TABLE posts DROP COLUMN search"];

/// MariaDB's words: punctuation and symbols become spaces before the index sees the text.
macro_rules! mariadb_words {
    ($column:literal) => {
        concat!("REGEXP_REPLACE(", $column, ", '[\\\\p{P}\\\\p{S}]+', ' ')")
    };
}

const MARIADB_UP: &[&str] = &[
    "SET STATEMENT innodb_ft_enable_stopword = OFF FOR CREATE TABLE post_search (
         post_id INT NOT NULL PRIMARY KEY,
         title VARCHAR(1000) NOT NULL,
         site VARCHAR(255) NOT NULL,
         FULLTEXT KEY post_search_words (title, site),
         CONSTRAINT post_search_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
     ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci",
    concat!(
        "CREATE TRIGGER post_search_insert AFTER INSERT ON posts FOR EACH ROW
         INSERT INTO post_search (post_id, title, site)
             SELECT NEW.id, ",
        mariadb_words!("NEW.title"),
        ", ",
        mariadb_words!("COALESCE(NEW.site, '')"),
        " FROM DUAL WHERE NEW.removed_at IS NULL"
    ),
    concat!(
        "CREATE TRIGGER post_search_update AFTER UPDATE ON posts FOR EACH ROW
         IF NOT (NEW.title <=> OLD.title AND NEW.site <=> OLD.site AND NEW.removed_at <=> OLD.removed_at) THEN
             DELETE FROM post_search WHERE post_id = OLD.id;
             INSERT INTO post_search (post_id, title, site)
                 SELECT NEW.id, ",
        mariadb_words!("NEW.title"),
        ", ",
        mariadb_words!("COALESCE(NEW.site, '')"),
        " FROM DUAL WHERE NEW.removed_at IS NULL;
         END IF"
    ),
    concat!(
        "INSERT INTO post_search (post_id, title, site) SELECT id, ",
        mariadb_words!("title"),
        ", ",
        mariadb_words!("COALESCE(site, '')"),
        " FROM posts WHERE removed_at IS NULL"
    ),
];

const MARIADB_DOWN: &[&str] =
    &["DROP TRIGGER post_search_update", "DROP TRIGGER post_search_insert", "DROP TABLE post_search"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .alter_table(
                Table::alter()
                    .table(Tbl::Posts)
                    .add_column(ColumnDef::new(Col::Site).string_len(255).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("posts_site")
                    .table(Tbl::Posts)
                    .col(Col::Site)
                    .col(Col::CreatedAt)
                    .to_owned(),
            )
            .await?;
        let statements = match backend {
            DatabaseBackend::Sqlite => SQLITE_UP,
            DatabaseBackend::Postgres => POSTGRES_UP,
            _ => MARIADB_UP,
        };
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_DOWN,
            DatabaseBackend::Postgres => POSTGRES_DOWN,
            _ => MARIADB_DOWN,
        };
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        manager.drop_index(Index::drop().name("posts_site").table(Tbl::Posts).to_owned()).await?;
        manager.alter_table(Table::alter().table(Tbl::Posts).drop_column(Col::Site).to_owned()).await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tbl {
    Posts,
}

#[derive(DeriveIden)]
enum Col {
    Site,
    CreatedAt,
}
