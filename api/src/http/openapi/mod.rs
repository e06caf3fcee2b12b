//! Where poem-openapi (5.1) does not do what the contract needs, and what this code does instead.
//! Each piece says what upstream feature would let it go.
//!
//! - [`JsonBody`] (`json_body`): a JSON request body read when the operation extracts it but
//!   parsed only when the handler asks, so that 401, 404 and 403 come before a body's 422
//!   (DESIGN.md section 3); and parsed twice — once by poem-openapi, once against the schema —
//!   because poem-openapi quietly turns a number into a string and names neither the field nor
//!   the rule in its errors. Gone when poem-openapi lets an operation order its checks and its
//!   parse errors carry the field's path.
//! - [`text`]: the domain's text types (`Username`, `PostTitle`, ...) as poem-openapi types, so a
//!   body field's schema is its type's rule. Their refusals are carried out of
//!   `ParseFromJSON::parse_from_json` through a thread-local ([`text::with_refusal`]), because
//!   the trait's error has room for a message only: poem-openapi parses on the calling thread,
//!   with no `.await` between a field's parse and the look at what it refused. Gone when
//!   `ParseError` can carry a typed cause.
//! - [`Nullable`] (`nullable`): a field that is always present and may be `null`. poem-openapi's
//!   `Option<T>` means "may be absent", and generated clients type it so. Gone with an
//!   `#[oai(nullable)]` on fields.
//! - [`RenderedJson`] (`rendered`): a JSON body serialised once and handed out many times (what
//!   the answer cache holds), documented exactly as `Json<T>`. Gone when `Json<T>` can be built
//!   from bytes already serialised.
//! - [`Failure`] (`failure`): the failures an operation shares with every operation of its kind
//!   (400, 401, 403 cross-site, 413, 415, 422, 429, 500, 503), documented by the kind rather than
//!   by a variant in each operation's enum. poem-openapi documents only the responses of the
//!   operation's own enum, and lists a status twice when the enum and the kind both give it;
//!   `Own<K, STATUS>` leaves the enum's own out of the kind's. Gone with shared default
//!   responses per operation group.
//! - No doc comment on a response field whose type is a named schema: poem-openapi would wrap
//!   the `$ref` in `allOf` to carry the description, which generated clients mishandle. Such
//!   fields carry a `//` comment instead. Gone when it emits OpenAPI 3.1's `$ref` siblings.

mod failure;
mod json_body;
mod nullable;
mod rendered;
pub mod text;

pub use failure::{Failure, Kind, kind};
pub use json_body::{BODY_LIMIT, JsonBody};
pub use nullable::Nullable;
pub use rendered::RenderedJson;
