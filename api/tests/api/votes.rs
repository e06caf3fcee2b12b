//! Upvotes: one per user and post, idempotent both ways, safe under concurrency.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{assert_error, each_backend},
    posts::post,
};

#[tokio::test]
async fn voting_is_idempotent_and_answers_the_new_count() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let id = post(&ada, "p").await["id"].clone();
        let path = format!("/api/posts/{id}/vote");
        for _ in 0..2 {
            let resp = ada.put(&path, &json!({})).await;
            assert_eq!(resp.status(), StatusCode::OK);
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body, json!({"post_id": id, "vote_count": 1, "voted": true}));
        }
        for _ in 0..2 {
            let resp = ada.delete(&path).await;
            assert_eq!(resp.status(), StatusCode::OK);
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body, json!({"post_id": id, "vote_count": 0, "voted": false}));
        }
        assert_eq!(app.count("votes").await, 0);
    })
    .await;
}

#[tokio::test]
async fn voting_on_a_missing_post_is_a_404() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        assert_error(ada.put("/api/posts/999/vote", &json!({})).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        assert_error(ada.delete("/api/posts/999/vote").await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(app.count("votes").await, 0);
    })
    .await;
}

#[tokio::test]
async fn fifty_parallel_votes_by_one_user_leave_one_vote_and_no_5xx() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let id = post(&ada, "p").await["id"].clone();
        let path = format!("/api/posts/{id}/vote");
        let votes = (0..50).map(|_| {
            let (ada, path) = (ada.clone(), path.clone());
            tokio::spawn(async move { ada.put(&path, &json!({})).await.status() })
        });
        for status in futures_util::future::join_all(votes).await {
            assert_eq!(status.unwrap(), StatusCode::OK);
        }
        assert_eq!(app.count("votes").await, 1);
    })
    .await;
}

#[tokio::test]
async fn twenty_users_voting_at_once_leave_twenty_votes() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let id = post(&ada, "p").await["id"].clone();
        let mut voters = Vec::new();
        for n in 0..20 {
            voters.push(app.signed_up(&format!("voter{n}")).await.0);
        }
        let path = format!("/api/posts/{id}/vote");
        let votes = voters.into_iter().map(|voter| {
            let path = path.clone();
            tokio::spawn(async move { voter.put(&path, &json!({})).await.status() })
        });
        for status in futures_util::future::join_all(votes).await {
            assert_eq!(status.unwrap(), StatusCode::OK);
        }
        assert_eq!(app.count("votes").await, 20);
        let detail: Value = ada.get(&format!("/api/posts/{id}")).await.json().await.unwrap();
        assert_eq!(detail["vote_count"], 20);
    })
    .await;
}
