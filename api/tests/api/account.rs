//! Your account: profile, password change, sessions, deletion.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{PASSWORD, assert_error, each_backend, issued_token},
    posts::post,
};

const NEW_PASSWORD: &str = "a-brand-new-passphrase";

async fn change_password(client: &crate::harness::Client, current: &str, new: &str) -> reqwest::Response {
    client.put("/api/users/me/password", &json!({"current_password": current, "new_password": new})).await
}

#[tokio::test]
async fn the_profile_is_yours_and_needs_a_login() {
    each_backend(|app| async move {
        let (ada, id) = app.signed_up("Ada").await;
        let profile: Value = ada.get("/api/users/me").await.json().await.unwrap();
        assert_eq!(profile["id"], id);
        assert_eq!(profile["username"], "Ada");
        assert_eq!(profile["email"], "ada@example.com");
        assert!(profile["created_at"].is_string());
        assert!(profile.get("password_hash").is_none());
        assert_error(app.client().get("/api/users/me").await, StatusCode::UNAUTHORIZED, "login_required")
            .await;
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session_and_rotates_this_one() {
    each_backend(|app| async move {
        let (laptop, _) = app.signed_up("ada").await;
        let phone = app.client();
        let stolen = issued_token(&phone.log_in("ada@example.com", PASSWORD).await).unwrap();
        let before = issued_token(&laptop.log_in("ada@example.com", PASSWORD).await).unwrap();

        let resp = change_password(&laptop, PASSWORD, NEW_PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let after = issued_token(&resp).expect("a new token for this browser");
        assert_ne!(after, before);

        assert_eq!(laptop.logged_in_as().await.as_deref(), Some("ada"), "this browser stays logged in");
        assert_eq!(phone.logged_in_as().await, None, "every other session ended");
        assert_eq!(
            app.client_with_cookie(&stolen).logged_in_as().await,
            None,
            "a stolen cookie stops working"
        );
        assert_eq!(app.client_with_cookie(&before).logged_in_as().await, None, "the old token is dead");
        assert_eq!(app.count("sessions").await, 1);

        let resp = app.client().log_in("ada@example.com", PASSWORD).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(app.client().log_in("ada@example.com", NEW_PASSWORD).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn a_wrong_current_password_is_403_changes_nothing_and_counts_toward_the_throttle() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let resp = change_password(&ada, "not-my-password", NEW_PASSWORD).await;
        let body = assert_error(resp, StatusCode::FORBIDDEN, "wrong_password").await;
        assert_eq!(body["field"], "current_password");
        assert_eq!(app.client().log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);

        for _ in 0..10 {
            change_password(&ada, "not-my-password", NEW_PASSWORD).await;
        }
        let resp = change_password(&ada, PASSWORD, NEW_PASSWORD).await;
        assert!(resp.headers().contains_key("retry-after"));
        assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        let resp = app.client().log_in("ada@example.com", PASSWORD).await;
        assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    })
    .await;
}

#[tokio::test]
async fn the_new_password_follows_the_rules() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        for weak in ["short", "password123"] {
            let resp = change_password(&ada, PASSWORD, weak).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], "new_password");
        }
        let resp = ada.put("/api/users/me/password", &json!({"current_password": PASSWORD})).await;
        let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["field"], "new_password");
        assert_eq!(app.client().log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn the_sessions_list_shows_where_you_are_logged_in_without_tokens() {
    each_backend(|app| async move {
        let (laptop, _) = app.signed_up("ada").await;
        let firefox = reqwest::Client::builder()
            .cookie_store(true)
            .user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0")
            .build()
            .unwrap();
        let resp = firefox
            .post(app.url("/api/users/login"))
            .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let firefox_token = issued_token(&resp).unwrap();
        app.signed_up("grace").await;

        let resp = laptop.get("/api/users/me/sessions").await;
        assert_eq!(resp.status(), StatusCode::OK);
        let text = resp.text().await.unwrap();
        assert!(!text.contains(&firefox_token), "no token in the list");
        let list: Value = serde_json::from_str(&text).unwrap();
        let sessions = list["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 2, "only ada's sessions: {list}");
        assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
        assert!(sessions.iter().any(|s| s["device"] == "Firefox on Windows"), "{list}");
        for session in sessions {
            let keys: Vec<_> = session.as_object().unwrap().keys().cloned().collect();
            assert_eq!(keys, ["created_at", "current", "device", "id", "last_seen_at"]);
        }
    })
    .await;
}

#[tokio::test]
async fn ending_one_session_logs_that_browser_out() {
    each_backend(|app| async move {
        let (laptop, _) = app.signed_up("ada").await;
        let phone = app.client();
        phone.log_in("ada@example.com", PASSWORD).await;
        let list: Value = laptop.get("/api/users/me/sessions").await.json().await.unwrap();
        let other =
            list["sessions"].as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"]
                .clone();

        let resp = laptop.delete(&format!("/api/users/me/sessions/{other}")).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert!(resp.headers().get("set-cookie").is_none(), "this browser's cookie is untouched");
        assert_eq!(phone.logged_in_as().await, None);
        assert_eq!(laptop.logged_in_as().await.as_deref(), Some("ada"));
        let resp = laptop.delete(&format!("/api/users/me/sessions/{other}")).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}

#[tokio::test]
async fn another_users_session_cannot_be_ended_or_even_confirmed_to_exist() {
    each_backend(|app| async move {
        let (grace, _) = app.signed_up("grace").await;
        let (mallory, _) = app.signed_up("mallory").await;
        let list: Value = grace.get("/api/users/me/sessions").await.json().await.unwrap();
        let graces = list["sessions"][0]["id"].as_i64().unwrap();

        let theirs = mallory.delete(&format!("/api/users/me/sessions/{graces}")).await;
        let (theirs_status, theirs_body) = (theirs.status(), theirs.text().await.unwrap());
        let nobody = mallory.delete("/api/users/me/sessions/987654").await;
        assert_eq!(theirs_status, StatusCode::NOT_FOUND);
        assert_eq!(nobody.status(), theirs_status);
        assert_eq!(nobody.text().await.unwrap(), theirs_body, "indistinguishable from a missing id");
        assert_eq!(grace.logged_in_as().await.as_deref(), Some("grace"));
    })
    .await;
}

#[tokio::test]
async fn ending_your_current_session_is_a_logout() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let list: Value = ada.get("/api/users/me/sessions").await.json().await.unwrap();
        let current = list["sessions"][0]["id"].clone();
        let resp = ada.delete(&format!("/api/users/me/sessions/{current}")).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        assert_eq!(ada.logged_in_as().await, None);
    })
    .await;
}

#[tokio::test]
async fn log_out_everywhere_else_keeps_only_this_browser() {
    each_backend(|app| async move {
        let (laptop, _) = app.signed_up("ada").await;
        let others: Vec<_> = (0..3).map(|_| app.client()).collect();
        for other in &others {
            other.log_in("ada@example.com", PASSWORD).await;
            assert_eq!(other.logged_in_as().await.as_deref(), Some("ada"));
        }
        let (grace, _) = app.signed_up("grace").await;
        assert_eq!(laptop.delete("/api/users/me/sessions").await.status(), StatusCode::NO_CONTENT);
        for other in &others {
            assert_eq!(other.logged_in_as().await, None);
        }
        assert_eq!(laptop.logged_in_as().await.as_deref(), Some("ada"));
        assert_eq!(grace.logged_in_as().await.as_deref(), Some("grace"), "other users are untouched");
    })
    .await;
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_leaves_nothing_behind() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let phone = app.client();
        phone.log_in("ada@example.com", PASSWORD).await;
        assert_eq!(phone.logged_in_as().await.as_deref(), Some("ada"));
        let adas = post(&ada, "ada's post").await["id"].clone();
        let graces = post(&grace, "grace's post").await["id"].clone();
        for (who, id) in [(&ada, &graces), (&grace, &adas), (&ada, &adas)] {
            who.put(&format!("/api/posts/{id}/vote"), &json!({})).await;
            who.post("/api/comments", &json!({"post_id": id, "comment_text": "hi"})).await;
        }

        let resp = ada.delete_json("/api/users/me", &json!({"password": "wrong-password!"})).await;
        assert_error(resp, StatusCode::FORBIDDEN, "wrong_password").await;
        assert_eq!(app.count("users").await, 2);

        let resp = ada.delete_json("/api/users/me", &json!({"password": PASSWORD})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        assert_eq!(ada.logged_in_as().await, None);
        assert_eq!(phone.logged_in_as().await, None);
        assert_eq!(app.count("users").await, 1);
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM sessions WHERE user_id <> (SELECT id FROM users)").await,
            0
        );
        assert_eq!(app.count("sessions").await, 1, "only grace's session is left");
        assert_eq!(app.count("votes").await, 0, "ada's votes are gone, and so is ada's post with its votes");
        assert_eq!(app.count("posts").await, 1, "ada's posts are removed");
        assert_eq!(
            app.count("comments").await,
            0,
            "ada's comments, and all comments on ada's post, are removed"
        );
        assert_error(grace.get(&format!("/api/posts/{adas}")).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        let resp = app.client().log_in("ada@example.com", PASSWORD).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        let resp = app.client().sign_up("ada", "ada@example.com", PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "the name and email are free again");
    })
    .await;
}
