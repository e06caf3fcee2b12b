//! Secrets, each stored only as its SHA-256: session tokens (32 random bytes, sent to the browser
//! base64url-encoded), personal API tokens (`jtn_` and 43 base62 characters, a prefix secret
//! scanners can be taught) and private feed tokens (43 base62 characters, in a URL).

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use super::{NOT_BLANK_PATTERN, Rule, text::Text};

/// What a person calls one of their API tokens: 1–50 characters, not blank, kept trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Text for TokenName {
    const NAME: &'static str = "string_token_name";
    const FIELD: &'static str = "name";
    const RULE: Rule = Rule::chars(1, 50).matching(NOT_BLANK_PATTERN, "must not be blank");

    fn from_valid(text: String) -> Self {
        Self(text.trim().to_owned())
    }

    fn text(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// The secret a browser holds. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

/// Length of a token's base64url text (32 bytes, no padding).
const ENCODED_LEN: usize = 43;

impl SessionToken {
    /// A fresh token from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts only text that could be a token we issued, so junk never reaches the database.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.len() == ENCODED_LEN && URL_SAFE_NO_PAD.decode(raw).is_ok_and(|b| b.len() == 32);
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database stores and looks up: the hex SHA-256 of the token.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

/// The characters of a base62 secret.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// How many base62 characters a secret has: 43 carry 256 bits.
const BASE62_LEN: usize = 43;

/// `BASE62_LEN` characters drawn uniformly from [`BASE62`] by the operating system's CSPRNG
/// (bytes of 248 and above are drawn again, so each character is equally likely).
fn base62_secret() -> String {
    let mut secret = String::with_capacity(BASE62_LEN);
    let mut bytes = [0u8; 64];
    while secret.len() < BASE62_LEN {
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        for byte in bytes {
            if byte < 248 && secret.len() < BASE62_LEN {
                secret.push(char::from(BASE62[usize::from(byte % 62)]));
            }
        }
    }
    secret
}

fn is_base62_secret(text: &str) -> bool {
    text.len() == BASE62_LEN && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A personal API token: `jtn_` and 43 base62 characters. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// What every API token starts with.
    pub const PREFIX: &'static str = "jtn_";

    pub fn generate() -> Self {
        Self(format!("{}{}", Self::PREFIX, base62_secret()))
    }

    /// Accepts only text that could be a token we issued, so junk never reaches the database.
    pub fn parse(raw: &str) -> Option<Self> {
        raw.strip_prefix(Self::PREFIX).filter(|rest| is_base62_secret(rest)).map(|_| Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hex SHA-256 the database stores.
    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

/// The secret of a person's private feed URLs: 43 base62 characters. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct FeedToken(String);

impl FeedToken {
    pub fn generate() -> Self {
        Self(base62_secret())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        is_base62_secret(raw).then(|| Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hex SHA-256 the database stores.
    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }
}

impl fmt::Debug for FeedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FeedToken(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_and_differ() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a, b);
        assert_eq!(SessionToken::parse(a.expose()), Some(a.clone()));
        assert_eq!(a.hash().len(), 64);
        assert_ne!(a.hash(), a.expose());
    }

    #[test]
    fn junk_is_not_a_token() {
        for junk in ["", "abc", &"!".repeat(43), &"A".repeat(44), "' OR 1=1 --"] {
            assert!(SessionToken::parse(junk).is_none(), "{junk:?}");
        }
    }

    #[test]
    fn a_token_never_shows_in_debug_output() {
        let token = SessionToken::generate();
        assert!(!format!("{token:?}").contains(token.expose()));
    }

    #[test]
    fn api_tokens_have_their_prefix_and_256_bits_of_base62() {
        let a = ApiToken::generate();
        assert!(a.expose().starts_with("jtn_") && a.expose().len() == 47, "{}", a.expose().len());
        assert!(a.expose()[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, ApiToken::generate());
        assert_eq!(ApiToken::parse(a.expose()), Some(a.clone()));
        assert!(!format!("{a:?}").contains(a.expose()));
        for junk in
            ["", "jtn_", &a.expose()[4..], &format!("{}!", &a.expose()[..46]), &format!("{}a", a.expose())]
        {
            assert!(ApiToken::parse(junk).is_none(), "{junk:?}");
        }
        let feed = FeedToken::generate();
        assert_eq!(FeedToken::parse(feed.expose()), Some(feed.clone()));
        assert!(FeedToken::parse(a.expose()).is_none());
        assert_ne!(feed.hash(), feed.expose());
    }

    #[test]
    fn every_base62_character_is_drawn() {
        let drawn: std::collections::HashSet<char> =
            (0..200).flat_map(|_| base62_secret().chars().collect::<Vec<_>>()).collect();
        assert_eq!(drawn.len(), 62);
    }
}
