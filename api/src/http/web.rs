//! The static frontend: page URLs mapped to the files in `web/`, assets, and a friendly 404.

use std::path::{Path, PathBuf};

use poem::{
    Endpoint, EndpointExt, IntoResponse, Response, Route,
    endpoint::{StaticFileEndpoint, StaticFilesEndpoint},
    error::NotFoundError,
    http::StatusCode,
    web::Html,
};

/// The pages, by URL pattern and file.
const PAGES: &[(&str, &str)] = &[
    ("/", "index.html"),
    ("/new", "index.html"),
    ("/top", "index.html"),
    ("/t/:name", "index.html"),
    ("/t/:name/new", "index.html"),
    ("/t/:name/top", "index.html"),
    ("/post/:id", "post.html"),
    ("/user/:username", "user.html"),
    ("/login", "login.html"),
    ("/forgot", "forgot.html"),
    ("/reset", "reset.html"),
    ("/verify", "verify.html"),
    ("/confirm-email", "confirm-email.html"),
    ("/dashboard", "dashboard.html"),
    ("/dashboard/edit/:id", "edit.html"),
    ("/account", "account.html"),
    ("/saved", "saved.html"),
    ("/hidden", "saved.html"),
    ("/inbox", "inbox.html"),
    ("/moderation", "moderation.html"),
    ("/search", "search.html"),
];

/// Asset folders served as they are.
const ASSET_DIRS: &[&str] = &["css", "js"];

/// The page for any other URL.
const NOT_FOUND_PAGE: &str = "404.html";

/// The frontend could not be served from this folder.
#[derive(Debug, thiserror::Error)]
#[error(
    "WEB_DIR {dir:?} has no {missing} (point WEB_DIR at the frontend folder, or set it empty to serve the API only)"
)]
pub struct MissingFrontend {
    dir: PathBuf,
    missing: &'static str,
}

/// The frontend in `dir`; refuses a folder that lacks any page, so a broken deploy fails at start.
pub fn routes(dir: &Path) -> Result<impl Endpoint<Output = Response> + use<>, MissingFrontend> {
    let missing = |file: &'static str| MissingFrontend { dir: dir.to_owned(), missing: file };
    let mut route = Route::new();
    for &(pattern, file) in PAGES {
        let path = dir.join(file);
        if !path.is_file() {
            return Err(missing(file));
        }
        route = route.at(pattern, StaticFileEndpoint::new(path).no_cache(true));
    }
    for asset in ASSET_DIRS {
        route = route.nest(format!("/{asset}"), StaticFilesEndpoint::new(dir.join(asset)));
    }
    let not_found: String =
        std::fs::read_to_string(dir.join(NOT_FOUND_PAGE)).map_err(|_| missing(NOT_FOUND_PAGE))?;
    Ok(route.catch_error(move |_: NotFoundError| {
        let page = not_found.clone();
        async move { Html(page).with_status(StatusCode::NOT_FOUND).into_response() }
    }))
}
