//! Several instances behind a load balancer share sessions and the login throttle through the
//! database server: nothing about a login lives in one process. Each instance keeps rendered
//! answers in memory, and a write through any instance is seen by the next read through every
//! other (the database's change counter, `cache::counter`). (Embedded SQLite serves one
//! instance, so these run on PostgreSQL and MariaDB.)

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    freshness::{expected, seen},
    harness::{Backend, Client, PASSWORD, TestApp, assert_error, each_backend, issued_token},
    posts::{page, post},
};

#[tokio::test]
async fn a_login_on_one_instance_is_a_login_on_all_and_so_is_a_logout() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let resp = first.client().sign_up("ada", "ada@example.com", PASSWORD).await;
        let token = issued_token(&resp).unwrap();

        let on_first = first.client_with_cookie(&token);
        assert_eq!(on_first.logged_in_as().await.as_deref(), Some("ada"));
        let on_second = second.client_with_cookie(&token);
        assert_eq!(on_second.logged_in_as().await.as_deref(), Some("ada"));
        assert_eq!(on_second.log_out().await.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            first.client_with_cookie(&token).logged_in_as().await,
            None,
            "logged out on the first too"
        );
    })
    .await;
}

#[tokio::test]
async fn the_login_throttle_counts_attempts_made_through_every_instance() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        first.signed_up("ada").await;
        for n in 0..10 {
            let instance = if n % 2 == 0 { &first } else { &second };
            let resp = instance.client().log_in("ada@example.com", "guess-guess-guess").await;
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        for instance in [&first, &second] {
            let resp = instance.client().log_in("ada@example.com", PASSWORD).await;
            assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        }
    })
    .await;
}

/// A new browser on `app`, signed up as `username`, and its session token (to present the same
/// cookie to another instance).
async fn signed_up_with_token(app: &TestApp, username: &str) -> (Client, String) {
    let client = app.client();
    let resp = client.sign_up(username, &format!("{username}@example.com"), PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "sign-up of {username}");
    (client, issued_token(&resp).unwrap())
}

async fn text(client: &Client, path: &str) -> String {
    let resp = client.get(path).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.unwrap()
}

/// Every instance keeps rendered answers in memory (pages, posts, searches, feeds, counts), so
/// here each viewer reads through the second instance before every write made through the first
/// (so whatever can be kept there is kept), then reads again and must see the write.
#[tokio::test]
async fn every_write_through_one_instance_shows_in_the_next_read_through_another() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let (ada, ada_token) = signed_up_with_token(&first, "ada").await;
        let (grace, grace_token) = signed_up_with_token(&first, "grace").await;
        let (moderator, _) = first.signed_up_as("mod", "moderator").await;
        let readers =
            [second.client_with_cookie(&ada_token), second.client_with_cookie(&grace_token), second.client()];
        let viewers: Vec<&Client> = readers.iter().collect();
        let stranger = &readers[2];
        let id = post(&ada, "first title").await["id"].clone();
        let (vote, path) = (format!("/api/posts/{id}/vote"), format!("/api/posts/{id}"));
        let kept = || async {
            let found = text(stranger, "/api/search?q=title").await;
            let feed = text(stranger, "/feeds/new.atom").await;
            (found, feed)
        };
        assert_eq!(seen(&viewers, &id).await, expected("first title", 0, 0, false));
        assert!(kept().await.1.contains("first title"));

        assert_eq!(grace.put(&vote, &json!({})).await.status(), StatusCode::OK);
        assert_eq!(seen(&viewers, &id).await, expected("first title", 1, 0, true));

        let comment = json!({"post_id": id, "comment_text": "hi"});
        assert_eq!(ada.post("/api/comments", &comment).await.status(), StatusCode::CREATED);
        assert_eq!(seen(&viewers, &id).await, expected("first title", 1, 1, true));

        assert_eq!(ada.put(&path, &json!({"title": "second title"})).await.status(), StatusCode::OK);
        assert_eq!(seen(&viewers, &id).await, expected("second title", 1, 1, true));
        let (found, feed) = kept().await;
        assert!(found.contains("second title") && !found.contains("first title"), "{found}");
        assert!(feed.contains("second title") && !feed.contains("first title"));

        let remove = format!("/api/moderation/posts/{id}/remove");
        let resp = moderator.post(&remove, &json!({"reason": "spam"})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(seen(&viewers, &id).await, vec![(Value::Null, json!(404)); 3]);
        let (found, feed) = kept().await;
        assert!(!found.contains("second title") && !feed.contains("second title"), "a removal shows at once");

        let restore = format!("/api/moderation/posts/{id}/restore");
        assert_eq!(moderator.post(&restore, &json!({})).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(seen(&viewers, &id).await, expected("second title", 1, 1, true));

        assert_eq!(grace.delete(&vote).await.status(), StatusCode::OK);
        assert_eq!(seen(&viewers, &id).await, expected("second title", 0, 1, false));

        assert_eq!(ada.delete(&path).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(seen(&viewers, &id).await, vec![(Value::Null, json!(404)); 3]);
        assert!(!kept().await.1.contains("second title"));
    })
    .await;
}

/// The same while readers on the second instance read the same answers without a pause (so
/// they are kept and read again as writes land): after each write through the first instance
/// has answered, the next read through the second sees it. Last, a session ended through the
/// first instance while its cookie is in use on the second is over there from that moment.
#[tokio::test]
async fn readers_on_one_instance_never_miss_a_write_answered_by_another() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let (ada, ada_token) = signed_up_with_token(&first, "ada").await;
        let id = post(&ada, "round 0").await["id"].as_i64().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let mut readers = Vec::new();
        let paths = [
            "/api/posts?page=1",
            "/api/posts?page=1&sort=hot",
            &format!("/api/posts/{id}"),
            "/feeds/hot.atom",
        ];
        for (n, path) in paths.into_iter().enumerate() {
            let reader = if n % 2 == 0 { second.client() } else { second.client_with_cookie(&ada_token) };
            let (path, stop) = (path.to_owned(), stop.clone());
            readers.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    assert_eq!(reader.get(&path).await.status(), StatusCode::OK, "{path}");
                }
            }));
        }
        let ada_there = second.client_with_cookie(&ada_token);
        let stranger = second.client();
        let detail = |client: &Client| {
            let path = format!("/api/posts/{id}");
            let client = client.clone();
            async move { client.get(&path).await.json::<Value>().await.unwrap() }
        };
        for round in 1..=12 {
            let title = format!("round {round}");
            let resp = ada.put(&format!("/api/posts/{id}"), &json!({"title": title})).await;
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(page(&stranger, "?page=1").await["posts"][0]["title"], title, "round {round}");
            assert_eq!(page(&ada_there, "?page=1&sort=hot").await["posts"][0]["title"], title);
            assert_eq!(detail(&stranger).await["title"], title);
            assert!(text(&stranger, "/feeds/hot.atom").await.contains(&title));

            assert_eq!(ada.put(&format!("/api/posts/{id}/vote"), &json!({})).await.status(), StatusCode::OK);
            let mine = detail(&ada_there).await;
            assert_eq!(
                (mine["vote_count"].clone(), mine["voted"].clone()),
                (json!(1), json!(true)),
                "round {round}"
            );
            assert_eq!(page(&stranger, "?page=1").await["posts"][0]["vote_count"], 1);

            assert_eq!(ada.delete(&format!("/api/posts/{id}/vote")).await.status(), StatusCode::OK);
            let mine = detail(&ada_there).await;
            assert_eq!(
                (mine["vote_count"].clone(), mine["voted"].clone()),
                (json!(0), json!(false)),
                "round {round}"
            );
            assert_eq!(page(&ada_there, "?page=1").await["posts"][0]["voted"], false);
        }
        assert_eq!(ada.log_out().await.status(), StatusCode::NO_CONTENT);
        assert_eq!(ada_there.logged_in_as().await, None, "logged out on the second instance at once");
        assert_eq!(
            ada_there.put(&format!("/api/posts/{id}/vote"), &json!({})).await.status(),
            StatusCode::UNAUTHORIZED
        );
        stop.store(true, Ordering::Relaxed);
        for reader in readers {
            reader.await.unwrap();
        }
    })
    .await;
}
