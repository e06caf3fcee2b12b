//! Discussion and people (DESIGN.md sections 12 and 13): threaded, editable, Markdown comments
//! whose place in a thread outlives their deletion, and a role per account.
//!
//! - `comments.parent_id` (null at top level) references the comment answered, on the same
//!   post; `depth` is 0 at top level and at most 8, kept in the row so a reply is checked
//!   without walking up the thread. Deleting a post still cascades through every level.
//! - `comments.deleted` marks the placeholder of a deleted comment that has replies: no text,
//!   no author (`user_id` becomes nullable for it), its place in the thread kept.
//! - `comments.updated_at` is null until the comment is edited.
//! - `comments.comment_html` is the sanitised rendering of the Markdown text. A migration
//!   cannot render Markdown, so the rows it keeps get `NULL` and the server renders every `NULL`
//!   row before it serves (as with `posts.hotness`); the column is nullable for that reason only.
//! - `users.role` is `user`, `moderator` or `admin` (section 15).
//!
//! SQLite can neither make a column nullable nor add a foreign key to a table, so there the
//! comments table is rebuilt under its own name with every row and index; the servers alter it
//! in place.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000002_discussion"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => rebuild_sqlite(manager, Shape::Discussion).await?,
            DatabaseBackend::Postgres => {
                conn.execute_unprepared(
                    "ALTER TABLE comments \
                     ALTER COLUMN user_id DROP NOT NULL, \
                     ADD COLUMN parent_id integer NULL REFERENCES comments (id) ON DELETE CASCADE ON UPDATE CASCADE, \
                     ADD COLUMN depth integer NOT NULL DEFAULT 0, \
                     ADD COLUMN updated_at timestamp with time zone NULL, \
                     ADD COLUMN deleted boolean NOT NULL DEFAULT FALSE, \
                     ADD COLUMN comment_html text NULL",
                )
                .await?;
            }
            DatabaseBackend::MySql => {
                conn.execute_unprepared(
                    "ALTER TABLE comments \
                     MODIFY user_id int NULL, \
                     ADD COLUMN parent_id int NULL, \
                     ADD COLUMN depth int NOT NULL DEFAULT 0, \
                     ADD COLUMN updated_at datetime(6) NULL, \
                     ADD COLUMN deleted bool NOT NULL DEFAULT FALSE, \
                     ADD COLUMN comment_html text NULL, \
                     ADD CONSTRAINT fk_comments_parent_id FOREIGN KEY (parent_id) REFERENCES comments (id) \
                       ON DELETE CASCADE ON UPDATE CASCADE",
                )
                .await?;
            }
            other => return Err(unsupported(other)),
        }
        if manager.get_database_backend() != DatabaseBackend::Sqlite {
            manager.create_index(replies_index()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Tbl::Users)
                    .add_column(ColumnDef::new(Col::Role).string_len(16).not_null().default("user"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        manager.alter_table(Table::alter().table(Tbl::Users).drop_column(Col::Role).to_owned()).await?;
        // Placeholders have no author to give back; their replies stay, as top-level comments.
        conn.execute_unprepared("UPDATE comments SET parent_id = NULL").await?;
        conn.execute_unprepared("DELETE FROM comments WHERE user_id IS NULL").await?;
        manager
            .drop_index(Index::drop().name("idx_comments_parent_id").table(Tbl::Comments).to_owned())
            .await?;
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                rebuild_sqlite(manager, Shape::Initial).await?;
                Ok(())
            }
            DatabaseBackend::Postgres => {
                conn.execute_unprepared(
                    "ALTER TABLE comments DROP COLUMN parent_id, DROP COLUMN depth, DROP COLUMN updated_at, \
                     DROP COLUMN deleted, DROP COLUMN comment_html, ALTER COLUMN user_id SET NOT NULL",
                )
                .await?;
                Ok(())
            }
            DatabaseBackend::MySql => {
                conn.execute_unprepared(
                    "ALTER TABLE comments DROP FOREIGN KEY fk_comments_parent_id, DROP COLUMN parent_id, \
                     DROP COLUMN depth, DROP COLUMN updated_at, DROP COLUMN deleted, DROP COLUMN comment_html, \
                     MODIFY user_id int NOT NULL",
                )
                .await?;
                Ok(())
            }
            other => Err(unsupported(other)),
        }
    }
}

fn unsupported(backend: DatabaseBackend) -> DbErr {
    DbErr::Migration(format!("no comments migration for {backend:?}"))
}

/// The comments table before this migration, or after it.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Initial,
    Discussion,
}

/// Rebuilds SQLite's comments table in `shape` under its own name, keeping every row (and, going
/// back, every row that has an author) and its indexes.
async fn rebuild_sqlite(manager: &SchemaManager<'_>, shape: Shape) -> Result<(), DbErr> {
    let fk = |column: Col, parent: Tbl| {
        ForeignKey::create()
            .from(Tbl::CommentsNew, column)
            .to(parent, Col::Id)
            .on_delete(ForeignKeyAction::Cascade)
            .on_update(ForeignKeyAction::Cascade)
            .to_owned()
    };
    let mut user_id = ColumnDef::new(Col::UserId);
    user_id.integer();
    let mut table = Table::create();
    table
        .table(Tbl::CommentsNew)
        .col(ColumnDef::new(Col::Id).integer().not_null().auto_increment().primary_key())
        .col(ColumnDef::new(Col::CommentText).text().not_null())
        .col(if shape == Shape::Initial { user_id.not_null() } else { user_id.null() })
        .col(ColumnDef::new(Col::PostId).integer().not_null())
        .col(ColumnDef::new(Col::CreatedAt).timestamp_with_time_zone().not_null())
        .foreign_key(&mut fk(Col::UserId, Tbl::Users))
        .foreign_key(&mut fk(Col::PostId, Tbl::Posts));
    if shape == Shape::Discussion {
        table
            .col(ColumnDef::new(Col::ParentId).integer().null())
            .col(ColumnDef::new(Col::Depth).integer().not_null().default(0))
            .col(ColumnDef::new(Col::UpdatedAt).timestamp_with_time_zone().null())
            .col(ColumnDef::new(Col::Deleted).boolean().not_null().default(false))
            .col(ColumnDef::new(Col::CommentHtml).text().null())
            .foreign_key(&mut fk(Col::ParentId, Tbl::CommentsNew));
    }
    let mut indexes = vec![
        index("idx_comments_post_id_created_at", &[Col::PostId, Col::CreatedAt]),
        index("idx_comments_user_id", &[Col::UserId]),
    ];
    if shape == Shape::Discussion {
        indexes.push(replies_index());
    }
    let conn = manager.get_connection();
    conn.execute(&table).await?;
    conn.execute_unprepared(
        "INSERT INTO comments_new (id, comment_text, user_id, post_id, created_at) \
         SELECT id, comment_text, user_id, post_id, created_at FROM comments WHERE user_id IS NOT NULL",
    )
    .await?;
    conn.execute_unprepared("DROP TABLE comments").await?;
    conn.execute_unprepared("ALTER TABLE comments_new RENAME TO comments").await?;
    for index in indexes {
        conn.execute(&index).await?;
    }
    Ok(())
}

/// A comment's replies.
fn replies_index() -> IndexCreateStatement {
    index("idx_comments_parent_id", &[Col::ParentId])
}

fn index(name: &str, cols: &[Col]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(Tbl::Comments);
    for &col in cols {
        stmt.col(col);
    }
    stmt
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    Posts,
    Comments,
    CommentsNew,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    CommentText,
    UserId,
    PostId,
    CreatedAt,
    ParentId,
    Depth,
    UpdatedAt,
    Deleted,
    CommentHtml,
    Role,
}
