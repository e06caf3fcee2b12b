//! [`Failure`]: the shared failures of an operation, documented in the spec by the operation's
//! kind.

use std::marker::PhantomData;

use poem_openapi::{
    ApiResponse,
    payload::Json,
    registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::Type,
};

use crate::{error::AppError, http::error_body::ErrorBody};

/// An [`AppError`] as an operation of kind `K` answers it. Handlers return
/// `Result<TheirResponse, Failure<K>>`: their own enum documents the outcomes particular to them,
/// and `K` the failures they share with every operation of their kind — exactly those, so the
/// spec promises no status the operation cannot answer.
pub struct Failure<K>(AppError, PhantomData<fn() -> K>);

impl<K> From<AppError> for Failure<K> {
    fn from(err: AppError) -> Self {
        Self(err, PhantomData)
    }
}

impl<K> From<Failure<K>> for poem::Error {
    fn from(failure: Failure<K>) -> Self {
        failure.0.into()
    }
}

impl<K: Kind> ApiResponse for Failure<K> {
    fn meta() -> MetaResponses {
        MetaResponses { responses: K::responses() }
    }

    fn register(registry: &mut Registry) {
        <Json<ErrorBody> as ApiResponse>::register(registry);
    }
}

/// What an operation takes and needs, and so which of the shared failures it can meet. Every
/// operation can meet 500 and 503.
pub trait Kind: 'static {
    /// It needs a live session (a `CurrentUser`): 401 `login_required`.
    const NEEDS_LOGIN: bool = false;
    /// It changes state (`POST`, `PUT`, `DELETE`), so the cross-site check comes first: 403
    /// `cross_site_request`.
    const CHANGES_STATE: bool = false;
    /// It takes a JSON body: 400, 413, 415 and 422.
    const TAKES_BODY: bool = false;
    /// It takes query parameters that can break a rule: 422. (A path id that is not a number
    /// names no item: 404, which the operation's own enum documents.)
    const TAKES_PARAMETERS: bool = false;
    /// It needs a role (a `Moderator` or an `Admin`): 403 `forbidden`.
    const NEEDS_ROLE: bool = false;
    /// It is a write counted by a rate limit: 429 `rate_limited` with `Retry-After`.
    const RATE_LIMITED: bool = false;
    /// It takes the session cookie only, never a bearer token (an `Owner`): 403
    /// `insufficient_scope` for a token.
    const COOKIE_ONLY: bool = false;
    /// It writes what `REQUIRE_VERIFIED_EMAIL` keeps from people whose address is not verified:
    /// 403 `email_unverified`.
    const VERIFIED_ONLY: bool = false;

    /// The shared failures, by status.
    fn responses() -> Vec<MetaResponse> {
        let mut responses = Vec::new();
        if Self::TAKES_BODY {
            responses.push(error_meta(
                400,
                "The body is not well-formed JSON, or not a JSON object (`bad_request`).",
                vec![],
            ));
        }
        let challenge = || MetaHeader {
            name: "WWW-Authenticate".into(),
            description: Some("`Bearer`, with the error, when a bearer token was refused.".into()),
            schema: <String as Type>::schema_ref(),
            required: false,
            deprecated: false,
        };
        let unauthorized = if Self::NEEDS_LOGIN {
            "Not logged in (`login_required`), or the bearer token is malformed, unknown, expired or \
             revoked (`invalid_token`, with `WWW-Authenticate: Bearer`)."
        } else {
            "The bearer token sent is malformed, unknown, expired or revoked (`invalid_token`, with \
             `WWW-Authenticate: Bearer`); without one, anyone may."
        };
        responses.push(error_meta(401, unauthorized, vec![challenge()]));
        let forbidden = match (Self::CHANGES_STATE, Self::NEEDS_ROLE, Self::COOKIE_ONLY) {
            (true, false, false) if Self::VERIFIED_ONLY => Some(
                "A cross-site request (`cross_site_request`), a bearer token without the `write` \
                 scope (`insufficient_scope`), or, with `REQUIRE_VERIFIED_EMAIL` on, an address not \
                 verified yet (`email_unverified`).",
            ),
            (true, false, false) => Some(CROSS_SITE),
            (true, false, true) => Some(
                "A cross-site request (`cross_site_request`), or a bearer token: this takes the \
                 session cookie only (`insufficient_scope`).",
            ),
            (false, false, true) => {
                Some("A bearer token: this takes the session cookie only (`insufficient_scope`).")
            }
            (true, true, _) => Some(
                "A cross-site request (`cross_site_request`), a bearer token without the `write` \
                 scope (`insufficient_scope`), or the caller's role does not allow it \
                 (`forbidden`).",
            ),
            (false, true, _) => Some("The caller's role does not allow it (`forbidden`)."),
            (false, false, false) => None,
        };
        if let Some(description) = forbidden {
            responses.push(error_meta(403, description, vec![challenge()]));
        }
        if Self::TAKES_BODY {
            responses.push(error_meta(413, "The body is over 64 KiB (`payload_too_large`).", vec![]));
            responses.push(error_meta(
                415,
                "The body is not `application/json` (`unsupported_media_type`).",
                vec![],
            ));
        }
        let invalid = match (Self::TAKES_BODY, Self::TAKES_PARAMETERS) {
            (true, true) => Some(
                "A field or parameter is missing, has the wrong type or breaks a rule \
                 (`validation_failed`); `field` names it.",
            ),
            (true, false) => Some(
                "A field is missing, has the wrong type or breaks a rule (`validation_failed`); \
                 `field` names it.",
            ),
            (false, true) => Some(
                "A parameter has the wrong type or breaks a rule (`validation_failed`); `field` \
                 names it.",
            ),
            (false, false) => None,
        };
        if let Some(description) = invalid {
            responses.push(error_meta(422, description, vec![]));
        }
        let retry_after = || MetaHeader {
            name: "Retry-After".into(),
            description: Some("Seconds to wait before retrying.".into()),
            schema: <u64 as Type>::schema_ref(),
            required: true,
            deprecated: false,
        };
        if Self::RATE_LIMITED {
            responses.push(error_meta(
                429,
                "Too many writes of this kind lately (`rate_limited`); nothing was written. Retry \
                 after `Retry-After` seconds.",
                vec![retry_after()],
            ));
        }
        responses.push(error_meta(
            500,
            "An unexpected failure (`internal`); nothing internal is disclosed.",
            vec![],
        ));
        responses.push(error_meta(
            503,
            "The database cannot be reached (`unavailable`); retry after `Retry-After` seconds.",
            vec![retry_after()],
        ));
        responses
    }
}

/// The cross-site refusal where it is an operation's only 403. An operation whose own enum answers
/// 403 too names `cross_site_request` in that variant's description and takes a kind wrapped in
/// [`kind::OwnForbidden`]: poem-openapi lists the enum's responses and the kind's side by side,
/// and a status given by both would appear twice.
const CROSS_SITE: &str = "A cross-site request (`cross_site_request`), or a bearer token that does not \
                          allow it (`insufficient_scope`: without the `write` scope, or on an operation \
                          for browsers).";

/// The kinds of operation.
pub mod kind {
    use std::marker::PhantomData;

    use super::{Kind, MetaResponse};

    /// A read anyone may make, with nothing to validate but path ids.
    pub struct Read;
    impl Kind for Read {}

    /// A read anyone may make, with query parameters.
    pub struct Listing;
    impl Kind for Listing {
        const TAKES_PARAMETERS: bool = true;
    }

    /// A read of one's own, behind a login.
    pub struct PrivateRead;
    impl Kind for PrivateRead {
        const NEEDS_LOGIN: bool = true;
    }

    /// A read of one's own, behind a login, with query parameters.
    pub struct PrivateListing;
    impl Kind for PrivateListing {
        const NEEDS_LOGIN: bool = true;
        const TAKES_PARAMETERS: bool = true;
    }

    /// A change anyone may make, without a body.
    pub struct Command;
    impl Kind for Command {
        const CHANGES_STATE: bool = true;
    }

    /// A change anyone may make, with a JSON body.
    pub struct Form;
    impl Kind for Form {
        const CHANGES_STATE: bool = true;
        const TAKES_BODY: bool = true;
    }

    /// A change behind a login, without a body.
    pub struct Action;
    impl Kind for Action {
        const NEEDS_LOGIN: bool = true;
        const CHANGES_STATE: bool = true;
    }

    /// A change behind a login, with a JSON body.
    pub struct Submission;
    impl Kind for Submission {
        const NEEDS_LOGIN: bool = true;
        const CHANGES_STATE: bool = true;
        const TAKES_BODY: bool = true;
    }

    /// New content (a post, a comment): a submission that `REQUIRE_VERIFIED_EMAIL` keeps from
    /// people whose address is not verified.
    pub struct Contribution;
    impl Kind for Contribution {
        const NEEDS_LOGIN: bool = true;
        const CHANGES_STATE: bool = true;
        const TAKES_BODY: bool = true;
        const VERIFIED_ONLY: bool = true;
    }

    /// An operation of kind `K` that only moderators (or admins) may make.
    pub struct Staff<K>(PhantomData<K>);
    impl<K: Kind> Kind for Staff<K> {
        const NEEDS_LOGIN: bool = true;
        const CHANGES_STATE: bool = K::CHANGES_STATE;
        const TAKES_BODY: bool = K::TAKES_BODY;
        const TAKES_PARAMETERS: bool = K::TAKES_PARAMETERS;
        const NEEDS_ROLE: bool = true;
        const RATE_LIMITED: bool = K::RATE_LIMITED;
        const COOKIE_ONLY: bool = K::COOKIE_ONLY;
        const VERIFIED_ONLY: bool = K::VERIFIED_ONLY;
    }

    /// An operation of kind `K` whose writes a rate limit counts.
    pub struct Limited<K>(PhantomData<K>);
    impl<K: Kind> Kind for Limited<K> {
        const NEEDS_LOGIN: bool = K::NEEDS_LOGIN;
        const CHANGES_STATE: bool = K::CHANGES_STATE;
        const TAKES_BODY: bool = K::TAKES_BODY;
        const TAKES_PARAMETERS: bool = K::TAKES_PARAMETERS;
        const NEEDS_ROLE: bool = K::NEEDS_ROLE;
        const RATE_LIMITED: bool = true;
        const COOKIE_ONLY: bool = K::COOKIE_ONLY;
        const VERIFIED_ONLY: bool = K::VERIFIED_ONLY;
    }

    /// An operation of kind `K` that takes the session cookie only: what a person does to their
    /// account (password, two-factor login, tokens, sessions, settings, deletion, export).
    pub struct CookieOnly<K>(PhantomData<K>);
    impl<K: Kind> Kind for CookieOnly<K> {
        const NEEDS_LOGIN: bool = true;
        const CHANGES_STATE: bool = K::CHANGES_STATE;
        const TAKES_BODY: bool = K::TAKES_BODY;
        const TAKES_PARAMETERS: bool = K::TAKES_PARAMETERS;
        const NEEDS_ROLE: bool = K::NEEDS_ROLE;
        const RATE_LIMITED: bool = K::RATE_LIMITED;
        const COOKIE_ONLY: bool = true;
    }

    /// An operation of kind `K` whose own enum answers `STATUS` too, and so documents there
    /// what `K` would have said for it: poem-openapi lists the enum's responses and the kind's
    /// side by side, and a status given by both would appear twice.
    pub struct Own<K, const STATUS: u16>(PhantomData<K>);
    impl<K: Kind, const STATUS: u16> Kind for Own<K, STATUS> {
        const NEEDS_LOGIN: bool = K::NEEDS_LOGIN;
        const CHANGES_STATE: bool = K::CHANGES_STATE;
        const TAKES_BODY: bool = K::TAKES_BODY;
        const TAKES_PARAMETERS: bool = K::TAKES_PARAMETERS;
        const NEEDS_ROLE: bool = K::NEEDS_ROLE;
        const RATE_LIMITED: bool = K::RATE_LIMITED;
        const COOKIE_ONLY: bool = K::COOKIE_ONLY;
        const VERIFIED_ONLY: bool = K::VERIFIED_ONLY;

        fn responses() -> Vec<MetaResponse> {
            K::responses().into_iter().filter(|response| response.status != Some(STATUS)).collect()
        }
    }

    /// An operation of kind `K` whose own enum answers 403 too (not the author, a wrong
    /// password), and so documents the cross-site refusal in that variant.
    pub type OwnForbidden<K> = Own<K, 403>;

    /// An operation of kind `K` whose own enum answers 401 too (wrong credentials), and so
    /// documents `invalid_token` in that variant.
    pub type OwnUnauthorized<K> = Own<K, 401>;

    /// An operation of kind `K` whose own enum answers 400 too (a token that is not live), and
    /// so documents `bad_request` in that variant.
    pub type OwnBadRequest<K> = Own<K, 400>;

    /// An operation of kind `K` whose own enum answers 422 too (a wrong two-factor code), and so
    /// documents `validation_failed` in that variant.
    pub type OwnUnprocessable<K> = Own<K, 422>;
}

fn error_meta(status: u16, description: &'static str, headers: Vec<MetaHeader>) -> MetaResponse {
    MetaResponse {
        description,
        status: Some(status),
        status_range: None,
        content: vec![MetaMediaType {
            content_type: "application/json; charset=utf-8",
            schema: <ErrorBody as Type>::schema_ref(),
        }],
        headers,
    }
}
