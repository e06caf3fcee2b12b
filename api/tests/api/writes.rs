//! Every write operation the spec offers, each seen by the very next read — on another instance
//! where there is one — while readers keep every cached page busy: the test that fails if a
//! write skipped the unit of work, or if a write in it did not say what it changed.

use std::{
    collections::BTreeSet,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use just_tech_news::domain::TotpSecret;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    authenticator::Authenticator,
    harness::{Backend, Client, Mail, PASSWORD, TestApp, each_backend_with, issued_token},
};

/// The pages a reader reads, so that whatever can be cached of them is.
const PAGES: [&str; 7] = [
    "/api/posts",
    "/api/posts?sort=hot",
    "/api/posts?sort=top&period=all",
    "/api/search?q=story",
    "/feeds/new.atom",
    "/feeds/hot.atom",
    "/user/ada/feed.atom",
];

/// The write operations of the spec, by `operation_id`.
fn writes_in_the_spec() -> BTreeSet<String> {
    let spec: Value = serde_json::from_str(&just_tech_news::http::api::service().spec()).unwrap();
    let mut writes = BTreeSet::new();
    for operations in spec["paths"].as_object().unwrap().values() {
        for (method, operation) in operations.as_object().unwrap() {
            if method != "get" {
                writes.insert(operation["operationId"].as_str().unwrap().to_owned());
            }
        }
    }
    writes
}

/// The session token a sign-up or login answered with, to present on another instance.
fn token_of(response: &reqwest::Response) -> String {
    assert!(response.status().is_success(), "{}", response.status());
    issued_token(response).expect("a session cookie")
}

async fn status(resp: reqwest::Response) -> u16 {
    resp.status().as_u16()
}

async fn json(client: &Client, path: &str) -> Value {
    let resp = client.get(path).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.unwrap()
}

/// Reads every cached page as each of `readers`, and `post`'s page.
async fn warm(readers: &[&Client], post: &Value) {
    for reader in readers {
        for page in PAGES {
            reader.get(page).await;
        }
        reader.get(&format!("/api/posts/{post}")).await;
    }
}

/// Whether post `id` is on page 1 of every listing, as `reader` reads them, and its line there.
async fn listed(reader: &Client, id: &Value) -> Option<Value> {
    let mut lines = Vec::new();
    for page in &PAGES[..3] {
        let page = json(reader, page).await;
        lines.push(page["posts"].as_array().unwrap().iter().find(|p| p["id"] == *id).cloned());
    }
    assert!(lines.windows(2).all(|w| w[0] == w[1]), "every order shows the same line: {lines:?}");
    lines.pop().flatten()
}

/// Where passkeys can be: a site at a domain name (browsers refuse an IP address).
const SITE: &str = "http://localhost:3000";

/// The token of the `nth` link (from 1) to `path` (`/verify#token=`) mailed to `to`, waiting up
/// to 10 s for it to be written.
async fn mailed_link(app: &TestApp, to: &str, path: &str, nth: usize) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let mails: Vec<Mail> =
            app.all_mails().into_iter().filter(|mail| mail.to == to && mail.body.contains(path)).collect();
        if let Some(mail) = mails.get(nth - 1) {
            return mail.link_token(path);
        }
        assert!(std::time::Instant::now() < deadline, "no mail to {to} with {path}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn every_write_operation_is_seen_by_the_next_read_on_every_instance() {
    each_backend_with(|config| config.public_url = SITE.parse().unwrap(), |app| async move {
        let sibling = match app.test_database().backend {
            Backend::Sqlite => None,
            _ => Some(app.sibling().await),
        };
        // Writes go through `app`, reads through `there`: another instance, where there can be one.
        let there = sibling.as_ref().unwrap_or(&app);
        let mut done = BTreeSet::new();

        let ada = app.client();
        let ada_token = token_of(&ada.sign_up("ada", "ada@example.com", PASSWORD).await);
        assert_eq!(status(there.client().get("/api/users/ada").await).await, 200);
        done.insert("sign_up");
        let grace = app.client();
        let grace_token = token_of(&grace.sign_up("grace", "grace@example.com", PASSWORD).await);
        let (zed, _) = app.signed_up("zed").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let (admin, _) = app.signed_up_as("root", "admin").await;
        let stranger = there.client();
        let grace_there = there.client_with_cookie(&grace_token);
        let ada_there = there.client_with_cookie(&ada_token);
        let readers = [&stranger, &grace_there];

        // Readers that keep every cached page busy on the reading instance throughout.
        let stop = Arc::new(AtomicBool::new(false));
        let busy: Vec<_> = [there.client(), there.client_with_cookie(&grace_token)]
            .into_iter()
            .map(|reader| {
                let stop = stop.clone();
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        for page in PAGES {
                            reader.get(page).await;
                        }
                    }
                })
            })
            .collect();

        let ada_token2 = token_of(&app.client().log_in("ada@example.com", PASSWORD).await);
        assert_eq!(there.client_with_cookie(&ada_token2).logged_in_as().await.as_deref(), Some("ada"));
        done.insert("log_in");

        warm(&readers, &json!(0)).await;
        let body = json!({"title": "Alpha story", "post_url": "https://example.com/alpha"});
        let created: Value = ada.post("/api/posts", &body).await.json().await.unwrap();
        let id = created["id"].clone();
        for reader in readers {
            let line = listed(reader, &id).await.expect("a new post is listed at once");
            assert_eq!(line["title"], "Alpha story");
            assert!(json(reader, "/api/search?q=story").await["posts"].to_string().contains("Alpha story"));
            assert!(reader.get("/feeds/new.atom").await.text().await.unwrap().contains("Alpha story"));
        }
        done.insert("create_post");

        let post_path = format!("/api/posts/{id}");
        warm(&readers, &id).await;
        assert_eq!(status(ada.put(&post_path, &json!({"title": "Alpha story retold"})).await).await, 200);
        for reader in readers {
            assert_eq!(listed(reader, &id).await.unwrap()["title"], "Alpha story retold");
            assert_eq!(json(reader, &post_path).await["title"], "Alpha story retold");
            assert!(reader.get("/user/ada/feed.atom").await.text().await.unwrap().contains("retold"));
        }
        done.insert("update_post");

        let vote = format!("/api/posts/{id}/vote");
        warm(&readers, &id).await;
        assert_eq!(status(grace.put(&vote, &json!({})).await).await, 200);
        assert_eq!(listed(&stranger, &id).await.unwrap()["vote_count"], 1);
        assert_eq!(json(&grace_there, &post_path).await["voted"], true);
        done.insert("vote_post");

        warm(&readers, &id).await;
        assert_eq!(status(grace.delete(&vote).await).await, 200);
        assert_eq!(listed(&stranger, &id).await.unwrap()["vote_count"], 0);
        assert_eq!(json(&grace_there, &post_path).await["voted"], false);
        done.insert("unvote_post");

        let save = format!("/api/posts/{id}/save");
        warm(&readers, &id).await;
        assert_eq!(status(grace.put(&save, &json!({})).await).await, 204);
        assert_eq!(listed(&grace_there, &id).await.unwrap()["saved"], true);
        assert_eq!(json(&grace_there, &post_path).await["saved"], true);
        assert_eq!(json(&grace_there, "/api/users/me/saved").await["total"], 1);
        assert_eq!(listed(&stranger, &id).await.unwrap()["saved"], false);
        done.insert("save_post");

        warm(&readers, &id).await;
        assert_eq!(status(grace.delete(&save).await).await, 204);
        assert_eq!(listed(&grace_there, &id).await.unwrap()["saved"], false);
        assert_eq!(json(&grace_there, &post_path).await["saved"], false);
        assert_eq!(json(&grace_there, "/api/users/me/saved").await["total"], 0);
        done.insert("unsave_post");

        let hide = format!("/api/posts/{id}/hide");
        warm(&readers, &id).await;
        assert_eq!(status(grace.put(&hide, &json!({})).await).await, 204);
        assert_eq!(listed(&grace_there, &id).await, None);
        assert!(!json(&grace_there, "/api/search?q=story").await["posts"].to_string().contains("Alpha story"));
        assert_eq!(json(&grace_there, "/api/users/me/hidden").await["total"], 1);
        assert!(listed(&stranger, &id).await.is_some());
        done.insert("hide_post");

        warm(&readers, &id).await;
        assert_eq!(status(grace.delete(&hide).await).await, 204);
        assert!(listed(&grace_there, &id).await.is_some());
        assert!(json(&grace_there, "/api/search?q=story").await["posts"].to_string().contains("Alpha story"));
        assert_eq!(json(&grace_there, "/api/users/me/hidden").await["total"], 0);
        done.insert("unhide_post");

        warm(&readers, &id).await;
        assert_eq!(status(grace.put("/api/users/ada/mute", &json!({})).await).await, 204);
        assert_eq!(listed(&grace_there, &id).await, None);
        assert_eq!(json(&grace_there, "/api/users/me/muted").await["users"][0]["username"], "ada");
        assert!(listed(&stranger, &id).await.is_some());
        done.insert("mute_user");

        warm(&readers, &id).await;
        assert_eq!(status(grace.delete("/api/users/ada/mute").await).await, 204);
        assert!(listed(&grace_there, &id).await.is_some());
        assert_eq!(json(&grace_there, "/api/users/me/muted").await["users"], json!([]));
        done.insert("unmute_user");

        warm(&readers, &id).await;
        let tag = json!({"name": "rust", "description": "The language"});
        assert_eq!(status(admin.post("/api/tags", &tag).await).await, 201);
        assert_eq!(json(&stranger, "/api/tags").await["tags"][0]["name"], "rust");
        assert_eq!(status(there.client().get("/api/posts?tag=rust").await).await, 200);
        done.insert("create_tag");

        warm(&readers, &id).await;
        assert_eq!(status(admin.put("/api/tags/rust", &json!({"description": "Rust"})).await).await, 200);
        assert_eq!(json(&stranger, "/api/tags").await["tags"][0]["description"], "Rust");
        done.insert("update_tag");

        warm(&readers, &id).await;
        let tagged = json!({"title": "Alpha story retold", "tags": ["rust"]});
        assert_eq!(status(ada.put(&post_path, &tagged).await).await, 200);
        assert_eq!(listed(&stranger, &id).await.unwrap()["tags"], json!(["rust"]));
        assert_eq!(json(&stranger, &post_path).await["tags"], json!(["rust"]));
        assert_eq!(json(&stranger, "/api/posts?tag=rust").await["total"], 1);
        assert_eq!(json(&stranger, "/api/tags").await["tags"][0]["post_count"], 1);

        warm(&readers, &id).await;
        assert_eq!(status(grace.put("/api/users/me/filters", &json!({"tags": ["rust"]})).await).await, 200);
        assert_eq!(listed(&grace_there, &id).await, None);
        assert!(!json(&grace_there, "/api/search?q=story").await["posts"].to_string().contains("Alpha story"));
        assert_eq!(json(&grace_there, "/api/posts?tag=rust").await["total"], 1, "a tag's own page");
        assert!(listed(&stranger, &id).await.is_some(), "one person's filter is theirs alone");
        warm(&readers, &id).await;
        assert_eq!(status(grace.put("/api/users/me/filters", &json!({"tags": []})).await).await, 200);
        assert!(listed(&grace_there, &id).await.is_some());
        done.insert("set_filters");

        warm(&readers, &id).await;
        assert_eq!(status(admin.delete("/api/tags/rust").await).await, 204);
        assert_eq!(listed(&stranger, &id).await.unwrap()["tags"], json!([]));
        assert_eq!(json(&stranger, &post_path).await["tags"], json!([]));
        assert_eq!(status(stranger.get("/api/posts?tag=rust").await).await, 404);
        done.insert("delete_tag");

        warm(&readers, &id).await;
        let written: Value =
            grace.post("/api/comments", &json!({"post_id": id, "comment_text": "first!"})).await.json().await.unwrap();
        let comment = written["id"].clone();
        for reader in readers {
            assert_eq!(listed(reader, &id).await.unwrap()["comment_count"], 1);
            assert_eq!(json(reader, &post_path).await["comments"][0]["comment_text"], "first!");
        }
        done.insert("create_comment");

        let comment_path = format!("/api/comments/{comment}");
        warm(&readers, &id).await;
        assert_eq!(status(grace.put(&comment_path, &json!({"comment_text": "second!"})).await).await, 200);
        assert_eq!(json(&stranger, &post_path).await["comments"][0]["comment_text"], "second!");
        done.insert("update_comment");

        // Grace's comment on Ada's post is in Ada's inbox, counted by her next session check on
        // every instance; so is each change to the inbox.
        let unread = |client: &Client| {
            let client = client.clone();
            async move { client.session().await["user"]["unread"].clone() }
        };
        assert_eq!(unread(&ada_there).await, 1);
        let notification = json(&ada_there, "/api/notifications").await["notifications"][0]["id"].clone();
        let read_one = format!("/api/notifications/{notification}/read");
        assert_eq!(status(ada.put(&read_one, &json!({})).await).await, 204);
        assert_eq!(unread(&ada_there).await, 0);
        assert_eq!(json(&ada_there, "/api/notifications").await["notifications"][0]["read"], true);
        done.insert("mark_notification_read");
        let body = json!({"title": "Beta notes", "text": "More to read"});
        let beta = ada.post("/api/posts", &body).await.json::<Value>().await.unwrap()["id"].clone();
        let beta_path = format!("/api/posts/{beta}");
        grace.post("/api/comments", &json!({"post_id": beta, "comment_text": "noted"})).await;
        assert_eq!(unread(&ada_there).await, 1);
        let newest = json(&ada_there, "/api/notifications").await["notifications"][0]["id"].clone();
        let read_all = ada.post("/api/notifications/read", &json!({"up_to_id": newest})).await;
        assert_eq!(status(read_all).await, 204);
        assert_eq!(unread(&ada_there).await, 0);
        done.insert("mark_notifications_read");
        assert_eq!(json(&ada_there, &beta_path).await["muted"], false);
        assert_eq!(status(ada.put(&format!("{beta_path}/mute"), &json!({})).await).await, 204);
        assert_eq!(json(&ada_there, &beta_path).await["muted"], true);
        done.insert("mute_thread");
        assert_eq!(status(ada.delete(&format!("{beta_path}/mute")).await).await, 204);
        assert_eq!(json(&ada_there, &beta_path).await["muted"], false);
        done.insert("unmute_thread");
        let settings = json!({"email_notifications": true});
        assert_eq!(status(ada.put("/api/users/me/settings", &settings).await).await, 200);
        assert_eq!(json(&ada_there, "/api/users/me").await["settings"], settings);
        done.insert("change_settings");
        let body = json!({"name": "a program", "scopes": ["read"], "password": PASSWORD});
        let made: Value = ada.post("/api/users/me/tokens", &body).await.json().await.unwrap();
        let bearer = reqwest::Client::new();
        let as_program = || {
            bearer.get(there.url("/api/users/me")).bearer_auth(made["token"].as_str().unwrap()).send()
        };
        assert_eq!(as_program().await.unwrap().status(), 200);
        done.insert("create_token");
        assert_eq!(status(ada.delete(&format!("/api/users/me/tokens/{}", made["id"])).await).await, 204);
        assert_eq!(as_program().await.unwrap().status(), 401);
        done.insert("revoke_token");
        let feeds: Value = ada.post("/api/users/me/feed-token", &json!({})).await.json().await.unwrap();
        let front = feeds["front"].as_str().unwrap().trim_start_matches(app.config.public_url.as_str().trim_end_matches('/'));
        assert_eq!(there.client().get(front).await.status(), 200);
        done.insert("create_feed_token");
        assert_eq!(status(ada.delete("/api/users/me/feed-token").await).await, 204);
        assert_eq!(there.client().get(front).await.status(), 404);
        done.insert("delete_feed_token");
        assert_eq!(status(ada.delete(&beta_path).await).await, 204);

        let mod_there = there.client_with_cookie(&login_token(&app, "mod").await);
        let queue = || async { json(&mod_there, "/api/moderation/queue").await["items"].as_array().unwrap().len() };
        let post_flag = format!("/api/posts/{id}/flag");
        assert_eq!(status(grace.put(&post_flag, &json!({"reason": "spam"})).await).await, 204);
        assert_eq!(queue().await, 1);
        done.insert("flag_post");
        assert_eq!(status(grace.delete(&post_flag).await).await, 204);
        assert_eq!(queue().await, 0);
        done.insert("unflag_post");
        let comment_flag = format!("/api/comments/{comment}/flag");
        assert_eq!(status(ada.put(&comment_flag, &json!({"reason": "abusive"})).await).await, 204);
        assert_eq!(queue().await, 1);
        done.insert("flag_comment");
        assert_eq!(status(ada.delete(&comment_flag).await).await, 204);
        assert_eq!(queue().await, 0);
        done.insert("unflag_comment");

        warm(&readers, &id).await;
        let removal = json!({"reason": "off topic"});
        let remove_comment = format!("/api/moderation/comments/{comment}/remove");
        assert_eq!(status(moderator.post(&remove_comment, &removal).await).await, 204);
        assert_eq!(listed(&stranger, &id).await.unwrap()["comment_count"], 0);
        assert_eq!(json(&stranger, &post_path).await["comments"][0]["deleted"], true);
        done.insert("remove_comment");

        warm(&readers, &id).await;
        let restore_comment = format!("/api/moderation/comments/{comment}/restore");
        assert_eq!(status(moderator.post(&restore_comment, &json!({})).await).await, 204);
        assert_eq!(listed(&stranger, &id).await.unwrap()["comment_count"], 1);
        assert_eq!(json(&stranger, &post_path).await["comments"][0]["deleted"], false);
        done.insert("restore_comment");

        warm(&readers, &id).await;
        assert_eq!(status(grace.delete(&comment_path).await).await, 204);
        assert_eq!(listed(&stranger, &id).await.unwrap()["comment_count"], 0);
        assert_eq!(json(&stranger, &post_path).await["comments"], json!([]));
        done.insert("delete_comment");

        warm(&readers, &id).await;
        let remove_post = format!("/api/moderation/posts/{id}/remove");
        assert_eq!(status(moderator.post(&remove_post, &removal).await).await, 204);
        for reader in readers {
            assert_eq!(listed(reader, &id).await, None, "a removed post leaves every listing at once");
            assert_eq!(status(reader.get(&post_path).await).await, 404);
            assert!(!reader.get("/feeds/new.atom").await.text().await.unwrap().contains("retold"));
        }
        done.insert("remove_post");

        warm(&readers, &id).await;
        let restore_post = format!("/api/moderation/posts/{id}/restore");
        assert_eq!(status(moderator.post(&restore_post, &json!({})).await).await, 204);
        assert!(listed(&stranger, &id).await.is_some());
        assert_eq!(status(stranger.get(&post_path).await).await, 200);
        done.insert("restore_post");

        let grace_id = json(&grace, "/api/users/me").await["id"].clone();
        warm(&readers, &id).await;
        let role = format!("/api/admin/users/{grace_id}/role");
        assert_eq!(status(admin.put(&role, &json!({"role": "moderator"})).await).await, 200);
        assert_eq!(grace_there.session().await["user"]["role"], "moderator");
        assert_eq!(status(grace_there.get("/api/moderation/queue").await).await, 200);
        done.insert("change_role");

        let zed_token = login_token(&app, "zed").await;
        let zed_there = there.client_with_cookie(&zed_token);
        assert_eq!(zed_there.logged_in_as().await.as_deref(), Some("zed"));
        let zed_id = json(&zed, "/api/users/me").await["id"].clone();
        let ban = format!("/api/moderation/users/{zed_id}/ban");
        assert_eq!(status(admin.post(&ban, &json!({"reason": "spam", "until": null})).await).await, 204);
        assert_eq!(zed_there.logged_in_as().await, None, "a ban ends every session at once");
        assert!(json(&stranger, "/api/users/zed").await["banned"].is_object());
        done.insert("ban_user");
        assert_eq!(status(admin.delete(&ban).await).await, 204);
        assert_eq!(json(&stranger, "/api/users/zed").await["banned"], Value::Null);
        done.insert("unban_user");


        assert_eq!(status(ada.post("/api/invites", &json!({})).await).await, 201);
        assert_eq!(json(&ada_there, "/api/invites").await["invites"].as_array().unwrap().len(), 1);
        done.insert("create_invite");

        // Two-factor login, on grace (whose second browser is ended by turning it on).
        let grace2_token = login_token(&app, "grace").await;
        let setup: Value = grace.post("/api/users/me/totp", &json!({"password": PASSWORD})).await.json().await.unwrap();
        assert_eq!(json(&grace_there, "/api/users/me").await["two_factor"], false, "pending, not on");
        done.insert("start_two_factor");
        let code = TotpSecret::stored(setup["secret"].as_str().unwrap()).code_at(app.clock.now()).unwrap();
        let confirmed: Value =
            grace.post("/api/users/me/totp/confirm", &json!({"code": code})).await.json().await.unwrap();
        assert_eq!(json(&grace_there, "/api/users/me").await["two_factor"], true);
        assert_eq!(there.client_with_cookie(&grace2_token).logged_in_as().await, None, "the others end");
        done.insert("confirm_two_factor");
        let recovery = |codes: &Value, n: usize| codes["recovery_codes"][n].as_str().unwrap().to_owned();
        let resp = app
            .client()
            .post(
                "/api/users/login",
                &json!({"email": "grace@example.com", "password": PASSWORD, "recovery_code": recovery(&confirmed, 0)}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(json(&grace_there, "/api/users/me").await["recovery_codes_left"], 9);
        let fresh: Value = grace
            .post("/api/users/me/totp/recovery-codes", &json!({"password": PASSWORD}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(json(&grace_there, "/api/users/me").await["recovery_codes_left"], 10);
        done.insert("regenerate_recovery_codes");
        let off = json!({"password": PASSWORD, "code": recovery(&fresh, 0)});
        assert_eq!(status(grace.delete_json("/api/users/me/totp", &off).await).await, 204);
        assert_eq!(json(&grace_there, "/api/users/me").await["two_factor"], false);
        done.insert("disable_two_factor");

        // A password reset, on zed.
        let zed_token = login_token(&app, "zed").await;
        assert_eq!(status(app.client().post("/api/password-resets", &json!({"email": "zed@example.com"})).await).await, 202);
        let token = app.mails(1).await[0].reset_token();
        done.insert("request_password_reset");
        let reset = json!({"token": token, "new_password": "a brand new passphrase"});
        assert_eq!(status(app.client().post("/api/password-resets/confirm", &reset).await).await, 204);
        assert_eq!(there.client_with_cookie(&zed_token).logged_in_as().await, None, "a reset ends every session");
        assert_eq!(status(there.client().log_in("zed@example.com", "a brand new passphrase").await).await, 200);
        done.insert("confirm_password_reset");

        // Kit's address: verified, then changed (DESIGN.md section 23).
        let (kit, _) = app.signed_up("kit").await;
        let kit_there = there.client_with_cookie(&login_token(&app, "kit").await);
        assert_eq!(kit_there.session().await["user"]["email_verified"], false);
        assert_eq!(status(kit.post("/api/users/me/email/verification", &json!({})).await).await, 202);
        let token = mailed_link(&app, "kit@example.com", "/verify#token=", 2).await;
        done.insert("resend_verification");
        let verify = app.client().post("/api/users/me/email/verify", &json!({"token": token})).await;
        assert_eq!(status(verify).await, 204);
        assert_eq!(kit_there.session().await["user"]["email_verified"], true);
        done.insert("verify_email");
        let change = json!({"email": "kit@example.org", "password": PASSWORD});
        assert_eq!(status(kit.put("/api/users/me/email", &change).await).await, 202);
        assert_eq!(json(&kit_there, "/api/users/me").await["pending_email"], "kit@example.org");
        done.insert("change_email");
        let token = mailed_link(&app, "kit@example.org", "/confirm-email#token=", 1).await;
        let confirm = kit.post("/api/users/me/email/confirm", &json!({"token": token})).await;
        assert_eq!(status(confirm).await, 204);
        assert_eq!(kit_there.logged_in_as().await, None, "the change ends her other sessions");
        let kit_there = there.client();
        assert_eq!(kit_there.log_in("kit@example.org", PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(json(&kit_there, "/api/users/me").await["email"], "kit@example.org");
        done.insert("confirm_email_change");

        // Kit's passkey: made on one instance, used on the other.
        let mut authenticator = Authenticator::new();
        let begun = kit.post("/api/users/me/passkeys/registration", &json!({"password": PASSWORD})).await;
        assert_eq!(begun.status(), StatusCode::OK);
        let credential = authenticator.register(SITE, &begun.json().await.unwrap());
        done.insert("begin_passkey_registration");
        let passkeys = || async { json(&kit_there, "/api/users/me/passkeys").await["passkeys"].clone() };
        let added = kit.post("/api/users/me/passkeys", &json!({"name": "laptop", "credential": credential})).await;
        assert_eq!(added.status(), StatusCode::CREATED);
        let passkey = format!("/api/users/me/passkeys/{}", added.json::<Value>().await.unwrap()["id"]);
        assert_eq!(passkeys().await[0]["name"], "laptop");
        done.insert("add_passkey");
        assert_eq!(status(kit.put(&passkey, &json!({"name": "old laptop"})).await).await, 200);
        assert_eq!(passkeys().await[0]["name"], "old laptop");
        done.insert("rename_passkey");
        let options = || async {
            let resp = app.client().post("/api/session/passkey/options", &json!({})).await;
            assert_eq!(resp.status(), StatusCode::OK);
            resp.json::<Value>().await.unwrap()
        };
        let signed = authenticator.authenticate(SITE, &options().await);
        done.insert("begin_passkey_login");
        let browser = there.client();
        let resp = browser.post("/api/session/passkey", &json!({"credential": signed})).await;
        assert_eq!(resp.status(), StatusCode::OK, "a ceremony begun on one instance ends on the other");
        assert_eq!(browser.logged_in_as().await.as_deref(), Some("kit"));
        assert!(passkeys().await[0]["last_used_at"].is_string());
        done.insert("log_in_with_passkey");
        assert_eq!(status(kit.delete(&passkey).await).await, 204);
        assert_eq!(passkeys().await, json!([]));
        let signed = authenticator.authenticate(SITE, &options().await);
        let resp = there.client().post("/api/session/passkey", &json!({"credential": signed})).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "a removed passkey logs nobody in");
        done.insert("remove_passkey");

        // Ada's sessions: `ada` is one browser, `ada_token2` another.
        let change = json!({"current_password": PASSWORD, "new_password": "another fine passphrase"});
        assert_eq!(status(ada.put("/api/users/me/password", &change).await).await, 204);
        assert_eq!(there.client_with_cookie(&ada_token2).logged_in_as().await, None, "the others end");
        assert_eq!(ada.logged_in_as().await.as_deref(), Some("ada"), "this browser stays");
        done.insert("change_password");
        let ada2 = there.client_with_cookie(&password_login(&app, "ada", "another fine passphrase").await);
        let ada3_token = password_login(&app, "ada", "another fine passphrase").await;
        let sessions = json(&ada, "/api/users/me/sessions").await;
        let ada3_id = sessions["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["current"] == false)
            .map(|s| s["id"].as_i64().unwrap())
            .max()
            .unwrap();
        assert_eq!(status(ada.delete(&format!("/api/users/me/sessions/{ada3_id}")).await).await, 204);
        assert_eq!(there.client_with_cookie(&ada3_token).logged_in_as().await, None);
        done.insert("end_session");
        assert_eq!(ada2.logged_in_as().await.as_deref(), Some("ada"));
        assert_eq!(status(ada.delete("/api/users/me/sessions").await).await, 204);
        assert_eq!(ada2.logged_in_as().await, None);
        done.insert("end_other_sessions");

        warm(&readers, &id).await;
        assert_eq!(status(ada.delete(&post_path).await).await, 204);
        for reader in readers {
            assert_eq!(listed(reader, &id).await, None);
            assert_eq!(status(reader.get(&post_path).await).await, 404);
        }
        done.insert("delete_post");

        let zed_elsewhere = there.client_with_cookie(&password_login(&app, "zed", "a brand new passphrase").await);
        let zed_token = password_login(&app, "zed", "a brand new passphrase").await;
        assert_eq!(status(app.client_with_cookie(&zed_token).log_out().await).await, 204);
        assert_eq!(there.client_with_cookie(&zed_token).logged_in_as().await, None);
        assert_eq!(zed_elsewhere.logged_in_as().await.as_deref(), Some("zed"), "only that session ends");
        done.insert("log_out");

        let last = json!({"title": "Omega story", "post_url": "https://example.com/omega"});
        let omega: Value = ada.post("/api/posts", &last).await.json().await.unwrap();
        warm(&readers, &omega["id"]).await;
        let resp = ada.delete_json("/api/users/me", &json!({"password": "another fine passphrase"})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(status(stranger.get("/api/users/ada").await).await, 404);
        assert_eq!(listed(&stranger, &omega["id"]).await, None, "her posts go with her at once");
        assert_eq!(ada_there.logged_in_as().await, None);
        done.insert("delete_account");

        stop.store(true, Ordering::Relaxed);
        for reader in busy {
            reader.await.unwrap();
        }
        let done: BTreeSet<String> = done.into_iter().map(str::to_owned).collect();
        assert_eq!(done, writes_in_the_spec(), "every write operation of the spec is in this story");
    })
    .await;
}

/// A new session of `username` (password `PASSWORD`), logged in on `app`; its token.
async fn login_token(app: &TestApp, username: &str) -> String {
    password_login(app, username, PASSWORD).await
}

/// A new session of `username` with `password`, logged in on `app`; its token.
async fn password_login(app: &TestApp, username: &str, password: &str) -> String {
    let resp = app.client().log_in(&format!("{username}@example.com"), password).await;
    assert_eq!(resp.status(), StatusCode::OK, "{username} logs in");
    issued_token(&resp).unwrap()
}
