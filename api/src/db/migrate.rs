//! Bringing the schema up to date at start, and deriving what migrations and bulk loads leave
//! for the server to fill (the hotness of posts, their link keys, the HTML of comments).

use migration::{Migrator, MigratorTrait};
use sea_orm::{DbBackend, DbErr, TransactionTrait};

use super::Db;
use crate::storage::{Tx, comments, posts, ranking};

/// Runs pending migrations, then derives what they left; returns whether the database was brand
/// new (had none applied).
///
/// On SQLite all of it runs in one transaction: a migration that fails leaves nothing half done
/// (a table rebuild included), and only that one connection has seen the old schema (another
/// connection of the pool that had read it mid-migration could keep judging statements by it).
pub(super) async fn run(db: &Db) -> Result<bool, DbErr> {
    let pool = &db.0.pool;
    if pool.get_database_backend() == DbBackend::Sqlite {
        let txn = pool.begin().await?;
        let brand_new = Migrator::get_applied_migrations(&txn).await?.is_empty();
        Migrator::up(&txn, None).await?;
        let tx = Tx::new(txn);
        derive(&tx).await?;
        db.commit(tx, None).await?;
        return Ok(brand_new);
    }
    let brand_new = Migrator::get_applied_migrations(pool).await?.is_empty();
    Migrator::up(pool, None).await?;
    db.write(async |tx| derive(tx).await).await?;
    Ok(brand_new)
}

/// What the server derives from rows that a migration or a bulk load wrote without it.
async fn derive(tx: &Tx) -> Result<(), DbErr> {
    ranking::rank_unranked(tx).await?;
    posts::key_unkeyed(tx).await?;
    comments::render_unrendered(tx).await
}
