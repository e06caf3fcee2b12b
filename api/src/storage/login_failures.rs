//! Failed logins (DESIGN.md section 5), one row per failure and key (an account, a client
//! address), under the SHA-256 of the key, so the table never holds an address in the clear.
//! Nothing cached shows them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, Func},
};

use super::{Tx, limits::Window};
use crate::entities::login_failure;

/// The failures counted under `key_hash` after `since`.
pub async fn window(
    conn: &impl ConnectionTrait,
    key_hash: &str,
    since: DateTime<Utc>,
) -> Result<Window, DbErr> {
    let window = login_failure::Entity::find()
        .select_only()
        .column_as(Expr::from(Func::count(Expr::col(login_failure::Column::Id))), "count")
        .column_as(Expr::from(Func::min(Expr::col(login_failure::Column::FailedAt))), "oldest")
        .filter(login_failure::Column::KeyHash.eq(key_hash))
        .filter(login_failure::Column::FailedAt.gt(since))
        .into_model::<Window>()
        .one(conn)
        .await?;
    Ok(window.unwrap_or(Window { count: 0, oldest: None }))
}

/// Counts one failure under each of `key_hashes`.
pub async fn record(tx: &Tx, key_hashes: &[&str], now: DateTime<Utc>) -> Result<(), DbErr> {
    let rows = key_hashes.iter().map(|key| login_failure::ActiveModel {
        key_hash: Set((*key).to_owned()),
        failed_at: Set(now),
        ..Default::default()
    });
    login_failure::Entity::insert_many(rows).exec_without_returning(tx).await?;
    Ok(())
}

/// Forgets every failure counted under `key_hash`.
pub async fn clear(tx: &Tx, key_hash: &str) -> Result<(), DbErr> {
    login_failure::Entity::delete_many().filter(login_failure::Column::KeyHash.eq(key_hash)).exec(tx).await?;
    Ok(())
}

/// Deletes failures made at or before `failed_by`; returns how many.
pub async fn sweep(tx: &Tx, failed_by: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = login_failure::Entity::delete_many()
        .filter(login_failure::Column::FailedAt.lte(failed_by))
        .exec(tx)
        .await?;
    Ok(result.rows_affected)
}
