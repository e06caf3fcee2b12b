//! `/tags` and `/users/me/filters`: the tags admins keep, and the ones each person leaves out.

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use super::ApiTags;
use crate::{
    domain::{TagDescription, TagName},
    http::{
        AppState, CurrentUser,
        error_body::{ErrorBody, ErrorCode},
        extract::Admin,
        openapi::{
            Failure, JsonBody, RenderedJson,
            kind::{Action, PrivateRead, Read, Staff, Submission},
        },
    },
    services::{
        Viewer,
        tags::{self, Tag, TagExists},
    },
};

use super::posts::no_such_tag;

/// `/tags` and `/tags/{name}`: listing tags, and (admins) keeping them.
pub struct TagsApi;

/// `/users/me/filters`: the tags the caller leaves out of their listings.
pub struct FiltersApi;

/// A tag.
#[derive(Object)]
struct TagInfo {
    /// 2–25 of `a-z`, `0-9` and `-`.
    name: String,
    /// What belongs under it (may be empty).
    description: String,
    /// How many posts carry it (not counting those a moderator removed).
    post_count: i64,
}

impl From<Tag> for TagInfo {
    fn from(tag: Tag) -> Self {
        Self { name: tag.name, description: tag.description, post_count: tag.post_count }
    }
}

/// Every tag.
#[derive(Object)]
struct TagList {
    /// By name.
    tags: Vec<TagInfo>,
}

/// A new tag.
#[derive(Object)]
struct NewTag {
    /// 2–25 of `a-z`, `0-9` and `-` (lower case: one tag, one spelling).
    name: TagName,
    /// What belongs under it: up to 200 characters (may be empty).
    description: TagDescription,
}

/// A tag's new description.
#[derive(Object)]
struct TagEdit {
    /// Up to 200 characters (may be empty).
    description: TagDescription,
}

/// The tags someone leaves out of their listings.
#[derive(Object)]
struct Filters {
    /// Tag names, each an existing tag (at most 100); in answers, by name.
    tags: Vec<TagName>,
}

#[derive(ApiResponse)]
enum ListResponse {
    /// Every tag, by name.
    #[oai(status = 200)]
    Ok(RenderedJson<TagList>),
}

#[derive(ApiResponse)]
enum CreateResponse {
    /// The new tag.
    #[oai(status = 201)]
    Created(Json<TagInfo>),
    /// A tag of this name exists already (`tag_exists`).
    #[oai(status = 409)]
    Exists(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum TagResponse {
    /// The tag as it is now.
    #[oai(status = 200)]
    Ok(Json<TagInfo>),
    /// There is no such tag (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum DeleteResponse {
    /// The tag is gone, and off every post and out of every filter.
    #[oai(status = 204)]
    Deleted,
    /// There is no such tag (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum FiltersResponse {
    /// The tags the caller leaves out, by name.
    #[oai(status = 200)]
    Ok(Json<Filters>),
}

/// The tag a path names, if the name could be a tag's.
fn named(name: &str) -> Option<TagName> {
    TagName::parse(name).ok()
}

fn filters(names: Vec<String>) -> Json<Filters> {
    // Stored names passed the rule when they were stored.
    Json(Filters { tags: names.iter().filter_map(|name| named(name)).collect() })
}

#[OpenApi(tag = "ApiTags::Posts")]
impl TagsApi {
    /// List tags
    ///
    /// Every tag, by name, with how many posts carry it.
    #[oai(path = "/tags", method = "get", operation_id = "list_tags")]
    async fn list(&self, state: Data<&AppState>, viewer: Viewer) -> Result<ListResponse, Failure<Read>> {
        let render = |tags: Vec<Tag>| {
            RenderedJson::render(&TagList { tags: tags.into_iter().map(TagInfo::from).collect() }).bytes()
        };
        Ok(ListResponse::Ok(RenderedJson::from_bytes(tags::list(&state, viewer.changes, render).await?)))
    }

    /// Create a tag
    ///
    /// Admins only.
    #[oai(path = "/tags", method = "post", operation_id = "create_tag")]
    async fn create(
        &self,
        state: Data<&AppState>,
        _admin: Admin,
        body: JsonBody<NewTag>,
    ) -> Result<CreateResponse, Failure<Staff<Submission>>> {
        let NewTag { name, description } = body.parse()?;
        Ok(match tags::create(&state, name, description).await? {
            Ok(tag) => CreateResponse::Created(Json(tag.into())),
            Err(TagExists) => CreateResponse::Exists(ErrorBody::field(
                ErrorCode::TagExists,
                "name",
                "a tag of this name exists already",
            )),
        })
    }

    /// Describe a tag
    ///
    /// Admins only. A tag's name does not change.
    #[oai(path = "/tags/:name", method = "put", operation_id = "update_tag")]
    async fn update(
        &self,
        state: Data<&AppState>,
        _admin: Admin,
        name: Path<String>,
        body: JsonBody<TagEdit>,
    ) -> Result<TagResponse, Failure<Staff<Submission>>> {
        let Some(name) = named(&name.0) else { return Ok(TagResponse::NotFound(no_such_tag())) };
        let TagEdit { description } = body.parse()?;
        Ok(match tags::describe(&state, &name, description).await? {
            Some(tag) => TagResponse::Ok(Json(tag.into())),
            None => TagResponse::NotFound(no_such_tag()),
        })
    }

    /// Delete a tag
    ///
    /// Admins only. It leaves every post that carried it and every filter at once.
    #[oai(path = "/tags/:name", method = "delete", operation_id = "delete_tag")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        _admin: Admin,
        name: Path<String>,
    ) -> Result<DeleteResponse, Failure<Staff<Action>>> {
        let Some(name) = named(&name.0) else { return Ok(DeleteResponse::NotFound(no_such_tag())) };
        Ok(if tags::delete(&state, &name).await? {
            DeleteResponse::Deleted
        } else {
            DeleteResponse::NotFound(no_such_tag())
        })
    }
}

#[OpenApi(tag = "ApiTags::Posts")]
impl FiltersApi {
    /// Your filtered tags
    ///
    /// The tags whose posts are left out of the caller's listings (`GET /posts`, every sort and
    /// someone's posts; a tag's own listing, `tag`, still lists its posts) and search.
    #[oai(path = "/users/me/filters", method = "get", operation_id = "get_filters")]
    async fn get(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
    ) -> Result<FiltersResponse, Failure<PrivateRead>> {
        Ok(FiltersResponse::Ok(filters(tags::filters(&state, &user).await?)))
    }

    /// Set your filtered tags
    ///
    /// Replaces them: `tags` is the whole list from now on (`[]` for none). Each must be an
    /// existing tag (`validation_failed`, `field` is `tags`). Seen by the caller's very next
    /// listing.
    #[oai(path = "/users/me/filters", method = "put", operation_id = "set_filters")]
    async fn set(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        body: JsonBody<Filters>,
    ) -> Result<FiltersResponse, Failure<Submission>> {
        let Filters { tags: names } = body.parse()?;
        Ok(FiltersResponse::Ok(filters(tags::set_filters(&state, &user, names).await?)))
    }
}
