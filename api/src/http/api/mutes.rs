use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, people::no_such_user};
use crate::{
    http::{
        AppState, CurrentUser,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure,
            kind::{Action, PrivateRead},
        },
    },
    services::mutes::{self, Muted, Refused},
};

/// `/users/{username}/mute` and `/users/me/muted`: muting people, and whom one muted.
pub struct MutesApi;

/// Someone the caller muted.
#[derive(Object)]
struct MutedUser {
    /// Their id.
    id: i32,
    /// Their name.
    username: String,
    /// When the caller muted them.
    muted_at: DateTime<Utc>,
}

/// Everyone the caller muted.
#[derive(Object)]
struct MutedUsers {
    /// Most recently muted first.
    users: Vec<MutedUser>,
}

#[derive(ApiResponse)]
enum MuteResponse {
    /// Done: the person is muted, or no longer.
    #[oai(status = 204)]
    Done,
    /// There is no one by that name (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The name is the caller's own (`validation_failed`, `field` is `username`).
    #[oai(status = 422)]
    Yourself(Json<ErrorBody>),
}

impl From<Result<(), Refused>> for MuteResponse {
    fn from(done: Result<(), Refused>) -> Self {
        match done {
            Ok(()) => Self::Done,
            Err(Refused::NoSuchUser) => Self::NotFound(no_such_user()),
            Err(Refused::Yourself) => Self::Yourself(ErrorBody::field(
                ErrorCode::ValidationFailed,
                "username",
                "you cannot mute yourself",
            )),
        }
    }
}

#[derive(ApiResponse)]
enum MutedResponse {
    /// Everyone the caller muted.
    #[oai(status = 200)]
    Ok(Json<MutedUsers>),
}

#[OpenApi(tag = "ApiTags::People")]
impl MutesApi {
    /// Mute a person
    ///
    /// Their posts are left out of the caller's listings (but a listing of their own posts,
    /// `user_id`) and search, and their comments come with `muted_author: true` on post pages
    /// (shown collapsed). They are not told. The name is
    /// matched ignoring case. Idempotent: muting again changes nothing.
    #[oai(path = "/users/:username/mute", method = "put", operation_id = "mute_user")]
    async fn mute(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        username: Path<String>,
    ) -> Result<MuteResponse, Failure<Action>> {
        Ok(mutes::mute(&state, &user, &username.0).await?.into())
    }

    /// Unmute a person
    ///
    /// Idempotent: unmuting someone not muted changes nothing.
    #[oai(path = "/users/:username/mute", method = "delete", operation_id = "unmute_user")]
    async fn unmute(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        username: Path<String>,
    ) -> Result<MuteResponse, Failure<Action>> {
        Ok(mutes::unmute(&state, &user, &username.0).await?.into())
    }

    /// List whom you muted
    #[oai(path = "/users/me/muted", method = "get", operation_id = "list_muted_users")]
    async fn muted(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
    ) -> Result<MutedResponse, Failure<PrivateRead>> {
        let users = mutes::list(&state, &user).await?;
        let users = users
            .into_iter()
            .map(|Muted { id, username, muted_at }| MutedUser { id, username, muted_at })
            .collect();
        Ok(MutedResponse::Ok(Json(MutedUsers { users })))
    }
}
