//! Bans (DESIGN.md section 15): while one is in force the user has no session and cannot log
//! in. A ban with an end lifts itself when the end passes; nothing needs to run for that.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

use crate::entities::user;

/// Whether a ban made at `banned_at`, ending at `until` (never, if `None`), holds at `now`.
pub fn in_force(banned_at: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    banned_at.is_some() && until.is_none_or(|until| until > now)
}

/// A ban as the user's row keeps it.
#[derive(Clone, Debug)]
pub struct Ban {
    pub at: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
}

impl Ban {
    /// The ban in `user`'s row, if one is in force at `now`.
    pub fn of(user: &user::Model, now: DateTime<Utc>) -> Option<Self> {
        Self::from_columns(user.banned_at, user.banned_until, user.ban_reason.clone(), now)
    }

    /// The ban these columns describe, if it is in force at `now`.
    pub fn from_columns(
        at: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Option<Self> {
        in_force(at, until, now).then(|| Self {
            at: at.unwrap_or(now),
            until,
            reason: reason.unwrap_or_default(),
        })
    }

    /// What a refused login says.
    pub fn message(&self) -> String {
        match self.until {
            Some(until) => format!(
                "this account is banned until {} UTC: {}",
                until.format("%Y-%m-%d %H:%M"),
                self.reason
            ),
            None => format!("this account is banned: {}", self.reason),
        }
    }
}

/// Writes a ban into the user's row (replacing any earlier one). The caller ends the user's
/// sessions in the same transaction.
pub async fn impose(
    conn: &impl ConnectionTrait,
    user: i32,
    reason: &str,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::BannedAt, Expr::value(now))
        .col_expr(user::Column::BannedUntil, Expr::value(until))
        .col_expr(user::Column::BanReason, Expr::value(reason))
        .filter(user::Column::Id.eq(user))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Lifts the user's ban, if any; answers whether one was in force.
pub async fn lift(conn: &impl ConnectionTrait, user: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let Some(row) = user::Entity::find_by_id(user).one(conn).await? else { return Ok(false) };
    let was = Ban::of(&row, now).is_some();
    user::Entity::update_many()
        .col_expr(user::Column::BannedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(user::Column::BannedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(user::Column::BanReason, Expr::value(Option::<String>::None))
        .filter(user::Column::Id.eq(user))
        .exec(conn)
        .await?;
    Ok(was)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ban_holds_until_its_end() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let hour = chrono::Duration::hours(1);
        assert!(!in_force(None, None, now));
        assert!(in_force(Some(now - hour), None, now));
        assert!(in_force(Some(now - hour), Some(now + hour), now));
        assert!(!in_force(Some(now - hour), Some(now), now));
        assert!(!in_force(Some(now - hour), Some(now - hour), now));
    }
}
