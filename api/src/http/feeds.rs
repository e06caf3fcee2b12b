//! Atom 1.0 feeds (DESIGN.md sections 17, 21 and 22), outside `/api`: the hot and new listings,
//! each person's posts and each tag's, and a person's private front page and inbox (behind the
//! secret of their URL), 30 entries each, written by `atom_syndication`. A feed is cached like a page
//! of the API (`services::feeds`), so it is invalidated by the same writes, and carries an `ETag`
//! so a feed reader polling an unchanged feed gets a `304` and no body.

use std::hash::{Hash, Hasher};

use atom_syndication::{Content, Entry, FixedDateTime, Link, Person, Text};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use poem::{
    IntoResponse, Request, Response, Route, get, handler,
    http::{HeaderValue, StatusCode, header},
    web::{Data, Path},
};

use super::AppState;
use crate::{
    domain::links,
    error::AppError,
    services::{
        feeds::{self, Feed, FeedOf, Private, PrivateFeed},
        notifications::{self, Row},
        posts::Summary,
    },
};

const CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// `route` with `/feeds/hot.atom`, `/feeds/new.atom`, `/user/:username/feed.atom` and
/// `/t/:name/feed.atom` (beside the frontend's `/user/:username` and `/t/:name`, so they share
/// one route tree).
pub fn routes(route: Route) -> Route {
    route
        .at("/feeds/hot.atom", get(hot))
        .at("/feeds/new.atom", get(new))
        .at("/user/:username/feed.atom", get(person))
        .at("/t/:name/feed.atom", get(tagged))
        .at("/feeds/private/:token/front.atom", get(private_front))
        .at("/feeds/private/:token/inbox.atom", get(private_inbox))
}

#[handler]
async fn private_front(state: Data<&AppState>, req: &Request, Path(token): Path<String>) -> Response {
    private(&state, req, &token, Private::Front).await
}

#[handler]
async fn private_inbox(state: Data<&AppState>, req: &Request, Path(token): Path<String>) -> Response {
    private(&state, req, &token, Private::Inbox).await
}

/// A person's private feed (404 for a token that is no one's), or `304` when unchanged.
async fn private(state: &AppState, req: &Request, token: &str, which: Private) -> Response {
    let base = state.config.public_url.as_str().trim_end_matches('/');
    let self_path = match which {
        Private::Front => format!("/feeds/private/{token}/front.atom"),
        Private::Inbox => format!("/feeds/private/{token}/inbox.atom"),
    };
    let found = feeds::private(state, token, which, |feed| render_private(base, &self_path, feed)).await;
    respond(req, found)
}

#[handler]
async fn tagged(state: Data<&AppState>, req: &Request, Path(name): Path<String>) -> Response {
    answer(&state, req, FeedOf::Tag(name)).await
}

#[handler]
async fn hot(state: Data<&AppState>, req: &Request) -> Response {
    answer(&state, req, FeedOf::Hot).await
}

#[handler]
async fn new(state: Data<&AppState>, req: &Request) -> Response {
    answer(&state, req, FeedOf::New).await
}

#[handler]
async fn person(state: Data<&AppState>, req: &Request, Path(username): Path<String>) -> Response {
    answer(&state, req, FeedOf::Author(username.to_lowercase())).await
}

/// The feed (404 for an unknown person or tag), or `304` when the reader already has this version.
async fn answer(state: &AppState, req: &Request, of: FeedOf) -> Response {
    let base = state.config.public_url.as_str().trim_end_matches('/');
    let found = feeds::feed(state, of.clone(), |feed| render(base, &of, feed)).await;
    respond(req, found)
}

/// The feed found, with its `ETag`, or `304` when the reader has this version; 404 for none.
fn respond(req: &Request, found: Result<Option<Bytes>, AppError>) -> Response {
    let xml = match found {
        Ok(Some(xml)) => xml,
        Ok(None) => return super::json_error_response(AppError::NotFound.into()),
        Err(err) => return super::json_error_response(err.into()),
    };
    let etag = etag(&xml);
    let unchanged = req
        .header(header::IF_NONE_MATCH)
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let resp = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::builder().content_type(CONTENT_TYPE).body(xml)
    };
    resp.with_header(header::ETAG, etag)
        .with_header(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
        .into_response()
}

/// A strong validator for these exact bytes.
fn etag(xml: &Bytes) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    xml.hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

/// A private feed's XML: the front page's entries as the public feeds' are, the inbox's one per
/// notification, linking to the comment in its thread.
fn render_private(base: &str, self_path: &str, feed: PrivateFeed) -> Bytes {
    let (title, page, entries, updated) = match feed {
        PrivateFeed::Front(rows) => {
            let updated = rows.iter().map(|row| row.updated_at).max();
            (
                "Just Tech News: your front page",
                "/",
                rows.iter().map(|row| entry(base, row)).collect(),
                updated,
            )
        }
        PrivateFeed::Inbox(rows) => {
            let updated = rows.iter().map(|row| row.created_at).max();
            (
                "Just Tech News: your inbox",
                "/inbox",
                rows.iter().map(|row| notification(base, row)).collect(),
                updated,
            )
        }
    };
    let mut feed = atom_syndication::Feed::default();
    feed.set_title(Text::plain(title));
    feed.set_id(format!("{base}{self_path}"));
    feed.set_updated(fixed(updated.unwrap_or(DateTime::UNIX_EPOCH)));
    feed.set_links([link(format!("{base}{self_path}"), "self"), link(format!("{base}{page}"), "alternate")]);
    feed.set_entries::<Vec<Entry>>(entries);
    Bytes::from(feed.to_string())
}

fn notification(base: &str, row: &Row) -> Entry {
    let anchor = row.comment_id.map(|id| format!("#comment-{id}")).unwrap_or_default();
    let page = format!("{base}/post/{}{anchor}", row.post_id);
    let mut entry = Entry::default();
    entry.set_title(Text::plain(xml_chars(&notifications::said(row))));
    entry.set_id(format!("{base}/inbox#notification-{}", row.id));
    entry.set_updated(fixed(row.created_at));
    entry.set_published(fixed(row.created_at));
    if let Some(name) = &row.actor_name {
        let mut author = Person::default();
        author.set_name(name.clone());
        author.set_uri(format!("{base}/user/{}", links::component(name)));
        entry.set_authors([author]);
    }
    entry.set_links([link(page, "alternate")]);
    if let Some(html) = &row.comment_html {
        let mut content = Content::default();
        content.set_content_type("html".to_owned());
        content.set_value(html.clone());
        entry.set_content(content);
    }
    entry
}

/// The feed's XML.
fn render(base: &str, of: &FeedOf, feed: Feed) -> Bytes {
    let Feed { posts: rows, author } = feed;
    let (title, page, path) = match (of, author) {
        (FeedOf::Hot, _) => ("Just Tech News".to_owned(), "/".to_owned(), "/feeds/hot.atom".to_owned()),
        (FeedOf::New, _) => {
            ("Just Tech News: new".to_owned(), "/new".to_owned(), "/feeds/new.atom".to_owned())
        }
        (FeedOf::Tag(name), _) => {
            let page = format!("/t/{}", links::component(name));
            (format!("Just Tech News: posts tagged {name}"), page.clone(), format!("{page}/feed.atom"))
        }
        (FeedOf::Author(_), author) => {
            let name = author.unwrap_or_default();
            let page = format!("/user/{}", links::component(&name));
            (format!("Just Tech News: posts by {name}"), page.clone(), format!("{page}/feed.atom"))
        }
    };
    let updated = rows.iter().map(|row| row.updated_at).max().unwrap_or(DateTime::UNIX_EPOCH);
    let mut feed = atom_syndication::Feed::default();
    feed.set_title(Text::plain(title));
    feed.set_id(format!("{base}{path}"));
    feed.set_updated(fixed(updated));
    feed.set_links([link(format!("{base}{path}"), "self"), link(format!("{base}{page}"), "alternate")]);
    feed.set_entries(rows.iter().map(|row| entry(base, row)).collect::<Vec<_>>());
    Bytes::from(feed.to_string())
}

fn entry(base: &str, row: &Summary) -> Entry {
    let page = format!("{base}/post/{}", row.id);
    let mut author = Person::default();
    author.set_name(row.username.clone());
    author.set_uri(format!("{base}/user/{}", links::component(&row.username)));
    let points = plural(row.vote_count.into(), "point");
    let comments = plural(row.comment_count, "comment");
    // A link post leads with its link; a text post's text is on its page.
    let lead = match &row.post_url {
        Some(url) => format!("<p><a href=\"{link}\">{link}</a></p>", link = html(url)),
        None => String::new(),
    };
    let html = format!(
        "{lead}<p>{points} by {who} · <a href=\"{page}\">{comments}</a></p>",
        who = html(&row.username),
    );
    let mut content = Content::default();
    content.set_content_type("html".to_owned());
    content.set_value(html);
    let mut entry = Entry::default();
    entry.set_title(Text::plain(xml_chars(&row.title)));
    entry.set_id(page.clone());
    entry.set_updated(fixed(row.updated_at));
    entry.set_published(fixed(row.created_at));
    entry.set_authors([author]);
    let mut links = vec![link(page, "alternate")];
    links.extend(row.post_url.clone().map(|url| link(url, "related")));
    entry.set_links(links);
    entry.set_summary(Text::plain(format!("{points} by {}, {comments}", row.username)));
    entry.set_content(content);
    entry
}

/// `text` with each character XML 1.0 cannot hold (most control characters) replaced by U+FFFD,
/// so any title makes a well-formed feed.
fn xml_chars(text: &str) -> String {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    text.chars().map(|c| if allowed(c) { c } else { char::REPLACEMENT_CHARACTER }).collect()
}

/// `text` escaped for HTML text and quoted attributes (the Markdown renderer's escaper).
fn html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    pulldown_cmark_escape::escape_html(&mut escaped, text).expect("writing to a String cannot fail");
    escaped
}

fn link(href: String, rel: &str) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel(rel.to_owned());
    link
}

fn fixed(at: DateTime<Utc>) -> FixedDateTime {
    at.fixed_offset()
}

fn plural(count: i64, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}
