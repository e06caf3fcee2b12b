//! Bans (DESIGN.md section 15): a ban ends all of a person's sessions at once; moderators ban
//! users, admins anyone but themselves.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Path};

use super::{
    ApiTags,
    moderation::{ModerateResponse, not_found},
};
use crate::{
    domain::ModerationReason,
    http::{
        AppState, Moderator,
        openapi::{
            Failure, JsonBody, Nullable,
            kind::{Action, Staff, Submission},
        },
    },
    services::moderation::{self, BanRequest as Ban},
};

/// `/moderation/users/{id}/ban`: banning and lifting bans.
pub struct BansApi;

/// A ban.
#[derive(Object)]
struct BanRequest {
    /// 1–500 characters; public, in the moderation log and on the profile.
    reason: ModerationReason,
    /// When the ban lifts itself (RFC 3339, in the future); `null` or absent for a permanent ban.
    until: Option<Nullable<DateTime<Utc>>>,
}

#[OpenApi(tag = "ApiTags::Moderation")]
impl BansApi {
    /// Ban a user
    ///
    /// Ends every session of theirs at once; until the ban ends (never, without `until`) their
    /// logins answer 403 `banned`. Replaces an earlier ban. Moderators may ban users only;
    /// admins anyone but themselves. Logged publicly with the reason.
    #[oai(path = "/moderation/users/:id/ban", method = "post", operation_id = "ban_user")]
    async fn ban(
        &self,
        state: Data<&AppState>,
        moderator: Moderator,
        id: Path<i32>,
        body: JsonBody<BanRequest>,
    ) -> Result<ModerateResponse, Failure<Staff<Submission>>> {
        let ban = body
            .parse()
            .map(|BanRequest { reason, until }| Ban { reason, until: until.and_then(|until| until.0) });
        Ok(done_or_no_user(moderation::ban(&state, &moderator.0, id.0, ban).await?))
    }

    /// Lift a ban
    ///
    /// The same rights as banning. Logged when there was a ban in force.
    #[oai(path = "/moderation/users/:id/ban", method = "delete", operation_id = "unban_user")]
    async fn unban(
        &self,
        state: Data<&AppState>,
        moderator: Moderator,
        id: Path<i32>,
    ) -> Result<ModerateResponse, Failure<Staff<Action>>> {
        Ok(done_or_no_user(moderation::unban(&state, &moderator.0, id.0).await?))
    }
}

fn done_or_no_user(done: bool) -> ModerateResponse {
    if done { ModerateResponse::Done } else { ModerateResponse::NotFound(not_found("user")) }
}
