use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub username: String,
    /// `username` lower-cased: what uniqueness is judged on.
    pub username_key: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: DateTimeUtc,
    /// `user`, `moderator` or `admin` (DESIGN.md section 15).
    pub role: String,
    /// The base32 TOTP secret: pending until `totp_enabled_at` is set (DESIGN.md section 16).
    pub totp_secret: Option<String>,
    /// When two-factor login was turned on; `None` while it is off.
    pub totp_enabled_at: Option<DateTimeUtc>,
    /// The last 30-second step a code was accepted for; no code of it or before is accepted.
    pub totp_last_step: Option<i64>,
    /// When a moderator banned the account; `None` when it is not banned.
    pub banned_at: Option<DateTimeUtc>,
    /// When the ban ends by itself; `None` with `banned_at` set means for good.
    pub banned_until: Option<DateTimeUtc>,
    /// Why it was banned.
    pub ban_reason: Option<String>,
    /// Whether new notifications are mailed (DESIGN.md section 20).
    pub email_notifications: bool,
    /// When the last mail of notifications was sent.
    pub notified_at: Option<DateTimeUtc>,
    /// The hex SHA-256 of the secret in the private feed URLs; `None` while there are none.
    pub feed_token_hash: Option<String>,
    /// When the address now in `email` was proved to be theirs; `None` until then.
    pub email_verified_at: Option<DateTimeUtc>,
    /// The WebAuthn user handle their passkeys carry (a random UUID); `None` before the first.
    pub passkey_handle: Option<String>,
}

/// Shows who, never the hash.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User").field("id", &self.id).field("username", &self.username).finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::post::Entity")]
    Post,
    #[sea_orm(has_many = "super::session::Entity")]
    Session,
}

impl Related<super::post::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Post.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
