//! Parsed, validated input. A value of these types has passed every rule in DESIGN.md section 3,
//! so the code behind the HTTP edge never re-checks it.

mod account;
mod news;

pub use account::{Email, Password, Username};
pub use news::{CommentText, PostTitle, PostUrl};

// The rules below are also stated in the spec (as validator patterns on the request bodies, which
// must be string literals there); a test checks the two agree.

/// A username: 3–30 of `[A-Za-z0-9_-]`.
pub const USERNAME_PATTERN: &str = r"^[A-Za-z0-9_-]{3,30}$";

/// A plausible email address: one `@`, no whitespace or control characters, a domain with a dot
/// that neither starts nor ends with one.
pub const EMAIL_PATTERN: &str = r"^[^@\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f]+@[^@.\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f][^@\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f]*\.[^@\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f]*[^@.\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f]$";

/// Some character that `str::trim` keeps (Unicode White_Space is what it removes).
pub const NOT_BLANK_PATTERN: &str =
    r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// An absolute http(s) link: a host name of letters, digits and hyphens, an optional port, then an
/// ASCII path, query and fragment (percent-encode anything else).
pub const POST_URL_PATTERN: &str = r"^https?://([A-Za-z0-9]+(-[A-Za-z0-9]+)*\.)*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*(:[0-9]{1,4})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?(\?[A-Za-z0-9._~!$&()*+,;=:@%/?-]*)?(#[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$";

/// Whether `value` matches `pattern` (compiled once per pattern).
pub(crate) fn matches(pattern: &str, value: &str) -> bool {
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

/// Checks a length in characters (not bytes) as given, then trims: something must be left.
fn trimmed_len(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, crate::error::AppError> {
    let value = raw.trim();
    let len = raw.chars().count();
    if len < min || len > max || value.is_empty() {
        return Err(crate::error::AppError::validation(
            field,
            format!("{field} must be {min} to {max} characters"),
        ));
    }
    Ok(value.to_owned())
}
