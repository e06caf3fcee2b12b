//! Commenting on posts, and deleting your own comments.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{assert_error, each_backend},
    posts::post,
};

#[tokio::test]
async fn comments_show_on_the_post_oldest_first_with_their_authors() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, grace_id) = app.signed_up("grace").await;
        let id = post(&ada, "p").await["id"].clone();
        for (who, text) in [(&grace, "first"), (&ada, "second"), (&grace, "  third  ")] {
            let resp = who.post("/api/comments", &json!({"post_id": id, "comment_text": text})).await;
            assert_eq!(resp.status(), StatusCode::CREATED);
            app.clock.advance(std::time::Duration::from_secs(1));
        }
        let detail: Value = app.client().get(&format!("/api/posts/{id}")).await.json().await.unwrap();
        let comments = detail["comments"].as_array().unwrap();
        let texts: Vec<_> = comments.iter().map(|c| c["comment_text"].as_str().unwrap()).collect();
        assert_eq!(texts, ["first", "second", "third"]);
        assert_eq!(comments[0]["author"], json!({"id": grace_id, "username": "grace"}));
        assert_eq!(comments[0]["post_id"], id);
        assert_eq!(detail["comment_count"], 3);
    })
    .await;
}

#[tokio::test]
async fn a_new_comment_is_answered_in_full() {
    each_backend(|app| async move {
        let (ada, ada_id) = app.signed_up("ada").await;
        let id = post(&ada, "p").await["id"].clone();
        let resp = ada.post("/api/comments", &json!({"post_id": id, "comment_text": "hello"})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let created: Value = resp.json().await.unwrap();
        assert_eq!(created["comment_text"], "hello");
        assert_eq!(created["post_id"], id);
        assert_eq!(created["author"], json!({"id": ada_id, "username": "ada"}));
        let detail: Value = ada.get(&format!("/api/posts/{id}")).await.json().await.unwrap();
        assert_eq!(detail["comments"][0], created);
    })
    .await;
}

#[tokio::test]
async fn comment_rules_are_422s_and_a_missing_post_is_404() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let id = post(&ada, "p").await["id"].clone();
        for (body, field) in [
            (json!({"post_id": id, "comment_text": ""}), "comment_text"),
            (json!({"post_id": id, "comment_text": " \n "}), "comment_text"),
            (json!({"post_id": id, "comment_text": "x".repeat(2001)}), "comment_text"),
            (json!({"post_id": id}), "comment_text"),
            (json!({"post_id": "one", "comment_text": "hi"}), "post_id"),
            (json!({"post_id": 1e20, "comment_text": "hi"}), "post_id"),
            (json!({"comment_text": "hi"}), "post_id"),
        ] {
            let resp = ada.post("/api/comments", &body).await;
            let error = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(error["field"], field, "{body}");
        }
        let resp = ada.post("/api/comments", &json!({"post_id": 999999, "comment_text": "hi"})).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(app.count("comments").await, 0);
        let resp = ada.post("/api/comments", &json!({"post_id": id, "comment_text": "x".repeat(2000)})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    })
    .await;
}

#[tokio::test]
async fn only_the_author_can_delete_a_comment() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (mallory, _) = app.signed_up("mallory").await;
        let id = post(&ada, "p").await["id"].clone();
        let resp = ada.post("/api/comments", &json!({"post_id": id, "comment_text": "mine"})).await;
        let comment: Value = resp.json().await.unwrap();
        let path = format!("/api/comments/{}", comment["id"]);
        assert_error(mallory.delete(&path).await, StatusCode::FORBIDDEN, "not_author").await;
        assert_eq!(app.count("comments").await, 1);
        assert_error(app.client().delete(&path).await, StatusCode::UNAUTHORIZED, "login_required").await;
        assert_eq!(ada.delete(&path).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.count("comments").await, 0);
        assert_error(ada.delete(&path).await, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}
