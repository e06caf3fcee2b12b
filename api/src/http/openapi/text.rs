//! The domain's text types as poem-openapi types. A request body's `username: Username` is
//! documented by `Username`'s [`Rule`] and parsed by it, so no validator attribute states the
//! rule again.
//!
//! poem-openapi's parse errors name neither the field nor the rule, so a refusal is also kept
//! aside for the one who runs the parse ([`with_refusal`]), who knows the fields.

use std::{borrow::Cow, cell::RefCell};

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;

use crate::domain::{
    self, Refusal, Rule,
    text::{Text, check},
};

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

/// A rule as an OpenAPI string schema.
fn rule_schema(rule: &Rule) -> MetaSchema {
    MetaSchema {
        min_length: (rule.min_chars > 0).then_some(rule.min_chars),
        max_length: Some(rule.max_chars),
        pattern: rule.shape.map(|shape| shape.pattern.to_owned()),
        ..MetaSchema::new("string")
    }
}

fn schema<T: Text>() -> MetaSchema {
    MetaSchema { rust_typename: Some(std::any::type_name::<T>()), ..rule_schema(&T::RULE) }
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
    domain::Username,
    domain::Email,
    domain::Password,
    domain::NewPassword,
    domain::TotpCode,
    domain::OneTimeCode,
    domain::PostTitle,
    domain::PostUrl,
    domain::CommentText,
    domain::PostText,
    domain::TagName,
    domain::TagDescription,
    domain::ModerationReason,
    domain::InviteCode,
    domain::TokenName,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Password, Username};

    #[test]
    fn a_rules_schema_states_the_rule() {
        let rule = Rule::chars(2, 3).matching("^[a-z]+$", "must be letters");
        let schema = rule_schema(&rule);
        assert_eq!((schema.ty, schema.min_length, schema.max_length), ("string", Some(2), Some(3)));
        assert_eq!(schema.pattern.as_deref(), Some("^[a-z]+$"));
        let no_minimum = rule_schema(&Rule::chars(0, 3));
        assert_eq!((no_minimum.min_length, no_minimum.pattern), (None, None));
    }

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
