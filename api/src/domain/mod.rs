//! The site's values and rules, apart from storage and HTTP.
//!
//! - Parsed, validated input: a value of these types has passed every rule in DESIGN.md
//!   section 3, so the code behind the HTTP edge never re-checks it. Each type states its rule
//!   once, as a [`Rule`]: the check and the message come from it here, the spec's schema for the
//!   field from it at the edge (`http::openapi::text`).
//! - Rules that need no database: when two links are one story ([`links`]), the hot ranking's
//!   formula ([`ranking`]), Markdown made safe ([`markdown`]), tokens ([`token`]), two-factor
//!   codes ([`two_factor`]), roles, bans and a readable device name.

mod account;
pub mod bans;
mod community;
pub mod device;
pub mod links;
pub mod markdown;
mod news;
pub mod ranking;
mod roles;
mod rule;
pub mod text;
mod token;
mod two_factor;

pub use account::{Email, NewPassword, OneTimeCode, Password, TotpCode, Username};
pub use bans::Ban;
pub use community::{CommentFlagReason, InviteCode, ModerationReason, PostFlagReason};
pub use news::{CommentText, PostText, PostTitle, PostUrl, TAG_NAME_PATTERN, TagDescription, TagName};
pub use roles::Role;
pub use rule::{Refusal, Rule, Shape};
pub use token::{ApiToken, FeedToken, SessionToken, TokenName};
pub use two_factor::{Factor, ISSUER, RECOVERY_CODES, TotpSecret, new_recovery_codes, qr_svg, recovery_hash};

/// A TOTP code: six digits.
pub const TOTP_CODE_PATTERN: &str = r"^[0-9]{6}$";

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
