//! What moderators and members write when they act: reasons, flag reasons, invitation codes.

use poem_openapi::Enum;

use super::{
    NOT_BLANK_PATTERN, Rule,
    text::{self, Text},
};
use crate::error::AppError;

/// Why a moderator removes something or bans someone: 1–500 characters, not blank; kept
/// trimmed. It is public, in the moderation log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModerationReason(String);

impl ModerationReason {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        text::parse(Self::FIELD, raw.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Text for ModerationReason {
    const NAME: &'static str = "string_moderation_reason";
    const FIELD: &'static str = "reason";
    const RULE: Rule = Rule::chars(1, 500).matching(NOT_BLANK_PATTERN, "must not be blank");

    fn from_valid(text: String) -> Self {
        Self(text.trim().to_owned())
    }

    fn text(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// An invitation code as typed or linked: at most 200 characters. Whether it is one is for the
/// invitations table to say (403 `invalid_invite`), not for a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteCode(String);

impl InviteCode {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Text for InviteCode {
    const NAME: &'static str = "string_invite_code";
    const FIELD: &'static str = "invite_code";
    const RULE: Rule = Rule::chars(0, 200);

    fn from_valid(text: String) -> Self {
        Self(text.trim().to_owned())
    }

    /// A code is a secret until used: never serialised.
    fn text(&self) -> Option<&str> {
        None
    }
}

/// Why a member flags a post.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum PostFlagReason {
    Spam,
    OffTopic,
    Duplicate,
    BrokenLink,
    Abusive,
}

/// Why a member flags a comment.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum CommentFlagReason {
    Spam,
    OffTopic,
    Abusive,
}

impl PostFlagReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spam => "spam",
            Self::OffTopic => "off_topic",
            Self::Duplicate => "duplicate",
            Self::BrokenLink => "broken_link",
            Self::Abusive => "abusive",
        }
    }
}

impl CommentFlagReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spam => "spam",
            Self::OffTopic => "off_topic",
            Self::Abusive => "abusive",
        }
    }
}
