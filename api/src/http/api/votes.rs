use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, posts::not_found};
use crate::{
    http::{
        AppState, CurrentUser,
        error_body::ErrorBody,
        openapi::{
            Failure,
            kind::{Action, Limited},
        },
    },
    services::votes::{self, VoteState as Votes},
};

/// `/posts/{id}/vote`: upvoting a post and taking the upvote back.
pub struct VotesApi;

/// A post's votes after a vote or unvote.
#[derive(Object)]
struct VoteState {
    /// The post voted on.
    post_id: i32,
    /// How many users have upvoted it now.
    vote_count: i64,
    /// Whether the caller's upvote stands.
    voted: bool,
}

#[derive(ApiResponse)]
enum VoteResponse {
    /// The post's votes now.
    #[oai(status = 200)]
    Ok(Json<VoteState>),
    /// There is no such post (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[OpenApi(tag = "ApiTags::Posts")]
impl VotesApi {
    /// Upvote a post
    ///
    /// Idempotent: voting again changes nothing. One vote per user and post. New votes are
    /// counted by the votes limit (`VOTE_RATE`, 600 an hour by default); a repeated one is not.
    #[oai(path = "/posts/:id/vote", method = "put", operation_id = "vote_post")]
    async fn vote(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<VoteResponse, Failure<Limited<Action>>> {
        Ok(answer(id.0, votes::cast(&state, &user, id.0).await?))
    }

    /// Take back an upvote
    ///
    /// Idempotent: un-voting a post you have not voted for changes nothing.
    #[oai(path = "/posts/:id/vote", method = "delete", operation_id = "unvote_post")]
    async fn unvote(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<VoteResponse, Failure<Action>> {
        Ok(answer(id.0, votes::withdraw(&state, &user, id.0).await?))
    }
}

/// The answer to a vote or unvote of post `post_id`.
fn answer(post_id: i32, votes: Option<Votes>) -> VoteResponse {
    match votes {
        Some(Votes { vote_count, voted }) => VoteResponse::Ok(Json(VoteState { post_id, vote_count, voted })),
        None => VoteResponse::NotFound(not_found()),
    }
}
