//! Posting, listing, reading, editing and deleting posts.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Client, TestApp, assert_error, each_backend};

/// A link no other post of the test run has: the same link twice is a duplicate.
pub fn fresh_link() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!("https://example.com/story/{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

pub async fn post(client: &Client, title: &str) -> Value {
    let resp = client.post("/api/posts", &json!({"title": title, "post_url": fresh_link()})).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "creating {title}");
    resp.json().await.unwrap()
}

pub async fn page(client: &Client, query: &str) -> Value {
    let resp = client.get(&format!("/api/posts{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK, "{query}");
    resp.json().await.unwrap()
}

/// The JSON `client` reads at `path`, which must answer 200.
pub async fn read(client: &Client, path: &str) -> Value {
    let resp = client.get(path).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.unwrap()
}

/// Every path that lists posts, in each of its orders (the search finds every post titled
/// "… story").
pub const LISTINGS: [&str; 5] = [
    "/api/posts",
    "/api/posts?sort=hot",
    "/api/posts?sort=top&period=all",
    "/api/posts?sort=top&period=day",
    "/api/search?q=story",
];

/// The ids of the posts a page of posts at `path` lists, and its total.
pub async fn listed(client: &Client, path: &str) -> (Vec<i64>, i64) {
    let page = read(client, path).await;
    let ids = page["posts"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    (ids, page["total"].as_i64().unwrap())
}

pub fn titles(page: &Value) -> Vec<String> {
    page["posts"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_owned()).collect()
}

async fn five_posts(app: &TestApp) -> (Client, i64) {
    let (ada, id) = app.signed_up("ada").await;
    for n in 1..=5 {
        post(&ada, &format!("post {n}")).await;
    }
    (ada, id)
}

#[tokio::test]
async fn creating_a_post_answers_its_full_summary() {
    each_backend(|app| async move {
        let (ada, ada_id) = app.signed_up("ada").await;
        let resp =
            ada.post("/api/posts", &json!({"title": "  Hello  ", "post_url": "https://example.com/x"})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let created: Value = resp.json().await.unwrap();
        assert_eq!(created["title"], "Hello", "titles are trimmed");
        assert_eq!(created["post_url"], "https://example.com/x");
        assert_eq!(created["author"], json!({"id": ada_id, "username": "ada"}));
        assert_eq!(created["vote_count"], 0);
        assert_eq!(created["comment_count"], 0);
        assert_eq!(created["voted"], false);
        assert_eq!(created["created_at"], created["updated_at"]);
        let fetched: Value = ada.get(&format!("/api/posts/{}", created["id"])).await.json().await.unwrap();
        assert_eq!(fetched["comments"], json!([]));
        assert_eq!(fetched["title"], "Hello");
    })
    .await;
}

#[tokio::test]
async fn the_list_is_newest_first_and_paginated() {
    each_backend(|app| async move {
        let (ada, _) = five_posts(&app).await;
        let first = page(&ada, "?per_page=2").await;
        assert_eq!(titles(&first), ["post 5", "post 4"]);
        assert_eq!(
            (first["page"].as_i64(), first["per_page"].as_i64(), first["total"].as_i64()),
            (Some(1), Some(2), Some(5))
        );
        assert_eq!(titles(&page(&ada, "?per_page=2&page=2").await), ["post 3", "post 2"]);
        assert_eq!(titles(&page(&ada, "?per_page=2&page=3").await), ["post 1"]);
        let past = page(&ada, "?per_page=2&page=4").await;
        assert!(titles(&past).is_empty());
        assert_eq!(past["total"], 5, "a page past the last still says how many there are");
        let default = page(&app.client(), "").await;
        assert_eq!(default["per_page"], 20);
        assert_eq!(titles(&default).len(), 5);
    })
    .await;
}

#[tokio::test]
async fn posts_made_in_the_same_instant_keep_a_stable_order() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        use sea_orm::{ConnectionTrait, Statement};
        for _ in 0..3 {
            post(&ada, "same time").await;
        }
        let backend = app.db.get_database_backend();
        app.db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                if backend == sea_orm::DatabaseBackend::Postgres {
                    "UPDATE posts SET created_at = $1"
                } else {
                    "UPDATE posts SET created_at = ?"
                },
                [chrono::Utc::now().into()],
            ))
            .await
            .unwrap();
        let ids: Vec<i64> = page(&ada, "").await["posts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(ids, sorted, "ties are broken by id, newest first");
    })
    .await;
}

#[tokio::test]
async fn user_id_narrows_the_list_to_one_author() {
    each_backend(|app| async move {
        let (ada, ada_id) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        post(&ada, "by ada").await;
        post(&grace, "by grace").await;
        let mine = page(&ada, &format!("?user_id={ada_id}")).await;
        assert_eq!(titles(&mine), ["by ada"]);
        assert_eq!(mine["total"], 1);
        assert_eq!(page(&ada, "?user_id=999999").await["total"], 0);
    })
    .await;
}

#[tokio::test]
async fn page_bounds_are_422s_naming_the_parameter() {
    each_backend(|app| async move {
        let browser = app.client();
        for (query, field) in [
            ("?page=0", "page"),
            ("?page=-1", "page"),
            ("?page=abc", "page"),
            ("?per_page=0", "per_page"),
            ("?per_page=101", "per_page"),
            ("?per_page=1.5", "per_page"),
            ("?user_id=abc", "user_id"),
        ] {
            let resp = browser.get(&format!("/api/posts{query}")).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], field, "{query}");
        }
        assert_eq!(browser.get("/api/posts?per_page=100").await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn a_missing_post_is_a_json_404() {
    each_backend(|app| async move {
        let browser = app.client();
        assert_error(browser.get("/api/posts/424242").await, StatusCode::NOT_FOUND, "not_found").await;
        assert_error(browser.get("/api/posts/not-a-number").await, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}

#[tokio::test]
async fn writing_needs_a_login() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let id = post(&ada, "mine").await["id"].clone();
        let anonymous = app.client();
        let body = json!({"title": "x", "post_url": "https://example.com"});
        assert_error(anonymous.post("/api/posts", &body).await, StatusCode::UNAUTHORIZED, "login_required")
            .await;
        for resp in [
            anonymous.put(&format!("/api/posts/{id}"), &json!({"title": "x"})).await,
            anonymous.delete(&format!("/api/posts/{id}")).await,
            anonymous.put(&format!("/api/posts/{id}/vote"), &json!({})).await,
            anonymous.delete(&format!("/api/posts/{id}/vote")).await,
            anonymous.post("/api/comments", &json!({"post_id": id, "comment_text": "hi"})).await,
        ] {
            assert_error(resp, StatusCode::UNAUTHORIZED, "login_required").await;
        }
        assert_eq!(app.count("posts").await, 1);
        assert_eq!(app.count("votes").await + app.count("comments").await, 0);
    })
    .await;
}

#[tokio::test]
async fn post_fields_follow_the_rules() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let url = "https://example.com";
        let cases = [
            (json!({"title": "", "post_url": url}), "title"),
            (json!({"title": "   ", "post_url": url}), "title"),
            (json!({"title": "x".repeat(201), "post_url": url}), "title"),
            (json!({"title": 5, "post_url": url}), "title"),
            (json!({"post_url": url}), "title"),
            (json!({"title": "ok", "post_url": "javascript:alert(1)"}), "post_url"),
            (json!({"title": "ok", "post_url": "/relative/path"}), "post_url"),
            (json!({"title": "ok", "post_url": "ftp://example.com"}), "post_url"),
            (json!({"title": "ok", "post_url": format!("{url}/{}", "a".repeat(2048))}), "post_url"),
            (json!({"title": "ok"}), "post_url"),
        ];
        for (body, field) in cases {
            let resp = ada.post("/api/posts", &body).await;
            let error = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(error["field"], field, "{body}");
        }
        assert_eq!(app.count("posts").await, 0);
        let long_title = "é".repeat(200);
        assert_eq!(post(&ada, &long_title).await["title"], long_title.as_str());
    })
    .await;
}

#[tokio::test]
async fn the_author_can_retitle_a_post_but_not_change_its_link() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let created = post(&ada, "before").await;
        app.clock.advance(std::time::Duration::from_secs(5));
        let resp = ada
            .put(
                &format!("/api/posts/{}", created["id"]),
                &json!({"title": "after", "post_url": "https://evil.example"}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let updated: Value = resp.json().await.unwrap();
        assert_eq!(updated["title"], "after");
        assert_eq!(updated["post_url"], created["post_url"]);
        assert_ne!(updated["updated_at"], created["updated_at"]);
        assert_eq!(updated["created_at"], created["created_at"]);
    })
    .await;
}

#[tokio::test]
async fn only_the_author_can_edit_or_delete_and_nothing_changes_otherwise() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (mallory, _) = app.signed_up("mallory").await;
        let created = post(&ada, "ada's").await;
        let path = format!("/api/posts/{}", created["id"]);
        let resp = mallory.put(&path, &json!({"title": "pwned"})).await;
        assert_error(resp, StatusCode::FORBIDDEN, "not_author").await;
        // Even a broken body is 403 first: ownership is checked before the body.
        let resp = mallory.put(&path, &json!({"title": ""})).await;
        assert_error(resp, StatusCode::FORBIDDEN, "not_author").await;
        assert_error(mallory.delete(&path).await, StatusCode::FORBIDDEN, "not_author").await;
        let after: Value = ada.get(&path).await.json().await.unwrap();
        assert_eq!(after["title"], "ada's");
        assert_eq!(after["updated_at"], created["updated_at"]);
    })
    .await;
}

#[tokio::test]
async fn checks_run_in_order_401_404_403_then_the_body() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let bad_body = json!({"title": ""});
        let resp = app.client().put("/api/posts/999", &bad_body).await;
        assert_error(resp, StatusCode::UNAUTHORIZED, "login_required").await;
        let resp = ada.put("/api/posts/999", &bad_body).await;
        assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        let id = post(&ada, "mine").await["id"].clone();
        let resp = ada.put(&format!("/api/posts/{id}"), &bad_body).await;
        let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["field"], "title");
    })
    .await;
}

#[tokio::test]
async fn deleting_a_post_takes_its_comments_and_votes_with_it() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let doomed = post(&ada, "doomed").await["id"].clone();
        let kept = post(&ada, "kept").await["id"].clone();
        for id in [&doomed, &kept] {
            grace.put(&format!("/api/posts/{id}/vote"), &json!({})).await;
            grace.post("/api/comments", &json!({"post_id": id, "comment_text": "nice"})).await;
        }
        assert_eq!(ada.delete(&format!("/api/posts/{doomed}")).await.status(), StatusCode::NO_CONTENT);
        assert_error(ada.get(&format!("/api/posts/{doomed}")).await, StatusCode::NOT_FOUND, "not_found")
            .await;
        assert_eq!(app.count("posts").await, 1);
        assert_eq!(app.count("votes").await, 1, "only the kept post's vote remains");
        assert_eq!(app.count("comments").await, 1, "only the kept post's comment remains");
        assert_eq!(page(&ada, "").await["total"], 1, "the total follows the deletion");
        assert_error(ada.delete(&format!("/api/posts/{doomed}")).await, StatusCode::NOT_FOUND, "not_found")
            .await;
    })
    .await;
}

#[tokio::test]
async fn the_foreign_keys_cascade_on_their_own() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let id = post(&ada, "p").await["id"].clone();
        ada.put(&format!("/api/posts/{id}/vote"), &json!({})).await;
        ada.post("/api/comments", &json!({"post_id": id, "comment_text": "c"})).await;
        use sea_orm::{ConnectionTrait, Statement};
        let backend = app.db.get_database_backend();
        if backend == sea_orm::DatabaseBackend::Sqlite {
            app.db.execute_unprepared("PRAGMA foreign_keys = ON").await.unwrap();
        }
        app.db.execute_raw(Statement::from_string(backend, "DELETE FROM users")).await.unwrap();
        for table in ["posts", "comments", "votes", "sessions"] {
            assert_eq!(app.count(table).await, 0, "{table} rows outlived their user");
        }
    })
    .await;
}

#[tokio::test]
async fn a_page_of_posts_is_one_statement_plus_one_for_the_total() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        for n in 0..25 {
            let id = post(if n % 2 == 0 { &ada } else { &grace }, &format!("post {n}")).await["id"].clone();
            grace.put(&format!("/api/posts/{id}/vote"), &json!({})).await;
            ada.post("/api/comments", &json!({"post_id": id, "comment_text": "c"})).await;
        }
        // The items are one statement whatever the page size; the total is at most one more
        // (none when it is remembered); a logged-in viewer adds at most the session lookup.
        let item_statements =
            |statements: &[String]| statements.iter().filter(|s| s.contains("viewer_votes")).count();
        let anonymous = app.client();
        for per_page in [20, 100] {
            let (first, statements) =
                app.statements_during(page(&anonymous, &format!("?per_page={per_page}"))).await;
            assert_eq!(titles(&first).len(), if per_page == 20 { 20 } else { 25 });
            assert_eq!(item_statements(&statements), 1, "{statements:#?}");
            assert!(statements.len() <= 2, "items and total only: {statements:#?}");
        }
        let (mine, statements) = app.statements_during(page(&ada, "?per_page=100")).await;
        assert_eq!(titles(&mine).len(), 25);
        assert_eq!(item_statements(&statements), 1, "{statements:#?}");
        let others: Vec<_> =
            statements.iter().filter(|s| !s.contains("sessions") && !s.contains("viewer_votes")).collect();
        assert!(others.len() <= 1, "logged in, at most the total besides: {statements:#?}");
    })
    .await;
}

/// A post and its thread are one statement, whatever the thread's length (a logged-in viewer
/// adds at most the session lookup), and the post's counts on its page are the list's.
#[tokio::test]
async fn a_post_page_is_one_statement_with_the_counts_the_list_shows() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let bare = post(&ada, "no comments").await["id"].clone();
        let busy = post(&ada, "a thread").await["id"].clone();
        grace.put(&format!("/api/posts/{busy}/vote"), &json!({})).await;
        let mut ids = Vec::new();
        for n in 0..6 {
            let body = json!({"post_id": busy, "comment_text": format!("comment {n}")});
            ids.push(grace.post("/api/comments", &body).await.json::<Value>().await.unwrap()["id"].clone());
        }
        // One with a reply, deleted (a placeholder stays), one deleted outright, one removed:
        // three of the six are not counted.
        let reply = json!({"post_id": busy, "parent_id": ids[0], "comment_text": "a reply"});
        assert!(ada.post("/api/comments", &reply).await.status().is_success());
        for id in [&ids[0], &ids[1]] {
            assert!(grace.delete(&format!("/api/comments/{id}")).await.status().is_success());
        }
        let removal = json!({"reason": "spam"});
        let removed = moderator.post(&format!("/api/moderation/comments/{}/remove", ids[2]), &removal).await;
        assert!(removed.status().is_success(), "{}", removed.status());

        let listed = page(&grace, "?per_page=100").await;
        let listed =
            |id: &Value| listed["posts"].as_array().unwrap().iter().find(|p| p["id"] == *id).unwrap().clone();
        let thread_statements = |statements: &[String]| {
            statements.iter().filter(|s| !s.contains("sessions")).cloned().collect::<Vec<_>>()
        };
        for (viewer, id, comments) in [(&grace, &busy, 6), (&app.client(), &busy, 6), (&grace, &bare, 0)] {
            let (shown, statements) = app.statements_during(viewer.get(&format!("/api/posts/{id}"))).await;
            let shown: Value = shown.json().await.unwrap();
            assert_eq!(thread_statements(&statements).len(), 1, "{statements:#?}");
            assert_eq!(shown["comments"].as_array().unwrap().len(), comments);
            let listed = listed(id);
            for field in
                ["comment_count", "vote_count", "title", "author", "created_at", "hotness", "removed"]
            {
                assert_eq!(shown[field], listed[field], "{field}");
            }
            if std::ptr::eq(viewer, &grace) {
                assert_eq!(shown["voted"], listed["voted"]);
            }
        }
        let shown: Value = grace.get(&format!("/api/posts/{busy}")).await.json().await.unwrap();
        assert_eq!(shown["comment_count"], 4, "the reply and three of the six");
        assert_eq!(shown["voted"], true);
        let anonymous: Value = app.client().get(&format!("/api/posts/{busy}")).await.json().await.unwrap();
        assert_eq!(anonymous["voted"], false);
    })
    .await;
}

#[tokio::test]
async fn the_list_counts_votes_and_comments_and_knows_who_voted() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let (linus, _) = app.signed_up("linus").await;
        let a = post(&ada, "a").await["id"].clone();
        let b = post(&ada, "b").await["id"].clone();
        for voter in [&grace, &linus] {
            voter.put(&format!("/api/posts/{a}/vote"), &json!({})).await;
        }
        linus.put(&format!("/api/posts/{b}/vote"), &json!({})).await;
        for text in ["one", "two", "three"] {
            grace.post("/api/comments", &json!({"post_id": a, "comment_text": text})).await;
        }
        let view = |page: Value| {
            page["posts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["title"].as_str().unwrap().to_owned(),
                        p["vote_count"].as_i64().unwrap(),
                        p["comment_count"].as_i64().unwrap(),
                        p["voted"].as_bool().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let s = |t: &str| t.to_owned();
        assert_eq!(view(page(&grace, "").await), [(s("b"), 1, 0, false), (s("a"), 2, 3, true)]);
        assert_eq!(view(page(&linus, "").await), [(s("b"), 1, 0, true), (s("a"), 2, 3, true)]);
        assert_eq!(view(page(&ada, "").await), [(s("b"), 1, 0, false), (s("a"), 2, 3, false)]);
        assert_eq!(view(page(&app.client(), "").await), [(s("b"), 1, 0, false), (s("a"), 2, 3, false)]);
        let detail: Value = linus.get(&format!("/api/posts/{a}")).await.json().await.unwrap();
        assert_eq!((detail["vote_count"].as_i64(), detail["voted"].as_bool()), (Some(2), Some(true)));
    })
    .await;
}

#[tokio::test]
async fn the_demo_content_shows_through_the_api() {
    each_backend(|app| async move {
        let demo = just_tech_news::services::seed::seed(&app.state)
            .await
            .unwrap()
            .expect("a first seed adds content");
        assert!(
            just_tech_news::services::seed::seed(&app.state).await.unwrap().is_none(),
            "seeding twice adds nothing"
        );
        let page = page(&app.client(), "").await;
        assert_eq!(page["total"], 6);
        // The newest is a text post, tagged; every post is tagged.
        let ask = &page["posts"][0];
        assert_eq!((ask["post_url"].clone(), ask["tags"].clone()), (Value::Null, json!(["ask"])));
        assert!(page["posts"].as_array().unwrap().iter().all(|p| !p["tags"].as_array().unwrap().is_empty()));
        let text = read(&app.client(), &format!("/api/posts/{}", ask["id"])).await;
        assert!(text["text_html"].as_str().unwrap().contains("<strong>"), "{text}");
        assert_eq!(read(&app.client(), "/api/tags").await["tags"].as_array().unwrap().len(), 5);
        assert!(page["posts"].as_array().unwrap().iter().any(|p| p["vote_count"].as_i64() > Some(0)));
        assert!(page["posts"].as_array().unwrap().iter().any(|p| p["comment_count"].as_i64() > Some(0)));
        let resp = app.client().log_in(&demo.email, demo.password).await;
        assert_eq!(resp.status(), StatusCode::OK);
    })
    .await;
}
