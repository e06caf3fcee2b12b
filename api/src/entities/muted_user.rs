use sea_orm::entity::prelude::*;

/// Someone a person muted; the primary key `(user_id, muted_id)` keeps it to one per pair.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "muted_users")]
pub struct Model {
    /// Who muted.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    /// Whom.
    #[sea_orm(primary_key, auto_increment = false)]
    pub muted_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
