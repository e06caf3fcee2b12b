//! What only one person sees — their inbox and their profile — is kept in memory for them
//! (`db::caches`: `Change::Person` forgets it, and on a database server advances the change
//! counter), so these tests read it before every write that changes it (so it is kept) and
//! again after: the write shows in the very next read, through the instance that wrote and, on a
//! database server, through another one; and readers polling without a pause never see a
//! write's answer before its effect.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use just_tech_news::domain::TotpSecret;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Backend, Client, PASSWORD, TestApp, each_backend, issued_token},
    inbox::comment,
    posts::{post, read},
};

/// Ada's browser on `app`, which writes, and her cookie where she reads: on a database server
/// through a second instance (returned, to keep it running), on SQLite through `app` itself.
async fn ada_twice(app: &TestApp) -> (Client, Client, Option<TestApp>) {
    let ada = app.client();
    let resp = ada.sign_up("ada", "ada@example.com", PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let token = issued_token(&resp).unwrap();
    if app.test_database().backend == Backend::Sqlite {
        let there = app.client_with_cookie(&token);
        return (ada, there, None);
    }
    let second = app.sibling().await;
    let there = second.client_with_cookie(&token);
    (ada, there, Some(second))
}

/// Everything of Ada's own that is kept: her inbox (all, and only the unread), her profile, and
/// the count her session gives.
#[derive(Debug)]
struct Seen {
    inbox: Value,
    unread_only: Value,
    profile: Value,
    session_unread: Value,
}

async fn seen(client: &Client) -> Seen {
    Seen {
        inbox: read(client, "/api/notifications").await,
        unread_only: read(client, "/api/notifications?unread=true").await,
        profile: read(client, "/api/users/me").await,
        session_unread: client.session().await["user"]["unread"].clone(),
    }
}

impl Seen {
    /// The inbox's comments, newest first, with whether each is read and deleted.
    fn listed(&self) -> Vec<(String, bool, bool)> {
        let listed = self.inbox["notifications"].as_array().unwrap().iter();
        listed
            .map(|n| {
                let comment = &n["comment"];
                let text = comment["comment_html"].as_str().unwrap().trim().to_owned();
                (text, n["read"].as_bool().unwrap(), comment["deleted"].as_bool().unwrap())
            })
            .collect()
    }

    /// The unread count, asserted to be the same in the session, the inbox and the filtered one.
    fn unread(&self) -> i64 {
        let counts = [
            self.session_unread.clone(),
            self.inbox["unread"].clone(),
            self.unread_only["unread"].clone(),
            self.unread_only["total"].clone(),
        ];
        assert!(counts.iter().all(|count| *count == counts[0]), "{counts:?}");
        counts[0].as_i64().unwrap()
    }
}

fn entry(text: &str, read: bool, deleted: bool) -> (String, bool, bool) {
    (text.to_owned(), read, deleted)
}

/// The code an authenticator holding `secret` shows at `app`'s "now".
fn code(app: &TestApp, secret: &str) -> String {
    TotpSecret::stored(secret).code_at(app.clock.now()).unwrap()
}

/// The token of the newest mail to `to` among `mails` with a link starting with `link`.
fn token_in(mails: &[crate::harness::Mail], to: &str, link: &str) -> String {
    let mut mails = mails.iter().rev();
    let mail = mails.find(|mail| mail.to == to && mail.body.contains(link)).expect("a mail with the link");
    mail.link_token(link)
}

#[tokio::test]
async fn every_write_to_an_inbox_or_a_profile_shows_in_its_owners_next_read() {
    each_backend(|app| async move {
        let (ada, there, _second) = ada_twice(&app).await;
        let (bob, _) = app.signed_up("bob").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let story = post(&ada, "Ada story").await["id"].as_i64().unwrap();

        let before = seen(&there).await;
        assert_eq!((before.listed(), before.unread()), (vec![], 0));
        assert_eq!(before.profile["email_verified"], false);
        let first = comment(&bob, story, None, "first").await;
        let now = seen(&there).await;
        assert_eq!((now.listed(), now.unread()), (vec![entry("<p>first</p>", false, false)], 1));

        let id = now.inbox["notifications"][0]["id"].as_i64().unwrap();
        let resp = ada.put(&format!("/api/notifications/{id}/read"), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let now = seen(&there).await;
        assert_eq!((now.listed(), now.unread()), (vec![entry("<p>first</p>", true, false)], 0));

        let second = comment(&bob, story, None, "second").await;
        let now = seen(&there).await;
        assert_eq!(now.unread(), 1);
        let newest = now.inbox["notifications"][0]["id"].clone();
        let resp = ada.post("/api/notifications/read", &json!({ "up_to_id": newest })).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let now = seen(&there).await;
        assert_eq!(now.unread(), 0);
        assert_eq!(
            now.listed(),
            vec![entry("<p>second</p>", true, false), entry("<p>first</p>", true, false)]
        );

        let resp =
            bob.put(&format!("/api/comments/{second}"), &json!({ "comment_text": "second, edited" })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        seen(&there).await;
        assert_eq!(bob.delete(&format!("/api/comments/{first}")).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            seen(&there).await.listed(),
            vec![entry("<p>second, edited</p>", true, false), entry("", true, true)]
        );

        let resp = moderator
            .post(&format!("/api/moderation/posts/{story}/remove"), &json!({ "reason": "spam" }))
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let now = seen(&there).await;
        assert_eq!((now.listed(), now.inbox["total"].clone()), (vec![], json!(0)));
        let resp = moderator.post(&format!("/api/moderation/posts/{story}/restore"), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(seen(&there).await.inbox["total"], 2);

        // The profile: the mail setting, the verified address, two-factor and its recovery codes,
        // and an address change from its request to its confirmation.
        let resp = ada.put("/api/users/me/settings", &json!({ "email_notifications": true })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let now = seen(&there).await;
        assert_eq!(now.profile["settings"]["email_notifications"], true);

        let verification = token_in(&app.all_mails(), "ada@example.com", "/verify#token=");
        let resp = app.client().post("/api/users/me/email/verify", &json!({ "token": verification })).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let now = seen(&there).await;
        assert_eq!(now.profile["email_verified"], true);

        let resp = ada.post("/api/users/me/totp", &json!({ "password": PASSWORD })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let secret = resp.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
        assert_eq!(seen(&there).await.profile["two_factor"], false, "not on before it is confirmed");
        let resp = ada.post("/api/users/me/totp/confirm", &json!({ "code": code(&app, &secret) })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let codes: Value = resp.json::<Value>().await.unwrap()["recovery_codes"].clone();
        let now = seen(&there).await;
        assert_eq!(
            (now.profile["two_factor"].clone(), now.profile["recovery_codes_left"].clone()),
            (json!(true), json!(10))
        );
        let login = json!({ "email": "ada@example.com", "password": PASSWORD, "recovery_code": codes[0] });
        assert_eq!(app.client().post("/api/users/login", &login).await.status(), StatusCode::OK);
        assert_eq!(seen(&there).await.profile["recovery_codes_left"], 9, "a code spent by a login elsewhere");
        let resp = ada.post("/api/users/me/totp/recovery-codes", &json!({ "password": PASSWORD })).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let codes: Value = resp.json::<Value>().await.unwrap()["recovery_codes"].clone();
        let login = json!({ "email": "ada@example.com", "password": PASSWORD, "recovery_code": codes[1] });
        assert_eq!(app.client().post("/api/users/login", &login).await.status(), StatusCode::OK);
        assert_eq!(seen(&there).await.profile["recovery_codes_left"], 9, "new codes, one spent");
        let off = json!({ "password": PASSWORD, "code": codes[2] });
        assert_eq!(ada.delete_json("/api/users/me/totp", &off).await.status(), StatusCode::NO_CONTENT);
        let now = seen(&there).await;
        assert_eq!(
            (now.profile["two_factor"].clone(), now.profile["recovery_codes_left"].clone()),
            (json!(false), json!(0))
        );

        let change = json!({ "email": "ada@example.org", "password": PASSWORD });
        assert_eq!(ada.put("/api/users/me/email", &change).await.status(), StatusCode::ACCEPTED);
        let now = seen(&there).await;
        assert_eq!(now.profile["pending_email"], "ada@example.org");
        let confirmation = token_in(&app.all_mails(), "ada@example.org", "/confirm-email#token=");
        let resp = ada.post("/api/users/me/email/confirm", &json!({ "token": confirmation })).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let now = seen(&there).await;
        assert_eq!(
            (
                now.profile["email"].clone(),
                now.profile["pending_email"].clone(),
                now.profile["email_verified"].clone()
            ),
            (json!("ada@example.org"), Value::Null, json!(true))
        );
    })
    .await;
}

/// Readers poll Ada's inbox and profile without a pause (so they are kept and read again as the
/// writes land) while replies come, she marks them read and turns her mail on and off: after
/// each write has answered, the next read shows it.
#[tokio::test]
async fn readers_polling_an_inbox_and_a_profile_never_miss_a_write() {
    each_backend(|app| async move {
        let (ada, there, _second) = ada_twice(&app).await;
        let (bob, _) = app.signed_up("bob").await;
        let story = post(&ada, "Ada story").await["id"].as_i64().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let mut readers = Vec::new();
        for path in ["/api/notifications", "/api/notifications?unread=true", "/api/users/me", "/api/session"]
        {
            let (reader, stop) = (there.clone(), stop.clone());
            readers.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    assert_eq!(reader.get(path).await.status(), StatusCode::OK, "{path}");
                }
            }));
        }
        for round in 1..=10 {
            comment(&bob, story, None, &format!("reply {round}")).await;
            let now = seen(&there).await;
            assert_eq!((now.unread(), now.inbox["total"].clone()), (1, json!(round)), "round {round}");
            assert_eq!(
                now.listed()[0],
                entry(&format!("<p>reply {round}</p>"), false, false),
                "round {round}"
            );

            let newest = now.inbox["notifications"][0]["id"].clone();
            let resp = ada.post("/api/notifications/read", &json!({ "up_to_id": newest })).await;
            assert_eq!(resp.status(), StatusCode::NO_CONTENT);
            let now = seen(&there).await;
            assert_eq!(now.unread(), 0, "round {round}");
            assert!(now.listed().iter().all(|(_, read, _)| *read), "round {round}");

            let on = round % 2 == 1;
            let resp = ada.put("/api/users/me/settings", &json!({ "email_notifications": on })).await;
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(seen(&there).await.profile["settings"]["email_notifications"], on, "round {round}");
        }
        stop.store(true, Ordering::Relaxed);
        for reader in readers {
            reader.await.unwrap();
        }
    })
    .await;
}
