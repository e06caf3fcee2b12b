//! DESIGN.md section 6: cross-site requests and security headers.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{PASSWORD, assert_error, each_backend};

#[tokio::test]
async fn a_state_change_from_another_origin_is_refused_before_the_handler() {
    each_backend(|app| async move {
        let body = json!({"username": "ada", "email": "ada@example.com", "password": PASSWORD});
        let http = reqwest::Client::new();
        for (header, value) in [
            ("origin", "https://evil.example"),
            ("origin", "http://127.0.0.1:3001"),
            ("origin", "null"),
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
        ] {
            let resp =
                http.post(app.url("/api/users")).header(header, value).json(&body).send().await.unwrap();
            assert_error(resp, StatusCode::FORBIDDEN, "cross_site_request").await;
        }
        assert_eq!(app.count("users").await, 0, "no handler ran");
    })
    .await;
}

#[tokio::test]
async fn same_origin_and_header_less_requests_pass() {
    each_backend(|app| async move {
        let http = reqwest::Client::new();
        let sign_up = |name: &str| json!({"username": name, "email": format!("{name}@example.com"), "password": PASSWORD});
        let resp = http
            .post(app.url("/api/users"))
            .header("origin", "http://127.0.0.1:3000")
            .header("sec-fetch-site", "same-origin")
            .json(&sign_up("browser"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        let resp = http.post(app.url("/api/users")).json(&sign_up("curl")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        let resp = http
            .post(app.url("/api/users/logout"))
            .header("sec-fetch-site", "none")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    })
    .await;
}

#[tokio::test]
async fn reads_from_another_origin_are_answered_without_cors() {
    each_backend(|app| async move {
        let resp = reqwest::Client::new()
            .get(app.url("/api/session"))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers().get("access-control-allow-origin").is_none());
    })
    .await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    each_backend(|app| async move {
        let browser = app.client();
        for path in ["/api/session", "/api/health", "/api/nothing-here", "/api/openapi.json"] {
            let resp = browser.get(path).await;
            let headers = resp.headers();
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
            assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        }
        let resp = browser.get("/api/session").await;
        let csp = resp.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    })
    .await;
}
