//! The links mailed to prove an address (DESIGN.md section 23): one row per link, holding only
//! the SHA-256 of its token and the address it proves. A person's newest link of a purpose is the
//! only one of that purpose that can be live. Nothing cached shows them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::Expr,
};

use super::Tx;
use crate::{domain::SessionToken as EmailToken, entities::email_token};

/// What a link proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// That the address on the account is the person's.
    Verify,
    /// That a new address is, and that they want it on their account.
    Change,
}

impl Purpose {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::Change => "change",
        }
    }
}

/// Makes a link of `purpose` for `user`'s `email`, live until `expires_at`.
pub async fn create(
    tx: &Tx,
    user: i32,
    purpose: Purpose,
    email: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<EmailToken, DbErr> {
    // A change link is the profile's pending address.
    tx.changed(super::Change::Person(user));
    let token = EmailToken::generate();
    let row = email_token::ActiveModel {
        user_id: Set(user),
        purpose: Set(purpose.as_str().to_owned()),
        email: Set(email.to_owned()),
        token_hash: Set(token.hash()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        ..Default::default()
    };
    email_token::Entity::insert(row).exec_without_returning(tx).await?;
    Ok(token)
}

/// The live link of `purpose` whose token is `raw`, if any: well-formed, known, of that purpose,
/// unused, unexpired, and its person's newest of that purpose.
pub async fn live(
    conn: &impl ConnectionTrait,
    raw: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<Option<email_token::Model>, DbErr> {
    let Some(token) = EmailToken::parse(raw) else { return Ok(None) };
    let Some(link) = email_token::Entity::find()
        .filter(email_token::Column::TokenHash.eq(token.hash()))
        .filter(email_token::Column::Purpose.eq(purpose.as_str()))
        .filter(email_token::Column::UsedAt.is_null())
        .filter(email_token::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let newer = email_token::Entity::find()
        .filter(email_token::Column::UserId.eq(link.user_id))
        .filter(email_token::Column::Purpose.eq(purpose.as_str()))
        .filter(email_token::Column::Id.gt(link.id))
        .count(conn)
        .await?;
    Ok((newer == 0).then_some(link))
}

/// Spends the link: `false` if it was spent meanwhile (two requests racing: one wins).
pub async fn spend(tx: &Tx, id: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = email_token::Entity::update_many()
        .col_expr(email_token::Column::UsedAt, Expr::value(now))
        .filter(email_token::Column::Id.eq(id))
        .filter(email_token::Column::UsedAt.is_null())
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes links made at or before `made_by`; returns how many.
pub async fn sweep(tx: &Tx, made_by: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = email_token::Entity::delete_many()
        .filter(email_token::Column::CreatedAt.lte(made_by))
        .exec(tx)
        .await?;
    Ok(result.rows_affected)
}
