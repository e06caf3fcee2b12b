//! One JSON error shape for everything, whatever the mistake.

use reqwest::StatusCode;

use crate::harness::{assert_error, each_backend};

#[tokio::test]
async fn unknown_api_paths_are_a_json_404() {
    each_backend(|app| async move {
        let browser = app.client();
        for path in ["/api/nope", "/api/users/42/nope", "/api/"] {
            assert_error(browser.get(path).await, StatusCode::NOT_FOUND, "not_found").await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405_naming_the_allowed_ones() {
    each_backend(|app| async move {
        let http = reqwest::Client::new();
        for (method, path, allow) in [
            ("DELETE", "/api/session", "GET"),
            ("PATCH", "/api/posts/7", "GET, PUT, DELETE"),
            ("POST", "/api/posts/7/vote", "PUT, DELETE"),
            ("GET", "/api/users/login", "POST"),
        ] {
            let resp = http.request(method.parse().unwrap(), app.url(path)).send().await.unwrap();
            let mut allowed: Vec<_> =
                resp.headers()["allow"].to_str().unwrap().split(", ").map(str::to_owned).collect();
            let mut expected: Vec<_> = allow.split(", ").map(str::to_owned).collect();
            allowed.sort();
            expected.sort();
            assert_eq!(allowed, expected, "{method} {path}");
            assert_error(resp, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
        }
    })
    .await;
}

#[tokio::test]
async fn malformed_bodies_are_told_apart_from_broken_fields() {
    each_backend(|app| async move {
        let http = reqwest::Client::new();
        let url = app.url("/api/users");
        let send = |body: &'static str, content_type: &'static str| {
            http.post(&url).header("content-type", content_type).body(body).send()
        };
        assert_error(
            send("{\"username\": ", "application/json").await.unwrap(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
        assert_error(send("", "application/json").await.unwrap(), StatusCode::BAD_REQUEST, "bad_request")
            .await;
        assert_error(
            send("[1, 2]", "application/json").await.unwrap(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
        assert_error(
            send("\"text\"", "application/json").await.unwrap(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
        assert_error(
            send("{}", "text/plain").await.unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
        let resp = http.post(&url).body("{}").send().await.unwrap();
        assert_error(resp, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;

        let missing = send("{\"username\": \"ada\", \"password\": \"x\"}", "application/json").await.unwrap();
        let body = assert_error(missing, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["field"], "email");
        let mistyped =
            send("{\"username\": [], \"email\": \"a@b.co\", \"password\": \"x\"}", "application/json")
                .await
                .unwrap();
        let body = assert_error(mistyped, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["field"], "username");
        assert_eq!(app.count("users").await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413() {
    each_backend(|app| async move {
        let big = format!("{{\"username\": \"{}\"}}", "a".repeat(70 * 1024));
        let resp = reqwest::Client::new()
            .post(app.url("/api/users"))
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap();
        assert_error(resp, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    })
    .await;
}

#[tokio::test]
async fn no_error_leaks_internals() {
    each_backend(|app| async move {
        let browser = app.client();
        let resp =
            browser.post("/api/users", &serde_json::json!({"username": "a'; DROP TABLE users; --"})).await;
        let text = resp.text().await.unwrap().to_lowercase();
        for leak in ["select", "insert", "sqlx", "sqlite", "panicked", "constraint"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    })
    .await;
}
