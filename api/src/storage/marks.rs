//! Posts a person marked for themselves (DESIGN.md section 21): saved, to come back to, or hidden,
//! to leave out of their listings. A table per mark, both of one shape (`saved_posts`,
//! `hidden_posts`): one row per person and post, kept to one by the primary key, gone with the
//! person or the post. Marking and unmarking state a change of content: the person's cached
//! pages show `saved`, or leave the post out.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DbErr, EntityName, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationDef,
    RelationTrait,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, OnConflict, Query, SelectStatement},
};

use super::{
    Change, Tx, mutes,
    posts::{self, Summary},
};
use crate::entities::{
    hidden_post,
    post,
    // Both marks' tables have `saved_posts`' columns.
    saved_post::{self, Column},
};

/// What a person can mark a post as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mark {
    Saved,
    Hidden,
}

impl Mark {
    fn table(self) -> &'static str {
        match self {
            Self::Saved => saved_post::Entity.table_name(),
            Self::Hidden => hidden_post::Entity.table_name(),
        }
    }

    /// From the mark's table to `posts`.
    fn to_post(self) -> RelationDef {
        match self {
            Self::Saved => saved_post::Relation::Post.def(),
            Self::Hidden => hidden_post::Relation::Post.def(),
        }
    }

    fn col(self, column: Column) -> Expr {
        Expr::col((Alias::new(self.table()), column))
    }
}

/// What marking or unmarking found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marking {
    /// The post is marked (or not) as asked, whether or not it was already.
    Done,
    /// There is no such post, or a moderator removed it.
    NoSuchPost,
}

/// Marks `post` for `user`; marking twice is the same as once (the first time is kept).
pub async fn mark(tx: &Tx, mark: Mark, user: i32, post: i32, now: DateTime<Utc>) -> Result<Marking, DbErr> {
    if !posts::is_shown(tx, post).await? {
        return Ok(Marking::NoSuchPost);
    }
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(mark.table()))
        .columns([Column::UserId, Column::PostId, Column::CreatedAt])
        .values_panic([user.into(), post.into(), now.into()])
        .on_conflict(
            OnConflict::columns([Column::UserId, Column::PostId]).do_nothing_on([Column::UserId]).to_owned(),
        );
    match tx.execute_raw(tx.get_database_backend().build(&insert)).await {
        Ok(_) => {}
        // The post was deleted since it was read.
        Err(err) if super::is_missing_reference(&err) => return Ok(Marking::NoSuchPost),
        Err(err) => return Err(err),
    }
    tx.changed(Change::Content);
    Ok(Marking::Done)
}

/// Takes `mark` off `post` for `user`; unmarking one not marked changes nothing.
pub async fn unmark(tx: &Tx, mark: Mark, user: i32, post: i32) -> Result<Marking, DbErr> {
    if !posts::is_shown(tx, post).await? {
        return Ok(Marking::NoSuchPost);
    }
    let mut delete = Query::delete();
    delete
        .from_table(Alias::new(mark.table()))
        .and_where(mark.col(Column::UserId).eq(user))
        .and_where(mark.col(Column::PostId).eq(post));
    let removed = tx.execute_raw(tx.get_database_backend().build(&delete)).await?.rows_affected();
    if removed > 0 {
        tx.changed(Change::Content);
    }
    Ok(Marking::Done)
}

/// A page of the posts `user` marked so (those still shown), most recently marked first, as
/// `user` sees them, and how many there are: two statements on the mark's indexes.
pub async fn page(
    db: &impl ConnectionTrait,
    mark: Mark,
    user: i32,
    page: u64,
    per_page: u64,
) -> Result<(Vec<Summary>, u64), DbErr> {
    let rows = posts::summaries(db.get_database_backend(), Some(user))
        .join_rev(JoinType::InnerJoin, mark.to_post())
        .filter(mark.col(Column::UserId).eq(user))
        .filter(Expr::col((post::Entity, post::Column::RemovedAt)).is_null())
        .order_by_desc(mark.col(Column::CreatedAt))
        .order_by_desc(post::Column::Id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .into_model::<Summary>()
        .all(db)
        .await?;
    let mut count = Query::select();
    count
        .expr(Func::count(Expr::col(Asterisk)))
        .from(Alias::new(mark.table()))
        .inner_join(
            post::Entity,
            Expr::col((post::Entity, post::Column::Id)).equals((Alias::new(mark.table()), Column::PostId)),
        )
        .and_where(mark.col(Column::UserId).eq(user))
        .and_where(Expr::col((post::Entity, post::Column::RemovedAt)).is_null());
    let row = db.query_one_raw(db.get_database_backend().build(&count)).await?;
    let total: i64 = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok((rows, u64::try_from(total).unwrap_or_default()))
}

/// How many shown posts `viewer` hid that are not by someone they muted (those are counted with
/// the muted people's posts, `mutes::muted_posts_count`): with it, what a listing of every shown
/// post leaves out for them.
pub(super) fn hidden_count(viewer: i32) -> SelectStatement {
    let mut count = Query::select();
    count
        .expr(Func::count(Expr::col(Asterisk)))
        .from(hidden_post::Entity)
        .inner_join(
            post::Entity,
            Expr::col((post::Entity, post::Column::Id))
                .equals((hidden_post::Entity, hidden_post::Column::PostId)),
        )
        .and_where(Expr::col((hidden_post::Entity, hidden_post::Column::UserId)).eq(viewer))
        .and_where(Expr::col((post::Entity, post::Column::RemovedAt)).is_null())
        .and_where(mutes::not_muted_by(viewer, Expr::col((post::Entity, post::Column::UserId))));
    count
}

/// "`viewer` has not hidden the post of this row", where the row is a `posts` row (by any name).
pub(super) fn not_hidden_by(viewer: i32) -> Expr {
    let mut hidden = Query::select();
    hidden
        .expr(Expr::val(1))
        .from(hidden_post::Entity)
        .and_where(Expr::col((hidden_post::Entity, hidden_post::Column::UserId)).eq(viewer))
        .and_where(
            Expr::col((hidden_post::Entity, hidden_post::Column::PostId))
                .equals((post::Entity, post::Column::Id)),
        );
    Expr::exists(hidden).not()
}
