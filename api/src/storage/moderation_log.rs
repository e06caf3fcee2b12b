//! The public moderation log (DESIGN.md section 15): append-only, one entry per removal,
//! restore, ban, unban and role change, written in the same transaction as the action, so it
//! never misses one and never shows one that did not happen. Nothing cached shows it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect,
};

use super::Tx;
use crate::entities::moderation_log;

/// An entry of the log, as stored.
pub use moderation_log::Model as Entry;

/// Characters of a comment shown in the queue and the log.
const EXCERPT: usize = 200;

/// `text` on one line and at most [`EXCERPT`] characters: how the queue and the log show a
/// comment.
pub fn excerpt(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().nth(EXCERPT).is_none() {
        return text;
    }
    match text.char_indices().nth(EXCERPT - 1) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A moderation action, as the log names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    RemovePost,
    RestorePost,
    RemoveComment,
    RestoreComment,
    Ban,
    Unban,
    ChangeRole,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RemovePost => "remove_post",
            Self::RestorePost => "restore_post",
            Self::RemoveComment => "remove_comment",
            Self::RestoreComment => "restore_comment",
            Self::Ban => "ban",
            Self::Unban => "unban",
            Self::ChangeRole => "change_role",
        }
    }
}

/// Who acted: a moderator or admin, or `None` for the command line.
pub type Actor<'a> = Option<(i32, &'a str)>;

/// Appends one entry to the log.
pub async fn record(
    tx: &Tx,
    actor: Actor<'_>,
    action: Action,
    (target_type, target_id, target_title): (&str, i32, &str),
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = moderation_log::ActiveModel {
        at: Set(now),
        moderator_id: Set(actor.map(|(id, _)| id)),
        moderator_username: Set(actor.map(|(_, name)| name.to_owned())),
        action: Set(action.as_str().to_owned()),
        target_type: Set(target_type.to_owned()),
        target_id: Set(target_id),
        target_title: Set(target_title.chars().take(200).collect()),
        reason: Set(reason.map(str::to_owned)),
        ..Default::default()
    };
    moderation_log::Entity::insert(row).exec_without_returning(tx).await?;
    Ok(())
}

/// A page of the log, newest first.
pub async fn page(db: &impl ConnectionTrait, page: u64, per_page: u64) -> Result<(Vec<Entry>, u64), DbErr> {
    let entries = moderation_log::Entity::find()
        .order_by_desc(moderation_log::Column::Id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let total = moderation_log::Entity::find().count(db).await?;
    Ok((entries, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_line_and_short() {
        assert_eq!(excerpt("a\n\n  b"), "a b");
        let long = "x".repeat(500);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT);
        assert!(excerpt(&long).ends_with('…'));
        assert_eq!(excerpt(&"é".repeat(EXCERPT)), "é".repeat(EXCERPT));
    }
}
