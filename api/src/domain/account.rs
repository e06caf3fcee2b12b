//! Usernames, emails and passwords.

use std::fmt;

use crate::error::AppError;

/// 3–30 characters of `[A-Za-z0-9_-]`; unique ignoring case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        if !super::matches(super::USERNAME_PATTERN, raw) {
            return Err(AppError::validation(
                "username",
                "username must be 3 to 30 characters of letters, digits, _ and -",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form that uniqueness is judged on.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// A plausible email address, lower-cased: at most 254 characters, one `@` with something on
/// each side, a dot in the domain, no whitespace or control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        if raw.chars().count() > 254 || !super::matches(super::EMAIL_PATTERN, raw) {
            return Err(AppError::validation("email", "email must be a valid email address"));
        }
        Ok(Self(raw.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that follows the rules: 8–128 characters of any script, not a common password.
/// Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Checks a new password (sign-up, change of password).
    pub fn parse_new(field: &'static str, raw: String) -> Result<Self, AppError> {
        let len = raw.chars().count();
        if !(8..=128).contains(&len) {
            return Err(AppError::validation(field, "password must be 8 to 128 characters"));
        }
        if is_common(&raw) {
            return Err(AppError::validation(
                field,
                "this password is too common; choose one that is harder to guess",
            ));
        }
        Ok(Self(raw))
    }

    /// Wraps a password given to be checked against a stored hash (login, re-authentication);
    /// no rules apply, but over-long input is refused before any hashing.
    pub fn parse_existing(field: &'static str, raw: String) -> Result<Self, AppError> {
        if raw.is_empty() || raw.chars().count() > 128 {
            return Err(AppError::validation(field, "password must be 1 to 128 characters"));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Whether the password is, as a whole, one of the common passwords in zxcvbn's list (plain,
/// any capitalisation, or with l33t substitutions).
fn is_common(password: &str) -> bool {
    use zxcvbn::matching::patterns::MatchPattern;
    let entropy = zxcvbn::zxcvbn(password, &[]);
    let len = password.chars().count();
    entropy.sequence().iter().any(|m| {
        m.i == 0
            && m.j + 1 == len
            && matches!(&m.pattern, MatchPattern::Dictionary(d)
                // zxcvbn keeps its dictionary type private; its Debug name is stable.
                if format!("{:?}", d.dictionary_name) == "Passwords" && !d.reversed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_rules() {
        for ok in ["abc", "a_b-c", "User_123", &"x".repeat(30)] {
            assert!(Username::parse(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in ["ab", "has space", "émile", "semi;colon", &"x".repeat(31), ""] {
            assert!(Username::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn username_key_ignores_case() {
        assert_eq!(Username::parse("AliCe").unwrap().key(), "alice");
    }

    #[test]
    fn emails_are_lower_cased_and_must_be_plausible() {
        assert_eq!(Email::parse("Ada@Example.COM").unwrap().as_str(), "ada@example.com");
        for bad in [
            "",
            "no-at.example.com",
            "a@b@c.com",
            "a b@c.com",
            "@example.com",
            "a@localhost",
            "a@.com",
            "a@com.",
            " a@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(243));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        assert!(Password::parse_new("password", "ñ".repeat(8)).is_ok());
        assert!(Password::parse_new("password", "ñ".repeat(7)).is_err());
        assert!(Password::parse_new("password", "k".repeat(128) + "🙂").is_err());
    }

    #[test]
    fn common_passwords_are_refused() {
        for common in ["password123", "Password1", "iloveyou", "p@ssw0rd", "12345678", "qwertyuiop"] {
            assert!(Password::parse_new("password", common.into()).is_err(), "{common} should be refused");
        }
        assert!(Password::parse_new("password", "correct-horse-battery".into()).is_ok());
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::parse_new("password", "correct-horse-battery".into()).unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}
