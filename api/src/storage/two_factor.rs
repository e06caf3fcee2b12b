//! Two-factor login's rows (DESIGN.md section 16).
//!
//! - A set-up stores a fresh secret in `users.totp_secret`; two-factor is on only once a code
//!   made from it has been confirmed (`totp_enabled_at`).
//! - No code is accepted twice (RFC 6238 section 5.2): `users.totp_last_step` is the last step
//!   a code was accepted for, moved forward by one conditional `UPDATE`, so two logins racing
//!   with one code (on any instances) cannot both win.
//! - Recovery codes are stored as SHA-256 with the user's id; spending one is one conditional
//!   `UPDATE` too.
//!
//! Nothing cached shows any of it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, sea_query::Expr,
};

use super::{Change, Tx, accounts::Account};
use crate::{
    domain::{Factor, TotpSecret, new_recovery_codes, recovery_hash},
    entities::{recovery_code, user},
};

/// Whether `account` has two-factor login on.
pub fn is_on(account: &Account) -> bool {
    account.totp_enabled_at.is_some()
}

/// Checks and spends `factor` for `account` (whose two-factor login is on): a TOTP code's step
/// can never be used again, a recovery code never again at all.
pub async fn spend(
    tx: &Tx,
    account: &Account,
    factor: Factor<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    match factor {
        Factor::Totp(code) => {
            let Some(secret) = account.totp_secret.as_deref().filter(|_| is_on(account)) else {
                return Ok(false);
            };
            match TotpSecret::stored(secret).step_of(code, now) {
                Some(step) => spend_step(tx, account.id, step).await,
                None => Ok(false),
            }
        }
        Factor::Recovery(code) => {
            let Some(hash) = recovery_hash(account.id, code) else { return Ok(false) };
            // The profile counts the codes left.
            tx.changed(Change::Person(account.id));
            let spent = recovery_code::Entity::update_many()
                .col_expr(recovery_code::Column::UsedAt, Expr::value(now))
                .filter(recovery_code::Column::UserId.eq(account.id))
                .filter(recovery_code::Column::CodeHash.eq(hash))
                .filter(recovery_code::Column::UsedAt.is_null())
                .exec(tx)
                .await?;
            Ok(spent.rows_affected == 1)
        }
    }
}

/// Moves the user's last accepted step to `step` if two-factor is on and `step` is later than
/// the last one: `false` for a step already used.
async fn spend_step(tx: &Tx, user_id: i32, step: i64) -> Result<bool, DbErr> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::TotpLastStep, Expr::value(step))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::TotpEnabledAt.is_not_null())
        .filter(
            Condition::any()
                .add(user::Column::TotpLastStep.is_null())
                .add(user::Column::TotpLastStep.lt(step)),
        )
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Stores `secret` as the user's pending set-up (replacing an earlier one); `false` if
/// two-factor is on.
pub async fn start(tx: &Tx, user_id: i32, secret: &TotpSecret) -> Result<bool, DbErr> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::TotpSecret, Expr::value(secret.expose()))
        .col_expr(user::Column::TotpLastStep, Expr::value(Option::<i64>::None))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::TotpEnabledAt.is_null())
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Turns two-factor on with the pending `secret`, `step` being the step of the code that
/// confirmed it (so that code cannot log in), and gives the user fresh recovery codes. `None`
/// if it is already on or the pending secret changed meanwhile.
pub async fn enable(
    tx: &Tx,
    user_id: i32,
    secret: &TotpSecret,
    step: i64,
    now: DateTime<Utc>,
) -> Result<Option<Vec<String>>, DbErr> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::TotpEnabledAt, Expr::value(now))
        .col_expr(user::Column::TotpLastStep, Expr::value(step))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::TotpEnabledAt.is_null())
        .filter(user::Column::TotpSecret.eq(secret.expose()))
        .exec(tx)
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    replace_recovery_codes(tx, user_id).await.map(Some)
}

/// Turns two-factor off and forgets the secret and the recovery codes; `false` if it was off.
pub async fn disable(tx: &Tx, user_id: i32) -> Result<bool, DbErr> {
    tx.changed(Change::Person(user_id));
    let result = user::Entity::update_many()
        .col_expr(user::Column::TotpSecret, Expr::value(Option::<String>::None))
        .col_expr(user::Column::TotpEnabledAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(user::Column::TotpLastStep, Expr::value(Option::<i64>::None))
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::TotpEnabledAt.is_not_null())
        .exec(tx)
        .await?;
    recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(user_id)).exec(tx).await?;
    Ok(result.rows_affected == 1)
}

/// Replaces the user's recovery codes with ten fresh ones, and returns them (the only time they
/// exist outside a hash).
pub async fn replace_recovery_codes(tx: &Tx, user_id: i32) -> Result<Vec<String>, DbErr> {
    tx.changed(Change::Person(user_id));
    recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(user_id)).exec(tx).await?;
    let codes = new_recovery_codes();
    let rows = codes.iter().map(|code| recovery_code::ActiveModel {
        user_id: Set(user_id),
        code_hash: Set(recovery_hash(user_id, code).expect("a fresh code is well-formed")),
        used_at: Set(None),
        ..Default::default()
    });
    recovery_code::Entity::insert_many(rows).exec_without_returning(tx).await?;
    Ok(codes)
}

/// How many of the user's recovery codes are unused.
pub async fn recovery_codes_left(conn: &impl ConnectionTrait, user_id: i32) -> Result<u64, DbErr> {
    recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(conn)
        .await
}
