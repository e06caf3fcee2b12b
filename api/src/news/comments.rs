//! Comments on posts.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, SqlErr,
};

use crate::{
    domain::CommentText,
    entities::{comment, user},
};

/// A comment with its author's name.
#[derive(Clone, Debug, FromQueryResult)]
pub struct WithAuthor {
    pub id: i32,
    pub post_id: i32,
    pub comment_text: String,
    pub created_at: DateTime<Utc>,
    pub user_id: i32,
    pub username: String,
}

/// A post's comments, oldest first.
pub async fn for_post(db: &impl ConnectionTrait, post: i32) -> Result<Vec<WithAuthor>, DbErr> {
    comment::Entity::find()
        .select_only()
        .columns([
            comment::Column::Id,
            comment::Column::PostId,
            comment::Column::CommentText,
            comment::Column::CreatedAt,
            comment::Column::UserId,
        ])
        .column(user::Column::Username)
        .join(JoinType::InnerJoin, comment::Relation::User.def())
        .filter(comment::Column::PostId.eq(post))
        .order_by_asc(comment::Column::CreatedAt)
        .order_by_asc(comment::Column::Id)
        .into_model::<WithAuthor>()
        .all(db)
        .await
}

/// Adds a comment; answers its id, or `None` when the post does not exist (the foreign key
/// decides, so a post deleted a moment ago is caught too).
pub async fn create(
    db: &impl ConnectionTrait,
    author: i32,
    post: i32,
    text: &CommentText,
    now: DateTime<Utc>,
) -> Result<Option<i32>, DbErr> {
    let row = comment::ActiveModel {
        comment_text: Set(text.as_str().to_owned()),
        user_id: Set(author),
        post_id: Set(post),
        created_at: Set(now),
        ..Default::default()
    };
    match comment::Entity::insert(row).exec(db).await {
        Ok(inserted) => Ok(Some(inserted.last_insert_id)),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Who wrote a comment, if it exists.
pub async fn author_of(db: &impl ConnectionTrait, id: i32) -> Result<Option<i32>, DbErr> {
    comment::Entity::find_by_id(id)
        .select_only()
        .column(comment::Column::UserId)
        .into_tuple::<i32>()
        .one(db)
        .await
}

/// Deletes a comment written by `author`; answers whether it was deleted.
pub async fn delete(db: &impl ConnectionTrait, id: i32, author: i32) -> Result<bool, DbErr> {
    let result = comment::Entity::delete_many()
        .filter(comment::Column::Id.eq(id))
        .filter(comment::Column::UserId.eq(author))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
