use poem::web::Data;
use poem_openapi::{OpenApi, param::Query};

use super::{
    ApiTags, default_page, default_per_page,
    posts::{ListResponse, PostPage, excluded_tags},
};
use crate::{
    http::{
        AppState,
        openapi::{Failure, RenderedJson, kind::Listing},
    },
    services::{Viewer, search},
};

/// `/search`: posts by the words of their titles, sites and texts.
pub struct SearchApi;

#[OpenApi(tag = "ApiTags::Posts")]
impl SearchApi {
    /// Search posts
    ///
    /// The posts whose title, link's site or text has every word of `q` as a word prefix, in any case,
    /// best match first, then newest. `domain:example.com` keeps only the posts on that site
    /// (exactly that host, in any case, with or without `www.`). Words are runs of letters and
    /// digits in any script: quotes and operators only separate them, so any query is answered.
    /// Posts a moderator removed are never found; nor, for a logged-in caller, the posts they
    /// hid, those of people they muted and those carrying a tag they filter; nor, for anyone,
    /// those carrying a tag `exclude_tags` names.
    #[oai(path = "/search", method = "get", operation_id = "search_posts")]
    async fn search(
        &self,
        state: Data<&AppState>,
        viewer: Viewer,
        /// What to look for: 1–200 characters of words and `domain:` terms, not all blank.
        // No `pattern` for "not all blank": poem-openapi compiles it anew for every request
        // (a Unicode `\S` costs more than the whole search); the handler says 422 instead.
        #[oai(validator(min_length = 1, max_length = 200))]
        q: Query<String>,
        /// The page, from 1.
        #[oai(default = "default_page", validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<u32>,
        /// Posts per page, 1–100.
        #[oai(default = "default_per_page", validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<u32>,
        /// Leave out the posts carrying any of these tags: comma-separated tag names, as for
        /// `GET /posts`.
        #[oai(validator(max_length = 2700))]
        exclude_tags: Query<Option<String>>,
    ) -> Result<ListResponse, Failure<Listing>> {
        let exclude = excluded_tags(exclude_tags.0)?;
        let found =
            search::search(&state, &viewer, &q.0, page.0, per_page.0, exclude, PostPage::render).await?;
        Ok(ListResponse::Ok(RenderedJson::from_bytes(found)))
    }
}
