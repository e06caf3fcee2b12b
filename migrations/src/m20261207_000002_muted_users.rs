//! Muted people (DESIGN.md section 21): one row per person and someone they muted, kept to one by
//! the primary key `(user_id, muted_id)`, which also answers "has this reader muted this author"
//! as listings leave muted authors' posts out; gone with either person. Listed most recently
//! muted first, from `(user_id, created_at)`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000002_muted_users"
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
        let person = |column: Col| {
            ForeignKey::create()
                .from(Tbl::MutedUsers, column)
                .to(Tbl::Users, Col::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned()
        };
        let mut table = Table::create();
        table
            .table(Tbl::MutedUsers)
            .col(ColumnDef::new(Col::UserId).integer().not_null())
            .col(ColumnDef::new(Col::MutedId).integer().not_null())
            .col(created_at)
            .primary_key(Index::create().col(Col::UserId).col(Col::MutedId))
            .foreign_key(&mut person(Col::UserId))
            .foreign_key(&mut person(Col::MutedId));
        if backend == DatabaseBackend::MySql {
            table.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_bin");
        }
        manager.create_table(table.to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_muted_users_user_id_created_at")
                    .table(Tbl::MutedUsers)
                    .col(Col::UserId)
                    .col(Col::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // Whoever muted a person goes with them too (the foreign key's cascade looks them up).
        manager
            .create_index(
                Index::create()
                    .name("idx_muted_users_muted_id")
                    .table(Tbl::MutedUsers)
                    .col(Col::MutedId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Tbl::MutedUsers).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    MutedUsers,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    UserId,
    MutedId,
    CreatedAt,
}
