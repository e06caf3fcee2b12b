use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{ApiTags, UserRef, comments::Comment, default_page, default_per_page, nullable::Nullable};
use crate::{
    AppState,
    auth::bans::Ban,
    error::{AppError, ErrorBody, ErrorCode, Failure, kind::Listing},
    news::{comments, people},
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

/// The profile of the person with this name (ignoring case), if there is one.
pub(super) async fn public_profile(
    state: &AppState,
    username: &str,
) -> Result<Option<PublicProfile>, AppError> {
    let Some(row) = people::profile(&state.db, username).await? else { return Ok(None) };
    let invited_by = people::inviter_of(&state.db, row.id).await?;
    let ban = Ban::from_columns(row.banned_at, row.banned_until, row.ban_reason, state.config.clock.now());
    Ok(Some(PublicProfile {
        id: row.id,
        username: row.username,
        created_at: row.created_at,
        karma: row.karma,
        post_count: row.post_count,
        comment_count: row.comment_count,
        role: row.role,
        invited_by: Nullable(invited_by.map(|(id, username)| UserRef { id, username })),
        banned: Nullable(ban.map(|ban| BanInfo {
            reason: ban.reason,
            at: ban.at,
            until: Nullable(ban.until),
        })),
    }))
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

fn no_such_user() -> Json<ErrorBody> {
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
        match public_profile(&state, &username.0).await? {
            Some(profile) => Ok(ProfileResponse::Ok(Json(profile))),
            None => Ok(ProfileResponse::NotFound(no_such_user())),
        }
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
        let Some(author) = people::id_of(&state.db, &username.0).await? else {
            return Ok(CommentsResponse::NotFound(no_such_user()));
        };
        let (page, per_page) = (page.0, per_page.0);
        let rows = comments::by_author(&state.db, author, page.into(), per_page.into()).await?;
        let total = comments::count_by_author(&state.db, author).await?;
        let comments = rows
            .into_iter()
            .map(|row| UserComment {
                post: PostRef { id: row.comment.post_id, title: row.post_title },
                comment: row.comment.into(),
            })
            .collect();
        Ok(CommentsResponse::Ok(Json(UserCommentPage { comments, page, per_page, total })))
    }
}
