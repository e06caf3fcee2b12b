//! Write limits (DESIGN.md section 14): posts, comments and votes per user and sign-ups per
//! client address, counted in the database, so they hold across instances and restarts; over
//! the limit nothing is written, and only writes that would succeed count.

use std::time::Duration;

use reqwest::{StatusCode, header::RETRY_AFTER};
use serde_json::{Value, json};

use crate::{
    harness::{Backend, PASSWORD, assert_error, each_backend_with},
    posts::{fresh_link, post},
};

use just_tech_news::config::Config;

fn limits(post: &str, comment: &str, vote: &str, signup: &str) -> impl Fn(&mut Config) + Clone {
    let [post, comment, vote, signup] = [post, comment, vote, signup].map(str::to_owned);
    move |config: &mut Config| {
        config.post_rate = just_tech_news::config::Rate::setting(&post).unwrap();
        config.comment_rate = just_tech_news::config::Rate::setting(&comment).unwrap();
        config.vote_rate = just_tech_news::config::Rate::setting(&vote).unwrap();
        config.signup_rate = just_tech_news::config::Rate::setting(&signup).unwrap();
    }
}

async fn assert_limited(resp: reqwest::Response, at_most: u64) {
    let wait: u64 = resp.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=at_most).contains(&wait), "Retry-After {wait}");
    assert_error(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

fn new_post() -> Value {
    json!({"title": "a post", "post_url": fresh_link()})
}

#[tokio::test]
async fn posts_are_limited_per_user_and_the_window_moves_on() {
    each_backend_with(limits("3/h", "0", "0", "0"), |app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        for _ in 0..3 {
            assert_eq!(ada.post("/api/posts", &new_post()).await.status(), StatusCode::CREATED);
        }
        assert_limited(ada.post("/api/posts", &new_post()).await, 3600).await;
        assert_eq!(app.count("posts").await, 3, "nothing written");
        assert_eq!(grace.post("/api/posts", &new_post()).await.status(), StatusCode::CREATED, "per user");
        app.clock.advance(Duration::from_secs(3601));
        assert_eq!(ada.post("/api/posts", &new_post()).await.status(), StatusCode::CREATED);
    })
    .await;
}

#[tokio::test]
async fn comments_are_limited_and_refused_comments_do_not_count() {
    each_backend_with(limits("0", "2/m", "0", "0"), |app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let id = post(&ada, "p").await["id"].clone();
        let comment = |post_id: Value| json!({"post_id": post_id, "comment_text": "hi"});
        for _ in 0..3 {
            assert_eq!(
                ada.post("/api/comments", &comment(json!(999_999))).await.status(),
                StatusCode::NOT_FOUND
            );
            let reply = json!({"post_id": id, "parent_id": 999_999, "comment_text": "hi"});
            assert_eq!(ada.post("/api/comments", &reply).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        for _ in 0..2 {
            assert_eq!(ada.post("/api/comments", &comment(id.clone())).await.status(), StatusCode::CREATED);
        }
        assert_limited(ada.post("/api/comments", &comment(id.clone())).await, 60).await;
        assert_eq!(app.count("comments").await, 2);
    })
    .await;
}

#[tokio::test]
async fn only_new_votes_count_and_a_repeated_vote_still_answers_at_the_limit() {
    each_backend_with(limits("0", "0", "2/h", "0"), |app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let ids: Vec<Value> = {
            let mut ids = Vec::new();
            for n in 0..3 {
                ids.push(post(&ada, &format!("p{n}")).await["id"].clone());
            }
            ids
        };
        let (grace, _) = app.signed_up("grace").await;
        let vote = |id: &Value| format!("/api/posts/{id}/vote");
        assert_eq!(grace.put(&vote(&ids[0]), &json!({})).await.status(), StatusCode::OK);
        assert_eq!(grace.put(&vote(&ids[0]), &json!({})).await.status(), StatusCode::OK, "a repeat");
        assert_eq!(grace.delete(&vote(&ids[1])).await.status(), StatusCode::OK, "an unvote of nothing");
        assert_eq!(grace.put("/api/posts/999999/vote", &json!({})).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(grace.put(&vote(&ids[1]), &json!({})).await.status(), StatusCode::OK, "the second vote");
        assert_limited(grace.put(&vote(&ids[2]), &json!({})).await, 3600).await;
        let resp = grace.put(&vote(&ids[0]), &json!({})).await;
        assert_eq!(resp.status(), StatusCode::OK, "a vote already cast is no new write");
        assert_eq!(app.count("votes").await, 2);
    })
    .await;
}

#[tokio::test]
async fn sign_ups_are_limited_per_client_address_and_refused_ones_do_not_count() {
    each_backend_with(limits("0", "0", "0", "2/h"), |app| async move {
        app.signed_up("ada").await;
        let taken = app.client().sign_up("ada", "other@example.com", PASSWORD).await;
        assert_error(taken, StatusCode::CONFLICT, "username_taken").await;
        app.signed_up("grace").await;
        let resp = app.client().sign_up("linus", "linus@example.com", PASSWORD).await;
        assert_limited(resp, 3600).await;
        assert_eq!(app.count("users").await, 2);
        assert_eq!(app.count("sessions").await, 2);
    })
    .await;
}

#[tokio::test]
async fn writers_racing_for_the_places_get_exactly_as_many_as_the_limit() {
    each_backend_with(limits("3/h", "0", "0", "0"), |app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let attempts = (0..12).map(|_| {
            let ada = ada.clone();
            tokio::spawn(async move { ada.post("/api/posts", &new_post()).await.status() })
        });
        let statuses: Vec<StatusCode> =
            futures_util::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        assert!(
            statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::TOO_MANY_REQUESTS),
            "{statuses:?}"
        );
        // Never more than the limit, and no place lost to the race either.
        assert_eq!(created, 3, "{statuses:?}");
        assert_eq!(app.count("posts").await, 3);
        assert_eq!(app.count("rate_events").await, 3, "the refused left nothing counted");
    })
    .await;
}

#[tokio::test]
async fn the_limit_holds_through_every_instance_and_a_restart() {
    each_backend_with(limits("4/h", "0", "0", "0"), |first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let (on_first, _) = first.signed_up("ada").await;
        let on_second = second.client();
        assert_eq!(on_second.log_in("ada@example.com", PASSWORD).await.status(), StatusCode::OK);
        for n in 0..4 {
            let writer = if n % 2 == 0 { &on_first } else { &on_second };
            assert_eq!(writer.post("/api/posts", &new_post()).await.status(), StatusCode::CREATED);
        }
        assert_limited(on_first.post("/api/posts", &new_post()).await, 3600).await;
        assert_limited(on_second.post("/api/posts", &new_post()).await, 3600).await;
        drop(second);
        let first = first.restart().await;
        let again = first.client();
        again.log_in("ada@example.com", PASSWORD).await;
        assert_limited(again.post("/api/posts", &new_post()).await, 3600).await;
        assert_eq!(first.count("posts").await, 4);
    })
    .await;
}

#[tokio::test]
async fn a_limit_that_is_not_a_rate_stops_the_server_at_start_naming_it() {
    for (name, value) in
        [("POST_RATE", "abc"), ("COMMENT_RATE", "10/x"), ("VOTE_RATE", "-1/h"), ("SIGNUP_RATE", "5")]
    {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_just-tech-news"))
            .args(["--no-demo", "migrate"])
            .env("DATABASE_URL", "sqlite::memory:")
            .env(name, value)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{name}={value} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(name), "{name} is named: {stderr}");
    }
    // And a good one, `0` included, is taken.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_just-tech-news"))
        .args(["--no-demo", "migrate"])
        .env("DATABASE_URL", "sqlite::memory:")
        .env("POST_RATE", "0")
        .env("VOTE_RATE", "100/d")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}
