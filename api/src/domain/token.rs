//! Session tokens: 32 random bytes, sent to the browser base64url-encoded, stored as SHA-256.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

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
}
