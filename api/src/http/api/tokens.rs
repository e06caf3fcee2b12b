use chrono::{DateTime, Utc};
use poem::{Request, web::Data};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, me::refused_into};
use crate::{
    domain::{Password, TokenName},
    error::AppError,
    http::{
        AppState, Owner,
        client::client_address,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody, Nullable,
            kind::{Action, CookieOnly, OwnForbidden, OwnUnprocessable, PrivateRead, Submission},
        },
    },
    services::tokens::{self, Listed, MAX_PER_PERSON, Made, NotMade, Scopes},
};

/// `/users/me/tokens`: a person's API tokens for programs. Only with the session cookie: a token
/// cannot make, list or revoke tokens.
pub struct TokensApi;

/// What a token allows.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub(super) enum TokenScope {
    /// The reads (`GET`).
    Read,
    /// The reads and the writes on content: posts, comments, votes, flags, saves, hides,
    /// mutes, notifications, filters, invitations, and moderation for moderators.
    Write,
}

fn scopes_of(scopes: Scopes) -> Vec<TokenScope> {
    let mut listed = Vec::new();
    if scopes.read {
        listed.push(TokenScope::Read);
    }
    if scopes.write {
        listed.push(TokenScope::Write);
    }
    listed
}

/// A new token.
#[derive(Object)]
struct NewToken {
    /// What it is for: 1–50 characters.
    name: TokenName,
    /// `read`, `write` or both; not empty.
    #[oai(validator(min_items = 1))]
    scopes: Vec<TokenScope>,
    /// It stops working this many days from now (1–365); `null` or absent, never.
    #[oai(validator(minimum(value = "1"), maximum(value = "365")))]
    expires_in_days: Option<Nullable<u32>>,
    /// Your password.
    password: Password,
}

/// One of your API tokens, without its secret.
#[derive(Object)]
pub(super) struct TokenView {
    /// The token's id.
    id: i32,
    /// What it is for.
    name: String,
    /// What it allows.
    scopes: Vec<TokenScope>,
    /// When it was made.
    created_at: DateTime<Utc>,
    /// When it stops working; `null`: never.
    expires_at: Nullable<DateTime<Utc>>,
    /// When it was last used, to the minute; `null`: never.
    last_used_at: Nullable<DateTime<Utc>>,
}

impl From<Listed> for TokenView {
    fn from(token: Listed) -> Self {
        Self {
            id: token.id,
            name: token.name,
            scopes: scopes_of(Scopes::from_column(&token.scopes)),
            created_at: token.created_at,
            expires_at: Nullable(token.expires_at),
            last_used_at: Nullable(token.last_used_at),
        }
    }
}

/// A token just made: the only time its secret is shown.
#[derive(Object)]
struct CreatedToken {
    #[oai(flatten)]
    view: TokenView,
    /// The secret: `Authorization: Bearer <token>`. Shown this once; it is not kept.
    token: String,
}

/// Your API tokens, newest first.
#[derive(Object)]
struct TokenList {
    tokens: Vec<TokenView>,
}

#[derive(ApiResponse)]
enum CreateResponse {
    /// Made. Keep `token` now: it is not shown again.
    #[oai(status = 201)]
    Created(Json<CreatedToken>),
    /// The password is wrong (`wrong_password`; it counts as a failed login), a cross-site
    /// request (`cross_site_request`), or a bearer token: this takes the session cookie only
    /// (`insufficient_scope`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// A field is missing, has the wrong type or breaks a rule (`validation_failed`; `field`
    /// names it), or you have 20 tokens already (`too_many_tokens`: revoke one first).
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Too many failed logins for this account or from this address (`too_many_attempts`).
    #[oai(status = 429)]
    TooManyAttempts(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

refused_into!(CreateResponse);

#[derive(ApiResponse)]
enum ListResponse {
    /// Your tokens.
    #[oai(status = 200)]
    Ok(Json<TokenList>),
}

#[derive(ApiResponse)]
enum RevokeResponse {
    /// Revoked: the next request with it, on any instance, is refused.
    #[oai(status = 204)]
    Revoked,
    /// You have no token with this id (`not_found`), the same answer whether or not it is
    /// someone else's.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

/// Your private feeds' URLs: their secret is yours alone.
#[derive(Object)]
struct FeedUrls {
    /// Your front page (hot, with your filters, hidden posts and muted people left out), Atom.
    front: String,
    /// Your notifications, Atom.
    inbox: String,
}

#[derive(ApiResponse)]
enum FeedTokenResponse {
    /// Your private feeds' new URLs; the old ones answer 404 from now on.
    #[oai(status = 201)]
    Created(Json<FeedUrls>),
}

#[derive(ApiResponse)]
enum DropFeedTokenResponse {
    /// Your private feeds' URLs answer 404 from now on.
    #[oai(status = 204)]
    Dropped,
}

#[OpenApi(tag = "ApiTags::Account")]
impl TokensApi {
    /// Make your private feeds' URLs
    ///
    /// Two Atom feeds for a feed reader, behind a secret of their own (never a session or an API
    /// token, good for these two feeds only). Asking again replaces the secret: the old URLs stop
    /// working at once.
    #[oai(path = "/users/me/feed-token", method = "post", operation_id = "create_feed_token")]
    async fn create_feed_token(
        &self,
        state: Data<&AppState>,
        me: Owner,
    ) -> Result<FeedTokenResponse, Failure<CookieOnly<Action>>> {
        let token = tokens::new_feed_token(&state, &me).await?;
        let base = state.config.public_url.as_str().trim_end_matches('/');
        let url = |feed: &str| format!("{base}/feeds/private/{}/{feed}.atom", token.expose());
        Ok(FeedTokenResponse::Created(Json(FeedUrls { front: url("front"), inbox: url("inbox") })))
    }

    /// Stop your private feeds
    ///
    /// Their URLs answer 404 from now on. Idempotent.
    #[oai(path = "/users/me/feed-token", method = "delete", operation_id = "delete_feed_token")]
    async fn delete_feed_token(
        &self,
        state: Data<&AppState>,
        me: Owner,
    ) -> Result<DropFeedTokenResponse, Failure<CookieOnly<Action>>> {
        tokens::drop_feed_token(&state, &me).await?;
        Ok(DropFeedTokenResponse::Dropped)
    }

    /// Make an API token
    ///
    /// For a program to use the API as you: `Authorization: Bearer jtn_...` on any operation
    /// that takes `bearer_token`. Needs your password. The secret is answered once and stored
    /// only as a hash. At most 20 tokens.
    #[oai(path = "/users/me/tokens", method = "post", operation_id = "create_token")]
    async fn create(
        &self,
        state: Data<&AppState>,
        me: Owner,
        req: &Request,
        body: JsonBody<NewToken>,
    ) -> Result<CreateResponse, Failure<OwnUnprocessable<OwnForbidden<CookieOnly<Submission>>>>> {
        let NewToken { name, scopes, expires_in_days, password } = body.parse()?;
        if scopes.is_empty() {
            return Err(AppError::validation("scopes", "scopes must hold read, write or both").into());
        }
        let scopes =
            Scopes { read: scopes.contains(&TokenScope::Read), write: scopes.contains(&TokenScope::Write) };
        let expires_in_days = expires_in_days.and_then(|days| days.0);
        let address = client_address(req, state.config.trust_proxy);
        Ok(match tokens::create(&state, &me, (name, scopes, expires_in_days), &password, address).await? {
            Ok(Made { token, secret }) => CreateResponse::Created(Json(CreatedToken {
                view: token.into(),
                token: secret.expose().to_owned(),
            })),
            Err(NotMade::Refused(refused)) => refused.into(),
            Err(NotMade::TooMany) => CreateResponse::Unprocessable(ErrorBody::new(
                ErrorCode::TooManyTokens,
                format!("you have {MAX_PER_PERSON} tokens already; revoke one first"),
            )),
        })
    }

    /// Your API tokens
    ///
    /// Newest first, never with their secrets.
    #[oai(path = "/users/me/tokens", method = "get", operation_id = "list_tokens")]
    async fn list(
        &self,
        state: Data<&AppState>,
        me: Owner,
    ) -> Result<ListResponse, Failure<CookieOnly<PrivateRead>>> {
        let tokens = tokens::list(&state, &me).await?.into_iter().map(TokenView::from).collect();
        Ok(ListResponse::Ok(Json(TokenList { tokens })))
    }

    /// Revoke an API token
    ///
    /// At once: the next request with it, on any instance, is 401 `invalid_token`, even one made
    /// while this answers.
    #[oai(path = "/users/me/tokens/:id", method = "delete", operation_id = "revoke_token")]
    async fn revoke(
        &self,
        state: Data<&AppState>,
        me: Owner,
        id: Path<i32>,
    ) -> Result<RevokeResponse, Failure<CookieOnly<Action>>> {
        Ok(if tokens::revoke(&state, &me, id.0).await? {
            RevokeResponse::Revoked
        } else {
            RevokeResponse::NotFound(ErrorBody::new(ErrorCode::NotFound, "you have no such token"))
        })
    }
}
