//! The accounts table: creating, finding, re-keying and deleting users.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::{
    db::{self, Constraint},
    domain::{Email, Username},
    entities::{post, user},
};

pub use user::Model as Account;

/// A unique key that a new account would share with an existing one.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    Username,
    Email,
}

/// The unique constraints of `users`, as each database names them in its error.
const EMAIL: Constraint = Constraint { postgres: "users_email_key", mysql: "email", sqlite: "users.email" };
const USERNAME: Constraint =
    Constraint { postgres: "users_username_key_key", mysql: "username_key", sqlite: "users.username_key" };

/// Adds an account; answers its id, or which unique key is already taken (the constraints
/// decide, so two sign-ups racing for one name cannot both win).
pub async fn create(
    conn: &impl ConnectionTrait,
    username: &Username,
    email: &Email,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<Result<i32, Taken>, DbErr> {
    let row = user::ActiveModel {
        username: Set(username.as_str().to_owned()),
        username_key: Set(username.key()),
        email: Set(email.as_str().to_owned()),
        password_hash: Set(password_hash),
        created_at: Set(now),
        ..Default::default()
    };
    match user::Entity::insert(row).exec(conn).await {
        Ok(inserted) => Ok(Ok(inserted.last_insert_id)),
        Err(err) if db::violates(&err, &EMAIL) => Ok(Err(Taken::Email)),
        Err(err) if db::violates(&err, &USERNAME) => Ok(Err(Taken::Username)),
        Err(err) => Err(err),
    }
}

/// The account with this (lower-cased) e-mail address.
pub async fn by_email(conn: &impl ConnectionTrait, email: &Email) -> Result<Option<Account>, DbErr> {
    user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(conn).await
}

/// The account with this id.
pub async fn by_id(conn: &impl ConnectionTrait, id: i32) -> Result<Option<Account>, DbErr> {
    user::Entity::find_by_id(id).one(conn).await
}

/// Replaces the account's password hash.
pub async fn set_password_hash(
    conn: &impl ConnectionTrait,
    id: i32,
    password_hash: String,
) -> Result<(), DbErr> {
    let row = user::ActiveModel { id: Set(id), password_hash: Set(password_hash), ..Default::default() };
    user::Entity::update(row).exec(conn).await?;
    Ok(())
}

/// Deletes the account. Its votes are taken back first, so the posts it voted on are counted
/// and ranked again, and its comments deleted by the thread rule (those with replies stay as
/// placeholders). Its posts are deleted by a statement of their own rather than by the foreign
/// key's cascade, which MariaDB carries out without firing the triggers that keep the number of
/// posts; the foreign keys cascade to its sessions. Run it in a transaction begun by
/// [`db::begin`].
pub async fn delete(conn: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    crate::news::votes::withdraw_all(conn, id).await?;
    crate::news::comments::delete_all_by(conn, id).await?;
    post::Entity::delete_many().filter(post::Column::UserId.eq(id)).exec(conn).await?;
    user::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}
