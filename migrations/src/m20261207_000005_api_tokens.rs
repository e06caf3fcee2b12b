//! Personal API tokens and private feeds (DESIGN.md section 22).
//!
//! - `api_tokens`: a person's tokens for programs, found by the SHA-256 of the secret
//!   (`token_hash`, unique), never by the secret itself, which is shown once and not kept.
//!   `scopes` is `read`, `write` or `read,write`; `expires_at` is `NULL` for a token that does not
//!   expire; `last_used_at`, kept to the minute, is `NULL` until it is first used. Gone with the
//!   person.
//! - `users.feed_token_hash`: the SHA-256 of the secret in the person's private feed URLs, unique,
//!   `NULL` while they have none.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000005_api_tokens"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let moment = |column: Col| {
            let mut def = ColumnDef::new(column);
            match backend {
                DatabaseBackend::MySql => def.custom(Alias::new("datetime(6)")),
                _ => def.timestamp_with_time_zone(),
            };
            def
        };
        let mut tokens = Table::create();
        tokens
            .table(Tbl::ApiTokens)
            .col(ColumnDef::new(Col::Id).integer().not_null().auto_increment().primary_key())
            .col(ColumnDef::new(Col::UserId).integer().not_null())
            .col(ColumnDef::new(Col::Name).string_len(200).not_null())
            .col(ColumnDef::new(Col::TokenHash).string_len(64).not_null().unique_key())
            .col(ColumnDef::new(Col::Scopes).string_len(16).not_null())
            .col(moment(Col::CreatedAt).not_null())
            .col(moment(Col::ExpiresAt).null())
            .col(moment(Col::LastUsedAt).null())
            .foreign_key(
                ForeignKey::create()
                    .from(Tbl::ApiTokens, Col::UserId)
                    .to(Tbl::Users, Col::Id)
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::Cascade),
            );
        if backend == DatabaseBackend::MySql {
            tokens.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_bin");
        }
        manager.create_table(tokens.to_owned()).await?;
        let by_user =
            Index::create().name("idx_api_tokens_user_id").table(Tbl::ApiTokens).col(Col::UserId).to_owned();
        manager.create_index(by_user).await?;

        let feed = ColumnDef::new(Col::FeedTokenHash).string_len(64).null().to_owned();
        manager.alter_table(Table::alter().table(Tbl::Users).add_column(feed).to_owned()).await?;
        let unique = Index::create()
            .name("idx_users_feed_token_hash")
            .table(Tbl::Users)
            .col(Col::FeedTokenHash)
            .unique()
            .to_owned();
        manager.create_index(unique).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_users_feed_token_hash").table(Tbl::Users).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Tbl::Users).drop_column(Col::FeedTokenHash).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Tbl::ApiTokens).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    ApiTokens,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    UserId,
    Name,
    TokenHash,
    Scopes,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    FeedTokenHash,
}
