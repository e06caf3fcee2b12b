//! Ranking (DESIGN.md section 11): each post's vote count and hotness, kept in its row.
//!
//! - `posts.vote_count` is kept in the same transaction as every vote and unvote, so the hot
//!   and top listings read one indexed column instead of counting votes per post.
//! - `posts.hotness` is derived from `vote_count` and `created_at` by the formula the server
//!   owns (`news::ranking::hotness`). A migration cannot run it (and SQLite has no `log10`), so
//!   the rows it keeps get `NULL`, and the server ranks every `NULL` row before it serves. The
//!   column is nullable for that reason only.
//! - Both are indexed with `id`, the tie-breaker of the hot and top listings.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000001_ranking"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            ColumnDef::new(Col::VoteCount).integer().not_null().default(0).to_owned(),
            ColumnDef::new(Col::Hotness).double().null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Tbl::Posts).add_column(column).to_owned()).await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE posts SET vote_count = (SELECT COUNT(*) FROM votes WHERE votes.post_id = posts.id)",
            )
            .await?;
        for (name, col) in
            [("idx_posts_hotness_id", Col::Hotness), ("idx_posts_vote_count_id", Col::VoteCount)]
        {
            manager
                .create_index(Index::create().name(name).table(Tbl::Posts).col(col).col(Col::Id).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_posts_hotness_id", "idx_posts_vote_count_id"] {
            manager.drop_index(Index::drop().name(name).table(Tbl::Posts).to_owned()).await?;
        }
        for col in [Col::Hotness, Col::VoteCount] {
            manager.alter_table(Table::alter().table(Tbl::Posts).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tbl {
    Posts,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Id,
    VoteCount,
    Hotness,
}
