//! Tags (DESIGN.md section 21): the tags admins keep, the up to three a post carries, and the
//! ones a person filters out of their listings. Every change to them states a change of
//! content: a post's tags and every listing that filters by them are on cached pages.
//!
//! Beside them, `tag_set_counts` (migration `m20261207_000003_tags_and_text_posts`): how many
//! shown posts carry each set of tags found within some post's own. Every write that changes a
//! post's tags or whether it is shown keeps it here ([`set_on_post`], [`count_posts`]), in its
//! unit of work; a listing without some tags is then counted by inclusion–exclusion over a few
//! of its rows ([`Excluded::kept_count`]), not by reading those tags' posts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, DeriveIden, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QuerySelect, Statement, Value,
    sea_query::{Asterisk, Condition, Expr, ExprTrait, Func, Order, Query, SelectStatement, UnionType},
};

use super::{Change, Tx};
use crate::{
    domain::{TagDescription, TagName},
    entities::{post, post_tag, tag, tag_filter},
};

/// A tag as lists show it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Tag {
    pub name: String,
    pub description: String,
    /// How many shown (not removed) posts carry it.
    pub post_count: i64,
}

/// Every tag, by name.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Tag>, DbErr> {
    listed().order_by_asc(tag::Column::Name).into_model::<Tag>().all(db).await
}

/// The tag of this name, if there is one.
pub async fn one(db: &impl ConnectionTrait, name: &str) -> Result<Option<Tag>, DbErr> {
    Ok(listed().filter(tag::Column::Name.eq(name)).into_model::<Tag>().all(db).await?.into_iter().next())
}

/// Tags with their counts of shown posts, each counted from the tag's index range.
fn listed() -> sea_orm::Select<tag::Entity> {
    let mut count = Query::select();
    count
        .expr(Func::count(Expr::col(Asterisk)))
        .from(post_tag::Entity)
        .inner_join(
            post::Entity,
            Expr::col((post::Entity, post::Column::Id)).equals((post_tag::Entity, post_tag::Column::PostId)),
        )
        .and_where(
            Expr::col((post_tag::Entity, post_tag::Column::TagId)).equals((tag::Entity, tag::Column::Id)),
        )
        .and_where(Expr::col((post::Entity, post::Column::RemovedAt)).is_null());
    tag::Entity::find()
        .select_only()
        .columns([tag::Column::Name, tag::Column::Description])
        .column_as(Expr::from(count), "post_count")
}

/// The id of the tag of this name.
pub async fn id_of(db: &impl ConnectionTrait, name: &str) -> Result<Option<i32>, DbErr> {
    tag::Entity::find()
        .select_only()
        .column(tag::Column::Id)
        .filter(tag::Column::Name.eq(name))
        .into_tuple()
        .all(db)
        .await
        .map(|ids: Vec<i32>| ids.into_iter().next())
}

/// The ids of the tags of these names, or the first name no tag has.
pub async fn ids_of(db: &impl ConnectionTrait, names: &[TagName]) -> Result<Result<Vec<i32>, String>, DbErr> {
    if names.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    let found: Vec<(i32, String)> = tag::Entity::find()
        .select_only()
        .columns([tag::Column::Id, tag::Column::Name])
        .filter(tag::Column::Name.is_in(names.iter().map(TagName::as_str)))
        .into_tuple()
        .all(db)
        .await?;
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        match found.iter().find(|(_, found)| found == name.as_str()) {
            Some((id, _)) => ids.push(*id),
            None => return Ok(Err(name.as_str().to_owned())),
        }
    }
    Ok(Ok(ids))
}

/// Adds a tag; `false` if one of that name exists.
pub async fn create(
    tx: &Tx,
    name: TagName,
    description: TagDescription,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = tag::ActiveModel {
        name: Set(name.into_inner()),
        description: Set(description.into_inner()),
        created_at: Set(now),
        ..Default::default()
    };
    // The unique key decides between two admins creating one name at once (as sign-up does).
    match tag::Entity::insert(row).exec(tx).await {
        Ok(_) => {
            tx.changed(Change::Content);
            Ok(true)
        }
        Err(err) if super::is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Describes the tag anew; `false` if there is no such tag.
pub async fn describe(tx: &Tx, name: &TagName, description: TagDescription) -> Result<bool, DbErr> {
    // Whether it is there, asked apart: MariaDB counts only rows an update changes.
    let Some(id) = id_of(tx, name.as_str()).await? else { return Ok(false) };
    tag::Entity::update_many()
        .col_expr(tag::Column::Description, Expr::value(description.into_inner()))
        .filter(tag::Column::Id.eq(id))
        .exec(tx)
        .await?;
    tx.changed(Change::Content);
    Ok(true)
}

/// Deletes the tag, taking it off its posts and out of every filter; `false` if there is none.
pub async fn delete(tx: &Tx, name: &TagName) -> Result<bool, DbErr> {
    let Some(id) = id_of(tx, name.as_str()).await? else { return Ok(false) };
    // Every set without it keeps its count: its posts still carry the rest.
    let sets = Query::delete()
        .from_table(Counts::Table)
        .cond_where(
            Condition::any()
                .add(Expr::col(Counts::TagA).eq(id))
                .add(Expr::col(Counts::TagB).eq(id))
                .add(Expr::col(Counts::TagC).eq(id)),
        )
        .to_owned();
    tx.execute_raw(tx.get_database_backend().build(&sets)).await?;
    // The foreign keys cascade too; deleting explicitly keeps it true on any configuration.
    post_tag::Entity::delete_many().filter(post_tag::Column::TagId.eq(id)).exec(tx).await?;
    tag_filter::Entity::delete_many().filter(tag_filter::Column::TagId.eq(id)).exec(tx).await?;
    tag::Entity::delete_many().filter(tag::Column::Id.eq(id)).exec(tx).await?;
    tx.changed(Change::Content);
    Ok(true)
}

/// Gives post `post` exactly these tags (and keeps the counts of tag sets).
pub async fn set_on_post(tx: &Tx, post: i32, tags: &[i32]) -> Result<(), DbErr> {
    let this = Expr::col((post::Entity, post::Column::Id)).eq(post);
    count_posts(tx, this.clone(), Posts::Shown, -1).await?;
    post_tag::Entity::delete_many().filter(post_tag::Column::PostId.eq(post)).exec(tx).await?;
    if !tags.is_empty() {
        let rows =
            tags.iter().map(|&tag_id| post_tag::ActiveModel { post_id: Set(post), tag_id: Set(tag_id) });
        post_tag::Entity::insert_many(rows).exec_without_returning(tx).await?;
    }
    count_posts(tx, this, Posts::Shown, 1).await?;
    tx.changed(Change::Content);
    Ok(())
}

/// Which of the posts a condition selects [`count_posts`] counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Posts {
    /// Only those shown (not removed).
    Shown,
    /// Shown or not: the post whose removal or restore is being counted.
    Any,
}

/// Adds `delta` (1 or -1) to the count of every set of tags within the tag set of each post
/// `which` (a condition on `posts`) selects: what a post coming into or leaving the shown posts,
/// or its tags changing, does to the counts. Every write that deletes, removes or restores posts
/// calls it, with the posts as they are while they still count (or already count) as shown.
pub async fn count_posts(tx: &Tx, which: Expr, posts: Posts, delta: i64) -> Result<(), DbErr> {
    let mut select = Query::select();
    select
        .column((post_tag::Entity, post_tag::Column::PostId))
        .column((post_tag::Entity, post_tag::Column::TagId))
        .from(post_tag::Entity)
        .inner_join(
            post::Entity,
            Expr::col((post::Entity, post::Column::Id)).equals((post_tag::Entity, post_tag::Column::PostId)),
        )
        .and_where(which)
        .order_by((post_tag::Entity, post_tag::Column::PostId), Order::Asc)
        .order_by((post_tag::Entity, post_tag::Column::TagId), Order::Asc);
    if posts == Posts::Shown {
        select.and_where(Expr::col((post::Entity, post::Column::RemovedAt)).is_null());
    }
    let backend = tx.get_database_backend();
    let rows = tx.query_all_raw(backend.build(&select)).await?;
    let mut sets: Vec<(i32, Vec<i32>)> = Vec::new();
    for row in rows {
        let (post, tag): (i32, i32) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        match sets.last_mut() {
            Some((last, tags)) if *last == post => tags.push(tag),
            _ => sets.push((post, vec![tag])),
        }
    }
    let mut deltas = BTreeMap::<[i32; 3], i64>::new();
    for (_, tags) in &sets {
        for set in subsets(tags) {
            *deltas.entry(set).or_default() += delta;
        }
    }
    let (marks, add) = match backend {
        DatabaseBackend::MySql => ("?, ?, ?, ?", "ON DUPLICATE KEY UPDATE shown = shown + VALUES(shown)"),
        DatabaseBackend::Postgres => (
            "$1, $2, $3, $4",
            "ON CONFLICT (tag_a, tag_b, tag_c) DO UPDATE SET shown = tag_set_counts.shown + excluded.shown",
        ),
        _ => ("?, ?, ?, ?", "ON CONFLICT (tag_a, tag_b, tag_c) DO UPDATE SET shown = shown + excluded.shown"),
    };
    let sql = format!("INSERT INTO tag_set_counts (tag_a, tag_b, tag_c, shown) VALUES ({marks}) {add}");
    // In key order, so writers that meet on the same rows take them in one order.
    for ([a, b, c], delta) in deltas.into_iter().filter(|(_, delta)| *delta != 0) {
        let values: Vec<Value> = vec![a.into(), b.into(), c.into(), delta.into()];
        tx.execute_raw(Statement::from_sql_and_values(backend, sql.clone(), values)).await?;
    }
    Ok(())
}

/// Every non-empty set within `tags` (ascending; a post carries at most three) as the key of
/// `tag_set_counts`: its ids ascending, `0` for each missing.
fn subsets(tags: &[i32]) -> Vec<[i32; 3]> {
    let tags = &tags[..tags.len().min(3)];
    (1u32..1 << tags.len())
        .map(|mask| {
            let mut set = [0; 3];
            let members = tags.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0);
            for (slot, (_, tag)) in members.enumerate() {
                set[slot] = *tag;
            }
            set
        })
        .collect()
}

/// `tag_set_counts`, for the statements built here.
#[derive(DeriveIden, Clone, Copy)]
enum Counts {
    #[sea_orm(iden = "tag_set_counts")]
    Table,
    TagA,
    TagB,
    TagC,
}

/// The names of the tags `user` filters out, by name.
pub async fn filters(db: &impl ConnectionTrait, user: i32) -> Result<Vec<String>, DbErr> {
    tag_filter::Entity::find()
        .select_only()
        .column(tag::Column::Name)
        .join(
            JoinType::InnerJoin,
            tag_filter::Entity::belongs_to(tag::Entity)
                .from(tag_filter::Column::TagId)
                .to(tag::Column::Id)
                .into(),
        )
        .filter(tag_filter::Column::UserId.eq(user))
        .order_by_asc(tag::Column::Name)
        .into_tuple()
        .all(db)
        .await
}

/// Makes `tags` exactly the tags `user` filters out.
pub async fn set_filters(tx: &Tx, user: i32, tags: &[i32]) -> Result<(), DbErr> {
    tag_filter::Entity::delete_many().filter(tag_filter::Column::UserId.eq(user)).exec(tx).await?;
    if !tags.is_empty() {
        let rows =
            tags.iter().map(|&tag_id| tag_filter::ActiveModel { user_id: Set(user), tag_id: Set(tag_id) });
        tag_filter::Entity::insert_many(rows).exec_without_returning(tx).await?;
    }
    tx.changed(Change::Content);
    Ok(())
}

/// The tags a listing leaves out: those its viewer filters and those it names (unknown names
/// leave nothing out).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Excluded {
    /// The logged-in viewer, whose filters apply.
    pub viewer: Option<i32>,
    /// Tag names the caller passed (`exclude_tags`).
    pub names: Vec<String>,
    /// A tag never left out: the tag page's own.
    pub except: Option<i32>,
}

impl Excluded {
    /// Whether it leaves nothing out, whatever is stored.
    fn is_nothing(&self) -> bool {
        self.viewer.is_none() && self.names.is_empty()
    }

    /// `SELECT` of the ids of the tags left out: the viewer's filters and the named tags.
    fn ids(&self) -> SelectStatement {
        let mut filtered = Query::select();
        filtered
            .column(tag_filter::Column::TagId)
            .from(tag_filter::Entity)
            .and_where(Expr::col(tag_filter::Column::UserId).eq(self.viewer.unwrap_or(0)));
        let mut named = Query::select();
        named
            .column(tag::Column::Id)
            .from(tag::Entity)
            .and_where(Expr::col(tag::Column::Name).is_in(self.names.iter().map(String::as_str)));
        match (self.viewer.is_some(), !self.names.is_empty()) {
            (true, true) => filtered.union(UnionType::All, named).to_owned(),
            (true, false) => filtered,
            _ => named,
        }
    }

    /// The `post_tags` rows that leave their post out.
    fn rows(&self) -> SelectStatement {
        let mut rows = Query::select();
        rows.column(post_tag::Column::PostId)
            .from(post_tag::Entity)
            .and_where(Expr::col((post_tag::Entity, post_tag::Column::TagId)).in_subquery(self.ids()));
        if let Some(except) = self.except {
            rows.and_where(Expr::col((post_tag::Entity, post_tag::Column::TagId)).ne(except));
        }
        rows
    }

    /// The condition on `posts` that keeps the posts with none of the tags left out: for each
    /// post looked at, a probe of its (up to three) tags.
    pub fn keeps(&self) -> Option<Expr> {
        if self.is_nothing() {
            return None;
        }
        let mut rows = self.rows();
        rows.and_where(
            Expr::col((post_tag::Entity, post_tag::Column::PostId)).equals((post::Entity, post::Column::Id)),
        );
        Some(Expr::exists(rows).not())
    }

    /// How many shown posts carry `tag` (any post, with `None`) and none of the tags left out
    /// (but `tag`), as an expression, `shown` being the number of all shown posts: from the
    /// counts of tag sets, by inclusion–exclusion. A row for a set counts `+` for one tag, `-` for
    /// two, `+` for three. Summed over the sets within the tags left out, it is how many shown
    /// posts carry any of them, taken from `shown`; summed over the sets that hold `tag` and
    /// otherwise only tags left out, it is how many carry `tag` and none of them. It reads a few
    /// rows per tag left out, never their posts.
    pub fn kept_count(&self, backend: DatabaseBackend, tag: Option<i32>, shown: Expr) -> Expr {
        if tag.is_none() && self.is_nothing() {
            return shown;
        }
        let left_out = |column: Counts| -> Expr {
            if self.is_nothing() {
                Expr::cust("1 = 0")
            } else {
                Expr::col((Counts::Table, column)).in_subquery(self.ids())
            }
        };
        let is = |column: Counts, id: i32| Expr::col((Counts::Table, column)).eq(id);
        let mut sets = Query::select();
        let sum =
            "COALESCE(SUM(CASE WHEN tag_b = 0 THEN shown WHEN tag_c = 0 THEN -shown ELSE shown END), 0)";
        // A sum of `BIGINT` is `NUMERIC` on PostgreSQL and `DECIMAL` on MariaDB: a whole number again.
        sets.expr(Expr::cust(match backend {
            DatabaseBackend::Postgres => format!("CAST({sum} AS BIGINT)"),
            DatabaseBackend::MySql => format!("CAST({sum} AS SIGNED)"),
            _ => sum.to_owned(),
        }))
        .from(Counts::Table);
        match tag {
            None => {
                sets.and_where(left_out(Counts::TagA))
                    .and_where(is(Counts::TagB, 0).or(left_out(Counts::TagB)))
                    .and_where(is(Counts::TagC, 0).or(left_out(Counts::TagC)));
                shown.sub(Expr::from(sets))
            }
            Some(tag) => {
                sets.and_where(is(Counts::TagA, tag).or(is(Counts::TagB, tag)).or(is(Counts::TagC, tag)))
                    .and_where(is(Counts::TagA, tag).or(left_out(Counts::TagA)))
                    .and_where(is(Counts::TagB, 0).or(is(Counts::TagB, tag)).or(left_out(Counts::TagB)))
                    .and_where(is(Counts::TagC, 0).or(is(Counts::TagC, tag)).or(left_out(Counts::TagC)));
                Expr::from(sets)
            }
        }
    }
}

/// The condition on `posts` that keeps the posts carrying tag `id`.
pub fn carried(id: i32) -> Expr {
    let mut rows = Query::select();
    rows.column(post_tag::Column::PostId)
        .from(post_tag::Entity)
        .and_where(Expr::col(post_tag::Column::TagId).eq(id));
    Expr::col((post::Entity, post::Column::Id)).in_subquery(rows)
}

/// A post's tag names, comma-separated (names hold no commas), as an expression on `posts`:
/// `NULL` when it has none. Read beside each summary, so a page stays one statement.
pub fn names_of_post(backend: DatabaseBackend) -> Expr {
    let names = comma_joined(backend);
    Expr::cust(format!(
        "(SELECT {names} FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = posts.id)"
    ))
}

/// `(post_id, names)` of post `id` alone, `names` as [`names_of_post`] has them: a derived table
/// a post's page joins once, rather than a subquery run again for each of its comments' rows.
pub fn names_of(backend: DatabaseBackend, id: i32) -> SelectStatement {
    let (pt, t) = ("pt", "t");
    Query::select()
        .expr_as(Expr::col((pt, post_tag::Column::PostId)), "post_id")
        .expr_as(Expr::cust(comma_joined(backend)), "names")
        .from_as(post_tag::Entity, pt)
        .join_as(
            JoinType::InnerJoin,
            tag::Entity,
            t,
            Expr::col((t, tag::Column::Id)).equals((pt, post_tag::Column::TagId)),
        )
        .and_where(Expr::col((pt, post_tag::Column::PostId)).eq(id))
        .group_by_col((pt, post_tag::Column::PostId))
        .to_owned()
}

/// The aggregate of the names `t.name` of a post's tags, comma-separated, on `backend`.
fn comma_joined(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "string_agg(t.name, ',')",
        // SQLite's and MariaDB's default separator is the comma.
        _ => "GROUP_CONCAT(t.name)",
    }
}

/// The names [`names_of_post`] read, in name order.
pub fn split_names(names: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> =
        names.unwrap_or_default().split(',').filter(|name| !name.is_empty()).map(str::to_owned).collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
mod tests {
    use super::subsets;

    #[test]
    fn a_posts_tag_sets_are_every_non_empty_set_within_its_tags_padded_with_zeros() {
        assert_eq!(subsets(&[]), Vec::<[i32; 3]>::new());
        assert_eq!(subsets(&[4]), vec![[4, 0, 0]]);
        let mut three = subsets(&[2, 5, 9]);
        three.sort_unstable();
        assert_eq!(three, vec![[2, 0, 0], [2, 5, 0], [2, 5, 9], [2, 9, 0], [5, 0, 0], [5, 9, 0], [9, 0, 0]]);
    }
}
