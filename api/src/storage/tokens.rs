//! Personal API tokens (DESIGN.md section 22): one row per token, found by the SHA-256 of its
//! secret, never by the secret; at most [`MAX_PER_PERSON`] a person. A token is read as a session
//! is (`sessions::LiveSession`, with its scopes and expiry), with its user's role, ban and unread
//! count in the same statement, and cached where sessions are, by its hash; every write that ends
//! it states so on the unit of work, so it is refused by the very next request.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, Func, JoinType},
};

use super::{Change, Sessions, Tx, changes, notifications, sessions, sessions::LiveSession};
use crate::{
    domain::ApiToken,
    entities::{api_token, user},
};

/// Tokens a person may have at once.
pub const MAX_PER_PERSON: u64 = 20;

/// A token as its owner's list shows it: never its secret.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Listed {
    pub id: i32,
    pub name: String,
    /// `read`, `write` or `read,write`.
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The SQL of [`find`] on `backend`, built once; the token's hash is its one value. Its columns are
/// a [`LiveSession`]'s: the token's id, its owner, when it was made and last used (when it was
/// made, until then), the owner's name, role, ban and unread count, its scopes and expiry, and
/// the database's change counter (`NULL` where there is none).
fn lookup_sql(backend: DatabaseBackend) -> &'static str {
    static SQL: [OnceLock<String>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    sessions::built_once(&SQL, backend, || {
        let token = |column: api_token::Column| Expr::col((api_token::Entity, column));
        api_token::Entity::find()
            .select_only()
            .columns([api_token::Column::Id, api_token::Column::UserId, api_token::Column::CreatedAt])
            .column_as(
                Expr::from(Func::coalesce([
                    token(api_token::Column::LastUsedAt),
                    token(api_token::Column::CreatedAt),
                ])),
                "last_seen_at",
            )
            .columns([
                user::Column::Username,
                user::Column::Role,
                user::Column::BannedAt,
                user::Column::BannedUntil,
                user::Column::EmailVerifiedAt,
            ])
            .column_as(notifications::unread_of(token(api_token::Column::UserId)), "unread")
            .columns([api_token::Column::Scopes, api_token::Column::ExpiresAt])
            .column_as(Expr::cust(changes::value_sql(backend).unwrap_or("NULL")), "changes")
            .join(
                JoinType::InnerJoin,
                api_token::Entity::belongs_to(user::Entity)
                    .from(api_token::Column::UserId)
                    .to(user::Column::Id)
                    .into(),
            )
            .filter(api_token::Column::TokenHash.eq(""))
            .build(backend)
            .sql
    })
}

/// The token whose secret hashes to `token_hash`, if its row exists (expired or not), with the
/// database's change counter read in the same statement (`None` where there is none).
pub async fn find(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(LiveSession, Option<i64>)>, DbErr> {
    sessions::found_by(conn, lookup_sql(conn.get_database_backend()), token_hash).await
}

/// What a new token is.
pub struct NewToken<'a> {
    pub name: &'a str,
    pub scopes: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Makes a token for `user`, unless they have [`MAX_PER_PERSON`] already (`None`): counted with
/// their row locked, so tokens made at once cannot pass the limit together.
pub async fn create(
    tx: &Tx,
    user: i32,
    new: &NewToken<'_>,
    now: DateTime<Utc>,
) -> Result<Option<(Listed, ApiToken)>, DbErr> {
    if !super::accounts::lock(tx, user).await? {
        return Ok(None);
    }
    let held = api_token::Entity::find().filter(api_token::Column::UserId.eq(user)).count(tx).await?;
    if held >= MAX_PER_PERSON {
        return Ok(None);
    }
    let token = ApiToken::generate();
    let row = api_token::ActiveModel {
        user_id: Set(user),
        name: Set(new.name.to_owned()),
        token_hash: Set(token.hash()),
        scopes: Set(new.scopes.to_owned()),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        last_used_at: Set(None),
        ..Default::default()
    };
    let id = api_token::Entity::insert(row).exec(tx).await?.last_insert_id;
    let listed = Listed {
        id,
        name: new.name.to_owned(),
        scopes: new.scopes.to_owned(),
        created_at: now,
        expires_at: new.expires_at,
        last_used_at: None,
    };
    Ok(Some((listed, token)))
}

/// `user`'s tokens, newest first.
pub async fn list(conn: &impl ConnectionTrait, user: i32) -> Result<Vec<Listed>, DbErr> {
    api_token::Entity::find()
        .select_only()
        .columns([
            api_token::Column::Id,
            api_token::Column::Name,
            api_token::Column::Scopes,
            api_token::Column::CreatedAt,
            api_token::Column::ExpiresAt,
            api_token::Column::LastUsedAt,
        ])
        .filter(api_token::Column::UserId.eq(user))
        .order_by_desc(api_token::Column::Id)
        .into_model::<Listed>()
        .all(conn)
        .await
}

/// Revokes `user`'s token `id`; `false` if they have no such token.
pub async fn revoke(tx: &Tx, user: i32, id: i32) -> Result<bool, DbErr> {
    let hash: Option<String> = api_token::Entity::find_by_id(id)
        .select_only()
        .column(api_token::Column::TokenHash)
        .filter(api_token::Column::UserId.eq(user))
        .into_tuple()
        .one(tx)
        .await?;
    let Some(hash) = hash else { return Ok(false) };
    tx.changed(Change::Sessions(Sessions::Token(hash)));
    api_token::Entity::delete_by_id(id).exec(tx).await?;
    Ok(true)
}

/// Revokes every token of `user`, and their private feeds' secret: part of what ends all their
/// sessions (a password changed or reset, two-factor login turned off, a ban), so whoever took
/// over the account keeps no way into it.
pub async fn revoke_all(tx: &Tx, user: i32) -> Result<(), DbErr> {
    tx.changed(Change::Sessions(Sessions::OfUser { user, except: None }));
    api_token::Entity::delete_many().filter(api_token::Column::UserId.eq(user)).exec(tx).await?;
    set_feed_token(tx, user, None).await
}

/// Writes `now` into token `id`'s `last_used_at` — an `UPDATE` of the existing row only, so a use
/// racing a revocation never brings it back. Returns whether it still existed.
pub async fn touch(tx: &Tx, id: i32, token_hash: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let touched = api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(id))
        .exec(tx)
        .await?;
    tx.changed(Change::Sessions(Sessions::Token(token_hash.to_owned())));
    Ok(touched.rows_affected > 0)
}

/// Gives `user` the private feed token hashing to `token_hash`, replacing the one they had (which
/// stops working at once), or takes it away with `None`.
pub async fn set_feed_token(tx: &Tx, user: i32, token_hash: Option<String>) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::FeedTokenHash, Expr::value(token_hash))
        .filter(user::Column::Id.eq(user))
        .exec(tx)
        .await?;
    Ok(())
}

/// Whose private feed token hashes to `token_hash`: their id, unless they are banned now.
pub async fn feed_owner(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<i32>, DbErr> {
    type Found = (i32, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let found: Option<Found> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::BannedAt, user::Column::BannedUntil])
        .filter(user::Column::FeedTokenHash.eq(token_hash))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(found.filter(|(_, at, until)| !crate::domain::bans::in_force(*at, *until, now)).map(|(id, ..)| id))
}
