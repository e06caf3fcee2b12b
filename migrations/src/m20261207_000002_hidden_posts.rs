//! Hidden posts (DESIGN.md section 21): one row per person and post they hid from their listings,
//! shaped as `saved_posts`: kept to one by the primary key `(user_id, post_id)`, which also answers
//! "has this reader hidden this post" as a listing leaves hidden posts out; gone with either. A
//! person's hidden posts are listed most recently hidden first, from `(user_id, created_at)`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000002_hidden_posts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let mut created_at = ColumnDef::new(Col::CreatedAt);
        match backend {
            DatabaseBackend::MySql => created_at.custom(Alias::new("datetime(6)")),
            _ => created_at.timestamp_with_time_zone(),
        };
        created_at.not_null();
        let owner = |column: Col, parent: Tbl| {
            ForeignKey::create()
                .from(Tbl::HiddenPosts, column)
                .to(parent, Col::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned()
        };
        let mut table = Table::create();
        table
            .table(Tbl::HiddenPosts)
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
        // A person's hidden posts, most recently hidden first.
        manager
            .create_index(
                Index::create()
                    .name("idx_hidden_posts_user_id_created_at")
                    .table(Tbl::HiddenPosts)
                    .col(Col::UserId)
                    .col(Col::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // A post's hiders go with it (the foreign key's cascade looks them up by post).
        manager
            .create_index(
                Index::create()
                    .name("idx_hidden_posts_post_id")
                    .table(Tbl::HiddenPosts)
                    .col(Col::PostId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Tbl::HiddenPosts).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    Posts,
    HiddenPosts,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    UserId,
    PostId,
    CreatedAt,
}
