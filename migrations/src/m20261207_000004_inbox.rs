//! The inbox (DESIGN.md section 20).
//!
//! - `notifications`: one row per thing someone else did that concerns a person: a reply to their
//!   comment, a comment on their post, a mention. Made in the transaction of its cause, by the
//!   server. Gone with the person it is for and with its post (a removed post's are kept but not
//!   listed, so a restore brings them back); its actor becomes `NULL` when that account goes.
//!   `comment_id` names the comment it is about, with no foreign key: a notification outlives its
//!   comment's deletion and says so (ids are never reused: every table's key is
//!   `AUTOINCREMENT`/serial). `read_at` is `NULL` while unread. `mail_pending` is set when it is
//!   made for someone who wants mail, and cleared once it is mailed, read, or the setting is
//!   turned off. Indexed for the person's list `(user_id, id)`, their unread ones and the count
//!   of them `(user_id, read_at, id)`, the post's readers when it goes `(post_id, user_id)`, the
//!   actor's cascade `(actor_id)`, and the mailer's round `(mail_pending, user_id)`.
//! - `thread_mutes`: the posts whose threads a person muted, keyed `(user_id, post_id)`, gone
//!   with either.
//! - `users.email_notifications` (off by default) and `users.notified_at`, when the last mail of
//!   notifications was sent to them (at most one per 15 minutes).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000004_inbox"
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
        let mysql = |table: &mut TableCreateStatement| {
            if backend == DatabaseBackend::MySql {
                table.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_bin");
            }
        };
        let refer = |from: Tbl, column: Col, to: Tbl, on_delete: ForeignKeyAction| {
            ForeignKey::create()
                .from(from, column)
                .to(to, Col::Id)
                .on_delete(on_delete)
                .on_update(ForeignKeyAction::Cascade)
                .to_owned()
        };

        let mut notifications = Table::create();
        notifications
            .table(Tbl::Notifications)
            .col(ColumnDef::new(Col::Id).integer().not_null().auto_increment().primary_key())
            .col(ColumnDef::new(Col::UserId).integer().not_null())
            .col(ColumnDef::new(Col::Kind).string_len(16).not_null())
            .col(ColumnDef::new(Col::ActorId).integer().null())
            .col(ColumnDef::new(Col::PostId).integer().not_null())
            .col(ColumnDef::new(Col::CommentId).integer().null())
            .col(moment(Col::CreatedAt).not_null())
            .col(moment(Col::ReadAt).null())
            .col(ColumnDef::new(Col::MailPending).boolean().not_null().default(false))
            .foreign_key(&mut refer(Tbl::Notifications, Col::UserId, Tbl::Users, ForeignKeyAction::Cascade))
            .foreign_key(&mut refer(Tbl::Notifications, Col::ActorId, Tbl::Users, ForeignKeyAction::SetNull))
            .foreign_key(&mut refer(Tbl::Notifications, Col::PostId, Tbl::Posts, ForeignKeyAction::Cascade));
        mysql(&mut notifications);
        manager.create_table(notifications.to_owned()).await?;
        let indexes: [(&str, &[Col]); 5] = [
            ("idx_notifications_user_id_id", &[Col::UserId, Col::Id]),
            ("idx_notifications_user_id_read_at_id", &[Col::UserId, Col::ReadAt, Col::Id]),
            ("idx_notifications_post_id_user_id", &[Col::PostId, Col::UserId]),
            ("idx_notifications_actor_id", &[Col::ActorId]),
            ("idx_notifications_mail_pending_user_id", &[Col::MailPending, Col::UserId]),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(Tbl::Notifications);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        let mut mutes = Table::create();
        mutes
            .table(Tbl::ThreadMutes)
            .col(ColumnDef::new(Col::UserId).integer().not_null())
            .col(ColumnDef::new(Col::PostId).integer().not_null())
            .col(moment(Col::CreatedAt).not_null())
            .primary_key(Index::create().col(Col::UserId).col(Col::PostId))
            .foreign_key(&mut refer(Tbl::ThreadMutes, Col::UserId, Tbl::Users, ForeignKeyAction::Cascade))
            .foreign_key(&mut refer(Tbl::ThreadMutes, Col::PostId, Tbl::Posts, ForeignKeyAction::Cascade));
        mysql(&mut mutes);
        manager.create_table(mutes.to_owned()).await?;
        let by_post = Index::create()
            .name("idx_thread_mutes_post_id")
            .table(Tbl::ThreadMutes)
            .col(Col::PostId)
            .to_owned();
        manager.create_index(by_post).await?;

        for column in [
            ColumnDef::new(Col::EmailNotifications).boolean().not_null().default(false).to_owned(),
            moment(Col::NotifiedAt).null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Tbl::Users).add_column(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Tbl::ThreadMutes, Tbl::Notifications] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for column in [Col::NotifiedAt, Col::EmailNotifications] {
            manager.alter_table(Table::alter().table(Tbl::Users).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Users,
    Posts,
    Notifications,
    ThreadMutes,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    UserId,
    Kind,
    ActorId,
    PostId,
    CommentId,
    CreatedAt,
    ReadAt,
    MailPending,
    EmailNotifications,
    NotifiedAt,
}
