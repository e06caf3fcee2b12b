//! The sessions table: issuing, resolving, refreshing and revoking logins (DESIGN.md section 4).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait,
    sea_query::{Expr, JoinType},
};

use std::sync::Arc;

use super::{cache::SessionCache, token::SessionToken};
use crate::{
    clock::Clock,
    config::Config,
    entities::{session, user},
};

/// `last_seen_at` is written at most this often per session, so reads stay reads.
const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// User agents are kept for the sessions list, cut to this many characters.
const USER_AGENT_MAX: usize = 512;

/// A session that is alive right now, and whose it is.
#[derive(Clone, Debug, FromQueryResult)]
pub struct LiveSession {
    pub id: i32,
    pub user_id: i32,
    pub username: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// The session store, with the clock and timeouts it judges liveness by.
#[derive(Clone)]
pub struct Sessions {
    db: DatabaseConnection,
    clock: Clock,
    idle: chrono::Duration,
    absolute: chrono::Duration,
    /// Only on embedded SQLite (see [`SessionCache`]).
    cache: Option<Arc<SessionCache>>,
}

impl Sessions {
    pub fn new(db: DatabaseConnection, config: &Config) -> Self {
        let to_chrono = |d| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        Self {
            cache: crate::db::single_writer(&db).then(Arc::default),
            db,
            clock: config.clock.clone(),
            idle: to_chrono(config.session_idle_timeout),
            absolute: to_chrono(config.session_absolute_timeout),
        }
    }

    fn forget(&self, ended: impl Fn(&str, &LiveSession) -> bool) {
        if let Some(cache) = &self.cache {
            cache.forget(ended);
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

    /// The live session whose token hashes to `hash`, if any. A dead one is deleted on the way; a
    /// live one has its `last_seen_at` refreshed when it is over a minute old — by an `UPDATE` of
    /// the existing row only, so a request racing a logout can never bring the session back.
    pub async fn resolve(&self, hash: &str) -> Result<Option<LiveSession>, DbErr> {
        let cached = self.cache.as_ref().and_then(|cache| cache.get(hash));
        let mut live = match cached {
            Some(live) => live,
            None => {
                let generation = self.cache.as_ref().map(|cache| cache.generation());
                let Some(live) = self.find(hash).await? else {
                    return Ok(None);
                };
                if let (Some(cache), Some(generation)) = (&self.cache, generation) {
                    cache.insert(hash, live.clone(), generation);
                }
                live
            }
        };
        let now = self.clock.now();
        if now - live.last_seen_at >= self.idle || now - live.created_at >= self.absolute {
            self.forget(|h, _| h == hash);
            session::Entity::delete_by_id(live.id).exec(&self.db).await?;
            return Ok(None);
        }
        if now - live.last_seen_at >= TOUCH_INTERVAL {
            let touched = session::Entity::update_many()
                .col_expr(session::Column::LastSeenAt, Expr::value(now))
                .filter(session::Column::Id.eq(live.id))
                .exec(&self.db)
                .await?;
            if touched.rows_affected == 0 {
                self.forget(|h, _| h == hash);
                return Ok(None);
            }
            if let Some(cache) = &self.cache {
                cache.touched(hash, now);
            }
            live.last_seen_at = now;
        }
        Ok(Some(live))
    }

    async fn find(&self, token_hash: &str) -> Result<Option<LiveSession>, DbErr> {
        session::Entity::find()
            .select_only()
            .columns([
                session::Column::Id,
                session::Column::UserId,
                session::Column::CreatedAt,
                session::Column::LastSeenAt,
            ])
            .column(user::Column::Username)
            .join(JoinType::InnerJoin, session::Relation::User.def())
            .filter(session::Column::TokenHash.eq(token_hash))
            .into_model::<LiveSession>()
            .one(&self.db)
            .await
    }

    /// Ends the session whose token hashes to `token_hash`, if there is one.
    pub async fn revoke(&self, conn: &impl ConnectionTrait, token_hash: &str) -> Result<(), DbErr> {
        self.forget(|h, _| h == token_hash);
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
        self.forget(|_, s| s.id == id);
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
        self.forget(|_, s| s.user_id == user_id && Some(s.id) != keep);
        let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
        if let Some(keep) = keep {
            delete = delete.filter(session::Column::Id.ne(keep));
        }
        Ok(delete.exec(conn).await?.rows_affected)
    }

    /// Deletes every session that has timed out; returns how many.
    pub async fn sweep(&self) -> Result<u64, DbErr> {
        let now = self.clock.now();
        self.forget(|_, s| now - s.last_seen_at >= self.idle || now - s.created_at >= self.absolute);
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
