//! Roles (DESIGN.md section 15): what a user may do beyond their own things. Checked in one place,
//! the HTTP edge's `Moderator` and `Admin` extractors; changed by admins (and the command line),
//! effective on the user's very next request, since the session is read with the role.

use poem_openapi::Enum;

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
