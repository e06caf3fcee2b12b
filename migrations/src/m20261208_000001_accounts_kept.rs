//! Accounts that cannot be lost or taken (DESIGN.md section 23).
//!
//! - `users.email_verified_at`: when the address now on the account was proved to be the
//!   person's; `NULL` until then (accounts made before this migration start unverified).
//! - `users.passkey_handle`: the random WebAuthn user handle (a UUID) the person's passkeys carry,
//!   made with their first passkey; unique, `NULL` until then. Never their id or name.
//! - `email_tokens`: the links mailed to verify an address (`purpose` `verify`) or to confirm a
//!   change of address (`change`), each for the address in `email`, found by the SHA-256 of the
//!   token (`token_hash`, unique), single use (`used_at`). Gone with the person.
//! - `passkeys`: a person's passkeys. `credential_hash` is the SHA-256 of the credential id (ids
//!   may be long; the hash is what is unique), `passkey` webauthn-rs's serialised credential
//!   (public key, counter). Gone with the person.
//! - `passkey_challenges`: the state of each registration or login ceremony begun, found by the
//!   SHA-256 of its challenge, deleted by the request that finishes it (single use) and swept
//!   once expired. A registration's names its person; a login's names nobody.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000001_accounts_kept"
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
        let owned = |table: Tbl| {
            ForeignKey::create()
                .from(table, Col::UserId)
                .to(Tbl::Users, Col::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned()
        };
        let mysql = |table: &mut TableCreateStatement| {
            if backend == DatabaseBackend::MySql {
                table.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_bin");
            }
        };

        for column in [
            moment(Col::EmailVerifiedAt).null().to_owned(),
            ColumnDef::new(Col::PasskeyHandle).string_len(36).null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Tbl::Users).add_column(column).to_owned()).await?;
        }
        let handle = Index::create()
            .name("idx_users_passkey_handle")
            .table(Tbl::Users)
            .col(Col::PasskeyHandle)
            .unique()
            .to_owned();
        manager.create_index(handle).await?;

        let mut tokens = Table::create();
        tokens
            .table(Tbl::EmailTokens)
            .col(ColumnDef::new(Col::Id).integer().not_null().auto_increment().primary_key())
            .col(ColumnDef::new(Col::UserId).integer().not_null())
            .col(ColumnDef::new(Col::Purpose).string_len(16).not_null())
            .col(ColumnDef::new(Col::Email).string_len(254).not_null())
            .col(ColumnDef::new(Col::TokenHash).string_len(64).not_null().unique_key())
            .col(moment(Col::CreatedAt).not_null())
            .col(moment(Col::ExpiresAt).not_null())
            .col(moment(Col::UsedAt).null())
            .foreign_key(&mut owned(Tbl::EmailTokens));
        mysql(&mut tokens);
        manager.create_table(tokens.to_owned()).await?;
        let by_user = Index::create()
            .name("idx_email_tokens_user_id_created_at")
            .table(Tbl::EmailTokens)
            .col(Col::UserId)
            .col(Col::CreatedAt)
            .to_owned();
        manager.create_index(by_user).await?;
        let by_age = Index::create()
            .name("idx_email_tokens_created_at")
            .table(Tbl::EmailTokens)
            .col(Col::CreatedAt)
            .to_owned();
        manager.create_index(by_age).await?;

        let mut passkeys = Table::create();
        passkeys
            .table(Tbl::Passkeys)
            .col(ColumnDef::new(Col::Id).integer().not_null().auto_increment().primary_key())
            .col(ColumnDef::new(Col::UserId).integer().not_null())
            .col(ColumnDef::new(Col::Name).string_len(200).not_null())
            .col(ColumnDef::new(Col::CredentialHash).string_len(64).not_null().unique_key())
            .col(ColumnDef::new(Col::Passkey).text().not_null())
            .col(moment(Col::CreatedAt).not_null())
            .col(moment(Col::LastUsedAt).null())
            .foreign_key(&mut owned(Tbl::Passkeys));
        mysql(&mut passkeys);
        manager.create_table(passkeys.to_owned()).await?;
        let by_user =
            Index::create().name("idx_passkeys_user_id").table(Tbl::Passkeys).col(Col::UserId).to_owned();
        manager.create_index(by_user).await?;

        let mut challenges = Table::create();
        challenges
            .table(Tbl::PasskeyChallenges)
            .col(ColumnDef::new(Col::Id).integer().not_null().auto_increment().primary_key())
            .col(ColumnDef::new(Col::ChallengeHash).string_len(64).not_null().unique_key())
            .col(ColumnDef::new(Col::Purpose).string_len(16).not_null())
            .col(ColumnDef::new(Col::UserId).integer().null())
            .col(ColumnDef::new(Col::State).text().not_null())
            .col(moment(Col::CreatedAt).not_null())
            .col(moment(Col::ExpiresAt).not_null())
            .foreign_key(&mut owned(Tbl::PasskeyChallenges));
        mysql(&mut challenges);
        manager.create_table(challenges.to_owned()).await?;
        let by_age = Index::create()
            .name("idx_passkey_challenges_expires_at")
            .table(Tbl::PasskeyChallenges)
            .col(Col::ExpiresAt)
            .to_owned();
        manager.create_index(by_age).await?;
        let by_user = Index::create()
            .name("idx_passkey_challenges_user_id")
            .table(Tbl::PasskeyChallenges)
            .col(Col::UserId)
            .to_owned();
        manager.create_index(by_user).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Tbl::PasskeyChallenges, Tbl::Passkeys, Tbl::EmailTokens] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .drop_index(Index::drop().name("idx_users_passkey_handle").table(Tbl::Users).to_owned())
            .await?;
        for column in [Col::PasskeyHandle, Col::EmailVerifiedAt] {
            manager.alter_table(Table::alter().table(Tbl::Users).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    EmailTokens,
    Passkeys,
    PasskeyChallenges,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    UserId,
    Purpose,
    Email,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    Name,
    CredentialHash,
    Passkey,
    LastUsedAt,
    ChallengeHash,
    State,
    EmailVerifiedAt,
    PasskeyHandle,
}
