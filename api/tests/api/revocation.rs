//! DESIGN.md section 10: a session ends the moment the call that ends it answers, even while the
//! ended cookie is being used in parallel. Each test keeps the doomed cookie busy from several
//! tasks while the session is ended, for many rounds, and then every request that *started*
//! after the ending call answered must be anonymous.

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
    harness::{Backend, Client, PASSWORD, TestApp, each_backend, issued_token},
    posts::post,
};

/// Rounds per way of ending a session: enough that the race the cache once had showed in most
/// runs of each test (see the closing note of issue 11).
const ROUNDS: usize = 60;

/// Tasks keeping the doomed cookie busy.
const BUSY: usize = 6;

/// A browser that always sends `token`, whatever a response says about cookies.
fn raw_browser(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", format!("jtn_session={token}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

async fn logged_in(http: &reqwest::Client, app: &TestApp) -> bool {
    let resp = http.get(app.url("/api/session")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json::<Value>().await.unwrap()["logged_in"].as_bool().unwrap()
}

/// Keeps `token` busy from [`BUSY`] tasks while `end` runs; answers how many requests that began
/// after `end` had answered were still logged in (during the busy phase and right after it).
async fn survivors<F, Fut>(app: &TestApp, token: &str, end: F) -> usize
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    let ended = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let survived = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..BUSY {
        let (http, url) = (raw_browser(token), app.url("/api/session"));
        let (ended, stop, survived) = (ended.clone(), stop.clone(), survived.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let after_the_end = ended.load(Ordering::SeqCst);
                let resp = http.get(&url).send().await.unwrap();
                let body: Value = resp.json().await.unwrap();
                if after_the_end && body["logged_in"] == true {
                    survived.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    // Let the busy tasks get going (and the session be kept in memory, where it is).
    tokio::time::sleep(Duration::from_millis(15)).await;
    end().await;
    ended.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(30)).await;
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap();
    }
    let http = raw_browser(token);
    for _ in 0..3 {
        if logged_in(&http, app).await {
            survived.fetch_add(1, Ordering::SeqCst);
        }
    }
    survived.load(Ordering::SeqCst)
}

/// Logs a new browser in as `email`; answers it and its token.
async fn log_in(app: &TestApp, email: &str, password: &str) -> (Client, String) {
    let client = app.client();
    let resp = client.log_in(email, password).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let token = issued_token(&resp).unwrap();
    (client, token)
}

/// Runs [`ROUNDS`] rounds of "log in a doomed browser (with `password` of the round), keep it
/// busy, end its session with `end`" and asserts that no request made after an ending call answered was still logged in.
async fn assert_ended_every_round<F, Fut>(
    app: &TestApp,
    what: &str,
    password: fn(usize) -> String,
    mut end: F,
) where
    F: FnMut(usize, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        let (_, token) = log_in(app, "ada@example.com", &password(round)).await;
        assert!(logged_in(&raw_browser(&token), app).await);
        let survived = survivors(app, &token, || end(round, token.clone())).await;
        if survived > 0 {
            failures.push((round, survived));
        }
    }
    assert!(
        failures.is_empty(),
        "{what}: in {} of {ROUNDS} rounds the ended cookie still worked afterwards (round, requests): \
         {failures:?}",
        failures.len()
    );
}

/// The password while nothing changes it.
fn unchanged(_round: usize) -> String {
    PASSWORD.to_owned()
}

/// The password in force in `round` of the password-change test, which changes it every round.
fn password(round: usize) -> String {
    if round.is_multiple_of(2) { PASSWORD.to_owned() } else { format!("{PASSWORD}-{round}") }
}

#[tokio::test]
async fn a_logout_holds_while_the_cookie_is_in_use() {
    each_backend(|app| async move {
        app.signed_up("ada").await;
        assert_ended_every_round(&app, "logout", unchanged, |_, token| {
            let url = app.url("/api/users/logout");
            async move {
                let resp = raw_browser(&token).post(url).send().await.unwrap();
                assert_eq!(resp.status(), StatusCode::NO_CONTENT);
            }
        })
        .await;
    })
    .await;
}

#[tokio::test]
async fn ending_one_session_from_the_list_holds_while_it_is_in_use() {
    each_backend(|app| async move {
        let (owner, _) = app.signed_up("ada").await;
        assert_ended_every_round(&app, "end one", unchanged, |_, _| {
            let owner = owner.clone();
            async move {
                let list: Value = owner.get("/api/users/me/sessions").await.json().await.unwrap();
                let other = list["sessions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["current"] == false)
                    .expect("the doomed session is listed")["id"]
                    .clone();
                let resp = owner.delete(&format!("/api/users/me/sessions/{other}")).await;
                assert_eq!(resp.status(), StatusCode::NO_CONTENT);
            }
        })
        .await;
    })
    .await;
}

#[tokio::test]
async fn ending_all_other_sessions_holds_while_they_are_in_use() {
    each_backend(|app| async move {
        let (owner, _) = app.signed_up("ada").await;
        assert_ended_every_round(&app, "end all others", unchanged, |_, _| {
            let owner = owner.clone();
            async move {
                assert_eq!(owner.delete("/api/users/me/sessions").await.status(), StatusCode::NO_CONTENT);
            }
        })
        .await;
        assert_eq!(owner.logged_in_as().await.as_deref(), Some("ada"), "the caller's own session stays");
    })
    .await;
}

#[tokio::test]
async fn a_password_change_holds_while_the_other_sessions_are_in_use() {
    each_backend(|app| async move {
        let (owner, _) = app.signed_up("ada").await;
        assert_ended_every_round(&app, "password change", password, |round, _| {
            let owner = owner.clone();
            async move {
                let change =
                    json!({"current_password": password(round), "new_password": password(round + 1)});
                assert_eq!(
                    owner.put("/api/users/me/password", &change).await.status(),
                    StatusCode::NO_CONTENT
                );
            }
        })
        .await;
    })
    .await;
}

#[tokio::test]
async fn an_account_deletion_holds_while_its_sessions_are_in_use() {
    each_backend(|app| async move {
        let mut failures = Vec::new();
        for round in 0..ROUNDS {
            let name = format!("doomed{round}");
            let (owner, _) = app.signed_up(&name).await;
            let (_, token) = log_in(&app, &format!("{name}@example.com"), PASSWORD).await;
            let survived = survivors(&app, &token, || async {
                let resp = owner.delete_json("/api/users/me", &json!({"password": PASSWORD})).await;
                assert_eq!(resp.status(), StatusCode::NO_CONTENT);
            })
            .await;
            if survived > 0 {
                failures.push((round, survived));
            }
        }
        assert!(failures.is_empty(), "account deletion: the ended cookie still worked in {failures:?}");
    })
    .await;
}

#[tokio::test]
async fn a_ban_holds_while_the_banned_users_sessions_are_in_use() {
    each_backend(|app| async move {
        let (moderator, _) = app.signed_up_as("mod", "moderator").await;
        let (_, ada) = app.signed_up("ada").await;
        let ban = format!("/api/moderation/users/{ada}/ban");
        assert_ended_every_round(&app, "ban", unchanged, |_, _| {
            let (moderator, ban) = (moderator.clone(), ban.clone());
            async move {
                let resp = moderator.post(&ban, &json!({"reason": "spam"})).await;
                assert_eq!(resp.status(), StatusCode::NO_CONTENT);
                // Lifted again at once, so the next round can log in: the sessions the ban
                // ended stay ended.
                assert_eq!(moderator.delete(&ban).await.status(), StatusCode::NO_CONTENT);
            }
        })
        .await;
    })
    .await;
}

/// Anonymous readers reading `paths` in a loop (each its share of [`BUSY`] tasks) until stopped.
struct Readers {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Readers {
    fn start(app: &TestApp, paths: Vec<String>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..BUSY)
            .map(|n| {
                let (reader, stop, path) = (app.client(), stop.clone(), paths[n % paths.len()].clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        assert_eq!(reader.get(&path).await.status(), StatusCode::OK, "{path}");
                    }
                })
            })
            .collect();
        Self { stop, tasks }
    }

    async fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            task.await.unwrap();
        }
    }
}

/// The homepage's `total` while readers keep it busy: exact right after each post is added or
/// deleted.
#[tokio::test]
async fn the_homepage_total_is_exact_right_after_a_post_is_added_or_deleted() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let readers = Readers::start(&app, vec!["/api/posts".to_owned()]);
        let total = |client: Client| async move {
            let page: Value = client.get("/api/posts").await.json().await.unwrap();
            page["total"].as_i64().unwrap()
        };
        let mut ids = Vec::new();
        for n in 1..=5 {
            ids.push(post(&ada, &format!("post {n}")).await["id"].clone());
            assert_eq!(total(app.client()).await, n, "after adding post {n}");
        }
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(ada.delete(&format!("/api/posts/{id}")).await.status(), StatusCode::NO_CONTENT);
            assert_eq!(total(app.client()).await, 4 - n as i64, "after deleting post {id}");
            assert_eq!(total(ada.clone()).await, 4 - n as i64, "the author sees it too");
        }
        readers.stop().await;
    })
    .await;
}

/// Vote counts on the post page and the homepage while readers keep both busy: exact right after
/// every vote and unvote.
#[tokio::test]
async fn vote_counts_are_exact_right_after_each_vote_while_readers_are_busy() {
    each_backend(|app| async move {
        let (ada, _) = app.signed_up("ada").await;
        let (grace, _) = app.signed_up("grace").await;
        let id = post(&ada, "busy").await["id"].clone();
        let readers = Readers::start(&app, vec![format!("/api/posts/{id}"), "/api/posts".to_owned()]);
        let vote = format!("/api/posts/{id}/vote");
        for round in 0..ROUNDS {
            let (voter, expected) = if round.is_multiple_of(2) { (&ada, 1) } else { (&grace, 2) };
            assert_eq!(voter.put(&vote, &json!({})).await.status(), StatusCode::OK);
            assert_eq!(counts(&app, &id).await, (expected, expected), "after a vote in round {round}");
            assert_eq!(voter.delete(&vote).await.status(), StatusCode::OK);
            assert_eq!(
                counts(&app, &id).await,
                (expected - 1, expected - 1),
                "after an unvote in round {round}"
            );
            if round.is_multiple_of(2) {
                assert_eq!(voter.put(&vote, &json!({})).await.status(), StatusCode::OK);
            } else {
                assert_eq!(ada.delete(&vote).await.status(), StatusCode::OK);
            }
        }
        readers.stop().await;
    })
    .await;
}

/// Post `id`'s vote count on its own page and on the homepage, as an anonymous reader sees them.
async fn counts(app: &TestApp, id: &Value) -> (i64, i64) {
    let reader = app.client();
    let detail: Value = reader.get(&format!("/api/posts/{id}")).await.json().await.unwrap();
    let page: Value = reader.get("/api/posts").await.json().await.unwrap();
    let line = page["posts"].as_array().unwrap().iter().find(|p| p["id"] == *id).unwrap().clone();
    (detail["vote_count"].as_i64().unwrap(), line["vote_count"].as_i64().unwrap())
}

/// With a database server, several instances share sessions: a logout or a password change
/// through one holds on another that the cookie is busy on. (Embedded SQLite serves one process.)
#[tokio::test]
async fn ending_sessions_through_one_instance_holds_on_another_while_in_use() {
    each_backend(|first| async move {
        if first.test_database().backend == Backend::Sqlite {
            return;
        }
        let second = first.sibling().await;
        let (owner, _) = first.signed_up("ada").await;
        for round in 0..ROUNDS / 4 {
            let (_, token) = log_in(&second, "ada@example.com", PASSWORD).await;
            let logout = || async {
                let resp = raw_browser(&token).post(first.url("/api/users/logout")).send().await.unwrap();
                assert_eq!(resp.status(), StatusCode::NO_CONTENT);
            };
            assert_eq!(survivors(&second, &token, logout).await, 0, "logout, round {round}");
            let (_, token) = log_in(&second, "ada@example.com", PASSWORD).await;
            let end_others = || async {
                assert_eq!(owner.delete("/api/users/me/sessions").await.status(), StatusCode::NO_CONTENT);
            };
            assert_eq!(survivors(&second, &token, end_others).await, 0, "end all others, round {round}");
        }
    })
    .await;
}
