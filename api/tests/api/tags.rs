//! Tags, text posts and filters (DESIGN.md section 21): admins keep the tags; a post carries up
//! to three; a tag's page lists its posts; a person's filters and an anonymous caller's
//! `exclude_tags` leave tagged posts out of every path that lists posts, exactly, at once, and
//! for that caller alone; a text post has no link, sanitised Markdown, and is searchable.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Backend, Client, TestApp, assert_error, each_backend},
    posts::{LISTINGS, fresh_link, listed, read},
};

/// Creates tags as `admin`.
async fn tags(admin: &Client, names: &[&str]) {
    for name in names {
        let resp =
            admin.post("/api/tags", &json!({"name": name, "description": format!("About {name}")})).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "creating tag {name}");
    }
}

/// A link post with these tags; its id.
async fn tagged(client: &Client, title: &str, tags: &[&str]) -> i64 {
    let body = json!({"title": title, "post_url": fresh_link(), "tags": tags});
    let resp = client.post("/api/posts", &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "posting {title}");
    let created: Value = resp.json().await.unwrap();
    created["id"].as_i64().unwrap()
}

/// An admin, an author, and the tags `rust`, `go` and `web`.
async fn tagged_site(app: &TestApp) -> (Client, Client) {
    let (admin, _) = app.signed_up_as("root", "admin").await;
    let (ada, _) = app.signed_up("ada").await;
    tags(&admin, &["rust", "go", "web"]).await;
    (admin, ada)
}

#[tokio::test]
async fn admins_keep_tags_and_everyone_lists_them_with_their_counts() {
    each_backend(|app| async move {
        let (admin, ada) = tagged_site(&app).await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let body = json!({"name": "zig", "description": ""});
        assert_error(ada.post("/api/tags", &body).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_error(moderator.post("/api/tags", &body).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_error(app.client().post("/api/tags", &body).await, StatusCode::UNAUTHORIZED, "login_required")
            .await;
        let again = json!({"name": "rust", "description": "again"});
        let body =
            assert_error(admin.post("/api/tags", &again).await, StatusCode::CONFLICT, "tag_exists").await;
        assert_eq!(body["field"], "name");
        for bad in ["Rust", "two words", "x", "c++", &"a".repeat(26)] {
            let body = json!({"name": bad, "description": ""});
            let body = assert_error(
                admin.post("/api/tags", &body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(body["field"], "name", "{bad}");
        }
        let long = json!({"name": "long", "description": "d".repeat(201)});
        assert_error(
            admin.post("/api/tags", &long).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(app.count("tags").await, 3, "no refused tag was stored");

        tagged(&ada, "Rust story", &["rust"]).await;
        tagged(&ada, "Rust and Go story", &["go", "rust"]).await;
        let listed = read(&app.client(), "/api/tags").await;
        assert_eq!(
            listed,
            json!({"tags": [
                {"name": "go", "description": "About go", "post_count": 1},
                {"name": "rust", "description": "About rust", "post_count": 2},
                {"name": "web", "description": "About web", "post_count": 0},
            ]})
        );

        let edit = json!({"description": "The Go language"});
        let resp = admin.put("/api/tags/go", &edit).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.json::<Value>().await.unwrap()["description"], "The Go language");
        assert_error(ada.put("/api/tags/go", &edit).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_error(admin.put("/api/tags/zig", &edit).await, StatusCode::NOT_FOUND, "not_found").await;
        assert_error(admin.delete("/api/tags/zig").await, StatusCode::NOT_FOUND, "not_found").await;
        assert_error(ada.delete("/api/tags/go").await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(read(&app.client(), "/api/tags").await["tags"][0]["description"], "The Go language");
    })
    .await;
}

#[tokio::test]
async fn a_post_carries_up_to_three_existing_tags_in_name_order() {
    each_backend(|app| async move {
        let (admin, ada) = tagged_site(&app).await;
        tags(&admin, &["zig"]).await;
        let id = tagged(&ada, "Three tags story", &["web", "rust", "go", "rust"]).await;
        let path = format!("/api/posts/{id}");
        assert_eq!(read(&app.client(), &path).await["tags"], json!(["go", "rust", "web"]));
        assert_eq!(read(&app.client(), "/api/posts").await["posts"][0]["tags"], json!(["go", "rust", "web"]));

        let posts_before = app.count("posts").await;
        for (tags, why) in [
            (json!(["go", "rust", "web", "zig"]), "four tags"),
            (json!(["nope"]), "an unknown tag"),
            (json!(["Rust"]), "a name with capitals"),
            (json!(["two words"]), "a name with a space"),
        ] {
            let body = json!({"title": "Refused", "post_url": fresh_link(), "tags": tags});
            let body = assert_error(
                ada.post("/api/posts", &body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(body["field"], "tags", "{why}");
            let edit = json!({"title": "Refused", "tags": tags});
            let body = assert_error(
                ada.put(&path, &edit).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
            assert_eq!(body["field"], "tags", "{why} on an edit");
        }
        assert_eq!(app.count("posts").await, posts_before, "no refused post was stored");
        assert_eq!(
            read(&app.client(), &path).await["title"],
            "Three tags story",
            "no refused edit was stored"
        );

        // Absent: unchanged; given: the tags from now on.
        let resp = ada.put(&path, &json!({"title": "Retitled story"})).await;
        assert_eq!(resp.json::<Value>().await.unwrap()["tags"], json!(["go", "rust", "web"]));
        let resp = ada.put(&path, &json!({"title": "Retitled story", "tags": ["zig"]})).await;
        assert_eq!(resp.json::<Value>().await.unwrap()["tags"], json!(["zig"]));
        let resp = ada.put(&path, &json!({"title": "Retitled story", "tags": []})).await;
        assert_eq!(resp.json::<Value>().await.unwrap()["tags"], json!([]));
        assert_eq!(app.count("post_tags").await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_tags_page_lists_its_posts_in_every_order_and_an_unknown_tag_is_not_found() {
    each_backend(|app| async move {
        let (_, ada) = tagged_site(&app).await;
        let rust = tagged(&ada, "Rust story", &["rust"]).await;
        let both = tagged(&ada, "Rust and Go story", &["go", "rust"]).await;
        tagged(&ada, "Go story", &["go"]).await;
        tagged(&ada, "Untagged story", &[]).await;
        for sort in ["new", "hot", "top&period=all", "top&period=day"] {
            let (ids, total) = listed(&app.client(), &format!("/api/posts?tag=rust&sort={sort}")).await;
            assert_eq!((ids, total), (vec![both, rust], 2), "sort={sort}");
        }
        let (_, grace_id) = app.signed_up("grace").await;
        let (ids, _) = listed(&app.client(), &format!("/api/posts?tag=rust&user_id={grace_id}")).await;
        assert!(ids.is_empty(), "combined with an author who posted none");
        assert_eq!(listed(&app.client(), "/api/posts?tag=web").await, (vec![], 0));
        for unknown in ["nope", "Rust", "a b"] {
            let resp = app.client().get(&format!("/api/posts?tag={unknown}")).await;
            assert_error(resp, StatusCode::NOT_FOUND, "not_found").await;
        }
        let feed = app.client().get("/t/rust/feed.atom").await;
        assert_eq!(feed.status(), StatusCode::OK);
        let xml = feed.text().await.unwrap();
        assert!(xml.contains("Rust and Go story") && !xml.contains("Untagged story"), "{xml}");
        assert_eq!(app.client().get("/t/nope/feed.atom").await.status(), StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn deleting_a_tag_takes_it_off_its_posts_and_out_of_every_filter_at_once() {
    each_backend(|app| async move {
        let (admin, ada) = tagged_site(&app).await;
        let (grace, _) = app.signed_up("grace").await;
        let id = tagged(&ada, "Rust story", &["rust", "web"]).await;
        let path = format!("/api/posts/{id}");
        assert_eq!(
            grace.put("/api/users/me/filters", &json!({"tags": ["rust"]})).await.status(),
            StatusCode::OK
        );
        // Cached pages of every kind, for both callers.
        for reader in [&grace, &app.client()] {
            for page in LISTINGS {
                reader.get(page).await;
            }
            reader.get(&path).await;
            reader.get("/api/posts?tag=rust").await;
        }
        assert_eq!(listed(&grace, "/api/posts").await, (vec![], 0));

        assert_eq!(admin.delete("/api/tags/rust").await.status(), StatusCode::NO_CONTENT);
        assert_eq!(read(&app.client(), &path).await["tags"], json!(["web"]));
        assert_eq!(read(&app.client(), "/api/posts").await["posts"][0]["tags"], json!(["web"]));
        assert_error(app.client().get("/api/posts?tag=rust").await, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(read(&grace, "/api/users/me/filters").await, json!({"tags": []}));
        for page in LISTINGS {
            assert_eq!(listed(&grace, page).await, (vec![id], 1), "{page}: the filter went with the tag");
        }
        assert_eq!(app.count("post_tags").await, 1);
        assert_eq!(app.count("tag_filters").await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_persons_filters_leave_tagged_posts_out_of_every_listing_and_search_for_them_alone() {
    each_backend(|app| async move {
        let (_, ada) = tagged_site(&app).await;
        let ada_id = read(&ada, "/api/session").await["user"]["id"].as_i64().unwrap();
        let (grace, _) = app.signed_up("grace").await;
        let rust = tagged(&ada, "Rust story", &["rust"]).await;
        let both = tagged(&ada, "Rust and Go story", &["go", "rust"]).await;
        let go = tagged(&ada, "Go story", &["go"]).await;
        let plain = tagged(&ada, "Plain story", &[]).await;
        let by_ada = format!("/api/posts?user_id={ada_id}");
        let mut listings: Vec<String> = LISTINGS.iter().map(|p| (*p).to_owned()).collect();
        listings.push(by_ada);
        for path in &listings {
            assert_eq!(listed(&grace, path).await.1, 4, "{path} before any filter");
        }

        let resp = grace.put("/api/users/me/filters", &json!({"tags": ["rust", "rust"]})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.json::<Value>().await.unwrap(), json!({"tags": ["rust"]}));
        assert_eq!(read(&grace, "/api/users/me/filters").await, json!({"tags": ["rust"]}));
        for path in &listings {
            let (mut ids, total) = listed(&grace, path).await;
            ids.sort_unstable();
            assert_eq!((ids, total), (vec![go, plain], 2), "{path} as the filterer");
            assert_eq!(listed(&ada, path).await.1, 4, "{path} as someone else");
            assert_eq!(listed(&app.client(), path).await.1, 4, "{path} anonymously");
        }
        // A page past the last counts what the filterer is shown.
        assert_eq!(listed(&grace, "/api/posts?page=9").await, (vec![], 2));
        // A filtered tag's own page lists its posts; another tag's page leaves them out.
        assert_eq!(listed(&grace, "/api/posts?tag=rust").await, (vec![both, rust], 2));
        assert_eq!(listed(&grace, "/api/posts?tag=go").await, (vec![go], 1));
        // One's own posts are listed to oneself whatever one filters.
        let own = tagged(&grace, "Grace's rust story", &["rust"]).await;
        let grace_id = read(&grace, "/api/session").await["user"]["id"].as_i64().unwrap();
        assert_eq!(listed(&grace, &format!("/api/posts?user_id={grace_id}")).await, (vec![own], 1));
        assert_eq!(listed(&grace, "/api/posts?sort=new").await.1, 2, "but not in the other listings");
        assert_eq!(grace.delete(&format!("/api/posts/{own}")).await.status(), StatusCode::NO_CONTENT);
        // A post's own page is not a listing.
        assert_eq!(read(&grace, &format!("/api/posts/{rust}")).await["title"], "Rust story");

        let refused = grace.put("/api/users/me/filters", &json!({"tags": ["go", "nope"]})).await;
        let body = assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["field"], "tags");
        assert_eq!(read(&grace, "/api/users/me/filters").await, json!({"tags": ["rust"]}), "nothing changed");
        assert_error(
            app.client().get("/api/users/me/filters").await,
            StatusCode::UNAUTHORIZED,
            "login_required",
        )
        .await;

        assert_eq!(grace.put("/api/users/me/filters", &json!({"tags": []})).await.status(), StatusCode::OK);
        for path in &listings {
            assert_eq!(listed(&grace, path).await.1, 4, "{path} with no filter");
        }
    })
    .await;
}

#[tokio::test]
async fn a_filter_is_seen_by_the_next_listing_on_another_instance() {
    each_backend(|app| async move {
        if app.test_database().backend == Backend::Sqlite {
            return; // One instance per embedded file.
        }
        let (_, ada) = tagged_site(&app).await;
        let grace = app.client();
        let signed = grace.sign_up("grace", "grace@example.com", crate::harness::PASSWORD).await;
        let token = crate::harness::issued_token(&signed).unwrap();
        let rust = tagged(&ada, "Rust story", &["rust"]).await;
        let other = app.sibling().await;
        let grace_there = other.client_with_cookie(&token);
        for round in 0..3 {
            for page in LISTINGS {
                grace_there.get(page).await;
            }
            let filtered = json!({"tags": ["rust"]});
            assert_eq!(grace.put("/api/users/me/filters", &filtered).await.status(), StatusCode::OK);
            for page in LISTINGS {
                assert_eq!(listed(&grace_there, page).await, (vec![], 0), "{page}, round {round}");
            }
            assert_eq!(
                grace.put("/api/users/me/filters", &json!({"tags": []})).await.status(),
                StatusCode::OK
            );
            for page in LISTINGS {
                assert_eq!(listed(&grace_there, page).await, (vec![rust], 1), "{page}, round {round}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn an_anonymous_caller_excludes_tags_on_every_listing_and_search() {
    each_backend(|app| async move {
        let (_, ada) = tagged_site(&app).await;
        tagged(&ada, "Rust story", &["rust"]).await;
        let both = tagged(&ada, "Rust and Go story", &["go", "rust"]).await;
        let go = tagged(&ada, "Go story", &["go"]).await;
        let web = tagged(&ada, "Web story", &["web"]).await;
        let anonymous = app.client();
        for path in LISTINGS {
            // Cached unfiltered first: an excluding caller must not be served that page.
            assert_eq!(listed(&anonymous, path).await.1, 4, "{path}");
            let join = if path.contains('?') { '&' } else { '?' };
            let (mut ids, total) = listed(&anonymous, &format!("{path}{join}exclude_tags=rust")).await;
            ids.sort_unstable();
            assert_eq!((ids, total), (vec![go, web], 2), "{path} without rust");
            let (ids, total) =
                listed(&anonymous, &format!("{path}{join}exclude_tags=rust,go,deleted-tag")).await;
            assert_eq!(
                (ids, total),
                (vec![web], 1),
                "{path} without rust and go (a name of no tag is ignored)"
            );
            assert_eq!(
                listed(&anonymous, path).await.1,
                4,
                "{path}: the excluding page is not served to others"
            );
            for bad in ["Rust", "a%20b", "x", "rust,,C%2B%2B"] {
                let resp = anonymous.get(&format!("{path}{join}exclude_tags={bad}")).await;
                let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
                assert_eq!(body["field"], "exclude_tags", "{path} {bad}");
            }
        }
        // A tag page never leaves out its own tag's posts.
        let (ids, _) = listed(&anonymous, "/api/posts?tag=go&exclude_tags=go,rust").await;
        assert_eq!(ids, vec![go], "the go page without rust: {both} is out, {go} stays");
    })
    .await;
}

#[tokio::test]
async fn a_text_post_has_no_link_and_its_markdown_is_sanitised_searchable_and_editable() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let text = "Which **database** do you run?\n\n<script>alert(1)</script>\n\n- zebrafish\n- [docs](javascript:alert(1))";
        let resp = ada.post("/api/posts", &json!({"title": "Ask: databases", "text": text})).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let created: Value = resp.json().await.unwrap();
        assert_eq!(created["post_url"], Value::Null);
        let id = created["id"].as_i64().unwrap();
        let path = format!("/api/posts/{id}");
        let detail = read(&grace, &path).await;
        assert_eq!(detail["post_url"], Value::Null);
        assert_eq!(detail["text"], text);
        let html = detail["text_html"].as_str().unwrap();
        assert!(html.contains("<strong>database</strong>") && html.contains("<li>zebrafish</li>"), "{html}");
        assert!(!html.contains("<script") && !html.contains("javascript:"), "{html}");
        assert_eq!(read(&grace, "/api/posts").await["posts"][0]["post_url"], Value::Null);
        // Its words are searched, and a text is never a duplicate.
        assert_eq!(listed(&grace, "/api/search?q=zebrafish").await, (vec![id], 1));
        let again = ada.post("/api/posts", &json!({"title": "Ask: databases", "text": text})).await;
        assert_eq!(again.status(), StatusCode::CREATED);
        let again = again.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

        // A link and a text together.
        let both = json!({"title": "Link with words", "post_url": fresh_link(), "text": "Why it *matters*"});
        let both: Value = ada.post("/api/posts", &both).await.json().await.unwrap();
        let detail = read(&grace, &format!("/api/posts/{}", both["id"])).await;
        assert!(detail["post_url"].is_string() && detail["text_html"].as_str().unwrap().contains("<em>matters</em>"));
        // A link post has no text.
        let link: Value = ada.post("/api/posts", &json!({"title": "A link", "post_url": fresh_link()})).await.json().await.unwrap();
        let detail = read(&grace, &format!("/api/posts/{}", link["id"])).await;
        assert_eq!((detail["text"].clone(), detail["text_html"].clone()), (Value::Null, Value::Null));

        let resp = ada.put(&path, &json!({"title": "Ask: databases", "text": "Now about *quokkas*"})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let detail = read(&grace, &path).await;
        assert_eq!(detail["text"], "Now about *quokkas*");
        assert!(detail["text_html"].as_str().unwrap().contains("<em>quokkas</em>"));
        assert_eq!(listed(&grace, "/api/search?q=quokkas").await, (vec![id], 1));
        assert_eq!(listed(&grace, "/api/search?q=zebrafish").await.0, vec![again], "the old words are gone from it");
        assert_error(grace.put(&path, &json!({"title": "Mine now", "text": "x"})).await, StatusCode::FORBIDDEN, "not_author").await;
    })
    .await;
}

#[tokio::test]
async fn a_post_without_a_link_or_text_and_bad_texts_are_refused_and_store_nothing() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        for (body, field) in [
            (json!({"title": "Nothing"}), "post_url"),
            (json!({"title": "Nothing", "post_url": null, "text": null}), "post_url"),
            (json!({"title": "Blank", "text": " \n\t "}), "text"),
            (json!({"title": "Long", "text": "x".repeat(10_001)}), "text"),
            (json!({"title": "Number", "text": 7}), "text"),
        ] {
            let resp = ada.post("/api/posts", &body).await;
            let error = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(error["field"], field, "{body}");
        }
        assert_eq!(app.count("posts").await, 0);
        let longest = json!({"title": "Longest", "text": "é".repeat(10_000)});
        assert_eq!(ada.post("/api/posts", &longest).await.status(), StatusCode::CREATED);
    })
    .await;
}

/// Every post id a listing at `path` lists, page by page, and the total each page states.
async fn everything(client: &Client, path: &str) -> (Vec<i64>, Vec<i64>) {
    let join = if path.contains('?') { '&' } else { '?' };
    let (mut ids, mut totals) = (Vec::new(), Vec::new());
    for page in 1.. {
        let (found, total) = listed(client, &format!("{path}{join}per_page=2&page={page}")).await;
        totals.push(total);
        if found.is_empty() {
            break;
        }
        ids.extend(found);
    }
    (ids, totals)
}

#[tokio::test]
async fn a_filtered_listings_total_is_exact_through_every_change_of_tags_and_posts() {
    each_backend(|app| async move {
        let (admin, ada) = tagged_site(&app).await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let (grace, _) = app.signed_up("grace").await;
        let (zed, _) = app.signed_up("zed").await;
        assert_eq!(grace.put("/api/users/me/filters", &json!({"tags": ["rust", "go"]})).await.status(), StatusCode::OK);
        let anonymous = app.client();
        // Each listing, as whom: a reader's filters, an anonymous exclusion, tag pages with both.
        let listings: [(&Client, &str); 6] = [
            (&grace, "/api/posts?sort=hot"),
            (&grace, "/api/posts?tag=web"),
            (&grace, "/api/posts?tag=rust"),
            (&anonymous, "/api/posts?sort=new&exclude_tags=go,web"),
            (&anonymous, "/api/posts?tag=rust&exclude_tags=go"),
            (&anonymous, "/api/posts?tag=go&exclude_tags=go,rust,web"),
        ];
        let check = |when: &'static str| {
            async move {
                for (client, path) in listings {
                    let (ids, totals) = everything(client, path).await;
                    let count = ids.len() as i64;
                    assert!(totals.iter().all(|&t| t == count), "{path} {when}: {count} listed, totals {totals:?}");
                }
            }
        };
        let mut posts = Vec::new();
        for (i, tags) in [
            &["rust"][..],
            &["go"],
            &["web"],
            &["go", "rust"],
            &["go", "rust", "web"],
            &["rust", "web"],
            &[],
        ]
        .into_iter()
        .enumerate()
        {
            let author = if i % 2 == 0 { &ada } else { &zed };
            posts.push(tagged(author, &format!("Story {i}"), tags).await);
        }
        check("after posting").await;
        // Grace hides one post and mutes zed: the filtered counts less what is theirs.
        assert_eq!(grace.put(&format!("/api/posts/{}/hide", posts[2]), &json!({})).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(grace.put("/api/users/zed/mute", &json!({})).await.status(), StatusCode::NO_CONTENT);
        check("after hiding and muting").await;
        let edit = json!({"title": "Story 0", "tags": ["web", "go"]});
        assert_eq!(ada.put(&format!("/api/posts/{}", posts[0]), &edit).await.status(), StatusCode::OK);
        check("after retagging").await;
        let remove = format!("/api/moderation/posts/{}/remove", posts[4]);
        assert_eq!(moderator.post(&remove, &json!({"reason": "spam"})).await.status(), StatusCode::NO_CONTENT);
        check("after a removal").await;
        let restore = format!("/api/moderation/posts/{}/restore", posts[4]);
        assert_eq!(moderator.post(&restore, &json!({})).await.status(), StatusCode::NO_CONTENT);
        check("after a restore").await;
        assert_eq!(ada.delete(&format!("/api/posts/{}", posts[6])).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(ada.delete(&format!("/api/posts/{}", posts[4])).await.status(), StatusCode::NO_CONTENT);
        check("after deleting posts").await;
        let gone = zed.delete_json("/api/users/me", &json!({"password": crate::harness::PASSWORD})).await;
        assert_eq!(gone.status(), StatusCode::NO_CONTENT);
        check("after an account went with its posts").await;
        assert_eq!(admin.delete("/api/tags/go").await.status(), StatusCode::NO_CONTENT);
        let listings_left = [(&grace, "/api/posts?sort=hot"), (&anonymous, "/api/posts?sort=new&exclude_tags=go,web")];
        for (client, path) in listings_left {
            let (ids, totals) = everything(client, path).await;
            assert!(totals.iter().all(|&t| t == ids.len() as i64), "{path} after a tag went: {totals:?}");
        }
        // What is kept matches a count from scratch.
        let sum = match app.test_database().backend {
            Backend::MySql => "CAST(COALESCE(SUM(shown), 0) AS SIGNED)",
            Backend::Postgres => "CAST(COALESCE(SUM(shown), 0) AS BIGINT)",
            Backend::Sqlite => "COALESCE(SUM(shown), 0)",
        };
        let kept = app.scalar(&format!("SELECT {sum} FROM tag_set_counts WHERE tag_b = 0")).await;
        let carried = app
            .scalar("SELECT COUNT(*) FROM post_tags JOIN posts ON posts.id = post_tags.post_id WHERE posts.removed_at IS NULL")
            .await;
        assert_eq!(kept, carried, "one tag's counts add up to the tags shown posts carry");
    })
    .await;
}

#[tokio::test]
async fn tagged_posts_written_in_parallel_leave_the_kept_counts_exact() {
    each_backend(|app| async move {
        tagged_site(&app).await;
        let mut writers = Vec::new();
        for i in 0..20 {
            writers.push(app.signed_up(&format!("writer{i}")).await.0);
        }
        // Twenty people post at once into overlapping tag sets, and half retag at once after.
        let sets: [&[&str]; 4] = [&["rust"], &["go", "rust"], &["go", "rust", "web"], &["web"]];
        let posted = futures_util::future::join_all(
            writers.iter().enumerate().map(|(i, writer)| tagged(writer, "Parallel story", sets[i % 4])),
        )
        .await;
        let retags = writers.iter().zip(&posted).step_by(2).map(|(writer, id)| async move {
            let edit = json!({"title": "Parallel story", "tags": ["go"]});
            assert_eq!(writer.put(&format!("/api/posts/{id}"), &edit).await.status(), StatusCode::OK);
        });
        futures_util::future::join_all(retags).await;
        let anonymous = app.client();
        for path in ["/api/posts?exclude_tags=rust", "/api/posts?exclude_tags=go,web", "/api/posts?tag=go&exclude_tags=rust"] {
            let (ids, totals) = everything(&anonymous, path).await;
            assert!(totals.iter().all(|&t| t == ids.len() as i64), "{path}: {} listed, totals {totals:?}", ids.len());
        }
        let sum = match app.test_database().backend {
            Backend::MySql => "CAST(COALESCE(SUM(shown), 0) AS SIGNED)",
            Backend::Postgres => "CAST(COALESCE(SUM(shown), 0) AS BIGINT)",
            Backend::Sqlite => "COALESCE(SUM(shown), 0)",
        };
        let pairs = app.scalar(&format!("SELECT {sum} FROM tag_set_counts WHERE tag_b <> 0 AND tag_c = 0")).await;
        let carried = app
            .scalar("SELECT COUNT(*) FROM post_tags a JOIN post_tags b ON b.post_id = a.post_id AND b.tag_id > a.tag_id")
            .await;
        assert_eq!(pairs, carried, "the pairs' counts are the pairs the posts carry");
    })
    .await;
}
