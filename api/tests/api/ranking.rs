//! Hot and top listings (DESIGN.md section 11): the stored hotness is exact after every change to
//! a post's votes, on every database, and each order is one indexed query.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Client, TestApp, assert_error, each_backend},
    posts::{page, post, titles},
};

/// DESIGN.md's formula, computed here from what the API says of the post.
fn expected_hotness(summary: &Value) -> f64 {
    let votes = summary["vote_count"].as_i64().unwrap();
    let created: DateTime<Utc> = summary["created_at"].as_str().unwrap().parse().unwrap();
    let seconds = created.timestamp_micros() as f64 / 1e6;
    ((votes + 1).max(1) as f64).log10() + seconds / 45000.0
}

/// Every post the hot listing shows carries the hotness the formula gives for its votes, and
/// the order follows it.
async fn assert_hotness_exact(client: &Client, context: &str) {
    let hot = page(client, "?sort=hot&per_page=100").await;
    let posts = hot["posts"].as_array().unwrap();
    for summary in posts {
        let stored = summary["hotness"].as_f64().unwrap();
        let expected = expected_hotness(summary);
        assert!(
            (stored - expected).abs() < 1e-9,
            "{context}: {} has {stored}, expected {expected}",
            summary["title"]
        );
    }
    for pair in posts.windows(2) {
        let (a, b) = (pair[0]["hotness"].as_f64().unwrap(), pair[1]["hotness"].as_f64().unwrap());
        assert!(a > b || (a == b && pair[0]["id"].as_i64() > pair[1]["id"].as_i64()), "{context}: {hot}");
    }
}

async fn voters(app: &TestApp, names: &[&str]) -> Vec<Client> {
    let mut clients = Vec::new();
    for name in names {
        clients.push(app.signed_up(name).await.0);
    }
    clients
}

#[tokio::test]
async fn hot_weighs_votes_against_age_and_stays_exact_through_every_change() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let old = post(&ada, "old").await;
        app.clock.advance(Duration::from_secs(3600));
        post(&ada, "new").await;
        assert_eq!(titles(&page(&ada, "?sort=hot").await), ["new", "old"], "equal votes: the newer first");
        assert_hotness_exact(&ada, "no votes").await;

        // Three votes (log10 4 ≈ 7.5 hours of freshness) outweigh one hour.
        let fans = voters(&app, &["bea", "cyd", "dee"]).await;
        for fan in &fans {
            let resp = fan.put(&format!("/api/posts/{}/vote", old["id"]), &json!({})).await;
            assert_eq!(resp.status(), StatusCode::OK);
            assert_hotness_exact(&ada, "after a vote").await;
        }
        assert_eq!(titles(&page(&ada, "?sort=hot").await), ["old", "new"]);
        assert_eq!(titles(&page(&ada, "").await), ["new", "old"], "the default is still newest first");

        // Voting twice changes nothing; taking a vote back lowers it again.
        fans[0].put(&format!("/api/posts/{}/vote", old["id"]), &json!({})).await;
        assert_eq!(page(&ada, "?sort=hot").await["posts"][0]["vote_count"], 3);
        let resp = fans[0].delete(&format!("/api/posts/{}/vote", old["id"])).await;
        assert_eq!(resp.json::<Value>().await.unwrap()["vote_count"], 2);
        assert_hotness_exact(&ada, "after an unvote").await;

        // A voter's account going takes the vote back too.
        let resp = fans[1].delete_json("/api/users/me", &json!({"password": crate::harness::PASSWORD})).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let hot = page(&ada, "?sort=hot").await;
        let old_now = hot["posts"].as_array().unwrap().iter().find(|p| p["id"] == old["id"]).unwrap();
        assert_eq!(old_now["vote_count"], 1);
        assert_hotness_exact(&ada, "after a voter's account went").await;
        let stored = format!("SELECT COUNT(*) FROM posts WHERE id = {} AND vote_count = 1", old["id"]);
        assert_eq!(app.scalar(&stored).await, 1, "the row's own count");
    })
    .await;
}

#[tokio::test]
async fn concurrent_votes_all_count_in_the_stored_rank() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let target = post(&ada, "popular").await;
        let names: Vec<String> = (0..8).map(|n| format!("fan{n}")).collect();
        let fans = voters(&app, &names.iter().map(String::as_str).collect::<Vec<_>>()).await;
        let path = format!("/api/posts/{}/vote", target["id"]);
        let empty = json!({});
        let votes = fans.iter().map(|fan| fan.put(&path, &empty));
        for resp in futures_util::future::join_all(votes).await {
            assert_eq!(resp.status(), StatusCode::OK);
        }
        let hot = page(&ada, "?sort=hot").await;
        assert_eq!(hot["posts"][0]["vote_count"], 8);
        assert_hotness_exact(&ada, "after 8 votes at once").await;

        let unvotes = fans.iter().take(5).map(|fan| fan.delete(&path));
        futures_util::future::join_all(unvotes).await;
        assert_eq!(page(&ada, "?sort=hot").await["posts"][0]["vote_count"], 3);
        assert_hotness_exact(&ada, "after 5 unvotes at once").await;
    })
    .await;
}

#[tokio::test]
async fn top_ranks_by_votes_within_the_period_newest_first_on_ties() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let fans = voters(&app, &["bea", "cyd"]).await;
        let ancient = post(&ada, "ancient").await;
        for fan in &fans {
            fan.put(&format!("/api/posts/{}/vote", ancient["id"]), &json!({})).await;
        }
        app.clock.advance(Duration::from_secs(8 * 24 * 3600));
        // Sessions idle for 8 days are over: new members post and vote now.
        let (eve, _) = app.signed_up("eve").await;
        let (fay, _) = app.signed_up("fay").await;
        let first = post(&eve, "first").await;
        let second = post(&eve, "second").await;
        fay.put(&format!("/api/posts/{}/vote", first["id"]), &json!({})).await;
        fay.put(&format!("/api/posts/{}/vote", second["id"]), &json!({})).await;

        let week = page(&eve, "?sort=top").await;
        assert_eq!(titles(&week), ["second", "first"], "a week by default; ties newest first");
        assert_eq!(week["total"], 2, "the total counts the period");
        assert_eq!(titles(&page(&eve, "?sort=top&period=week").await), ["second", "first"]);
        for period in ["month", "year", "all"] {
            let top = page(&eve, &format!("?sort=top&period={period}")).await;
            assert_eq!(titles(&top), ["ancient", "second", "first"], "{period}");
            assert_eq!(top["total"], 3, "{period}");
        }
        app.clock.advance(Duration::from_secs(25 * 3600));
        let day = page(&eve, "?sort=top&period=day").await;
        assert_eq!(titles(&day), Vec::<String>::new(), "a day later, nothing is from the last day: {day}");
        assert_eq!(titles(&page(&eve, "?sort=top&period=week").await), ["second", "first"]);
        // `sort` combines with `user_id`; `period` means nothing to the other orders.
        let ada_id = ancient["author"]["id"].as_i64().unwrap();
        let mine = page(&eve, &format!("?sort=top&period=all&user_id={ada_id}")).await;
        assert_eq!(titles(&mine), ["ancient"]);
        assert_eq!(page(&eve, "?sort=new&period=day").await["total"], 3);
    })
    .await;
}

#[tokio::test]
async fn sort_and_period_outside_their_sets_are_422s_naming_them() {
    each_backend(|app| async move {
        let browser = app.client();
        for (query, field) in [
            ("?sort=best", "sort"),
            ("?sort=", "sort"),
            ("?sort=HOT", "sort"),
            ("?sort=top&period=decade", "period"),
            ("?period=1", "period"),
        ] {
            let resp = browser.get(&format!("/api/posts{query}")).await;
            let body = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["field"], field, "{query}");
            let message = body["message"].as_str().unwrap();
            assert!(
                message.starts_with(&format!("{field} must be "))
                    && message.contains("week") == (field == "period"),
                "{message}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn each_order_is_one_statement_for_its_items() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        for n in 0..25 {
            post(&ada, &format!("post {n}")).await;
        }
        let anonymous = app.client();
        for query in ["?sort=hot", "?sort=top&period=all", "?sort=top&period=day", "?sort=new"] {
            let (listed, statements) = app.statements_during(page(&anonymous, query)).await;
            assert_eq!(titles(&listed).len(), 20, "{query}");
            let items = statements.iter().filter(|s| s.contains("viewer_votes")).count();
            assert_eq!(items, 1, "{query}: {statements:#?}");
            assert!(statements.len() <= 2, "{query}: items and total only: {statements:#?}");
        }
    })
    .await;
}
