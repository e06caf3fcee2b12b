//! Removals (DESIGN.md section 15): a removal keeps the row and marks it (`removed_at`), so a
//! restore brings back everything; a restore also clears the item's flags, since a moderator
//! has judged them. Each is logged in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr};

use super::{
    Change, Tx, flags,
    flags::Target,
    moderation_log::{self, Action, Actor, excerpt},
};
use crate::entities::{comment, post};

/// Whether `target` exists, removed or not (a placeholder of a deleted comment does not).
pub async fn exists(db: &impl ConnectionTrait, target: Target) -> Result<bool, DbErr> {
    Ok(match target {
        Target::Post(id) => post::Entity::find_by_id(id)
            .select_only()
            .column(post::Column::Id)
            .into_tuple::<i32>()
            .one(db)
            .await?
            .is_some(),
        Target::Comment(id) => comment::Entity::find_by_id(id)
            .select_only()
            .column(comment::Column::Id)
            .filter(comment::Column::Deleted.eq(false))
            .into_tuple::<i32>()
            .one(db)
            .await?
            .is_some(),
    })
}

/// What a removal or restore found.
#[derive(Debug, PartialEq, Eq)]
pub enum Moderated {
    /// Done (or it was so already: nothing was written or logged).
    Done,
    NotFound,
}

/// Removes (`reason` given) or restores (`None`) `target`, logging it.
pub async fn set_removed(
    tx: &Tx,
    actor: Actor<'_>,
    target: Target,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Moderated, DbErr> {
    let removed_at = reason.map(|_| now);
    let (changed, title) = match target {
        Target::Post(id) => {
            let Some(title) = post::Entity::find_by_id(id)
                .select_only()
                .column(post::Column::Title)
                .into_tuple::<String>()
                .one(tx)
                .await?
            else {
                return Ok(Moderated::NotFound);
            };
            let mut update = post::Entity::update_many()
                .col_expr(post::Column::RemovedAt, Expr::value(removed_at))
                .col_expr(post::Column::RemovedReason, Expr::value(reason))
                .filter(post::Column::Id.eq(id));
            update = match reason {
                Some(_) => update.filter(post::Column::RemovedAt.is_null()),
                None => update.filter(post::Column::RemovedAt.is_not_null()),
            };
            let changed = update.exec(tx).await?.rows_affected > 0;
            if changed {
                // It leaves the shown posts, or comes back to them, with its tags.
                let this = sea_orm::sea_query::ExprTrait::eq(Expr::col((post::Entity, post::Column::Id)), id);
                let delta = if reason.is_some() { -1 } else { 1 };
                super::tags::count_posts(tx, this.clone(), super::tags::Posts::Any, delta).await?;
                // Its notifications leave their readers' lists and counts, or come back.
                super::notifications::posts_going(tx, this).await?;
            }
            (changed, title)
        }
        Target::Comment(id) => {
            let Some((text, deleted)) = comment::Entity::find_by_id(id)
                .select_only()
                .columns([comment::Column::CommentText, comment::Column::Deleted])
                .into_tuple::<(String, bool)>()
                .one(tx)
                .await?
            else {
                return Ok(Moderated::NotFound);
            };
            if deleted {
                return Ok(Moderated::NotFound);
            }
            let mut update = comment::Entity::update_many()
                .col_expr(comment::Column::RemovedAt, Expr::value(removed_at))
                .col_expr(comment::Column::RemovedReason, Expr::value(reason))
                .filter(comment::Column::Id.eq(id));
            update = match reason {
                Some(_) => update.filter(comment::Column::RemovedAt.is_null()),
                None => update.filter(comment::Column::RemovedAt.is_not_null()),
            };
            (update.exec(tx).await?.rows_affected > 0, excerpt(&text))
        }
    };
    if !changed {
        return Ok(Moderated::Done);
    }
    tx.changed(Change::Content);
    let id = match target {
        Target::Post(id) | Target::Comment(id) => id,
    };
    let (action, target_type) = match (target, reason) {
        (Target::Post(_), Some(_)) => (Action::RemovePost, "post"),
        (Target::Post(_), None) => (Action::RestorePost, "post"),
        (Target::Comment(_), Some(_)) => (Action::RemoveComment, "comment"),
        (Target::Comment(_), None) => (Action::RestoreComment, "comment"),
    };
    if reason.is_none() {
        flags::clear(tx, target).await?;
    }
    moderation_log::record(tx, actor, action, (target_type, id, &title), reason, now).await?;
    Ok(Moderated::Done)
}
