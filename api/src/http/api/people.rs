use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{ApiTags, UserRef, comments::Comment, default_page, default_per_page};
use crate::{
    http::{
        AppState,
        error_body::{ErrorBody, ErrorCode},
        openapi::{Failure, Nullable, kind::Listing},
    },
    services::{Page, people},
};

pub struct PeopleApi;

/// A ban in force, as everyone may see it (the moderation log says who made it).
#[derive(Object)]
struct BanInfo {
    /// The moderator's reason.
    reason: String,
    /// When it was made.
    at: DateTime<Utc>,
    /// When it lifts itself; `null` for a permanent ban.
    until: Nullable<DateTime<Utc>>,
}

/// A person's public profile.
#[derive(Object)]
pub(super) struct PublicProfile {
    /// The user's id.
    id: i32,
    /// The user's name.
    username: String,
    /// When they signed up.
    created_at: DateTime<Utc>,
    /// Upvotes received on their posts.
    karma: i64,
    /// How many posts they have (removed ones not counted).
    post_count: i64,
    /// How many comments they have (deleted and removed ones not counted).
    comment_count: i64,
    /// `user`, `moderator` or `admin`.
    role: String,
    // Who invited them (whose invitation they signed up with), if anyone did and still has an
    // account: public, as on Lobsters. (No doc comment on a named schema's field.)
    invited_by: Nullable<UserRef>,
    // Their ban, while one is in force; `null` otherwise.
    banned: Nullable<BanInfo>,
}

impl From<people::PublicProfile> for PublicProfile {
    fn from(profile: people::PublicProfile) -> Self {
        Self {
            id: profile.id,
            username: profile.username,
            created_at: profile.created_at,
            karma: profile.karma,
            post_count: profile.post_count,
            comment_count: profile.comment_count,
            role: profile.role,
            invited_by: Nullable(profile.invited_by.map(|(id, username)| UserRef { id, username })),
            banned: Nullable(profile.ban.map(|ban| BanInfo {
                reason: ban.reason,
                at: ban.at,
                until: Nullable(ban.until),
            })),
        }
    }
}

/// A post, as a comment elsewhere names it.
#[derive(Object)]
struct PostRef {
    /// The post's id.
    id: i32,
    /// The post's title.
    title: String,
}

/// A comment with the post it is on.
#[derive(Object)]
struct UserComment {
    #[oai(flatten)]
    comment: Comment,
    // The post it is on. (No doc comment on a named schema's field: see `PostSummary::author`.)
    post: PostRef,
}

/// One page of a person's comments, newest first.
#[derive(Object)]
struct UserCommentPage {
    /// The comments on this page.
    comments: Vec<UserComment>,
    /// This page's number, from 1.
    page: u32,
    /// The page size asked for.
    per_page: u32,
    /// How many comments they have in all.
    total: u64,
}

#[derive(ApiResponse)]
enum ProfileResponse {
    /// The profile.
    #[oai(status = 200)]
    Ok(Json<PublicProfile>),
    /// There is no one by that name (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum CommentsResponse {
    /// A page of their comments.
    #[oai(status = 200)]
    Ok(Json<UserCommentPage>),
    /// There is no one by that name (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

pub(super) fn no_such_user() -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotFound, "there is no such user")
}

#[OpenApi(tag = "ApiTags::People")]
impl PeopleApi {
    /// Get a person's profile
    ///
    /// The name is matched ignoring case. `karma` is the upvotes their posts have received.
    #[oai(path = "/users/:username", method = "get", operation_id = "get_user")]
    async fn profile(
        &self,
        state: Data<&AppState>,
        username: Path<String>,
    ) -> Result<ProfileResponse, Failure<Listing>> {
        Ok(match people::profile(&state, &username.0).await? {
            Some(profile) => ProfileResponse::Ok(Json(profile.into())),
            None => ProfileResponse::NotFound(no_such_user()),
        })
    }

    /// List a person's comments
    ///
    /// Newest first, each with the post it is on; paged like the posts.
    #[oai(path = "/users/:username/comments", method = "get", operation_id = "list_user_comments")]
    async fn comments(
        &self,
        state: Data<&AppState>,
        username: Path<String>,
        /// The page, from 1.
        #[oai(default = "default_page", validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<u32>,
        /// Comments per page, 1–100.
        #[oai(default = "default_per_page", validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<u32>,
    ) -> Result<CommentsResponse, Failure<Listing>> {
        let Some(Page { items, page, per_page, total }) =
            people::comments(&state, &username.0, page.0, per_page.0).await?
        else {
            return Ok(CommentsResponse::NotFound(no_such_user()));
        };
        let comments = items
            .into_iter()
            .map(|row| UserComment {
                post: PostRef { id: row.comment.post_id, title: row.post_title },
                comment: row.comment.into(),
            })
            .collect();
        Ok(CommentsResponse::Ok(Json(UserCommentPage { comments, page, per_page, total })))
    }
}
