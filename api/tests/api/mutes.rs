//! Muted people (DESIGN.md section 21): their posts leave the muter's listings, search and
//! totals, their comments come marked `muted_author` for the muter alone, and they are not told.

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    harness::{assert_error, each_backend},
    posts::{listed, post, read as get},
};

const LISTINGS: [&str; 5] = [
    "/api/posts",
    "/api/posts?sort=hot",
    "/api/posts?sort=top&period=all",
    "/api/posts?sort=top&period=week",
    "/api/search?q=story",
];

#[tokio::test]
async fn a_muted_persons_posts_leave_the_muters_listings_and_their_comments_come_marked() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (zed, zed_id) = app.signed_up("zed").await;
        let ours = post(&ada, "Ada story").await["id"].as_i64().unwrap();
        let theirs = post(&zed, "Zed story").await["id"].as_i64().unwrap();
        let written =
            zed.post("/api/comments", &json!({"post_id": ours, "comment_text": "zed was here"})).await;
        assert_eq!(written.status(), StatusCode::CREATED);
        let by_zed = format!("/api/posts?user_id={zed_id}");

        for _ in 0..2 {
            assert_eq!(grace.put("/api/users/ZED/mute", &json!({})).await.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(app.count("muted_users").await, 1);
        for path in LISTINGS {
            assert_eq!(listed(&grace, path).await, (vec![ours], 1), "{path} as the muter");
            let (ids, total) = listed(&ada, path).await;
            assert!(ids.contains(&theirs) && total == 2, "{path} as someone else");
        }
        // Their own posts, asked for by name (their page), are still theirs.
        assert_eq!(listed(&grace, &by_zed).await, (vec![theirs], 1));
        assert_eq!(listed(&grace, "/api/posts?page=9").await, (vec![], 1));
        // Their own page still shows their post; their comment comes marked, for the muter alone.
        assert_eq!(get(&grace, &format!("/api/posts/{theirs}")).await["title"], "Zed story");
        let thread =
            |client| async move { get(client, &format!("/api/posts/{ours}")).await["comments"][0].clone() };
        let seen = thread(&grace).await;
        assert_eq!(
            (seen["comment_text"].clone(), seen["muted_author"].clone()),
            (json!("zed was here"), json!(true))
        );
        assert_eq!(thread(&ada).await["muted_author"], false);
        let anonymous = app.client();
        assert_eq!(thread(&anonymous).await["muted_author"], false);
        let muted = get(&grace, "/api/users/me/muted").await;
        assert_eq!(muted["users"].as_array().unwrap().len(), 1);
        assert_eq!(
            (muted["users"][0]["id"].as_i64(), muted["users"][0]["username"].clone()),
            (Some(zed_id), json!("zed"))
        );
        assert!(muted["users"][0]["muted_at"].is_string());
        assert_eq!(get(&ada, "/api/users/me/muted").await, json!({"users": []}));
        // They are not told: nothing about it in what they can read.
        assert!(!get(&zed, "/api/users/me").await.to_string().contains("grace"));

        for _ in 0..2 {
            assert_eq!(grace.delete("/api/users/zed/mute").await.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(app.count("muted_users").await, 0);
        for path in LISTINGS {
            let (ids, total) = listed(&grace, path).await;
            assert!(ids.contains(&theirs) && total == 2, "{path} after unmuting");
        }
        assert_eq!(thread(&grace).await["muted_author"], false);
    })
    .await;
}

#[tokio::test]
async fn a_post_both_hidden_and_by_someone_muted_is_left_out_of_the_total_once() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (zed, _) = app.signed_up("zed").await;
        let ours = post(&ada, "Ada story").await["id"].as_i64().unwrap();
        let hidden = post(&ada, "Another story").await["id"].as_i64().unwrap();
        let theirs = post(&zed, "Zed story").await["id"].as_i64().unwrap();
        for path in [format!("/api/posts/{theirs}/hide"), format!("/api/posts/{hidden}/hide")] {
            assert_eq!(grace.put(&path, &json!({})).await.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(grace.put("/api/users/zed/mute", &json!({})).await.status(), StatusCode::NO_CONTENT);
        for path in ["/api/posts", "/api/posts?sort=hot", "/api/posts?page=9", "/api/search?q=story"] {
            let (ids, total) = listed(&grace, path).await;
            assert_eq!(total, 1, "{path}");
            assert!(ids.is_empty() || ids == vec![ours], "{path}: {ids:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn muting_needs_a_login_someone_else_and_someone_there() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        app.signed_up("zed").await;
        let anonymous = app.client();
        assert_error(
            anonymous.put("/api/users/zed/mute", &json!({})).await,
            StatusCode::UNAUTHORIZED,
            "login_required",
        )
        .await;
        assert_error(
            anonymous.delete("/api/users/zed/mute").await,
            StatusCode::UNAUTHORIZED,
            "login_required",
        )
        .await;
        assert_error(anonymous.get("/api/users/me/muted").await, StatusCode::UNAUTHORIZED, "login_required")
            .await;
        for name in ["ada", "ADA"] {
            let body = assert_error(
                ada.put(&format!("/api/users/{name}/mute"), &json!({})).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(body["field"], "username");
        }
        assert_error(ada.put("/api/users/nobody/mute", &json!({})).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        assert_error(ada.delete("/api/users/nobody/mute").await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(app.count("muted_users").await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_deleted_account_leaves_the_muted_list() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (zed, _) = app.signed_up("zed").await;
        assert_eq!(ada.put("/api/users/zed/mute", &json!({})).await.status(), StatusCode::NO_CONTENT);
        let deleted = zed.delete_json("/api/users/me", &json!({"password": crate::harness::PASSWORD})).await;
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.count("muted_users").await, 0);
        assert_eq!(get(&ada, "/api/users/me/muted").await, json!({"users": []}));
    })
    .await;
}

#[tokio::test]
async fn twenty_parallel_mutes_and_unmutes_leave_what_was_asked() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        app.signed_up("zed").await;
        for method in ["PUT", "DELETE"] {
            let calls = (0..20).map(|_| {
                let ada = ada.clone();
                tokio::spawn(async move {
                    match method {
                        "PUT" => ada.put("/api/users/zed/mute", &json!({})).await.status(),
                        _ => ada.delete("/api/users/zed/mute").await.status(),
                    }
                })
            });
            for status in futures_util::future::join_all(calls).await {
                assert_eq!(status.unwrap(), StatusCode::NO_CONTENT, "{method}");
            }
            let rows = app.count("muted_users").await;
            assert_eq!(rows, i64::from(method == "PUT"), "{method}");
            let listed = get(&ada, "/api/users/me/muted").await["users"].as_array().unwrap().len();
            assert_eq!(listed, usize::from(method == "PUT"), "{method}");
        }
    })
    .await;
}
