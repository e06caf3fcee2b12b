//! Invitations (DESIGN.md section 15): members whose account is old enough invite others; the
//! code is shown once, here.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::{ApiTags, UserRef};
use crate::{
    error::AppError,
    http::{
        AppState, CurrentUser,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, Nullable,
            kind::{Action, OwnForbidden, PrivateRead},
        },
    },
    services::invites::{self, Refused},
};

pub struct InvitesApi;

/// A new invitation. The code is shown only here: keep it, or send the link.
#[derive(Object)]
struct NewInvite {
    /// The invitation's id.
    id: i32,
    /// The code to sign up with (`invite_code`); it works once.
    code: String,
    /// The sign-up page with the code filled in.
    link: String,
    /// When the code stops working (7 days from now).
    expires_at: DateTime<Utc>,
}

/// An invitation, as its maker sees it (without the code).
#[derive(Object)]
struct Invite {
    /// The invitation's id.
    id: i32,
    /// When it was made.
    created_at: DateTime<Utc>,
    /// When its code stops working.
    expires_at: DateTime<Utc>,
    /// When it was used; `null` while unused.
    used_at: Nullable<DateTime<Utc>>,
    // Who signed up with it; `null` while unused (or once that account is gone).
    used_by: Nullable<UserRef>,
}

/// One's own invitations.
#[derive(Object)]
struct InviteList {
    /// Newest first.
    invites: Vec<Invite>,
    /// From when this account may make invitations (`INVITE_MIN_AGE` after signing up).
    allowed_from: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum CreateResponse {
    /// The invitation, with its code.
    #[oai(status = 201)]
    Created(Json<NewInvite>),
    /// The account is younger than `INVITE_MIN_AGE` (`account_too_new`), or a cross-site request
    /// (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// Five invitations are unused and unexpired already (`too_many_invites`).
    #[oai(status = 429)]
    TooMany(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum ListResponse {
    /// One's own invitations.
    #[oai(status = 200)]
    Ok(Json<InviteList>),
}

#[OpenApi(tag = "ApiTags::Invitations")]
impl InvitesApi {
    /// Make an invitation
    ///
    /// A single-use code valid for 7 days. An account may make them once it is `INVITE_MIN_AGE`
    /// old (7 days by default), and hold at most 5 unused ones at a time.
    #[oai(path = "/invites", method = "post", operation_id = "create_invite")]
    async fn create(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
    ) -> Result<CreateResponse, Failure<OwnForbidden<Action>>> {
        let created = match invites::create(&state, &user).await? {
            Ok(created) => created,
            Err(Refused::TooNew(from)) => {
                return Ok(CreateResponse::Forbidden(ErrorBody::new(
                    ErrorCode::AccountTooNew,
                    format!("your account can invite people from {} UTC", from.format("%Y-%m-%d %H:%M")),
                )));
            }
            Err(Refused::TooMany) => {
                return Ok(CreateResponse::TooMany(ErrorBody::new(
                    ErrorCode::TooManyInvites,
                    format!("you have {} unused invitations already", invites::MAX_UNUSED),
                )));
            }
        };
        let mut link = state.config.public_url.join("/login").map_err(AppError::internal)?;
        link.set_fragment(Some(&format!("invite={}", created.code)));
        Ok(CreateResponse::Created(Json(NewInvite {
            id: created.id,
            code: created.code,
            link: link.to_string(),
            expires_at: created.expires_at,
        })))
    }

    /// List your invitations
    ///
    /// Who used each, and when this account may make them.
    #[oai(path = "/invites", method = "get", operation_id = "list_invites")]
    async fn list(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
    ) -> Result<ListResponse, Failure<PrivateRead>> {
        let (invites, allowed_from) = invites::list(&state, &user).await?;
        let invites = invites
            .into_iter()
            .map(|row| Invite {
                id: row.id,
                created_at: row.created_at,
                expires_at: row.expires_at,
                used_at: Nullable(row.used_at),
                used_by: Nullable(
                    row.used_by.zip(row.used_by_username).map(|(id, username)| UserRef { id, username }),
                ),
            })
            .collect();
        Ok(ListResponse::Ok(Json(InviteList { invites, allowed_from })))
    }
}
