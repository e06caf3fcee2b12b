//! The sessions table (DESIGN.md section 4): one row per login, found by the SHA-256 of its
//! token, never by the token itself.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationTrait, Statement,
    sea_query::{Expr, JoinType},
};

use super::{Change, Sessions, Tx, changes, notifications};
use crate::{
    domain::SessionToken,
    entities::{session, user},
};

/// User agents are kept for the sessions list, cut to this many characters.
const USER_AGENT_MAX: usize = 512;

/// A session and whose it is: with the user's role, ban and count of unread notifications, read
/// in the same statement, so a role change or a ban holds from the user's very next request, and
/// a reply is counted in the header of the very next page.
#[derive(Clone, Debug, FromQueryResult)]
pub struct LiveSession {
    pub id: i32,
    pub user_id: i32,
    pub username: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// `user`, `moderator` or `admin`.
    pub role: String,
    pub banned_at: Option<DateTime<Utc>>,
    pub banned_until: Option<DateTime<Utc>>,
    /// When the user's address was verified (DESIGN.md section 23); `None`: it is not.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// How many of the user's notifications are unread (DESIGN.md section 20).
    pub unread: i64,
    /// A personal API token's scopes (`storage::tokens`); `None` for a browser's session.
    pub scopes: Option<String>,
    /// When a personal API token expires, if it does; `None` for a browser's session.
    pub expires_at: Option<DateTime<Utc>>,
}

impl LiveSession {
    /// Whether this is a personal API token's row rather than a browser's session.
    pub fn is_token(&self) -> bool {
        self.scopes.is_some()
    }
}

/// A session's (or a token's) row with the change counter beside it: what [`find`] reads.
#[derive(FromQueryResult)]
struct Found {
    #[sea_orm(nested)]
    session: LiveSession,
    changes: Option<i64>,
}

/// What `build` makes for `backend`, made once per backend and kept in `slots`: a lookup's SQL.
pub(super) fn built_once(
    slots: &'static [OnceLock<String>; 3],
    backend: DatabaseBackend,
    build: impl FnOnce() -> String,
) -> &'static str {
    let slot = match backend {
        DatabaseBackend::Postgres => 0,
        DatabaseBackend::MySql => 1,
        _ => 2,
    };
    slots[slot].get_or_init(build)
}

/// The row the lookup `sql` (its one value the hash of a secret) finds for `token_hash`, with the
/// change counter read in the same statement.
pub(super) async fn found_by(
    conn: &impl ConnectionTrait,
    sql: &str,
    token_hash: &str,
) -> Result<Option<(LiveSession, Option<i64>)>, DbErr> {
    let statement = Statement::from_sql_and_values(conn.get_database_backend(), sql, [token_hash.into()]);
    let found = Found::find_by_statement(statement).one(conn).await?;
    Ok(found.map(|found| (found.session, found.changes)))
}

/// The SQL of [`find`] on `backend`, built once; the token hash is its one value: the session
/// joined to its user, the user's count of unread notifications, and the database's change
/// counter (`NULL` where there is none).
pub fn lookup_sql(backend: DatabaseBackend) -> &'static str {
    static SQL: [OnceLock<String>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    built_once(&SQL, backend, || {
        session::Entity::find()
            .select_only()
            .columns([
                session::Column::Id,
                session::Column::UserId,
                session::Column::CreatedAt,
                session::Column::LastSeenAt,
            ])
            .columns([
                user::Column::Username,
                user::Column::Role,
                user::Column::BannedAt,
                user::Column::BannedUntil,
                user::Column::EmailVerifiedAt,
            ])
            .column_as(
                notifications::unread_of(Expr::col((session::Entity, session::Column::UserId))),
                "unread",
            )
            .column_as(Expr::cust("NULL"), "scopes")
            .column_as(Expr::cust("NULL"), "expires_at")
            .column_as(Expr::cust(changes::value_sql(backend).unwrap_or("NULL")), "changes")
            .join(JoinType::InnerJoin, session::Relation::User.def())
            .filter(session::Column::TokenHash.eq(""))
            .build(backend)
            .sql
    })
}

/// The session whose token hashes to `token_hash`, if its row exists (live or not), with the
/// database's change counter read in the same statement (`None` where there is none).
pub async fn find(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(LiveSession, Option<i64>)>, DbErr> {
    found_by(conn, lookup_sql(conn.get_database_backend()), token_hash).await
}

/// Issues a new token for `user_id`.
pub async fn create(
    tx: &Tx,
    user_id: i32,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SessionToken, DbErr> {
    let token = SessionToken::generate();
    let row = session::ActiveModel {
        token_hash: Set(token.hash()),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(USER_AGENT_MAX).collect())),
        ..Default::default()
    };
    session::Entity::insert(row).exec_without_returning(tx).await?;
    Ok(token)
}

/// Writes `now` into session `id`'s `last_seen_at` — an `UPDATE` of the existing row only, so a
/// request racing a logout can never bring the session back. Returns whether it still existed.
pub async fn touch(tx: &Tx, id: i32, token_hash: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let touched = session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(now))
        .filter(session::Column::Id.eq(id))
        .exec(tx)
        .await?;
    let change = match touched.rows_affected {
        0 => Change::Sessions(Sessions::Token(token_hash.to_owned())),
        _ => Change::SessionSeen { token_hash: token_hash.to_owned(), at: now },
    };
    tx.changed(change);
    Ok(touched.rows_affected > 0)
}

/// Ends the session whose token hashes to `token_hash`, if there is one.
pub async fn revoke(tx: &Tx, token_hash: &str) -> Result<(), DbErr> {
    tx.changed(Change::Sessions(Sessions::Token(token_hash.to_owned())));
    session::Entity::delete_many().filter(session::Column::TokenHash.eq(token_hash)).exec(tx).await?;
    Ok(())
}

/// A user's sessions not past `idle_since` or `created_since`, most recently used first.
pub async fn live_of_user(
    conn: &impl ConnectionTrait,
    user_id: i32,
    seen_since: DateTime<Utc>,
    created_since: DateTime<Utc>,
) -> Result<Vec<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::LastSeenAt.gt(seen_since))
        .filter(session::Column::CreatedAt.gt(created_since))
        .order_by_desc(session::Column::LastSeenAt)
        .order_by_desc(session::Column::Id)
        .all(conn)
        .await
}

/// Ends the user's session `id`; returns whether the user had such a session.
pub async fn end_one(tx: &Tx, user_id: i32, id: i32) -> Result<bool, DbErr> {
    tx.changed(Change::Sessions(Sessions::Id(id)));
    let result = session::Entity::delete_many()
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::UserId.eq(user_id))
        .exec(tx)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Ends all of the user's sessions except `keep` (or all of them with `None`).
pub async fn end_all(tx: &Tx, user_id: i32, keep: Option<i32>) -> Result<u64, DbErr> {
    tx.changed(Change::Sessions(Sessions::OfUser { user: user_id, except: keep }));
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(session::Column::Id.ne(keep));
    }
    Ok(delete.exec(tx).await?.rows_affected)
}

/// Deletes every session last seen at or before `seen_by` or created at or before `created_by`;
/// returns how many.
pub async fn sweep(tx: &Tx, seen_by: DateTime<Utc>, created_by: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = session::Entity::delete_many()
        .filter(
            Condition::any()
                .add(session::Column::LastSeenAt.lte(seen_by))
                .add(session::Column::CreatedAt.lte(created_by)),
        )
        .exec(tx)
        .await?;
    if result.rows_affected > 0 {
        tx.changed(Change::Sessions(Sessions::All));
    }
    Ok(result.rows_affected)
}
