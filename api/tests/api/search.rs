//! Search (DESIGN.md section 17): the same expectations on SQLite FTS5, PostgreSQL `tsvector` and
//! MariaDB `FULLTEXT`, kept exact with every write.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Client, assert_error, each_backend},
    posts::{fresh_link, titles},
};

async fn post_at(client: &Client, title: &str, url: &str) -> i64 {
    let resp = client.post("/api/posts", &json!({"title": title, "post_url": url})).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "creating {title}");
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn post(client: &Client, title: &str) -> i64 {
    post_at(client, title, &fresh_link()).await
}

async fn search(client: &Client, q: &str) -> Value {
    let url = format!("/api/search?q={}", percent_encode(q));
    let resp = client.get(&url).await;
    assert_eq!(resp.status(), StatusCode::OK, "searching {q:?}");
    resp.json().await.unwrap()
}

async fn found(client: &Client, q: &str) -> Vec<String> {
    let page = search(client, q).await;
    let titles = titles(&page);
    assert_eq!(page["total"], titles.len(), "{q:?}: total and page agree on a short result");
    titles
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[tokio::test]
async fn every_word_must_match_a_title_or_site_word_by_prefix_in_any_case() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        post_at(&ada, "Async Rust in 2026", "https://blog.rust-lang.org/2026/async").await;
        post_at(&ada, "Go generics explained", "https://go.dev/blog/generics").await;
        post_at(&ada, "Rusty old tools", "https://tools.example.net/rusty").await;
        post_at(&ada, "A café for programmers", "https://www.cafe.example.org/").await;
        let client = app.client();

        // "rust" twice (title and site) beats "rusty" once.
        assert_eq!(found(&client, "rust").await, ["Async Rust in 2026", "Rusty old tools"]);
        assert_eq!(found(&client, "ASYNC rust").await, ["Async Rust in 2026"]);
        assert_eq!(found(&client, "rust async").await, ["Async Rust in 2026"]);
        // The site's words are searched too: blog.rust-lang.org is "blog rust lang org".
        assert_eq!(found(&client, "lang").await, ["Async Rust in 2026"]);
        assert_eq!(found(&client, "gen").await, ["Go generics explained"]);
        // Short words (MariaDB's index holds none under three letters) and numbers.
        assert_eq!(found(&client, "go").await, ["Go generics explained"]);
        assert_eq!(found(&client, "a caf").await, ["A café for programmers"]);
        assert_eq!(found(&client, "2026").await, ["Async Rust in 2026"]);
        // A word in the middle of another is not a prefix; every word must match.
        assert!(found(&client, "sync").await.is_empty());
        assert!(found(&client, "rust generics").await.is_empty());
        assert!(found(&client, "nothing").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn titles_in_several_scripts_are_found_by_their_words() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        for title in
            ["Привет мир из Москвы", "Ελληνικά νέα σήμερα", "日本語 ニュース まとめ", "أخبار التقنية اليوم"]
        {
            post(&ada, title).await;
        }
        let client = app.client();
        assert_eq!(found(&client, "мир").await, ["Привет мир из Москвы"]);
        assert_eq!(found(&client, "ПРИВЕТ москв").await, ["Привет мир из Москвы"]);
        assert_eq!(found(&client, "νέα").await, ["Ελληνικά νέα σήμερα"]);
        assert_eq!(found(&client, "日本").await, ["日本語 ニュース まとめ"]);
        assert_eq!(found(&client, "ニュース").await, ["日本語 ニュース まとめ"]);
        assert_eq!(found(&client, "التقنية").await, ["أخبار التقنية اليوم"]);
        assert!(found(&client, "мира").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn quotes_operators_and_punctuation_are_only_separators() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        post(&ada, "C++ and the rust-lang toolchain (2026 edition)").await;
        post(&ada, "Unrelated story").await;
        let client = app.client();
        for q in [
            "\"",
            "\"\"",
            "\" OR \"",
            "*",
            "* - + ( ) : ^ ~ < > @",
            "NEAR(",
            "'; DROP TABLE posts; --",
            "%_%",
            "\\",
            "«»",
            "AND",
            "OR NOT",
        ] {
            search(&client, q).await;
        }
        for q in [
            "rust-lang",
            "\"rust lang\"",
            "rust*",
            "-rust",
            "+rust +lang",
            "(toolchain)",
            "c++ 2026",
            "rust:",
        ] {
            assert_eq!(found(&client, q).await, ["C++ and the rust-lang toolchain (2026 edition)"], "{q}");
        }
        assert!(found(&client, "\" OR \"").await.is_empty(), "operators alone match nothing");
        assert_eq!(app.count("posts").await, 2);
    })
    .await;
}

#[tokio::test]
async fn domain_keeps_exactly_one_site_in_any_case_with_or_without_www() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        post_at(&ada, "Rust on the blog", "https://blog.rust-lang.org/a").await;
        post_at(&ada, "Rust at home", "https://www.rust-lang.org/b").await;
        post_at(&ada, "Go at home", "https://GO.dev/c").await;
        let client = app.client();
        assert_eq!(found(&client, "domain:go.dev").await, ["Go at home"]);
        assert_eq!(found(&client, "DOMAIN:WWW.GO.DEV").await, ["Go at home"]);
        assert_eq!(found(&client, "domain:rust-lang.org").await, ["Rust at home"]);
        assert_eq!(found(&client, "domain:https://www.rust-lang.org/anything").await, ["Rust at home"]);
        assert_eq!(found(&client, "blog domain:blog.rust-lang.org").await, ["Rust on the blog"]);
        assert_eq!(found(&client, "rust domain:blog.rust-lang.org").await, ["Rust on the blog"]);
        assert!(found(&client, "go domain:rust-lang.org").await.is_empty());
        assert!(found(&client, "domain:lang.org").await.is_empty(), "a part of a host is not the host");
        assert!(found(&client, "domain:go.dev domain:rust-lang.org").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_best_match_comes_first_then_the_newest() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        post(&ada, "Kotlin Kotlin Kotlin").await;
        post(&ada, "Kotlin is one language of many that people write every day").await;
        post(&ada, "Zig one").await;
        post(&ada, "Zig two").await;
        let client = app.client();
        assert_eq!(
            found(&client, "kotlin").await,
            ["Kotlin Kotlin Kotlin", "Kotlin is one language of many that people write every day"]
        );
        assert_eq!(found(&client, "zig").await, ["Zig two", "Zig one"]);
    })
    .await;
}

#[tokio::test]
async fn the_index_follows_every_create_retitle_removal_restore_and_delete() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let client = app.client();

        let id = post(&ada, "Elixir processes").await;
        assert_eq!(found(&client, "elixir").await, ["Elixir processes"], "found at once");

        let resp = ada.put(&format!("/api/posts/{id}"), &json!({"title": "Erlang processes"})).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(found(&client, "elixir").await.is_empty(), "the old title is gone");
        assert_eq!(found(&client, "erlang").await, ["Erlang processes"]);

        let resp =
            moderator.post(&format!("/api/moderation/posts/{id}/remove"), &json!({"reason": "spam"})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert!(found(&client, "erlang").await.is_empty(), "a removed post is never found");
        assert!(found(&moderator, "erlang").await.is_empty(), "not even by moderators");

        let resp = moderator.post(&format!("/api/moderation/posts/{id}/restore"), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(found(&client, "erlang").await, ["Erlang processes"]);

        let resp = ada.delete(&format!("/api/posts/{id}")).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert!(found(&client, "erlang").await.is_empty());
        assert!(found(&client, "processes").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn results_are_paged_with_the_total_and_the_viewers_votes() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let mut ids = Vec::new();
        for n in 1..=25 {
            ids.push(post(&ada, &format!("Haskell note {n}")).await);
        }
        post(&ada, "Something else").await;
        assert_eq!(
            ada.put(&format!("/api/posts/{}/vote", ids[24]), &json!({})).await.status(),
            StatusCode::OK
        );

        let first = ada.get("/api/search?q=haskell&per_page=10").await.json::<Value>().await.unwrap();
        assert_eq!(
            (first["total"].as_u64(), first["page"].as_u64(), first["per_page"].as_u64()),
            (Some(25), Some(1), Some(10))
        );
        assert_eq!(titles(&first)[0], "Haskell note 25");
        assert_eq!(first["posts"][0]["voted"], true);
        assert_eq!(first["posts"][0]["vote_count"], 1);
        assert_eq!(first["posts"][1]["voted"], false);
        let third = ada.get("/api/search?q=haskell&per_page=10&page=3").await.json::<Value>().await.unwrap();
        assert_eq!(titles(&third), (1..=5).rev().map(|n| format!("Haskell note {n}")).collect::<Vec<_>>());
        assert_eq!(third["total"], 25);
        let past = ada.get("/api/search?q=haskell&per_page=10&page=4").await.json::<Value>().await.unwrap();
        assert!(titles(&past).is_empty());
        assert_eq!(past["total"], 25);
    })
    .await;
}

#[tokio::test]
async fn an_empty_overlong_or_domainless_query_is_refused_naming_q() {
    each_backend(|app| async move {
        let client = app.client();
        let long = "a".repeat(201);
        let long_accented = "é".repeat(201);
        for q in ["", "%20%20", long.as_str(), long_accented.as_str(), "domain:", "rust%20domain:", "DOMAIN:"]
        {
            let resp = client.get(&format!("/api/search?q={q}")).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], "q", "{q}");
        }
        let body = assert_error(
            client.get("/api/search").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["field"], "q");
        for bad in ["page=0", "per_page=101", "per_page=x"] {
            let resp = client.get(&format!("/api/search?q=rust&{bad}")).await;
            assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        }
        assert_eq!(client.get(&format!("/api/search?q={}", "é".repeat(200))).await.status(), StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn a_write_shows_in_the_next_search_while_others_search_in_parallel() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        // Readers keep the same searches read (so kept, on SQLite) and race every write below.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut readers = Vec::new();
        for q in ["ocaml", "ocaml", "functors", "ocaml%20functors"] {
            let (reader, stop) = (app.client(), stop.clone());
            readers.push(tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    assert_eq!(reader.get(&format!("/api/search?q={q}")).await.status(), StatusCode::OK);
                }
            }));
        }
        let client = app.client();
        for round in 0..12 {
            let id = post(&ada, &format!("OCaml round{round}")).await;
            assert_eq!(found(&client, &format!("ocaml round{round}")).await.len(), 1, "found once answered");
            assert_eq!(search(&client, "ocaml").await["total"], 1, "round {round}");

            let resp = ada
                .put(&format!("/api/posts/{id}"), &json!({"title": format!("OCaml functors round{round}")}))
                .await;
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(found(&client, "functors").await, [format!("OCaml functors round{round}")]);

            assert_eq!(ada.put(&format!("/api/posts/{id}/vote"), &json!({})).await.status(), StatusCode::OK);
            assert_eq!(search(&ada, "functors").await["posts"][0]["voted"], true, "the vote shows at once");

            let resp = moderator
                .post(&format!("/api/moderation/posts/{id}/remove"), &json!({"reason": "spam"}))
                .await;
            assert_eq!(resp.status(), StatusCode::NO_CONTENT);
            assert!(found(&client, "ocaml").await.is_empty(), "a removal shows at once");
            assert!(found(&client, "functors").await.is_empty());
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for reader in readers {
            reader.await.unwrap();
        }
    })
    .await;
}
