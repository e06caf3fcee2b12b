//! Users, posts, comments, votes, sessions and the login throttle.
//!
//! Decisions worth knowing:
//! - Every timestamp is UTC. MySQL's `timestamp` ends in 2038 and drops fractions, so there it is
//!   `datetime(6)`; PostgreSQL gets `timestamptz`; SQLite stores RFC 3339 text.
//! - Usernames are unique ignoring case through `username_key` (the lower-cased name), because a
//!   functional index is not portable across the three databases. Emails are stored lower-cased.
//! - Everything a user owns goes with the user (`ON DELETE CASCADE`), and everything a post owns
//!   goes with the post, so no orphan can be left behind by any code path.
//! - A vote's primary key is `(user_id, post_id)`: the database, not the code, keeps it to one vote
//!   per user and post.
//! - Sessions keep only the SHA-256 of the token (hex), never the token.
//! - The login throttle keeps one row per failed attempt under a hashed key, so a count over the
//!   window is an index range scan and no email address is stored for unknown accounts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000001_initial_schema"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let timestamp = |name: &'static str| -> ColumnDef {
            let mut col = ColumnDef::new(Alias::new(name));
            match backend {
                DatabaseBackend::MySql => col.custom(Alias::new("datetime(6)")),
                _ => col.timestamp_with_time_zone(),
            };
            col.not_null();
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
        let owner = |table: Tbl, column: Col, parent: Tbl| {
            ForeignKey::create()
                .from(table, column)
                .to(parent, Col::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned()
        };

        manager
            .create_table(
                table(Tbl::Users)
                    .col(id())
                    .col(ColumnDef::new(Col::Username).string_len(30).not_null())
                    .col(ColumnDef::new(Col::UsernameKey).string_len(30).not_null().unique_key())
                    .col(ColumnDef::new(Col::Email).string_len(254).not_null().unique_key())
                    .col(ColumnDef::new(Col::PasswordHash).string_len(100).not_null())
                    .col(timestamp("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                table(Tbl::Posts)
                    .col(id())
                    .col(ColumnDef::new(Col::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Col::PostUrl).string_len(2048).not_null())
                    .col(ColumnDef::new(Col::UserId).integer().not_null())
                    .col(timestamp("created_at"))
                    .col(timestamp("updated_at"))
                    .foreign_key(&mut owner(Tbl::Posts, Col::UserId, Tbl::Users))
                    .to_owned(),
            )
            .await?;
        // The homepage: newest first, ties broken by id, so pages never overlap.
        index(manager, Tbl::Posts, "idx_posts_created_at_id", &[Col::CreatedAt, Col::Id]).await?;
        // The dashboard: one author's posts, newest first.
        index(manager, Tbl::Posts, "idx_posts_user_id_created_at", &[Col::UserId, Col::CreatedAt]).await?;

        manager
            .create_table(
                table(Tbl::Comments)
                    .col(id())
                    .col(ColumnDef::new(Col::CommentText).text().not_null())
                    .col(ColumnDef::new(Col::UserId).integer().not_null())
                    .col(ColumnDef::new(Col::PostId).integer().not_null())
                    .col(timestamp("created_at"))
                    .foreign_key(&mut owner(Tbl::Comments, Col::UserId, Tbl::Users))
                    .foreign_key(&mut owner(Tbl::Comments, Col::PostId, Tbl::Posts))
                    .to_owned(),
            )
            .await?;
        // A post's comments, oldest first; also counts them.
        index(manager, Tbl::Comments, "idx_comments_post_id_created_at", &[Col::PostId, Col::CreatedAt])
            .await?;
        index(manager, Tbl::Comments, "idx_comments_user_id", &[Col::UserId]).await?;

        manager
            .create_table(
                table(Tbl::Votes)
                    .col(ColumnDef::new(Col::UserId).integer().not_null())
                    .col(ColumnDef::new(Col::PostId).integer().not_null())
                    .col(timestamp("created_at"))
                    .primary_key(Index::create().col(Col::UserId).col(Col::PostId))
                    .foreign_key(&mut owner(Tbl::Votes, Col::UserId, Tbl::Users))
                    .foreign_key(&mut owner(Tbl::Votes, Col::PostId, Tbl::Posts))
                    .to_owned(),
            )
            .await?;
        // Counting a post's votes (the primary key leads with the user).
        index(manager, Tbl::Votes, "idx_votes_post_id", &[Col::PostId]).await?;

        manager
            .create_table(
                table(Tbl::Sessions)
                    .col(id())
                    .col(ColumnDef::new(Col::TokenHash).char_len(64).not_null().unique_key())
                    .col(ColumnDef::new(Col::UserId).integer().not_null())
                    .col(timestamp("created_at"))
                    .col(timestamp("last_seen_at"))
                    .col(ColumnDef::new(Col::UserAgent).string_len(512).null())
                    .foreign_key(&mut owner(Tbl::Sessions, Col::UserId, Tbl::Users))
                    .to_owned(),
            )
            .await?;
        // A user's sessions (log out everywhere, the sessions list) and the two expiry sweeps.
        index(manager, Tbl::Sessions, "idx_sessions_user_id", &[Col::UserId]).await?;
        index(manager, Tbl::Sessions, "idx_sessions_last_seen_at", &[Col::LastSeenAt]).await?;
        index(manager, Tbl::Sessions, "idx_sessions_created_at", &[Col::CreatedAt]).await?;

        manager
            .create_table(
                table(Tbl::LoginFailures)
                    .col(id())
                    .col(ColumnDef::new(Col::KeyHash).char_len(64).not_null())
                    .col(timestamp("failed_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            Tbl::LoginFailures,
            "idx_login_failures_key_hash_failed_at",
            &[Col::KeyHash, Col::FailedAt],
        )
        .await?;
        index(manager, Tbl::LoginFailures, "idx_login_failures_failed_at", &[Col::FailedAt]).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Tbl::LoginFailures, Tbl::Sessions, Tbl::Votes, Tbl::Comments, Tbl::Posts, Tbl::Users] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn index(manager: &SchemaManager<'_>, table: Tbl, name: &str, cols: &[Col]) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(*col);
    }
    manager.create_index(stmt).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    Posts,
    Comments,
    Votes,
    Sessions,
    LoginFailures,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    Username,
    UsernameKey,
    Email,
    PasswordHash,
    Title,
    PostUrl,
    UserId,
    PostId,
    CommentText,
    CreatedAt,
    TokenHash,
    LastSeenAt,
    UserAgent,
    KeyHash,
    FailedAt,
}
