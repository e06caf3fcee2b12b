//! Personal API tokens, private feeds and the export (DESIGN.md section 22): a token is its
//! owner's on every operation that takes it, within its scopes, never on the account itself; it
//! ends at once with everything that ends its owner's sessions, on every instance, even while in
//! use; the feed URLs rotate; the export holds one's own and never a secret.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Backend, Client, PASSWORD, TestApp, assert_error, each_backend},
    inbox::comment,
    posts::{post, read},
};

/// Makes a token for `client` and answers the whole 201 body.
pub async fn make(client: &Client, name: &str, scopes: &[&str], expires_in_days: Value) -> Value {
    let body =
        json!({"name": name, "scopes": scopes, "expires_in_days": expires_in_days, "password": PASSWORD});
    let resp = client.post("/api/users/me/tokens", &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "making {name}");
    resp.json().await.unwrap()
}

/// A program: sends `token` as a bearer token on every request, and no cookie.
pub fn program(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

async fn status_of(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_token_is_made_with_the_password_shown_once_listed_without_it_and_revoked() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let made = make(&ada, "  my script ", &["read", "write"], json!(30)).await;
        let secret = made["token"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("jtn_") && secret.len() == 47, "{secret}");
        assert_eq!(made["name"], "my script");
        assert_eq!(made["scopes"], json!(["read", "write"]));
        assert!(made["last_used_at"].is_null());
        let created: chrono::DateTime<chrono::Utc> = made["created_at"].as_str().unwrap().parse().unwrap();
        let expires: chrono::DateTime<chrono::Utc> = made["expires_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(expires - created, chrono::Duration::days(30));
        let forever = make(&ada, "forever", &["read"], Value::Null).await;
        assert!(forever["expires_at"].is_null());
        let absent = ada
            .post(
                "/api/users/me/tokens",
                &json!({"name": "absent", "scopes": ["write"], "password": PASSWORD}),
            )
            .await;
        assert_eq!(absent.status(), StatusCode::CREATED);

        let listed = read(&ada, "/api/users/me/tokens").await;
        let tokens = listed["tokens"].as_array().unwrap();
        assert_eq!(tokens.len(), 3);
        assert_eq!(tokens[2]["name"], "my script", "newest first");
        assert!(!listed.to_string().contains(&secret[4..]), "the secret is never listed");
        assert!(tokens.iter().all(|t| t.get("token").is_none()));
        assert_eq!(
            app.scalar(&format!("SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{secret}'")).await,
            0
        );

        // Used, it is that person's; its first use is noted.
        let used = program(&secret).get(app.url("/api/users/me")).send().await.unwrap();
        assert_eq!(used.status(), StatusCode::OK);
        assert!(used.headers().get("set-cookie").is_none(), "a program is never given a cookie");
        assert_eq!(used.json::<Value>().await.unwrap()["username"], "ada");
        let listed = read(&ada, "/api/users/me/tokens").await;
        assert!(listed["tokens"][2]["last_used_at"].is_string(), "{listed}");

        // Someone else cannot revoke it; its owner can, once.
        let (bob, _) = app.signed_up("bob").await;
        let id = made["id"].as_i64().unwrap();
        assert_error(
            bob.delete(&format!("/api/users/me/tokens/{id}")).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_eq!(ada.delete(&format!("/api/users/me/tokens/{id}")).await.status(), StatusCode::NO_CONTENT);
        assert_error(
            ada.delete(&format!("/api/users/me/tokens/{id}")).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let refused = program(&secret).get(app.url("/api/users/me")).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let challenge = refused.headers().get("www-authenticate").unwrap().to_str().unwrap().to_owned();
        assert!(challenge.starts_with("Bearer") && challenge.contains("invalid_token"), "{challenge}");
        assert_eq!(refused.json::<Value>().await.unwrap()["code"], "invalid_token");
    })
    .await;
}

#[tokio::test]
async fn bad_requests_for_a_token_make_none() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let good = json!({"name": "n", "scopes": ["read"], "expires_in_days": 7, "password": PASSWORD});
        let with = |field: &str, value: Value| {
            let mut body = good.clone();
            body[field] = value;
            body
        };
        for (body, field) in [
            (with("name", json!("")), "name"),
            (with("name", json!("   ")), "name"),
            (with("name", json!("x".repeat(51))), "name"),
            (with("scopes", json!([])), "scopes"),
            (with("scopes", json!(["admin"])), "scopes"),
            (with("scopes", json!("read")), "scopes"),
            (with("expires_in_days", json!(0)), "expires_in_days"),
            (with("expires_in_days", json!(366)), "expires_in_days"),
            (with("expires_in_days", json!("7")), "expires_in_days"),
        ] {
            let refused = assert_error(
                ada.post("/api/users/me/tokens", &body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(refused["field"], field, "{body}");
        }
        let wrong = with("password", json!("not the password"));
        let refused = assert_error(
            ada.post("/api/users/me/tokens", &wrong).await,
            StatusCode::FORBIDDEN,
            "wrong_password",
        )
        .await;
        assert_eq!(refused["field"], "password");
        assert_eq!(app.count("api_tokens").await, 0);

        // Twenty at most, however many are asked for at once.
        let asks = (0..24).map(|n| {
            let ada = ada.clone();
            let body = with("name", json!(format!("token {n}")));
            async move { ada.post("/api/users/me/tokens", &body).await.status() }
        });
        let statuses = futures_util::future::join_all(asks).await;
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 20, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count(), 4);
        assert_error(
            ada.post("/api/users/me/tokens", &good).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_tokens",
        )
        .await;
        assert_eq!(app.count("api_tokens").await, 20);
    })
    .await;
}

#[tokio::test]
async fn a_token_works_within_its_scopes_and_never_on_the_account() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (bob, _) = app.signed_up("bob").await;
        let writer =
            make(&ada, "writer", &["write"], Value::Null).await["token"].as_str().unwrap().to_owned();
        let reader = make(&ada, "reader", &["read"], Value::Null).await["token"].as_str().unwrap().to_owned();
        let (writer, reader) = (program(&writer), program(&reader));

        // A write token reads and writes content, skipping the cross-site check (no browser sends
        // it by itself).
        let session: Value = writer.get(app.url("/api/session")).send().await.unwrap().json().await.unwrap();
        assert_eq!(
            (session["logged_in"].clone(), session["user"]["username"].clone()),
            (json!(true), json!("ada"))
        );
        let body = json!({"title": "Posted by a program", "post_url": crate::posts::fresh_link()});
        let resp = writer
            .post(app.url("/api/posts"))
            .header("origin", "https://evil.example")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let voted = writer.put(app.url(&format!("/api/posts/{id}/vote"))).send().await.unwrap();
        assert_eq!(voted.status(), StatusCode::OK);
        let commented = comment(&bob, id, None, "hello @ada").await;
        assert!(commented > 0);
        assert_eq!(session_unread(&writer, &app).await, 1);

        // A read token reads, and is refused every write.
        let (status, body) = status_of(reader.get(app.url("/api/posts")).send().await.unwrap()).await;
        assert_eq!((status, body["total"].clone()), (StatusCode::OK, json!(1)));
        let (status, body) =
            status_of(reader.put(app.url(&format!("/api/posts/{id}/save"))).send().await.unwrap()).await;
        assert_eq!((status, body["code"].clone()), (StatusCode::FORBIDDEN, json!("insufficient_scope")));
        assert_eq!(app.count("saved_posts").await, 0);

        // No token may touch the account, whatever its scopes.
        let password = json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"});
        let settings = json!({"email_notifications": true});
        let reauth = json!({"password": PASSWORD});
        let token = json!({"name": "x", "scopes": ["read"], "password": PASSWORD});
        for (method, path, body) in [
            ("PUT", "/api/users/me/password", password),
            ("PUT", "/api/users/me/settings", settings),
            ("GET", "/api/users/me/sessions", Value::Null),
            ("DELETE", "/api/users/me/sessions", Value::Null),
            ("GET", "/api/users/me/tokens", Value::Null),
            ("POST", "/api/users/me/tokens", token),
            ("POST", "/api/users/me/totp", reauth.clone()),
            ("POST", "/api/users/me/feed-token", Value::Null),
            ("GET", "/api/users/me/export", Value::Null),
            ("DELETE", "/api/users/me", reauth),
        ] {
            let mut request = writer.request(method.parse().unwrap(), app.url(path));
            if !body.is_null() {
                request = request.json(&body);
            }
            let (status, answer) = status_of(request.send().await.unwrap()).await;
            assert_eq!(
                (status, answer["code"].clone()),
                (StatusCode::FORBIDDEN, json!("insufficient_scope")),
                "{method} {path}"
            );
        }
        assert_eq!(app.count("api_tokens").await, 2);
        assert!(
            ada.log_in("ada@example.com", PASSWORD).await.status().is_success(),
            "the password is unchanged"
        );
    })
    .await;
}

async fn session_unread(client: &reqwest::Client, app: &TestApp) -> i64 {
    let session: Value = client.get(app.url("/api/session")).send().await.unwrap().json().await.unwrap();
    session["user"]["unread"].as_i64().unwrap()
}

#[tokio::test]
async fn a_token_wins_over_a_cookie_and_a_bad_one_is_refused_whatever_the_cookie() {
    each_backend(|app| async move {
        let resp = app.client().sign_up("ada", "ada@example.com", PASSWORD).await;
        let ada_cookie = crate::harness::issued_token(&resp).unwrap();
        let (bob, _) = app.signed_up("bob").await;
        let bobs = make(&bob, "bob's", &["read"], Value::Null).await["token"].as_str().unwrap().to_owned();
        let both = |authorization: &str| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("cookie", format!("jtn_session={ada_cookie}").parse().unwrap());
            headers.insert("authorization", authorization.parse().unwrap());
            reqwest::Client::builder().default_headers(headers).build().unwrap()
        };
        let me: Value = both(&format!("Bearer {bobs}"))
            .get(app.url("/api/users/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "bob", "the token wins");
        let forged = format!("jtn_{}", "A".repeat(43));
        for authorization in [
            format!("Bearer {forged}"),
            "Bearer".to_owned(),
            "Bearer ".to_owned(),
            "Basic YWRhOnBhc3N3b3Jk".to_owned(),
            format!("Bearer {}", &bobs[..40]),
            format!("Token {bobs}"),
        ] {
            for path in ["/api/session", "/api/posts", "/api/users/me"] {
                let resp = both(&authorization).get(app.url(path)).send().await.unwrap();
                assert!(resp.headers().get("www-authenticate").is_some(), "{authorization} {path}");
                let (status, body) = status_of(resp).await;
                assert_eq!(
                    (status, body["code"].clone()),
                    (StatusCode::UNAUTHORIZED, json!("invalid_token")),
                    "{authorization:?} {path}"
                );
            }
        }
        // The cookie alone is still Ada's.
        assert_eq!(app.client_with_cookie(&ada_cookie).logged_in_as().await.as_deref(), Some("ada"));
    })
    .await;
}

/// A token is ended with its owner's sessions by a password change, a reset, two-factor login
/// turned off, a ban and the account's deletion; here the password change, the ban and the
/// deletion (the other two call the same unit of work's step), each while the token is in use.
#[tokio::test]
async fn a_token_ends_at_once_with_its_owners_sessions_even_while_in_use() {
    each_backend(|app| async move {
        let (moderator, _) = app.signed_up_as("moira", "moderator").await;
        for (round, ending) in ["password", "ban", "revoke", "deletion"].into_iter().enumerate() {
            let name = format!("user{round}");
            let (owner, id) = app.signed_up(&name).await;
            let made = make(&owner, "busy", &["read", "write"], Value::Null).await;
            let token = made["token"].as_str().unwrap().to_owned();
            let before = program(&token).get(app.url("/api/users/me")).send().await.unwrap();
            assert_eq!(before.status(), StatusCode::OK, "{ending}: the token works before");
            let survived = survivors(&app, &token, || async {
                let resp = match ending {
                    "password" => {
                        let body =
                            json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"});
                        owner.put("/api/users/me/password", &body).await
                    }
                    "ban" => {
                        moderator
                            .post(&format!("/api/moderation/users/{id}/ban"), &json!({"reason": "spam"}))
                            .await
                    }
                    "revoke" => owner.delete(&format!("/api/users/me/tokens/{}", made["id"])).await,
                    _ => owner.delete_json("/api/users/me", &json!({"password": PASSWORD})).await,
                };
                assert!(resp.status().is_success(), "{ending}: {}", resp.status());
            })
            .await;
            assert_eq!(survived, 0, "{ending}: requests after the end were still served");
        }
    })
    .await;
}

/// Keeps `token` busy from several tasks while `end` runs; answers how many requests that began
/// after `end` had answered were still served as the token's owner.
async fn survivors<F, Fut>(app: &TestApp, token: &str, end: F) -> usize
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    let ended = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let survived = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (http, url) = (program(token), app.url("/api/users/me"));
        let (ended, stop, survived) = (ended.clone(), stop.clone(), survived.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let after_the_end = ended.load(Ordering::SeqCst);
                let resp = http.get(&url).send().await.unwrap();
                if after_the_end && resp.status() == StatusCode::OK {
                    survived.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(15)).await;
    end().await;
    ended.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(30)).await;
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap();
    }
    let after = program(token).get(app.url("/api/users/me")).send().await.unwrap();
    if after.status() == StatusCode::OK {
        survived.fetch_add(1, Ordering::SeqCst);
    }
    survived.load(Ordering::SeqCst)
}

#[tokio::test]
async fn a_token_revoked_through_one_instance_is_refused_by_the_next_request_on_another() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let (ada, _) = first.signed_up("ada").await;
        let made = make(&ada, "shared", &["read"], Value::Null).await;
        let token = made["token"].as_str().unwrap();
        let there = program(token);
        assert_eq!(there.get(second.url("/api/users/me")).send().await.unwrap().status(), StatusCode::OK);
        assert_eq!(
            ada.delete(&format!("/api/users/me/tokens/{}", made["id"])).await.status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            there.get(second.url("/api/users/me")).send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    })
    .await;
}

#[tokio::test]
async fn private_feeds_show_ones_own_front_page_and_inbox_and_their_urls_rotate() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (bob, _) = app.signed_up("bob").await;
        let kept = post(&bob, "Kept story").await["id"].as_i64().unwrap();
        let hidden = post(&bob, "Hidden story").await["id"].as_i64().unwrap();
        let mine = post(&ada, "Ada story").await["id"].as_i64().unwrap();
        assert_eq!(
            ada.put(&format!("/api/posts/{hidden}/hide"), &json!({})).await.status(),
            StatusCode::NO_CONTENT
        );
        comment(&bob, mine, None, "a comment for the inbox feed").await;

        let resp = ada.post("/api/users/me/feed-token", &json!({})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let urls: Value = resp.json().await.unwrap();
        let (front, inbox) =
            (urls["front"].as_str().unwrap().to_owned(), urls["inbox"].as_str().unwrap().to_owned());
        assert!(
            front.starts_with("http://127.0.0.1:3000/feeds/private/") && front.ends_with("/front.atom"),
            "{front}"
        );
        let local = |url: &str| app.url(url.trim_start_matches("http://127.0.0.1:3000"));
        let fetch = |url: String| async move {
            let resp = reqwest::get(url).await.unwrap();
            (resp.status(), resp.text().await.unwrap())
        };
        let (status, xml) = fetch(local(&front)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            xml.contains("Kept story") && xml.contains("Ada story") && !xml.contains("Hidden story"),
            "{xml}"
        );
        assert!(!xml.contains(&format!("/post/{hidden}\"")));
        assert!(xml.contains(&format!("/post/{kept}\"")));
        let (status, xml) = fetch(local(&inbox)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            xml.contains("bob commented on your post") && xml.contains("a comment for the inbox feed"),
            "{xml}"
        );
        assert!(xml.contains(&format!("/post/{mine}#comment-")));

        // A new secret: the old URLs are gone at once.
        let rotated: Value = ada.post("/api/users/me/feed-token", &json!({})).await.json().await.unwrap();
        assert_ne!(rotated["front"], urls["front"]);
        assert_eq!(fetch(local(&front)).await.0, StatusCode::NOT_FOUND);
        assert_eq!(fetch(local(&inbox)).await.0, StatusCode::NOT_FOUND);
        assert_eq!(fetch(local(rotated["front"].as_str().unwrap())).await.0, StatusCode::OK);
        assert_eq!(ada.delete("/api/users/me/feed-token").await.status(), StatusCode::NO_CONTENT);
        assert_eq!(fetch(local(rotated["inbox"].as_str().unwrap())).await.0, StatusCode::NOT_FOUND);
        for junk in ["x", "jtn_abc", &"A".repeat(43), "../../etc"] {
            let resp = reqwest::get(app.url(&format!("/feeds/private/{junk}/front.atom"))).await.unwrap();
            assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{junk}");
        }
        // A password change turns them off, as it ends every other way in.
        let fresh: Value = ada.post("/api/users/me/feed-token", &json!({})).await.json().await.unwrap();
        assert_eq!(fetch(local(fresh["front"].as_str().unwrap())).await.0, StatusCode::OK);
        let change = json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"});
        assert_eq!(ada.put("/api/users/me/password", &change).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(fetch(local(fresh["front"].as_str().unwrap())).await.0, StatusCode::NOT_FOUND);
        // The feed secret is no session and no API token.
        let secret = rotated["front"].as_str().unwrap().split('/').rev().nth(1).unwrap().to_owned();
        let as_bearer = program(&secret).get(app.url("/api/users/me")).send().await.unwrap();
        assert_eq!(as_bearer.status(), StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[tokio::test]
async fn the_export_holds_ones_own_without_a_secret_at_most_once_a_minute() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (bob, _) = app.signed_up("bob").await;
        let mine = post(&ada, "Ada story").await["id"].as_i64().unwrap();
        let theirs = post(&bob, "Bob story").await["id"].as_i64().unwrap();
        comment(&ada, theirs, None, "Ada's comment").await;
        comment(&bob, mine, None, "Bob's comment").await;
        assert_eq!(ada.put(&format!("/api/posts/{theirs}/vote"), &json!({})).await.status(), StatusCode::OK);
        assert_eq!(
            ada.put(&format!("/api/posts/{theirs}/save"), &json!({})).await.status(),
            StatusCode::NO_CONTENT
        );
        let secret =
            make(&ada, "exported", &["read"], Value::Null).await["token"].as_str().unwrap().to_owned();

        let resp = ada.get("/api/users/me/export").await;
        assert_eq!(resp.status(), StatusCode::OK);
        let disposition = resp.headers().get("content-disposition").unwrap().to_str().unwrap().to_owned();
        assert_eq!(disposition, "attachment; filename=\"just-tech-news-ada.json\"");
        let text = resp.text().await.unwrap();
        let data: Value = serde_json::from_str(&text).unwrap();
        for key in [
            "profile",
            "settings",
            "posts",
            "comments",
            "votes",
            "saved",
            "hidden",
            "muted",
            "filters",
            "notifications",
            "invitations",
            "flags",
            "sessions",
            "tokens",
            "passkeys",
        ] {
            assert!(data.get(key).is_some(), "{key} in the export");
        }
        assert_eq!(data["profile"]["username"], "ada");
        assert_eq!(data["posts"].as_array().unwrap().len(), 1);
        assert_eq!(data["posts"][0]["title"], "Ada story");
        assert_eq!(data["comments"][0]["comment_text"], "Ada's comment");
        assert_eq!(data["votes"], json!([theirs]));
        assert_eq!(data["saved"][0]["post_id"], theirs);
        assert_eq!(data["notifications"][0]["kind"], "post_comment");
        assert_eq!(data["tokens"][0]["name"], "exported");
        assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
        assert!(!text.contains(&secret[4..]) && !text.contains("$2"), "no secret, no password hash");
        assert!(!text.contains("Bob story"), "nobody else's posts");

        assert_error(ada.get("/api/users/me/export").await, StatusCode::TOO_MANY_REQUESTS, "rate_limited")
            .await;
        app.clock.advance(Duration::from_secs(61));
        assert_eq!(ada.get("/api/users/me/export").await.status(), StatusCode::OK);
        assert_error(
            app.client().get("/api/users/me/export").await,
            StatusCode::UNAUTHORIZED,
            "login_required",
        )
        .await;
    })
    .await;
}
