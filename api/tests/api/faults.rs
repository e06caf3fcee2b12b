//! When the database misbehaves: outages answer 503 and never log anyone out, and concurrent
//! writers never see "database is locked".

use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

use crate::{
    harness::{Backend, PASSWORD, assert_error, cut_connections, each_backend, issued_token},
    posts::post,
};

/// Turns connections to the test database off (and cuts the open ones), or back on.
async fn set_reachable(admin_url: &str, name: &str, reachable: bool) {
    let admin = Database::connect(admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {reachable}"))
        .await
        .unwrap();
    if !reachable {
        admin
            .execute_unprepared(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ))
            .await
            .unwrap();
    }
    admin.close().await.unwrap();
}

#[tokio::test]
async fn a_database_outage_is_503_with_retry_after_and_the_same_cookie_works_after_it() {
    each_backend(|app| async move {
        let Some((admin_url, name)) = app.test_database().admin.clone() else {
            return;
        };
        if app.test_database().backend != Backend::Postgres {
            return; // Cutting access to one database is a PostgreSQL switch; SQLite has no server.
        }
        let resp = app.client().sign_up("ada", "ada@example.com", PASSWORD).await;
        let token = issued_token(&resp).unwrap();
        let browser = app.client_with_cookie(&token);
        let id = post(&browser, "before the outage").await["id"].clone();

        set_reachable(&admin_url, &name, false).await;
        for path in ["/api/session", "/api/posts", &format!("/api/posts/{id}"), "/api/health"] {
            let resp = browser.get(path).await;
            assert!(resp.headers().contains_key("retry-after"), "{path}");
            assert!(resp.headers().get("set-cookie").is_none(), "{path}: the cookie is left alone");
            assert_error(resp, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
        }
        let resp = browser.put(&format!("/api/posts/{id}/vote"), &json!({})).await;
        assert_error(resp, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;

        set_reachable(&admin_url, &name, true).await;
        // Each connection the database cut fails its next statement once (a 503) and is replaced:
        // the session's and the vote's go through different connections, so wait for both.
        let vote = format!("/api/posts/{id}/vote");
        let mut back = None;
        for _ in 0..50 {
            let session = browser.get("/api/session").await;
            let voted = browser.put(&vote, &json!({})).await.status();
            if session.status() == StatusCode::OK && voted != StatusCode::SERVICE_UNAVAILABLE {
                back = Some((session.json::<serde_json::Value>().await.unwrap(), voted));
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (session, voted) = back.expect("the service recovers once the database is back");
        assert_eq!(session["user"]["username"], "ada", "the same cookie works again");
        assert_eq!(voted, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn many_concurrent_writers_never_see_the_database_locked() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let target = post(&ada, "popular").await["id"].clone();
        let mut writers = Vec::new();
        for n in 0..16 {
            writers.push(app.signed_up(&format!("writer{n}")).await.0);
        }
        let work = writers.into_iter().enumerate().map(|(n, writer)| {
            let target = target.clone();
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for round in 0..5 {
                    let own = writer
                        .post(
                            "/api/posts",
                            &json!({"title": format!("{n}/{round}"), "post_url": format!("https://example.com/{n}/{round}")}),
                        )
                        .await;
                    statuses.push(own.status());
                    let comment = json!({"post_id": target, "comment_text": format!("{n} says {round}")});
                    statuses.push(writer.post("/api/comments", &comment).await.status());
                    statuses
                        .push(writer.put(&format!("/api/posts/{target}/vote"), &json!({})).await.status());
                    statuses.push(writer.delete(&format!("/api/posts/{target}/vote")).await.status());
                }
                statuses
            })
        });
        for statuses in futures_util::future::join_all(work).await {
            for status in statuses.unwrap() {
                assert!(status.is_success(), "a writer got {status}");
            }
        }
        assert_eq!(app.count("posts").await, 1 + 16 * 5);
        assert_eq!(app.count("comments").await, 16 * 5);
        assert_eq!(app.count("votes").await, 0);
    })
    .await;
}

/// A database server that cuts every connection (a restart, a failover, a proxy dropping idle
/// connections) costs no request once it answers again: the pooled connections and the server's
/// own connections found broken are replaced, so the very next read and the very next writes
/// succeed — and no write is run twice.
#[tokio::test]
async fn the_first_read_and_writes_after_every_connection_was_cut_succeed() {
    each_backend(|app| async move {
        let Some((admin_url, name)) = app.test_database().admin.clone() else {
            return; // An embedded file has no server to cut its connections.
        };
        let backend = app.test_database().backend;
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let id = post(&ada, "before the cut").await["id"].clone();
        // Writes and reads at once, so the pool and the readers each hold several connections.
        let busy = (0..8).map(|n| {
            let (ada, grace) = (ada.clone(), grace.clone());
            async move {
                let body = json!({"title": format!("busy {n}"), "post_url": format!("https://example.com/busy/{n}")});
                assert_eq!(ada.post("/api/posts", &body).await.status(), StatusCode::CREATED);
                assert_eq!(grace.get("/api/posts?per_page=3").await.status(), StatusCode::OK);
            }
        });
        futures_util::future::join_all(busy).await;

        let admin = Database::connect(&admin_url).await.unwrap();
        cut_connections(&admin, backend, &name).await;
        admin.close().await.unwrap();

        let resp = grace.get(&format!("/api/posts/{id}")).await;
        assert_eq!(resp.status(), StatusCode::OK, "the first read after the cut");
        let resp = grace.put(&format!("/api/posts/{id}/vote"), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::OK, "the first write after the cut");
        let body = json!({"title": "after the cut", "post_url": "https://example.com/after"});
        let resp = ada.post("/api/posts", &body).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "the second write after the cut");
        for n in 0..8 {
            let body = json!({"title": format!("again {n}"), "post_url": format!("https://example.com/again/{n}")});
            assert_eq!(ada.post("/api/posts", &body).await.status(), StatusCode::CREATED, "write {n} after the cut");
        }
        // Each write happened once.
        assert_eq!(app.count("votes").await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM posts WHERE title = 'after the cut'").await, 1);
        assert_eq!(app.count("posts").await, 1 + 8 + 1 + 8);
    })
    .await;
}
