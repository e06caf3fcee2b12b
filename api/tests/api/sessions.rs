//! DESIGN.md section 4: tokens, cookies, timeouts, revocation, and failing closed.

use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use sha2::{Digest, Sha256};

use crate::harness::{
    Backend, PASSWORD, assert_error, each_backend, each_backend_with, issued_token, set_cookie,
};

const DAY: Duration = Duration::from_secs(24 * 3600);

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_lasts_the_absolute_timeout() {
    each_backend(|app| async move {
        let resp = app.client().sign_up("ada", "ada@example.com", PASSWORD).await;
        let cookie = set_cookie(&resp);
        let attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
        assert!(cookie.starts_with("jtn_session="), "{cookie}");
        for expected in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
            assert!(attributes.contains(&expected), "{expected} missing from {cookie}");
        }
        assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
        assert!(!attributes.contains(&"Secure"), "plain http cannot keep a Secure cookie: {cookie}");
        assert_eq!(resp.headers()["cache-control"], "no-store");
    })
    .await;
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_prefixed() {
    each_backend_with(
        |config| config.public_url = "https://news.example.com".parse().unwrap(),
        |app| async move {
            let resp = app.client().sign_up("ada", "ada@example.com", PASSWORD).await;
            let cookie = set_cookie(&resp);
            assert!(cookie.starts_with("__Host-jtn_session="), "{cookie}");
            assert!(cookie.split("; ").any(|a| a == "Secure"), "{cookie}");
            assert!(cookie.split("; ").any(|a| a == "Path=/"), "{cookie}");
        },
    )
    .await;
}

#[tokio::test]
async fn the_database_keeps_only_the_sha256_of_a_token() {
    each_backend(|app| async move {
        let resp = app.client().sign_up("ada", "ada@example.com", PASSWORD).await;
        let token = issued_token(&resp).unwrap();
        assert_eq!(token.len(), 43, "32 bytes, base64url");
        let backend = app.db.get_database_backend();
        let rows = app
            .db
            .query_all_raw(Statement::from_string(backend, "SELECT token_hash, user_agent FROM sessions"))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        let stored: String = rows[0].try_get_by_index(0).unwrap();
        assert_eq!(stored, hex::encode(Sha256::digest(token.as_bytes())));
        assert_ne!(stored, token);
    })
    .await;
}

#[tokio::test]
async fn every_login_issues_a_new_token_and_ends_the_browsers_previous_session() {
    each_backend(|app| async move {
        let (browser, _) = app.signed_up("ada").await;
        let first = issued_token(&browser.log_in("ada@example.com", PASSWORD).await).unwrap();
        let second = issued_token(&browser.log_in("ada@example.com", PASSWORD).await).unwrap();
        assert_ne!(first, second);
        assert_eq!(app.count("sessions").await, 1, "the browser's earlier sessions are gone");
        assert_eq!(app.client_with_cookie(&first).logged_in_as().await, None);
        assert_eq!(app.client_with_cookie(&second).logged_in_as().await.as_deref(), Some("ada"));
    })
    .await;
}

#[tokio::test]
async fn a_planted_session_is_never_adopted_by_a_login() {
    each_backend(|app| async move {
        app.signed_up("victim").await;
        // The attacker has a real session and plants its token in the victim's browser.
        let resp = app.client().sign_up("attacker", "attacker@example.com", PASSWORD).await;
        let planted = issued_token(&resp).unwrap();
        let victim = app.client_with_cookie(&planted);
        assert_eq!(victim.logged_in_as().await.as_deref(), Some("attacker"));

        let resp = victim.log_in("victim@example.com", PASSWORD).await;
        let issued = issued_token(&resp).unwrap();
        assert_ne!(issued, planted);
        assert_eq!(victim.logged_in_as().await.as_deref(), Some("victim"));
        assert_eq!(app.client_with_cookie(&planted).logged_in_as().await, None, "the planted token is dead");
    })
    .await;
}

#[tokio::test]
async fn logging_out_ends_the_session_on_the_server() {
    each_backend(|app| async move {
        let browser = app.client();
        let token = issued_token(&browser.sign_up("ada", "ada@example.com", PASSWORD).await).unwrap();
        let stolen = app.client_with_cookie(&token);
        assert_eq!(stolen.logged_in_as().await.as_deref(), Some("ada"));

        let resp = browser.log_out().await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(browser.logged_in_as().await, None);
        assert_eq!(stolen.logged_in_as().await, None, "a copy of the cookie is dead too");
        assert_eq!(app.count("sessions").await, 0);
    })
    .await;
}

#[tokio::test]
async fn logout_expires_the_cookie_with_the_same_name_and_attributes() {
    each_backend(|app| async move {
        let (browser, _) = app.signed_up("ada").await;
        let resp = browser.log_out().await;
        let cookie = set_cookie(&resp);
        assert!(cookie.starts_with("jtn_session=;"), "{cookie}");
        let attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
        for expected in ["Max-Age=0", "Path=/", "HttpOnly", "SameSite=Lax"] {
            assert!(attributes.contains(&expected), "{expected} missing from {cookie}");
        }
        assert_eq!(resp.headers()["cache-control"], "no-store");
    })
    .await;
}

#[tokio::test]
async fn logging_out_twice_or_without_a_session_is_fine() {
    each_backend(|app| async move {
        assert_eq!(app.client().log_out().await.status(), StatusCode::NO_CONTENT);
        let (browser, _) = app.signed_up("ada").await;
        assert_eq!(browser.log_out().await.status(), StatusCode::NO_CONTENT);
        assert_eq!(browser.log_out().await.status(), StatusCode::NO_CONTENT);
    })
    .await;
}

#[tokio::test]
async fn an_idle_session_dies_after_the_idle_timeout() {
    each_backend(|app| async move {
        let (browser, _) = app.signed_up("ada").await;
        app.clock.advance(7 * DAY - Duration::from_secs(60));
        assert_eq!(browser.logged_in_as().await.as_deref(), Some("ada"), "used just in time");
        app.clock.advance(7 * DAY - Duration::from_secs(60));
        assert_eq!(browser.logged_in_as().await.as_deref(), Some("ada"), "each use restarts the idle clock");
        app.clock.advance(7 * DAY + Duration::from_secs(1));
        assert_eq!(browser.logged_in_as().await, None);
        assert_eq!(app.count("sessions").await, 0, "the dead row is deleted");
    })
    .await;
}

#[tokio::test]
async fn an_active_session_still_dies_at_the_absolute_timeout() {
    each_backend(|app| async move {
        let (browser, _) = app.signed_up("ada").await;
        for _ in 0..4 {
            app.clock.advance(6 * DAY);
            assert_eq!(browser.logged_in_as().await.as_deref(), Some("ada"));
        }
        app.clock.advance(6 * DAY - Duration::from_secs(60));
        assert_eq!(browser.logged_in_as().await.as_deref(), Some("ada"), "30 days not yet reached");
        app.clock.advance(Duration::from_secs(61));
        assert_eq!(browser.logged_in_as().await, None, "30 days since login, however active");
    })
    .await;
}

#[tokio::test]
async fn a_dead_cookie_is_expired_in_the_response() {
    each_backend(|app| async move {
        let (browser, _) = app.signed_up("ada").await;
        app.clock.advance(8 * DAY);
        let resp = browser.get("/api/session").await;
        let cookie = set_cookie(&resp);
        assert!(cookie.starts_with("jtn_session=;") && cookie.contains("Max-Age=0"), "{cookie}");
    })
    .await;
}

#[tokio::test]
async fn last_seen_is_written_at_most_about_once_a_minute() {
    each_backend(|app| async move {
        let (browser, _) = app.signed_up("ada").await;
        let last_seen = || async {
            let backend = app.db.get_database_backend();
            let row = app
                .db
                .query_one_raw(Statement::from_string(backend, "SELECT last_seen_at FROM sessions"))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<chrono::DateTime<chrono::Utc>>(0).unwrap()
        };
        let at_login = last_seen().await;
        app.clock.advance(Duration::from_secs(30));
        browser.session().await;
        assert_eq!(last_seen().await, at_login, "a read within the minute writes nothing");
        app.clock.advance(Duration::from_secs(31));
        browser.session().await;
        assert!(last_seen().await > at_login, "after a minute the session is touched");
    })
    .await;
}

#[tokio::test]
async fn a_request_racing_a_logout_cannot_bring_the_session_back() {
    each_backend(|app| async move {
        let (browser, _) = app.signed_up("ada").await;
        let backend = app.db.get_database_backend();
        // The request below would refresh last_seen_at; the row vanished just before it.
        app.clock.advance(Duration::from_secs(120));
        app.db.execute_raw(Statement::from_string(backend, "DELETE FROM sessions")).await.unwrap();
        assert_eq!(browser.logged_in_as().await, None);
        assert_eq!(app.count("sessions").await, 0, "no row was recreated");
    })
    .await;
}

#[tokio::test]
async fn a_malformed_or_unknown_cookie_is_simply_anonymous() {
    each_backend(|app| async move {
        let junk = ["garbage", "' OR 1=1 --", &"A".repeat(43), &"x".repeat(5000)];
        for cookie in junk {
            let browser = app.client_with_cookie(cookie);
            let resp = browser.get("/api/session").await;
            assert_eq!(resp.status(), StatusCode::OK, "cookie {cookie:?}");
            let expired = set_cookie(&resp);
            assert!(expired.contains("Max-Age=0"), "the dead cookie is expired: {expired}");
            assert_eq!(browser.logged_in_as().await, None);
            let resp = browser.post("/api/users/logout", &serde_json::json!({})).await;
            assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(app.count("sessions").await, 0, "no row was created");
    })
    .await;
}

#[tokio::test]
async fn anonymous_visitors_get_no_cookie_and_no_row() {
    each_backend(|app| async move {
        let resp = app.client().get("/api/session").await;
        assert!(resp.headers().get("set-cookie").is_none());
        assert_eq!(app.count("sessions").await, 0);
    })
    .await;
}

#[tokio::test]
async fn sessions_survive_a_server_restart() {
    each_backend(|app| async move {
        let (browser, _) = app.signed_up("ada").await;
        let token = issued_token(&browser.log_in("ada@example.com", PASSWORD).await).unwrap();
        let app = app.restart().await;
        assert_eq!(app.client_with_cookie(&token).logged_in_as().await.as_deref(), Some("ada"));
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_database_is_a_503_never_logged_out() {
    each_backend(|app| async move {
        let (browser, _) = app.signed_up("ada").await;
        let token = issued_token(&browser.log_in("ada@example.com", PASSWORD).await).unwrap();
        app.state.close_database().await.unwrap();

        let browser = app.client_with_cookie(&token);
        for path in ["/api/session", "/api/health"] {
            let resp = browser.get(path).await;
            assert_eq!(resp.headers()["retry-after"], "5", "{path}");
            assert!(resp.headers().get("set-cookie").is_none(), "the cookie is not touched: {path}");
            assert_error(resp, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
        }
        let resp = browser.log_in("ada@example.com", PASSWORD).await;
        assert_error(resp, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    })
    .await;
}

#[tokio::test]
async fn the_sweep_deletes_expired_sessions() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        app.signed_up("grace").await;
        app.clock.advance(8 * DAY);
        let (_, _) = app.signed_up("fresh").await;
        assert_eq!(just_tech_news::services::sessions::sweep(&app.state).await.unwrap(), 2);
        assert_eq!(app.count("sessions").await, 1);
    })
    .await;
}

/// On PostgreSQL the session is read by a statement whose token hash is bound as `text`: the
/// plan must find the row by the token's unique index (with `CHAR(64)` the column was cast to
/// `text`, no index could serve, and every request read the whole sessions table).
#[tokio::test]
async fn the_session_lookup_uses_the_token_index_on_postgresql() {
    each_backend(|app| async move {
        if app.test_database().backend != Backend::Postgres {
            return;
        }
        for n in 0..5 {
            app.signed_up(&format!("user{n}")).await;
        }
        // One connection, a generic plan (what a driver's reused prepared statement gets), and
        // a table scan priced out, so the plan scans the table only if no index can serve.
        let txn = app.db.begin().await.unwrap();
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan").await.unwrap();
        txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
        let sql = just_tech_news::storage::sessions::lookup_sql(sea_orm::DatabaseBackend::Postgres);
        txn.execute_unprepared(&format!("PREPARE session_lookup(text) AS {sql}")).await.unwrap();
        let explain =
            Statement::from_string(txn.get_database_backend(), "EXPLAIN EXECUTE session_lookup('x')");
        let rows = txn.query_all_raw(explain).await.unwrap();
        let plan: Vec<String> = rows.iter().map(|row| row.try_get_by_index(0).unwrap()).collect();
        let plan = plan.join("\n");
        assert!(plan.contains("Index Scan using sessions_token_hash_key"), "{plan}");
        assert!(!plan.contains("Seq Scan on sessions"), "{plan}");
        txn.rollback().await.unwrap();
    })
    .await;
}
