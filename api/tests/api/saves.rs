//! Saved posts (DESIGN.md section 21): idempotent both ways, listed most recently saved first,
//! `saved` shown to the saver only, and gone with the post.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Client, assert_error, each_backend},
    posts::{page, post},
};

async fn saved(client: &Client, query: &str) -> Value {
    let resp = client.get(&format!("/api/users/me/saved{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK, "{query}");
    resp.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    page["posts"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
}

/// `saved` of post `id` on page 1 of the newest posts, as `client` sees it.
async fn saved_flag(client: &Client, id: &Value) -> Value {
    let listing = page(client, "").await;
    listing["posts"].as_array().unwrap().iter().find(|p| p["id"] == *id).expect("listed")["saved"].clone()
}

#[tokio::test]
async fn saving_is_idempotent_and_shown_to_the_saver_alone() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let id = post(&ada, "Worth keeping").await["id"].clone();
        let path = format!("/api/posts/{id}/save");
        assert_eq!(saved_flag(&grace, &id).await, false);
        for _ in 0..2 {
            assert_eq!(grace.put(&path, &json!({})).await.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(app.count("saved_posts").await, 1);
        assert_eq!(saved_flag(&grace, &id).await, true);
        assert_eq!(
            grace.get(&format!("/api/posts/{id}")).await.json::<Value>().await.unwrap()["saved"],
            true
        );
        assert_eq!(saved_flag(&ada, &id).await, false);
        assert_eq!(saved_flag(&app.client(), &id).await, false);
        assert_eq!(ada.get(&format!("/api/posts/{id}")).await.json::<Value>().await.unwrap()["saved"], false);
        let list = saved(&grace, "").await;
        assert_eq!(ids(&list), vec![id.as_i64().unwrap()]);
        assert_eq!((list["total"].clone(), list["posts"][0]["saved"].clone()), (json!(1), json!(true)));
        assert_eq!(saved(&ada, "").await["total"], 0);

        for _ in 0..2 {
            assert_eq!(grace.delete(&path).await.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(app.count("saved_posts").await, 0);
        assert_eq!(saved_flag(&grace, &id).await, false);
        assert_eq!(saved(&grace, "").await, json!({"posts": [], "page": 1, "per_page": 20, "total": 0}));
    })
    .await;
}

#[tokio::test]
async fn saved_posts_are_listed_most_recently_saved_first_and_paged() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let mut posts = Vec::new();
        for title in ["one", "two", "three"] {
            posts.push(post(&ada, title).await["id"].as_i64().unwrap());
        }
        for i in [1, 0, 2] {
            let resp = ada.put(&format!("/api/posts/{}/save", posts[i]), &json!({})).await;
            assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(ids(&saved(&ada, "").await), vec![posts[2], posts[0], posts[1]]);
        let second = saved(&ada, "?per_page=2&page=2").await;
        assert_eq!(ids(&second), vec![posts[1]]);
        assert_eq!(
            (second["page"].clone(), second["per_page"].clone(), second["total"].clone()),
            (json!(2), json!(2), json!(3))
        );
        // Saving again keeps its place: it was saved once.
        ada.put(&format!("/api/posts/{}/save", posts[1]), &json!({})).await;
        assert_eq!(ids(&saved(&ada, "").await), vec![posts[2], posts[0], posts[1]]);
    })
    .await;
}

#[tokio::test]
async fn a_post_deleted_or_removed_leaves_the_saved_list_and_cannot_be_saved() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let deleted = post(&ada, "deleted").await["id"].clone();
        let removed = post(&ada, "removed").await["id"].clone();
        for id in [&deleted, &removed] {
            assert_eq!(
                ada.put(&format!("/api/posts/{id}/save"), &json!({})).await.status(),
                StatusCode::NO_CONTENT
            );
        }
        assert_eq!(ada.delete(&format!("/api/posts/{deleted}")).await.status(), StatusCode::NO_CONTENT);
        let remove = moderator
            .post(&format!("/api/moderation/posts/{removed}/remove"), &json!({"reason": "spam"}))
            .await;
        assert_eq!(remove.status(), StatusCode::NO_CONTENT);
        assert_eq!(saved(&ada, "").await["total"], 0);
        // The deleted post's row went with it; the removed one's stays for a restore.
        assert_eq!(app.count("saved_posts").await, 1);
        for id in [&deleted, &removed] {
            let path = format!("/api/posts/{id}/save");
            assert_error(ada.put(&path, &json!({})).await, StatusCode::NOT_FOUND, "not_found").await;
            assert_error(ada.delete(&path).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        assert_error(ada.put("/api/posts/999999/save", &json!({})).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        let restore = moderator.post(&format!("/api/moderation/posts/{removed}/restore"), &json!({})).await;
        assert_eq!(restore.status(), StatusCode::NO_CONTENT);
        assert_eq!(ids(&saved(&ada, "").await), vec![removed.as_i64().unwrap()]);
        assert_eq!(app.count("saved_posts").await, 1);
    })
    .await;
}

#[tokio::test]
async fn saving_needs_a_login_and_bad_paging_is_a_422() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let id = post(&ada, "p").await["id"].clone();
        let anonymous = app.client();
        let path = format!("/api/posts/{id}/save");
        assert_error(anonymous.put(&path, &json!({})).await, StatusCode::UNAUTHORIZED, "login_required")
            .await;
        assert_error(anonymous.delete(&path).await, StatusCode::UNAUTHORIZED, "login_required").await;
        assert_error(anonymous.get("/api/users/me/saved").await, StatusCode::UNAUTHORIZED, "login_required")
            .await;
        for query in ["?per_page=0", "?per_page=101", "?page=0", "?page=x"] {
            let resp = ada.get(&format!("/api/users/me/saved{query}")).await;
            assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
        assert_eq!(app.count("saved_posts").await, 0);
    })
    .await;
}

#[tokio::test]
async fn twenty_parallel_saves_and_unsaves_leave_what_the_last_asked() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let id = post(&ada, "p").await["id"].clone();
        let path = format!("/api/posts/{id}/save");
        let saves = (0..20).map(|_| {
            let (ada, path) = (ada.clone(), path.clone());
            tokio::spawn(async move { ada.put(&path, &json!({})).await.status() })
        });
        for status in futures_util::future::join_all(saves).await {
            assert_eq!(status.unwrap(), StatusCode::NO_CONTENT);
        }
        assert_eq!(app.count("saved_posts").await, 1);
        assert_eq!(saved(&ada, "").await["total"], 1);
        let unsaves = (0..20).map(|_| {
            let (ada, path) = (ada.clone(), path.clone());
            tokio::spawn(async move { ada.delete(&path).await.status() })
        });
        for status in futures_util::future::join_all(unsaves).await {
            assert_eq!(status.unwrap(), StatusCode::NO_CONTENT);
        }
        assert_eq!(app.count("saved_posts").await, 0);
        assert_eq!(saved(&ada, "").await["total"], 0);
    })
    .await;
}
