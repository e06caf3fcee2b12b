//! Passkeys (DESIGN.md section 23): a person's credentials, found by the SHA-256 of their id, and
//! the ceremonies begun and not yet finished, found by the SHA-256 of their challenge. A ceremony
//! is finished once: the request that deletes its row is the one that may go on. Nothing cached
//! shows them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};

use super::Tx;
use crate::entities::{passkey, passkey_challenge};

pub use passkey::Model as Passkey;
pub use passkey_challenge::Model as Ceremony;

/// At most this many passkeys per person.
pub const MAX_PER_USER: u64 = 10;

/// `user`'s passkeys, oldest first.
pub async fn of_user(conn: &impl ConnectionTrait, user: i32) -> Result<Vec<Passkey>, DbErr> {
    passkey::Entity::find()
        .filter(passkey::Column::UserId.eq(user))
        .order_by_asc(passkey::Column::Id)
        .all(conn)
        .await
}

/// How many passkeys `user` has.
pub async fn count(conn: &impl ConnectionTrait, user: i32) -> Result<u64, DbErr> {
    passkey::Entity::find().filter(passkey::Column::UserId.eq(user)).count(conn).await
}

/// What a new passkey holds.
pub struct NewPasskey<'a> {
    pub name: &'a str,
    pub credential_hash: String,
    /// webauthn-rs's `Passkey`, as JSON.
    pub passkey: String,
}

/// Adds `user`'s passkey unless they have [`MAX_PER_USER`] already (`Ok(None)`; their row is
/// locked first, so registrations racing for the last place take turns). A credential registered
/// already is a unique violation: end the transaction then.
pub async fn add(
    tx: &Tx,
    user: i32,
    new: NewPasskey<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Passkey>, DbErr> {
    super::accounts::lock(tx, user).await?;
    if count(tx, user).await? >= MAX_PER_USER {
        return Ok(None);
    }
    let row = passkey::ActiveModel {
        user_id: Set(user),
        name: Set(new.name.to_owned()),
        credential_hash: Set(new.credential_hash),
        passkey: Set(new.passkey),
        created_at: Set(now),
        last_used_at: Set(None),
        ..Default::default()
    };
    let id = passkey::Entity::insert(row).exec(tx).await?.last_insert_id;
    passkey::Entity::find_by_id(id).one(tx).await
}

/// Renames `user`'s passkey `id`; `None` when they have no such passkey.
pub async fn rename(tx: &Tx, user: i32, id: i32, name: &str) -> Result<Option<Passkey>, DbErr> {
    let result = passkey::Entity::update_many()
        .col_expr(passkey::Column::Name, Expr::value(name))
        .filter(passkey::Column::Id.eq(id))
        .filter(passkey::Column::UserId.eq(user))
        .exec(tx)
        .await?;
    if result.rows_affected == 0 {
        // MariaDB counts rows changed, not matched: the same name again changes nothing.
        return passkey::Entity::find_by_id(id).filter(passkey::Column::UserId.eq(user)).one(tx).await;
    }
    passkey::Entity::find_by_id(id).one(tx).await
}

/// Removes `user`'s passkey `id`; returns whether they had it.
pub async fn remove(tx: &Tx, user: i32, id: i32) -> Result<bool, DbErr> {
    let result = passkey::Entity::delete_many()
        .filter(passkey::Column::Id.eq(id))
        .filter(passkey::Column::UserId.eq(user))
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The passkey whose credential id hashes to `credential_hash`, if any.
pub async fn by_credential(
    conn: &impl ConnectionTrait,
    credential_hash: &str,
) -> Result<Option<Passkey>, DbErr> {
    passkey::Entity::find().filter(passkey::Column::CredentialHash.eq(credential_hash)).one(conn).await
}

/// Notes a login with passkey `id` at `now`, with its credential as it is now (its counter);
/// returns whether the passkey is still there.
pub async fn used(tx: &Tx, id: i32, passkey: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = passkey::Entity::update_many()
        .col_expr(passkey::Column::Passkey, Expr::value(passkey))
        .col_expr(passkey::Column::LastUsedAt, Expr::value(now))
        .filter(passkey::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// What a ceremony is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Adding a passkey to the account named.
    Register,
    /// Logging in, as whoever the passkey is.
    Login,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "login",
        }
    }
}

/// Keeps a ceremony begun: its state, found by `challenge_hash`, until `expires_at`.
pub async fn begin(
    tx: &Tx,
    purpose: Purpose,
    user: Option<i32>,
    challenge_hash: String,
    state: String,
    (now, expires_at): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(), DbErr> {
    let row = passkey_challenge::ActiveModel {
        challenge_hash: Set(challenge_hash),
        purpose: Set(purpose.as_str().to_owned()),
        user_id: Set(user),
        state: Set(state),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    };
    passkey_challenge::Entity::insert(row).exec_without_returning(tx).await?;
    Ok(())
}

/// The unexpired ceremony of `purpose` (and `user`'s, for a registration) whose challenge hashes to
/// `challenge_hash`.
pub async fn ceremony(
    conn: &impl ConnectionTrait,
    purpose: Purpose,
    user: Option<i32>,
    challenge_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Ceremony>, DbErr> {
    let mut find = passkey_challenge::Entity::find()
        .filter(passkey_challenge::Column::ChallengeHash.eq(challenge_hash))
        .filter(passkey_challenge::Column::Purpose.eq(purpose.as_str()))
        .filter(passkey_challenge::Column::ExpiresAt.gt(now));
    find = match user {
        Some(user) => find.filter(passkey_challenge::Column::UserId.eq(user)),
        None => find.filter(passkey_challenge::Column::UserId.is_null()),
    };
    find.one(conn).await
}

/// Ends ceremony `id`: `false` if another request ended it first (the one that ends it wins).
pub async fn finish(tx: &Tx, id: i32) -> Result<bool, DbErr> {
    let result = passkey_challenge::Entity::delete_many()
        .filter(passkey_challenge::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes ceremonies that expired at or before `now`; returns how many.
pub async fn sweep(tx: &Tx, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = passkey_challenge::Entity::delete_many()
        .filter(passkey_challenge::Column::ExpiresAt.lte(now))
        .exec(tx)
        .await?;
    Ok(result.rows_affected)
}
