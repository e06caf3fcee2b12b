//! Upvotes: one per user and post, kept so by the primary key rather than by checking first.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, SqlErr,
};

use crate::entities::{post, vote};

/// What casting a vote found.
#[derive(Debug, PartialEq, Eq)]
pub enum Cast {
    /// The vote is new.
    Added,
    /// The user had already upvoted the post; nothing changed.
    AlreadyThere,
    /// The post does not exist (any more).
    NoSuchPost,
}

/// Records `user`'s upvote of `post`; casting twice is the same as once.
pub async fn cast(
    db: &impl ConnectionTrait,
    user: i32,
    post: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Cast, DbErr> {
    let row = vote::ActiveModel { user_id: Set(user), post_id: Set(post), created_at: Set(now) };
    match vote::Entity::insert(row).exec_without_returning(db).await {
        Ok(_) => Ok(Cast::Added),
        Err(err) => match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Ok(Cast::AlreadyThere),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Ok(Cast::NoSuchPost),
            _ => Err(err),
        },
    }
}

/// Takes back `user`'s upvote of `post`; answers whether there was one.
pub async fn withdraw(db: &impl ConnectionTrait, user: i32, post: i32) -> Result<bool, DbErr> {
    let result = vote::Entity::delete_many()
        .filter(vote::Column::UserId.eq(user))
        .filter(vote::Column::PostId.eq(post))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// How many upvotes `post` has, or `None` if there is no such post: one statement.
pub async fn count(db: &impl ConnectionTrait, post: i32) -> Result<Option<i64>, DbErr> {
    let votes = super::posts::count_for_post(vote::Entity, vote::Column::PostId, None);
    post::Entity::find_by_id(post).select_only().expr(votes).into_tuple::<i64>().one(db).await
}
