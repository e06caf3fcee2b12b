//! Parsed, validated input. A value of these types has passed every rule in DESIGN.md section 3,
//! so the code behind the HTTP edge never re-checks it.

mod account;
mod news;

pub use account::{Email, Password, Username};
pub use news::{CommentText, PostTitle, PostUrl};

/// Trims and checks a length in characters (not bytes).
fn trimmed_len(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, crate::error::AppError> {
    let value = raw.trim();
    let len = value.chars().count();
    if len < min || len > max {
        return Err(crate::error::AppError::validation(
            field,
            format!("{field} must be {min} to {max} characters"),
        ));
    }
    Ok(value.to_owned())
}
