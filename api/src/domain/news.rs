//! Post titles, post URLs, post and comment texts, and tags.

use super::{
    NOT_BLANK_PATTERN, POST_URL_PATTERN, Refusal, Rule,
    text::{self, Text},
};
use crate::error::AppError;

/// 1–200 characters as sent, not blank; kept trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostTitle(String);

impl PostTitle {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        text::parse(Self::FIELD, raw.to_owned())
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl Text for PostTitle {
    const NAME: &'static str = "string_post_title";
    const FIELD: &'static str = "title";
    const RULE: Rule = Rule::chars(1, 200).matching(NOT_BLANK_PATTERN, "must not be blank");

    fn from_valid(text: String) -> Self {
        Self(text.trim().to_owned())
    }

    fn text(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// What a post's link must be.
const NOT_A_LINK: &str = "must be an absolute http:// or https:// URL of at most 2048 characters";

/// An absolute `http` or `https` URL of the shape [`super::POST_URL_PATTERN`] states, up to
/// 2048 characters, kept exactly as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostUrl(String);

impl PostUrl {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        text::parse(Self::FIELD, raw.to_owned())
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Text for PostUrl {
    const NAME: &'static str = "string_post_url";
    const FIELD: &'static str = "post_url";
    const RULE: Rule = Rule::chars(0, 2048).matching(POST_URL_PATTERN, NOT_A_LINK);

    /// A URL parser must agree that it is an http(s) link.
    fn check_more(text: &str) -> Result<(), Refusal> {
        match url::Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
            _ => Err(Refusal::Shape(NOT_A_LINK)),
        }
    }

    fn from_valid(text: String) -> Self {
        Self(text)
    }

    fn text(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// 1–2000 characters as sent, not blank; kept trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentText(String);

impl CommentText {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        text::parse(Self::FIELD, raw.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl Text for CommentText {
    const NAME: &'static str = "string_comment_text";
    const FIELD: &'static str = "comment_text";
    const RULE: Rule = Rule::chars(1, 2000).matching(NOT_BLANK_PATTERN, "must not be blank");

    fn from_valid(text: String) -> Self {
        Self(text.trim().to_owned())
    }

    fn text(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// A text post's Markdown: 1–10,000 characters as sent, not blank; kept trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostText(String);

impl PostText {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl Text for PostText {
    const NAME: &'static str = "string_post_text";
    const FIELD: &'static str = "text";
    const RULE: Rule = Rule::chars(1, 10_000).matching(NOT_BLANK_PATTERN, "must not be blank");

    fn from_valid(text: String) -> Self {
        Self(text.trim().to_owned())
    }

    fn text(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// A tag's name: 2–25 of `[a-z0-9-]` (lower case, so one tag has one spelling).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TagName(String);

impl TagName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        text::parse(Self::FIELD, raw.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl Text for TagName {
    const NAME: &'static str = "string_tag_name";
    const FIELD: &'static str = "name";
    const RULE: Rule =
        Rule::chars(2, 25).matching(TAG_NAME_PATTERN, "must be 2–25 lower-case letters, digits or hyphens");

    fn from_valid(text: String) -> Self {
        Self(text)
    }

    fn text(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// A tag's name: what [`TagName`] allows.
pub const TAG_NAME_PATTERN: &str = r"^[a-z0-9-]{2,25}$";

/// What belongs under a tag: up to 200 characters, kept trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagDescription(String);

impl TagDescription {
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl Text for TagDescription {
    const NAME: &'static str = "string_tag_description";
    const FIELD: &'static str = "description";
    const RULE: Rule = Rule::chars(0, 200);

    fn from_valid(text: String) -> Self {
        Self(text.trim().to_owned())
    }

    fn text(&self) -> Option<&str> {
        Some(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_are_lower_case_letters_digits_and_hyphens() {
        for ok in ["go", "rust-lang", "c99", &"a".repeat(25)] {
            assert!(TagName::parse(ok).is_ok(), "{ok} should be a tag name");
        }
        for bad in ["a", "Rust", "two words", "c++", "é", &"a".repeat(26)] {
            assert!(TagName::parse(bad).is_err(), "{bad} should not be a tag name");
        }
    }

    #[test]
    fn titles_are_trimmed_and_bounded_in_characters() {
        assert_eq!(PostTitle::parse("  Hello  ").unwrap().into_inner(), "Hello");
        assert!(PostTitle::parse("   ").is_err());
        assert!(PostTitle::parse(&"é".repeat(200)).is_ok());
        assert!(PostTitle::parse(&"é".repeat(201)).is_err());
    }

    #[test]
    fn only_absolute_http_and_https_urls_are_links() {
        for ok in ["https://example.com", "http://example.com/a?b=c#d", "https://sub.example.co.uk:8443/x"] {
            assert!(PostUrl::parse(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "/relative",
            "example.com",
            "ftp://example.com",
            "data:text/html,hi",
            "http://",
            "java\tscript:alert(1)",
            "",
        ] {
            assert!(PostUrl::parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(PostUrl::parse(&format!("https://example.com/{}", "a".repeat(2048))).is_err());
    }

    #[test]
    fn a_url_is_kept_as_given_and_must_be_plain_ascii() {
        let url = "https://example.com/a-b_c?q=1&r=%20#top";
        assert_eq!(PostUrl::parse(url).unwrap().into_inner(), url);
        for bad in [
            "HTTPS://example.com",
            "https://exa mple.com",
            " https://example.com",
            "https://exämple.com",
            "http://a.b*",
        ] {
            assert!(PostUrl::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn a_refusal_names_the_field_and_says_the_rule() {
        let refusal = |result: Result<PostTitle, AppError>| result.unwrap_err().to_string();
        assert_eq!(refusal(PostTitle::parse("")), "title: title must be 1 to 200 characters");
        assert_eq!(refusal(PostTitle::parse(" \u{3000} ")), "title: title must not be blank");
        assert_eq!(
            PostUrl::parse("http://").unwrap_err().to_string(),
            "post_url: post_url must be an absolute http:// or https:// URL of at most 2048 characters"
        );
        assert_eq!(
            CommentText::parse(&"x".repeat(2001)).unwrap_err().to_string(),
            "comment_text: comment_text must be 1 to 2000 characters"
        );
    }

    #[test]
    fn comments_are_trimmed_and_bounded() {
        assert!(CommentText::parse(" \n ").is_err());
        assert!(CommentText::parse(&"x".repeat(2000)).is_ok());
        assert!(CommentText::parse(&"x".repeat(2001)).is_err());
        assert_eq!(CommentText::parse(" hi\n").unwrap().as_str(), "hi");
    }
}
