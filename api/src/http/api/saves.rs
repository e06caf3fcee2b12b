use poem::web::Data;
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{
    ApiTags, default_page, default_per_page,
    posts::{ListResponse, PostPage, not_found},
};
use crate::{
    http::{
        AppState, CurrentUser,
        error_body::ErrorBody,
        openapi::{
            Failure, RenderedJson,
            kind::{Action, PrivateListing},
        },
    },
    services::saves::{self, NoSuchPost},
};

/// `/posts/{id}/save` and `/users/me/saved`: saving posts to come back to, and listing them.
pub struct SavesApi;

#[derive(ApiResponse)]
enum SaveResponse {
    /// The post is saved, or no longer saved.
    #[oai(status = 204)]
    Done,
    /// There is no such post, or a moderator removed it (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

impl From<Result<(), NoSuchPost>> for SaveResponse {
    fn from(saved: Result<(), NoSuchPost>) -> Self {
        match saved {
            Ok(()) => Self::Done,
            Err(NoSuchPost) => Self::NotFound(not_found()),
        }
    }
}

#[OpenApi(tag = "ApiTags::Posts")]
impl SavesApi {
    /// Save a post
    ///
    /// Keeps it in the caller's saved posts (`GET /users/me/saved`), and it shows `saved: true`
    /// to them wherever it is listed. Idempotent: saving again changes nothing.
    #[oai(path = "/posts/:id/save", method = "put", operation_id = "save_post")]
    async fn save(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<SaveResponse, Failure<Action>> {
        Ok(saves::save(&state, &user, id.0).await?.into())
    }

    /// Unsave a post
    ///
    /// Idempotent: unsaving a post that is not saved changes nothing.
    #[oai(path = "/posts/:id/save", method = "delete", operation_id = "unsave_post")]
    async fn unsave(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<SaveResponse, Failure<Action>> {
        Ok(saves::unsave(&state, &user, id.0).await?.into())
    }

    /// List your saved posts
    ///
    /// The posts the caller saved, most recently saved first. Posts a moderator removed or their
    /// author deleted are not listed.
    #[oai(path = "/users/me/saved", method = "get", operation_id = "list_saved_posts")]
    async fn list(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        /// The page, from 1.
        #[oai(default = "default_page", validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<u32>,
        /// Posts per page, 1–100.
        #[oai(default = "default_per_page", validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<u32>,
    ) -> Result<ListResponse, Failure<PrivateListing>> {
        let saved = saves::list(&state, &user, page.0, per_page.0).await?;
        Ok(ListResponse::Ok(RenderedJson::from_bytes(PostPage::render(saved))))
    }
}
