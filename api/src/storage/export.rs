//! What a person wrote and did, read for their export (DESIGN.md section 22): the rows that are
//! theirs and read nowhere else in this shape. The rest of the export comes from the modules that
//! own it (sessions, tokens, notifications, mutes, tags, invitations).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::{comment, flag, hidden_post, post, saved_post, vote};

/// One of their posts.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Post {
    pub id: i32,
    pub title: String,
    /// `None` for a text post.
    pub post_url: Option<String>,
    pub text: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub vote_count: i32,
    /// When a moderator removed it, if one did.
    pub removed_at: Option<DateTime<Utc>>,
}

/// Every post `user` wrote, oldest first.
pub async fn posts(db: &impl ConnectionTrait, user: i32) -> Result<Vec<Post>, DbErr> {
    post::Entity::find()
        .select_only()
        .columns([post::Column::Id, post::Column::Title])
        .column_as(super::posts::link(), "post_url")
        .column_as(post::Column::Body, "text")
        .columns([
            post::Column::CreatedAt,
            post::Column::UpdatedAt,
            post::Column::VoteCount,
            post::Column::RemovedAt,
        ])
        .filter(post::Column::UserId.eq(user))
        .order_by_asc(post::Column::Id)
        .into_model::<Post>()
        .all(db)
        .await
}

/// One of their comments.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Comment {
    pub id: i32,
    pub post_id: i32,
    pub parent_id: Option<i32>,
    pub comment_text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub removed_at: Option<DateTime<Utc>>,
}

/// Every comment `user` wrote and did not delete, oldest first.
pub async fn comments(db: &impl ConnectionTrait, user: i32) -> Result<Vec<Comment>, DbErr> {
    comment::Entity::find()
        .select_only()
        .columns([
            comment::Column::Id,
            comment::Column::PostId,
            comment::Column::ParentId,
            comment::Column::CommentText,
            comment::Column::CreatedAt,
            comment::Column::UpdatedAt,
            comment::Column::RemovedAt,
        ])
        .filter(comment::Column::UserId.eq(user))
        .filter(comment::Column::Deleted.eq(false))
        .order_by_asc(comment::Column::Id)
        .into_model::<Comment>()
        .all(db)
        .await
}

/// A post and when it was marked (voted, saved, hidden).
#[derive(Clone, Debug, FromQueryResult)]
pub struct Marked {
    pub post_id: i32,
    pub created_at: DateTime<Utc>,
}

/// Which of their marks on posts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marks {
    Votes,
    Saved,
    Hidden,
}

/// The posts `user` marked so, oldest mark first.
pub async fn marks(db: &impl ConnectionTrait, user: i32, which: Marks) -> Result<Vec<Marked>, DbErr> {
    macro_rules! of {
        ($entity:ident) => {
            $entity::Entity::find()
                .select_only()
                .columns([$entity::Column::PostId, $entity::Column::CreatedAt])
                .filter($entity::Column::UserId.eq(user))
                .order_by_asc($entity::Column::CreatedAt)
                .order_by_asc($entity::Column::PostId)
                .into_model::<Marked>()
                .all(db)
                .await
        };
    }
    match which {
        Marks::Votes => of!(vote),
        Marks::Saved => of!(saved_post),
        Marks::Hidden => of!(hidden_post),
    }
}

/// A flag they raised.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Flag {
    pub post_id: Option<i32>,
    pub comment_id: Option<i32>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// Every flag `user` raised that stands, oldest first.
pub async fn flags(db: &impl ConnectionTrait, user: i32) -> Result<Vec<Flag>, DbErr> {
    flag::Entity::find()
        .select_only()
        .columns([
            flag::Column::PostId,
            flag::Column::CommentId,
            flag::Column::Reason,
            flag::Column::CreatedAt,
        ])
        .filter(flag::Column::UserId.eq(user))
        .order_by_asc(flag::Column::Id)
        .into_model::<Flag>()
        .all(db)
        .await
}
