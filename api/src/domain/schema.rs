//! The domain types as poem-openapi types. A request body's `username: Username` is documented by
//! `Username`'s [`Rule`] and parsed by it, so no validator attribute states the rule again.
//!
//! poem-openapi's parse errors name neither the field nor the rule, so a refusal is also kept
//! aside for the one who runs the parse ([`with_refusal`]), who knows the fields.

use std::{borrow::Cow, cell::RefCell};

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;

use super::{Refusal, Rule};
use crate::error::AppError;

/// A domain type that travels as a JSON string.
pub(super) trait Text: Sized {
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
pub(super) fn check<T: Text>(text: &str) -> Result<(), Refusal> {
    T::RULE.check(text)?;
    T::check_more(text)
}

/// Makes a `T` of `text`, or the 422 that names `field`.
pub(super) fn parse<T: Text>(field: &str, text: String) -> Result<T, AppError> {
    check::<T>(&text).map_err(|refusal| refusal.in_field(field))?;
    Ok(T::from_valid(text))
}

/// A value that a domain type refused while a request body was parsed.
#[derive(Debug)]
pub struct Refused {
    /// The refusing type, as its schema's `rust_typename` names it.
    pub type_name: &'static str,
    /// The text it refused.
    pub text: String,
    pub refusal: Refusal,
}

thread_local! {
    static REFUSED: RefCell<Option<Refused>> = const { RefCell::new(None) };
}

/// Runs `parse` (a poem-openapi parse, which stops at the first field it cannot take), and hands
/// back with its result the value a domain type refused in it, if one did.
pub fn with_refusal<R>(parse: impl FnOnce() -> R) -> (R, Option<Refused>) {
    REFUSED.with_borrow_mut(|refused| *refused = None);
    let result = parse();
    (result, REFUSED.with_borrow_mut(Option::take))
}

fn schema<T: Text>() -> MetaSchema {
    MetaSchema { rust_typename: Some(std::any::type_name::<T>()), ..T::RULE.schema() }
}

fn parse_from_json<T: Text + Type>(value: Option<Value>) -> ParseResult<T> {
    match value.unwrap_or_default() {
        Value::String(text) => match check::<T>(&text) {
            Ok(()) => Ok(T::from_valid(text)),
            Err(refusal) => {
                let error = ParseError::custom(refusal.message(T::FIELD));
                REFUSED.with_borrow_mut(|refused| {
                    refused.get_or_insert(Refused { type_name: std::any::type_name::<T>(), text, refusal });
                });
                Err(error)
            }
        },
        other => Err(ParseError::expected_type(other)),
    }
}

/// Implements poem-openapi's `Type`, `ParseFromJSON` and `ToJSON` for [`Text`] types (a blanket
/// impl over `T: Text` would break the orphan rule).
macro_rules! json_text {
    ($($ty:ty),* $(,)?) => {$(
        impl Type for $ty {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                <Self as Text>::NAME.into()
            }

            fn schema_ref() -> MetaSchemaRef {
                MetaSchemaRef::Inline(Box::new(schema::<Self>()))
            }

            fn as_raw_value(&self) -> Option<&Self> {
                Some(self)
            }

            fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }

        impl ParseFromJSON for $ty {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                parse_from_json(value)
            }
        }

        impl ToJSON for $ty {
            fn to_json(&self) -> Option<Value> {
                Text::text(self).map(|text| Value::String(text.to_owned()))
            }
        }
    )*};
}

json_text!(
    super::Username,
    super::Email,
    super::Password,
    super::NewPassword,
    super::TotpCode,
    super::OneTimeCode,
    super::PostTitle,
    super::PostUrl,
    super::CommentText,
    super::ModerationReason,
    super::InviteCode,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Password, Username};

    #[test]
    fn the_schema_is_the_rule() {
        let MetaSchemaRef::Inline(schema) = Username::schema_ref() else { panic!("inline") };
        assert_eq!(schema.pattern.as_deref(), Some(crate::domain::USERNAME_PATTERN));
        assert_eq!((schema.min_length, schema.max_length), (Some(3), Some(30)));
    }

    #[test]
    fn a_refused_value_is_kept_for_the_parser_with_its_reason() {
        let (result, refused) = with_refusal(|| Username::parse_from_json(Some("a b".into())));
        assert!(result.is_err());
        let refused = refused.unwrap();
        assert_eq!((refused.type_name, refused.text.as_str()), (std::any::type_name::<Username>(), "a b"));
        let message = refused.refusal.message("username");
        assert_eq!(message, "username must be 3 to 30 characters of letters, digits, _ and -");
        let (result, refused) = with_refusal(|| Username::parse_from_json(Some(7.into())));
        assert!(result.is_err() && refused.is_none(), "a wrong type is not a refusal");
    }

    #[test]
    fn a_password_is_never_serialised() {
        let password = Password::parse_existing("password", "correct-horse".into()).unwrap();
        assert_eq!(password.to_json(), None);
    }
}
