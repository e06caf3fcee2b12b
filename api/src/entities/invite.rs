use sea_orm::entity::prelude::*;

/// An invitation: the SHA-256 of its code, who made it, and who used it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub code_hash: String,
    pub user_id: i32,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    /// The account made with it; `None` while unused (or once that account is gone).
    pub used_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The account made with it.
    #[sea_orm(belongs_to = "super::user::Entity", from = "Column::UsedBy", to = "super::user::Column::Id")]
    UsedBy,
}

impl ActiveModelBehavior for ActiveModel {}
