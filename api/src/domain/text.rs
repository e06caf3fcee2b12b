//! [`Text`]: a domain type made of a string that passed its [`Rule`] and any checks beyond it.
//! Its place in the spec and in request bodies is the HTTP edge's (`http::openapi::text`).

use super::{Refusal, Rule};
use crate::error::AppError;

/// A domain type that travels as a JSON string.
pub trait Text: Sized {
    /// The name poem-openapi knows the type by (it appears in its parse errors).
    const NAME: &'static str;
    /// The field the value is usually sent in.
    const FIELD: &'static str;
    /// The rule the spec states for it.
    const RULE: Rule;

    /// Checks beyond what a schema can state, made once the rule holds.
    fn check_more(_text: &str) -> Result<(), Refusal> {
        Ok(())
    }

    /// The value made from a text that passed every check.
    fn from_valid(text: String) -> Self;

    /// The value as it is sent back; `None` for a secret, which is never serialised.
    fn text(&self) -> Option<&str>;
}

/// Checks `text` against `T`'s rule and the checks beyond it.
pub fn check<T: Text>(text: &str) -> Result<(), Refusal> {
    T::RULE.check(text)?;
    T::check_more(text)
}

/// Makes a `T` of `text`, or the 422 that names `field`.
pub fn parse<T: Text>(field: &str, text: String) -> Result<T, AppError> {
    check::<T>(&text).map_err(|refusal| refusal.in_field(field))?;
    Ok(T::from_valid(text))
}
