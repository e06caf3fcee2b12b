use sea_orm::entity::prelude::*;

/// A personal API token (DESIGN.md section 22), found by the SHA-256 of its secret.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub name: String,
    /// The hex SHA-256 of the secret; the secret itself is never stored.
    pub token_hash: String,
    /// `read`, `write` or `read,write`.
    pub scopes: String,
    pub created_at: DateTimeUtc,
    /// `None`: it does not expire.
    pub expires_at: Option<DateTimeUtc>,
    /// When it was last used, to the minute; `None` until then.
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
