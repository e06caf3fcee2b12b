//! People (DESIGN.md section 13): profiles with exact counts, a person's comments, and the names
//! no one may take.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{PASSWORD, assert_error, each_backend},
    posts::post,
    threads::comment,
};

#[tokio::test]
async fn a_profile_counts_karma_posts_and_comments_exactly() {
    each_backend(|app| async move {
        let (ada, ada_id) = app.signed_up("Ada_L").await;
        let (grace, _) = app.signed_up("grace").await;
        let (linus, _) = app.signed_up("linus").await;
        let a = post(&ada, "a").await["id"].clone();
        let b = post(&ada, "b").await["id"].clone();
        post(&grace, "g").await;
        for (voter, id) in [(&grace, &a), (&linus, &a), (&linus, &b), (&ada, &a)] {
            assert_eq!(
                voter.put(&format!("/api/posts/{id}/vote"), &json!({})).await.status(),
                StatusCode::OK
            );
        }
        let first = comment(&ada, &a, None, "one").await;
        comment(&grace, &a, Some(&first["id"]), "reply").await;
        let second = comment(&ada, &b, None, "two").await;
        assert_eq!(
            ada.delete(&format!("/api/comments/{}", first["id"])).await.status(),
            StatusCode::NO_CONTENT
        );

        for name in ["Ada_L", "ada_l", "ADA_L"] {
            let resp = app.client().get(&format!("/api/users/{name}")).await;
            assert_eq!(resp.status(), StatusCode::OK);
            let profile: Value = resp.json().await.unwrap();
            assert_eq!(profile["id"], ada_id);
            assert_eq!(profile["username"], "Ada_L");
            assert_eq!(profile["karma"], 4, "three votes on a, one on b (one's own counts as cast)");
            assert_eq!(profile["post_count"], 2);
            assert_eq!(profile["comment_count"], 1, "the deleted one is a placeholder now");
            assert_eq!(profile["role"], "user");
            assert!(profile["created_at"].is_string());
            assert_eq!((&profile["invited_by"], &profile["banned"]), (&Value::Null, &Value::Null));
            assert_eq!(profile.as_object().unwrap().len(), 9, "nothing private: {profile}");
        }

        // Votes taken back and an account gone move karma at once.
        linus.delete(&format!("/api/posts/{b}/vote")).await;
        let resp = grace.delete_json("/api/users/me", &json!({"password": PASSWORD})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let profile: Value = app.client().get("/api/users/ada_l").await.json().await.unwrap();
        assert_eq!(profile["karma"], 2);
        assert_eq!(profile["comment_count"], 1);
        assert_eq!(second["author"]["id"], ada_id);
    })
    .await;
}

#[tokio::test]
async fn a_persons_comments_come_newest_first_in_pages_with_their_posts() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let p = post(&grace, "Grace's post").await["id"].clone();
        for n in 0..5 {
            comment(&ada, &p, None, &format!("comment {n}")).await;
            app.clock.advance(std::time::Duration::from_secs(1));
        }
        comment(&grace, &p, None, "not ada's").await;
        let resp = app.client().get("/api/users/ADA/comments?per_page=2&page=2").await;
        assert_eq!(resp.status(), StatusCode::OK);
        let page: Value = resp.json().await.unwrap();
        assert_eq!(
            (page["page"].clone(), page["per_page"].clone(), page["total"].clone()),
            (json!(2), json!(2), json!(5))
        );
        let texts: Vec<_> =
            page["comments"].as_array().unwrap().iter().map(|c| c["comment_text"].clone()).collect();
        assert_eq!(texts, [json!("comment 2"), json!("comment 1")]);
        let first = &page["comments"][0];
        assert_eq!(first["post"], json!({"id": p, "title": "Grace's post"}));
        assert_eq!(first["post_id"], p);
        assert_eq!(first["author"]["username"], "ada");
        assert_eq!(first["comment_html"], "<p>comment 2</p>\n");

        for query in ["?page=0", "?per_page=101", "?page=x"] {
            let resp = app.client().get(&format!("/api/users/ada/comments{query}")).await;
            assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
    })
    .await;
}

#[tokio::test]
async fn an_unknown_name_is_404() {
    each_backend(|app| async move {
        for path in ["/api/users/nobody", "/api/users/nobody/comments", "/api/users/%E2%9C%93"] {
            assert_error(app.client().get(path).await, StatusCode::NOT_FOUND, "not_found").await;
        }
    })
    .await;
}

#[tokio::test]
async fn login_and_logout_cannot_be_taken_as_names() {
    each_backend(|app| async move {
        for name in ["login", "LogOut", "LOGIN"] {
            let resp = app.client().sign_up(name, &format!("{name}@example.com"), PASSWORD).await;
            let error = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(error["field"], "username");
        }
        assert_eq!(app.count("users").await, 0);
        let resp = app.client().sign_up("logins", "logins@example.com", PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    })
    .await;
}
