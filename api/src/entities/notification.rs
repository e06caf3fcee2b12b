use sea_orm::entity::prelude::*;

/// Something someone else did that concerns `user_id` (DESIGN.md section 20).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Whose inbox it is in.
    pub user_id: i32,
    /// `reply`, `post_comment` or `mention` (`domain::inbox::Kind`).
    pub kind: String,
    /// Who did it; `None` once their account is gone.
    pub actor_id: Option<i32>,
    pub post_id: i32,
    /// The comment it is about, if any; no foreign key, so it stays when the comment goes.
    pub comment_id: Option<i32>,
    pub created_at: DateTimeUtc,
    /// When it was read; `None` while unread.
    pub read_at: Option<DateTimeUtc>,
    /// Whether it is still to be mailed.
    pub mail_pending: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
