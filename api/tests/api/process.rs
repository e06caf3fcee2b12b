//! The real binary, killed and stopped: what was written survives, and a graceful stop lets the
//! requests in flight finish.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Backend, PASSWORD, TestDatabase, backends};

pub struct Server {
    pub child: Child,
    pub url: String,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(database_url: &str, bcrypt_cost: u32) -> Server {
    start_with(database_url, bcrypt_cost, &[]).await
}

/// Like [`start`], with more environment variables.
pub async fn start_with(database_url: &str, bcrypt_cost: u32, env: &[(&str, &str)]) -> Server {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_just-tech-news"))
        .arg("--no-demo")
        // Every sign-up mails a link; unless a test reads its mail, it goes where the in-process
        // servers' goes, never into the source tree's `data/outbox`.
        .env("MAIL_DIR", std::env::temp_dir().join("jtn-test-outbox"))
        .envs(env.iter().copied())
        .env("DATABASE_URL", database_url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", &url)
        .env("WEB_DIR", "")
        .env("BCRYPT_COST", bcrypt_cost.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(resp) = http.get(format!("{url}/api/health")).send().await
            && resp.status() == StatusCode::OK
        {
            return Server { child, url };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not become ready");
}

/// A server left running by a failing test is stopped with it.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(server: &Server, name: &str) {
    let status =
        Command::new("kill").arg(format!("-{name}")).arg(server.child.id().to_string()).status().unwrap();
    assert!(status.success());
}

fn browser(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", format!("jtn_session={token}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

fn token_of(resp: &reqwest::Response) -> String {
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    cookie.strip_prefix("jtn_session=").unwrap().split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_killed_server_comes_back_with_sessions_posts_and_votes() {
    for backend in backends() {
        let db = TestDatabase::create(backend).await;
        let mut server = start(&db.url, 4).await;
        let http = reqwest::Client::new();
        let body = json!({"username": "ada", "email": "ada@example.com", "password": PASSWORD});
        let resp = http.post(format!("{}/api/users", server.url)).json(&body).send().await.unwrap();
        let ada = browser(&token_of(&resp));
        let post = json!({"title": "survives", "post_url": "https://example.com"});
        let created: Value = ada
            .post(format!("{}/api/posts", server.url))
            .json(&post)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = &created["id"];
        ada.put(format!("{}/api/posts/{id}/vote", server.url)).send().await.unwrap();

        server.child.kill().unwrap(); // SIGKILL: no chance to flush anything
        server.child.wait().unwrap();
        let server = start(&db.url, 4).await;

        let session: Value =
            ada.get(format!("{}/api/session", server.url)).send().await.unwrap().json().await.unwrap();
        assert_eq!(session["user"]["username"], "ada", "{backend:?}");
        let detail: Value =
            ada.get(format!("{}/api/posts/{id}", server.url)).send().await.unwrap().json().await.unwrap();
        assert_eq!(
            (detail["title"].as_str(), detail["vote_count"].as_i64()),
            (Some("survives"), Some(1)),
            "{backend:?}"
        );
        assert_eq!(detail["voted"], true);
    }
}

#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish_then_stops() {
    let backend = Backend::Sqlite;
    let db = TestDatabase::create(backend).await;
    // bcrypt at cost 13 (about 0.5 s in a release build, 2 s in a debug one) keeps the sign-up in
    // flight while the signal arrives.
    let mut server = start(&db.url, 13).await;
    let url = server.url.clone();
    let in_flight = tokio::spawn(async move {
        let body = json!({"username": "ada", "email": "ada@example.com", "password": PASSWORD});
        reqwest::Client::new().post(format!("{url}/api/users")).json(&body).send().await.unwrap()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&server, "TERM");
    assert!(!in_flight.is_finished(), "the signal arrived while the sign-up was in flight");
    let resp = in_flight.await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED, "the request in flight finished");
    let token = token_of(&resp);
    let status = tokio::task::spawn_blocking(move || server.child.wait().unwrap()).await.unwrap();
    assert!(status.success(), "a clean exit: {status}");

    let server = start(&db.url, 4).await;
    let session: Value = browser(&token)
        .get(format!("{}/api/session", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["username"], "ada", "the sign-up was written whole");
}

/// Runs the binary with `args` on `database_url` to its end; answers whether it succeeded, its
/// stdout and its stderr.
pub fn run_to_end(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_just-tech-news"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("BIND", format!("127.0.0.1:{}", free_port()))
        .env("WEB_DIR", "")
        .env("BCRYPT_COST", "4")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (output.status.success(), text(output.stdout), text(output.stderr))
}

#[tokio::test]
async fn an_embedded_database_serves_one_process_and_refuses_a_second_server_migrate_and_seed() {
    let db = TestDatabase::create(Backend::Sqlite).await;
    let server = start(&db.url, 4).await;
    for args in [&["--no-demo"][..], &["serve"], &["migrate"], &["seed"]] {
        let (ok, _, stderr) = run_to_end(&db.url, args);
        assert!(!ok, "{args:?} must be refused while a server holds the file");
        assert!(stderr.contains("is in use by another just-tech-news process"), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("(pid {})", server.child.id())),
            "{args:?} names the holder: {stderr}"
        );
    }
    let health = reqwest::get(format!("{}/api/health", server.url)).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "the first server serves on");
    drop(server);
    let (ok, _, stderr) = run_to_end(&db.url, &["migrate"]);
    assert!(ok, "once the server is gone the file is free: {stderr}");
}
