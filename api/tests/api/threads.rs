//! Threads (DESIGN.md section 12): replies, display order, the depth limit, editing, Markdown,
//! and the deletion rule that keeps a thread whole, also through account deletion.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Client, PASSWORD, TestApp, assert_error, each_backend},
    posts::post,
};

/// Writes a comment on `post` (answering `parent` if given) and answers it.
pub async fn comment(who: &Client, post: &Value, parent: Option<&Value>, text: &str) -> Value {
    let body = json!({"post_id": post, "parent_id": parent, "comment_text": text});
    let resp = who.post("/api/comments", &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "{body}");
    resp.json().await.unwrap()
}

async fn thread(app: &TestApp, post: &Value) -> Vec<Value> {
    let detail: Value = app.client().get(&format!("/api/posts/{post}")).await.json().await.unwrap();
    detail["comments"].as_array().unwrap().clone()
}

/// The thread as `(text, depth)`, placeholders as `[deleted]`.
async fn outline(app: &TestApp, post: &Value) -> Vec<(String, i64)> {
    thread(app, post)
        .await
        .iter()
        .map(|c| {
            let text = if c["deleted"] == true { "[deleted]" } else { c["comment_text"].as_str().unwrap() };
            (text.to_owned(), c["depth"].as_i64().unwrap())
        })
        .collect()
}

fn outline_of(items: &[(&str, i64)]) -> Vec<(String, i64)> {
    items.iter().map(|&(text, depth)| (text.to_owned(), depth)).collect()
}

async fn comment_count(app: &TestApp, post: &Value) -> Value {
    let detail: Value = app.client().get(&format!("/api/posts/{post}")).await.json().await.unwrap();
    detail["comment_count"].clone()
}

fn tick(app: &TestApp) {
    app.clock.advance(std::time::Duration::from_secs(1));
}

#[tokio::test]
async fn the_thread_comes_depth_first_with_siblings_oldest_first() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let p = post(&ada, "p").await["id"].clone();
        let a = comment(&ada, &p, None, "a").await;
        tick(&app);
        let b = comment(&grace, &p, None, "b").await;
        tick(&app);
        let a1 = comment(&grace, &p, Some(&a["id"]), "a1").await;
        tick(&app);
        comment(&ada, &p, Some(&b["id"]), "b1").await;
        tick(&app);
        comment(&ada, &p, Some(&a1["id"]), "a1x").await;
        tick(&app);
        comment(&grace, &p, Some(&a["id"]), "a2").await;

        assert_eq!(
            outline(&app, &p).await,
            outline_of(&[("a", 0), ("a1", 1), ("a1x", 2), ("a2", 1), ("b", 0), ("b1", 1)])
        );
        assert_eq!(a1["parent_id"], a["id"]);
        assert_eq!(a1["depth"], 1);
        assert_eq!(a["parent_id"], Value::Null);
        assert_eq!(a["updated_at"], Value::Null);
        assert_eq!(a["deleted"], false);
        assert_eq!(thread(&app, &p).await[1], a1, "the answer to the reply is what the thread shows");
        assert_eq!(comment_count(&app, &p).await, 6);
    })
    .await;
}

#[tokio::test]
async fn replies_go_eight_deep_and_no_deeper() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let p = post(&ada, "p").await["id"].clone();
        let mut parent = comment(&ada, &p, None, "depth 0").await;
        for depth in 1..=8 {
            parent = comment(&ada, &p, Some(&parent["id"]), &format!("depth {depth}")).await;
            assert_eq!(parent["depth"], depth);
        }
        let body = json!({"post_id": p, "parent_id": parent["id"], "comment_text": "depth 9"});
        let error = assert_error(
            ada.post("/api/comments", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(error["field"], "parent_id");
        assert_eq!(app.count("comments").await, 9);
    })
    .await;
}

#[tokio::test]
async fn a_parent_must_be_a_live_comment_on_the_same_post() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let p = post(&ada, "p").await["id"].clone();
        let other = post(&ada, "other").await["id"].clone();
        let elsewhere = comment(&ada, &other, None, "elsewhere").await;
        let gone = comment(&ada, &p, None, "gone").await;
        assert_eq!(
            ada.delete(&format!("/api/comments/{}", gone["id"])).await.status(),
            StatusCode::NO_CONTENT
        );
        let kept = comment(&ada, &p, None, "kept").await;
        comment(&grace, &p, Some(&kept["id"]), "reply").await;
        assert_eq!(
            ada.delete(&format!("/api/comments/{}", kept["id"])).await.status(),
            StatusCode::NO_CONTENT
        );
        let before = app.count("comments").await;
        for parent in
            [elsewhere["id"].clone(), gone["id"].clone(), kept["id"].clone(), json!(999_999), json!("one")]
        {
            let body = json!({"post_id": p, "parent_id": parent, "comment_text": "hi"});
            let resp = grace.post("/api/comments", &body).await;
            let error = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(error["field"], "parent_id", "{body}");
        }
        // A missing post outranks a bad parent.
        let body = json!({"post_id": 999_999, "parent_id": elsewhere["id"], "comment_text": "hi"});
        assert_error(grace.post("/api/comments", &body).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(app.count("comments").await, before);
        // `null` is a top-level comment, as is no parent at all.
        let body = json!({"post_id": p, "parent_id": null, "comment_text": "top"});
        assert_eq!(grace.post("/api/comments", &body).await.status(), StatusCode::CREATED);
    })
    .await;
}

#[tokio::test]
async fn the_author_edits_a_comment_and_it_is_marked_edited() {
    each_backend(|app| async move {
        let (ada, ada_id) = app.signed_up("ada").await;
        let (mallory, _) = app.signed_up("mallory").await;
        let p = post(&ada, "p").await["id"].clone();
        let c = comment(&ada, &p, None, "first *draft*").await;
        let path = format!("/api/comments/{}", c["id"]);
        tick(&app);

        let edit = json!({"comment_text": "  second **draft**  "});
        assert_error(mallory.put(&path, &edit).await, StatusCode::FORBIDDEN, "not_author").await;
        assert_error(app.client().put(&path, &edit).await, StatusCode::UNAUTHORIZED, "login_required").await;
        assert_error(ada.put("/api/comments/999999", &edit).await, StatusCode::NOT_FOUND, "not_found").await;
        for body in [json!({"comment_text": " "}), json!({"comment_text": "x".repeat(2001)}), json!({})] {
            let error = assert_error(
                ada.put(&path, &body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(error["field"], "comment_text");
        }
        assert_eq!(thread(&app, &p).await[0], c, "nothing changed by the refused edits");

        let resp = ada.put(&path, &edit).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let edited: Value = resp.json().await.unwrap();
        assert_eq!(edited["comment_text"], "second **draft**");
        assert_eq!(edited["comment_html"], "<p>second <strong>draft</strong></p>\n");
        assert_eq!(edited["author"], json!({"id": ada_id, "username": "ada"}));
        assert_eq!(edited["created_at"], c["created_at"]);
        assert_ne!(edited["updated_at"], Value::Null);
        assert_ne!(edited["updated_at"], c["created_at"]);
        assert_eq!(thread(&app, &p).await[0], edited);
    })
    .await;
}

#[tokio::test]
async fn a_deleted_comment_with_replies_keeps_its_place_and_one_without_goes() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let p = post(&ada, "p").await["id"].clone();
        let a = comment(&ada, &p, None, "a").await;
        let a1 = comment(&grace, &p, Some(&a["id"]), "a1").await;
        let b = comment(&ada, &p, None, "b").await;
        assert_eq!(ada.delete(&format!("/api/comments/{}", a["id"])).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(ada.delete(&format!("/api/comments/{}", b["id"])).await.status(), StatusCode::NO_CONTENT);

        let comments = thread(&app, &p).await;
        assert_eq!(comments.len(), 2);
        let placeholder = &comments[0];
        assert_eq!(placeholder["id"], a["id"]);
        assert_eq!(placeholder["deleted"], true);
        assert_eq!(placeholder["comment_text"], "");
        assert_eq!(placeholder["comment_html"], "");
        assert_eq!(placeholder["author"], Value::Null);
        assert_eq!(comments[1], a1);
        assert_eq!(comment_count(&app, &p).await, 1, "a placeholder is not counted");

        // A placeholder cannot be edited or deleted again, by anyone.
        let path = format!("/api/comments/{}", a["id"]);
        assert_error(
            ada.put(&path, &json!({"comment_text": "back"})).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_error(ada.delete(&path).await, StatusCode::NOT_FOUND, "not_found").await;

        // The last reply going takes the placeholder left without replies with it.
        assert_eq!(
            grace.delete(&format!("/api/comments/{}", a1["id"])).await.status(),
            StatusCode::NO_CONTENT
        );
        assert!(thread(&app, &p).await.is_empty());
        assert_eq!(app.count("comments").await, 0);
    })
    .await;
}

#[tokio::test]
async fn placeholders_left_without_replies_go_all_the_way_up() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let p = post(&ada, "p").await["id"].clone();
        let top = comment(&ada, &p, None, "top").await;
        let mid = comment(&ada, &p, Some(&top["id"]), "mid").await;
        let sibling = comment(&grace, &p, Some(&top["id"]), "sibling").await;
        let leaf = comment(&grace, &p, Some(&mid["id"]), "leaf").await;
        for id in [&top["id"], &mid["id"]] {
            assert_eq!(ada.delete(&format!("/api/comments/{id}")).await.status(), StatusCode::NO_CONTENT);
        }
        assert_eq!(
            outline(&app, &p).await,
            outline_of(&[("[deleted]", 0), ("[deleted]", 1), ("leaf", 2), ("sibling", 1)])
        );
        assert_eq!(
            grace.delete(&format!("/api/comments/{}", leaf["id"])).await.status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(outline(&app, &p).await, outline_of(&[("[deleted]", 0), ("sibling", 1)]));
        assert_eq!(
            grace.delete(&format!("/api/comments/{}", sibling["id"])).await.status(),
            StatusCode::NO_CONTENT
        );
        assert!(outline(&app, &p).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn deleting_an_account_keeps_everyone_elses_replies() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (linus, linus_id) = app.signed_up("linus").await;
        let p = post(&ada, "p").await["id"].clone();
        // linus: one comment with someone else's reply, a chain of his own, and a lone one.
        let answered = comment(&linus, &p, None, "answered").await;
        comment(&grace, &p, Some(&answered["id"]), "grace replies").await;
        let chain = comment(&linus, &p, None, "chain").await;
        comment(&linus, &p, Some(&chain["id"]), "chain reply").await;
        comment(&linus, &p, None, "lone").await;
        // grace's comment answered by linus, after she deleted it: left without replies, it goes.
        let hers = comment(&grace, &p, None, "hers").await;
        comment(&linus, &p, Some(&hers["id"]), "linus answers grace").await;
        assert_eq!(
            grace.delete(&format!("/api/comments/{}", hers["id"])).await.status(),
            StatusCode::NO_CONTENT
        );

        let resp = linus.delete_json("/api/users/me", &json!({"password": PASSWORD})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(outline(&app, &p).await, outline_of(&[("[deleted]", 0), ("grace replies", 1)]));
        assert_eq!(app.count("comments").await, 2);
        assert_eq!(comment_count(&app, &p).await, 1);
        assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM comments WHERE user_id = {linus_id}")).await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_reply_racing_the_deletion_of_its_parent_is_never_lost() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let p = post(&ada, "p").await["id"].clone();
        for round in 0..8 {
            let parent = comment(&ada, &p, None, &format!("parent {round}")).await;
            let path = format!("/api/comments/{}", parent["id"]);
            let replies = (0..4).map(|n| {
                let body =
                    json!({"post_id": p, "parent_id": parent["id"], "comment_text": format!("reply {n}")});
                let grace = &grace;
                async move { grace.post("/api/comments", &body).await.status() }
            });
            let (deleted, statuses) =
                tokio::join!(ada.delete(&path), futures_util::future::join_all(replies));
            assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
            let written = statuses.iter().filter(|&&s| s == StatusCode::CREATED).count();
            assert!(
                statuses.iter().all(|&s| s == StatusCode::CREATED || s == StatusCode::UNPROCESSABLE_ENTITY),
                "{statuses:?}"
            );
            let under: Vec<Value> =
                thread(&app, &p).await.into_iter().filter(|c| c["parent_id"] == parent["id"]).collect();
            assert_eq!(under.len(), written, "round {round}: every reply answered 201 is in the thread");
            let parent_row = app
                .scalar(&format!(
                    "SELECT COUNT(*) FROM comments WHERE id = {} AND deleted = TRUE",
                    parent["id"]
                ))
                .await;
            assert_eq!(
                parent_row,
                i64::from(written > 0),
                "round {round}: a placeholder exactly when replied to"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn markdown_is_rendered_and_nothing_else_gets_through() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let p = post(&ada, "p").await["id"].clone();
        for (source, html) in [
            ("*em* **strong** `code`", "<p><em>em</em> <strong>strong</strong> <code>code</code></p>\n"),
            ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
            ("[x](javascript:alert(1))", "<p><a rel=\"nofollow ugc noopener noreferrer\">x</a></p>\n"),
            ("[x](data:text/html,hi)", "<p><a rel=\"nofollow ugc noopener noreferrer\">x</a></p>\n"),
            ("![cat](https://example.com/cat.png)", "<p>cat</p>\n"),
            (
                "[site](https://example.com)",
                "<p><a href=\"https://example.com\" rel=\"nofollow ugc noopener noreferrer\">site</a></p>\n",
            ),
        ] {
            let created = comment(&ada, &p, None, source).await;
            assert_eq!(created["comment_text"], source);
            assert_eq!(created["comment_html"], html, "{source}");
            let shown = thread(&app, &p).await.into_iter().find(|c| c["id"] == created["id"]).unwrap();
            assert_eq!(shown["comment_html"], html);
        }
    })
    .await;
}

#[tokio::test]
async fn a_post_page_is_a_bounded_set_of_statements_whatever_the_thread() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let p = post(&ada, "p").await["id"].clone();
        let mut counts = Vec::new();
        let mut parent: Option<Value> = None;
        for size in [3, 60] {
            while app.count("comments").await < size {
                let who = if app.count("comments").await % 2 == 0 { &ada } else { &grace };
                let written = comment(who, &p, parent.as_ref().map(|c| &c["id"]), "reply").await;
                parent = (written["depth"].as_i64() < Some(8)).then(|| written["id"].clone());
            }
            let (detail, statements) =
                app.statements_during(app.client().get(&format!("/api/posts/{p}"))).await;
            let detail: Value = detail.json().await.unwrap();
            assert_eq!(detail["comments"].as_array().unwrap().len() as i64, size);
            counts.push(statements.len());
        }
        assert!(counts[1] <= 2, "the summary and the thread: {counts:?}");
        assert!(counts[1] <= counts[0], "no statement per comment: {counts:?}");
    })
    .await;
}

#[tokio::test]
async fn comments_written_before_threads_survive_the_migration_rendered() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Database};

    for backend in crate::harness::backends() {
        let database = crate::harness::TestDatabase::create(backend).await;
        let db = Database::connect(&database.url).await.unwrap();
        // The schema as the ranking migration left it, with a comment in it.
        Migrator::up(&db, Some(2)).await.unwrap();
        for sql in [
            "INSERT INTO users (username, username_key, email, password_hash, created_at) \
             VALUES ('ada', 'ada', 'ada@example.com', 'x', '2026-12-01 10:00:00')",
            "INSERT INTO posts (title, post_url, user_id, created_at, updated_at) \
             SELECT 'p', 'https://example.com/', id, '2026-12-01 10:00:00', '2026-12-01 10:00:00' FROM users",
            "INSERT INTO comments (comment_text, user_id, post_id, created_at) \
             SELECT 'an *old* <b>one</b>', user_id, id, '2026-12-01 11:00:00' FROM posts",
        ] {
            db.execute_unprepared(sql).await.unwrap();
        }
        db.close().await.unwrap();

        let app = TestApp::spawn(crate::harness::test_config(&database.url), Some(database)).await;
        let page: Value = app.client().get("/api/posts").await.json().await.unwrap();
        let p = page["posts"][0]["id"].clone();
        let comments = thread(&app, &p).await;
        assert_eq!(comments.len(), 1, "{backend:?}");
        let old = &comments[0];
        assert_eq!(old["comment_html"], "<p>an <em>old</em> &lt;b&gt;one&lt;/b&gt;</p>\n", "{backend:?}");
        assert_eq!(
            (old["depth"].clone(), old["parent_id"].clone(), old["deleted"].clone()),
            (json!(0), Value::Null, json!(false))
        );
        assert_eq!(old["author"]["username"], "ada");
        // New replies go under it.
        let (grace, _) = app.signed_up("grace").await;
        let reply = comment(&grace, &p, Some(&old["id"]), "reply").await;
        assert_eq!(outline(&app, &p).await, outline_of(&[("an *old* <b>one</b>", 0), ("reply", 1)]));
        assert_eq!(reply["parent_id"], old["id"]);
        let profile: Value = app.client().get("/api/users/ada").await.json().await.unwrap();
        assert_eq!(profile["role"], "user");
    }
}
