use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{ApiTags, Removal, Time, UserRef, comments::Comment, default_page, default_per_page};
use crate::{
    domain::{PostText, PostTitle, PostUrl, TagName},
    error::AppError,
    http::{
        AppState, CurrentUser,
        error_body::{ErrorBody, ErrorCode},
        openapi::{
            Failure, JsonBody, Nullable, RenderedJson,
            kind::{Action, Contribution, Limited, Listing, OwnForbidden, Read, Submission},
        },
    },
    services::{
        Denied, Page, Viewer,
        posts::{self, AlreadyPosted, Sort as Order, Summary, Thread},
    },
};

/// `/posts`: listing posts and posting one.
pub struct PostsApi;

/// `/posts/{id}`: one post with its thread, retitling and deleting it.
pub struct PostApi;

/// A post as lists show it.
#[derive(Object, Clone, Debug)]
pub struct PostSummary {
    /// The post's id.
    id: i32,
    /// The title, 1–200 characters.
    title: String,
    /// The link: an absolute http or https URL; `null` for a text post.
    post_url: Nullable<String>,
    /// When it was posted.
    created_at: DateTime<Utc>,
    /// When its title was last edited (equal to `created_at` if never).
    updated_at: DateTime<Utc>,
    /// Its tags' names (0–3), in name order.
    tags: Vec<String>,
    // Who posted it. No doc comment on a field whose type is a named schema: poem-openapi would
    // wrap the `$ref` in `allOf` to carry it, which generated clients mishandle.
    author: UserRef,
    /// How many users have upvoted it.
    vote_count: i64,
    /// How many comments it has.
    comment_count: i64,
    /// Whether the caller has upvoted it (`false` when not logged in).
    voted: bool,
    /// Whether the caller has saved it (`false` when not logged in).
    saved: bool,
    /// What the hot listing orders by: `log10(max(1, vote_count + 1)) + created_at / 45000`,
    /// with `created_at` in Unix seconds. Clients may ignore it.
    hotness: f64,
    // Set only for moderators and admins looking at a post a moderator removed; `null`
    // otherwise. (No doc comment on a named schema's field: see `author`.)
    removed: Nullable<Removal>,
}

impl From<Summary> for PostSummary {
    fn from(row: Summary) -> Self {
        let tags = row.tags();
        Self {
            id: row.id,
            title: row.title,
            post_url: Nullable(row.post_url),
            tags,
            created_at: row.created_at,
            updated_at: row.updated_at,
            author: UserRef { id: row.user_id, username: row.username },
            vote_count: row.vote_count.into(),
            comment_count: row.comment_count,
            voted: row.viewer_votes > 0,
            saved: row.viewer_saves > 0,
            hotness: row.hotness.unwrap_or_default(),
            removed: Nullable(Removal::from_columns(row.removed_at, row.removed_reason)),
        }
    }
}

/// A post with its comments.
#[derive(Object)]
struct PostDetail {
    #[oai(flatten)]
    post: PostSummary,
    /// A text post's Markdown as written (trimmed); `null` for a link post without text.
    text: Nullable<String>,
    /// `text` rendered as sanitised HTML (section 12's Markdown rules); `null` with `text`.
    text_html: Nullable<String>,
    /// Whether the caller muted this post's thread (`PUT /posts/{id}/mute`): no notifications
    /// come from it. `false` when anonymous.
    muted: bool,
    /// The whole thread in display order: depth-first, each comment followed by its replies,
    /// siblings oldest first.
    comments: Vec<Comment>,
}

/// As `ToJSON` writes it: the post's fields and the thread's, in name order (see
/// `RenderedJson::serialize`).
impl serde::Serialize for PostDetail {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let post = &self.post;
        let mut out = serializer.serialize_struct("PostDetail", 17)?;
        out.serialize_field("author", &post.author)?;
        out.serialize_field("comment_count", &post.comment_count)?;
        out.serialize_field("comments", &self.comments)?;
        out.serialize_field("created_at", &Time(&post.created_at))?;
        out.serialize_field("hotness", &post.hotness)?;
        out.serialize_field("id", &post.id)?;
        out.serialize_field("muted", &self.muted)?;
        out.serialize_field("post_url", &post.post_url)?;
        out.serialize_field("removed", &post.removed)?;
        out.serialize_field("saved", &post.saved)?;
        out.serialize_field("tags", &post.tags)?;
        out.serialize_field("text", &self.text)?;
        out.serialize_field("text_html", &self.text_html)?;
        out.serialize_field("title", &post.title)?;
        out.serialize_field("updated_at", &Time(&post.updated_at))?;
        out.serialize_field("vote_count", &post.vote_count)?;
        out.serialize_field("voted", &post.voted)?;
        out.end()
    }
}

/// How a listing is ordered.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum Sort {
    /// Newest first.
    #[default]
    New,
    /// Highest `hotness` first: votes weighed against age.
    Hot,
    /// Most votes first, within `period`.
    Top,
}

/// Which posts `sort=top` ranks, by when they were posted.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
enum Period {
    /// The last 24 hours.
    Day,
    /// The last 7 days.
    #[default]
    Week,
    /// The last 30 days.
    Month,
    /// The last 365 days.
    Year,
    /// All time.
    All,
}

impl Period {
    pub(super) fn length(self) -> Option<chrono::Duration> {
        match self {
            Self::Day => Some(chrono::Duration::days(1)),
            Self::Week => Some(chrono::Duration::days(7)),
            Self::Month => Some(chrono::Duration::days(30)),
            Self::Year => Some(chrono::Duration::days(365)),
            Self::All => None,
        }
    }
}

/// One page of posts.
#[derive(Object)]
pub(super) struct PostPage {
    /// The posts on this page.
    posts: Vec<PostSummary>,
    /// This page's number, from 1.
    page: u32,
    /// The page size asked for.
    per_page: u32,
    /// How many posts there are in all (with the same filter).
    total: u64,
}

impl PostPage {
    /// A page of summaries, rendered as the answer is sent.
    pub(super) fn render(page: Page<Summary>) -> bytes::Bytes {
        let Page { items, page, per_page, total } = page;
        let posts = items.into_iter().map(PostSummary::from).collect();
        RenderedJson::render(&Self { posts, page, per_page, total }).bytes()
    }
}

/// A new post: a link, a text, or both.
#[derive(Object)]
struct NewPost {
    /// 1–200 characters after trimming.
    title: PostTitle,
    /// An absolute `http://` or `https://` URL, at most 2048 characters. Optional when `text` is
    /// given; a post with neither is refused (`field: "post_url"`).
    post_url: Option<PostUrl>,
    /// Markdown (section 12's rules), 1–10,000 characters as sent, not blank.
    text: Option<PostText>,
    /// Up to 3 tag names, each an existing tag (`GET /tags`); a name given twice counts once;
    /// none if absent.
    tags: Option<Vec<TagName>>,
}

/// A post's edit.
#[derive(Object)]
struct PostEdit {
    /// 1–200 characters after trimming.
    title: PostTitle,
    /// New Markdown text, as for a new post; unchanged if absent or `null` (a text cannot be
    /// taken off, only rewritten).
    text: Option<PostText>,
    /// Its tags from now on (up to 3 existing tags; `[]` for none); unchanged if absent.
    tags: Option<Vec<TagName>>,
}

/// The tags `exclude_tags` names: comma-separated tag names, or the 422 that names it. Names of
/// tags that do not exist leave nothing out (a tag deleted since a visitor chose to filter it
/// must not break their listing).
pub(super) fn excluded_tags(exclude_tags: Option<String>) -> Result<Vec<TagName>, AppError> {
    let list = exclude_tags.unwrap_or_default();
    let names: Vec<&str> = list.split(',').map(str::trim).filter(|name| !name.is_empty()).collect();
    if names.len() > MAX_EXCLUDED {
        return Err(AppError::validation("exclude_tags", format!("at most {MAX_EXCLUDED} tags")));
    }
    names
        .into_iter()
        .map(|name| {
            TagName::parse(name).map_err(|_| {
                AppError::validation(
                    "exclude_tags",
                    format!("{name:?} is not a tag name (2–25 of a-z, 0-9, -)"),
                )
            })
        })
        .collect()
}

/// How many tags `exclude_tags` may name.
const MAX_EXCLUDED: usize = 100;

#[derive(ApiResponse)]
pub(super) enum ListResponse {
    /// A page of posts.
    #[oai(status = 200)]
    Ok(RenderedJson<PostPage>),
}

#[derive(ApiResponse)]
enum TaggedListResponse {
    /// A page of posts.
    #[oai(status = 200)]
    Ok(RenderedJson<PostPage>),
    /// There is no tag of the name `tag` gives (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum GetResponse {
    /// The post and its comments.
    #[oai(status = 200)]
    Ok(RenderedJson<PostDetail>),
    /// There is no such post (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum CreateResponse {
    /// The new post.
    #[oai(status = 201)]
    Created(Json<PostSummary>),
    /// The link (normalised: scheme, `www.`, default port, fragment, trailing `/` and `utm_*`
    /// parameters aside) was posted in the last 30 days (`already_posted`, with `post_id`).
    #[oai(status = 409)]
    AlreadyPosted(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum UpdateResponse {
    /// The post as it is now.
    #[oai(status = 200)]
    Ok(Json<PostSummary>),
    /// Not the author (`not_author`), or a cross-site request (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// There is no such post (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum DeleteResponse {
    /// The post, its comments and its votes are gone.
    #[oai(status = 204)]
    Deleted,
    /// Not the author (`not_author`), or a cross-site request (`cross_site_request`).
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// There is no such post (`not_found`).
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

pub(super) fn not_found() -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotFound, "there is no such post")
}

pub(super) fn no_such_tag() -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotFound, "there is no such tag")
}

fn not_author() -> Json<ErrorBody> {
    ErrorBody::new(ErrorCode::NotAuthor, "only the author can change this post")
}

impl From<Denied> for UpdateResponse {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotFound => Self::NotFound(not_found()),
            Denied::NotAuthor => Self::Forbidden(not_author()),
        }
    }
}

impl From<Denied> for DeleteResponse {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotFound => Self::NotFound(not_found()),
            Denied::NotAuthor => Self::Forbidden(not_author()),
        }
    }
}

#[OpenApi(tag = "ApiTags::Posts")]
impl PostsApi {
    /// List posts
    ///
    /// A page of posts: the newest first (`sort=new`, the default), the hottest first
    /// (`sort=hot`), or the most voted first among those posted within `period` (`sort=top`).
    /// Ties go to the newer post. `user_id` narrows the list to one author, `url` to the posts
    /// of one link (compared normalised, of any age), `tag` to one tag's posts. Posts a
    /// moderator removed are never listed; nor, for a logged-in caller, the posts they hid, those
    /// of people they muted (but in a list of one author's posts) and those carrying a tag they
    /// filter (`PUT /users/me/filters`; but a tag's own page lists its posts, and a list of the
    /// caller's own posts all of them); nor, for anyone,
    /// those carrying a tag `exclude_tags` names.
    #[oai(path = "/posts", method = "get", operation_id = "list_posts")]
    // poem-openapi takes each query parameter as an argument of its own.
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        viewer: Viewer,
        /// The page, from 1.
        #[oai(default = "default_page", validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<u32>,
        /// Posts per page, 1–100.
        #[oai(default = "default_per_page", validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<u32>,
        /// Only this author's posts.
        user_id: Query<Option<i32>>,
        /// The order: `new` (default), `hot` or `top`. (Optional rather than defaulted: a
        /// default on an enum wraps its `$ref` in `allOf`, which generated clients refuse.)
        sort: Query<Option<Sort>>,
        /// For `sort=top` only: `day`, `week` (default), `month`, `year` or `all`.
        period: Query<Option<Period>>,
        /// Only posts of this link, compared normalised (`http`/`https`, `www.`, a default port,
        /// the fragment, a trailing `/` and `utm_*` parameters make no difference).
        #[oai(validator(max_length = 2048))]
        url: Query<Option<String>>,
        /// Only the posts carrying this tag (404 if there is no such tag).
        #[oai(validator(max_length = 25))]
        tag: Query<Option<String>>,
        /// Leave out the posts carrying any of these tags: comma-separated tag names (at most
        /// 100; a name of no tag leaves nothing out, a malformed name is refused). What a
        /// visitor who is not logged in filters; a logged-in caller's own filters apply anyway.
        #[oai(validator(max_length = 2700))]
        exclude_tags: Query<Option<String>>,
    ) -> Result<TaggedListResponse, Failure<Listing>> {
        let exclude = excluded_tags(exclude_tags.0)?;
        let tag = match tag.0 {
            // A name no tag could have names no tag.
            Some(name) => match TagName::parse(&name) {
                Ok(tag) => Some(tag),
                Err(_) => return Ok(TaggedListResponse::NotFound(no_such_tag())),
            },
            None => None,
        };
        let sort = match sort.0.unwrap_or_default() {
            Sort::New => Order::New,
            Sort::Hot => Order::Hot,
            Sort::Top => Order::Top { period: period.0.unwrap_or_default().length() },
        };
        let listing = posts::Listing {
            page: page.0,
            per_page: per_page.0,
            sort,
            author: user_id.0,
            url: url.0,
            tag,
            exclude,
        };
        Ok(match posts::list(&state, &viewer, listing, PostPage::render).await? {
            Some(page) => TaggedListResponse::Ok(RenderedJson::from_bytes(page)),
            None => TaggedListResponse::NotFound(no_such_tag()),
        })
    }

    /// Create a post
    ///
    /// A link (`post_url`), a text (`text`, Markdown) or both, with up to 3 tags. Counted by the
    /// posts limit (`POST_RATE`, 10 an hour by default). A link posted in the last 30 days (and
    /// not removed) is refused with the existing post's id: compared normalised, so
    /// `http`/`https`, `www.`, a trailing `/` or `utm_*` parameters make no new link. Texts are
    /// never duplicates.
    #[oai(path = "/posts", method = "post", operation_id = "create_post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        body: JsonBody<NewPost>,
    ) -> Result<CreateResponse, Failure<Limited<Contribution>>> {
        let NewPost { title, post_url, text, tags } = body.parse()?;
        let new = posts::NewPost { title, url: post_url, text, tags: tags.unwrap_or_default() };
        Ok(match posts::create(&state, &user, new).await? {
            Ok(created) => CreateResponse::Created(Json(created.into())),
            Err(AlreadyPosted(post_id)) => CreateResponse::AlreadyPosted(Json(ErrorBody {
                code: ErrorCode::AlreadyPosted,
                message: "this link was posted in the last 30 days".into(),
                field: Some("post_url".into()),
                post_id: Some(post_id),
            })),
        })
    }
}

#[OpenApi(tag = "ApiTags::Posts")]
impl PostApi {
    /// Get a post
    ///
    /// One post with its whole thread of comments, in display order. A post a moderator removed
    /// is not found, except by moderators and admins, who see it with `removed`; they also see
    /// the text of removed comments, which everyone else sees as deleted.
    #[oai(path = "/posts/:id", method = "get", operation_id = "get_post")]
    async fn get(
        &self,
        state: Data<&AppState>,
        viewer: Viewer,
        id: Path<i32>,
    ) -> Result<GetResponse, Failure<Read>> {
        Ok(match posts::get(&state, &viewer, id.0, render_thread).await? {
            Some(post) => GetResponse::Ok(RenderedJson::from_bytes(post)),
            None => GetResponse::NotFound(not_found()),
        })
    }

    /// Edit a post
    ///
    /// Only the author may: its title, and its text and tags when given. The link cannot be
    /// changed.
    #[oai(path = "/posts/:id", method = "put", operation_id = "update_post")]
    async fn update(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
        body: JsonBody<PostEdit>,
    ) -> Result<UpdateResponse, Failure<OwnForbidden<Submission>>> {
        let edit = body.parse().map(|PostEdit { title, text, tags }| posts::Edit { title, text, tags });
        Ok(match posts::update(&state, &user, id.0, edit).await? {
            Ok(post) => UpdateResponse::Ok(Json(post.into())),
            Err(denied) => denied.into(),
        })
    }

    /// Delete a post
    ///
    /// Only the author may. Its comments and votes go with it.
    #[oai(path = "/posts/:id", method = "delete", operation_id = "delete_post")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        user: CurrentUser,
        id: Path<i32>,
    ) -> Result<DeleteResponse, Failure<OwnForbidden<Action>>> {
        Ok(match posts::delete(&state, &user, id.0).await? {
            Ok(()) => DeleteResponse::Deleted,
            Err(denied) => denied.into(),
        })
    }
}

/// A post and its thread, rendered for the viewer it was read for.
fn render_thread(thread: Thread) -> bytes::Bytes {
    let Thread { post, body, comments, muted, staff } = thread;
    let comments = comments.into_iter().map(|row| Comment::seen_by(row, staff)).collect();
    let (text, text_html) = (Nullable(body.text), Nullable(body.html));
    RenderedJson::serialize(&PostDetail { post: post.into(), text, text_html, muted, comments }).bytes()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use poem_openapi::types::ToJSON;

    use super::*;
    use crate::services::comments::Row;

    fn comment(id: i32, parent: Option<i32>, removed: bool, deleted: bool) -> Row {
        let at = Utc.with_ymd_and_hms(2026, 12, 8, 2, 3, 4).unwrap();
        Row {
            id,
            post_id: 7,
            parent_id: parent,
            depth: i32::from(parent.is_some()),
            comment_text: if deleted { String::new() } else { format!("said \"{id}\" — ünïcode\n<b>") },
            comment_html: (!deleted).then(|| format!("<p>said &quot;{id}&quot;</p>\n")),
            created_at: at + chrono::Duration::microseconds(i64::from(id) * 123_457),
            updated_at: (id % 2 == 0).then_some(at + chrono::Duration::seconds(90)),
            deleted,
            user_id: (!deleted).then_some(40 + id),
            username: (!deleted).then(|| format!("user_{id}")),
            removed_at: removed.then_some(at),
            removed_reason: removed.then(|| "off topic".to_owned()),
            muted_author: id == 3,
        }
    }

    fn detail(staff: bool, text: bool, removed: bool, comments: Vec<Row>) -> PostDetail {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 58).unwrap();
        let summary = Summary {
            id: 7,
            title: "A \"title\" with\ttabs".into(),
            post_url: (!text).then(|| "https://example.com/a?b=c&d".into()),
            created_at: at,
            updated_at: at + chrono::Duration::nanoseconds(1_500),
            user_id: 3,
            username: "poster".into(),
            vote_count: 12,
            tag_list: Some("rust,databases".into()),
            hotness: Some(45_123.456_789),
            comment_count: 2,
            viewer_votes: 1,
            viewer_saves: 0,
            removed_at: removed.then_some(at),
            removed_reason: removed.then(|| "spam".into()),
        };
        PostDetail {
            post: summary.into(),
            text: Nullable(text.then(|| "Some *text*".into())),
            text_html: Nullable(text.then(|| "<p>Some <em>text</em></p>\n".into())),
            muted: !text,
            comments: comments.into_iter().map(|row| Comment::seen_by(row, staff)).collect(),
        }
    }

    #[test]
    fn a_thread_serialised_straight_is_byte_for_byte_what_to_json_writes() {
        let threads = [
            detail(true, true, true, vec![comment(1, None, false, false), comment(2, Some(1), true, false)]),
            detail(
                false,
                false,
                false,
                vec![comment(3, None, true, false), comment(4, Some(3), false, true)],
            ),
            detail(false, true, false, Vec::new()),
        ];
        for thread in &threads {
            let straight = serde_json::to_string(thread).unwrap();
            let through_value = serde_json::to_string(&thread.to_json().unwrap()).unwrap();
            assert_eq!(straight, through_value);
        }
    }
}
