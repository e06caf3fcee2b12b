//! Comments on posts, threaded (DESIGN.md section 12).
//!
//! A reply names its parent, on the same post, at most [`MAX_DEPTH`] deep. A post's thread is
//! read in one statement and put in display order here. Deleting a comment that has replies
//! leaves a placeholder in its place (no text, no author); one without replies is gone, and so
//! is every placeholder left without replies by that, up the thread. The same rule holds when
//! an account goes, so nobody else's reply disappears with a parent.
//!
//! Deleting takes the comment's row lock before it looks for replies, and a new reply holds a
//! lock on its parent's row (the foreign key check) until it commits, so a reply written while
//! its parent is deleted is either seen (and the parent kept as a placeholder) or refused by the
//! foreign key (the parent is gone): never deleted with it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, FromQueryResult,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, RelationTrait, Select,
    sea_query::Expr,
};

use super::{
    Change, Tx,
    notifications::{self, Cause, Kind},
};
use crate::{
    domain::{CommentText, markdown},
    entities::{comment, post, user},
};

/// How deep a reply may be: a top-level comment is depth 0.
pub const MAX_DEPTH: i32 = 8;

/// A comment as pages show it: the row and its author's name (both `None` in a placeholder).
#[derive(Clone, Debug)]
pub struct Row {
    pub id: i32,
    pub post_id: i32,
    pub parent_id: Option<i32>,
    pub depth: i32,
    pub comment_text: String,
    pub comment_html: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub user_id: Option<i32>,
    pub username: Option<String>,
    /// When a moderator removed it, if one did.
    pub removed_at: Option<DateTime<Utc>>,
    pub removed_reason: Option<String>,
    /// Whether the viewer muted its author (set by the post page's read, `posts::with_thread`;
    /// `false` everywhere else).
    pub muted_author: bool,
}

impl Row {
    /// The comment's columns of `row` (as [`ROW_COLUMNS`] and the author's `username` name them),
    /// however it was read.
    pub(super) fn decode(row: &super::Row<'_>) -> Result<Self, DbErr> {
        Ok(Self {
            id: row.get("id")?,
            post_id: row.get("post_id")?,
            parent_id: row.get("parent_id")?,
            depth: row.get("depth")?,
            comment_text: row.get("comment_text")?,
            comment_html: row.get("comment_html")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            deleted: row.get("deleted")?,
            user_id: row.get("user_id")?,
            username: row.get("username")?,
            removed_at: row.get("removed_at")?,
            removed_reason: row.get("removed_reason")?,
            muted_author: false,
        })
    }
}

impl FromQueryResult for Row {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Self::decode(&super::Row::of(row, prefix))
    }
}

/// A comment with the title of the post it is on (a person's comments).
#[derive(Clone, Debug, FromQueryResult)]
pub struct WithPost {
    #[sea_orm(nested)]
    pub comment: Row,
    pub post_title: String,
}

/// The comment's columns of a [`Row`] (its author's name comes from `users`).
pub(super) const ROW_COLUMNS: [comment::Column; 12] = [
    comment::Column::Id,
    comment::Column::PostId,
    comment::Column::ParentId,
    comment::Column::Depth,
    comment::Column::CommentText,
    comment::Column::CommentHtml,
    comment::Column::CreatedAt,
    comment::Column::UpdatedAt,
    comment::Column::Deleted,
    comment::Column::UserId,
    comment::Column::RemovedAt,
    comment::Column::RemovedReason,
];

fn rows() -> Select<comment::Entity> {
    comment::Entity::find()
        .select_only()
        .columns(ROW_COLUMNS)
        .column(user::Column::Username)
        .join(JoinType::LeftJoin, comment::Relation::User.def())
}

/// Puts comments given oldest first in display order: depth-first, each comment followed by its
/// replies, siblings oldest first. A comment whose parent is not among them (never the case in
/// a whole thread) is placed as if it were at top level, so nothing is lost.
pub fn in_thread_order(rows: Vec<Row>) -> Vec<Row> {
    let present: std::collections::HashSet<i32> = rows.iter().map(|row| row.id).collect();
    let mut children: HashMap<Option<i32>, Vec<Row>> = HashMap::new();
    for row in rows.into_iter().rev() {
        let parent = row.parent_id.filter(|parent| present.contains(parent));
        children.entry(parent).or_default().push(row);
    }
    // Each list is newest first, so popping yields the oldest; a stack of lists walks depth-first.
    let mut ordered = Vec::with_capacity(present.len());
    let mut stack = vec![children.remove(&None).unwrap_or_default()];
    while let Some(siblings) = stack.last_mut() {
        match siblings.pop() {
            Some(row) => {
                let replies = children.remove(&Some(row.id)).unwrap_or_default();
                ordered.push(row);
                stack.push(replies);
            }
            None => {
                stack.pop();
            }
        }
    }
    ordered
}

/// One comment as pages show it, unless it does not exist.
pub async fn one(db: &impl ConnectionTrait, id: i32) -> Result<Option<Row>, DbErr> {
    rows().filter(comment::Column::Id.eq(id)).into_model::<Row>().one(db).await
}

/// A page of `author`'s comments, newest first, each with its post's title.
pub async fn by_author(
    db: &impl ConnectionTrait,
    author: i32,
    page: u64,
    per_page: u64,
) -> Result<Vec<WithPost>, DbErr> {
    rows()
        .column_as(post::Column::Title, "post_title")
        .join(JoinType::InnerJoin, comment::Relation::Post.def())
        .filter(comment::Column::UserId.eq(author))
        .filter(comment::Column::RemovedAt.is_null())
        .filter(post::Column::RemovedAt.is_null())
        .order_by_desc(comment::Column::CreatedAt)
        .order_by_desc(comment::Column::Id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .into_model::<WithPost>()
        .all(db)
        .await
}

/// How many comments `author` has that are shown (placeholders have no author): what
/// [`by_author`] pages through.
pub async fn count_by_author(db: &impl ConnectionTrait, author: i32) -> Result<u64, DbErr> {
    comment::Entity::find()
        .join(JoinType::InnerJoin, comment::Relation::Post.def())
        .filter(comment::Column::UserId.eq(author))
        .filter(comment::Column::RemovedAt.is_null())
        .filter(post::Column::RemovedAt.is_null())
        .count(db)
        .await
}

/// What writing a comment found.
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    /// Written: its id, depth and HTML.
    Added { id: i32, depth: i32, html: String },
    /// The post does not exist (any more).
    NoSuchPost,
    /// The parent cannot be answered: this says why.
    BadParent(&'static str),
    /// The post or the parent went while this was written: nothing was, and [`why_not`] says
    /// which, read afresh.
    Gone,
}

/// Adds a comment by `author` on `post`, answering `parent` if given, and notifies whom it
/// concerns (the author of what it answers, the people it mentions: `notifications::notify`).
pub async fn create(
    tx: &Tx,
    author: i32,
    post: i32,
    parent: Option<i32>,
    text: &CommentText,
    now: DateTime<Utc>,
) -> Result<Created, DbErr> {
    let Some(post_author) = shown_author(tx, post).await? else { return Ok(Created::NoSuchPost) };
    let (depth, answers) = match parent {
        None => (0, Some((post_author, Kind::PostComment))),
        Some(parent) => match replyable(tx, post, parent).await? {
            Ok((depth, parent_author)) => (depth, parent_author.map(|author| (author, Kind::Reply))),
            Err(why) => return why_not(tx, post, why).await,
        },
    };
    let mentioned = notifications::mentioned(tx, text.as_str()).await?;
    let html = mentioned.render(text.as_str());
    let row = comment::ActiveModel {
        comment_text: Set(text.as_str().to_owned()),
        comment_html: Set(Some(html.clone())),
        user_id: Set(Some(author)),
        post_id: Set(post),
        parent_id: Set(parent),
        depth: Set(depth),
        created_at: Set(now),
        updated_at: Set(None),
        deleted: Set(false),
        ..Default::default()
    };
    tx.changed(Change::Content);
    let id = match comment::Entity::insert(row).exec(tx).await {
        Ok(inserted) => inserted.last_insert_id,
        // The post, or the parent, went a moment ago (the transaction is spoilt on PostgreSQL:
        // the caller abandons it, and reads why after).
        Err(err) if super::is_missing_reference(&err) => return Ok(Created::Gone),
        Err(err) => return Err(err),
    };
    let cause = Cause { actor: author, post, comment: Some(id), answers, mentioned: mentioned.ids };
    notifications::notify(tx, &cause, now).await?;
    Ok(Created::Added { id, depth, html })
}

/// The depth a reply to `parent` gets and who wrote `parent`, or why there can be none.
async fn replyable(
    db: &impl ConnectionTrait,
    post: i32,
    parent: i32,
) -> Result<Result<(i32, Option<i32>), &'static str>, DbErr> {
    type Found = (i32, i32, bool, Option<DateTime<Utc>>, Option<i32>);
    let found: Option<Found> = comment::Entity::find_by_id(parent)
        .select_only()
        .columns([
            comment::Column::PostId,
            comment::Column::Depth,
            comment::Column::Deleted,
            comment::Column::RemovedAt,
            comment::Column::UserId,
        ])
        .into_tuple()
        .one(db)
        .await?;
    Ok(match found {
        Some((on, ..)) if on != post => Err("there is no such comment on this post"),
        None => Err("there is no such comment on this post"),
        Some((_, _, true, ..)) => Err("that comment was deleted"),
        Some((_, _, _, Some(_), _)) => Err("that comment was removed by a moderator"),
        Some((_, depth, ..)) if depth >= MAX_DEPTH => Err("replies may be at most 8 deep"),
        Some((_, depth, _, _, author)) => Ok((depth + 1, author)),
    })
}

/// Who wrote `post`, if it exists and was not removed.
async fn shown_author(db: &impl ConnectionTrait, post: i32) -> Result<Option<i32>, DbErr> {
    let found = post::Entity::find_by_id(post)
        .select_only()
        .column(post::Column::UserId)
        .filter(post::Column::RemovedAt.is_null())
        .into_tuple::<i32>();
    found.one(db).await
}

/// A missing post outranks a bad parent (404 before 422).
pub async fn why_not(db: &impl ConnectionTrait, post: i32, why: &'static str) -> Result<Created, DbErr> {
    let exists = post::Entity::find_by_id(post).select_only().column(post::Column::Id).into_tuple::<i32>();
    Ok(match exists.one(db).await? {
        None => Created::NoSuchPost,
        Some(_) => Created::BadParent(why),
    })
}

/// Who wrote a comment, if it exists and is neither a placeholder nor removed.
pub async fn author_of(db: &impl ConnectionTrait, id: i32) -> Result<Option<i32>, DbErr> {
    let author: Option<Option<i32>> = comment::Entity::find_by_id(id)
        .select_only()
        .column(comment::Column::UserId)
        .filter(comment::Column::Deleted.eq(false))
        .filter(comment::Column::RemovedAt.is_null())
        .into_tuple()
        .one(db)
        .await?;
    Ok(author.flatten())
}

/// Replaces the text of a comment `author` wrote, marking it edited; returns whether it did.
pub async fn edit(
    tx: &Tx,
    id: i32,
    author: i32,
    text: &CommentText,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let html = notifications::mentioned(tx, text.as_str()).await?.render(text.as_str());
    let result = comment::Entity::update_many()
        .col_expr(comment::Column::CommentText, Expr::value(text.as_str()))
        .col_expr(comment::Column::CommentHtml, Expr::value(html))
        .col_expr(comment::Column::UpdatedAt, Expr::value(now))
        .filter(comment::Column::Id.eq(id))
        .filter(comment::Column::UserId.eq(author))
        .filter(comment::Column::Deleted.eq(false))
        .filter(comment::Column::RemovedAt.is_null())
        .exec(tx)
        .await?;
    let edited = result.rows_affected == 1;
    if edited {
        tx.changed(Change::Content);
    }
    Ok(edited)
}

/// Deletes a comment `author` wrote, by the rule above; returns whether there was one.
pub async fn delete(tx: &Tx, id: i32, author: i32) -> Result<bool, DbErr> {
    let Some(found) = lock(tx, id).await? else { return Ok(false) };
    if found.user_id != Some(author) || found.deleted {
        return Ok(false);
    }
    remove_locked(tx, id, found.parent_id).await?;
    Ok(true)
}

/// Deletes every comment of `user` by the rule above: part of deleting the account, in its
/// transaction. Deepest first, so a chain of one's own replies goes whole.
pub async fn delete_all_by(tx: &Tx, user: i32) -> Result<(), DbErr> {
    let mine: Vec<i32> = comment::Entity::find()
        .select_only()
        .column(comment::Column::Id)
        .filter(comment::Column::UserId.eq(user))
        .order_by_desc(comment::Column::Depth)
        .order_by_asc(comment::Column::Id)
        .into_tuple()
        .all(tx)
        .await?;
    for id in mine {
        if let Some(found) = lock(tx, id).await? {
            remove_locked(tx, id, found.parent_id).await?;
        }
    }
    Ok(())
}

/// What deleting needs to know of a locked comment.
struct Locked {
    user_id: Option<i32>,
    parent_id: Option<i32>,
    deleted: bool,
}

/// Locks a comment's row until the transaction ends and reads it. A server takes `FOR UPDATE`,
/// which waits for any reply being written under it; SQLite's write lock covers everything.
async fn lock(tx: &Tx, id: i32) -> Result<Option<Locked>, DbErr> {
    let mut select = comment::Entity::find_by_id(id).select_only().columns([
        comment::Column::UserId,
        comment::Column::ParentId,
        comment::Column::Deleted,
    ]);
    if tx.get_database_backend() == DatabaseBackend::Sqlite {
        // Writing first makes this the one writer now, so nothing changes between read and write.
        comment::Entity::update_many()
            .col_expr(comment::Column::Deleted, Expr::col(comment::Column::Deleted))
            .filter(comment::Column::Id.eq(id))
            .exec(tx)
            .await?;
    } else {
        select = select.lock_exclusive();
    }
    let found: Option<(Option<i32>, Option<i32>, bool)> = select.into_tuple().one(tx).await?;
    Ok(found.map(|(user_id, parent_id, deleted)| Locked { user_id, parent_id, deleted }))
}

async fn has_replies(conn: &impl ConnectionTrait, id: i32) -> Result<bool, DbErr> {
    let reply = comment::Entity::find()
        .select_only()
        .column(comment::Column::Id)
        .filter(comment::Column::ParentId.eq(id))
        .limit(1)
        .into_tuple::<i32>();
    Ok(reply.one(conn).await?.is_some())
}

/// Removes the locked comment `id`: a placeholder if it has replies, else gone, and then each
/// placeholder above it that is left without replies.
async fn remove_locked(tx: &Tx, id: i32, parent: Option<i32>) -> Result<(), DbErr> {
    tx.changed(Change::Content);
    if has_replies(tx, id).await? {
        comment::Entity::update_many()
            .col_expr(comment::Column::CommentText, Expr::value(""))
            .col_expr(comment::Column::CommentHtml, Expr::value(""))
            .col_expr(comment::Column::UserId, Expr::value(Option::<i32>::None))
            .col_expr(comment::Column::Deleted, Expr::value(true))
            .filter(comment::Column::Id.eq(id))
            .exec(tx)
            .await?;
        return Ok(());
    }
    comment::Entity::delete_by_id(id).exec(tx).await?;
    let mut next = parent;
    while let Some(id) = next {
        match lock(tx, id).await? {
            Some(above) if above.deleted && !has_replies(tx, id).await? => {
                comment::Entity::delete_by_id(id).exec(tx).await?;
                next = above.parent_id;
            }
            _ => break,
        }
    }
    Ok(())
}

/// Renders every comment that has no HTML yet (rows a migration kept or a bulk load added), a
/// thousand at a time. The server runs this after migrating and before serving.
pub async fn render_unrendered(tx: &Tx) -> Result<(), DbErr> {
    loop {
        let rows: Vec<(i32, String)> = comment::Entity::find()
            .select_only()
            .columns([comment::Column::Id, comment::Column::CommentText])
            .filter(comment::Column::CommentHtml.is_null())
            .limit(1000)
            .into_tuple()
            .all(tx)
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        tx.changed(Change::Content);
        for (id, text) in rows {
            comment::Entity::update_many()
                .col_expr(comment::Column::CommentHtml, Expr::value(markdown::render(&text)))
                .filter(comment::Column::Id.eq(id))
                .exec(tx)
                .await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i32, parent: Option<i32>) -> Row {
        Row {
            id,
            post_id: 1,
            parent_id: parent,
            depth: 0,
            comment_text: String::new(),
            comment_html: None,
            created_at: DateTime::from_timestamp(i64::from(id), 0).unwrap(),
            updated_at: None,
            deleted: false,
            user_id: None,
            username: None,
            removed_at: None,
            removed_reason: None,
            muted_author: false,
        }
    }

    fn order(rows: Vec<Row>) -> Vec<i32> {
        in_thread_order(rows).into_iter().map(|row| row.id).collect()
    }

    #[test]
    fn depth_first_with_siblings_oldest_first() {
        // 1 ── 3 ── 6       2 ── 4
        //  └── 5            7 (orphan of a missing 99)
        let rows = vec![
            row(1, None),
            row(2, None),
            row(3, Some(1)),
            row(4, Some(2)),
            row(5, Some(1)),
            row(6, Some(3)),
            row(7, Some(99)),
        ];
        assert_eq!(order(rows), [1, 3, 6, 5, 2, 4, 7]);
    }

    #[test]
    fn a_deep_chain_is_not_recursion() {
        let rows = (1..=10_000).map(|id| row(id, (id > 1).then_some(id - 1))).collect();
        assert_eq!(order(rows), (1..=10_000).collect::<Vec<_>>());
        assert!(order(Vec::new()).is_empty());
    }
}
