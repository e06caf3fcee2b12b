//! [`JsonBody`]: a JSON request body whose every failure is an error in our own shape — 413 over
//! 64 KiB, 400 when it is not a JSON object, 422 naming the missing or mistyped field.

use poem::{Request, RequestBody};
use poem_openapi::{
    impl_apirequest_for_payload,
    payload::{ParsePayload, Payload},
    registry::{MetaSchema, MetaSchemaRef, Registry},
    types::{ParseFromJSON, Type},
};
use serde_json::Value;

use crate::error::AppError;

/// Request bodies over this many bytes are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body for `T`. Extracting it only reads the bytes (413 when too large); the
/// handler calls [`JsonBody::parse`] when the body's turn comes — after 401, 404 and 403 — so a
/// bad body never hides a missing item or a missing right.
pub struct JsonBody<T> {
    bytes: bytes::Bytes,
    _type: std::marker::PhantomData<fn() -> T>,
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = body.take()?.into_bytes_limit(BODY_LIMIT).await.map_err(|err| match err {
            poem::error::ReadBodyError::PayloadTooLarge => AppError::PayloadTooLarge { limit: BODY_LIMIT },
            _ => AppError::BadRequest { message: "the request body could not be read".into() },
        })?;
        Ok(Self { bytes, _type: std::marker::PhantomData })
    }
}

impl<T: ParseFromJSON> JsonBody<T> {
    /// 400 when the body is not a JSON object; 422 naming the first missing or mistyped field.
    pub fn parse(self) -> Result<T, AppError> {
        let value: Value = serde_json::from_slice(&self.bytes).map_err(|err| AppError::BadRequest {
            message: format!("the request body is not valid JSON ({err})"),
        })?;
        let Value::Object(fields) = &value else {
            return Err(AppError::BadRequest { message: "the request body must be a JSON object".into() });
        };
        // Checked against the schema first: poem-openapi would quietly turn a number into a
        // string, and a client sending the wrong type deserves to hear about it.
        if let Some((field, message)) = blame::<T>(fields) {
            return Err(AppError::Validation { field, message });
        }
        T::parse_from_json(Some(value)).map_err(|_| AppError::Validation {
            field: "body".into(),
            message: "the request body does not match the schema".into(),
        })
    }
}

impl_apirequest_for_payload!(JsonBody<T>, T: ParseFromJSON);

/// Names the first field of `T`'s schema that is missing or of the wrong JSON type.
fn blame<T: Type>(fields: &serde_json::Map<String, Value>) -> Option<(String, String)> {
    let mut registry = Registry::new();
    T::register(&mut registry);
    let schema = registry.schemas.remove(&*T::name())?;
    for (name, property) in &schema.properties {
        let (ty, format) = match property {
            MetaSchemaRef::Inline(p) => (p.ty, p.format),
            MetaSchemaRef::Reference(_) => ("object", None),
        };
        match fields.get(*name) {
            None | Some(Value::Null) if schema.required.contains(name) => {
                return Some((name.to_string(), format!("{name} is required")));
            }
            None | Some(Value::Null) => {}
            Some(value) if !has_type(value, ty, format) => {
                return Some((name.to_string(), format!("{name} must be {}", article(ty))));
            }
            Some(Value::String(text)) => {
                if let MetaSchemaRef::Inline(rules) = property
                    && let Some(message) = breaks_rules(name, text, rules)
                {
                    return Some((name.to_string(), message));
                }
            }
            Some(_) => {}
        }
    }
    None
}

/// The length and pattern rules the spec states for a string field, checked as poem-openapi's
/// validators will, so the error can name the field and say the rule.
fn breaks_rules(name: &str, text: &str, rules: &MetaSchema) -> Option<String> {
    let len = text.chars().count();
    let too_short = rules.min_length.is_some_and(|min| len < min);
    let too_long = rules.max_length.is_some_and(|max| len > max);
    if too_short || too_long {
        return Some(match (rules.min_length, rules.max_length) {
            (Some(min), Some(max)) => format!("{name} must be {min} to {max} characters"),
            (None, Some(max)) => format!("{name} must be at most {max} characters"),
            (Some(min), _) => format!("{name} must be at least {min} characters"),
            (None, None) => unreachable!("a length rule was broken"),
        });
    }
    let pattern = rules.pattern.as_deref()?;
    (!crate::domain::matches(pattern, text)).then(|| pattern_message(name))
}

/// What a field's pattern means, in words.
fn pattern_message(name: &str) -> String {
    match name {
        "username" => "username must be 3 to 30 characters of letters, digits, _ and -".into(),
        "email" => "email must be a valid email address".into(),
        "post_url" => {
            "post_url must be an absolute http:// or https:// URL of at most 2048 characters".into()
        }
        _ => format!("{name} must not be blank"),
    }
}

fn has_type(value: &Value, ty: &str, format: Option<&str>) -> bool {
    match (ty, format) {
        ("integer", Some("int32")) => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        ("string", _) => value.is_string(),
        ("integer", _) => value.is_i64(),
        ("number", _) => value.is_number(),
        ("boolean", _) => value.is_boolean(),
        ("array", _) => value.is_array(),
        ("object", _) => value.is_object(),
        _ => true,
    }
}

fn article(ty: &str) -> String {
    match ty {
        "integer" => "an integer".into(),
        "array" | "object" => format!("an {ty}"),
        other => format!("a {other}"),
    }
}
