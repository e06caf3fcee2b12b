//! The same link twice (DESIGN.md section 14): refused within 30 days, found by `url=` forever.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{PASSWORD, assert_error, each_backend, each_backend_with},
    posts::{page, titles},
};

fn new_post(title: &str, url: &str) -> Value {
    json!({"title": title, "post_url": url})
}

#[tokio::test]
async fn a_link_posted_in_the_last_30_days_is_refused_with_the_existing_post() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let resp =
            ada.post("/api/posts", &new_post("first", "https://www.Example.com/story/?b=2&a=1#top")).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let first: Value = resp.json().await.unwrap();

        for again in [
            "https://www.Example.com/story/?b=2&a=1#top",
            "http://example.com/story?a=1&b=2",
            "https://example.com:443/story?a=1&utm_source=hn&b=2",
            "https://EXAMPLE.com/story/?utm_medium=x&utm_campaign=y&b=2&a=1",
        ] {
            let resp = grace.post("/api/posts", &new_post("again", again)).await;
            let body = assert_error(resp, StatusCode::CONFLICT, "already_posted").await;
            assert_eq!(body["field"], "post_url");
            assert_eq!(body["post_id"], first["id"], "{again}");
        }
        assert_eq!(app.count("posts").await, 1, "nothing written");

        // Links that only look alike are different links.
        for other in [
            "https://example.com/story/2?a=1&b=2",
            "https://example.com/Story?a=1&b=2",
            "https://example.com/story?a=1&b=3",
            "https://example.com/story?a=1&b=2&ref=x",
            "https://example.org/story?a=1&b=2",
            "https://example.com:8443/story?a=1&b=2",
        ] {
            let resp = grace.post("/api/posts", &new_post(other, other)).await;
            assert_eq!(resp.status(), StatusCode::CREATED, "{other}");
        }

        // Thirty days on, the link may be posted again.
        app.clock.advance(Duration::from_secs(30 * 24 * 3600 + 1));
        assert_eq!(grace.log_in("grace@example.com", PASSWORD).await.status(), StatusCode::OK);
        let resp =
            grace.post("/api/posts", &new_post("a month on", "http://example.com/story?b=2&a=1")).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    })
    .await;
}

#[tokio::test]
async fn url_lists_every_post_of_a_link_newest_first_whatever_its_age() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        ada.post("/api/posts", &new_post("old", "https://example.com/a")).await;
        ada.post("/api/posts", &new_post("elsewhere", "https://example.com/b")).await;
        app.clock.advance(Duration::from_secs(31 * 24 * 3600));
        assert_eq!(ada.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        let resp = ada.post("/api/posts", &new_post("new", "http://www.example.com/a/#x")).await;
        assert_eq!(resp.status(), StatusCode::CREATED);

        let link = "https%3A%2F%2Fexample.com%2Fa%3Futm_source%3Dfeed";
        let found = page(&app.client(), &format!("?url={link}")).await;
        assert_eq!(titles(&found), ["new", "old"]);
        assert_eq!(found["total"], 2);
        let none = page(&app.client(), "?url=https%3A%2F%2Fexample.com%2Fc").await;
        assert_eq!((titles(&none).len(), &none["total"]), (0, &json!(0)));
        // Any text is an answer: a link that is not one simply matches nothing.
        let junk = page(&app.client(), "?url=%27%20OR%201%3D1--").await;
        assert_eq!(junk["total"], 0);
    })
    .await;
}

#[tokio::test]
async fn a_removed_post_does_not_block_its_link() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let first: Value =
            ada.post("/api/posts", &new_post("spam", "https://example.com/a")).await.json().await.unwrap();
        let resp = moderator
            .post(&format!("/api/moderation/posts/{}/remove", first["id"]), &json!({"reason": "spam"}))
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let resp = ada.post("/api/posts", &new_post("real", "https://example.com/a")).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert_eq!(titles(&page(&app.client(), "?url=https%3A%2F%2Fexample.com%2Fa").await), ["real"]);
    })
    .await;
}

#[tokio::test]
async fn the_order_is_login_then_body_then_limit_then_duplicate_and_a_duplicate_is_not_counted() {
    let two_an_hour = |config: &mut just_tech_news::config::Config| {
        config.post_rate = "2/h".parse().ok();
    };
    each_backend_with(two_an_hour, |app| async move {
        let anonymous = app.client().post("/api/posts", &new_post("", "nope")).await;
        assert_error(anonymous, StatusCode::UNAUTHORIZED, "login_required").await;
        let (ada, _) = app.signed_up("ada").await;
        assert_eq!(
            ada.post("/api/posts", &new_post("a", "https://example.com/a")).await.status(),
            StatusCode::CREATED
        );
        // A duplicate is refused as one, and does not use up the limit.
        for _ in 0..3 {
            let resp = ada.post("/api/posts", &new_post("a", "https://example.com/a")).await;
            assert_error(resp, StatusCode::CONFLICT, "already_posted").await;
        }
        assert_eq!(
            ada.post("/api/posts", &new_post("b", "https://example.com/b")).await.status(),
            StatusCode::CREATED
        );
        // At the limit: a bad body is still 422, and the limit comes before the duplicate.
        let resp = ada.post("/api/posts", &new_post("", "https://example.com/c")).await;
        assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let resp = ada.post("/api/posts", &new_post("a", "https://example.com/a")).await;
        assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        assert_eq!(app.count("posts").await, 2);
    })
    .await;
}
