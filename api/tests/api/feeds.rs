//! Atom feeds (DESIGN.md section 17): hot, new and each person's, 30 entries, as fresh as the
//! pages. (`tests/contract` also reads them with Python's `feedparser`.)

use std::str::FromStr;

use atom_syndication::Feed;
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::{
    harness::{Client, each_backend},
    posts::post,
};

async fn feed(client: &Client, path: &str) -> Feed {
    let resp = client.get(path).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/atom+xml; charset=utf-8");
    Feed::from_str(&resp.text().await.unwrap()).expect("a well-formed Atom feed")
}

fn titles(feed: &Feed) -> Vec<&str> {
    feed.entries().iter().map(|entry| entry.title().as_str()).collect()
}

#[tokio::test]
async fn the_new_and_hot_feeds_hold_the_30_first_posts_linking_to_their_pages() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let mut ids = Vec::new();
        for n in 1..=35 {
            ids.push(post(&ada, &format!("story {n}")).await["id"].as_i64().unwrap());
        }
        assert_eq!(
            ada.put(&format!("/api/posts/{}/vote", ids[0]), &json!({})).await.status(),
            StatusCode::OK
        );
        let client = app.client();

        let new = feed(&client, "/feeds/new.atom").await;
        assert_eq!(new.entries().len(), 30);
        assert_eq!(titles(&new)[..3], ["story 35", "story 34", "story 33"]);
        let hot = feed(&client, "/feeds/hot.atom").await;
        assert_eq!(hot.entries().len(), 30);
        assert_eq!(titles(&hot)[0], "story 1", "the voted post is hottest");

        // Links are made from PUBLIC_URL, whatever address the request came to.
        let base = "http://127.0.0.1:3000";
        let entry = &hot.entries()[0];
        assert_eq!(entry.id(), format!("{base}/post/{}", ids[0]));
        let links: Vec<(&str, &str)> = entry.links().iter().map(|l| (l.rel(), l.href())).collect();
        assert_eq!(links[0], ("alternate", format!("{base}/post/{}", ids[0]).as_str()));
        assert_eq!(links[1].0, "related");
        assert!(links[1].1.starts_with("https://example.com/story/"));
        assert_eq!(entry.authors()[0].name(), "ada");
        assert_eq!(entry.authors()[0].uri(), Some(format!("{base}/user/ada").as_str()));
        let summary = entry.summary().unwrap().as_str();
        assert_eq!(summary, "1 point by ada, 0 comments");
        assert!(
            hot.links().iter().any(|l| l.rel() == "self" && l.href() == format!("{base}/feeds/hot.atom"))
        );
    })
    .await;
}

#[tokio::test]
async fn a_persons_feed_holds_their_posts_and_an_unknown_name_is_404() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        post(&ada, "by ada").await;
        post(&grace, "by grace").await;
        let client = app.client();
        assert_eq!(titles(&feed(&client, "/user/ada/feed.atom").await), ["by ada"]);
        assert_eq!(titles(&feed(&client, "/user/GRACE/feed.atom").await), ["by grace"]);
        let (_quiet, _) = app.signed_up("quiet").await;
        assert!(feed(&client, "/user/quiet/feed.atom").await.entries().is_empty());
        for unknown in ["/user/nobody/feed.atom", "/user/%27%20OR%201%3D1/feed.atom"] {
            let resp = client.get(unknown).await;
            assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{unknown}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_feed_changes_with_every_write_and_answers_304_when_unchanged() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let first = post(&ada, "first <b>bold</b> & \"quoted\" \u{7}bell").await["id"].as_i64().unwrap();
        let client = app.client();

        let resp = client.get("/feeds/new.atom").await;
        let etag = resp.headers()[header::ETAG].to_str().unwrap().to_owned();
        let text = resp.text().await.unwrap();
        let parsed = Feed::from_str(&text).unwrap();
        assert_eq!(
            titles(&parsed),
            ["first <b>bold</b> & \"quoted\" \u{FFFD}bell"],
            "control characters cannot be XML"
        );
        let again = client
            .inner
            .get(client.url("/feeds/new.atom"))
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(again.text().await.unwrap().is_empty());

        post(&ada, "second").await;
        let resp = client
            .inner
            .get(client.url("/feeds/new.atom"))
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "a new post makes a new feed");
        assert_ne!(resp.headers()[header::ETAG].to_str().unwrap(), etag);
        assert_eq!(titles(&Feed::from_str(&resp.text().await.unwrap()).unwrap())[0], "second");

        let resp = moderator
            .post(&format!("/api/moderation/posts/{first}/remove"), &json!({"reason": "spam"}))
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        for path in ["/feeds/new.atom", "/feeds/hot.atom", "/user/ada/feed.atom"] {
            assert_eq!(
                titles(&feed(&client, path).await),
                ["second"],
                "{path}: a removed post leaves every feed"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_write_shows_in_the_next_feed_read_while_others_read_it_in_parallel() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        // Readers keep the feeds read (so kept, on SQLite) and race every write below.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut readers = Vec::new();
        for n in 0..4 {
            let (reader, stop) = (app.client(), stop.clone());
            let path = if n % 2 == 0 { "/feeds/new.atom" } else { "/feeds/hot.atom" };
            readers.push(tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    assert_eq!(reader.get(path).await.status(), StatusCode::OK);
                }
            }));
        }
        let client = app.client();
        for round in 0..15 {
            let id = post(&ada, &format!("round {round}")).await["id"].as_i64().unwrap();
            let new = feed(&client, "/feeds/new.atom").await;
            assert_eq!(titles(&new)[0], format!("round {round}"), "the answered post is in the next read");

            assert_eq!(ada.put(&format!("/api/posts/{id}/vote"), &json!({})).await.status(), StatusCode::OK);
            let hot = feed(&client, "/feeds/hot.atom").await;
            let entry =
                hot.entries().iter().find(|e| e.title().as_str() == format!("round {round}")).unwrap();
            assert_eq!(entry.summary().unwrap().as_str(), "1 point by ada, 0 comments", "round {round}");

            let resp =
                ada.put(&format!("/api/posts/{id}"), &json!({"title": format!("retitled {round}")})).await;
            assert_eq!(resp.status(), StatusCode::OK);
            let mine = feed(&client, "/user/ada/feed.atom").await;
            assert_eq!(titles(&mine)[0], format!("retitled {round}"));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for reader in readers {
            reader.await.unwrap();
        }
    })
    .await;
}
