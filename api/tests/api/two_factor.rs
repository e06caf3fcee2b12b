//! Two-factor login (DESIGN.md section 16): set-up that turns on only after a confirmed code,
//! TOTP codes that log in once, recovery codes that log in once, wrong codes counted by the
//! login throttle, and other sessions ended whenever it is turned on or off.

use std::time::Duration;

use just_tech_news::domain::TotpSecret;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    Backend, Client, PASSWORD, TestApp, assert_error, each_backend, each_backend_with, issued_token,
};

const EMAIL: &str = "ada@example.com";

/// The code an authenticator app holding `secret` shows at the app's "now" plus `offset`.
fn code(app: &TestApp, secret: &str, offset_secs: i64) -> String {
    TotpSecret::stored(secret).code_at(app.clock.now() + chrono::Duration::seconds(offset_secs)).unwrap()
}

/// Moves the app's clock on to the start of the next 30-second step, so a fresh code is not the
/// one just used.
fn next_step(app: &TestApp) {
    let into_step = app.clock.now().timestamp_millis().rem_euclid(30_000);
    app.clock.advance(Duration::from_millis(u64::try_from(30_000 - into_step).unwrap()));
}

async fn start(browser: &Client) -> Value {
    let resp = browser.post("/api/users/me/totp", &json!({ "password": PASSWORD })).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// Signs `ada` up and turns two-factor on; answers her browser, the secret and the recovery codes.
async fn with_two_factor(app: &TestApp) -> (Client, String, Vec<String>) {
    let (browser, _) = app.signed_up("ada").await;
    let secret = start(&browser).await["secret"].as_str().unwrap().to_owned();
    let resp = browser.post("/api/users/me/totp/confirm", &json!({ "code": code(app, &secret, 0) })).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    let codes =
        body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    (browser, secret, codes)
}

async fn log_in(app: &TestApp, extra: Value) -> reqwest::Response {
    let mut body = json!({ "email": EMAIL, "password": PASSWORD });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    app.client().post("/api/users/login", &body).await
}

async fn profile(browser: &Client) -> Value {
    browser.get("/api/users/me").await.json().await.unwrap()
}

#[tokio::test]
async fn set_up_turns_on_only_after_a_confirmed_code_and_ends_the_other_sessions() {
    each_backend(|app| async move {
        let (browser, _) = app.signed_up("ada").await;
        let phone = app.client();
        assert_eq!(phone.log_in(EMAIL, PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(profile(&browser).await["two_factor"], false);

        let setup = start(&browser).await;
        let secret = setup["secret"].as_str().unwrap();
        assert_eq!(secret.len(), 32, "160 bits in base32");
        assert!(secret.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
        assert_eq!(
            setup["otpauth_url"],
            format!("otpauth://totp/Just%20Tech%20News:ada?secret={secret}&issuer=Just%20Tech%20News&algorithm=SHA1&digits=6&period=30")
        );
        assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
        assert_eq!(profile(&browser).await["two_factor"], false, "pending, not on");
        assert_eq!(log_in(&app, json!({})).await.status(), StatusCode::OK, "still one factor");

        // A wrong code, and one from two steps ago, leave it off.
        for wrong in [
            if code(&app, secret, 0) == "000000" { "111111".to_owned() } else { "000000".to_owned() },
            code(&app, secret, -60),
        ] {
            let resp = browser.post("/api/users/me/totp/confirm", &json!({ "code": wrong })).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "invalid_two_factor_code").await;
            assert_eq!(body["field"], "code");
        }
        assert_eq!(profile(&browser).await["two_factor"], false);

        let resp = browser.post("/api/users/me/totp/confirm", &json!({ "code": code(&app, secret, 0) })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let codes: Value = resp.json().await.unwrap();
        let codes = codes["recovery_codes"].as_array().unwrap();
        assert_eq!(codes.len(), 10);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);

        let me = profile(&browser).await;
        assert_eq!((me["two_factor"].clone(), me["recovery_codes_left"].clone()), (json!(true), json!(10)));
        assert_eq!(phone.logged_in_as().await, None, "the other session ended");
        assert_eq!(browser.logged_in_as().await.as_deref(), Some("ada"), "this one lives on");
        let stored = app.scalar(&format!("SELECT COUNT(*) FROM recovery_codes WHERE code_hash = '{}'", codes[0].as_str().unwrap())).await;
        assert_eq!(stored, 0, "recovery codes are stored hashed");
    })
    .await;
}

#[tokio::test]
async fn a_login_needs_a_code_and_each_code_logs_in_once() {
    each_backend(|app| async move {
        let (_, secret, _) = with_two_factor(&app).await;

        let resp = log_in(&app, json!({})).await;
        assert!(issued_token(&resp).is_none(), "no session without the second factor");
        assert_error(resp, StatusCode::UNAUTHORIZED, "two_factor_required").await;
        let before = app.count("sessions").await;

        // The code that confirmed the set-up was spent by it.
        let spent = log_in(&app, json!({ "totp_code": code(&app, &secret, 0) })).await;
        assert_error(spent, StatusCode::UNAUTHORIZED, "invalid_two_factor_code").await;

        next_step(&app);
        let fresh = code(&app, &secret, 0);
        let resp = log_in(&app, json!({ "totp_code": fresh })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(issued_token(&resp).is_some());
        let replay = log_in(&app, json!({ "totp_code": fresh })).await;
        let body = assert_error(replay, StatusCode::UNAUTHORIZED, "invalid_two_factor_code").await;
        assert_eq!(body["field"], "totp_code");

        next_step(&app);
        next_step(&app);
        let two_steps_ago = code(&app, &secret, -60);
        assert_error(
            log_in(&app, json!({ "totp_code": two_steps_ago })).await,
            StatusCode::UNAUTHORIZED,
            "invalid_two_factor_code",
        )
        .await;
        // One step of skew either way is accepted.
        assert_eq!(
            log_in(&app, json!({ "totp_code": code(&app, &secret, 30) })).await.status(),
            StatusCode::OK
        );
        assert_eq!(app.count("sessions").await, before + 2);
    })
    .await;
}

#[tokio::test]
async fn codes_of_the_wrong_shape_are_422_before_any_password_is_checked() {
    each_backend(|app| async move {
        let (_, secret, codes) = with_two_factor(&app).await;
        for bad in ["12345", "1234567", "12a456", " 123456", "", "１２３４５６"] {
            let resp = log_in(&app, json!({ "totp_code": bad })).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], "totp_code", "{bad:?}");
        }
        let resp = log_in(&app, json!({ "recovery_code": "x".repeat(65) })).await;
        assert_eq!(
            assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await["field"],
            "recovery_code"
        );
        // With both, the TOTP code is the one judged: a wrong one fails, and spends nothing else.
        let wrong = if code(&app, &secret, 30) == "000000" { "111111" } else { "000000" };
        let both = log_in(&app, json!({ "totp_code": wrong, "recovery_code": codes[0] })).await;
        assert_eq!(
            assert_error(both, StatusCode::UNAUTHORIZED, "invalid_two_factor_code").await["field"],
            "totp_code"
        );
        // None of these spent anything.
        assert_eq!(log_in(&app, json!({ "recovery_code": codes[0] })).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn a_recovery_code_logs_in_once_however_it_is_typed() {
    each_backend(|app| async move {
        let (browser, _, codes) = with_two_factor(&app).await;
        let typed = codes[3].to_uppercase().replace('-', " ");
        assert_eq!(log_in(&app, json!({ "recovery_code": typed })).await.status(), StatusCode::OK);
        let again = log_in(&app, json!({ "recovery_code": codes[3] })).await;
        let body = assert_error(again, StatusCode::UNAUTHORIZED, "invalid_two_factor_code").await;
        assert_eq!(body["field"], "recovery_code");
        assert_eq!(profile(&browser).await["recovery_codes_left"], 9);
        let made_up = log_in(&app, json!({ "recovery_code": "0000-0000-0000-0000" })).await;
        assert_error(made_up, StatusCode::UNAUTHORIZED, "invalid_two_factor_code").await;
        let wrong_password = app
            .client()
            .post(
                "/api/users/login",
                &json!({ "email": EMAIL, "password": "wrong-password-1", "recovery_code": codes[4] }),
            )
            .await;
        assert_error(wrong_password, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(profile(&browser).await["recovery_codes_left"], 9, "a wrong password spends no code");
    })
    .await;
}

#[tokio::test]
async fn wrong_codes_count_as_failed_logins() {
    each_backend_with(
        |config| config.login_max_failures_per_account = 3,
        |app| async move {
            let (_, secret, _) = with_two_factor(&app).await;
            let right = code(&app, &secret, 30);
            let wrong = if right == "000000" { "111111" } else { "000000" };
            for _ in 0..3 {
                let resp = log_in(&app, json!({ "totp_code": wrong })).await;
                assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_two_factor_code").await;
            }
            let resp = log_in(&app, json!({ "totp_code": right })).await;
            assert!(resp.headers().contains_key("retry-after"));
            assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        },
    )
    .await;
}

#[tokio::test]
async fn turning_it_off_takes_the_password_and_a_code_and_ends_the_other_sessions() {
    each_backend(|app| async move {
        let (browser, secret, codes) = with_two_factor(&app).await;
        let start_again = browser.post("/api/users/me/totp", &json!({ "password": PASSWORD })).await;
        assert_error(start_again, StatusCode::CONFLICT, "two_factor_on").await;
        let confirm_again =
            browser.post("/api/users/me/totp/confirm", &json!({ "code": code(&app, &secret, 30) })).await;
        assert_error(confirm_again, StatusCode::CONFLICT, "two_factor_on").await;

        next_step(&app);
        let phone = app.client();
        let resp = phone
            .post(
                "/api/users/login",
                &json!({ "email": EMAIL, "password": PASSWORD, "totp_code": code(&app, &secret, 0) }),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);

        let off = |password: &str, code: &str| json!({ "password": password, "code": code });
        let resp = browser.delete_json("/api/users/me/totp", &off("wrong-password-1", &codes[0])).await;
        assert_eq!(assert_error(resp, StatusCode::FORBIDDEN, "wrong_password").await["field"], "password");
        let resp = browser.delete_json("/api/users/me/totp", &off(PASSWORD, "0000-0000-0000-0000")).await;
        assert_eq!(
            assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "invalid_two_factor_code").await["field"],
            "code"
        );
        assert_eq!(profile(&browser).await["two_factor"], true, "still on");
        assert_eq!(profile(&browser).await["recovery_codes_left"], 10, "nothing spent");

        let resp = browser.delete_json("/api/users/me/totp", &off(PASSWORD, &codes[0])).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(phone.logged_in_as().await, None, "the other session ended");
        let me = profile(&browser).await;
        assert_eq!((me["two_factor"].clone(), me["recovery_codes_left"].clone()), (json!(false), json!(0)));
        assert_eq!(app.count("recovery_codes").await, 0);
        assert_eq!(log_in(&app, json!({})).await.status(), StatusCode::OK, "one factor again");

        let resp = browser.delete_json("/api/users/me/totp", &off(PASSWORD, &codes[1])).await;
        assert_error(resp, StatusCode::CONFLICT, "two_factor_off").await;
        let resp = browser.post("/api/users/me/totp/confirm", &json!({ "code": "123456" })).await;
        assert_error(resp, StatusCode::CONFLICT, "two_factor_not_started").await;
        let resp = browser.post("/api/users/me/totp/recovery-codes", &json!({ "password": PASSWORD })).await;
        assert_error(resp, StatusCode::CONFLICT, "two_factor_off").await;
    })
    .await;
}

#[tokio::test]
async fn new_recovery_codes_replace_all_the_old_ones() {
    each_backend(|app| async move {
        let (browser, _, old) = with_two_factor(&app).await;
        let wrong = browser
            .post("/api/users/me/totp/recovery-codes", &json!({ "password": "wrong-password-1" }))
            .await;
        assert_error(wrong, StatusCode::FORBIDDEN, "wrong_password").await;
        let resp = browser.post("/api/users/me/totp/recovery-codes", &json!({ "password": PASSWORD })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        let new: Vec<&str> =
            body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert_eq!(new.len(), 10);
        assert!(new.iter().all(|code| !old.contains(&code.to_string())));
        assert_error(
            log_in(&app, json!({ "recovery_code": old[0] })).await,
            StatusCode::UNAUTHORIZED,
            "invalid_two_factor_code",
        )
        .await;
        assert_eq!(log_in(&app, json!({ "recovery_code": new[0] })).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn the_secret_never_leaves_the_server_again() {
    each_backend(|app| async move {
        let (browser, secret, _) = with_two_factor(&app).await;
        for path in ["/api/users/me", "/api/session", "/api/users/ada", "/api/users/me/sessions"] {
            let body = browser.get(path).await.text().await.unwrap();
            assert!(!body.contains(&secret), "{path} shows the secret");
        }
    })
    .await;
}

#[tokio::test]
async fn turning_it_on_through_one_instance_holds_on_every_instance() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let (browser, _) = first.signed_up("ada").await;
        let on_second = second.client();
        assert_eq!(on_second.log_in(EMAIL, PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(on_second.logged_in_as().await.as_deref(), Some("ada"));

        let secret = start(&browser).await["secret"].as_str().unwrap().to_owned();
        let resp =
            browser.post("/api/users/me/totp/confirm", &json!({ "code": code(&first, &secret, 0) })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(on_second.logged_in_as().await, None, "ended on the other instance too");
        let resp = second.client().log_in(EMAIL, PASSWORD).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "two_factor_required").await;
    })
    .await;
}

#[tokio::test]
async fn one_code_sent_by_many_logins_at_once_logs_in_exactly_once() {
    each_backend(|app| async move {
        let (_, secret, codes) = with_two_factor(&app).await;
        next_step(&app);
        let totp = code(&app, &secret, 0);
        for extra in [json!({ "totp_code": totp }), json!({ "recovery_code": codes[0] })] {
            let logins = (0..8).map(|_| log_in(&app, extra.clone()));
            let statuses: Vec<StatusCode> =
                futures_util::future::join_all(logins).await.iter().map(reqwest::Response::status).collect();
            let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
            assert_eq!(won, 1, "{extra}: {statuses:?}");
            assert!(
                statuses.iter().all(|s| [StatusCode::OK, StatusCode::UNAUTHORIZED].contains(s)),
                "{statuses:?}"
            );
        }
    })
    .await;
}
