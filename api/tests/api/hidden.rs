//! Hidden posts (DESIGN.md section 21): left out of the hider's listings and search, every sort
//! and every count, and of nobody else's; still on their own page; listed in `/users/me/hidden`.

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    harness::{assert_error, each_backend},
    posts::{LISTINGS, listed, post, read as get},
};

#[tokio::test]
async fn a_hidden_post_leaves_every_listing_search_and_total_of_the_hider_alone() {
    each_backend(|app| async move {
        let (ada, ada_id) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let alpha = post(&ada, "Alpha story").await["id"].as_i64().unwrap();
        let beta = post(&ada, "Beta story").await["id"].as_i64().unwrap();
        let by_ada = format!("/api/posts?user_id={ada_id}");
        let mut listings: Vec<String> = LISTINGS.iter().map(|p| (*p).to_owned()).collect();
        listings.push(by_ada.clone());
        for path in &listings {
            let (ids, total) = listed(&grace, path).await;
            assert!(ids.contains(&alpha) && ids.contains(&beta) && total == 2, "{path}: {ids:?} of {total}");
        }

        let hide = format!("/api/posts/{alpha}/hide");
        for _ in 0..2 {
            assert_eq!(grace.put(&hide, &json!({})).await.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(app.count("hidden_posts").await, 1);
        for path in &listings {
            assert_eq!(listed(&grace, path).await, (vec![beta], 1), "{path} as the hider");
            let (ids, total) = listed(&ada, path).await;
            assert!(ids.contains(&alpha) && total == 2, "{path} as the author");
            let (ids, total) = listed(&app.client(), path).await;
            assert!(ids.contains(&alpha) && total == 2, "{path} anonymously");
        }
        // A page past the last still counts what the hider is shown.
        assert_eq!(listed(&grace, "/api/posts?page=9").await, (vec![], 1));
        // Its own page still shows it.
        assert_eq!(get(&grace, &format!("/api/posts/{alpha}")).await["title"], "Alpha story");
        let hidden = get(&grace, "/api/users/me/hidden").await;
        assert_eq!((hidden["posts"][0]["id"].as_i64(), hidden["total"].clone()), (Some(alpha), json!(1)));
        assert_eq!(get(&ada, "/api/users/me/hidden").await["total"], 0);

        for _ in 0..2 {
            assert_eq!(grace.delete(&hide).await.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(app.count("hidden_posts").await, 0);
        for path in &listings {
            let (ids, total) = listed(&grace, path).await;
            assert!(ids.contains(&alpha) && total == 2, "{path} after unhiding: {ids:?} of {total}");
        }
        assert_eq!(get(&grace, "/api/users/me/hidden").await["total"], 0);
    })
    .await;
}

#[tokio::test]
async fn a_hidden_post_a_moderator_removed_is_not_taken_off_the_total_twice() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let alpha = post(&ada, "Alpha story").await["id"].as_i64().unwrap();
        let beta = post(&ada, "Beta story").await["id"].as_i64().unwrap();
        let gamma = post(&ada, "Gamma story").await["id"].as_i64().unwrap();
        assert_eq!(
            grace.put(&format!("/api/posts/{alpha}/hide"), &json!({})).await.status(),
            StatusCode::NO_CONTENT
        );
        let removal = moderator
            .post(&format!("/api/moderation/posts/{alpha}/remove"), &json!({"reason": "spam"}))
            .await;
        assert_eq!(removal.status(), StatusCode::NO_CONTENT);
        assert_eq!(listed(&grace, "/api/posts").await, (vec![gamma, beta], 2));
        assert_eq!(listed(&grace, "/api/posts?page=9").await, (vec![], 2));
        assert_eq!(listed(&app.client(), "/api/posts").await, (vec![gamma, beta], 2));
        assert_eq!(get(&grace, "/api/users/me/hidden").await["total"], 0);
        assert_error(
            grace.delete(&format!("/api/posts/{alpha}/hide")).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn hiding_needs_a_login_and_a_shown_post() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let id = post(&ada, "p").await["id"].clone();
        let path = format!("/api/posts/{id}/hide");
        let anonymous = app.client();
        assert_error(anonymous.put(&path, &json!({})).await, StatusCode::UNAUTHORIZED, "login_required")
            .await;
        assert_error(anonymous.delete(&path).await, StatusCode::UNAUTHORIZED, "login_required").await;
        assert_error(anonymous.get("/api/users/me/hidden").await, StatusCode::UNAUTHORIZED, "login_required")
            .await;
        for path in ["/api/posts/999999/hide", "/api/posts/not-a-number/hide"] {
            assert_error(ada.put(path, &json!({})).await, StatusCode::NOT_FOUND, "not_found").await;
            assert_error(ada.delete(path).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        for query in ["?per_page=0", "?per_page=101", "?page=0", "?page=x"] {
            let resp = ada.get(&format!("/api/users/me/hidden{query}")).await;
            assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
        assert_eq!(app.count("hidden_posts").await, 0);
    })
    .await;
}
