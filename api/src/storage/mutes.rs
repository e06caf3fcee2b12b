//! Muted people (DESIGN.md section 21): whom a person muted. A muted person's posts are left out
//! of the muter's listings and search, and their comments come marked for the muter, to be shown
//! collapsed; they are not told. One row per pair, kept to one by the primary key, gone with
//! either person. Muting and unmuting state a change of content: the muter's cached pages change.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Asterisk, Expr, ExprTrait, Func, OnConflict, Query, SelectStatement},
};

use super::{Change, Tx};
use crate::entities::{muted_user, post, user};

/// Someone the person muted.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Muted {
    pub id: i32,
    pub username: String,
    pub muted_at: DateTime<Utc>,
}

/// `user` mutes `muted`; muting twice is the same as once. `false` if `muted` no longer exists.
pub async fn mute(tx: &Tx, user: i32, muted: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let row = muted_user::ActiveModel { user_id: Set(user), muted_id: Set(muted), created_at: Set(now) };
    let inserted = muted_user::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([muted_user::Column::UserId, muted_user::Column::MutedId])
                .do_nothing_on([muted_user::Column::UserId])
                .to_owned(),
        )
        .exec_without_returning(tx)
        .await;
    match inserted {
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        // The person was deleted since they were looked up.
        Err(err) if super::is_missing_reference(&err) => return Ok(false),
        Err(err) => return Err(err),
    }
    tx.changed(Change::Content);
    Ok(true)
}

/// `user` unmutes `muted`; unmuting someone not muted changes nothing.
pub async fn unmute(tx: &Tx, user: i32, muted: i32) -> Result<(), DbErr> {
    let removed = muted_user::Entity::delete_many()
        .filter(muted_user::Column::UserId.eq(user))
        .filter(muted_user::Column::MutedId.eq(muted))
        .exec(tx)
        .await?
        .rows_affected;
    if removed > 0 {
        tx.changed(Change::Content);
    }
    Ok(())
}

/// Everyone `user` muted, most recently muted first.
pub async fn list(db: &impl ConnectionTrait, user: i32) -> Result<Vec<Muted>, DbErr> {
    muted_user::Entity::find()
        .select_only()
        .column_as(user::Column::Id, "id")
        .column(user::Column::Username)
        .column_as(muted_user::Column::CreatedAt, "muted_at")
        .join(
            JoinType::InnerJoin,
            muted_user::Entity::belongs_to(user::Entity)
                .from(muted_user::Column::MutedId)
                .to(user::Column::Id)
                .into(),
        )
        .filter(muted_user::Column::UserId.eq(user))
        .order_by_desc(muted_user::Column::CreatedAt)
        .order_by_asc(user::Column::Id)
        .into_model::<Muted>()
        .all(db)
        .await
}

/// "`viewer` has not muted the author of this row's post", where the row is a `posts` row, or a
/// row whose author is `author`.
pub(super) fn not_muted_by(viewer: i32, author: Expr) -> Expr {
    let mut muted = Query::select();
    muted
        .expr(Expr::val(1))
        .from(muted_user::Entity)
        .and_where(Expr::col((muted_user::Entity, muted_user::Column::UserId)).eq(viewer))
        .and_where(Expr::col((muted_user::Entity, muted_user::Column::MutedId)).eq(author));
    Expr::exists(muted).not()
}

/// How many shown posts people `viewer` muted wrote: an index range of the author's posts for
/// each person muted.
pub(super) fn muted_posts_count(viewer: i32) -> SelectStatement {
    let mut count = Query::select();
    count
        .expr(Func::count(Expr::col(Asterisk)))
        .from(muted_user::Entity)
        .inner_join(
            post::Entity,
            Expr::col((post::Entity, post::Column::UserId))
                .equals((muted_user::Entity, muted_user::Column::MutedId)),
        )
        .and_where(Expr::col((muted_user::Entity, muted_user::Column::UserId)).eq(viewer))
        .and_where(Expr::col((post::Entity, post::Column::RemovedAt)).is_null());
    count
}
