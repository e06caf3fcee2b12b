use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The Markdown source; empty in a placeholder.
    pub comment_text: String,
    /// `None` only in the placeholder of a deleted comment that has replies.
    pub user_id: Option<i32>,
    pub post_id: i32,
    pub created_at: DateTimeUtc,
    /// The comment answered, on the same post; `None` at top level.
    pub parent_id: Option<i32>,
    /// 0 at top level, one more than the parent's below it.
    pub depth: i32,
    /// `None` until edited.
    pub updated_at: Option<DateTimeUtc>,
    /// The placeholder of a deleted comment that has replies.
    pub deleted: bool,
    /// The sanitised rendering of `comment_text`; `None` only for a row not rendered yet, which
    /// the server never serves (see `news::comments::render_unrendered`).
    pub comment_html: Option<String>,
    /// When a moderator removed it; `None` while it is shown.
    pub removed_at: Option<DateTimeUtc>,
    /// Why it was removed.
    pub removed_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::post::Entity",
        from = "Column::PostId",
        to = "super::post::Column::Id",
        on_delete = "Cascade"
    )]
    Post,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
