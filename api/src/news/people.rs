//! People's pages (DESIGN.md section 13): who someone is and what they have done, counted exactly.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Query},
};

use crate::entities::{comment, invite, post, user};

/// A person as their page shows them.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Profile {
    pub id: i32,
    pub username: String,
    pub created_at: DateTime<Utc>,
    pub role: String,
    /// Votes received on their posts.
    pub karma: i64,
    pub post_count: i64,
    /// Comments shown with their text (placeholders have no author; removed ones, and those on
    /// removed posts, are not shown).
    pub comment_count: i64,
    pub banned_at: Option<DateTime<Utc>>,
    pub banned_until: Option<DateTime<Utc>>,
    pub ban_reason: Option<String>,
}

/// The person with this name (ignoring case) and their counts: one statement, each count a
/// subquery on an index by author.
pub async fn profile(db: &impl ConnectionTrait, username: &str) -> Result<Option<Profile>, DbErr> {
    let by_author = |column: post::Column| Expr::col((post::Entity, column));
    let mut karma = Query::select();
    karma
        .expr(Func::coalesce([Func::sum(by_author(post::Column::VoteCount)).into(), Expr::val(0)]))
        .from(post::Entity)
        .and_where(by_author(post::Column::UserId).equals((user::Entity, user::Column::Id)))
        .and_where(by_author(post::Column::RemovedAt).is_null());
    // SUM is DECIMAL on MariaDB and NUMERIC on PostgreSQL: made a 64-bit integer on each.
    let integer = match db.get_database_backend() {
        DatabaseBackend::MySql => "SIGNED",
        _ => "BIGINT",
    };
    let mut posts = Query::select();
    posts
        .expr(Func::count(Expr::col(Asterisk)))
        .from(post::Entity)
        .and_where(by_author(post::Column::UserId).equals((user::Entity, user::Column::Id)))
        .and_where(by_author(post::Column::RemovedAt).is_null());
    let mut comments = Query::select();
    comments
        .expr(Func::count(Expr::col(Asterisk)))
        .from(comment::Entity)
        .and_where(
            Expr::col((comment::Entity, comment::Column::UserId)).equals((user::Entity, user::Column::Id)),
        )
        .and_where(comment::Column::Deleted.eq(false))
        .and_where(comment::Column::RemovedAt.is_null())
        .and_where(Expr::col((comment::Entity, comment::Column::PostId)).not_in_subquery(removed_posts()));
    user::Entity::find()
        .select_only()
        .columns([
            user::Column::Id,
            user::Column::Username,
            user::Column::CreatedAt,
            user::Column::Role,
            user::Column::BannedAt,
            user::Column::BannedUntil,
            user::Column::BanReason,
        ])
        .column_as(Expr::from(Func::cast_as(Expr::from(karma), Alias::new(integer))), "karma")
        .column_as(Expr::from(posts), "post_count")
        .column_as(Expr::from(comments), "comment_count")
        .filter(user::Column::UsernameKey.eq(username.to_ascii_lowercase()))
        .into_model::<Profile>()
        .one(db)
        .await
}

/// `SELECT id FROM posts WHERE removed_at IS NOT NULL`: what no count of comments counts under.
pub fn removed_posts() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(post::Column::Id)
        .from(post::Entity)
        .and_where(Expr::col((post::Entity, post::Column::RemovedAt)).is_not_null())
        .to_owned()
}

/// Who invited `user` (the maker of the invitation they signed up with), if anyone did and is
/// still here.
pub async fn inviter_of(db: &impl ConnectionTrait, user: i32) -> Result<Option<(i32, String)>, DbErr> {
    let inviter: Option<i32> = invite::Entity::find()
        .select_only()
        .column(invite::Column::UserId)
        .filter(invite::Column::UsedBy.eq(user))
        .into_tuple()
        .one(db)
        .await?;
    let Some(inviter) = inviter else { return Ok(None) };
    user::Entity::find_by_id(inviter)
        .select_only()
        .columns([user::Column::Id, user::Column::Username])
        .into_tuple()
        .one(db)
        .await
}

/// The id of the person with this name (ignoring case).
pub async fn id_of(db: &impl ConnectionTrait, username: &str) -> Result<Option<i32>, DbErr> {
    Ok(name_and_id(db, username).await?.map(|(id, _)| id))
}

/// The id and name (as they wrote it) of the person with this name (ignoring case).
pub async fn name_and_id(db: &impl ConnectionTrait, username: &str) -> Result<Option<(i32, String)>, DbErr> {
    user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::Username])
        .filter(user::Column::UsernameKey.eq(username.to_ascii_lowercase()))
        .into_tuple()
        .one(db)
        .await
}
