//! Invitations (DESIGN.md section 15): with `REGISTRATION=invite`, only someone holding a code a
//! member made can sign up. A code is 16 random bytes (base64url), shown once and stored as its
//! SHA-256; it works once, within [`VALID_FOR`]. A member has at most [`MAX_UNUSED`] live
//! (unused, unexpired) codes at a time. Who invited whom is read from the used invitation.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, sea_query::Expr,
};
use sha2::{Digest, Sha256};

use super::{Tx, accounts};
use crate::entities::{invite, user};

/// How long a code works.
pub const VALID_FOR: chrono::Duration = chrono::Duration::days(7);

/// Live codes a member may hold at once.
pub const MAX_UNUSED: u64 = 5;

fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.trim().as_bytes()))
}

/// A new invitation: the code, only ever here.
#[derive(Debug)]
pub struct Created {
    pub id: i32,
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// Makes an invitation for `user`, unless they hold [`MAX_UNUSED`] live ones already (`None`).
///
/// The maker's row is locked first, so two requests racing for the last place take turns: one
/// wins, the other is counted against it.
pub async fn create(tx: &Tx, user: i32, now: DateTime<Utc>) -> Result<Option<Created>, DbErr> {
    accounts::lock(tx, user).await?;
    let live = invite::Entity::find()
        .filter(invite::Column::UserId.eq(user))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::ExpiresAt.gt(now))
        .count(tx)
        .await?;
    if live >= MAX_UNUSED {
        return Ok(None);
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    let code = URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = now + VALID_FOR;
    let row = invite::ActiveModel {
        code_hash: Set(hash(&code)),
        user_id: Set(user),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        used_by: Set(None),
        ..Default::default()
    };
    let id = invite::Entity::insert(row).exec(tx).await?.last_insert_id;
    Ok(Some(Created { id, code, expires_at }))
}

/// An invitation as its maker sees it (never the code).
#[derive(Clone, Debug, FromQueryResult)]
pub struct Listed {
    pub id: i32,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub used_by: Option<i32>,
    pub used_by_username: Option<String>,
}

/// `user`'s invitations, newest first.
pub async fn list(db: &impl ConnectionTrait, user: i32) -> Result<Vec<Listed>, DbErr> {
    invite::Entity::find()
        .select_only()
        .columns([
            invite::Column::Id,
            invite::Column::CreatedAt,
            invite::Column::ExpiresAt,
            invite::Column::UsedAt,
            invite::Column::UsedBy,
        ])
        .column_as(user::Column::Username, "used_by_username")
        .join(JoinType::LeftJoin, invite::Relation::UsedBy.def())
        .filter(invite::Column::UserId.eq(user))
        .order_by_desc(invite::Column::Id)
        .into_model::<Listed>()
        .all(db)
        .await
}

/// Whether `code` is live now: a check before the work of a sign-up, which [`redeem`] repeats.
pub async fn is_live(db: &impl ConnectionTrait, code: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let found = invite::Entity::find()
        .filter(invite::Column::CodeHash.eq(hash(code)))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::ExpiresAt.gt(now))
        .count(db)
        .await?;
    Ok(found > 0)
}

/// Spends `code` on the new account `used_by`, inside the sign-up's transaction: one conditional
/// UPDATE, so of two sign-ups racing with one code exactly one wins. Returns whether it did.
pub async fn redeem(tx: &Tx, code: &str, used_by: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = invite::Entity::update_many()
        .col_expr(invite::Column::UsedAt, Expr::value(now))
        .col_expr(invite::Column::UsedBy, Expr::value(used_by))
        .filter(invite::Column::CodeHash.eq(hash(code)))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::ExpiresAt.gt(now))
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}
