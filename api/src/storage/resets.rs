//! Password resets (DESIGN.md section 16): one row per link mailed, holding only the SHA-256 of
//! its token. A user's newest row is the only one that can be live. Nothing cached shows them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::Expr,
};

use super::{Tx, accounts};
use crate::{domain::SessionToken as ResetToken, entities::password_reset};

/// Makes a reset of `user`'s password, valid until `expires_at`, unless `max` were made since
/// `since` already (`None`). The user's row is locked first, so requests racing for the last
/// place take turns on any instance: the limit is never exceeded.
pub async fn create(
    tx: &Tx,
    user: i32,
    since: DateTime<Utc>,
    max: u64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Option<ResetToken>, DbErr> {
    accounts::lock(tx, user).await?;
    let made = password_reset::Entity::find()
        .filter(password_reset::Column::UserId.eq(user))
        .filter(password_reset::Column::CreatedAt.gt(since))
        .count(tx)
        .await?;
    if made >= max {
        return Ok(None);
    }
    let token = ResetToken::generate();
    let row = password_reset::ActiveModel {
        user_id: Set(user),
        token_hash: Set(token.hash()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        ..Default::default()
    };
    password_reset::Entity::insert(row).exec_without_returning(tx).await?;
    Ok(Some(token))
}

/// The live reset whose token is `raw`, if any: well-formed, known, unused, unexpired, and the
/// newest of its user's.
pub async fn live(
    conn: &impl ConnectionTrait,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<Option<password_reset::Model>, DbErr> {
    let Some(token) = ResetToken::parse(raw) else { return Ok(None) };
    let Some(reset) = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(token.hash()))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let newer = password_reset::Entity::find()
        .filter(password_reset::Column::UserId.eq(reset.user_id))
        .filter(password_reset::Column::Id.gt(reset.id))
        .count(conn)
        .await?;
    Ok((newer == 0).then_some(reset))
}

/// Spends the reset: `false` if it was spent meanwhile (two confirmations racing: one wins).
pub async fn spend(tx: &Tx, id: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(now))
        .filter(password_reset::Column::Id.eq(id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes resets made at or before `made_by`; returns how many.
pub async fn sweep(tx: &Tx, made_by: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = password_reset::Entity::delete_many()
        .filter(password_reset::Column::CreatedAt.lte(made_by))
        .exec(tx)
        .await?;
    Ok(result.rows_affected)
}
