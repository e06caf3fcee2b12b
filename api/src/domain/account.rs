//! Usernames, emails and passwords.

use std::fmt;

use super::{
    EMAIL_PATTERN, Refusal, Rule, TOTP_CODE_PATTERN, USERNAME_PATTERN,
    text::{self, Text},
};
use crate::error::AppError;

/// 3–30 characters of `[A-Za-z0-9_-]`; unique ignoring case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        text::parse(Self::FIELD, raw.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form that uniqueness is judged on.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// Whether the name is one no account may take: `login` and `logout`, ignoring case, so
    /// `/user/{name}` never clashes with those pages.
    pub fn is_reserved(&self) -> bool {
        ["login", "logout"].contains(&self.key().as_str())
    }
}

impl Text for Username {
    const NAME: &'static str = "string_username";
    const FIELD: &'static str = "username";
    const RULE: Rule = Rule::chars(3, 30)
        .matching(USERNAME_PATTERN, "must be 3 to 30 characters of letters, digits, _ and -");

    fn from_valid(text: String) -> Self {
        Self(text)
    }

    fn text(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// A plausible email address, lower-cased: at most 254 characters, one `@` with something on
/// each side, a dot in the domain, no whitespace or control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        text::parse(Self::FIELD, raw.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Text for Email {
    const NAME: &'static str = "string_email";
    const FIELD: &'static str = "email";
    const RULE: Rule = Rule::chars(0, 254).matching(EMAIL_PATTERN, "must be a valid email address");

    fn from_valid(text: String) -> Self {
        Self(text.to_lowercase())
    }

    fn text(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// A password: 1–128 characters of any script. A password that is sent to be checked against a
/// stored hash (login, re-authentication) only has to be that, so over-long input is refused
/// before any hashing; a new one passes [`NewPassword`]'s rules on its way to becoming this.
/// Its `Debug` never shows it, and it is never serialised.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Checks a new password (sign-up, change of password): 8–128 characters, not a common one.
    pub fn parse_new(field: &'static str, raw: String) -> Result<Self, AppError> {
        text::parse::<NewPassword>(field, raw)?.unless_common(field)
    }

    /// Wraps a password given to be checked against a stored hash (login, re-authentication).
    pub fn parse_existing(field: &'static str, raw: String) -> Result<Self, AppError> {
        text::parse(field, raw)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Text for Password {
    const NAME: &'static str = "string_password";
    const FIELD: &'static str = "password";
    const RULE: Rule = Rule::chars(1, 128);

    fn from_valid(text: String) -> Self {
        Self(text)
    }

    fn text(&self) -> Option<&str> {
        None
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A new password of 8–128 characters, not yet checked against the common passwords: that check
/// ([`NewPassword::unless_common`]) is the handler's to place, after any check of who is asking.
/// Its `Debug` never shows it, and it is never serialised.
pub struct NewPassword(String);

impl NewPassword {
    /// The password, unless it is one of the common passwords (then the 422 naming `field`).
    pub fn unless_common(self, field: &str) -> Result<Password, AppError> {
        if is_common(&self.0) {
            return Err(Refusal::Reason("this password is too common; choose one that is harder to guess")
                .in_field(field));
        }
        Ok(Password(self.0))
    }
}

impl Text for NewPassword {
    const NAME: &'static str = "string_new_password";
    const FIELD: &'static str = "password";
    const RULE: Rule = Rule::chars(8, 128);

    fn from_valid(text: String) -> Self {
        Self(text)
    }

    fn text(&self) -> Option<&str> {
        None
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A TOTP code: exactly the 6 digits an authenticator app shows. Never serialised.
pub struct TotpCode(String);

impl TotpCode {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Text for TotpCode {
    const NAME: &'static str = "string_totp_code";
    const FIELD: &'static str = "code";
    // No length of its own: the pattern says it, in words a person understands.
    const RULE: Rule =
        Rule::chars(0, 64).matching(TOTP_CODE_PATTERN, "must be the 6 digits your authenticator app shows");

    fn from_valid(text: String) -> Self {
        Self(text)
    }

    fn text(&self) -> Option<&str> {
        None
    }
}

/// A second factor as given to confirm something drastic: a TOTP code (6 digits) or a recovery
/// code (anything else). At most 64 characters. Never serialised.
pub struct OneTimeCode(String);

impl OneTimeCode {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Text for OneTimeCode {
    const NAME: &'static str = "string_one_time_code";
    const FIELD: &'static str = "recovery_code";
    const RULE: Rule = Rule::chars(1, 64);

    fn from_valid(text: String) -> Self {
        Self(text)
    }

    fn text(&self) -> Option<&str> {
        None
    }
}

impl fmt::Debug for TotpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpCode(***)")
    }
}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(***)")
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

    /// The field and message of a 422.
    fn refusal<T: fmt::Debug>(result: Result<T, AppError>) -> (String, String) {
        match result {
            Err(AppError::Validation { field, message }) => (field, message),
            other => panic!("not a 422: {other:?}"),
        }
    }

    #[test]
    fn a_refusal_names_the_field_and_says_the_rule() {
        let said = |field: &str, message: &str| (field.to_owned(), message.to_owned());
        assert_eq!(refusal(Username::parse("ab")), said("username", "username must be 3 to 30 characters"));
        assert_eq!(
            refusal(Username::parse("a b")),
            said("username", "username must be 3 to 30 characters of letters, digits, _ and -")
        );
        let long = format!("{}@example.com", "a".repeat(243));
        assert_eq!(refusal(Email::parse(&long)), said("email", "email must be at most 254 characters"));
        assert_eq!(refusal(Email::parse("a@b")), said("email", "email must be a valid email address"));
        assert_eq!(
            refusal(Password::parse_new("new_password", "short".into())),
            said("new_password", "new_password must be 8 to 128 characters")
        );
        assert_eq!(
            refusal(Password::parse_new("new_password", "password123".into())),
            said("new_password", "this password is too common; choose one that is harder to guess")
        );
        assert_eq!(
            refusal(Password::parse_existing("current_password", String::new())),
            said("current_password", "current_password must be 1 to 128 characters")
        );
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
