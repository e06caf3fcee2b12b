//! [`JsonBody`]: a JSON request body whose every failure is an error in our own shape — 413 over
//! 64 KiB, 400 when it is not a JSON object, 422 naming the field that is missing, mistyped or
//! breaks its rule.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock, PoisonError},
};

use poem::{Request, RequestBody};
use poem_openapi::{
    impl_apirequest_for_payload,
    payload::{ParsePayload, Payload},
    registry::{MetaSchemaRef, Registry},
    types::{ParseFromJSON, Type},
};
use serde_json::Value;

use super::text::with_refusal;
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
    /// 400 when the body is not a JSON object; 422 naming the first field, in the order the
    /// schema lists them, that is missing, mistyped or refused by its domain type.
    pub fn parse(self) -> Result<T, AppError> {
        let value: Value = serde_json::from_slice(&self.bytes).map_err(|err| AppError::BadRequest {
            message: format!("the request body is not valid JSON ({err})"),
        })?;
        let Value::Object(fields) = &value else {
            return Err(AppError::BadRequest { message: "the request body must be a JSON object".into() });
        };
        let (parsed, refused) = with_refusal(|| T::parse_from_json(Some(value.clone())));
        // Checked against the schema as well: poem-openapi would quietly turn a number into a
        // string, and a client sending the wrong type deserves to hear about it.
        for field in properties::<T>().iter() {
            let name = field.name;
            match fields.get(name) {
                None | Some(Value::Null) if field.required => {
                    return Err(AppError::validation(name, format!("{name} is required")));
                }
                None => {}
                // An optional field may be left out, but is `null` only where the schema says so.
                Some(Value::Null) if !field.nullable => {
                    return Err(AppError::validation(
                        name,
                        format!("{name} must be {} or left out", expected(field.ty, field.format)),
                    ));
                }
                Some(Value::Null) => {}
                Some(value) if !field.allowed.is_empty() && !field.allowed.contains(value) => {
                    let allowed: Vec<_> = field.allowed.iter().filter_map(Value::as_str).collect();
                    return Err(AppError::validation(
                        name,
                        format!("{name} must be one of {}", allowed.join(", ")),
                    ));
                }
                Some(value) if !has_type(value, field.ty, field.format) => {
                    return Err(AppError::validation(
                        name,
                        format!("{name} must be {}", expected(field.ty, field.format)),
                    ));
                }
                Some(Value::Number(number)) if !field.in_range(number) => {
                    return Err(AppError::validation(name, field.range_message()));
                }
                Some(Value::String(text)) => {
                    if let Some(refused) = &refused
                        && field.rust_typename == Some(refused.type_name)
                        && *text == refused.text
                    {
                        return Err(refused.refusal.in_field(name));
                    }
                }
                Some(Value::Array(items)) if field.min_items.is_some_and(|least| items.len() < least) => {
                    let least = field.min_items.unwrap_or_default();
                    return Err(AppError::validation(
                        name,
                        format!(
                            "{name} must hold at least {least} item{}",
                            if least == 1 { "" } else { "s" }
                        ),
                    ));
                }
                // An array of an enum: an item it does not allow names the array.
                Some(Value::Array(items))
                    if !field.item_allowed.is_empty()
                        && items.iter().any(|item| !field.item_allowed.contains(item)) =>
                {
                    let allowed: Vec<_> = field.item_allowed.iter().filter_map(Value::as_str).collect();
                    return Err(AppError::validation(
                        name,
                        format!("{name} may hold only {}", allowed.join(", ")),
                    ));
                }
                // An array of a domain type: the item it refused names the array.
                Some(Value::Array(items)) => {
                    if let Some(refused) = &refused
                        && field.item_typename == Some(refused.type_name)
                        && items.iter().any(|item| item.as_str() == Some(refused.text.as_str()))
                    {
                        return Err(refused.refusal.in_field(name));
                    }
                }
                Some(_) => {}
            }
        }
        parsed.map_err(|_| AppError::Validation {
            field: "body".into(),
            message: "the request body does not match the schema".into(),
        })
    }
}

impl_apirequest_for_payload!(JsonBody<T>, T: ParseFromJSON);

/// A property of a request body's schema, as [`JsonBody::parse`] checks it.
struct Property {
    name: &'static str,
    required: bool,
    ty: &'static str,
    format: Option<&'static str>,
    /// The domain type that parses it, if one does.
    rust_typename: Option<&'static str>,
    /// For an array, the domain type that parses each item, if one does.
    item_typename: Option<&'static str>,
    /// Whether the schema allows `null`.
    nullable: bool,
    /// The values an enum allows (empty for anything else).
    allowed: Vec<Value>,
    /// For an array of an enum, the values its items may take (empty for anything else).
    item_allowed: Vec<Value>,
    /// The fewest items an array may hold, where the schema says.
    min_items: Option<usize>,
    /// The least and the greatest number allowed, where the schema bounds it.
    minimum: Option<f64>,
    maximum: Option<f64>,
}

impl Property {
    fn in_range(&self, number: &serde_json::Number) -> bool {
        let Some(n) = number.as_f64() else { return false };
        self.minimum.is_none_or(|min| n >= min) && self.maximum.is_none_or(|max| n <= max)
    }

    fn range_message(&self) -> String {
        let name = self.name;
        match (self.minimum, self.maximum) {
            (Some(min), Some(max)) => format!("{name} must be from {min} to {max}"),
            (Some(min), None) => format!("{name} must be at least {min}"),
            (None, Some(max)) => format!("{name} must be at most {max}"),
            (None, None) => format!("{name} is out of range"),
        }
    }
}

/// `T`'s properties, in the order its schema lists them (which is the order poem-openapi parses
/// them in); read from the schema registry once per type.
fn properties<T: Type>() -> Arc<[Property]> {
    static KNOWN: OnceLock<Mutex<HashMap<String, Arc<[Property]>>>> = OnceLock::new();
    let mut known = KNOWN.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner);
    let properties = known.entry(T::name().into_owned()).or_insert_with(|| {
        let mut registry = Registry::new();
        T::register(&mut registry);
        let Some(schema) = registry.schemas.remove(&*T::name()) else { return Arc::new([]) };
        let property = |(name, property): &(&'static str, MetaSchemaRef)| {
            let nullable = match property {
                MetaSchemaRef::Inline(p) => p.nullable,
                MetaSchemaRef::Reference(_) => false,
            };
            let item_typename = match property {
                MetaSchemaRef::Inline(p) => match p.items.as_deref() {
                    Some(MetaSchemaRef::Inline(item)) => item.rust_typename,
                    _ => None,
                },
                MetaSchemaRef::Reference(_) => None,
            };
            let item_allowed = match property {
                MetaSchemaRef::Inline(p) => match p.items.as_deref() {
                    Some(MetaSchemaRef::Reference(to)) => registry
                        .schemas
                        .get(to.as_str())
                        .map(|named| named.enum_items.clone())
                        .unwrap_or_default(),
                    _ => Vec::new(),
                },
                MetaSchemaRef::Reference(_) => Vec::new(),
            };
            let (minimum, maximum, min_items) = match property {
                MetaSchemaRef::Inline(p) => (p.minimum, p.maximum, p.min_items),
                MetaSchemaRef::Reference(_) => (None, None, None),
            };
            let (ty, format, rust_typename, allowed) = match property {
                MetaSchemaRef::Inline(p) => (p.ty, p.format, p.rust_typename, p.enum_items.clone()),
                MetaSchemaRef::Reference(to) => match registry.schemas.get(to.as_str()) {
                    Some(named) if !named.enum_items.is_empty() => {
                        (named.ty, None, None, named.enum_items.clone())
                    }
                    _ => ("object", None, None, Vec::new()),
                },
            };
            let required = schema.required.contains(name);
            Property {
                name,
                required,
                ty,
                format,
                rust_typename,
                item_typename,
                nullable,
                allowed,
                item_allowed,
                min_items,
                minimum,
                maximum,
            }
        };
        schema.properties.iter().map(property).collect()
    });
    Arc::clone(properties)
}

fn has_type(value: &Value, ty: &str, format: Option<&str>) -> bool {
    match (ty, format) {
        ("string", Some("date-time")) => {
            value.as_str().is_some_and(|text| chrono::DateTime::parse_from_rfc3339(text).is_ok())
        }
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

fn expected(ty: &str, format: Option<&str>) -> String {
    match (ty, format) {
        ("string", Some("date-time")) => "a date and time in RFC 3339 form (2026-12-31T23:59:00Z)".into(),
        (ty, _) => article(ty),
    }
}

fn article(ty: &str) -> String {
    match ty {
        "integer" => "an integer".into(),
        "array" | "object" => format!("an {ty}"),
        other => format!("a {other}"),
    }
}
