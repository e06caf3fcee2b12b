//! Roles, flags, the queue, removals, bans and the public log (DESIGN.md section 15).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Backend, Client, PASSWORD, assert_error, each_backend},
    posts::{page, post, titles},
};

async fn comment(client: &Client, post_id: &Value, text: &str) -> Value {
    let resp = client.post("/api/comments", &json!({"post_id": post_id, "comment_text": text})).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json().await.unwrap()
}

async fn queue(client: &Client) -> Vec<Value> {
    let resp = client.get("/api/moderation/queue").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

async fn log(client: &Client) -> Vec<Value> {
    let resp = client.get("/api/moderation/log").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn members_flag_others_items_once_each_and_can_take_it_back() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (linus, _) = app.signed_up("linus").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let p = post(&ada, "ada's").await["id"].clone();
        let c = comment(&ada, &p, "ada says").await["id"].clone();
        let flag_post = format!("/api/posts/{p}/flag");
        let flag_comment = format!("/api/comments/{c}/flag");

        assert_eq!(grace.put(&flag_post, &json!({"reason": "spam"})).await.status(), StatusCode::NO_CONTENT);
        // A new reason replaces the old one: still one flag.
        assert_eq!(
            grace.put(&flag_post, &json!({"reason": "off_topic"})).await.status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            linus.put(&flag_post, &json!({"reason": "off_topic"})).await.status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            grace.put(&flag_comment, &json!({"reason": "abusive"})).await.status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(app.count("flags").await, 3);

        let items = queue(&moderator).await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["target_type"], "post");
        assert_eq!(items[0]["target_id"], p);
        assert_eq!(items[0]["flag_count"], 2);
        assert_eq!(items[0]["reasons"], json!({"off_topic": 2}));
        assert_eq!(items[0]["title"], "ada's");
        assert_eq!(items[0]["author"]["username"], "ada");
        assert_eq!(items[1]["target_type"], "comment");
        assert_eq!((&items[1]["post_id"], &items[1]["excerpt"]), (&p, &json!("ada says")));

        assert_eq!(linus.delete(&flag_post).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(linus.delete(&flag_post).await.status(), StatusCode::NO_CONTENT, "idempotent");
        assert_eq!(queue(&moderator).await[0]["flag_count"], 1);
        assert_eq!(grace.delete(&flag_comment).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(queue(&moderator).await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn bad_flags_are_refused_and_write_nothing() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let p = post(&ada, "ada's").await["id"].clone();
        let c = comment(&ada, &p, "ada says").await["id"].clone();
        let flag_post = format!("/api/posts/{p}/flag");

        for reason in [json!("boring"), json!(""), json!(7), json!(null)] {
            let resp = grace.put(&flag_post, &json!({"reason": reason})).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], "reason");
        }
        // `duplicate` is a reason for posts only.
        let resp = grace.put(&format!("/api/comments/{c}/flag"), &json!({"reason": "duplicate"})).await;
        assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let resp = ada.put(&flag_post, &json!({"reason": "spam"})).await;
        assert_error(resp, StatusCode::FORBIDDEN, "own_item").await;
        let resp = ada.put(&format!("/api/comments/{c}/flag"), &json!({"reason": "spam"})).await;
        assert_error(resp, StatusCode::FORBIDDEN, "own_item").await;
        for missing in ["/api/posts/999999/flag", "/api/comments/999999/flag", "/api/posts/abc/flag"] {
            let resp = grace.put(missing, &json!({"reason": "spam"})).await;
            assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        }
        // 404 before 422: a missing post with a bad reason is missing.
        let resp = grace.put("/api/posts/999999/flag", &json!({"reason": "boring"})).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        let resp = app.client().put(&flag_post, &json!({"reason": "spam"})).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "login_required").await;

        let remove =
            moderator.post(&format!("/api/moderation/posts/{p}/remove"), &json!({"reason": "spam"})).await;
        assert_eq!(remove.status(), StatusCode::NO_CONTENT);
        let resp = grace.put(&flag_post, &json!({"reason": "spam"})).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        let resp = grace.put(&format!("/api/comments/{c}/flag"), &json!({"reason": "spam"})).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(app.count("flags").await, 0);
    })
    .await;
}

#[tokio::test]
async fn only_moderators_and_admins_moderate() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let p = post(&ada, "ada's").await["id"].clone();
        let anonymous = app.client();
        let calls = [
            ("GET", "/api/moderation/queue".to_owned()),
            ("POST", format!("/api/moderation/posts/{p}/remove")),
            ("POST", format!("/api/moderation/posts/{p}/restore")),
            ("POST", "/api/moderation/users/1/ban".to_owned()),
            ("DELETE", "/api/moderation/users/1/ban".to_owned()),
            ("PUT", "/api/admin/users/1/role".to_owned()),
        ];
        let body = json!({"reason": "because", "role": "admin"});
        for (method, path) in &calls {
            for (client, status, code) in [
                (&anonymous, StatusCode::UNAUTHORIZED, "login_required"),
                (&ada, StatusCode::FORBIDDEN, "forbidden"),
            ] {
                let resp = match *method {
                    "GET" => client.get(path).await,
                    "POST" => client.post(path, &body).await,
                    "PUT" => client.put(path, &body).await,
                    _ => client.delete(path).await,
                };
                assert_error(resp, status, code).await;
            }
        }
        // A moderator is no admin.
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let resp = moderator.put("/api/admin/users/1/role", &json!({"role": "admin"})).await;
        assert_error(resp, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(app.count("moderation_log").await, 1, "only the command line's grant");
        assert_eq!(titles(&page(&app.client(), "").await), ["ada's"]);
    })
    .await;
}

#[tokio::test]
async fn a_removed_post_leaves_every_listing_and_count_until_it_is_restored() {
    each_backend(|app| async move {
        let (ada, ada_id) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (moderator, mod_id) = app.signed_up_as("mod", "moderator").await;
        let kept = post(&ada, "kept").await["id"].clone();
        let p = post(&ada, "spam").await["id"].clone();
        grace.put(&format!("/api/posts/{p}/vote"), &json!({})).await;
        comment(&grace, &p, "a comment").await;
        grace.put(&format!("/api/posts/{p}/flag"), &json!({"reason": "spam"})).await;

        // 404 before 422: the reason is judged only for a post that exists.
        let resp = moderator.post("/api/moderation/posts/999999/remove", &json!({"reason": ""})).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        for reason in [json!(""), json!("   "), json!("x".repeat(501)), json!(null)] {
            let resp = moderator
                .post(&format!("/api/moderation/posts/{p}/remove"), &json!({"reason": reason}))
                .await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], "reason");
        }
        let resp = moderator
            .post(&format!("/api/moderation/posts/{p}/remove"), &json!({"reason": "  spam  "}))
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let again =
            moderator.post(&format!("/api/moderation/posts/{p}/remove"), &json!({"reason": "spam"})).await;
        assert_eq!(again.status(), StatusCode::NO_CONTENT, "idempotent");

        for query in ["", "?sort=hot", "?sort=top&period=all", &format!("?user_id={ada_id}")] {
            let listed = page(&grace, query).await;
            assert_eq!(titles(&listed), ["kept"], "{query}");
            assert_eq!(listed["total"], 1, "{query}");
        }
        assert_error(grace.get(&format!("/api/posts/{p}")).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_error(app.client().get(&format!("/api/posts/{p}")).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        let seen: Value = moderator.get(&format!("/api/posts/{p}")).await.json().await.unwrap();
        assert_eq!(seen["removed"]["reason"], "spam");
        assert!(seen["removed"]["at"].is_string());
        let other: Value = moderator.get(&format!("/api/posts/{kept}")).await.json().await.unwrap();
        assert_eq!(other["removed"], Value::Null);
        // Nobody votes, comments on, edits or deletes it any more.
        let resp = grace.put(&format!("/api/posts/{p}/vote"), &json!({})).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        let resp = grace.post("/api/comments", &json!({"post_id": p, "comment_text": "hi"})).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        let resp = ada.put(&format!("/api/posts/{p}"), &json!({"title": "sneaky"})).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        let profile: Value = app.client().get("/api/users/ada").await.json().await.unwrap();
        assert_eq!((&profile["post_count"], &profile["karma"]), (&json!(1), &json!(0)));
        let profile: Value = app.client().get("/api/users/grace").await.json().await.unwrap();
        assert_eq!(profile["comment_count"], 0, "comments on a removed post are not shown");
        assert!(queue(&moderator).await.is_empty());

        let entries = log(&app.client()).await;
        assert_eq!(entries[0]["action"], "remove_post");
        assert_eq!(entries[0]["moderator"], json!({"id": mod_id, "username": "mod"}));
        assert_eq!((&entries[0]["target_type"], &entries[0]["target_id"]), (&json!("post"), &p));
        assert_eq!((&entries[0]["target_title"], &entries[0]["reason"]), (&json!("spam"), &json!("spam")));
        assert_eq!(entries.len(), 2, "one removal logged, and the grant");

        let resp = moderator.post(&format!("/api/moderation/posts/{p}/restore"), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let listed = page(&grace, "").await;
        assert_eq!(titles(&listed), ["spam", "kept"]);
        let back: Value = grace.get(&format!("/api/posts/{p}")).await.json().await.unwrap();
        assert_eq!((&back["vote_count"], &back["comment_count"]), (&json!(1), &json!(1)));
        assert!(queue(&moderator).await.is_empty(), "a restore clears the flags it judged");
        assert_eq!(log(&app.client()).await[0]["action"], "restore_post");
    })
    .await;
}

#[tokio::test]
async fn a_removed_comment_is_a_placeholder_for_everyone_but_moderators() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let p = post(&ada, "post").await["id"].clone();
        let c = comment(&grace, &p, "rude words").await["id"].clone();
        let resp = moderator
            .post(&format!("/api/moderation/comments/{c}/remove"), &json!({"reason": "abusive"}))
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);

        let seen: Value = ada.get(&format!("/api/posts/{p}")).await.json().await.unwrap();
        assert_eq!(seen["comment_count"], 0);
        let shown = &seen["comments"][0];
        assert_eq!(
            (&shown["deleted"], &shown["comment_text"], &shown["author"]),
            (&json!(true), &json!(""), &Value::Null)
        );
        assert_eq!((&shown["comment_html"], &shown["removed"]), (&json!(""), &Value::Null));
        let seen: Value = moderator.get(&format!("/api/posts/{p}")).await.json().await.unwrap();
        let shown = &seen["comments"][0];
        assert_eq!(
            (&shown["comment_text"], &shown["removed"]["reason"]),
            (&json!("rude words"), &json!("abusive"))
        );
        assert_eq!(shown["author"]["username"], "grace");
        let theirs: Value = app.client().get("/api/users/grace/comments").await.json().await.unwrap();
        assert_eq!(theirs["total"], 0);
        let resp = grace.put(&format!("/api/comments/{c}"), &json!({"comment_text": "nicer"})).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        let reply = json!({"post_id": p, "parent_id": c, "comment_text": "re"});
        assert_error(
            ada.post("/api/comments", &reply).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;

        let resp = moderator.post(&format!("/api/moderation/comments/{c}/restore"), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let seen: Value = ada.get(&format!("/api/posts/{p}")).await.json().await.unwrap();
        assert_eq!(
            (&seen["comment_count"], &seen["comments"][0]["comment_text"]),
            (&json!(1), &json!("rude words"))
        );
        let actions: Vec<Value> = log(&app.client()).await.iter().map(|e| e["action"].clone()).collect();
        assert_eq!(actions[..2], [json!("restore_comment"), json!("remove_comment")]);
    })
    .await;
}

#[tokio::test]
async fn a_ban_ends_every_session_at_once_and_refuses_logins_until_it_ends() {
    each_backend(|app| async move {
        let (ada, ada_id) = app.signed_up("ada").await;
        let on_phone = app.client();
        assert_eq!(on_phone.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let until = (app.clock.now() + chrono::Duration::days(1)).to_rfc3339();
        let resp = moderator
            .post(&format!("/api/moderation/users/{ada_id}/ban"), &json!({"reason": "spam", "until": until}))
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);

        for client in [&ada, &on_phone] {
            assert_eq!(client.logged_in_as().await, None);
            let resp =
                client.post("/api/posts", &json!({"title": "t", "post_url": "https://example.com/x"})).await;
            assert_error(resp, StatusCode::UNAUTHORIZED, "login_required").await;
        }
        let resp = app.client().log_in("ada@example.com", PASSWORD).await;
        let body = assert_error(resp, StatusCode::FORBIDDEN, "banned").await;
        assert!(body["message"].as_str().unwrap().contains("spam"));
        let resp = app.client().log_in("ada@example.com", "not-the-password").await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {ada_id}")).await, 0);
        let profile: Value = app.client().get("/api/users/ada").await.json().await.unwrap();
        assert_eq!(profile["banned"]["reason"], "spam");
        assert!(profile["banned"]["until"].is_string());
        let entry = &log(&app.client()).await[0];
        assert_eq!(
            (&entry["action"], &entry["target_type"], &entry["target_title"]),
            (&json!("ban"), &json!("user"), &json!("ada"))
        );

        // The ban lifts itself.
        app.clock.advance(Duration::from_secs(24 * 3600 + 1));
        assert_eq!(app.client().log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        let profile: Value = app.client().get("/api/users/ada").await.json().await.unwrap();
        assert_eq!(profile["banned"], Value::Null);

        // A permanent one, lifted by hand.
        let resp =
            moderator.post(&format!("/api/moderation/users/{ada_id}/ban"), &json!({"reason": "again"})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        app.clock.advance(Duration::from_secs(365 * 24 * 3600));
        assert_error(app.client().log_in("ada@example.com", PASSWORD).await, StatusCode::FORBIDDEN, "banned")
            .await;
        assert_eq!(moderator.log_in("mod@example.com", PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(
            moderator.delete(&format!("/api/moderation/users/{ada_id}/ban")).await.status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(app.client().log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(log(&app.client()).await[0]["action"], "unban");
    })
    .await;
}

#[tokio::test]
async fn who_may_ban_whom_and_bad_bans_write_nothing() {
    each_backend(|app| async move {
        let (_, ada) = app.signed_up("ada").await;
        let (admin, admin_id) = app.signed_up_as("boss", "admin").await;
        let (moderator, mod_id) = app.signed_up_as("mod", "moderator").await;
        let (_, other_mod) = app.signed_up_as("mod2", "moderator").await;
        let entries = app.count("moderation_log").await;
        let ban = |id: i64| format!("/api/moderation/users/{id}/ban");
        let reason = json!({"reason": "because"});
        for target in [admin_id, other_mod, mod_id] {
            assert_error(moderator.post(&ban(target), &reason).await, StatusCode::FORBIDDEN, "forbidden")
                .await;
        }
        assert_error(admin.post(&ban(admin_id), &reason).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_error(moderator.post(&ban(999_999), &reason).await, StatusCode::NOT_FOUND, "not_found").await;
        let past = (app.clock.now() - chrono::Duration::minutes(1)).to_rfc3339();
        for until in [json!(past), json!("next tuesday"), json!("2026-13-45T00:00:00Z"), json!(12)] {
            let resp = moderator.post(&ban(ada), &json!({"reason": "spam", "until": until})).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], "until", "{until}");
        }
        assert_eq!(app.count("moderation_log").await, entries, "nothing logged");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM users WHERE banned_at IS NOT NULL").await, 0);
        // An admin bans a moderator.
        assert_eq!(admin.post(&ban(mod_id), &reason).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(moderator.logged_in_as().await, None);
    })
    .await;
}

#[tokio::test]
async fn a_role_change_holds_from_the_users_very_next_request() {
    each_backend(|app| async move {
        let (admin, _) = app.signed_up_as("boss", "admin").await;
        let (ada, ada_id) = app.signed_up("ada").await;
        assert_error(ada.get("/api/moderation/queue").await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(ada.session().await["user"]["role"], "user");

        let resp = admin.put(&format!("/api/admin/users/{ada_id}/role"), &json!({"role": "moderator"})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let profile: Value = resp.json().await.unwrap();
        assert_eq!((&profile["username"], &profile["role"]), (&json!("ada"), &json!("moderator")));
        assert_eq!(ada.get("/api/moderation/queue").await.status(), StatusCode::OK);
        assert_eq!(ada.session().await["user"]["role"], "moderator");

        let resp = admin.put(&format!("/api/admin/users/{ada_id}/role"), &json!({"role": "user"})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_error(ada.get("/api/moderation/queue").await, StatusCode::FORBIDDEN, "forbidden").await;

        for role in [json!("root"), json!(""), json!(null)] {
            let resp = admin.put(&format!("/api/admin/users/{ada_id}/role"), &json!({"role": role})).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], "role");
        }
        let resp = admin.put("/api/admin/users/999999/role", &json!({"role": "user"})).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        let me: Value = admin.session().await;
        let resp =
            admin.put(&format!("/api/admin/users/{}/role", me["user"]["id"]), &json!({"role": "user"})).await;
        assert_error(resp, StatusCode::FORBIDDEN, "forbidden").await;

        let entries = log(&app.client()).await;
        let changes: Vec<(Value, Value)> =
            entries.iter().map(|e| (e["reason"].clone(), e["moderator"]["username"].clone())).collect();
        assert_eq!(
            changes,
            [
                (json!("moderator → user"), json!("boss")),
                (json!("user → moderator"), json!("boss")),
                (json!("user → admin"), Value::Null),
            ],
            "the command line's grant has no moderator"
        );
    })
    .await;
}

#[tokio::test]
async fn the_log_is_public_paged_and_newest_first() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        for n in 0..3 {
            let p = post(&ada, &format!("p{n}")).await["id"].clone();
            moderator
                .post(&format!("/api/moderation/posts/{p}/remove"), &json!({"reason": format!("r{n}")}))
                .await;
        }
        let resp = app.client().get("/api/moderation/log?page=1&per_page=2").await;
        let body: Value = resp.json().await.unwrap();
        assert_eq!((&body["total"], &body["page"], &body["per_page"]), (&json!(4), &json!(1), &json!(2)));
        let reasons: Vec<&Value> = body["entries"].as_array().unwrap().iter().map(|e| &e["reason"]).collect();
        assert_eq!(reasons, [&json!("r2"), &json!("r1")]);
        let body: Value =
            app.client().get("/api/moderation/log?page=2&per_page=2").await.json().await.unwrap();
        assert_eq!(body["entries"][0]["reason"], "r0");
        let resp = app.client().get("/api/moderation/log?page=0").await;
        assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    })
    .await;
}

#[tokio::test]
async fn a_ban_or_a_role_change_through_one_instance_holds_on_another_at_once() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let (admin, _) = first.signed_up_as("boss", "admin").await;
        let (_, ada_id) = first.signed_up("ada").await;
        let ada = second.client();
        assert_eq!(ada.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        assert_error(ada.get("/api/moderation/queue").await, StatusCode::FORBIDDEN, "forbidden").await;
        admin.put(&format!("/api/admin/users/{ada_id}/role"), &json!({"role": "moderator"})).await;
        assert_eq!(ada.get("/api/moderation/queue").await.status(), StatusCode::OK);
        let resp = admin.post(&format!("/api/moderation/users/{ada_id}/ban"), &json!({"reason": "x"})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(ada.logged_in_as().await, None);
        assert_error(
            second.client().log_in("ada@example.com", PASSWORD).await,
            StatusCode::FORBIDDEN,
            "banned",
        )
        .await;
    })
    .await;
}
