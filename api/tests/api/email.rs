//! Addresses proved and changed (DESIGN.md section 23): sign-up mails a link that verifies the
//! address once within 48 hours, and it may be sent again three times an hour; a site can refuse
//! posts and comments until then. A new address takes effect only when the link mailed to it is
//! followed, which verifies it and ends the person's other sessions and tokens — once, on every
//! database, whoever races for the link or the address, and on every instance at once.

use std::time::Duration;

use futures_util::future::join_all;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::{
    harness::{
        Backend, Client, Mail, PASSWORD, TestApp, VERIFICATION_SUBJECT, assert_error, each_backend,
        each_backend_with, issued_token,
    },
    inbox::comment,
    posts::{fresh_link, post, read},
    tokens::{make, program},
};

const VERIFY_LINK: &str = "/verify#token=";
const CONFIRM_LINK: &str = "/confirm-email#token=";
const CONFIRM_SUBJECT: &str = "Confirm your new e-mail address for Just Tech News";
const NOTICE_SUBJECT: &str = "Your Just Tech News e-mail address is being changed";
const HOUR: Duration = Duration::from_secs(3600);

/// Follows a verification link, from a browser that is logged in as nobody.
async fn verify(app: &TestApp, token: &str) -> Response {
    app.client().post("/api/users/me/email/verify", &json!({ "token": token })).await
}

/// Follows an address change's link from `client`.
async fn confirm(client: &Client, token: &str) -> Response {
    client.post("/api/users/me/email/confirm", &json!({ "token": token })).await
}

/// Asks for the link to be mailed again.
async fn send_again(client: &Client) -> Response {
    client.post("/api/users/me/email/verification", &json!({})).await
}

/// Asks to move `client`'s account to `email`, giving `password`.
async fn change(client: &Client, email: &str, password: &str) -> Response {
    client.put("/api/users/me/email", &json!({ "email": email, "password": password })).await
}

/// The token of the newest verification mail to `to`, once `sent` have gone out in all.
async fn verification_token(app: &TestApp, sent: usize, to: &str) -> String {
    let mails = app.verification_mails(sent).await;
    let mail = mails.iter().rev().find(|mail| mail.to == to).unwrap_or_else(|| panic!("no mail to {to}"));
    mail.link_token(VERIFY_LINK)
}

/// The confirmation mail among `mails` that went to `to`.
fn confirmation_to<'a>(mails: &'a [Mail], to: &str) -> &'a Mail {
    mails
        .iter()
        .find(|mail| mail.to == to && mail.subject == CONFIRM_SUBJECT)
        .unwrap_or_else(|| panic!("no confirmation to {to} in {mails:#?}"))
}

/// The tokens of the confirmation links among `mails` that went to `to`.
fn confirmations_to(mails: &[Mail], to: &str) -> Vec<String> {
    let links = mails.iter().filter(|mail| mail.to == to && mail.subject == CONFIRM_SUBJECT);
    links.map(|mail| mail.link_token(CONFIRM_LINK)).collect()
}

/// Whether `email` and the harness's password log in.
async fn logs_in(app: &TestApp, email: &str) -> bool {
    let resp = app.client().log_in(email, PASSWORD).await;
    match resp.status() {
        StatusCode::OK => true,
        _ => {
            assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
            false
        }
    }
}

/// `GET /api/users/me`'s `email`, `email_verified` and `pending_email`.
async fn address(client: &Client) -> (Value, Value, Value) {
    let me = read(client, "/api/users/me").await;
    (me["email"].clone(), me["email_verified"].clone(), me["pending_email"].clone())
}

fn is_token(token: &str) -> bool {
    token.len() == 43 && token.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
}

/// Answers, in order, how many of `statuses` are each of `expected`, asserting there is no other.
fn tally(statuses: &[StatusCode], expected: &[StatusCode]) -> Vec<usize> {
    assert!(statuses.iter().all(|status| expected.contains(status)), "{statuses:?}");
    expected.iter().map(|wanted| statuses.iter().filter(|status| *status == wanted).count()).collect()
}

#[tokio::test]
async fn sign_up_mails_a_link_that_verifies_the_address_once() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let mails = app.verification_mails(1).await;
        assert_eq!(
            (mails[0].to.as_str(), mails[0].subject.as_str()),
            ("ada@example.com", VERIFICATION_SUBJECT)
        );
        let token = mails[0].link_token(VERIFY_LINK);
        assert!(is_token(&token), "32 bytes, base64url: {token}");
        assert!(
            mails[0].body.contains(&format!("http://127.0.0.1:3000/verify#token={token}")),
            "{}",
            mails[0].body
        );
        assert_eq!(
            app.columns_holding(&token).await,
            Vec::<String>::new(),
            "only the token's hash is stored"
        );
        app.mails(0).await;
        assert_eq!(address(&ada).await, (json!("ada@example.com"), json!(false), Value::Null));
        assert_eq!(ada.session().await["user"]["email_verified"], false);

        let resp = verify(&app, &token).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert!(resp.headers().get("set-cookie").is_none(), "following the link does not log in");
        assert_eq!(address(&ada).await, (json!("ada@example.com"), json!(true), Value::Null));
        assert_eq!(ada.session().await["user"]["email_verified"], true, "the session shows it at once");

        assert_error(verify(&app, &token).await, StatusCode::BAD_REQUEST, "invalid_token").await;
        assert_eq!(read(&ada, "/api/users/me").await["email_verified"], true);
    })
    .await;
}

#[tokio::test]
async fn a_verification_token_that_is_not_live_is_400_and_verifies_nothing() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (bob, _) = app.signed_up("bob").await;
        let ada_token = verification_token(&app, 2, "ada@example.com").await;
        let bob_token = verification_token(&app, 2, "bob@example.com").await;
        let mut flipped = ada_token.clone().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let made_up = String::from_utf8(flipped).unwrap();
        for bad in [
            made_up.as_str(),
            "",
            "short",
            &format!("{ada_token}A"),
            &ada_token[..42],
            "' OR 1=1 --",
            &"x".repeat(5000),
        ] {
            assert_error(verify(&app, bad).await, StatusCode::BAD_REQUEST, "invalid_token").await;
        }
        assert_eq!(read(&ada, "/api/users/me").await["email_verified"], false);

        // A link lives 48 hours.
        app.clock.advance(47 * HOUR + Duration::from_secs(59 * 60));
        assert_eq!(verify(&app, &ada_token).await.status(), StatusCode::NO_CONTENT);
        app.clock.advance(Duration::from_secs(2 * 60));
        assert_error(verify(&app, &bob_token).await, StatusCode::BAD_REQUEST, "invalid_token").await;
        assert_eq!(read(&bob, "/api/users/me").await["email_verified"], false);
        assert_eq!(read(&ada, "/api/users/me").await["email_verified"], true);
    })
    .await;
}

#[tokio::test]
async fn a_reset_token_does_not_verify_and_a_verification_token_resets_and_confirms_nothing() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let verification = verification_token(&app, 1, "ada@example.com").await;
        let asked = app.client().post("/api/password-resets", &json!({ "email": "ada@example.com" })).await;
        assert_eq!(asked.status(), StatusCode::ACCEPTED);
        let reset = app.mails(1).await[0].reset_token();

        assert_error(verify(&app, &reset).await, StatusCode::BAD_REQUEST, "invalid_token").await;
        assert_eq!(read(&ada, "/api/users/me").await["email_verified"], false);
        let new_password = "a-brand-new-secret-42";
        let refused = app
            .client()
            .post(
                "/api/password-resets/confirm",
                &json!({ "token": verification, "new_password": new_password }),
            )
            .await;
        assert_error(refused, StatusCode::BAD_REQUEST, "invalid_token").await;
        assert_error(confirm(&app.client(), &verification).await, StatusCode::BAD_REQUEST, "invalid_token")
            .await;
        assert!(logs_in(&app, "ada@example.com").await, "the password is unchanged");

        // Refused elsewhere, each is still good for what it was made for.
        assert_eq!(verify(&app, &verification).await.status(), StatusCode::NO_CONTENT);
        let reset = app
            .client()
            .post("/api/password-resets/confirm", &json!({ "token": reset, "new_password": new_password }))
            .await;
        assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    })
    .await;
}

#[tokio::test]
async fn the_link_can_be_sent_again_three_times_an_hour_until_the_address_is_verified() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        for n in 0..3 {
            let resp = send_again(&ada).await;
            assert_eq!(resp.status(), StatusCode::ACCEPTED, "resend {n}");
            assert!(resp.bytes().await.unwrap().is_empty());
        }
        let mails = app.verification_mails(4).await;
        let mut tokens: Vec<String> = mails.iter().map(|mail| mail.link_token(VERIFY_LINK)).collect();
        assert!(mails.iter().all(|mail| mail.to == "ada@example.com"));
        tokens.sort();
        tokens.dedup();
        assert_eq!(tokens.len(), 4, "each mail has a link of its own");

        let resp = send_again(&ada).await;
        let wait: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=3600).contains(&wait), "Retry-After {wait}");
        assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        app.verification_mails(4).await;

        app.clock.advance(HOUR + Duration::from_secs(1));
        assert_eq!(send_again(&ada).await.status(), StatusCode::ACCEPTED);
        let newest = verification_token(&app, 5, "ada@example.com").await;
        assert_eq!(verify(&app, &newest).await.status(), StatusCode::NO_CONTENT);
        assert_error(send_again(&ada).await, StatusCode::CONFLICT, "already_verified").await;
        app.verification_mails(5).await;
        app.mails(0).await;
    })
    .await;
}

#[tokio::test]
async fn sending_the_link_again_and_changing_the_address_need_a_logged_in_browser() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let made = make(&ada, "script", &["read", "write"], Value::Null).await;
        let script = program(made["token"].as_str().unwrap());
        let again =
            script.post(app.url("/api/users/me/email/verification")).json(&json!({})).send().await.unwrap();
        assert_error(again, StatusCode::FORBIDDEN, "insufficient_scope").await;
        let body = json!({ "email": "ada.new@example.org", "password": PASSWORD });
        let moved = script.put(app.url("/api/users/me/email")).json(&body).send().await.unwrap();
        assert_error(moved, StatusCode::FORBIDDEN, "insufficient_scope").await;

        let nobody = app.client();
        assert_error(send_again(&nobody).await, StatusCode::UNAUTHORIZED, "login_required").await;
        assert_error(
            change(&nobody, "ada.new@example.org", PASSWORD).await,
            StatusCode::UNAUTHORIZED,
            "login_required",
        )
        .await;

        app.verification_mails(1).await;
        app.mails(0).await;
        assert_eq!(address(&ada).await, (json!("ada@example.com"), json!(false), Value::Null));
    })
    .await;
}

#[tokio::test]
async fn with_verified_addresses_required_an_unverified_person_cannot_post_or_comment() {
    each_backend_with(
        |config| config.require_verified_email = true,
        |app| async move {
            let (bob, _) = app.signed_up("bob").await;
            let bobs = verification_token(&app, 1, "bob@example.com").await;
            assert_eq!(verify(&app, &bobs).await.status(), StatusCode::NO_CONTENT);
            let story = post(&bob, "Bob story").await["id"].as_i64().unwrap();
            let said = comment(&bob, story, None, "first").await;

            let (ada, _) = app.signed_up("ada").await;
            let script =
                program(make(&ada, "script", &["write"], Value::Null).await["token"].as_str().unwrap());
            let link = json!({ "title": "Ada story", "post_url": fresh_link() });
            let text = json!({ "title": "Ask: anyone?", "text": "Is this on?" });
            let top = json!({ "post_id": story, "parent_id": null, "comment_text": "hello" });
            let reply = json!({ "post_id": story, "parent_id": said, "comment_text": "hello bob" });
            for (path, body) in [
                ("/api/posts", &link),
                ("/api/posts", &text),
                ("/api/comments", &top),
                ("/api/comments", &reply),
            ] {
                assert_error(ada.post(path, body).await, StatusCode::FORBIDDEN, "email_unverified").await;
                let by_token = script.post(app.url(path)).json(body).send().await.unwrap();
                assert_error(by_token, StatusCode::FORBIDDEN, "email_unverified").await;
            }
            assert_eq!((app.count("posts").await, app.count("comments").await), (1, 1), "nothing written");

            let adas = verification_token(&app, 2, "ada@example.com").await;
            assert_eq!(verify(&app, &adas).await.status(), StatusCode::NO_CONTENT);
            for (path, body) in [("/api/posts", &link), ("/api/comments", &top), ("/api/comments", &reply)] {
                assert_eq!(ada.post(path, body).await.status(), StatusCode::CREATED, "{path} {body}");
            }
            assert_eq!((app.count("posts").await, app.count("comments").await), (2, 3));
        },
    )
    .await;
}

#[tokio::test]
async fn a_new_address_takes_effect_only_once_the_link_mailed_to_it_is_followed() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let resp = change(&ada, "ada.new@example.org", PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        assert!(resp.bytes().await.unwrap().is_empty());

        let mails = app.mails(2).await;
        let link = confirmation_to(&mails, "ada.new@example.org");
        let token = link.link_token(CONFIRM_LINK);
        assert!(is_token(&token), "32 bytes, base64url: {token}");
        assert!(
            link.body.contains(&format!("http://127.0.0.1:3000/confirm-email#token={token}")),
            "{}",
            link.body
        );
        let notice =
            mails.iter().find(|mail| mail.to == "ada@example.com").expect("a notice to the old address");
        assert_eq!(notice.subject, NOTICE_SUBJECT);
        assert!(!notice.body.contains(&token) && !notice.body.contains("/confirm-email"), "{}", notice.body);
        assert_eq!(
            app.columns_holding(&token).await,
            Vec::<String>::new(),
            "only the token's hash is stored"
        );

        // Nothing changes until the link is followed.
        assert_eq!(
            address(&ada).await,
            (json!("ada@example.com"), json!(false), json!("ada.new@example.org"))
        );
        assert!(logs_in(&app, "ada@example.com").await);
        assert!(!logs_in(&app, "ada.new@example.org").await);

        assert_eq!(confirm(&ada, &token).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(address(&ada).await, (json!("ada.new@example.org"), json!(true), Value::Null));
        assert_eq!(ada.session().await["user"]["email_verified"], true);
        assert!(logs_in(&app, "ada.new@example.org").await);
        assert!(!logs_in(&app, "ada@example.com").await);

        assert_error(confirm(&ada, &token).await, StatusCode::BAD_REQUEST, "invalid_token").await;
        assert_eq!(read(&ada, "/api/users/me").await["email"], "ada.new@example.org");
        app.mails(2).await;
    })
    .await;
}

#[tokio::test]
async fn following_the_link_ends_every_other_session_and_token_of_the_person() {
    each_backend(|app| async move {
        let (laptop, _) = app.signed_up("ada").await;
        let phone = app.client();
        assert_eq!(phone.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        let script =
            program(make(&laptop, "script", &["read"], Value::Null).await["token"].as_str().unwrap());
        let (bob, _) = app.signed_up("bob").await;

        // Followed in a browser logged in as the person: that session stays.
        assert_eq!(change(&laptop, "ada.new@example.org", PASSWORD).await.status(), StatusCode::ACCEPTED);
        let token = confirmation_to(&app.mails(2).await, "ada.new@example.org").link_token(CONFIRM_LINK);
        assert_eq!(confirm(&laptop, &token).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(laptop.logged_in_as().await.as_deref(), Some("ada"), "the confirming browser stays");
        assert_eq!(phone.session().await["logged_in"], false, "another browser of hers is logged out");
        let refused = script.get(app.url("/api/users/me")).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "her token is ended");
        assert_eq!(bob.logged_in_as().await.as_deref(), Some("bob"), "nobody else is touched");

        // Followed in a browser logged in as someone else: every session of hers ends, not his.
        assert_eq!(phone.log_in("ada.new@example.org", PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(change(&laptop, "ada.third@example.net", PASSWORD).await.status(), StatusCode::ACCEPTED);
        let token = confirmation_to(&app.mails(4).await, "ada.third@example.net").link_token(CONFIRM_LINK);
        assert_eq!(confirm(&bob, &token).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(laptop.session().await["logged_in"], false);
        assert_eq!(phone.session().await["logged_in"], false);
        assert_eq!(bob.logged_in_as().await.as_deref(), Some("bob"));
        assert!(logs_in(&app, "ada.third@example.net").await);
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_or_a_bad_address_is_refused_and_changes_and_mails_nothing() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        app.signed_up("bob").await;
        let resp = change(&ada, "ada.new@example.org", "not-my-password").await;
        assert_error(resp, StatusCode::FORBIDDEN, "wrong_password").await;
        for taken in ["bob@example.com", "BOB@Example.com"] {
            assert_error(change(&ada, taken, PASSWORD).await, StatusCode::CONFLICT, "email_taken").await;
        }
        for bad in ["not-an-address", "", "a@b", "ada@example.com", "ADA@example.com"] {
            let body = assert_error(
                change(&ada, bad, PASSWORD).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(body["field"], "email", "{bad:?}");
        }
        let resp = ada.put("/api/users/me/email", &json!({ "email": 7, "password": PASSWORD })).await;
        let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["field"], "email");

        app.mails(0).await;
        assert_eq!(address(&ada).await, (json!("ada@example.com"), json!(false), Value::Null));
        assert!(logs_in(&app, "ada@example.com").await && logs_in(&app, "bob@example.com").await);
    })
    .await;
}

#[tokio::test]
async fn a_change_link_is_of_its_own_kind_and_the_newest_is_pending_for_48_hours() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let verification = verification_token(&app, 1, "ada@example.com").await;
        assert_eq!(change(&ada, "ada.new@example.org", PASSWORD).await.status(), StatusCode::ACCEPTED);
        let token = confirmation_to(&app.mails(2).await, "ada.new@example.org").link_token(CONFIRM_LINK);

        assert_error(confirm(&ada, &verification).await, StatusCode::BAD_REQUEST, "invalid_token").await;
        assert_error(verify(&app, &token).await, StatusCode::BAD_REQUEST, "invalid_token").await;
        assert_eq!(
            address(&ada).await,
            (json!("ada@example.com"), json!(false), json!("ada.new@example.org"))
        );
        assert_eq!(confirm(&ada, &token).await.status(), StatusCode::NO_CONTENT);

        // The newest request is the pending one; 48 hours later none is.
        for wanted in ["ada.third@example.net", "ada.fourth@example.net"] {
            assert_eq!(change(&ada, wanted, PASSWORD).await.status(), StatusCode::ACCEPTED);
        }
        assert_eq!(address(&ada).await.2, "ada.fourth@example.net");
        let late = confirmation_to(&app.mails(6).await, "ada.fourth@example.net").link_token(CONFIRM_LINK);
        app.clock.advance(48 * HOUR + Duration::from_secs(60));
        assert_error(confirm(&ada, &late).await, StatusCode::BAD_REQUEST, "invalid_token").await;
        assert_eq!(
            address(&ada).await,
            (json!("ada.new@example.org"), json!(true), Value::Null),
            "no live change"
        );
        assert!(!logs_in(&app, "ada.fourth@example.net").await);
    })
    .await;
}

#[tokio::test]
async fn an_address_taken_while_the_change_waited_is_a_conflict_when_the_link_is_followed() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        assert_eq!(change(&ada, "carol@example.com", PASSWORD).await.status(), StatusCode::ACCEPTED);
        let token = confirmation_to(&app.mails(2).await, "carol@example.com").link_token(CONFIRM_LINK);
        app.signed_up("carol").await;

        assert_error(confirm(&ada, &token).await, StatusCode::CONFLICT, "email_taken").await;
        assert_eq!(read(&ada, "/api/users/me").await["email"], "ada@example.com");
        assert_eq!(ada.logged_in_as().await.as_deref(), Some("ada"));
        assert!(logs_in(&app, "ada@example.com").await && logs_in(&app, "carol@example.com").await);
    })
    .await;
}

#[tokio::test]
async fn two_people_racing_for_one_new_address_get_it_once() {
    each_backend(|app| async move {
        for round in 0..3 {
            let (ada, _) = app.signed_up(&format!("ada{round}")).await;
            let (bob, _) = app.signed_up(&format!("bob{round}")).await;
            let wanted = format!("carol{round}@example.com");
            let asked = join_all([change(&ada, &wanted, PASSWORD), change(&bob, &wanted, PASSWORD)]).await;
            let asked: Vec<StatusCode> = asked.iter().map(Response::status).collect();
            assert_eq!(asked, [StatusCode::ACCEPTED; 2], "round {round}: asking is no claim");
            let tokens = confirmations_to(&app.mails(4 * (round + 1)).await, &wanted);
            assert_eq!(tokens.len(), 2, "round {round}");

            let browsers = [app.client(), app.client()];
            let confirmed =
                join_all(browsers.iter().zip(&tokens).map(|(browser, token)| confirm(browser, token))).await;
            let statuses: Vec<StatusCode> = confirmed.iter().map(Response::status).collect();
            assert_eq!(
                tally(&statuses, &[StatusCode::NO_CONTENT, StatusCode::CONFLICT]),
                [1, 1],
                "round {round}"
            );
            for lost in confirmed.into_iter().filter(|resp| resp.status() == StatusCode::CONFLICT) {
                assert_error(lost, StatusCode::CONFLICT, "email_taken").await;
            }
            let holders = app.scalar(&format!("SELECT COUNT(*) FROM users WHERE email = '{wanted}'")).await;
            assert_eq!(holders, 1, "round {round}");
            let winner: Value = app.client().log_in(&wanted, PASSWORD).await.json().await.unwrap();
            let winner = winner["username"].as_str().unwrap().to_owned();
            let loser = if winner.starts_with("ada") { format!("bob{round}") } else { format!("ada{round}") };
            assert!(!logs_in(&app, &format!("{winner}@example.com")).await, "round {round}: {winner} moved");
            assert!(logs_in(&app, &format!("{loser}@example.com")).await, "round {round}: {loser} did not");
        }
    })
    .await;
}

#[tokio::test]
async fn one_change_link_followed_ten_times_at_once_works_once() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        assert_eq!(change(&ada, "ada.new@example.org", PASSWORD).await.status(), StatusCode::ACCEPTED);
        let token = confirmations_to(&app.mails(2).await, "ada.new@example.org").remove(0);
        let browsers: Vec<Client> = (0..10).map(|_| app.client()).collect();
        let confirmed = join_all(browsers.iter().map(|browser| confirm(browser, &token))).await;
        let statuses: Vec<StatusCode> = confirmed.iter().map(Response::status).collect();
        assert_eq!(tally(&statuses, &[StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST]), [1, 9]);
        for refused in confirmed.into_iter().filter(|resp| resp.status() == StatusCode::BAD_REQUEST) {
            assert_error(refused, StatusCode::BAD_REQUEST, "invalid_token").await;
        }
        assert!(logs_in(&app, "ada.new@example.org").await);
    })
    .await;
}

#[tokio::test]
async fn one_verification_link_followed_ten_times_at_once_works_once() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let token = verification_token(&app, 1, "ada@example.com").await;
        let verified = join_all((0..10).map(|_| verify(&app, &token))).await;
        let statuses: Vec<StatusCode> = verified.iter().map(Response::status).collect();
        assert_eq!(tally(&statuses, &[StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST]), [1, 9]);
        for refused in verified.into_iter().filter(|resp| resp.status() == StatusCode::BAD_REQUEST) {
            assert_error(refused, StatusCode::BAD_REQUEST, "invalid_token").await;
        }
        assert_eq!(read(&ada, "/api/users/me").await["email_verified"], true);
    })
    .await;
}

/// With a database server, several instances share the accounts: what one instance answered,
/// another shows at once. (Embedded SQLite serves one instance.)
#[tokio::test]
async fn a_verification_and_a_change_through_one_instance_are_seen_at_once_through_another() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let laptop = first.client();
        let signed_up = laptop.sign_up("ada", "ada@example.com", PASSWORD).await;
        assert_eq!(signed_up.status(), StatusCode::CREATED);
        let laptop_there = second.client_with_cookie(&issued_token(&signed_up).unwrap());
        let phone = second.client();
        assert_eq!(phone.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(laptop_there.session().await["user"]["email_verified"], false);
        assert_eq!(address(&laptop_there).await, (json!("ada@example.com"), json!(false), Value::Null));

        let token = verification_token(&first, 1, "ada@example.com").await;
        assert_eq!(verify(&first, &token).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(laptop_there.session().await["user"]["email_verified"], true);
        assert_eq!(address(&laptop_there).await, (json!("ada@example.com"), json!(true), Value::Null));

        assert_eq!(change(&laptop, "ada.new@example.org", PASSWORD).await.status(), StatusCode::ACCEPTED);
        assert_eq!(address(&laptop_there).await.2, "ada.new@example.org");
        let token = confirmations_to(&first.mails(2).await, "ada.new@example.org").remove(0);
        assert_eq!(confirm(&laptop, &token).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(phone.session().await["logged_in"], false, "logged out there at once");
        assert_eq!(laptop_there.logged_in_as().await.as_deref(), Some("ada"));
        assert_eq!(address(&laptop_there).await, (json!("ada.new@example.org"), json!(true), Value::Null));
        assert_eq!(second.client().log_in("ada.new@example.org", PASSWORD).await.status(), StatusCode::OK);
        assert!(!logs_in(&second, "ada@example.com").await);
    })
    .await;
}
