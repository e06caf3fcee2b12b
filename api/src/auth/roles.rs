//! Roles (DESIGN.md section 15): what a user may do beyond their own things. Checked in one place,
//! the [`super::Moderator`] and [`super::Admin`] extractors; changed by admins (and the command
//! line), effective on the user's very next request, since the session is read with the role.

use poem_openapi::Enum;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

use crate::entities::user;

/// What a user may do.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
#[oai(rename_all = "lowercase")]
pub enum Role {
    /// Posts, comments, votes and flags.
    #[default]
    User,
    /// Also removes and restores posts and comments, and bans users.
    Moderator,
    /// Also changes roles, and bans moderators.
    Admin,
}

impl Role {
    /// The role a `users.role` value names; anything unknown is the least.
    pub fn from_column(value: &str) -> Self {
        match value {
            "admin" => Self::Admin,
            "moderator" => Self::Moderator,
            _ => Self::User,
        }
    }

    /// What `users.role` holds for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Moderator => "moderator",
            Self::Admin => "admin",
        }
    }

    /// Whether it may moderate.
    pub fn is_staff(self) -> bool {
        self >= Self::Moderator
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "user" => Ok(Self::User),
            "moderator" => Ok(Self::Moderator),
            "admin" => Ok(Self::Admin),
            _ => Err(format!("{text:?} is not a role: use admin, moderator or user")),
        }
    }
}

/// Sets user `id`'s role; answers whether there is such a user. The caller reports
/// `Change::RoleChanged` after the commit.
pub async fn set(conn: &impl ConnectionTrait, id: i32, role: Role) -> Result<bool, DbErr> {
    let result = user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::value(role.as_str()))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
