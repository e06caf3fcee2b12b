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
    services::marks::{self, Mark, NoSuchPost},
};

/// `/posts/{id}/save`, `/posts/{id}/hide`, `/users/me/saved` and `/users/me/hidden`: a person's
/// own marks on posts, and the lists of them.
pub struct MarksApi;

#[derive(ApiResponse)]
enum MarkResponse {
    /// Done: the post is marked so, or no longer.
    #[oai(status = 204)]
    Done,
    /// There is no such post, or a moderator removed it (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

impl From<Result<(), NoSuchPost>> for MarkResponse {
    fn from(marked: Result<(), NoSuchPost>) -> Self {
        match marked {
            Ok(()) => Self::Done,
            Err(NoSuchPost) => Self::NotFound(not_found()),
        }
    }
}

type Marked = Result<MarkResponse, Failure<Action>>;
type Listed = Result<ListResponse, Failure<PrivateListing>>;

#[OpenApi(tag = "ApiTags::Posts")]
impl MarksApi {
    /// Save a post
    ///
    /// Keeps it in the caller's saved posts (`GET /users/me/saved`), and it shows `saved: true`
    /// to them wherever it is listed. Idempotent: saving again changes nothing.
    #[oai(path = "/posts/:id/save", method = "put", operation_id = "save_post")]
    async fn save(&self, state: Data<&AppState>, user: CurrentUser, id: Path<i32>) -> Marked {
        Ok(marks::mark(&state, &user, Mark::Saved, id.0).await?.into())
    }

    /// Unsave a post
    ///
    /// Idempotent: unsaving a post that is not saved changes nothing.
    #[oai(path = "/posts/:id/save", method = "delete", operation_id = "unsave_post")]
    async fn unsave(&self, state: Data<&AppState>, user: CurrentUser, id: Path<i32>) -> Marked {
        Ok(marks::unmark(&state, &user, Mark::Saved, id.0).await?.into())
    }

    /// Hide a post
    ///
    /// Leaves it out of the caller's listings (`GET /posts`, every sort, and someone's posts)
    /// and search; its own page (`GET /posts/{id}`) still shows it. It is listed in
    /// `GET /users/me/hidden`. Idempotent: hiding again changes nothing.
    #[oai(path = "/posts/:id/hide", method = "put", operation_id = "hide_post")]
    async fn hide(&self, state: Data<&AppState>, user: CurrentUser, id: Path<i32>) -> Marked {
        Ok(marks::mark(&state, &user, Mark::Hidden, id.0).await?.into())
    }

    /// Unhide a post
    ///
    /// It is listed for the caller again. Idempotent: unhiding a post that is not hidden changes
    /// nothing.
    #[oai(path = "/posts/:id/hide", method = "delete", operation_id = "unhide_post")]
    async fn unhide(&self, state: Data<&AppState>, user: CurrentUser, id: Path<i32>) -> Marked {
        Ok(marks::unmark(&state, &user, Mark::Hidden, id.0).await?.into())
    }

    /// List your saved posts
    ///
    /// The posts the caller saved, most recently saved first. Posts a moderator removed or their
    /// author deleted are not listed.
    #[oai(path = "/users/me/saved", method = "get", operation_id = "list_saved_posts")]
    async fn saved(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        /// The page, from 1.
        #[oai(default = "default_page", validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<u32>,
        /// Posts per page, 1–100.
        #[oai(default = "default_per_page", validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<u32>,
    ) -> Listed {
        list(&state, &user, Mark::Saved, page.0, per_page.0).await
    }

    /// List your hidden posts
    ///
    /// The posts the caller hid, most recently hidden first, shaped and paged as the saved ones.
    /// Posts a moderator removed or their author deleted are not listed.
    #[oai(path = "/users/me/hidden", method = "get", operation_id = "list_hidden_posts")]
    async fn hidden(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        /// The page, from 1.
        #[oai(default = "default_page", validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<u32>,
        /// Posts per page, 1–100.
        #[oai(default = "default_per_page", validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<u32>,
    ) -> Listed {
        list(&state, &user, Mark::Hidden, page.0, per_page.0).await
    }
}

async fn list(state: &AppState, user: &CurrentUser, mark: Mark, page: u32, per_page: u32) -> Listed {
    let listed = marks::list(state, user, mark, page, per_page).await?;
    Ok(ListResponse::Ok(RenderedJson::from_bytes(PostPage::render(listed))))
}
