//! The users table: everything about a person's account — creating, finding, re-keying and
//! deleting it, their role, their ban, and their public profile with its counts.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Query},
};

use super::{Change, Sessions, Tx, comments, email_tokens, votes};
use crate::{
    domain::{Email, Role, Username},
    entities::{comment, email_token, invite, post, user},
};

pub use user::Model as Account;

/// Adds an account; returns its id, or `None` when its username or e-mail address is taken
/// already (the unique keys decide, so two sign-ups racing for one name cannot both win; which
/// key it was is [`taken`]'s to say, after the transaction).
pub async fn create(
    tx: &Tx,
    username: &Username,
    email: &Email,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<Option<i32>, DbErr> {
    let row = user::ActiveModel {
        username: Set(username.as_str().to_owned()),
        username_key: Set(username.key()),
        email: Set(email.as_str().to_owned()),
        password_hash: Set(password_hash),
        created_at: Set(now),
        ..Default::default()
    };
    match user::Entity::insert(row).exec(tx).await {
        Ok(inserted) => Ok(Some(inserted.last_insert_id)),
        Err(err) if super::is_unique_violation(&err) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Which unique key an account with this name and address would share now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taken {
    Email,
    Username,
}

/// Which of `email` and `username` an existing account has (the address first), if either.
pub async fn taken(
    conn: &impl ConnectionTrait,
    username: &Username,
    email: &Email,
) -> Result<Option<Taken>, DbErr> {
    if by_email(conn, email).await?.is_some() {
        return Ok(Some(Taken::Email));
    }
    Ok(id_of(conn, username.as_str()).await?.map(|_| Taken::Username))
}

/// The account with this (lower-cased) e-mail address.
pub async fn by_email(conn: &impl ConnectionTrait, email: &Email) -> Result<Option<Account>, DbErr> {
    user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(conn).await
}

/// The account with this id.
pub async fn by_id(conn: &impl ConnectionTrait, id: i32) -> Result<Option<Account>, DbErr> {
    user::Entity::find_by_id(id).one(conn).await
}

/// The account with this id, and the address its owner asked to change to while that link is live
/// (their newest change link, unused and unexpired at `now`), read in one statement.
pub async fn with_pending_email(
    conn: &impl ConnectionTrait,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Option<(Account, Option<String>)>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        #[sea_orm(nested)]
        account: Account,
        pending_email: Option<String>,
    }
    let link = |column: email_token::Column| Expr::col((email_token::Entity, column));
    let live = link(email_token::Column::UsedAt).is_null().and(link(email_token::Column::ExpiresAt).gt(now));
    let newest_change = Query::select()
        .expr(Expr::case(live, link(email_token::Column::Email)).finally(Expr::cust("NULL")))
        .from(email_token::Entity)
        .and_where(link(email_token::Column::UserId).equals((user::Entity, user::Column::Id)))
        .and_where(link(email_token::Column::Purpose).eq(email_tokens::Purpose::Change.as_str()))
        .order_by((email_token::Entity, email_token::Column::Id), sea_orm::Order::Desc)
        .limit(1)
        .to_owned();
    let row = user::Entity::find_by_id(id)
        .column_as(Expr::from(newest_change), "pending_email")
        .into_model::<Row>()
        .one(conn)
        .await?;
    Ok(row.map(|row| (row.account, row.pending_email)))
}

/// The id of the person with this name (ignoring case).
pub async fn id_of(conn: &impl ConnectionTrait, username: &str) -> Result<Option<i32>, DbErr> {
    Ok(name_and_id(conn, username).await?.map(|(id, _)| id))
}

/// The id and name (as they wrote it) of the person with this name (ignoring case).
pub async fn name_and_id(
    conn: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<(i32, String)>, DbErr> {
    user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::Username])
        .filter(user::Column::UsernameKey.eq(username.to_ascii_lowercase()))
        .into_tuple()
        .one(conn)
        .await
}

/// Takes the account's row lock until the transaction ends (by writing the row to itself; on
/// SQLite the database's write lock), so that requests of one person that count before they
/// write take turns; returns whether there is such an account.
pub async fn lock(tx: &Tx, id: i32) -> Result<bool, DbErr> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::col(user::Column::Role))
        .filter(user::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Replaces the account's password hash.
pub async fn set_password_hash(tx: &Tx, id: i32, password_hash: String) -> Result<(), DbErr> {
    let row = user::ActiveModel { id: Set(id), password_hash: Set(password_hash), ..Default::default() };
    user::Entity::update(row).exec(tx).await?;
    Ok(())
}

/// Marks `user`'s address verified, if it is still `email`; returns whether it was.
pub async fn set_verified(tx: &Tx, user: i32, email: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    tx.changed(Change::Person(user));
    let result = user::Entity::update_many()
        .col_expr(user::Column::EmailVerifiedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user))
        .filter(user::Column::Email.eq(email))
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Puts `email` on `user`'s account, verified at `now`: `false` when another account has it (the
/// unique key decides, so two people confirming one address cannot both win). End the transaction
/// after a `false`: on PostgreSQL the failed statement has spoilt it.
pub async fn set_email(tx: &Tx, user: i32, email: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    tx.changed(Change::Person(user));
    let result = user::Entity::update_many()
        .col_expr(user::Column::Email, Expr::value(email))
        .col_expr(user::Column::EmailVerifiedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user))
        .exec(tx)
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(err) if super::is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err),
    }
}

/// `user`'s WebAuthn user handle, made (a random UUID) if they have none yet.
pub async fn passkey_handle(tx: &Tx, user: i32, fresh: &str) -> Result<Option<String>, DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::PasskeyHandle, Expr::value(fresh))
        .filter(user::Column::Id.eq(user))
        .filter(user::Column::PasskeyHandle.is_null())
        .exec(tx)
        .await?;
    Ok(by_id(tx, user).await?.and_then(|account| account.passkey_handle))
}

/// Sets user `id`'s role; returns whether there is such a user. Their sessions carry the role,
/// and what they are shown depends on it.
pub async fn set_role(tx: &Tx, id: i32, role: Role) -> Result<bool, DbErr> {
    tx.changed(Change::Sessions(Sessions::OfUser { user: id, except: None }));
    tx.changed(Change::Content);
    let result = user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::value(role.as_str()))
        .filter(user::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Writes a ban into the user's row (replacing any earlier one); returns whether there is such
/// a user. End the user's sessions in the same transaction.
pub async fn ban(
    tx: &Tx,
    user: i32,
    reason: &str,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    tx.changed(Change::Sessions(Sessions::OfUser { user, except: None }));
    let result = user::Entity::update_many()
        .col_expr(user::Column::BannedAt, Expr::value(now))
        .col_expr(user::Column::BannedUntil, Expr::value(until))
        .col_expr(user::Column::BanReason, Expr::value(reason))
        .filter(user::Column::Id.eq(user))
        .exec(tx)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Lifts the user's ban, if any; returns whether one was in force at `now`.
pub async fn unban(tx: &Tx, user: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let Some(row) = user::Entity::find_by_id(user).one(tx).await? else { return Ok(false) };
    let was = crate::domain::bans::in_force(row.banned_at, row.banned_until, now);
    tx.changed(Change::Sessions(Sessions::OfUser { user, except: None }));
    user::Entity::update_many()
        .col_expr(user::Column::BannedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(user::Column::BannedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(user::Column::BanReason, Expr::value(Option::<String>::None))
        .filter(user::Column::Id.eq(user))
        .exec(tx)
        .await?;
    Ok(was)
}

/// Deletes the account. Its votes are taken back first, so the posts it voted on are counted
/// and ranked again, and its comments deleted by the thread rule (those with replies stay as
/// placeholders). Its posts are deleted by a statement of their own rather than by the foreign
/// key's cascade, which MariaDB carries out without firing the triggers that keep the number of
/// posts; the foreign keys cascade to its sessions, which are ended explicitly too, so it holds
/// on any engine configuration.
pub async fn delete(tx: &Tx, id: i32) -> Result<(), DbErr> {
    tx.changed(Change::Content);
    super::sessions::end_all(tx, id, None).await?;
    votes::withdraw_all(tx, id).await?;
    comments::delete_all_by(tx, id).await?;
    let theirs = sea_orm::sea_query::ExprTrait::eq(Expr::col((post::Entity, post::Column::UserId)), id);
    super::tags::count_posts(tx, theirs.clone(), super::tags::Posts::Shown, -1).await?;
    super::notifications::posts_going(tx, theirs).await?;
    post::Entity::delete_many().filter(post::Column::UserId.eq(id)).exec(tx).await?;
    user::Entity::delete_by_id(id).exec(tx).await?;
    Ok(())
}

/// A person as their page shows them.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Profile {
    pub id: i32,
    pub username: String,
    pub created_at: DateTime<Utc>,
    pub role: String,
    /// Votes received on their posts.
    pub karma: i64,
    pub post_count: i64,
    /// Comments shown with their text (placeholders have no author; removed ones, and those on
    /// removed posts, are not shown).
    pub comment_count: i64,
    pub banned_at: Option<DateTime<Utc>>,
    pub banned_until: Option<DateTime<Utc>>,
    pub ban_reason: Option<String>,
}

/// The person with this name (ignoring case) and their counts: one statement, each count a
/// subquery on an index by author.
pub async fn profile(conn: &impl ConnectionTrait, username: &str) -> Result<Option<Profile>, DbErr> {
    let by_author = |column: post::Column| Expr::col((post::Entity, column));
    let mut karma = Query::select();
    karma
        .expr(Func::coalesce([Func::sum(by_author(post::Column::VoteCount)).into(), Expr::val(0)]))
        .from(post::Entity)
        .and_where(by_author(post::Column::UserId).equals((user::Entity, user::Column::Id)))
        .and_where(by_author(post::Column::RemovedAt).is_null());
    // SUM is DECIMAL on MariaDB and NUMERIC on PostgreSQL: made a 64-bit integer on each.
    let integer = match conn.get_database_backend() {
        DatabaseBackend::MySql => "SIGNED",
        _ => "BIGINT",
    };
    let mut posts = Query::select();
    posts
        .expr(Func::count(Expr::col(Asterisk)))
        .from(post::Entity)
        .and_where(by_author(post::Column::UserId).equals((user::Entity, user::Column::Id)))
        .and_where(by_author(post::Column::RemovedAt).is_null());
    let mut comments = Query::select();
    comments
        .expr(Func::count(Expr::col(Asterisk)))
        .from(comment::Entity)
        .and_where(
            Expr::col((comment::Entity, comment::Column::UserId)).equals((user::Entity, user::Column::Id)),
        )
        .and_where(comment::Column::Deleted.eq(false))
        .and_where(comment::Column::RemovedAt.is_null())
        .and_where(
            Expr::col((comment::Entity, comment::Column::PostId)).not_in_subquery(super::posts::removed()),
        );
    user::Entity::find()
        .select_only()
        .columns([
            user::Column::Id,
            user::Column::Username,
            user::Column::CreatedAt,
            user::Column::Role,
            user::Column::BannedAt,
            user::Column::BannedUntil,
            user::Column::BanReason,
        ])
        .column_as(Expr::from(Func::cast_as(Expr::from(karma), Alias::new(integer))), "karma")
        .column_as(Expr::from(posts), "post_count")
        .column_as(Expr::from(comments), "comment_count")
        .filter(user::Column::UsernameKey.eq(username.to_ascii_lowercase()))
        .into_model::<Profile>()
        .one(conn)
        .await
}

/// Who invited `user` (the maker of the invitation they signed up with), if anyone did and is
/// still here.
pub async fn inviter_of(conn: &impl ConnectionTrait, user: i32) -> Result<Option<(i32, String)>, DbErr> {
    let inviter: Option<i32> = invite::Entity::find()
        .select_only()
        .column(invite::Column::UserId)
        .filter(invite::Column::UsedBy.eq(user))
        .into_tuple()
        .one(conn)
        .await?;
    let Some(inviter) = inviter else { return Ok(None) };
    user::Entity::find_by_id(inviter)
        .select_only()
        .columns([user::Column::Id, user::Column::Username])
        .into_tuple()
        .one(conn)
        .await
}
