//! The schema of Just Tech News, as append-only migrations.
//!
//! Never edit a migration that has been released: add a new one instead.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_initial_schema;
mod m20261202_000001_ranking;
mod m20261202_000002_discussion;
mod m20261206_000001_account_recovery;
mod m20261206_000002_community;
mod m20261206_000003_search;
mod m20261206_000004_changes;
mod m20261206_000005_post_totals;
mod m20261206_000006_varchar_hashes;
mod m20261207_000001_saved_and_hidden_posts;
mod m20261207_000002_muted_users;
mod m20261207_000003_tags_and_text_posts;
mod m20261207_000004_inbox;
mod m20261207_000005_api_tokens;
mod m20261208_000001_accounts_kept;
mod m20261209_000001_unread_count;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_initial_schema::Migration),
            Box::new(m20261202_000001_ranking::Migration),
            Box::new(m20261202_000002_discussion::Migration),
            Box::new(m20261206_000001_account_recovery::Migration),
            Box::new(m20261206_000002_community::Migration),
            Box::new(m20261206_000003_search::Migration),
            Box::new(m20261206_000004_changes::Migration),
            Box::new(m20261206_000005_post_totals::Migration),
            Box::new(m20261206_000006_varchar_hashes::Migration),
            Box::new(m20261207_000001_saved_and_hidden_posts::Migration),
            Box::new(m20261207_000002_muted_users::Migration),
            Box::new(m20261207_000003_tags_and_text_posts::Migration),
            Box::new(m20261207_000004_inbox::Migration),
            Box::new(m20261207_000005_api_tokens::Migration),
            Box::new(m20261208_000001_accounts_kept::Migration),
            Box::new(m20261209_000001_unread_count::Migration),
        ]
    }
}
