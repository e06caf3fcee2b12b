//! The inbox (DESIGN.md section 20): notifications made with their cause, never of one's own
//! writes nor from someone muted or a muted thread; the list, its filter and its counts; marking
//! read; the count in the session, exact on every instance right after the write answered; mail
//! for those who want it, coalesced.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Backend, Client, TestApp, assert_error, each_backend, each_backend_with},
    posts::{post, read},
};

/// Writes a comment on `post` (answering `parent` if given) and answers its id.
pub async fn comment(client: &Client, post: i64, parent: Option<i64>, text: &str) -> i64 {
    let body = json!({"post_id": post, "parent_id": parent, "comment_text": text});
    let resp = client.post("/api/comments", &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "commenting {text:?}");
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// `client`'s unread count, as the session tells it.
pub async fn unread(client: &Client) -> i64 {
    client.session().await["user"]["unread"].as_i64().unwrap()
}

/// `client`'s notifications at `query`: the whole answer.
async fn inbox(client: &Client, query: &str) -> Value {
    read(client, &format!("/api/notifications{query}")).await
}

/// Each notification of a page as `(kind, actor, comment id)`.
fn summary(page: &Value) -> Vec<(String, Option<String>, Option<i64>)> {
    page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["actor"]["username"].as_str().map(str::to_owned),
                n["comment"]["id"].as_i64(),
            )
        })
        .collect()
}

fn kinds(page: &Value) -> Vec<String> {
    summary(page).into_iter().map(|(kind, ..)| kind).collect()
}

#[tokio::test]
async fn replies_comments_and_mentions_notify_whom_they_concern_once_each() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (bob, _) = app.signed_up("bob").await;
        let (cyd, _) = app.signed_up("cyd").await;
        let story = post(&ada, "Ada story").await["id"].as_i64().unwrap();

        // A comment at the top of Ada's post: Ada hears of it (one notification, though it
        // mentions her too); Cyd is mentioned.
        let top = comment(&bob, story, None, "nice, @ADA — what do you think, @cyd?").await;
        // A reply to Bob that mentions Bob: one reply. Ada's own post: nothing for Ada.
        let reply = comment(&ada, story, Some(top), "thanks @bob").await;
        // One's own mention of oneself, and mentions in code, are nothing.
        let answer = comment(&bob, story, Some(reply), "`@cyd` and\n\n    @cyd\n\nand me, @bob").await;
        // A name nobody has is plain text.
        let html = read(&ada, &format!("/api/posts/{story}")).await["comments"][0]["comment_html"].clone();
        assert_eq!(
            html,
            "<p>nice, <a href=\"/user/ada\" rel=\"nofollow ugc noopener noreferrer\">@ADA</a> — what do \
             you think, <a href=\"/user/cyd\" rel=\"nofollow ugc noopener noreferrer\">@cyd</a>?</p>\n"
        );

        let for_ada = inbox(&ada, "").await;
        assert_eq!(
            summary(&for_ada),
            [
                ("reply".into(), Some("bob".into()), Some(answer)),
                ("post_comment".into(), Some("bob".into()), Some(top)),
            ]
        );
        assert_eq!((for_ada["total"].as_i64(), for_ada["unread"].as_i64()), (Some(2), Some(2)));
        let first = &for_ada["notifications"][1];
        assert_eq!(first["post"], json!({"id": story, "title": "Ada story"}));
        assert_eq!(first["read"], false);
        assert!(first["comment"]["comment_html"].as_str().unwrap().contains("what do you think"));
        assert_eq!(first["comment"]["deleted"], false);
        assert!(first["created_at"].is_string());
        assert_eq!(summary(&inbox(&bob, "").await), [("reply".into(), Some("ada".into()), Some(reply))]);
        assert_eq!(summary(&inbox(&cyd, "").await), [("mention".into(), Some("bob".into()), Some(top))]);
        assert_eq!((unread(&ada).await, unread(&bob).await, unread(&cyd).await), (2, 1, 1));
        assert_eq!(app.count("notifications").await, 4);

        // A text post's mentions: `comment` is null; at most ten people per text.
        let mut names = Vec::new();
        for n in 0..11 {
            let name = format!("reader{n}");
            app.signed_up(&name).await;
            names.push(format!("@{name}"));
        }
        let text = format!("Calling {} and @ada", names.join(" "));
        let resp = cyd.post("/api/posts", &json!({"title": "Ask: who is here?", "text": text})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let asked = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        assert_eq!(app.count("notifications").await, 14, "ten readers, not eleven, nor Ada (the twelfth)");
        let text_html = read(&cyd, &format!("/api/posts/{asked}")).await["text_html"].clone();
        assert_eq!(text_html.as_str().unwrap().matches("href=\"/user/").count(), 10);
        let reader0 = app.client();
        assert_eq!(
            reader0.log_in("reader0@example.com", crate::harness::PASSWORD).await.status(),
            StatusCode::OK
        );
        let mention = &inbox(&reader0, "").await["notifications"][0];
        assert_eq!((mention["kind"].clone(), mention["comment"].clone()), (json!("mention"), Value::Null));
        assert_eq!(mention["post"]["id"], asked);
    })
    .await;
}

#[tokio::test]
async fn nobody_is_notified_by_someone_they_muted_nor_from_a_thread_they_muted() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (bob, _) = app.signed_up("bob").await;
        let (zed, _) = app.signed_up("zed").await;
        let story = post(&ada, "Ada story").await["id"].as_i64().unwrap();
        let other = post(&ada, "Another story").await["id"].as_i64().unwrap();

        assert_eq!(ada.put("/api/users/zed/mute", &json!({})).await.status(), StatusCode::NO_CONTENT);
        comment(&zed, story, None, "hello @ada").await;
        assert_eq!(unread(&ada).await, 0, "muted person");

        assert_eq!(read(&ada, &format!("/api/posts/{story}")).await["muted"], false);
        for _ in 0..2 {
            let resp = ada.put(&format!("/api/posts/{story}/mute"), &json!({})).await;
            assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(read(&ada, &format!("/api/posts/{story}")).await["muted"], true);
        assert_eq!(read(&bob, &format!("/api/posts/{story}")).await["muted"], false);
        assert_eq!(read(&app.client(), &format!("/api/posts/{story}")).await["muted"], false);
        let top = comment(&bob, story, None, "a comment, @ada").await;
        comment(&bob, story, Some(top), "and a reply").await;
        assert_eq!(unread(&ada).await, 0, "muted thread");
        // Another thread of hers is not muted.
        comment(&bob, other, None, "here").await;
        assert_eq!(unread(&ada).await, 1);

        for _ in 0..2 {
            assert_eq!(
                ada.delete(&format!("/api/posts/{story}/mute")).await.status(),
                StatusCode::NO_CONTENT
            );
        }
        assert_eq!(read(&ada, &format!("/api/posts/{story}")).await["muted"], false);
        comment(&bob, story, None, "again").await;
        assert_eq!(unread(&ada).await, 2);
        assert_eq!(kinds(&inbox(&ada, "").await), ["post_comment", "post_comment"]);

        // An unknown post, a removed one, a path that is no id: 404, nothing muted.
        assert_error(ada.put("/api/posts/999999/mute", &json!({})).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        assert_error(ada.delete("/api/posts/999999/mute").await, StatusCode::NOT_FOUND, "not_found").await;
        assert_error(ada.put("/api/posts/x/mute", &json!({})).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        assert_error(
            app.client().put(&format!("/api/posts/{story}/mute"), &json!({})).await,
            StatusCode::UNAUTHORIZED,
            "login_required",
        )
        .await;
        assert_eq!(app.count("thread_mutes").await, 0);
    })
    .await;
}

#[tokio::test]
async fn the_list_pages_filters_and_marks_read_up_to_what_was_shown() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (bob, _) = app.signed_up("bob").await;
        let story = post(&ada, "Ada story").await["id"].as_i64().unwrap();
        for n in 0..5 {
            comment(&bob, story, None, &format!("comment {n}")).await;
        }
        let all = inbox(&ada, "?per_page=2").await;
        assert_eq!(
            (all["total"].as_i64(), all["unread"].as_i64(), all["per_page"].as_i64()),
            (Some(5), Some(5), Some(2))
        );
        let ids: Vec<i64> =
            all["notifications"].as_array().unwrap().iter().map(|n| n["id"].as_i64().unwrap()).collect();
        assert!(ids[0] > ids[1], "newest first: {ids:?}");
        let third = inbox(&ada, "?per_page=2&page=3").await;
        assert_eq!(third["notifications"].as_array().unwrap().len(), 1);
        assert_eq!(third["page"], 3);

        // Marking one read, twice, and someone else marking it.
        let one = ids[1];
        for _ in 0..2 {
            let resp = ada.put(&format!("/api/notifications/{one}/read"), &json!({})).await;
            assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        }
        assert_error(
            bob.put(&format!("/api/notifications/{one}/read"), &json!({})).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_error(
            ada.put("/api/notifications/999999/read", &json!({})).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_eq!(unread(&ada).await, 4);
        let unread_only = inbox(&ada, "?unread=true").await;
        assert_eq!((unread_only["total"].as_i64(), unread_only["unread"].as_i64()), (Some(4), Some(4)));
        assert!(unread_only["notifications"].as_array().unwrap().iter().all(|n| n["read"] == false));
        let everything = inbox(&ada, "?unread=false").await;
        assert_eq!((everything["total"].as_i64(), everything["unread"].as_i64()), (Some(5), Some(4)));
        assert_eq!(everything["notifications"][1]["read"], true);

        // Bad input: nothing changes.
        for query in ["?unread=maybe", "?page=0", "?per_page=101"] {
            assert_error(
                ada.get(&format!("/api/notifications{query}")).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
        }
        for body in [json!({"up_to_id": -1}), json!({"up_to_id": "x"}), json!({"up_to_id": 1.5}), json!({})] {
            let refused = assert_error(
                ada.post("/api/notifications/read", &body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(refused["field"], "up_to_id", "{body}");
        }
        assert_error(
            app.client().get("/api/notifications").await,
            StatusCode::UNAUTHORIZED,
            "login_required",
        )
        .await;
        assert_eq!(unread(&ada).await, 4);

        // Up to the newest shown: what came after stays unread.
        let newest = ids[0];
        comment(&bob, story, None, "after the page was drawn").await;
        let resp = ada.post("/api/notifications/read", &json!({"up_to_id": newest})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(unread(&ada).await, 1);
        let left = inbox(&ada, "?unread=true").await;
        assert!(left["notifications"][0]["id"].as_i64().unwrap() > newest);
        // Someone else's marking up to any id touches nothing of hers.
        assert_eq!(
            bob.post("/api/notifications/read", &json!({"up_to_id": i32::MAX})).await.status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(unread(&ada).await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_deleted_comment_stays_marked_deleted_and_a_removed_or_deleted_post_takes_its_notifications() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (bob, _) = app.signed_up("bob").await;
        let (moderator, _) = app.signed_up_as("moira", "moderator").await;
        let story = post(&ada, "Ada story").await["id"].as_i64().unwrap();
        let doomed = post(&ada, "Doomed story").await["id"].as_i64().unwrap();
        let gone = comment(&bob, story, None, "soon gone").await;
        let removed = comment(&bob, story, None, "soon removed").await;
        comment(&bob, doomed, None, "on a doomed post").await;
        assert_eq!(unread(&ada).await, 3);

        assert_eq!(bob.delete(&format!("/api/comments/{gone}")).await.status(), StatusCode::NO_CONTENT);
        let resp = moderator
            .post(&format!("/api/moderation/comments/{removed}/remove"), &json!({"reason": "spam"}))
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let page = inbox(&ada, "").await;
        let on_story: Vec<&Value> =
            page["notifications"].as_array().unwrap().iter().filter(|n| n["post"]["id"] == story).collect();
        assert_eq!(on_story.len(), 2);
        for n in on_story {
            assert_eq!(n["comment"]["deleted"], true, "{n}");
            assert_eq!(n["comment"]["comment_html"], "", "{n}");
            assert!(n["comment"]["id"] == gone || n["comment"]["id"] == removed);
        }
        assert_eq!(unread(&ada).await, 3);

        // A moderator removes the post: its notification leaves the list and the count; a restore
        // brings it back.
        let remove = moderator
            .post(&format!("/api/moderation/posts/{doomed}/remove"), &json!({"reason": "off-topic"}))
            .await;
        assert_eq!(remove.status(), StatusCode::NO_CONTENT);
        assert_eq!(unread(&ada).await, 2);
        assert_eq!(inbox(&ada, "").await["total"], 2);
        let restore = moderator.post(&format!("/api/moderation/posts/{doomed}/restore"), &json!({})).await;
        assert_eq!(restore.status(), StatusCode::NO_CONTENT);
        assert_eq!(unread(&ada).await, 3);
        // Deleted, it is gone.
        assert_eq!(ada.delete(&format!("/api/posts/{doomed}")).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(unread(&ada).await, 2);
        assert_eq!(inbox(&ada, "").await["total"], 2);

        // The actor's account goes: the notification stays, without them.
        let resp = bob.delete_json("/api/users/me", &json!({"password": crate::harness::PASSWORD})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let page = inbox(&ada, "").await;
        assert_eq!(page["total"], 2);
        assert!(page["notifications"].as_array().unwrap().iter().all(|n| n["actor"].is_null()));
        assert_eq!(unread(&ada).await, 2);
    })
    .await;
}

/// Twenty people reply to one comment at once: its author's count is exactly twenty, in the
/// session and the list, the moment the last reply has answered.
#[tokio::test]
async fn twenty_replies_at_once_are_twenty_unread() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let story = post(&ada, "Ada story").await["id"].as_i64().unwrap();
        let asked = comment(&ada, story, None, "what do you think?").await;
        assert_eq!(unread(&ada).await, 0);
        let mut people = Vec::new();
        for n in 0..20 {
            people.push(app.signed_up(&format!("reader{n}")).await.0);
        }
        let replies = people.iter().enumerate().map(|(n, person)| async move {
            comment(person, story, Some(asked), &format!("reply {n}")).await
        });
        futures_util::future::join_all(replies).await;
        assert_eq!(unread(&ada).await, 20);
        let page = inbox(&ada, "?per_page=100").await;
        assert_eq!((page["total"].as_i64(), page["unread"].as_i64()), (Some(20), Some(20)));
        assert!(kinds(&page).iter().all(|kind| kind == "reply"));
    })
    .await;
}

/// Marking read up to the newest id seen, while new replies are written: exactly the new ones
/// stay unread, however the two interleave.
#[tokio::test]
async fn marking_read_while_replies_arrive_leaves_exactly_the_new_ones_unread() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let story = post(&ada, "Ada story").await["id"].as_i64().unwrap();
        let asked = comment(&ada, story, None, "what do you think?").await;
        let mut people = Vec::new();
        for n in 0..10 {
            people.push(app.signed_up(&format!("reader{n}")).await.0);
        }
        for (n, person) in people.iter().enumerate() {
            comment(person, story, Some(asked), &format!("early {n}")).await;
        }
        let newest = inbox(&ada, "").await["notifications"][0]["id"].as_i64().unwrap();
        let replies = people.iter().enumerate().map(|(n, person)| async move {
            comment(person, story, Some(asked), &format!("late {n}")).await;
        });
        let marking = async {
            for _ in 0..5 {
                let resp = ada.post("/api/notifications/read", &json!({"up_to_id": newest})).await;
                assert_eq!(resp.status(), StatusCode::NO_CONTENT);
            }
        };
        tokio::join!(futures_util::future::join_all(replies), marking);
        assert_eq!(unread(&ada).await, 10);
        let left = inbox(&ada, "?unread=true&per_page=100").await;
        assert_eq!(left["total"], 10);
        for n in left["notifications"].as_array().unwrap() {
            assert!(n["id"].as_i64().unwrap() > newest);
            assert!(n["comment"]["comment_html"].as_str().unwrap().contains("late"), "{n}");
        }
    })
    .await;
}

/// Behind a load balancer: a reply through one instance is counted by the next session check
/// through another, and reading through that one is seen by the first.
#[tokio::test]
async fn the_count_is_exact_on_every_instance() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let resp = first.client().sign_up("ada", "ada@example.com", crate::harness::PASSWORD).await;
        let token = crate::harness::issued_token(&resp).unwrap();
        let (on_first, on_second) = (first.client_with_cookie(&token), second.client_with_cookie(&token));
        let (bob, _) = second.signed_up("bob").await;
        let story = post(&on_first, "Ada story").await["id"].as_i64().unwrap();
        assert_eq!((unread(&on_first).await, unread(&on_second).await), (0, 0));
        comment(&bob, story, None, "through the second").await;
        assert_eq!((unread(&on_first).await, unread(&on_second).await), (1, 1));
        let newest = inbox(&on_first, "").await["notifications"][0]["id"].as_i64().unwrap();
        let resp = on_second.post("/api/notifications/read", &json!({"up_to_id": newest})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!((unread(&on_first).await, unread(&on_second).await), (0, 0));
        assert_eq!(inbox(&on_first, "").await["notifications"][0]["read"], true);
    })
    .await;
}

/// Sets `client`'s mail setting and checks the answer.
async fn mail_me(client: &Client, on: bool) {
    let resp = client.put("/api/users/me/settings", &json!({"email_notifications": on})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"email_notifications": on}));
    assert_eq!(read(client, "/api/users/me").await["settings"], json!({"email_notifications": on}));
}

#[tokio::test]
async fn mail_comes_when_asked_for_the_first_soon_then_at_most_one_per_quarter_hour() {
    each_backend_with(
        |config| config.inbox_mail_every = MAIL_ROUNDS,
        |app| async move {
            let (ada, _) = app.signed_up("ada").await;
            let (bob, _) = app.signed_up("bob").await;
            assert_eq!(read(&ada, "/api/users/me").await["settings"], json!({"email_notifications": false}));
            let story = post(&ada, "Ada story").await["id"].as_i64().unwrap();
            // Off: nothing is mailed, then or later.
            comment(&bob, story, None, "while mail was off").await;
            mail_me(&ada, true).await;
            quiet(&app).await;
            assert!(app.outbox().is_empty());

            let first = comment(&bob, story, None, "first while on").await;
            let mail = app.mails(1).await.pop().unwrap();
            assert_eq!(mail.to, "ada@example.com");
            assert!(mail.subject.contains("bob commented on your post"), "{}", mail.subject);
            assert!(
                mail.body.contains(&format!("http://127.0.0.1:3000/post/{story}#comment-{first}")),
                "{}",
                mail.body
            );
            assert!(!mail.body.contains("while mail was off"));

            // Within the quarter hour: these wait, and the one read meanwhile is not mailed.
            let second = comment(&bob, story, None, "second").await;
            let third = comment(&bob, story, None, "third").await;
            let read_one = comment(&bob, story, None, "read at once").await;
            let id = inbox(&ada, "").await["notifications"][0]["id"].as_i64().unwrap();
            assert_eq!(
                ada.put(&format!("/api/notifications/{id}/read"), &json!({})).await.status(),
                StatusCode::NO_CONTENT
            );
            quiet(&app).await;
            assert_eq!(app.outbox().len(), 1);
            app.clock.advance(Duration::from_secs(15 * 60 + 1));
            let mails = app.mails(2).await;
            let digest = &mails[1];
            assert!(digest.subject.starts_with("2 new notifications"), "{}", digest.subject);
            for (comment, listed) in [(second, true), (third, true), (read_one, false), (first, false)] {
                let link = format!("http://127.0.0.1:3000/post/{story}#comment-{comment}");
                let found = digest.body.split_whitespace().any(|word| word == link);
                assert_eq!(found, listed, "{comment} in {}", digest.body);
            }

            // Turned off with one waiting: it is never mailed.
            app.clock.advance(Duration::from_secs(15 * 60 + 1));
            comment(&bob, story, None, "waiting").await;
            mail_me(&ada, false).await;
            mail_me(&ada, true).await;
            quiet(&app).await;
            assert_eq!(app.outbox().len(), 2);
            // Bad input changes nothing.
            for body in
                [json!({}), json!({"email_notifications": "yes"}), json!({"email_notifications": null})]
            {
                assert_error(
                    ada.put("/api/users/me/settings", &body).await,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                )
                .await;
            }
            assert_eq!(read(&ada, "/api/users/me").await["settings"]["email_notifications"], true);
        },
    )
    .await;
}

/// How often the mailer goes round in the tests of mail.
pub const MAIL_ROUNDS: Duration = Duration::from_millis(100);

/// Long enough for a few rounds of the mailer.
async fn quiet(_app: &TestApp) {
    tokio::time::sleep(Duration::from_millis(600)).await;
}
