//! [`Rule`]: what a text field must be, stated once for the spec, the check and the message.

use crate::error::AppError;

/// The rule for a text value: its length in characters (not bytes) as sent, and perhaps a shape.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The fewest characters; 0 states no minimum.
    pub min_chars: usize,
    /// The most characters.
    pub max_chars: usize,
    pub shape: Option<Shape>,
}

/// A pattern the value must match, and what breaking it means, in words.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// A regular expression the value must match somewhere (anchored where it must match all).
    pub pattern: &'static str,
    /// What the value must be, said after the field's name: `must be a valid email address`.
    pub requirement: &'static str,
}

impl Rule {
    /// From `min_chars` to `max_chars` characters of anything.
    pub const fn chars(min_chars: usize, max_chars: usize) -> Self {
        Self { min_chars, max_chars, shape: None }
    }

    /// This rule, and the value must match `pattern`.
    pub const fn matching(self, pattern: &'static str, requirement: &'static str) -> Self {
        Self { shape: Some(Shape { pattern, requirement }), ..self }
    }

    /// The length first, then the pattern, as the spec's validators would check them.
    pub fn check(&self, text: &str) -> Result<(), Refusal> {
        let len = text.chars().count();
        if len < self.min_chars || len > self.max_chars {
            return Err(Refusal::Length { min: self.min_chars, max: self.max_chars });
        }
        match self.shape {
            Some(shape) if !matches(shape.pattern, text) => Err(Refusal::Shape(shape.requirement)),
            _ => Ok(()),
        }
    }
}

/// Why a value was refused. It becomes a message once the field it was sent in is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Too few or too many characters.
    Length { min: usize, max: usize },
    /// Not the shape the rule states: the words to say after the field's name.
    Shape(&'static str),
    /// A reason that is a message in itself.
    Reason(&'static str),
}

impl Refusal {
    /// The message for the client, naming `field`.
    pub fn message(&self, field: &str) -> String {
        match *self {
            Self::Length { min: 0, max } => format!("{field} must be at most {max} characters"),
            Self::Length { min, max } => format!("{field} must be {min} to {max} characters"),
            Self::Shape(shape) => format!("{field} {shape}"),
            Self::Reason(reason) => reason.to_owned(),
        }
    }

    /// The 422 that names `field`.
    pub fn in_field(&self, field: &str) -> AppError {
        AppError::validation(field, self.message(field))
    }
}

/// Whether `value` matches `pattern` (compiled once per pattern).
fn matches(pattern: &str, value: &str) -> bool {
    use std::{
        collections::HashMap,
        sync::{Mutex, OnceLock},
    };
    static COMPILED: OnceLock<Mutex<HashMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let mut compiled =
        COMPILED.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !compiled.contains_key(pattern) {
        compiled.insert(pattern.to_owned(), regex::Regex::new(pattern).ok());
    }
    compiled[pattern].as_ref().is_some_and(|regex| regex.is_match(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Rule = Rule::chars(2, 3).matching("^[a-z]+$", "must be letters");

    #[test]
    fn a_rule_checks_the_length_in_characters_before_the_pattern() {
        assert_eq!(RULE.check("ab"), Ok(()));
        assert_eq!(RULE.check("éé"), Err(Refusal::Shape("must be letters")));
        assert_eq!(RULE.check("a1b2"), Err(Refusal::Length { min: 2, max: 3 }));
    }

    #[test]
    fn a_refusal_names_the_field_it_was_sent_in() {
        assert_eq!(Refusal::Length { min: 2, max: 3 }.message("code"), "code must be 2 to 3 characters");
        assert_eq!(Refusal::Length { min: 0, max: 3 }.message("code"), "code must be at most 3 characters");
        assert_eq!(Refusal::Shape("must be letters").message("code"), "code must be letters");
    }
}
