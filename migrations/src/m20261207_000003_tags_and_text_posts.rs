//! Tags and text posts (DESIGN.md section 21).
//!
//! - `tags`: the tags admins keep, by a unique `name` (2–25 of `[a-z0-9-]`, checked by the
//!   server). `post_tags`: which post has which (0–3 each), keyed `(post_id, tag_id)` and indexed
//!   `(tag_id, post_id)` for a tag's page; gone with either the post or the tag, so deleting a
//!   tag takes it off its posts in the same statement. `tag_filters`: the tags a person leaves
//!   out of their listings, keyed `(user_id, tag_id)`, gone with either.
//! - `tag_set_counts`: how many shown (not removed) posts carry each set of tags that some post
//!   carries within its own: for a post tagged `{a, b}`, the rows `(a)`, `(b)` and `(a, b)` each
//!   count it. A set is its tag ids in ascending order, `0` where it has fewer than three. Kept by
//!   the server in the unit of work of every write that changes a post's tags or whether it is
//!   shown (`storage::tags`), so that a listing without a person's filtered tags is counted by
//!   inclusion–exclusion over a few of these rows, not by reading the filtered tags' posts.
//! - `posts.body` and `posts.body_html`: a post's Markdown text and its sanitised rendering,
//!   `NULL` for a link post. A text post has no link: its `post_url` is stored as the empty
//!   string, which the storage layer reads back as none. (SQLite cannot relax a `NOT NULL` but by
//!   rebuilding `posts`, whose cascades and triggers a rebuild would fire; one representation on
//!   every backend keeps every query alike.) Its `url_key` and `site` stay `NULL`: it is no link
//!   to compare or search by domain.
//! - Search (migration `m20261206_000003_search`) indexes the text beside the title and site:
//!   SQLite's FTS table is made again with a `body` column, PostgreSQL's generated column is
//!   made again over the text too, MariaDB's search table gains `body` in its `FULLTEXT` index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000003_tags_and_text_posts"
    }
}

const SQLITE_SEARCH: &[&str] = &[
    "DROP TRIGGER post_search_delete",
    "DROP TRIGGER post_search_update",
    "DROP TRIGGER post_search_insert",
    "DROP TABLE post_search",
    "CREATE VIRTUAL TABLE post_search USING fts5(title, site, body, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER post_search_insert AFTER INSERT ON posts WHEN new.removed_at IS NULL BEGIN
         INSERT INTO post_search (rowid, title, site, body)
             VALUES (new.id, new.title, coalesce(new.site, ''), coalesce(new.body, ''));
     END",
    "CREATE TRIGGER post_search_update AFTER UPDATE OF title, site, body, removed_at ON posts BEGIN
         DELETE FROM post_search WHERE rowid = old.id;
         INSERT INTO post_search (rowid, title, site, body)
             SELECT new.id, new.title, coalesce(new.site, ''), coalesce(new.body, '') WHERE new.removed_at IS NULL;
     END",
    "CREATE TRIGGER post_search_delete AFTER DELETE ON posts BEGIN
         DELETE FROM post_search WHERE rowid = old.id;
     END",
    "INSERT INTO post_search (rowid, title, site, body)
         SELECT id, title, coalesce(site, ''), coalesce(body, '') FROM posts WHERE removed_at IS NULL",
];

const POSTGRES_SEARCH: &[&str] = &[
    // Dropping the column drops its index.
    "ALTER TABLE posts DROP COLUMN search",
    "ALTER TABLE posts ADD COLUMN search tsvector GENERATED ALWAYS AS (
         to_tsvector('simple'::regconfig,
             regexp_replace(title || ' ' || coalesce(site, '') || ' ' || coalesce(body, ''), '[^[:alnum:]]+', ' ', 'g'))
     ) STORED",
    "CREATE INDEX posts_search ON posts USING GIN (search)",
];

/// MariaDB's words: punctuation and symbols become spaces before the index sees the text.
macro_rules! mariadb_words {
    ($column:literal) => {
        concat!("REGEXP_REPLACE(", $column, ", '[\\\\p{P}\\\\p{S}]+', ' ')")
    };
}

const MARIADB_SEARCH: &[&str] = &[
    "DROP TRIGGER post_search_update",
    "DROP TRIGGER post_search_insert",
    "ALTER TABLE post_search ADD COLUMN body TEXT NOT NULL DEFAULT ''",
    "SET STATEMENT innodb_ft_enable_stopword = OFF FOR
         ALTER TABLE post_search DROP INDEX post_search_words, ADD FULLTEXT KEY post_search_words (title, site, body)",
    concat!(
        "CREATE TRIGGER post_search_insert AFTER INSERT ON posts FOR EACH ROW
         INSERT INTO post_search (post_id, title, site, body)
             SELECT NEW.id, ",
        mariadb_words!("NEW.title"),
        ", ",
        mariadb_words!("COALESCE(NEW.site, '')"),
        ", ",
        mariadb_words!("COALESCE(NEW.body, '')"),
        " FROM DUAL WHERE NEW.removed_at IS NULL"
    ),
    concat!(
        "CREATE TRIGGER post_search_update AFTER UPDATE ON posts FOR EACH ROW
         IF NOT (NEW.title <=> OLD.title AND NEW.site <=> OLD.site AND NEW.body <=> OLD.body
                 AND NEW.removed_at <=> OLD.removed_at) THEN
             DELETE FROM post_search WHERE post_id = OLD.id;
             INSERT INTO post_search (post_id, title, site, body)
                 SELECT NEW.id, ",
        mariadb_words!("NEW.title"),
        ", ",
        mariadb_words!("COALESCE(NEW.site, '')"),
        ", ",
        mariadb_words!("COALESCE(NEW.body, '')"),
        " FROM DUAL WHERE NEW.removed_at IS NULL;
         END IF"
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mysql = |table: &mut TableCreateStatement| {
            if backend == DatabaseBackend::MySql {
                table.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_bin");
            }
        };
        let cascade = |from: Tbl, column: Col, to: Tbl| {
            ForeignKey::create()
                .from(from, column)
                .to(to, Col::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned()
        };

        let mut created_at = ColumnDef::new(Col::CreatedAt);
        match backend {
            DatabaseBackend::MySql => created_at.custom(Alias::new("datetime(6)")),
            _ => created_at.timestamp_with_time_zone(),
        };
        created_at.not_null();
        let mut tags = Table::create();
        tags.table(Tbl::Tags)
            .col(ColumnDef::new(Col::Id).integer().not_null().auto_increment().primary_key())
            .col(ColumnDef::new(Col::Name).string_len(25).not_null().unique_key())
            .col(ColumnDef::new(Col::Description).string_len(200).not_null())
            .col(created_at);
        mysql(&mut tags);
        manager.create_table(tags.to_owned()).await?;

        // Two tables of pairs, each keyed by both and gone with either, and indexed by tag: a
        // tag's posts (its page and its count), and what goes with a deleted tag (the foreign
        // keys' cascades look the rows up by tag).
        let pairs = [
            (Tbl::PostTags, Col::PostId, Tbl::Posts, "idx_post_tags_tag_id_post_id"),
            (Tbl::TagFilters, Col::UserId, Tbl::Users, "idx_tag_filters_tag_id_user_id"),
        ];
        for (name, owner, parent, by_tag) in pairs {
            let mut table = Table::create();
            table
                .table(name)
                .col(ColumnDef::new(owner).integer().not_null())
                .col(ColumnDef::new(Col::TagId).integer().not_null())
                .primary_key(Index::create().col(owner).col(Col::TagId))
                .foreign_key(&mut cascade(name, owner, parent))
                .foreign_key(&mut cascade(name, Col::TagId, Tbl::Tags));
            mysql(&mut table);
            manager.create_table(table.to_owned()).await?;
            let index = Index::create().name(by_tag).table(name).col(Col::TagId).col(owner).to_owned();
            manager.create_index(index).await?;
        }

        let mut counts = Table::create();
        counts
            .table(Tbl::TagSetCounts)
            .col(ColumnDef::new(Col::TagA).integer().not_null())
            .col(ColumnDef::new(Col::TagB).integer().not_null())
            .col(ColumnDef::new(Col::TagC).integer().not_null())
            .col(ColumnDef::new(Col::Shown).big_integer().not_null())
            .primary_key(Index::create().col(Col::TagA).col(Col::TagB).col(Col::TagC));
        mysql(&mut counts);
        manager.create_table(counts.to_owned()).await?;

        for column in [Col::Body, Col::BodyHtml] {
            let mut def = ColumnDef::new(column);
            match backend {
                // The rendering of 10,000 characters may pass `TEXT`'s 64 KiB.
                DatabaseBackend::MySql => def.custom(Alias::new("mediumtext")),
                _ => def.text(),
            };
            def.null();
            manager.alter_table(Table::alter().table(Tbl::Posts).add_column(def).to_owned()).await?;
        }

        let statements = match backend {
            DatabaseBackend::Sqlite => SQLITE_SEARCH,
            DatabaseBackend::Postgres => POSTGRES_SEARCH,
            _ => MARIADB_SEARCH,
        };
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Text posts cannot be made link posts again: going back would lose them.
        Err(DbErr::Migration("tags and text posts cannot be undone without losing text posts".into()))
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    Posts,
    Tags,
    PostTags,
    TagFilters,
    TagSetCounts,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    Name,
    Description,
    CreatedAt,
    PostId,
    TagId,
    UserId,
    Body,
    BodyHtml,
    TagA,
    TagB,
    TagC,
    Shown,
}
