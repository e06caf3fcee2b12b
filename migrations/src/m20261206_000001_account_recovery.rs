//! Account recovery and two-factor login (DESIGN.md section 16), and a counter for limits on
//! requests that do not fail like logins do.
//!
//! - `users.totp_secret` is the base32 TOTP secret: set by a set-up, on once `totp_enabled_at`
//!   is set. `users.totp_last_step` is the last 30-second step a code was accepted for, so no
//!   code is accepted twice (RFC 6238 section 5.2); it only ever grows.
//! - `recovery_codes` keeps the SHA-256 of each code with `used_at`, so each works once.
//! - `password_resets` keeps the SHA-256 of each reset token, never the token. Every request
//!   that sent a mail keeps its row until the sweep, so the mails of the last hour can be
//!   counted; only the newest row of a user is live.
//! - `rate_events` is one row per counted request under a hashed key (a client address), like
//!   `login_failures`, for limits on requests that are not failed logins.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000001_account_recovery"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let timestamp = |name: Col, null: bool| -> ColumnDef {
            let mut col = ColumnDef::new(name);
            match backend {
                DatabaseBackend::MySql => col.custom(Alias::new("datetime(6)")),
                _ => col.timestamp_with_time_zone(),
            };
            if null {
                col.null()
            } else {
                col.not_null()
            };
            col
        };
        let table = |name: Tbl| -> TableCreateStatement {
            let mut stmt = Table::create();
            stmt.table(name);
            if backend == DatabaseBackend::MySql {
                stmt.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_bin");
            }
            stmt
        };
        let id = || ColumnDef::new(Col::Id).integer().not_null().auto_increment().primary_key().to_owned();
        let owned_by_user = |table: Tbl| {
            ForeignKey::create()
                .from(table, Col::UserId)
                .to(Tbl::Users, Col::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned()
        };

        // One column per statement: SQLite alters one thing at a time.
        for column in [
            ColumnDef::new(Col::TotpSecret).string_len(64).null().to_owned(),
            timestamp(Col::TotpEnabledAt, true),
            ColumnDef::new(Col::TotpLastStep).big_integer().null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Tbl::Users).add_column(column).to_owned()).await?;
        }

        manager
            .create_table(
                table(Tbl::RecoveryCodes)
                    .col(id())
                    .col(ColumnDef::new(Col::UserId).integer().not_null())
                    .col(ColumnDef::new(Col::CodeHash).string_len(64).not_null())
                    .col(timestamp(Col::UsedAt, true))
                    .foreign_key(&mut owned_by_user(Tbl::RecoveryCodes))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Tbl::RecoveryCodes,
            "idx_recovery_codes_user_id_code_hash",
            &[Col::UserId, Col::CodeHash],
        )
        .await?;

        manager
            .create_table(
                table(Tbl::PasswordResets)
                    .col(id())
                    .col(ColumnDef::new(Col::UserId).integer().not_null())
                    .col(ColumnDef::new(Col::TokenHash).string_len(64).not_null().unique_key())
                    .col(timestamp(Col::CreatedAt, false))
                    .col(timestamp(Col::ExpiresAt, false))
                    .col(timestamp(Col::UsedAt, true))
                    .foreign_key(&mut owned_by_user(Tbl::PasswordResets))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Tbl::PasswordResets,
            "idx_password_resets_user_id_created_at",
            &[Col::UserId, Col::CreatedAt],
        )
        .await?;
        index(manager, Tbl::PasswordResets, "idx_password_resets_created_at", &[Col::CreatedAt]).await?;

        manager
            .create_table(
                table(Tbl::RateEvents)
                    .col(id())
                    .col(ColumnDef::new(Col::KeyHash).string_len(64).not_null())
                    .col(timestamp(Col::At, false))
                    .to_owned(),
            )
            .await?;
        index(manager, Tbl::RateEvents, "idx_rate_events_key_hash_at", &[Col::KeyHash, Col::At]).await?;
        index(manager, Tbl::RateEvents, "idx_rate_events_at", &[Col::At]).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Tbl::RateEvents, Tbl::PasswordResets, Tbl::RecoveryCodes] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for col in [Col::TotpLastStep, Col::TotpEnabledAt, Col::TotpSecret] {
            manager.alter_table(Table::alter().table(Tbl::Users).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

async fn index(manager: &SchemaManager<'_>, table: Tbl, name: &str, cols: &[Col]) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for &col in cols {
        stmt.col(col);
    }
    manager.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    RecoveryCodes,
    PasswordResets,
    RateEvents,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    UserId,
    TotpSecret,
    TotpEnabledAt,
    TotpLastStep,
    CodeHash,
    UsedAt,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    KeyHash,
    At,
}
