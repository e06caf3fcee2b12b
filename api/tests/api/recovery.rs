//! Password reset by e-mail (DESIGN.md section 16): the same answer for every address, a mailed
//! single-use link that lives an hour, the newest replacing the older, and every session ended.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{PASSWORD, TestApp, assert_error, each_backend, each_backend_with};

const NEW_PASSWORD: &str = "a-brand-new-secret-42";

async fn ask_reset(app: &TestApp, email: &str) -> reqwest::Response {
    app.client().post("/api/password-resets", &json!({ "email": email })).await
}

async fn confirm(app: &TestApp, token: &str, new_password: &str) -> reqwest::Response {
    app.client()
        .post("/api/password-resets/confirm", &json!({ "token": token, "new_password": new_password }))
        .await
}

/// Signs `ada` up, asks for a reset and answers the mailed token.
async fn mailed_token(app: &TestApp) -> String {
    app.signed_up("ada").await;
    assert_eq!(ask_reset(app, "ada@example.com").await.status(), StatusCode::ACCEPTED);
    app.mails(1).await[0].reset_token()
}

async fn password_works(app: &TestApp, password: &str) -> bool {
    app.client().log_in("ada@example.com", password).await.status() == StatusCode::OK
}

#[tokio::test]
async fn known_and_unknown_addresses_get_the_same_answer_and_only_the_account_gets_mail() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        let known = ask_reset(&app, "ADA@example.com").await;
        let unknown = ask_reset(&app, "nobody@example.com").await;
        let shape = |resp: &reqwest::Response| {
            let mut headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                // Every answer has its own date and request id.
                .filter(|(name, _)| *name != "date" && *name != "x-request-id")
                .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
                .collect();
            headers.sort();
            (resp.status(), headers)
        };
        assert_eq!(shape(&known), shape(&unknown));
        assert_eq!(known.status(), StatusCode::ACCEPTED);
        let (known, unknown) = (known.bytes().await.unwrap(), unknown.bytes().await.unwrap());
        assert_eq!(known, unknown);
        assert!(known.is_empty());

        let mails = app.mails(1).await;
        assert_eq!(mails[0].to, "ada@example.com");
        assert!(mails[0].subject.contains("Reset"), "{:?}", mails[0].subject);
        let token = mails[0].reset_token();
        assert_eq!(token.len(), 43, "32 bytes, base64url");
        assert!(mails[0].body.contains(&format!("http://127.0.0.1:3000/reset#token={token}")));
        assert_eq!(app.count("password_resets").await, 1);
        let plain = format!("SELECT COUNT(*) FROM password_resets WHERE token_hash = '{token}'");
        assert_eq!(app.scalar(&plain).await, 0, "only the token's hash is stored");
    })
    .await;
}

#[tokio::test]
async fn the_mailed_link_sets_a_new_password_once_and_ends_every_session() {
    each_backend(|app| async move {
        let token = mailed_token(&app).await;
        let laptop = app.client();
        assert_eq!(laptop.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(laptop.logged_in_as().await.as_deref(), Some("ada"));

        let resp = confirm(&app, &token, NEW_PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert!(resp.headers().get("set-cookie").is_none(), "a reset does not log in");
        assert_eq!(laptop.logged_in_as().await, None, "every session ended");
        assert_eq!(app.count("sessions").await, 0);
        assert!(!password_works(&app, PASSWORD).await);
        assert!(password_works(&app, NEW_PASSWORD).await);

        let again = confirm(&app, &token, "yet-another-secret-77").await;
        assert_error(again, StatusCode::BAD_REQUEST, "invalid_token").await;
        assert!(password_works(&app, NEW_PASSWORD).await, "the used token changed nothing");
    })
    .await;
}

#[tokio::test]
async fn a_token_that_is_not_live_is_400_whatever_its_form_and_changes_nothing() {
    each_backend(|app| async move {
        let token = mailed_token(&app).await;
        let mut flipped = token.clone().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let made_up = String::from_utf8(flipped).unwrap();
        for bad in [
            made_up.as_str(),
            "",
            "short",
            &format!("{token}A"),
            &token[..42],
            "' OR 1=1 --",
            &"x".repeat(5000),
        ] {
            let resp = confirm(&app, bad, NEW_PASSWORD).await;
            let body = assert_error(resp, StatusCode::BAD_REQUEST, "invalid_token").await;
            assert_eq!(body["field"], "token");
        }
        // An hour later the real one has expired too.
        app.clock.advance(Duration::from_secs(3601));
        assert_error(confirm(&app, &token, NEW_PASSWORD).await, StatusCode::BAD_REQUEST, "invalid_token")
            .await;
        assert!(password_works(&app, PASSWORD).await);
    })
    .await;
}

#[tokio::test]
async fn a_newer_request_replaces_the_older_link() {
    each_backend(|app| async move {
        let older = mailed_token(&app).await;
        assert_eq!(ask_reset(&app, "ada@example.com").await.status(), StatusCode::ACCEPTED);
        let newer = app.mails(2).await[1].reset_token();
        assert_ne!(older, newer);
        assert_error(confirm(&app, &older, NEW_PASSWORD).await, StatusCode::BAD_REQUEST, "invalid_token")
            .await;
        assert_eq!(confirm(&app, &newer, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
    })
    .await;
}

#[tokio::test]
async fn a_new_password_that_breaks_the_rules_is_422_and_the_token_stays_live() {
    each_backend(|app| async move {
        let token = mailed_token(&app).await;
        for weak in ["short", "password123", &"p".repeat(129)] {
            let body = assert_error(
                confirm(&app, &token, weak).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(body["field"], "new_password");
        }
        let missing = app.client().post("/api/password-resets/confirm", &json!({ "token": token })).await;
        assert_eq!(
            assert_error(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await["field"],
            "new_password"
        );
        assert!(password_works(&app, PASSWORD).await);
        assert_eq!(confirm(&app, &token, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
    })
    .await;
}

#[tokio::test]
async fn a_malformed_address_is_422_and_mails_nothing() {
    each_backend(|app| async move {
        for bad in [json!({ "email": "not-an-address" }), json!({ "email": 7 }), json!({})] {
            let resp = app.client().post("/api/password-resets", &bad).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], "email");
        }
        app.mails(0).await;
    })
    .await;
}

#[tokio::test]
async fn an_address_gets_at_most_three_mails_an_hour_and_the_rest_change_nothing() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        for _ in 0..5 {
            assert_eq!(ask_reset(&app, "ada@example.com").await.status(), StatusCode::ACCEPTED);
        }
        let mails = app.mails(3).await;
        assert_eq!(app.count("password_resets").await, 3);
        let newest = mails[2].reset_token();

        app.clock.advance(Duration::from_secs(3601));
        assert_eq!(ask_reset(&app, "ada@example.com").await.status(), StatusCode::ACCEPTED);
        let mails = app.mails(4).await;
        assert_ne!(mails[3].reset_token(), newest);
        assert_eq!(
            confirm(&app, &mails[3].reset_token(), NEW_PASSWORD).await.status(),
            StatusCode::NO_CONTENT
        );
    })
    .await;
}

#[tokio::test]
async fn requests_are_limited_per_client_address_for_known_and_unknown_addresses_alike() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        for n in 0..20 {
            let resp = ask_reset(&app, &format!("someone{n}@example.com")).await;
            assert_eq!(resp.status(), StatusCode::ACCEPTED, "request {n}");
        }
        for email in ["ada@example.com", "someone@example.com"] {
            let resp = ask_reset(&app, email).await;
            let wait: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=900).contains(&wait), "Retry-After {wait}");
            assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        }
        app.mails(0).await;
        app.clock.advance(Duration::from_secs(15 * 60 + 1));
        assert_eq!(ask_reset(&app, "ada@example.com").await.status(), StatusCode::ACCEPTED);
        app.mails(1).await;
    })
    .await;
}

#[tokio::test]
async fn a_mail_server_that_is_down_changes_no_answer() {
    each_backend_with(
        |config| config.mail.smtp = Some("smtp://127.0.0.1:9".parse().unwrap()),
        |app| async move {
            app.signed_up("ada").await;
            let known = ask_reset(&app, "ada@example.com").await;
            let unknown = ask_reset(&app, "nobody@example.com").await;
            assert_eq!((known.status(), unknown.status()), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
            // The reset was made and waits for the mail to go out; the API does not wait.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while app.count("password_resets").await == 0 && std::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert_eq!(app.count("password_resets").await, 1);
            app.mails(0).await;
        },
    )
    .await;
}

#[tokio::test]
async fn one_link_used_by_many_at_once_resets_exactly_once() {
    each_backend(|app| async move {
        let token = mailed_token(&app).await;
        let passwords: Vec<String> = (0..6).map(|n| format!("racing-new-secret-{n}")).collect();
        let confirmations = passwords.iter().map(|password| confirm(&app, &token, password));
        let statuses: Vec<StatusCode> = futures_util::future::join_all(confirmations)
            .await
            .iter()
            .map(reqwest::Response::status)
            .collect();
        let won: Vec<usize> =
            (0..statuses.len()).filter(|&n| statuses[n] == StatusCode::NO_CONTENT).collect();
        assert_eq!(won.len(), 1, "{statuses:?}");
        assert!(
            statuses.iter().all(|s| [StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST].contains(s)),
            "{statuses:?}"
        );
        assert!(password_works(&app, &passwords[won[0]]).await, "the winner's password is the one set");
    })
    .await;
}
