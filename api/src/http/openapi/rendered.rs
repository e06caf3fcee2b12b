//! JSON serialised once and handed out many times: what a response cache stores.

use std::marker::PhantomData;

use bytes::Bytes;
use poem::{IntoResponse, Response};
use poem_openapi::{
    payload::Payload,
    registry::{MetaSchemaRef, Registry},
    types::{ToJSON, Type},
};

/// What `poem_openapi::payload::Json` answers with.
const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A JSON body already serialised, documented in the spec exactly as `Json<T>` would be, so
/// clients cannot tell a cached answer from a fresh one.
pub struct RenderedJson<T> {
    bytes: Bytes,
    schema: PhantomData<fn() -> T>,
}

impl<T: ToJSON> RenderedJson<T> {
    /// Serialises `value` the way `poem_openapi::payload::Json` does.
    pub fn render(value: &T) -> Self {
        let bytes = serde_json::to_vec(&value.to_json()).expect("a JSON value always serialises");
        Self::from_bytes(Bytes::from(bytes))
    }
}

impl<T: ToJSON + serde::Serialize> RenderedJson<T> {
    /// Serialises `value` straight into the body, with no `serde_json::Value` tree built first:
    /// for the answers that are rendered afresh for most requests. `T`'s `Serialize` writes the
    /// same bytes as [`RenderedJson::render`] (its fields in name order, times as RFC 3339), which
    /// a test of each such `T` checks.
    pub fn serialize(value: &T) -> Self {
        let bytes = serde_json::to_vec(value).expect("a JSON answer always serialises");
        Self::from_bytes(Bytes::from(bytes))
    }
}

impl<T> RenderedJson<T> {
    /// Bytes made by [`RenderedJson::render`] for the same `T`.
    pub fn from_bytes(bytes: Bytes) -> Self {
        Self { bytes, schema: PhantomData }
    }

    /// The serialised body (a cheap reference-counted copy).
    pub fn bytes(&self) -> Bytes {
        self.bytes.clone()
    }
}

impl<T: Type> Payload for RenderedJson<T> {
    const CONTENT_TYPE: &'static str = CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T> IntoResponse for RenderedJson<T> {
    fn into_response(self) -> Response {
        Response::builder().content_type(CONTENT_TYPE).body(self.bytes)
    }
}
