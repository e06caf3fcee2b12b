//! Signing up, logging in and out, and the rules on usernames, emails and passwords.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{PASSWORD, assert_error, each_backend, each_backend_with, issued_token};

#[tokio::test]
async fn signing_up_creates_the_account_and_logs_the_browser_in() {
    each_backend(|app| async move {
        let browser = app.client();
        assert_eq!(browser.logged_in_as().await, None);
        let resp = browser.sign_up("ada", "ada@example.com", PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert!(issued_token(&resp).is_some());
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["username"], "ada");
        assert!(body["id"].as_i64().is_some());
        assert_eq!(browser.logged_in_as().await.as_deref(), Some("ada"));
        assert_eq!(app.count("users").await, 1);
        assert_eq!(app.count("sessions").await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_username_taken_in_another_case_is_a_conflict_and_writes_nothing() {
    each_backend(|app| async move {
        app.signed_up("Ada").await;
        let resp = app.client().sign_up("aDA", "other@example.com", PASSWORD).await;
        let body = assert_error(resp, StatusCode::CONFLICT, "username_taken").await;
        assert_eq!(body["field"], "username");
        assert_eq!(app.count("users").await, 1);
        assert_eq!(app.count("sessions").await, 1);
    })
    .await;
}

#[tokio::test]
async fn an_email_taken_in_another_case_is_a_conflict_and_writes_nothing() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        let browser = app.client();
        let resp = browser.sign_up("grace", "ADA@Example.com", PASSWORD).await;
        let body = assert_error(resp, StatusCode::CONFLICT, "email_taken").await;
        assert_eq!(body["field"], "email");
        assert_eq!(browser.logged_in_as().await, None);
        assert_eq!(app.count("users").await, 1);
        assert_eq!(app.count("sessions").await, 1);
    })
    .await;
}

#[tokio::test]
async fn every_sign_up_rule_is_a_422_naming_its_field() {
    each_backend(|app| async move {
        let cases: &[(&str, &str, &str, &str)] = &[
            ("ab", "a@example.com", PASSWORD, "username"),
            (&"x".repeat(31), "a@example.com", PASSWORD, "username"),
            ("has space", "a@example.com", PASSWORD, "username"),
            ("<script>", "a@example.com", PASSWORD, "username"),
            ("valid", "not-an-email", PASSWORD, "email"),
            ("valid", "two@@example.com", PASSWORD, "email"),
            ("valid", "sp ace@example.com", PASSWORD, "email"),
            ("valid", "a@example.com", "short", "password"),
            ("valid", "a@example.com", &"p".repeat(129), "password"),
            ("valid", "a@example.com", "password123", "password"),
            ("valid", "a@example.com", "iloveyou", "password"),
        ];
        let browser = app.client();
        for (username, email, password, field) in cases {
            let resp = browser.sign_up(username, email, password).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], *field, "{username} / {email} / {password}: {body}");
        }
        assert_eq!(app.count("users").await, 0);
        assert_eq!(app.count("sessions").await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_password_of_128_characters_in_any_script_is_accepted() {
    each_backend(|app| async move {
        let password = "пароль-".repeat(18) + "ab";
        assert_eq!(password.chars().count(), 128);
        let resp = app.client().sign_up("ivan", "ivan@example.com", &password).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert_eq!(app.client().log_in("ivan@example.com", &password).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn logging_in_works_with_the_email_in_any_case() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        let browser = app.client();
        let resp = browser.log_in("ADA@EXAMPLE.com", PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["username"], "ada");
        assert_eq!(browser.logged_in_as().await.as_deref(), Some("ada"));
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        let wrong = app.client().log_in("ada@example.com", "not-the-password").await;
        let unknown = app.client().log_in("nobody@example.com", "not-the-password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.status(), unknown.status());
        let headers = |resp: &reqwest::Response| {
            let mut h: Vec<_> = resp
                .headers()
                .iter()
                // Every answer has its own date and request id.
                .filter(|(name, _)| *name != "date" && *name != "x-request-id")
                .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
                .collect();
            h.sort();
            h
        };
        assert_eq!(headers(&wrong), headers(&unknown));
        assert!(issued_token(&wrong).is_none());
        let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
        assert_eq!(wrong, unknown);
        assert!(wrong.contains("invalid_credentials"));
    })
    .await;
}

#[tokio::test]
async fn a_long_password_does_not_match_its_first_72_bytes() {
    each_backend(|app| async move {
        let password = "k7#q".repeat(25);
        let resp = app.client().sign_up("ada", "ada@example.com", &password).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let prefix = app.client().log_in("ada@example.com", &password[..72]).await;
        assert_error(prefix, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(app.client().log_in("ada@example.com", &password).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn passwords_are_stored_only_as_bcrypt_hashes() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        use sea_orm::{ConnectionTrait, Statement};
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT password_hash FROM users",
            ))
            .await
            .unwrap()
            .unwrap();
        let hash: String = row.try_get_by_index(0).unwrap();
        assert!(hash.starts_with("$2"), "a bcrypt hash");
        assert!(!hash.contains(PASSWORD));
    })
    .await;
}

#[tokio::test]
async fn ten_failed_logins_lock_the_account_for_the_window_even_with_the_right_password() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        let attacker = app.client();
        for _ in 0..10 {
            let resp = attacker.log_in("ada@example.com", "guess-guess-guess").await;
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        let resp = app.client().log_in("ada@example.com", PASSWORD).await;
        let retry_after: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry_after), "Retry-After {retry_after}");
        assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;

        app.clock.advance(std::time::Duration::from_secs(15 * 60 + 1));
        assert_eq!(app.client().log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn unknown_emails_are_throttled_the_same_way() {
    each_backend(|app| async move {
        for _ in 0..10 {
            app.client().log_in("nobody@example.com", "guess-guess-guess").await;
        }
        let resp = app.client().log_in("nobody@example.com", "guess-guess-guess").await;
        assert!(resp.headers().contains_key("retry-after"));
        assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    })
    .await;
}

#[tokio::test]
async fn failures_from_one_address_are_throttled_across_accounts() {
    each_backend_with(
        |config| config.login_max_failures_per_address = 3,
        |app| async move {
            app.signed_up("ada").await;
            for who in ["a", "b", "c"] {
                app.client().log_in(&format!("{who}@example.com"), "guess-guess-guess").await;
            }
            let resp = app.client().log_in("ada@example.com", PASSWORD).await;
            assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        },
    )
    .await;
}

#[tokio::test]
async fn a_successful_login_clears_the_account_failures() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        for _ in 0..9 {
            app.client().log_in("ada@example.com", "guess-guess-guess").await;
        }
        assert_eq!(app.client().log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        for _ in 0..9 {
            app.client().log_in("ada@example.com", "guess-guess-guess").await;
        }
        assert_eq!(app.client().log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn the_throttle_holds_across_a_restart() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        for _ in 0..10 {
            app.client().log_in("ada@example.com", "guess-guess-guess").await;
        }
        let app = app.restart().await;
        let resp = app.client().log_in("ada@example.com", PASSWORD).await;
        assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    })
    .await;
}

#[tokio::test]
async fn login_checks_its_fields() {
    each_backend(|app| async move {
        let browser = app.client();
        let resp = browser.post("/api/users/login", &json!({"email": "ada@example.com"})).await;
        let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["field"], "password");
        let resp = browser.post("/api/users/login", &json!({"email": 7, "password": "x"})).await;
        let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["field"], "email");
    })
    .await;
}
