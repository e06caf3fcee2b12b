//! Running the site (DESIGN.md section 18), on the real binary: backups while it writes, metrics
//! on their own listener, one log line per request with nothing secret in it, and slow clients
//! that cannot hold it.

use std::{
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    harness::{Backend, TestDatabase},
    process::{Server, free_port, run_to_end, start_with},
};

/// A signed-up user's client on `server`.
async fn member(server: &Server, name: &str) -> reqwest::Client {
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let body = json!({"username": name, "email": format!("{name}@example.com"), "password": "correct horse battery"});
    let resp = http.post(format!("{}/api/users", server.url)).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    http
}

#[tokio::test]
async fn a_backup_taken_while_the_server_writes_holds_every_committed_row_and_restores() {
    let db = TestDatabase::create(Backend::Sqlite).await;
    let server = start_with(&db.url, 4, &[("POST_RATE", "0")]).await;
    let ada = member(&server, "ada").await;

    // A writer posts without pause, noting each post the server has answered (committed).
    let answered = Arc::new(Mutex::new(Vec::<i64>::new()));
    let writing = {
        let (answered, ada, url) = (answered.clone(), ada.clone(), server.url.clone());
        tokio::spawn(async move {
            for n in 0.. {
                let body =
                    json!({"title": format!("post {n}"), "post_url": format!("https://example.com/{n}")});
                let resp = ada.post(format!("{url}/api/posts")).json(&body).send().await.unwrap();
                assert_eq!(resp.status(), StatusCode::CREATED);
                let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
                answered.lock().unwrap().push(id);
            }
        })
    };
    while answered.lock().unwrap().len() < 30 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    let before = answered.lock().unwrap().clone();
    let (url, path) = (db.url.clone(), copy.display().to_string());
    let (ok, stdout, stderr) =
        tokio::task::spawn_blocking(move || run_to_end(&url, &["backup", &path])).await.unwrap();
    let after = answered.lock().unwrap().clone();
    assert!(ok, "backup failed: {stderr}");
    assert!(stdout.contains("Backed up to"), "{stdout}");
    assert!(after.len() > before.len(), "the server kept writing during the backup");
    writing.abort();

    // Restore: a server on the copy has every post answered before the backup began, and only
    // whole posts answered by the server.
    let restored_url = format!("sqlite://{}?mode=rwc", copy.display());
    let restored = start_with(&restored_url, 4, &[]).await;
    let http = reqwest::Client::new();
    for id in &before {
        let resp = http.get(format!("{}/api/posts/{id}", restored.url)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "post {id} was committed before the backup");
    }
    let page: Value = http
        .get(format!("{}/api/posts?per_page=100", restored.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let total = page["total"].as_u64().unwrap() as usize;
    assert!(
        (before.len()..=after.len() + 1).contains(&total),
        "{} ≤ {total} ≤ {}",
        before.len(),
        after.len()
    );
    let session = http
        .post(format!("{}/api/users/login", restored.url))
        .json(&json!({"email": "ada@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), StatusCode::OK, "accounts come back too");
    drop(restored);

    // Never over an existing file.
    let size = std::fs::metadata(&copy).unwrap().len();
    let (ok, _, stderr) = run_to_end(&db.url, &["backup", &copy.display().to_string()]);
    assert!(!ok && stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::metadata(&copy).unwrap().len(), size, "nothing overwritten");
    drop(server);
}

#[tokio::test]
async fn backup_refuses_what_it_cannot_do_with_a_clear_error() {
    let db = TestDatabase::create(Backend::Sqlite).await;
    drop(start_with(&db.url, 4, &[]).await);
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("taken.db");
    std::fs::write(&existing, b"").unwrap();
    let below_a_file = existing.join("backup.db");
    let cases = [
        (db.url.clone(), existing.display().to_string(), "already exists"),
        (db.url.clone(), below_a_file.display().to_string(), "cannot write the backup"),
        (db.url.clone(), dir.path().join("no/such/folder.db").display().to_string(), "is not a folder"),
        (
            format!("sqlite://{}?mode=rwc", dir.path().join("none.db").display()),
            "x.db".into(),
            "no database at",
        ),
        ("postgres://postgres@127.0.0.1:5432/postgres".into(), "x.dump".into(), "pg_dump"),
        ("mysql://root@127.0.0.1:3306/test".into(), "x.sql".into(), "mariadb-dump"),
    ];
    for (url, path, says) in cases {
        let (ok, _, stderr) = run_to_end(&url, &["backup", &path]);
        assert!(!ok, "backup {path} on {url} must fail");
        assert!(stderr.contains(says), "{path}: {stderr}");
        assert!(!stderr.contains("VACUUM"), "no SQL in the message: {stderr}");
    }
    assert_eq!(std::fs::metadata(&existing).unwrap().len(), 0, "the existing file is untouched");
    assert!(!dir.path().join("none.db").exists(), "a missing database is not created");
}

/// The binary on a fresh embedded database with `env`, its log lines going to `log` (stdout).
async fn start_logged(db: &TestDatabase, env: &[(&str, &str)], log: &std::path::Path) -> Server {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_just-tech-news"))
        .arg("--no-demo")
        // Every sign-up mails a link; unless a test reads its mail, it goes where the in-process
        // servers' goes, never into the source tree's `data/outbox`.
        .env("MAIL_DIR", std::env::temp_dir().join("jtn-test-outbox"))
        .envs(env.iter().copied())
        .env("DATABASE_URL", &db.url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", &url)
        .env("WEB_DIR", "")
        .env("BCRYPT_COST", "4")
        .env_remove("RUST_LOG")
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, url };
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Whether the server has closed `stream` (end of file or reset) within `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue, // an answer (a 408, say) before the close
        }
    }
}

#[tokio::test]
async fn slow_and_idle_clients_are_closed_in_time_while_others_are_served() {
    let db = TestDatabase::create(Backend::Sqlite).await;
    let log = tempfile::NamedTempFile::new().unwrap();
    let env = [("HEADER_TIMEOUT", "1s"), ("BODY_TIMEOUT", "2s"), ("IDLE_TIMEOUT", "3s")];
    let server = start_logged(&db, &env, log.path()).await;
    let url = server.url.clone();
    let addr = url.trim_start_matches("http://").to_owned();

    // 400 clients send half a request, then one more byte every 300 ms: a slowloris.
    let mut trickling = Vec::new();
    for _ in 0..400 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        stream.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        trickling.push(stream);
    }
    let keep_trickling = {
        let streams: Vec<_> = trickling.drain(..).map(|s| Arc::new(tokio::sync::Mutex::new(s))).collect();
        let held = streams.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(300)).await;
                for stream in &held {
                    let _ = stream.lock().await.write_all(b"X").await;
                }
            }
        });
        (streams, task)
    };
    // A body promised and never finished.
    let mut slow_body = TcpStream::connect(&addr).await.unwrap();
    slow_body
        .write_all(b"POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"em")
        .await
        .unwrap();

    // Meanwhile everyone else is answered.
    let http = reqwest::Client::new();
    for _ in 0..10 {
        let resp = http.get(format!("{url}/api/health")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Every trickling client is gone within the header deadline (1 s, with room to spare).
    let (streams, task) = keep_trickling;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    task.abort();
    let mut open = 0;
    for stream in &streams {
        if !closed_within(&mut *stream.lock().await, Duration::from_millis(500)).await {
            open += 1;
        }
    }
    assert_eq!(open, 0, "half-sent requests still held after the header deadline");
    assert!(closed_within(&mut slow_body, Duration::from_secs(2)).await, "an unfinished body is dropped");

    // Idle keep-alive: still usable after the header deadline, closed after the idle one.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    let request = b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
    idle.write_all(request).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
    tokio::time::sleep(Duration::from_millis(1800)).await;
    idle.write_all(request).await.unwrap();
    let n = idle.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "an idle connection outlives the header deadline");
    assert!(!closed_within(&mut idle, Duration::from_millis(2000)).await, "kept until the idle deadline");
    assert!(closed_within(&mut idle, Duration::from_millis(2500)).await, "closed after the idle deadline");

    drop(server);
}

#[tokio::test]
async fn past_max_connections_new_ones_wait_while_the_open_ones_are_served() {
    let db = TestDatabase::create(Backend::Sqlite).await;
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = start_logged(&db, &[("MAX_CONNECTIONS", "5"), ("HEADER_TIMEOUT", "30s")], log.path()).await;
    let url = server.url.clone();
    let addr = url.trim_start_matches("http://").to_owned();
    // start_logged's readiness probe held a connection for a moment: let it go.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    let request = b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut sixth = TcpStream::connect(&addr).await.unwrap();
    sixth.write_all(request).await.unwrap();
    let mut buf = [0u8; 4096];
    let waited = tokio::time::timeout(Duration::from_millis(1000), sixth.read(&mut buf)).await;
    assert!(waited.is_err(), "the sixth connection waits while five are open");

    // The open ones are served.
    held[0].write_all(request).await.unwrap();
    let n = held[0].read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));

    // One leaves; the waiting one is served.
    drop(held.remove(1));
    let n = tokio::time::timeout(Duration::from_secs(5), sixth.read(&mut buf)).await.unwrap().unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..n]));
    drop(server);
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let db = TestDatabase::create(Backend::Sqlite).await;
    let log = tempfile::NamedTempFile::new().unwrap();
    let metrics_port = free_port();
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let server = start_logged(&db, &[("METRICS_BIND", &metrics_bind)], log.path()).await;
    let url = server.url.clone();
    let http = reqwest::Client::new();
    for _ in 0..7 {
        assert_eq!(http.get(format!("{url}/api/posts")).send().await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(
        http.get(format!("{url}/api/posts/999")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(http.get(format!("{url}/feeds/new.atom")).send().await.unwrap().status(), StatusCode::OK);
    let member = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let body = json!({"username": "ada", "email": "ada@example.com", "password": "correct horse battery"});
    assert_eq!(
        member.post(format!("{url}/api/users")).json(&body).send().await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(member.get(format!("{url}/api/session")).send().await.unwrap().status(), StatusCode::OK);
    let public = http.get(format!("{url}/metrics")).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND, "never on the public listener");

    let resp = http.get(format!("http://{metrics_bind}/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = resp.text().await.unwrap();
    let value = |line_start: &str| -> f64 {
        let line = text
            .lines()
            .find(|line| line.starts_with(line_start))
            .unwrap_or_else(|| panic!("{line_start} in\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(value(r#"jtn_http_requests_total{route="list_posts",method="GET",status="200"}"#), 7.0);
    assert_eq!(value(r#"jtn_http_requests_total{route="get_post",method="GET",status="404"}"#), 1.0);
    assert_eq!(value(r#"jtn_http_requests_total{route="feed",method="GET",status="200"}"#), 1.0);
    assert_eq!(value(r#"jtn_http_requests_total{route="web",method="GET",status="404"}"#), 1.0);
    assert_eq!(value(r#"jtn_http_request_duration_seconds_count{route="list_posts"}"#), 7.0);
    assert_eq!(
        value(r#"jtn_cache_lookups_total{cache="answers",result="hit"}"#),
        6.0,
        "the first listing is read, six are kept"
    );
    assert_eq!(value(r#"jtn_sessions_resolved_total{outcome="live"}"#), 1.0);
    for name in ["jtn_bcrypt_queue_depth", "jtn_db_pool_in_use", "jtn_connections_open"] {
        assert!(text.contains(&format!("# TYPE {name} ")), "{name} in\n{text}");
    }
    assert!(text.trim_end().ends_with("# EOF"));
    drop(server);

    // METRICS_BIND on BIND's port is refused at start.
    let port = free_port();
    for metrics in [format!("127.0.0.1:{port}"), format!("0.0.0.0:{port}")] {
        let output = Command::new(env!("CARGO_BIN_EXE_just-tech-news"))
            .env("DATABASE_URL", &db.url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("METRICS_BIND", &metrics)
            .env("WEB_DIR", "")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{metrics}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("METRICS_BIND") && stderr.contains("must not be BIND"), "{stderr}");
    }
}

#[tokio::test]
async fn each_request_is_logged_once_with_its_id_and_nothing_secret() {
    for format in ["text", "json"] {
        let db = TestDatabase::create(Backend::Sqlite).await;
        let log = tempfile::NamedTempFile::new().unwrap();
        let outbox = tempfile::tempdir().unwrap();
        let outbox_dir = outbox.path().display().to_string();
        let env = [("LOG_FORMAT", format), ("MAIL_DIR", outbox_dir.as_str()), ("POST_RATE", "0")];
        let server = start_logged(&db, &env, log.path()).await;
        let url = server.url.clone();
        let (email, password, new_password) =
            ("secret.person@example.org", "hunter2-but-longer-pw", "another-long-secret-pw");
        let http = reqwest::Client::new();
        let mut ids = Vec::new();
        let mut send = async |request: reqwest::RequestBuilder| {
            let resp = request.send().await.unwrap();
            ids.push(resp.headers()["x-request-id"].to_str().unwrap().to_owned());
            resp
        };

        let signup = json!({"username": "secretive", "email": email, "password": password});
        let resp = send(http.post(format!("{url}/api/users")).json(&signup)).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let cookie = resp.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let token = cookie.split('=').nth(1).unwrap().to_owned();
        send(http.get(format!("{url}/api/session")).header("cookie", &cookie)).await;
        send(
            http.post(format!("{url}/api/posts"))
                .header("cookie", &cookie)
                .json(&json!({"title": "t", "post_url": "https://example.com/x"})),
        )
        .await;
        let wrong = json!({"email": email, "password": "wrong-password-123"});
        send(http.post(format!("{url}/api/users/login")).json(&wrong)).await;
        send(http.get(format!("{url}/api/users/{email}?password={password}&token={token}"))).await;
        send(http.get(format!("{url}/{email}/{token}"))).await;
        send(http.post(format!("{url}/api/password-resets")).json(&json!({"email": email}))).await;
        // The sign-up's verification mail and the reset mail: neither link may reach the log.
        for _ in 0..100 {
            if std::fs::read_dir(outbox.path()).unwrap().count() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // A file is there before it is whole.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mails: Vec<_> = std::fs::read_dir(outbox.path())
            .unwrap()
            .flatten()
            .map(|file| crate::harness::Mail::parse(&std::fs::read_to_string(file.path()).unwrap()))
            .collect();
        let (verification, reset): (Vec<_>, Vec<_>) = mails.iter().partition(|mail| mail.is_verification());
        let verify = verification.first().expect("the verification mail").link_token("/verify#token=");
        let reset = reset.first().expect("the reset mail").reset_token();
        send(http.get(format!("{url}/reset?token={reset}"))).await;
        let confirm = json!({"token": reset, "new_password": new_password});
        let resp = send(http.post(format!("{url}/api/password-resets/confirm")).json(&confirm)).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let login = json!({"email": email, "password": new_password});
        let resp = send(http.post(format!("{url}/api/users/login")).json(&login)).await;
        let new_token = resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .split('=')
            .nth(1)
            .unwrap()
            .to_owned();
        send(
            http.post(format!("{url}/api/users/logout"))
                .header("cookie", format!("jtn_session={new_token}"))
                .header("origin", &url),
        )
        .await;

        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(server);
        let text = std::fs::read_to_string(log.path()).unwrap();
        for secret in [
            email,
            "secret.person",
            password,
            new_password,
            &token,
            &new_token,
            &reset,
            &verify,
            "wrong-password-123",
        ] {
            assert!(!text.contains(secret), "{format}: {secret:?} reached the log:\n{text}");
        }
        let request_lines: Vec<&str> = text.lines().filter(|line| line.contains("jtn::request")).collect();
        assert_eq!(request_lines.len(), ids.len(), "{format}: one line per request:\n{text}");
        for id in &ids {
            assert_eq!(
                request_lines.iter().filter(|line| line.contains(id.as_str())).count(),
                1,
                "{format}: {id}"
            );
        }
        if format == "json" {
            for line in text.lines() {
                let entry: Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
                if entry["target"] == "jtn::request" {
                    assert!(entry["fields"]["status"].is_u64() && entry["fields"]["ms"].is_f64(), "{line}");
                    assert!(entry["span"]["id"].is_string(), "{line}");
                }
            }
        }
    }
}
