//! Post titles, post URLs and comment texts.

use super::trimmed_len;
use crate::error::AppError;

/// 1–200 characters after trimming.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostTitle(String);

impl PostTitle {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        trimmed_len("title", raw, 1, 200).map(Self)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An absolute `http` or `https` URL of the shape [`super::POST_URL_PATTERN`] states, up to
/// 2048 characters, kept exactly as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostUrl(String);

impl PostUrl {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let ok = raw.chars().count() <= 2048
            && super::matches(super::POST_URL_PATTERN, raw)
            && url::Url::parse(raw).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
        if !ok {
            return Err(AppError::validation(
                "post_url",
                "post_url must be an absolute http:// or https:// URL of at most 2048 characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// 1–2000 characters after trimming.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentText(String);

impl CommentText {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        trimmed_len("comment_text", raw, 1, 2000).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn comments_are_trimmed_and_bounded() {
        assert!(CommentText::parse(" \n ").is_err());
        assert!(CommentText::parse(&"x".repeat(2000)).is_ok());
        assert!(CommentText::parse(&"x".repeat(2001)).is_err());
    }
}
