//! Posts, listed with their author and counts in one query per page, newest, hottest or most
//! voted first. A post a moderator removed is in no listing, and is found by id only for those
//! who may see it.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select, Statement,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Query, SelectStatement},
};

use super::{
    Change, Row, Rows, Tx, comments, marks, mutes,
    notifications::{self, Cause, Mentioned},
    tags::{self, Excluded},
    template::Template,
};
use crate::{
    domain::{PostText, PostTitle, PostUrl, links, ranking::hotness},
    entities::{comment, muted_user, post, saved_post, thread_mute, user, vote},
};

/// A post as lists show it: the row, its author's name, and its counts for one viewer.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Summary {
    pub id: i32,
    pub title: String,
    /// The link; `None` for a text post.
    pub post_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub user_id: i32,
    pub username: String,
    pub vote_count: i32,
    /// Its tags' names, comma-separated, in no order (`tags::names_of_post`); see [`Self::tags`].
    pub tag_list: Option<String>,
    /// `None` only for a row not ranked yet, which the server never serves (see `ranking`).
    pub hotness: Option<f64>,
    pub comment_count: i64,
    /// 1 when the viewer has upvoted the post (a count, so it decodes alike on every database).
    pub viewer_votes: i64,
    /// 1 when the viewer has saved the post (a count, as `viewer_votes`).
    pub viewer_saves: i64,
    /// When a moderator removed it, if one did.
    pub removed_at: Option<DateTime<Utc>>,
    pub removed_reason: Option<String>,
}

impl Summary {
    /// Its tags' names, in name order.
    pub fn tags(&self) -> Vec<String> {
        tags::split_names(self.tag_list.as_deref())
    }
}

/// A text post's text, beside its summary on its own page.
#[derive(Clone, Debug, Default)]
pub struct Body {
    /// The Markdown as written (trimmed); `None` for a link post.
    pub text: Option<String>,
    /// `text` rendered and sanitised.
    pub html: Option<String>,
}

/// The order of a listing. Ties are broken by id, highest first, so pages never overlap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Order {
    /// Newest first.
    Newest,
    /// Highest stored `hotness` first.
    Hottest,
    /// Most votes first, among the posts created at or after `since` (all of them if `None`).
    MostVoted { since: Option<DateTime<Utc>> },
}

/// Which posts, in which order. Removed posts are never among them.
#[derive(Clone, Debug)]
pub struct Filter {
    pub order: Order,
    pub author: Option<i32>,
    /// Only posts of this link (`links::key`).
    pub url_key: Option<String>,
    /// Only posts carrying this tag (by id).
    pub tag: Option<i32>,
    /// The tags whose posts are left out, apart from `tag`.
    pub excluded: Excluded,
}

impl Filter {
    /// Whether the number of posts it lets through is kept (`post_totals` and the counts of tag
    /// sets), rather than counted: all shown posts, or one tag's, without the tags left out.
    fn is_counted(&self) -> bool {
        self.author.is_none()
            && self.url_key.is_none()
            && !matches!(self.order, Order::MostVoted { since: Some(_) })
    }

    /// The filter on `select`, for `viewer`, whose hidden posts are left out, and the posts of
    /// people they muted but in a listing of one author's posts, and the posts with a tag left
    /// out (`excluded`).
    fn apply(&self, mut select: Select<post::Entity>, viewer: Option<i32>) -> Select<post::Entity> {
        select = select.filter(post::Column::RemovedAt.is_null());
        if let Some(tag) = self.tag {
            select = select.filter(tags::carried(tag));
        }
        if let Some(keeps) = self.excluded.keeps() {
            select = select.filter(keeps);
        }
        if let Some(viewer) = viewer {
            select = select.filter(marks::not_hidden_by(viewer));
            // One author's posts, asked for by name (their page), are theirs even when muted.
            if self.author.is_none() {
                select = select
                    .filter(mutes::not_muted_by(viewer, Expr::col((post::Entity, post::Column::UserId))));
            }
        }
        if let Some(author) = self.author {
            select = select.filter(post::Column::UserId.eq(author));
        }
        if let Some(key) = &self.url_key {
            select = select.filter(post::Column::UrlKey.eq(key.as_str()));
        }
        if let Order::MostVoted { since: Some(since) } = self.order {
            select = select.filter(post::Column::CreatedAt.gte(since));
        }
        select
    }
}

/// Which page of which posts.
pub struct PageQuery {
    pub page: u64,
    pub per_page: u64,
    pub filter: Filter,
}

/// A page of summaries in the filter's order, each ordering served by its index (`created_at`,
/// `hotness` or `vote_count`, each with `id`), with the comment count and the viewer's vote by
/// correlated subqueries on indexed columns: one statement for the whole page.
pub async fn page(
    db: &impl ConnectionTrait,
    query: &PageQuery,
    viewer: Option<i32>,
) -> Result<Vec<Summary>, DbErr> {
    ordered(db.get_database_backend(), query, viewer).into_model::<Summary>().all(db).await
}

/// A page (as [`page`]) and how many posts the filter lets through. Without a filter that is the
/// number the database keeps (`post_totals`, by triggers), read in the same statement as the page.
pub async fn page_and_total(
    db: &impl ConnectionTrait,
    query: &PageQuery,
    viewer: Option<i32>,
) -> Result<(Vec<Summary>, u64), DbErr> {
    if !query.filter.is_counted() {
        let rows = page(db, query, viewer).await?;
        return Ok((rows, count(db, &query.filter, viewer).await?));
    }
    let backend = db.get_database_backend();
    let rows: Vec<Counted> = ordered(backend, query, viewer)
        .column_as(shown_to(backend, viewer, &query.filter), "shown")
        .into_model::<Counted>()
        .all(db)
        .await?;
    let total = match rows.first() {
        Some(row) => u64::try_from(row.shown).unwrap_or_default(),
        // A page past the last: the count alone.
        None => shown(db, viewer, &query.filter).await?,
    };
    Ok((rows.into_iter().map(|row| row.summary).collect(), total))
}

/// A summary with the number of shown posts beside it.
#[derive(FromQueryResult)]
struct Counted {
    #[sea_orm(nested)]
    summary: Summary,
    shown: i64,
}

/// The number of shown posts, as an expression.
const SHOWN: &str = "(SELECT shown FROM post_totals WHERE id = 1)";

/// How many posts a counted filter ([`Filter::is_counted`]) lets through for `viewer`, as an
/// expression, never a count over the table: the kept total of shown posts, or of those carrying
/// the filter's tag, less those with a tag left out (both from the counts of tag sets,
/// `tags::Excluded::kept_count`), less the viewer's hidden posts and the posts of the people they
/// muted that the filter would list (two counts over index ranges of theirs, which never count a
/// post twice).
fn shown_to(backend: DatabaseBackend, viewer: Option<i32>, filter: &Filter) -> Expr {
    let mut shown = filter.excluded.kept_count(backend, filter.tag, Expr::cust(SHOWN));
    if let Some(viewer) = viewer {
        let mut hidden = marks::hidden_count(viewer);
        let mut muted = mutes::muted_posts_count(viewer);
        let listed = filter.tag.map(tags::carried).into_iter().chain(filter.excluded.keeps());
        for condition in listed {
            hidden.and_where(condition.clone());
            muted.and_where(condition);
        }
        shown = shown.sub(Expr::from(hidden)).sub(Expr::from(muted));
    }
    shown
}

/// The page's statement, in its order.
fn ordered(backend: DatabaseBackend, query: &PageQuery, viewer: Option<i32>) -> Select<post::Entity> {
    let select = query.filter.apply(summaries(backend, viewer), viewer);
    let select = match query.filter.order {
        Order::Newest => select.order_by_desc(post::Column::CreatedAt),
        Order::Hottest => select.order_by_desc(post::Column::Hotness),
        Order::MostVoted { .. } => select.order_by_desc(post::Column::VoteCount),
    };
    select.order_by_desc(post::Column::Id).offset((query.page - 1) * query.per_page).limit(query.per_page)
}

/// How many posts the filter lets through for `viewer`: what [`page`] pages through.
async fn count(db: &impl ConnectionTrait, filter: &Filter, viewer: Option<i32>) -> Result<u64, DbErr> {
    filter.apply(post::Entity::find(), viewer).count(db).await
}

/// How many posts a counted filter lets through for `viewer` ([`shown_to`]): from one row the
/// database's triggers keep exact with every insert, delete, removal and restore (migration
/// `m20261206_000005_post_totals`) and the counts of tag sets the server keeps with them.
async fn shown(db: &impl ConnectionTrait, viewer: Option<i32>, filter: &Filter) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let statement = backend.build(Query::select().expr_as(shown_to(backend, viewer, filter), "shown"));
    let row = db.query_one_raw(statement).await?;
    let shown: Option<i64> = match row {
        Some(row) => row.try_get("", "shown")?,
        None => None,
    };
    Ok(shown.and_then(|shown| u64::try_from(shown).ok()).unwrap_or_default())
}

/// Whether a post a moderator removed is found by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removed {
    /// Only by moderators and admins.
    Shown,
    /// For everyone else it is not there.
    Hidden,
}

/// One post's summary, if it exists (and, removed, may be shown).
pub async fn summary(
    db: &impl ConnectionTrait,
    id: i32,
    viewer: Option<i32>,
    removed: Removed,
) -> Result<Option<Summary>, DbErr> {
    let mut select = summaries(db.get_database_backend(), viewer).filter(post::Column::Id.eq(id));
    if removed == Removed::Hidden {
        select = select.filter(post::Column::RemovedAt.is_null());
    }
    // All rows of a key rather than `one`, whose `LIMIT ?` SQLite would prepare afresh each time
    // (see `votes::seen`).
    Ok(select.into_model::<Summary>().all(db).await?.into_iter().next())
}

/// One post's summary with its whole thread in display order, if the post exists (and, removed,
/// may be shown): one statement, whatever the thread's length. Each row is one comment beside
/// the post's columns (one row of the post alone when it has none); the viewer's vote is joined
/// by its key, and the comment count is counted from the thread itself, so neither is a
/// subquery run per row.
pub async fn with_thread(
    db: &impl Rows,
    id: i32,
    viewer: Option<i32>,
    removed: Removed,
) -> Result<Option<WithThread>, DbErr> {
    let statement = thread_read(db.get_database_backend(), id, viewer, removed);
    let (mut post, mut thread) = (None, Vec::new());
    db.rows(statement, |row| {
        if post.is_none() {
            post = Some(ThreadPost::decode(row)?);
        }
        // A post without comments is one row whose comment columns are all NULL.
        if row.get::<Option<i32>>("id")?.is_some() {
            let mut comment = comments::Row::decode(row)?;
            comment.muted_author = row.get::<Option<i32>>("muter")?.is_some();
            thread.push(comment);
        }
        Ok(())
    })
    .await?;
    let Some(post) = post else { return Ok(None) };
    let comment_count = thread.iter().filter(|c| !c.deleted && c.removed_at.is_none()).count();
    let summary = Summary {
        id: post.id,
        title: post.title,
        post_url: post.post_url,
        created_at: post.created_at,
        updated_at: post.updated_at,
        user_id: post.user_id,
        username: post.username,
        vote_count: post.vote_count,
        tag_list: post.tag_list,
        hotness: post.hotness,
        comment_count: i64::try_from(comment_count).unwrap_or(i64::MAX),
        viewer_votes: i64::from(post.voter.is_some()),
        viewer_saves: i64::from(post.saver.is_some()),
        removed_at: post.removed_at,
        removed_reason: post.removed_reason,
    };
    let body = Body { text: post.body, html: post.body_html };
    let thread_muted = post.thread_muter.is_some();
    Ok(Some(WithThread { summary, body, thread_muted, comments: comments::in_thread_order(thread) }))
}

/// A post with its thread, as [`with_thread`] reads it for one viewer.
pub struct WithThread {
    pub summary: Summary,
    pub body: Body,
    /// Whether the viewer muted the post's thread.
    pub thread_muted: bool,
    /// In display order.
    pub comments: Vec<comments::Row>,
}

/// The prefix of the post's columns in [`with_thread`]'s rows (the comments' are unprefixed: they
/// are decoded once a row, the post's once).
const POST: &str = "p_";

/// The post's columns of a [`with_thread`] row (each named with [`POST`] before it).
struct ThreadPost {
    id: i32,
    title: String,
    post_url: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    user_id: i32,
    username: String,
    vote_count: i32,
    tag_list: Option<String>,
    hotness: Option<f64>,
    removed_at: Option<DateTime<Utc>>,
    removed_reason: Option<String>,
    body: Option<String>,
    body_html: Option<String>,
    /// The viewer's vote's `user_id`: there when the viewer upvoted the post.
    voter: Option<i32>,
    /// The viewer's saving's `user_id`: there when the viewer saved the post.
    saver: Option<i32>,
    /// The viewer's thread mute's `user_id`: there when the viewer muted the thread.
    thread_muter: Option<i32>,
}

impl ThreadPost {
    fn decode(row: &Row<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            id: row.get("p_id")?,
            title: row.get("p_title")?,
            post_url: row.get("p_post_url")?,
            created_at: row.get("p_created_at")?,
            updated_at: row.get("p_updated_at")?,
            user_id: row.get("p_user_id")?,
            username: row.get("p_username")?,
            vote_count: row.get("p_vote_count")?,
            tag_list: row.get("p_tag_list")?,
            hotness: row.get("p_hotness")?,
            removed_at: row.get("p_removed_at")?,
            removed_reason: row.get("p_removed_reason")?,
            body: row.get("p_body")?,
            body_html: row.get("p_body_html")?,
            voter: row.get("p_voter")?,
            saver: row.get("p_saver")?,
            thread_muter: row.get("p_thread_muter")?,
        })
    }
}

/// [`with_thread`]'s statement, its SQL built once for each backend and `removed`.
fn thread_read(backend: DatabaseBackend, id: i32, viewer: Option<i32>, removed: Removed) -> Statement {
    static SHAPES: [[OnceLock<Option<Template>>; 2]; 3] = [const { [const { OnceLock::new() }; 2] }; 3];
    let on = match backend {
        DatabaseBackend::Postgres => 0,
        DatabaseBackend::MySql => 1,
        _ => 2,
    };
    let shape = SHAPES[on][usize::from(removed == Removed::Hidden)].get_or_init(|| {
        Template::of(|[id, viewer]| backend.build(&thread_statement(backend, id, Some(viewer), removed)))
    });
    match shape {
        Some(template) => template.bind(backend, [id, viewer.unwrap_or(0)]),
        None => backend.build(&thread_statement(backend, id, viewer, removed)),
    }
}

fn thread_statement(
    backend: DatabaseBackend,
    id: i32,
    viewer: Option<i32>,
    removed: Removed,
) -> SelectStatement {
    // Tables under the names the statement gives them: the post's author, the viewer's vote,
    // and each comment's author.
    let (author, mine, kept, hushed, commenter, quiet, named) =
        ("author", "mine", "kept", "hushed", "commenter", "quiet", "named");
    let mut query = Query::select();
    for column in SUMMARY_COLUMNS.into_iter().chain([post::Column::Body, post::Column::BodyHtml]) {
        query.expr_as(Expr::col((post::Entity, column)), format!("{POST}{}", column.as_str()));
    }
    query
        .expr_as(link(), format!("{POST}post_url"))
        .expr_as(Expr::col((named, Alias::new("names"))), format!("{POST}tag_list"))
        .expr_as(Expr::col((author, user::Column::Username)), format!("{POST}username"))
        .expr_as(Expr::col((mine, vote::Column::UserId)), format!("{POST}voter"))
        .expr_as(Expr::col((kept, saved_post::Column::UserId)), format!("{POST}saver"))
        .expr_as(Expr::col((hushed, thread_mute::Column::UserId)), format!("{POST}thread_muter"));
    for column in comments::ROW_COLUMNS {
        query.column((comment::Entity, column));
    }
    query
        .expr_as(Expr::col((commenter, user::Column::Username)), "username")
        .expr_as(Expr::col((quiet, muted_user::Column::UserId)), "muter")
        .from(post::Entity)
        .join_as(
            JoinType::InnerJoin,
            user::Entity,
            author,
            Expr::col((author, user::Column::Id)).equals((post::Entity, post::Column::UserId)),
        )
        .join_as(
            JoinType::LeftJoin,
            vote::Entity,
            mine,
            Expr::col((mine, vote::Column::PostId))
                .equals((post::Entity, post::Column::Id))
                // With no viewer, an id no row has: one shape of statement.
                .and(Expr::col((mine, vote::Column::UserId)).eq(viewer.unwrap_or(0))),
        )
        .join_as(
            JoinType::LeftJoin,
            saved_post::Entity,
            kept,
            Expr::col((kept, saved_post::Column::PostId))
                .equals((post::Entity, post::Column::Id))
                .and(Expr::col((kept, saved_post::Column::UserId)).eq(viewer.unwrap_or(0))),
        )
        .join_as(
            JoinType::LeftJoin,
            thread_mute::Entity,
            hushed,
            Expr::col((hushed, thread_mute::Column::PostId))
                .equals((post::Entity, post::Column::Id))
                .and(Expr::col((hushed, thread_mute::Column::UserId)).eq(viewer.unwrap_or(0))),
        )
        .join_subquery(
            JoinType::LeftJoin,
            tags::names_of(backend, id),
            named,
            Expr::col((named, Alias::new("post_id"))).equals((post::Entity, post::Column::Id)),
        )
        .left_join(
            comment::Entity,
            Expr::col((comment::Entity, comment::Column::PostId)).equals((post::Entity, post::Column::Id)),
        )
        .join_as(
            JoinType::LeftJoin,
            user::Entity,
            commenter,
            Expr::col((commenter, user::Column::Id)).equals((comment::Entity, comment::Column::UserId)),
        )
        .join_as(
            JoinType::LeftJoin,
            muted_user::Entity,
            quiet,
            Expr::col((quiet, muted_user::Column::MutedId))
                .equals((comment::Entity, comment::Column::UserId))
                .and(Expr::col((quiet, muted_user::Column::UserId)).eq(viewer.unwrap_or(0))),
        )
        .and_where(Expr::col((post::Entity, post::Column::Id)).eq(id));
    if removed == Removed::Hidden {
        query.and_where(Expr::col((post::Entity, post::Column::RemovedAt)).is_null());
    }
    query
        .order_by((comment::Entity, comment::Column::CreatedAt), sea_orm::sea_query::Order::Asc)
        .order_by((comment::Entity, comment::Column::Id), sea_orm::sea_query::Order::Asc);
    query
}

/// The summaries of these posts, in the order given; a post removed or deleted meanwhile is
/// left out. One statement.
pub async fn summaries_of(
    db: &impl ConnectionTrait,
    ids: &[i32],
    viewer: Option<i32>,
) -> Result<Vec<Summary>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = summaries(db.get_database_backend(), viewer)
        .filter(post::Column::Id.is_in(ids.iter().copied()))
        .filter(post::Column::RemovedAt.is_null())
        .into_model::<Summary>()
        .all(db)
        .await?;
    rows.sort_by_key(|row| ids.iter().position(|&id| id == row.id));
    Ok(rows)
}

/// The newest post of this link (`links::key`) created at or after `since` and not removed.
pub async fn recent_with_link(
    db: &impl ConnectionTrait,
    url_key: &str,
    since: DateTime<Utc>,
) -> Result<Option<i32>, DbErr> {
    post::Entity::find()
        .select_only()
        .column(post::Column::Id)
        .filter(post::Column::UrlKey.eq(url_key))
        .filter(post::Column::CreatedAt.gte(since))
        .filter(post::Column::RemovedAt.is_null())
        .order_by_desc(post::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await
}

/// The post's own columns of a [`Summary`] (the link, the author's name, the tags and the counts
/// come from elsewhere).
const SUMMARY_COLUMNS: [post::Column; 9] = [
    post::Column::Id,
    post::Column::Title,
    post::Column::CreatedAt,
    post::Column::UpdatedAt,
    post::Column::UserId,
    post::Column::VoteCount,
    post::Column::Hotness,
    post::Column::RemovedAt,
    post::Column::RemovedReason,
];

/// The link of a `posts` row: `NULL` for a text post, whose `post_url` is stored empty (migration
/// `m20261207_000003_tags_and_text_posts`).
pub(super) fn link() -> Expr {
    Expr::cust("NULLIF(posts.post_url, '')")
}

pub(super) fn summaries(backend: DatabaseBackend, viewer: Option<i32>) -> Select<post::Entity> {
    // With no viewer, compare against an id no row has, keeping one shape of statement.
    let viewer = viewer.unwrap_or(0);
    post::Entity::find()
        .select_only()
        .columns(SUMMARY_COLUMNS)
        .column_as(link(), "post_url")
        .column(user::Column::Username)
        .column_as(tags::names_of_post(backend), "tag_list")
        .join(JoinType::InnerJoin, post::Relation::User.def())
        .column_as(
            count_for_post(
                comment::Entity,
                comment::Column::PostId,
                comment::Column::Deleted.eq(false).and(comment::Column::RemovedAt.is_null()),
            ),
            "comment_count",
        )
        .column_as(
            count_for_post(vote::Entity, vote::Column::PostId, vote::Column::UserId.eq(viewer)),
            "viewer_votes",
        )
        .column_as(
            count_for_post(
                saved_post::Entity,
                saved_post::Column::PostId,
                saved_post::Column::UserId.eq(viewer),
            ),
            "viewer_saves",
        )
}

/// `(SELECT COUNT(*) FROM entity WHERE entity.post_id = posts.id AND condition)`: a correlated
/// subquery that an index on `post_id` answers without touching other posts.
fn count_for_post<E: EntityTrait>(entity: E, post_id: E::Column, condition: Expr) -> Expr {
    let mut query = Query::select();
    query
        .expr(Func::count(Expr::col(Asterisk)))
        .from(entity)
        .and_where(Expr::col((entity, post_id)).equals((post::Entity, post::Column::Id)))
        .and_where(condition);
    Expr::from(query)
}

/// Whether post `id` exists and was not removed.
pub async fn is_shown(db: &impl ConnectionTrait, id: i32) -> Result<bool, DbErr> {
    Ok(author_of(db, id).await?.is_some())
}

/// Who wrote a post, if it exists and was not removed.
pub async fn author_of(db: &impl ConnectionTrait, id: i32) -> Result<Option<i32>, DbErr> {
    post::Entity::find_by_id(id)
        .select_only()
        .column(post::Column::UserId)
        .filter(post::Column::RemovedAt.is_null())
        .into_tuple::<i32>()
        .one(db)
        .await
}

/// What a new post is: a link, a text, or both.
pub struct Content {
    pub url: Option<PostUrl>,
    pub text: Option<PostText>,
}

/// Adds a post; returns its id. A text post's link is stored empty, with no key or site; the
/// people its text mentions are notified.
pub async fn create(
    tx: &Tx,
    author: i32,
    title: PostTitle,
    content: Content,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    let Content { url, text } = content;
    let mentioned = match &text {
        Some(text) => notifications::mentioned(tx, text.as_str()).await?,
        None => Mentioned::default(),
    };
    let body_html = text.as_ref().map(|text| mentioned.render(text.as_str()));
    let row = post::ActiveModel {
        title: Set(title.into_inner()),
        url_key: Set(url.as_ref().map(|url| links::key(url.as_str()))),
        site: Set(url.as_ref().map(|url| links::site(url.as_str()))),
        post_url: Set(url.map(PostUrl::into_inner).unwrap_or_default()),
        body: Set(text.map(PostText::into_inner)),
        body_html: Set(body_html),
        user_id: Set(author),
        created_at: Set(now),
        updated_at: Set(now),
        vote_count: Set(0),
        hotness: Set(Some(hotness(0, now))),
        ..Default::default()
    };
    tx.changed(Change::Content);
    let id = post::Entity::insert(row).exec(tx).await?.last_insert_id;
    let cause = Cause { actor: author, post: id, comment: None, answers: None, mentioned: mentioned.ids };
    notifications::notify(tx, &cause, now).await?;
    Ok(id)
}

/// Retitles a post, and gives it `text` if there is one, only if `author` wrote it; returns
/// whether a row changed hands.
pub async fn edit(
    tx: &Tx,
    id: i32,
    author: i32,
    title: PostTitle,
    text: Option<PostText>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = post::Entity::update_many()
        .col_expr(post::Column::Title, Expr::value(title.into_inner()))
        .col_expr(post::Column::UpdatedAt, Expr::value(now));
    if let Some(text) = text {
        let html = notifications::mentioned(tx, text.as_str()).await?.render(text.as_str());
        update = update
            .col_expr(post::Column::BodyHtml, Expr::value(html))
            .col_expr(post::Column::Body, Expr::value(text.into_inner()));
    }
    let result = update
        .filter(post::Column::Id.eq(id))
        .filter(post::Column::UserId.eq(author))
        .filter(post::Column::RemovedAt.is_null())
        .exec(tx)
        .await?;
    let edited = result.rows_affected == 1;
    if edited {
        tx.changed(Change::Content);
    }
    Ok(edited)
}

/// Deletes a post written by `author` with its votes and comments (the foreign keys cascade too;
/// deleting explicitly keeps it true on any engine configuration). Returns whether the post was
/// deleted.
pub async fn delete(tx: &Tx, id: i32, author: i32) -> Result<bool, DbErr> {
    let this = Expr::col((post::Entity, post::Column::Id))
        .eq(id)
        .and(Expr::col((post::Entity, post::Column::UserId)).eq(author));
    tags::count_posts(tx, this.clone(), tags::Posts::Shown, -1).await?;
    notifications::posts_going(tx, this).await?;
    let deleted = post::Entity::delete_many()
        .filter(post::Column::Id.eq(id))
        .filter(post::Column::UserId.eq(author))
        .exec(tx)
        .await?
        .rows_affected;
    if deleted == 0 {
        return Ok(false);
    }
    tx.changed(Change::Content);
    vote::Entity::delete_many().filter(vote::Column::PostId.eq(id)).exec(tx).await?;
    comment::Entity::delete_many().filter(comment::Column::PostId.eq(id)).exec(tx).await?;
    Ok(true)
}

/// Derives the link key and site of every post that lacks one (rows a migration kept or a bulk
/// load added), a thousand at a time. The server runs this after migrating and before serving.
pub async fn key_unkeyed(tx: &Tx) -> Result<(), DbErr> {
    loop {
        let rows: Vec<(i32, String)> = post::Entity::find()
            .select_only()
            .columns([post::Column::Id, post::Column::PostUrl])
            .filter(post::Column::UrlKey.is_null().or(post::Column::Site.is_null()))
            // A text post has no link to key.
            .filter(post::Column::PostUrl.ne(""))
            .limit(1000)
            .into_tuple()
            .all(tx)
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        tx.changed(Change::Content);
        for (id, url) in rows {
            post::Entity::update_many()
                .col_expr(post::Column::UrlKey, Expr::value(links::key(&url)))
                .col_expr(post::Column::Site, Expr::value(links::site(&url)))
                .filter(post::Column::Id.eq(id))
                .exec(tx)
                .await?;
        }
    }
}

/// `SELECT id FROM posts WHERE removed_at IS NOT NULL`: what no count of comments counts under.
pub fn removed() -> SelectStatement {
    Query::select()
        .column(post::Column::Id)
        .from(post::Entity)
        .and_where(Expr::col((post::Entity, post::Column::RemovedAt)).is_not_null())
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_page_is_read_with_its_statement_built_once_and_bound_as_if_built_afresh() {
        for backend in [DatabaseBackend::Sqlite, DatabaseBackend::Postgres, DatabaseBackend::MySql] {
            for removed in [Removed::Shown, Removed::Hidden] {
                let build = |[id, viewer]: [i32; 2]| {
                    backend.build(&thread_statement(backend, id, Some(viewer), removed))
                };
                assert!(Template::of(build).is_some(), "its shape does not follow its arguments");
                for (id, viewer) in [(1, None), (5, Some(9)), (9, Some(5))] {
                    let read = thread_read(backend, id, viewer, removed);
                    let afresh = backend.build(&thread_statement(backend, id, viewer, removed));
                    assert_eq!((read.sql, read.values), (afresh.sql, afresh.values));
                }
            }
        }
    }
}
