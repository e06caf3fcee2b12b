//! Duplicates, write limits and the community's defences (DESIGN.md sections 14 and 15).
//!
//! - `posts.url_key` is the SHA-256 (hex) of the post's normalised link: fixed-width, so one
//!   index serves it on every database (MariaDB cannot index 2048 characters of utf8mb4). A
//!   migration cannot normalise a link, so the rows it keeps get `NULL` and the server fills
//!   every `NULL` before it serves (as with `posts.hotness`).
//! - `posts.removed_at`/`removed_reason` and the same on `comments`: a moderator's removal,
//!   undone by a restore. Removed rows stay, so a restore brings back everything.
//! - `users.banned_at`/`banned_until`/`ban_reason`: a ban, permanent when `banned_until` is
//!   `NULL`, over by itself once `banned_until` has passed.
//! - `flags`: one row per user and flagged post or comment (exactly one of `post_id` and
//!   `comment_id` is set), with its reason; both unique per user.
//! - `moderation_log`: append-only, without foreign keys, so an entry outlives whatever it names;
//!   the moderator's name is copied in (`NULL` for the command line).
//! - `invites`: the SHA-256 of each invitation code, never the code; who made it and who used it.
//!   Who invited whom is read from here (`used_by`).
//! - `rate_keys`: one row per key a rate limit counts under (the keys of `rate_events`), whose
//!   row lock makes the requests of one key take their turns: each counts what the one before
//!   it wrote.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000002_community"
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
        let references = |from: Tbl, col: Col, to: Tbl, on_delete: ForeignKeyAction| {
            ForeignKey::create()
                .from(from, col)
                .to(to, Col::Id)
                .on_delete(on_delete)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned()
        };

        // One column per statement: SQLite alters one thing at a time.
        let added = [
            (Tbl::Posts, ColumnDef::new(Col::UrlKey).string_len(64).null().to_owned()),
            (Tbl::Posts, timestamp(Col::RemovedAt, true)),
            (Tbl::Posts, ColumnDef::new(Col::RemovedReason).string_len(500).null().to_owned()),
            (Tbl::Comments, timestamp(Col::RemovedAt, true)),
            (Tbl::Comments, ColumnDef::new(Col::RemovedReason).string_len(500).null().to_owned()),
            (Tbl::Users, timestamp(Col::BannedAt, true)),
            (Tbl::Users, timestamp(Col::BannedUntil, true)),
            (Tbl::Users, ColumnDef::new(Col::BanReason).string_len(500).null().to_owned()),
        ];
        for (table, column) in added {
            manager.alter_table(Table::alter().table(table).add_column(column).to_owned()).await?;
        }
        index(manager, Tbl::Posts, "idx_posts_url_key", &[Col::UrlKey], false).await?;

        manager
            .create_table(
                table(Tbl::Flags)
                    .col(id())
                    .col(ColumnDef::new(Col::UserId).integer().not_null())
                    .col(ColumnDef::new(Col::PostId).integer().null())
                    .col(ColumnDef::new(Col::CommentId).integer().null())
                    .col(ColumnDef::new(Col::Reason).string_len(20).not_null())
                    .col(timestamp(Col::CreatedAt, false))
                    .foreign_key(&mut references(
                        Tbl::Flags,
                        Col::UserId,
                        Tbl::Users,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut references(
                        Tbl::Flags,
                        Col::PostId,
                        Tbl::Posts,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut references(
                        Tbl::Flags,
                        Col::CommentId,
                        Tbl::Comments,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, Tbl::Flags, "idx_flags_post_id_user_id", &[Col::PostId, Col::UserId], true).await?;
        index(manager, Tbl::Flags, "idx_flags_comment_id_user_id", &[Col::CommentId, Col::UserId], true)
            .await?;
        index(manager, Tbl::Flags, "idx_flags_user_id", &[Col::UserId], false).await?;

        manager
            .create_table(
                table(Tbl::ModerationLog)
                    .col(id())
                    .col(timestamp(Col::At, false))
                    .col(ColumnDef::new(Col::ModeratorId).integer().null())
                    .col(ColumnDef::new(Col::ModeratorUsername).string_len(30).null())
                    .col(ColumnDef::new(Col::Action).string_len(20).not_null())
                    .col(ColumnDef::new(Col::TargetType).string_len(10).not_null())
                    .col(ColumnDef::new(Col::TargetId).integer().not_null())
                    .col(ColumnDef::new(Col::TargetTitle).string_len(200).not_null())
                    .col(ColumnDef::new(Col::Reason).string_len(500).null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                table(Tbl::Invites)
                    .col(id())
                    .col(ColumnDef::new(Col::CodeHash).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(Col::UserId).integer().not_null())
                    .col(timestamp(Col::CreatedAt, false))
                    .col(timestamp(Col::ExpiresAt, false))
                    .col(timestamp(Col::UsedAt, true))
                    .col(ColumnDef::new(Col::UsedBy).integer().null())
                    .foreign_key(&mut references(
                        Tbl::Invites,
                        Col::UserId,
                        Tbl::Users,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut references(
                        Tbl::Invites,
                        Col::UsedBy,
                        Tbl::Users,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, Tbl::Invites, "idx_invites_user_id", &[Col::UserId], false).await?;
        index(manager, Tbl::Invites, "idx_invites_used_by", &[Col::UsedBy], false).await?;

        manager
            .create_table(
                table(Tbl::RateKeys)
                    .col(ColumnDef::new(Col::KeyHash).string_len(64).not_null().primary_key())
                    .col(timestamp(Col::LastAt, false))
                    .to_owned(),
            )
            .await?;
        index(manager, Tbl::RateKeys, "idx_rate_keys_last_at", &[Col::LastAt], false).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Tbl::RateKeys, Tbl::Invites, Tbl::ModerationLog, Tbl::Flags] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager.drop_index(Index::drop().name("idx_posts_url_key").table(Tbl::Posts).to_owned()).await?;
        let dropped = [
            (Tbl::Users, Col::BanReason),
            (Tbl::Users, Col::BannedUntil),
            (Tbl::Users, Col::BannedAt),
            (Tbl::Comments, Col::RemovedReason),
            (Tbl::Comments, Col::RemovedAt),
            (Tbl::Posts, Col::RemovedReason),
            (Tbl::Posts, Col::RemovedAt),
            (Tbl::Posts, Col::UrlKey),
        ];
        for (table, col) in dropped {
            manager.alter_table(Table::alter().table(table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

async fn index(
    manager: &SchemaManager<'_>,
    table: Tbl,
    name: &str,
    cols: &[Col],
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    if unique {
        stmt.unique();
    }
    for &col in cols {
        stmt.col(col);
    }
    manager.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    Posts,
    Comments,
    Flags,
    ModerationLog,
    Invites,
    RateKeys,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    UserId,
    PostId,
    CommentId,
    UrlKey,
    RemovedAt,
    RemovedReason,
    BannedAt,
    BannedUntil,
    BanReason,
    Reason,
    CreatedAt,
    At,
    ModeratorId,
    ModeratorUsername,
    Action,
    TargetType,
    TargetId,
    TargetTitle,
    CodeHash,
    ExpiresAt,
    UsedAt,
    UsedBy,
    KeyHash,
    LastAt,
}
