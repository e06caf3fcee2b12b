//! Passkeys (DESIGN.md section 23): added with the password as discoverable, user-verified
//! credentials of `PUBLIC_URL`'s site, at most ten a person; a login without a name or password
//! that is a login like any other (a new session, bans, the throttle) and needs no second factor;
//! every challenge answers once within five minutes, however many answers race for it.

use std::time::Duration;

use futures_util::future::join_all;
use just_tech_news::{config::Config, domain::TotpSecret};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::{
    authenticator::{Authenticator, Tamper, encode},
    harness::{
        Client, PASSWORD, TestApp, assert_error, each_backend, each_backend_with, issued_token, set_cookie,
    },
    tokens::{make, program},
};

/// The origin the browser is on: `PUBLIC_URL` (a name, not an IP address: browsers refuse those
/// as a passkey's site).
const ORIGIN: &str = "http://localhost:3000";
const FIVE_MINUTES: Duration = Duration::from_secs(5 * 60);

fn on_localhost(config: &mut Config) {
    config.public_url = ORIGIN.parse().unwrap();
}

async fn registration_options(browser: &Client) -> Value {
    let resp = browser.post("/api/users/me/passkeys/registration", &json!({ "password": PASSWORD })).await;
    assert_eq!(resp.status(), StatusCode::OK, "registration options");
    resp.json().await.unwrap()
}

async fn finish_registration(browser: &Client, name: &str, credential: &Value) -> Response {
    browser.post("/api/users/me/passkeys", &json!({ "name": name, "credential": credential })).await
}

/// Adds a passkey made by `device` under `name`; answers the 201 body.
async fn add_passkey(browser: &Client, device: &mut Authenticator, name: &str) -> Value {
    let credential = device.register(ORIGIN, &registration_options(browser).await);
    let resp = finish_registration(browser, name, &credential).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "adding {name}");
    resp.json().await.unwrap()
}

async fn listed(browser: &Client) -> Vec<Value> {
    let resp = browser.get("/api/users/me/passkeys").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["passkeys"].as_array().unwrap().clone()
}

async fn login_options(browser: &Client) -> Value {
    let resp = browser.post("/api/session/passkey/options", &json!({})).await;
    assert_eq!(resp.status(), StatusCode::OK, "login options");
    resp.json().await.unwrap()
}

async fn log_in_with(browser: &Client, credential: &Value) -> Response {
    browser.post("/api/session/passkey", &json!({ "credential": credential })).await
}

/// A whole passkey login in `browser` with `device`.
async fn passkey_login(browser: &Client, device: &mut Authenticator) -> Response {
    let credential = device.authenticate(ORIGIN, &login_options(browser).await);
    log_in_with(browser, &credential).await
}

/// Signs `ada` up and adds a passkey kept by `device`; answers her browser and her id.
async fn ada_with_a_passkey(app: &TestApp, device: &mut Authenticator) -> (Client, i64) {
    let (browser, id) = app.signed_up("ada").await;
    add_passkey(&browser, device, "Laptop").await;
    (browser, id)
}

async fn sessions_of(app: &TestApp, user: i64) -> i64 {
    app.scalar(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {user}")).await
}

/// Options as some other server would give them: what a credential is made from when the
/// request must be refused before any challenge of ours is looked at.
fn options_from_elsewhere(rp_id: &str) -> (Value, Value) {
    let challenge = encode(&[7; 32]);
    let creation = json!({"publicKey": {
        "rp": {"id": rp_id, "name": rp_id},
        "user": {"id": encode(b"someone elsewhere"), "name": "ada", "displayName": "ada"},
        "challenge": challenge,
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        "authenticatorSelection": {"residentKey": "required", "requireResidentKey": true, "userVerification": "required"},
    }});
    let request = json!({"publicKey": {
        "challenge": challenge, "rpId": rp_id, "allowCredentials": [], "userVerification": "required",
    }});
    (creation, request)
}

#[tokio::test]
async fn a_passkey_is_added_with_the_password_and_listed_renamed_and_removed() {
    each_backend_with(on_localhost, |app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let resp =
            ada.post("/api/users/me/passkeys/registration", &json!({"password": "not-the-password"})).await;
        assert_error(resp, StatusCode::FORBIDDEN, "wrong_password").await;

        let options = registration_options(&ada).await;
        let public_key = &options["publicKey"];
        assert_eq!(public_key["rp"]["id"], "localhost");
        assert_eq!(public_key["user"]["name"], "ada");
        let selection = &public_key["authenticatorSelection"];
        assert_eq!(
            selection["residentKey"], "required",
            "a passkey is a discoverable credential: {selection}"
        );
        assert_eq!(selection["userVerification"], "required");
        let mut laptop = Authenticator::new();
        let credential = laptop.register(ORIGIN, &options);
        let resp = finish_registration(&ada, "Laptop", &credential).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let added: Value = resp.json().await.unwrap();
        let keys: Vec<_> = added.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["created_at", "id", "last_used_at", "name"]);
        assert_eq!((&added["name"], &added["last_used_at"]), (&json!("Laptop"), &Value::Null));
        assert!(added["created_at"].as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().is_ok());

        // A second device's options exclude the first one's passkey, so it is not made twice.
        let options = registration_options(&ada).await;
        let excluded: Vec<_> =
            options["publicKey"]["excludeCredentials"].as_array().unwrap().iter().map(|c| &c["id"]).collect();
        assert_eq!(excluded, [&credential["rawId"]]);
        let phone = Authenticator::new().register(ORIGIN, &options);
        assert_eq!(finish_registration(&ada, "Phone", &phone).await.status(), StatusCode::CREATED);
        let names: Vec<_> = listed(&ada).await.iter().map(|p| p["name"].clone()).collect();
        assert_eq!(names, ["Laptop", "Phone"], "oldest first");
        assert_eq!(listed(&ada).await[0], added);

        let id = &added["id"];
        let resp = ada.put(&format!("/api/users/me/passkeys/{id}"), &json!({"name": "Work laptop"})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let renamed: Value = resp.json().await.unwrap();
        assert_eq!(
            renamed,
            json!({"id": id, "name": "Work laptop", "created_at": added["created_at"], "last_used_at": null})
        );
        assert_eq!(listed(&ada).await[0]["name"], "Work laptop");

        assert_eq!(
            ada.delete(&format!("/api/users/me/passkeys/{id}")).await.status(),
            StatusCode::NO_CONTENT
        );
        let names: Vec<_> = listed(&ada).await.iter().map(|p| p["name"].clone()).collect();
        assert_eq!(names, ["Phone"]);
        let again = ada.delete(&format!("/api/users/me/passkeys/{id}")).await;
        assert_error(again, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}

#[tokio::test]
async fn another_persons_passkey_can_be_neither_renamed_nor_removed() {
    each_backend_with(on_localhost, |app| async move {
        let (ada, _) = ada_with_a_passkey(&app, &mut Authenticator::new()).await;
        let id = listed(&ada).await[0]["id"].clone();
        let (mallory, _) = app.signed_up("mallory").await;

        let rename = json!({"name": "mine now"});
        let theirs = mallory.put(&format!("/api/users/me/passkeys/{id}"), &rename).await;
        let nobodys = mallory.put("/api/users/me/passkeys/987654", &rename).await;
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
        assert_eq!(theirs.text().await.unwrap(), nobodys.text().await.unwrap(), "as if it did not exist");
        assert_error(
            mallory.delete(&format!("/api/users/me/passkeys/{id}")).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert!(listed(&mallory).await.is_empty());
        let adas = listed(&ada).await;
        assert_eq!((adas.len(), &adas[0]["name"]), (1, &json!("Laptop")));
    })
    .await;
}

#[tokio::test]
async fn a_passkey_logs_in_without_a_name_or_a_password() {
    each_backend_with(on_localhost, |app| async move {
        let mut laptop = Authenticator::new();
        let (ada, ada_id) = ada_with_a_passkey(&app, &mut laptop).await;
        let browser = app.client();

        // A modal sign-in behind a button: no credentials named (the passkey says who), user
        // verification required, and no `mediation`, which would make it the autofill kind.
        let resp = browser.inner.post(browser.url("/api/session/passkey/options")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "no body is fine");
        assert!(issued_token(&resp).is_none(), "no session before the login");
        let options: Value = resp.json().await.unwrap();
        assert!(options.get("mediation").is_none(), "{options}");
        let public_key = &options["publicKey"];
        assert!(public_key.get("mediation").is_none(), "{options}");
        assert_eq!(public_key["rpId"], "localhost");
        assert_eq!(public_key["allowCredentials"], json!([]));
        assert_eq!(public_key["userVerification"], "required");
        assert!(public_key["timeout"].as_u64().is_some_and(|ms| ms > 0 && ms <= 300_000), "{options}");
        assert!(!public_key["challenge"].as_str().unwrap().is_empty());

        let resp = log_in_with(&browser, &laptop.authenticate(ORIGIN, &options)).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let cookie = set_cookie(&resp);
        assert!(cookie.starts_with("jtn_session="), "{cookie}");
        for expected in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
            assert!(cookie.split("; ").any(|a| a == expected), "{expected} missing from {cookie}");
        }
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body, json!({"id": ada_id, "username": "ada"}));
        let session = browser.session().await;
        assert_eq!((&session["logged_in"], &session["user"]["id"]), (&json!(true), &json!(ada_id)));
        assert_eq!(session["user"]["username"], "ada");

        let used = &listed(&ada).await[0];
        let created: chrono::DateTime<chrono::Utc> = used["created_at"].as_str().unwrap().parse().unwrap();
        let last_used: chrono::DateTime<chrono::Utc> =
            used["last_used_at"].as_str().unwrap().parse().unwrap();
        assert!(last_used >= created, "{used}");
    })
    .await;
}

#[tokio::test]
async fn a_passkey_login_ends_the_session_the_browser_had_before() {
    each_backend_with(on_localhost, |app| async move {
        let mut laptop = Authenticator::new();
        ada_with_a_passkey(&app, &mut laptop).await;
        // An attacker plants the token of a session of theirs in ada's browser.
        let planted =
            issued_token(&app.client().sign_up("mallory", "mallory@example.com", PASSWORD).await).unwrap();
        let browser = app.client_with_cookie(&planted);
        assert_eq!(browser.logged_in_as().await.as_deref(), Some("mallory"));

        let resp = passkey_login(&browser, &mut laptop).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let issued = issued_token(&resp).unwrap();
        assert_ne!(issued, planted);
        assert_eq!(browser.logged_in_as().await.as_deref(), Some("ada"));
        assert_eq!(
            app.client_with_cookie(&planted).logged_in_as().await,
            None,
            "the cookie from before is dead"
        );
        assert_eq!(app.client_with_cookie(&issued).logged_in_as().await.as_deref(), Some("ada"));
    })
    .await;
}

#[tokio::test]
async fn a_passkey_login_needs_no_two_factor_code() {
    each_backend_with(on_localhost, |app| async move {
        let mut laptop = Authenticator::new();
        let (ada, _) = ada_with_a_passkey(&app, &mut laptop).await;
        let resp = ada.post("/api/users/me/totp", &json!({ "password": PASSWORD })).await;
        let setup: Value = resp.json().await.unwrap();
        let code = TotpSecret::stored(setup["secret"].as_str().unwrap()).code_at(app.clock.now()).unwrap();
        let resp = ada.post("/api/users/me/totp/confirm", &json!({ "code": code })).await;
        assert_eq!(resp.status(), StatusCode::OK, "two-factor on");
        let resp = app.client().log_in("ada@example.com", PASSWORD).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "two_factor_required").await;

        let browser = app.client();
        assert_eq!(passkey_login(&browser, &mut laptop).await.status(), StatusCode::OK);
        assert_eq!(browser.logged_in_as().await.as_deref(), Some("ada"));
    })
    .await;
}

#[tokio::test]
async fn a_passkey_session_is_listed_like_a_password_one() {
    each_backend_with(on_localhost, |app| async move {
        let mut laptop = Authenticator::new();
        let (ada, _) = ada_with_a_passkey(&app, &mut laptop).await;
        let mut firefox = app.client();
        firefox.inner = reqwest::Client::builder()
            .cookie_store(true)
            .user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0")
            .build()
            .unwrap();
        assert_eq!(passkey_login(&firefox, &mut laptop).await.status(), StatusCode::OK);

        let list: Value = firefox.get("/api/users/me/sessions").await.json().await.unwrap();
        let sessions = list["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 2, "the sign-up's and the passkey's: {list}");
        let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
        assert_eq!(current.len(), 1, "{list}");
        assert_eq!(current[0]["device"], "Firefox on Windows");
        for session in sessions {
            let keys: Vec<_> = session.as_object().unwrap().keys().cloned().collect();
            assert_eq!(keys, ["created_at", "current", "device", "id", "last_seen_at"]);
        }
        // And it ends like any other.
        let id = &current[0]["id"];
        assert_eq!(
            ada.delete(&format!("/api/users/me/sessions/{id}")).await.status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(firefox.logged_in_as().await, None);
    })
    .await;
}

#[tokio::test]
async fn an_assertion_that_does_not_verify_logs_no_one_in() {
    each_backend_with(on_localhost, |app| async move {
        let mut laptop = Authenticator::new();
        let (_, ada_id) = ada_with_a_passkey(&app, &mut laptop).await;
        let (_, elsewhere) = options_from_elsewhere("localhost");
        let mut refused = Vec::new();
        for (what, tamper) in [
            ("a bad signature", Tamper::Signature),
            ("another key's signature", Tamper::OtherKey),
            ("a page on another origin", Tamper::Origin("https://evil.example")),
            ("another site's authenticator data", Tamper::RpId("evil.example")),
        ] {
            let browser = app.client();
            let options = login_options(&browser).await;
            let resp = log_in_with(&browser, &laptop.authenticate_tampered(ORIGIN, &options, tamper)).await;
            assert!(issued_token(&resp).is_none(), "{what}");
            refused.push((what, assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await));
        }
        let browser = app.client();
        let resp = log_in_with(&browser, &laptop.authenticate(ORIGIN, &elsewhere)).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(sessions_of(&app, ada_id).await, 1, "only the sign-up's");
        for (what, body) in &refused[1..] {
            assert_eq!(body, &refused[0].1, "{what} is refused like {}", refused[0].0);
        }

        // The passkey itself is fine.
        assert_eq!(passkey_login(&browser, &mut laptop).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn a_login_challenge_is_answered_once() {
    each_backend_with(on_localhost, |app| async move {
        // A synced passkey's counter stays 0, so only the spent challenge can tell its answer
        // sent again.
        let mut phone = Authenticator::synced();
        let (ada, ada_id) = ada_with_a_passkey(&app, &mut phone).await;
        let answer = phone.authenticate(ORIGIN, &login_options(&app.client()).await);
        assert_eq!(log_in_with(&app.client(), &answer).await.status(), StatusCode::OK);
        let replayed = log_in_with(&app.client(), &answer).await;
        assert_error(replayed, StatusCode::UNAUTHORIZED, "invalid_credentials").await;

        // A security key signs the spent challenge again with a higher counter: a new signature,
        // a good counter, and still only the challenge's one answer.
        let mut key = Authenticator::new();
        add_passkey(&ada, &mut key, "Security key").await;
        let options = login_options(&app.client()).await;
        let answer = key.authenticate(ORIGIN, &options);
        assert_eq!(log_in_with(&app.client(), &answer).await.status(), StatusCode::OK);
        let signed_again = key.authenticate(ORIGIN, &options);
        assert_ne!(signed_again["response"]["signature"], answer["response"]["signature"]);
        let resp = log_in_with(&app.client(), &signed_again).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(sessions_of(&app, ada_id).await, 3, "the sign-up's and one for each challenge");
    })
    .await;
}

#[tokio::test]
async fn a_login_challenge_lasts_five_minutes() {
    each_backend_with(on_localhost, |app| async move {
        let mut laptop = Authenticator::new();
        ada_with_a_passkey(&app, &mut laptop).await;
        let browser = app.client();

        let options = login_options(&browser).await;
        app.clock.advance(FIVE_MINUTES + Duration::from_secs(1));
        let resp = log_in_with(&browser, &laptop.authenticate(ORIGIN, &options)).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;

        let options = login_options(&browser).await;
        app.clock.advance(FIVE_MINUTES - Duration::from_secs(10));
        assert_eq!(
            log_in_with(&browser, &laptop.authenticate(ORIGIN, &options)).await.status(),
            StatusCode::OK
        );
    })
    .await;
}

#[tokio::test]
async fn a_removed_passkey_logs_in_no_more() {
    each_backend_with(on_localhost, |app| async move {
        let (mut laptop, mut phone) = (Authenticator::new(), Authenticator::new());
        let (ada, _) = ada_with_a_passkey(&app, &mut laptop).await;
        add_passkey(&ada, &mut phone, "Phone").await;
        let id = listed(&ada).await[0]["id"].clone();
        assert_eq!(
            ada.delete(&format!("/api/users/me/passkeys/{id}")).await.status(),
            StatusCode::NO_CONTENT
        );

        let resp = passkey_login(&app.client(), &mut laptop).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(
            passkey_login(&app.client(), &mut phone).await.status(),
            StatusCode::OK,
            "the other one still does"
        );
    })
    .await;
}

#[tokio::test]
async fn a_banned_person_cannot_log_in_with_a_passkey() {
    each_backend_with(on_localhost, |app| async move {
        let mut laptop = Authenticator::new();
        let (_, ada_id) = ada_with_a_passkey(&app, &mut laptop).await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let resp =
            moderator.post(&format!("/api/moderation/users/{ada_id}/ban"), &json!({"reason": "spam"})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);

        let resp = passkey_login(&app.client(), &mut laptop).await;
        assert!(issued_token(&resp).is_none());
        assert_error(resp, StatusCode::FORBIDDEN, "banned").await;
        assert_eq!(sessions_of(&app, ada_id).await, 0);
    })
    .await;
}

#[tokio::test]
async fn failed_passkey_logins_are_throttled_like_password_ones() {
    each_backend_with(
        |config| {
            on_localhost(config);
            config.login_max_failures_per_address = 3;
        },
        |app| async move {
            let mut laptop = Authenticator::new();
            ada_with_a_passkey(&app, &mut laptop).await;
            let attacker = app.client();
            for _ in 0..3 {
                let options = login_options(&attacker).await;
                let forged = laptop.authenticate_tampered(ORIGIN, &options, Tamper::OtherKey);
                assert_eq!(log_in_with(&attacker, &forged).await.status(), StatusCode::UNAUTHORIZED);
            }
            let resp = passkey_login(&attacker, &mut laptop).await;
            assert!(resp.headers().contains_key("retry-after"));
            assert!(issued_token(&resp).is_none());
            assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;

            app.clock.advance(Duration::from_secs(15 * 60 + 1));
            assert_eq!(passkey_login(&attacker, &mut laptop).await.status(), StatusCode::OK);
        },
    )
    .await;
}

#[tokio::test]
async fn a_registration_challenge_is_answered_once_within_five_minutes() {
    each_backend_with(on_localhost, |app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let options = registration_options(&ada).await;
        let first = Authenticator::new().register(ORIGIN, &options);
        assert_eq!(finish_registration(&ada, "Laptop", &first).await.status(), StatusCode::CREATED);
        // Another credential, made for the same (spent) challenge.
        let second = Authenticator::new().register(ORIGIN, &options);
        let body = assert_error(
            finish_registration(&ada, "Phone", &second).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["field"], "credential");

        let (elsewhere, _) = options_from_elsewhere("localhost");
        let never_given = Authenticator::new().register(ORIGIN, &elsewhere);
        let body = assert_error(
            finish_registration(&ada, "Phone", &never_given).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["field"], "credential");

        // Nor is one begun by someone else: it would add a passkey to their account.
        let (mallory, _) = app.signed_up("mallory").await;
        let adas = Authenticator::new().register(ORIGIN, &registration_options(&ada).await);
        let body = assert_error(
            finish_registration(&mallory, "Phone", &adas).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["field"], "credential");
        assert!(listed(&mallory).await.is_empty());

        let options = registration_options(&ada).await;
        app.clock.advance(FIVE_MINUTES + Duration::from_secs(1));
        let late = Authenticator::new().register(ORIGIN, &options);
        let body = assert_error(
            finish_registration(&ada, "Phone", &late).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["field"], "credential");
        assert_eq!(listed(&ada).await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn an_eleventh_passkey_is_refused_at_the_options_step() {
    each_backend_with(on_localhost, |app| async move {
        let (ada, _) = app.signed_up("ada").await;
        for n in 1..=10 {
            add_passkey(&ada, &mut Authenticator::new(), &format!("Key {n}")).await;
        }
        let resp = ada.post("/api/users/me/passkeys/registration", &json!({ "password": PASSWORD })).await;
        assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "too_many_passkeys").await;

        let id = listed(&ada).await[0]["id"].clone();
        assert_eq!(
            ada.delete(&format!("/api/users/me/passkeys/{id}")).await.status(),
            StatusCode::NO_CONTENT
        );
        add_passkey(&ada, &mut Authenticator::new(), "Key 11").await;
        assert_eq!(listed(&ada).await.len(), 10);
    })
    .await;
}

#[tokio::test]
async fn a_passkey_name_is_one_to_fifty_characters() {
    each_backend_with(on_localhost, |app| async move {
        let (ada, _) = app.signed_up("ada").await;
        for name in [String::new(), "x".repeat(51)] {
            let credential = Authenticator::new().register(ORIGIN, &registration_options(&ada).await);
            let resp = finish_registration(&ada, &name, &credential).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], "name", "{name:?}");
        }
        assert!(listed(&ada).await.is_empty());

        let fifty = "ü".repeat(50);
        let added = add_passkey(&ada, &mut Authenticator::new(), &fifty).await;
        assert_eq!(added["name"], fifty.as_str(), "fifty characters, a hundred bytes");
        let path = format!("/api/users/me/passkeys/{}", added["id"]);
        for name in ["", &"x".repeat(51)] {
            let resp = ada.put(&path, &json!({ "name": name })).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], "name", "{name:?}");
        }
        assert_eq!(listed(&ada).await[0]["name"], fifty.as_str());
    })
    .await;
}

#[tokio::test]
async fn passkeys_are_unavailable_when_the_public_url_is_an_ip_address() {
    // The default test configuration: PUBLIC_URL is http://127.0.0.1:3000.
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let origin = app.config.public_url.as_str().trim_end_matches('/').to_owned();
        let (creation, request) = options_from_elsewhere("127.0.0.1");
        let credential = Authenticator::new().register(&origin, &creation);
        let mut device = Authenticator::new();
        device.register(&origin, &creation);
        let assertion = device.authenticate(&origin, &request);
        let anonymous = app.client();
        for (who, method, path, body) in [
            (&ada, "POST", "/api/users/me/passkeys/registration", json!({ "password": PASSWORD })),
            (&ada, "POST", "/api/users/me/passkeys", json!({"name": "Laptop", "credential": credential})),
            (&ada, "GET", "/api/users/me/passkeys", Value::Null),
            (&ada, "PUT", "/api/users/me/passkeys/1", json!({"name": "Laptop"})),
            (&ada, "DELETE", "/api/users/me/passkeys/1", Value::Null),
            (&anonymous, "POST", "/api/session/passkey/options", json!({})),
            (&anonymous, "POST", "/api/session/passkey", json!({ "credential": assertion })),
        ] {
            let mut request = who.inner.request(method.parse().unwrap(), who.url(path));
            if !body.is_null() {
                request = request.json(&body);
            }
            let resp = request.send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::CONFLICT, "{method} {path}");
            assert_error(resp, StatusCode::CONFLICT, "passkeys_unavailable").await;
        }
        assert_eq!(ada.logged_in_as().await.as_deref(), Some("ada"), "the rest of the site works");
    })
    .await;
}

#[tokio::test]
async fn an_api_token_cannot_touch_passkeys() {
    each_backend_with(on_localhost, |app| async move {
        let (ada, _) = ada_with_a_passkey(&app, &mut Authenticator::new()).await;
        let id = listed(&ada).await[0]["id"].clone();
        let token = make(&ada, "script", &["read", "write"], Value::Null).await;
        let program = program(token["token"].as_str().unwrap());
        let (creation, _) = options_from_elsewhere("localhost");
        let credential = Authenticator::new().register(ORIGIN, &creation);
        let path = format!("/api/users/me/passkeys/{id}");
        for (method, path, body) in [
            ("POST", "/api/users/me/passkeys/registration", json!({ "password": PASSWORD })),
            ("POST", "/api/users/me/passkeys", json!({"name": "Script's", "credential": credential})),
            ("GET", "/api/users/me/passkeys", Value::Null),
            ("PUT", path.as_str(), json!({"name": "Renamed"})),
            ("DELETE", path.as_str(), Value::Null),
        ] {
            let mut request = program.request(method.parse().unwrap(), app.url(path));
            if !body.is_null() {
                request = request.json(&body);
            }
            let resp = request.send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{method} {path}");
            assert_error(resp, StatusCode::FORBIDDEN, "insufficient_scope").await;
        }
        let adas = listed(&ada).await;
        assert_eq!((adas.len(), &adas[0]["name"]), (1, &json!("Laptop")));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_assertion_sent_ten_times_at_once_logs_in_once() {
    each_backend_with(on_localhost, |app| async move {
        let mut phone = Authenticator::synced();
        let (_, ada_id) = ada_with_a_passkey(&app, &mut phone).await;
        let answer = phone.authenticate(ORIGIN, &login_options(&app.client()).await);
        let attempts = (0..10).map(|_| {
            let (browser, answer) = (app.client(), answer.clone());
            tokio::spawn(async move { log_in_with(&browser, &answer).await.status() })
        });
        let statuses: Vec<StatusCode> = join_all(attempts).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count(), 9, "{statuses:?}");
        assert_eq!(sessions_of(&app, ada_id).await, 2, "the sign-up's and one login's");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_registration_challenge_finished_twice_at_once_adds_one_passkey() {
    each_backend_with(on_localhost, |app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let options = registration_options(&ada).await;
        let attempts = ["Laptop", "Phone"].map(|name| {
            let (ada, credential) = (ada.clone(), Authenticator::new().register(ORIGIN, &options));
            tokio::spawn(async move { finish_registration(&ada, name, &credential).await.status() })
        });
        let mut statuses: Vec<StatusCode> =
            join_all(attempts).await.into_iter().map(Result::unwrap).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY]);
        assert_eq!(listed(&ada).await.len(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn registrations_at_once_never_make_more_than_ten_passkeys() {
    each_backend_with(on_localhost, |app| async move {
        let (ada, _) = app.signed_up("ada").await;
        for n in 1..=9 {
            add_passkey(&ada, &mut Authenticator::new(), &format!("Key {n}")).await;
        }
        let attempts = (0..12).map(|n| {
            let ada = ada.clone();
            tokio::spawn(async move {
                let resp =
                    ada.post("/api/users/me/passkeys/registration", &json!({ "password": PASSWORD })).await;
                if resp.status() != StatusCode::OK {
                    return resp.status();
                }
                let options: Value = resp.json().await.unwrap();
                let credential = Authenticator::new().register(ORIGIN, &options);
                finish_registration(&ada, &format!("Racer {n}"), &credential).await.status()
            })
        });
        let statuses: Vec<StatusCode> = join_all(attempts).await.into_iter().map(Result::unwrap).collect();
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
        assert!(
            statuses.iter().all(|s| [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY].contains(s)),
            "{statuses:?}"
        );
        assert_eq!(listed(&ada).await.len(), 10);
    })
    .await;
}

#[tokio::test]
async fn deleting_the_account_removes_its_passkeys() {
    each_backend_with(on_localhost, |app| async move {
        let mut laptop = Authenticator::new();
        let (ada, _) = ada_with_a_passkey(&app, &mut laptop).await;
        let resp = ada.delete_json("/api/users/me", &json!({ "password": PASSWORD })).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);

        let resp = passkey_login(&app.client(), &mut laptop).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        // Not even for someone who takes the name afterwards.
        app.signed_up("ada").await;
        let resp = passkey_login(&app.client(), &mut laptop).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    })
    .await;
}
