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

/// An absolute `http` or `https` URL with a host, up to 2048 characters, kept in the normalised
/// form a browser would follow (so what was checked is exactly what gets linked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostUrl(String);

impl PostUrl {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let raw = raw.trim();
        let invalid = || {
            AppError::validation(
                "post_url",
                "post_url must be an absolute http:// or https:// URL of at most 2048 characters",
            )
        };
        if raw.chars().count() > 2048 {
            return Err(invalid());
        }
        let url = url::Url::parse(raw).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none_or(str::is_empty)
            || url.as_str().len() > 2048
        {
            return Err(invalid());
        }
        Ok(Self(url.into()))
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
        for ok in [
            "https://example.com",
            "http://example.com/a?b=c#d",
            "https://sub.example.co.uk:8443/x",
        ] {
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
    fn a_url_is_kept_as_a_browser_would_follow_it() {
        assert_eq!(
            PostUrl::parse("HTTPS://Example.COM").unwrap().into_inner(),
            "https://example.com/"
        );
        assert_eq!(
            PostUrl::parse("https://exa\nmple.com/a b")
                .unwrap()
                .into_inner(),
            "https://example.com/a%20b"
        );
    }

    #[test]
    fn comments_are_trimmed_and_bounded() {
        assert!(CommentText::parse(" \n ").is_err());
        assert!(CommentText::parse(&"x".repeat(2000)).is_ok());
        assert!(CommentText::parse(&"x".repeat(2001)).is_err());
    }
}
