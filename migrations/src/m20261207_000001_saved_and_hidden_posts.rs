//! Saved and hidden posts (DESIGN.md section 21): `saved_posts` and `hidden_posts`, one shape,
//! one row per person and post they saved (or hid from their listings), kept to one by the
//! primary key `(user_id, post_id)` (which also answers "has this reader hidden this post" as a
//! listing leaves hidden posts out), gone with either. Each is listed most recently marked first,
//! from the index on `(user_id, created_at)`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000001_saved_and_hidden_posts"
    }
}

/// The two tables, each with the names of its two indexes.
const TABLES: [(Tbl, &str, &str); 2] = [
    (Tbl::SavedPosts, "idx_saved_posts_user_id_created_at", "idx_saved_posts_post_id"),
    (Tbl::HiddenPosts, "idx_hidden_posts_user_id_created_at", "idx_hidden_posts_post_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        for (name, by_user, by_post) in TABLES {
            let mut created_at = ColumnDef::new(Col::CreatedAt);
            match backend {
                DatabaseBackend::MySql => created_at.custom(Alias::new("datetime(6)")),
                _ => created_at.timestamp_with_time_zone(),
            };
            created_at.not_null();
            let owner = |column: Col, parent: Tbl| {
                ForeignKey::create()
                    .from(name, column)
                    .to(parent, Col::Id)
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::Cascade)
                    .to_owned()
            };
            let mut table = Table::create();
            table
                .table(name)
                .col(ColumnDef::new(Col::UserId).integer().not_null())
                .col(ColumnDef::new(Col::PostId).integer().not_null())
                .col(created_at)
                .primary_key(Index::create().col(Col::UserId).col(Col::PostId))
                .foreign_key(&mut owner(Col::UserId, Tbl::Users))
                .foreign_key(&mut owner(Col::PostId, Tbl::Posts));
            if backend == DatabaseBackend::MySql {
                table.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_bin");
            }
            manager.create_table(table.to_owned()).await?;
            // A person's marked posts, most recently marked first.
            let index =
                Index::create().name(by_user).table(name).col(Col::UserId).col(Col::CreatedAt).to_owned();
            manager.create_index(index).await?;
            // A post's rows go with it (the foreign key's cascade looks them up by post).
            manager
                .create_index(Index::create().name(by_post).table(name).col(Col::PostId).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _, _) in TABLES {
            manager.drop_table(Table::drop().table(name).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    Posts,
    SavedPosts,
    HiddenPosts,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    UserId,
    PostId,
    CreatedAt,
}
