//! Saved posts (DESIGN.md section 21): one row per person and post, kept to one by the primary
//! key, gone with the person or the post. Saving and unsaving state a change of content: the
//! saver's cached pages show `saved`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, sea_query::OnConflict,
};

use super::{
    Change, Tx,
    posts::{self, Summary},
};
use crate::entities::{post, saved_post};

/// What saving or unsaving found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saving {
    /// The post is saved (or not) as asked, whether or not it was already.
    Done,
    /// There is no such post, or a moderator removed it.
    NoSuchPost,
}

/// Saves `post` for `user`; saving twice is the same as once.
pub async fn save(tx: &Tx, user: i32, post: i32, now: DateTime<Utc>) -> Result<Saving, DbErr> {
    if !posts::is_shown(tx, post).await? {
        return Ok(Saving::NoSuchPost);
    }
    let row = saved_post::ActiveModel { user_id: Set(user), post_id: Set(post), created_at: Set(now) };
    let saved = saved_post::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([saved_post::Column::UserId, saved_post::Column::PostId])
                .do_nothing_on([saved_post::Column::UserId])
                .to_owned(),
        )
        .exec_without_returning(tx)
        .await;
    match saved {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        // The post was deleted since it was read.
        Err(err) if super::is_missing_reference(&err) => return Ok(Saving::NoSuchPost),
        Err(err) => return Err(err),
    }
    tx.changed(Change::Content);
    Ok(Saving::Done)
}

/// Takes `post` out of `user`'s saved posts; unsaving one not saved changes nothing.
pub async fn unsave(tx: &Tx, user: i32, post: i32) -> Result<Saving, DbErr> {
    if !posts::is_shown(tx, post).await? {
        return Ok(Saving::NoSuchPost);
    }
    let removed = saved_post::Entity::delete_many()
        .filter(saved_post::Column::UserId.eq(user))
        .filter(saved_post::Column::PostId.eq(post))
        .exec(tx)
        .await?
        .rows_affected;
    if removed > 0 {
        tx.changed(Change::Content);
    }
    Ok(Saving::Done)
}

/// A page of the posts `user` saved (those still shown), most recently saved first, as `user`
/// sees them, and how many there are: two indexed statements.
pub async fn page(
    db: &impl ConnectionTrait,
    user: i32,
    page: u64,
    per_page: u64,
) -> Result<(Vec<Summary>, u64), DbErr> {
    let rows = posts::summaries(Some(user))
        .join_rev(JoinType::InnerJoin, saved_post::Relation::Post.def())
        .filter(saved_post::Column::UserId.eq(user))
        .filter(post::Column::RemovedAt.is_null())
        .order_by_desc(saved_post::Column::CreatedAt)
        .order_by_desc(post::Column::Id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .into_model::<Summary>()
        .all(db)
        .await?;
    let total = saved_post::Entity::find()
        .join(JoinType::InnerJoin, saved_post::Relation::Post.def())
        .filter(saved_post::Column::UserId.eq(user))
        .filter(post::Column::RemovedAt.is_null())
        .count(db)
        .await?;
    Ok((rows, total))
}
