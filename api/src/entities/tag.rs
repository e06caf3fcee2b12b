use sea_orm::entity::prelude::*;

/// A tag admins keep; posts carry up to three (`post_tag`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tags")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// 2–25 of `[a-z0-9-]`, unique.
    pub name: String,
    /// What belongs under it, up to 200 characters (may be empty).
    pub description: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
