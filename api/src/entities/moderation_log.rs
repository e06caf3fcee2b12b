use sea_orm::entity::prelude::*;

/// One moderation action or role change, as it was when it was made (nothing here follows
/// later renames or deletions).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    /// Who acted; `None` for the command line.
    pub moderator_id: Option<i32>,
    pub moderator_username: Option<String>,
    pub action: String,
    /// `post`, `comment` or `user`.
    pub target_type: String,
    pub target_id: i32,
    /// The post's title, the comment's first words or the user's name.
    pub target_title: String,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
