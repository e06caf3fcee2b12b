use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: String,
    /// The link; the empty string for a text post (migration
    /// `m20261207_000003_tags_and_text_posts`), which the storage layer reads as none.
    pub post_url: String,
    pub user_id: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// How many votes it has, kept with every vote and unvote.
    pub vote_count: i32,
    /// `news::ranking::hotness` of the row; `NULL` only until the server first ranks it.
    pub hotness: Option<f64>,
    /// SHA-256 (hex) of the normalised link (`news::links`); `NULL` only until the server first
    /// derives it.
    pub url_key: Option<String>,
    /// `news::links::site` of the link: what `domain:` searches; `NULL` only until the server
    /// first derives it.
    pub site: Option<String>,
    /// When a moderator removed it; `None` while it is shown.
    pub removed_at: Option<DateTimeUtc>,
    /// Why it was removed.
    pub removed_reason: Option<String>,
    /// A text post's Markdown, as trimmed; `None` for a link post.
    pub body: Option<String>,
    /// `body` rendered and sanitised (`domain::markdown`).
    pub body_html: Option<String>,
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
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
