use sea_orm::entity::prelude::*;

/// A passkey ceremony begun and not yet finished (DESIGN.md section 23), found by the SHA-256 of
/// its challenge.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "passkey_challenges")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub challenge_hash: String,
    /// `register` or `login`.
    pub purpose: String,
    /// Whose registration it is; `None` for a login, whose person is not known until it ends.
    pub user_id: Option<i32>,
    /// webauthn-rs's ceremony state, as JSON.
    pub state: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
