//! The sessions table: issuing, resolving, refreshing and revoking logins (DESIGN.md section 4).

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationTrait, Statement,
    sea_query::{Expr, JoinType},
};

use super::token::SessionToken;
use crate::{
    cache::Counter,
    clock::Clock,
    config::Config,
    db::direct::{self, Direct},
    entities::{session, user},
};

/// `last_seen_at` is written at most this often per session, so reads stay reads.
const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// User agents are kept for the sessions list, cut to this many characters.
const USER_AGENT_MAX: usize = 512;

/// A session that is alive right now, and whose it is: with the user's role and ban, read in the
/// same statement, so a role change or a ban holds from the user's very next request.
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
}

/// A session's row with the change counter beside it: what [`lookup`] reads.
#[derive(FromQueryResult)]
struct Found {
    #[sea_orm(nested)]
    session: LiveSession,
    changes: Option<i64>,
}

impl Found {
    fn split(self) -> (LiveSession, Option<i64>) {
        (self.session, self.changes)
    }
}

/// The session whose token hashes to `token_hash`, joined to its user for the role and ban, with
/// the database's change counter (`NULL` where there is none) in the same statement.
fn lookup(backend: DatabaseBackend, token_hash: &str) -> Statement {
    Statement::from_sql_and_values(backend, lookup_sql(backend), [token_hash.into()])
}

/// The SQL of [`lookup`] on `backend`, built once; the token hash is its one value.
pub fn lookup_sql(backend: DatabaseBackend) -> &'static str {
    static SQL: [OnceLock<String>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match backend {
        DatabaseBackend::Postgres => 0,
        DatabaseBackend::MySql => 1,
        _ => 2,
    };
    SQL[slot].get_or_init(|| {
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
            ])
            .column_as(Expr::cust(Counter::value_sql(backend).unwrap_or("NULL")), "changes")
            .join(JoinType::InnerJoin, session::Relation::User.def())
            .filter(session::Column::TokenHash.eq(""))
            .build(backend)
            .sql
    })
}

/// What a session's timestamps say about it now.
#[derive(Debug, PartialEq, Eq)]
pub enum Liveness {
    /// Past its idle or absolute timeout.
    Dead,
    /// Alive, seen within the last minute.
    Live,
    /// Alive, but `last_seen_at` is over a minute old: write `now` there.
    Unseen { now: DateTime<Utc> },
}

/// The session store, with the clock and timeouts it judges liveness by. It only reads and
/// writes rows; whoever calls a writing method reports the change (`crate::cache::Change`) after
/// the commit.
#[derive(Clone)]
pub struct Sessions {
    db: DatabaseConnection,
    /// The connections for one-statement requests (`db::direct`), which [`Sessions::find`] reads
    /// on where the database has them.
    direct: Option<Arc<Direct>>,
    clock: Clock,
    idle: chrono::Duration,
    absolute: chrono::Duration,
}

impl Sessions {
    pub fn new(db: DatabaseConnection, config: &Config, direct: Option<Arc<Direct>>) -> Self {
        let to_chrono = |d| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        Self {
            db,
            direct,
            clock: config.clock.clone(),
            idle: to_chrono(config.session_idle_timeout),
            absolute: to_chrono(config.session_absolute_timeout),
        }
    }

    /// Issues a new token for `user_id`. Pass a transaction when the session must stand or fall
    /// with other writes (sign-up).
    pub async fn create(
        &self,
        conn: &impl ConnectionTrait,
        user_id: i32,
        user_agent: Option<&str>,
    ) -> Result<SessionToken, DbErr> {
        let token = SessionToken::generate();
        let now = self.clock.now();
        let row = session::ActiveModel {
            token_hash: sea_orm::Set(token.hash()),
            user_id: sea_orm::Set(user_id),
            created_at: sea_orm::Set(now),
            last_seen_at: sea_orm::Set(now),
            user_agent: sea_orm::Set(user_agent.map(|ua| ua.chars().take(USER_AGENT_MAX).collect())),
            ..Default::default()
        };
        session::Entity::insert(row).exec_without_returning(conn).await?;
        Ok(token)
    }

    /// Ends the session the browser presented (if any) and issues a new one for `user_id`, inside
    /// `conn`'s transaction: a planted session id is never adopted. After the commit, report
    /// `SessionEnded` for `presented`.
    pub async fn rotate(
        &self,
        conn: &impl ConnectionTrait,
        presented: Option<&str>,
        user_id: i32,
        user_agent: Option<&str>,
    ) -> Result<SessionToken, DbErr> {
        if let Some(hash) = presented {
            self.revoke(conn, hash).await?;
        }
        self.create(conn, user_id, user_agent).await
    }

    /// The session whose token hashes to `token_hash`, if its row exists (live or not: see
    /// [`Sessions::judge`]), with the database's change counter read in the same statement
    /// (`None` where there is none: see [`Counter`]).
    pub async fn find(&self, token_hash: &str) -> Result<Option<(LiveSession, Option<i64>)>, DbErr> {
        let statement = lookup(self.db.get_database_backend(), token_hash);
        let found: Option<Found> = direct::one(self.direct.as_deref(), &self.db, statement).await?;
        Ok(found.map(Found::split))
    }

    /// Whether `session` is alive now, and whether its `last_seen_at` is due to be refreshed
    /// (at most about once a minute, so reads stay reads). The session of a banned user is dead:
    /// a ban deletes them all, and this refuses one a login racing the ban made.
    pub fn judge(&self, session: &LiveSession) -> Liveness {
        let now = self.clock.now();
        let banned = super::bans::in_force(session.banned_at, session.banned_until, now);
        if banned || now - session.last_seen_at >= self.idle || now - session.created_at >= self.absolute {
            Liveness::Dead
        } else if now - session.last_seen_at >= TOUCH_INTERVAL {
            Liveness::Unseen { now }
        } else {
            Liveness::Live
        }
    }

    /// Writes `now` into session `id`'s `last_seen_at` — an `UPDATE` of the existing row only, so
    /// a request racing a logout can never bring the session back. Answers whether it still
    /// existed.
    pub async fn touch(&self, id: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
        let touched = session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(touched.rows_affected > 0)
    }

    /// Deletes session `id` (found dead).
    pub async fn delete(&self, id: i32) -> Result<(), DbErr> {
        session::Entity::delete_by_id(id).exec(&self.db).await?;
        Ok(())
    }

    /// Ends the session whose token hashes to `token_hash`, if there is one.
    pub async fn revoke(&self, conn: &impl ConnectionTrait, token_hash: &str) -> Result<(), DbErr> {
        session::Entity::delete_many().filter(session::Column::TokenHash.eq(token_hash)).exec(conn).await?;
        Ok(())
    }

    /// A user's live sessions, most recently used first.
    pub async fn list_for_user(&self, user_id: i32) -> Result<Vec<session::Model>, DbErr> {
        let now = self.clock.now();
        session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::LastSeenAt.gt(now - self.idle))
            .filter(session::Column::CreatedAt.gt(now - self.absolute))
            .order_by_desc(session::Column::LastSeenAt)
            .order_by_desc(session::Column::Id)
            .all(&self.db)
            .await
    }

    /// Ends the user's session `id`; answers whether the user had such a session.
    pub async fn end_one(&self, user_id: i32, id: i32) -> Result<bool, DbErr> {
        let result = session::Entity::delete_many()
            .filter(session::Column::Id.eq(id))
            .filter(session::Column::UserId.eq(user_id))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// Ends all of the user's sessions except `keep` (or all of them with `None`).
    pub async fn end_all(
        &self,
        conn: &impl ConnectionTrait,
        user_id: i32,
        keep: Option<i32>,
    ) -> Result<u64, DbErr> {
        let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
        if let Some(keep) = keep {
            delete = delete.filter(session::Column::Id.ne(keep));
        }
        Ok(delete.exec(conn).await?.rows_affected)
    }

    /// Deletes every session that has timed out; returns how many.
    pub async fn sweep(&self) -> Result<u64, DbErr> {
        let now = self.clock.now();
        let result = session::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(session::Column::LastSeenAt.lte(now - self.idle))
                    .add(session::Column::CreatedAt.lte(now - self.absolute)),
            )
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}
