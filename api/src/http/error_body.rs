//! The one JSON error body (DESIGN.md section 3) and its stable codes.

use poem_openapi::{Enum, Object, payload::Json};

/// Stable, machine-readable error codes.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not well-formed JSON, or not a JSON object.
    BadRequest,
    /// A field is missing, has the wrong type, or breaks a rule; `field` names it.
    ValidationFailed,
    /// The endpoint needs a live session and the request has none.
    LoginRequired,
    /// The email and password do not match an account.
    InvalidCredentials,
    /// The current password given is not the account's password.
    WrongPassword,
    /// Only the author may do this.
    NotAuthor,
    /// A state-changing request came from another site.
    CrossSiteRequest,
    /// There is nothing at this path, or no such item.
    NotFound,
    /// This path does not accept this method.
    MethodNotAllowed,
    /// Someone else has this username (ignoring case).
    UsernameTaken,
    /// Someone else has this email address.
    EmailTaken,
    /// The request body is over 64 KiB.
    PayloadTooLarge,
    /// The request body must be `application/json`.
    UnsupportedMediaType,
    /// Too many failed logins, or too many requests of a kind; wait `Retry-After` seconds.
    TooManyAttempts,
    /// The account has two-factor login on: log in again with `totp_code` or `recovery_code`.
    TwoFactorRequired,
    /// The two-factor code is wrong, from too long ago, already used, or not a code at all.
    InvalidTwoFactorCode,
    /// Two-factor login is already on.
    TwoFactorOn,
    /// Two-factor login is off.
    TwoFactorOff,
    /// There is no two-factor set-up to confirm: start one first.
    TwoFactorNotStarted,
    /// The reset or e-mail token is not live (used, expired, replaced by a newer one, of another
    /// kind, or never issued), or
    /// the bearer token is malformed, unknown, expired or revoked (401, with
    /// `WWW-Authenticate: Bearer`).
    InvalidToken,
    /// The bearer token does not allow this: a write with a `read` token, or an operation no
    /// token may make (the password, two-factor login, tokens, sessions, settings, the account's
    /// deletion, the export).
    InsufficientScope,
    /// Too many writes of this kind lately; wait `Retry-After` seconds.
    RateLimited,
    /// This link was posted in the last 30 days; `post_id` is that post.
    AlreadyPosted,
    /// A tag of this name exists already.
    TagExists,
    /// The caller's role does not allow this.
    Forbidden,
    /// One cannot flag one's own post or comment.
    OwnItem,
    /// The account is banned.
    Banned,
    /// Nobody can sign up at present.
    RegistrationClosed,
    /// Signing up needs an invitation code (`invite_code`).
    InviteRequired,
    /// The invitation code is unknown, used or expired.
    InvalidInvite,
    /// Five invitations are waiting to be used already.
    TooManyInvites,
    /// You have 20 API tokens already: revoke one first.
    TooManyTokens,
    /// The account is too new to invite anyone yet.
    AccountTooNew,
    /// The site takes posts and comments only from people whose address is verified: open the
    /// link mailed to you, or ask for a new one.
    EmailUnverified,
    /// The address is verified already.
    AlreadyVerified,
    /// You have 10 passkeys already: remove one first.
    TooManyPasskeys,
    /// Passkeys need the site at a domain name (`PUBLIC_URL`): browsers refuse an IP address as
    /// a passkey's site.
    PasskeysUnavailable,
    /// The database cannot be reached; try again after `Retry-After` seconds.
    Unavailable,
    /// Something unexpected failed on the server.
    Internal,
}

/// The body of every error response.
#[derive(Object, Clone, Debug)]
pub struct ErrorBody {
    // No doc comment on a field whose type is a named schema: poem-openapi would wrap the `$ref`
    // in `allOf` to carry it, which generated clients mishandle. The type documents itself.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The request field to blame, when there is exactly one.
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
    /// With `already_posted`: the post that has the link already.
    #[oai(skip_serializing_if_is_none)]
    pub post_id: Option<i32>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Json<Self> {
        Json(Self { code, message: message.into(), field: None, post_id: None })
    }

    /// An error that one request field is to blame for.
    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> Json<Self> {
        Json(Self { code, message: message.into(), field: Some(field.into()), post_id: None })
    }
}
