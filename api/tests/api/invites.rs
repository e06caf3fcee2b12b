//! Registration modes and invitations (DESIGN.md section 15).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{PASSWORD, assert_error, each_backend, each_backend_with};

use just_tech_news::config::{Config, Registration};

fn by_invitation(config: &mut Config) {
    config.registration = Registration::Invite;
    config.invite_min_age = Duration::from_secs(7 * 24 * 3600);
}

fn sign_up_body(name: &str, code: Option<&str>) -> Value {
    let mut body = json!({"username": name, "email": format!("{name}@example.com"), "password": PASSWORD});
    if let Some(code) = code {
        body["invite_code"] = json!(code);
    }
    body
}

/// The first member of an invitation-only site, written straight into the database (as an
/// operator's import would: nobody can sign up without a code), then logged in.
async fn first_member(app: &crate::harness::TestApp) -> crate::harness::Client {
    use just_tech_news::{
        domain::{Email, Password, Username},
        services::passwords::PasswordHasher,
        storage::accounts,
    };
    let password = Password::parse_existing("password", PASSWORD.into()).unwrap();
    let hash = PasswordHasher::new(4).hash(&password).await.unwrap();
    let (name, email) = (Username::parse("ada").unwrap(), Email::parse("ada@example.com").unwrap());
    let now = app.clock.now();
    let created = app.state.db.write(async |tx| accounts::create(tx, &name, &email, hash, now).await).await;
    created.unwrap().unwrap();
    let ada = app.client();
    assert_eq!(ada.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
    ada
}

#[tokio::test]
async fn a_closed_site_takes_no_sign_ups() {
    each_backend_with(
        |config: &mut Config| config.registration = Registration::Closed,
        |app| async move {
            let resp = app.client().post("/api/users", &sign_up_body("ada", None)).await;
            assert_error(resp, StatusCode::FORBIDDEN, "registration_closed").await;
            // Before anything else: even a malformed body hears that the door is closed.
            let resp = app.client().post("/api/users", &json!({"username": ""})).await;
            assert_error(resp, StatusCode::FORBIDDEN, "registration_closed").await;
            assert_eq!(app.client().session().await["registration"], "closed");
            assert_eq!(app.count("users").await, 0);
        },
    )
    .await;
}

#[tokio::test]
async fn an_invitation_works_once_within_its_week_and_says_who_invited_whom() {
    each_backend_with(by_invitation, |app| async move {
        assert_eq!(app.client().session().await["registration"], "invite");
        let ada = first_member(&app).await;
        let resp = app.client().post("/api/users", &sign_up_body("grace", None)).await;
        let body = assert_error(resp, StatusCode::FORBIDDEN, "invite_required").await;
        assert_eq!(body["field"], "invite_code");
        for made_up in ["nope", "AAAAAAAAAAAAAAAAAAAAAA", "' OR 1=1 --", ""] {
            let resp = app.client().post("/api/users", &sign_up_body("grace", Some(made_up))).await;
            let code = if made_up.is_empty() { "invite_required" } else { "invalid_invite" };
            assert_error(resp, StatusCode::FORBIDDEN, code).await;
        }

        // Ada's account is new: she may invite in a week.
        let resp = ada.post("/api/invites", &json!({})).await;
        assert_error(resp, StatusCode::FORBIDDEN, "account_too_new").await;
        let list: Value = ada.get("/api/invites").await.json().await.unwrap();
        assert_eq!(list["invites"], json!([]));
        assert!(list["allowed_from"].is_string());
        app.clock.advance(Duration::from_secs(7 * 24 * 3600));
        // (A week idle ends a session too.)
        assert_eq!(ada.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);

        let resp = ada.post("/api/invites", &json!({})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let invite: Value = resp.json().await.unwrap();
        let code = invite["code"].as_str().unwrap().to_owned();
        assert!(code.len() >= 22, "unguessable: {code}");
        assert!(invite["link"].as_str().unwrap().ends_with(&format!("/login#invite={code}")));
        let stored = app.scalar(&format!("SELECT COUNT(*) FROM invites WHERE code_hash = '{code}'")).await;
        assert_eq!(stored, 0, "only a hash is kept");

        let resp = app.client().post("/api/users", &sign_up_body("grace", Some(&code))).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let resp = app.client().post("/api/users", &sign_up_body("linus", Some(&code))).await;
        assert_error(resp, StatusCode::FORBIDDEN, "invalid_invite").await;
        let profile: Value = app.client().get("/api/users/grace").await.json().await.unwrap();
        assert_eq!(profile["invited_by"]["username"], "ada");
        let list: Value = ada.get("/api/invites").await.json().await.unwrap();
        assert_eq!(list["invites"][0]["used_by"]["username"], "grace");
        assert!(list["invites"][0]["used_at"].is_string());
        assert!(list["invites"][0].get("code").is_none(), "the code is shown once");

        // A week later an unused code has expired.
        let late: Value = ada.post("/api/invites", &json!({})).await.json().await.unwrap();
        app.clock.advance(Duration::from_secs(7 * 24 * 3600 + 1));
        let resp = app.client().post("/api/users", &sign_up_body("linus", late["code"].as_str())).await;
        assert_error(resp, StatusCode::FORBIDDEN, "invalid_invite").await;
        assert_eq!(app.count("users").await, 2);
    })
    .await;
}

#[tokio::test]
async fn five_unused_invitations_at_most() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        for _ in 0..5 {
            assert_eq!(ada.post("/api/invites", &json!({})).await.status(), StatusCode::CREATED);
        }
        assert_error(
            ada.post("/api/invites", &json!({})).await,
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_invites",
        )
        .await;
        assert_eq!(app.count("invites").await, 5);
        // Expired ones free their place; in an open site a code still records who invited whom.
        let code = {
            app.clock.advance(Duration::from_secs(7 * 24 * 3600 + 1));
            assert_eq!(ada.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
            let invite: Value = ada.post("/api/invites", &json!({})).await.json().await.unwrap();
            invite["code"].as_str().unwrap().to_owned()
        };
        let resp = app.client().post("/api/users", &sign_up_body("grace", Some(&code))).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let profile: Value = app.client().get("/api/users/grace").await.json().await.unwrap();
        assert_eq!(profile["invited_by"]["username"], "ada");
        let list: Value = ada.get("/api/invites").await.json().await.unwrap();
        assert_eq!(list["invites"].as_array().unwrap().len(), 6);
    })
    .await;
}

#[tokio::test]
async fn two_sign_ups_racing_with_one_code_make_one_account() {
    each_backend_with(by_invitation, |app| async move {
        let ada = first_member(&app).await;
        app.clock.advance(Duration::from_secs(7 * 24 * 3600));
        assert_eq!(ada.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        let invite: Value = ada.post("/api/invites", &json!({})).await.json().await.unwrap();
        let code = invite["code"].as_str().unwrap().to_owned();
        let attempts = (0..6).map(|n| {
            let client = app.client();
            let body = sign_up_body(&format!("racer{n}"), Some(&code));
            tokio::spawn(async move { client.post("/api/users", &body).await.status() })
        });
        let statuses: Vec<StatusCode> =
            futures_util::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        assert_eq!(created, 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::FORBIDDEN));
        assert_eq!(app.count("users").await, 2);
        assert_eq!(app.count("sessions").await, 2, "ada's and the winner's");
    })
    .await;
}

#[tokio::test]
async fn invitations_made_at_once_stop_at_exactly_five() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let attempts = (0..9).map(|_| {
            let ada = ada.clone();
            tokio::spawn(async move { ada.post("/api/invites", &json!({})).await.status() })
        });
        let statuses: Vec<StatusCode> =
            futures_util::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        assert_eq!(created, 5, "{statuses:?}");
        assert_eq!(app.count("invites").await, 5);
    })
    .await;
}
