//! Mail through a real SMTP server on loopback (Python's aiosmtpd, which `.ci/run` installs as
//! Debian's `python3-aiosmtpd`): the reset and verification links arrive and work, and a server
//! that is down at first gets the mail once it is up, because sending is retried.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    harness::{Backend, Mail, PASSWORD, TestApp, TestDatabase, test_config},
    inbox::comment,
    posts::post,
    process::{free_port, start_with},
};

/// A Python that has aiosmtpd: `JTN_SMTP_PYTHON`, Debian's `/usr/bin/python3`, or `python3`.
/// Without one the tests say so and pass, except on CI (`CI=true`), where they fail.
fn smtp_python() -> Option<String> {
    let candidates =
        std::env::var("JTN_SMTP_PYTHON").into_iter().chain(["/usr/bin/python3".into(), "python3".into()]);
    for python in candidates {
        let found = Command::new(&python).args(["-c", "import aiosmtpd"]).stderr(Stdio::null()).status();
        if found.is_ok_and(|status| status.success()) {
            return Some(python);
        }
    }
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "no Python with aiosmtpd: install python3-aiosmtpd (Debian) or set JTN_SMTP_PYTHON"
    );
    eprintln!("SKIPPED: no Python with aiosmtpd (apt-get install python3-aiosmtpd)");
    None
}

/// aiosmtpd delivering every mail into a maildir.
struct SmtpServer {
    child: Child,
    maildir: PathBuf,
}

impl SmtpServer {
    fn start(python: &str, port: u16, maildir: &Path) -> Self {
        let mut child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Self { child, maildir: maildir.to_owned() };
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start listening");
    }

    /// Waits (up to `within`) for the first mail delivered but the verification mails every
    /// sign-up sends (as [`TestApp::outbox`] leaves them out).
    async fn first_mail(&self, within: Duration) -> Mail {
        self.first_mail_where(within, |mail| !mail.is_verification()).await
    }

    /// Waits (up to `within`) for the first mail delivered that `wanted` picks.
    async fn first_mail_where(&self, within: Duration, wanted: impl Fn(&Mail) -> bool) -> Mail {
        let deadline = std::time::Instant::now() + within;
        loop {
            let delivered = std::fs::read_dir(self.maildir.join("new"))
                .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect::<Vec<_>>())
                .unwrap_or_default();
            let mut mails = delivered.iter().map(|path| Mail::parse(&std::fs::read_to_string(path).unwrap()));
            if let Some(mail) = mails.find(|mail| wanted(mail)) {
                return mail;
            }
            assert!(std::time::Instant::now() < deadline, "no such mail reached the SMTP server");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn ask_reset(http: &reqwest::Client, url: &str) -> StatusCode {
    let body = json!({ "email": "ada@example.com" });
    http.post(format!("{url}/api/password-resets")).json(&body).send().await.unwrap().status()
}

async fn sign_up_ada(http: &reqwest::Client, url: &str) {
    let body = json!({ "username": "ada", "email": "ada@example.com", "password": PASSWORD });
    let resp = http.post(format!("{url}/api/users")).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_reset_link_arrives_through_a_real_smtp_server_and_works() {
    let Some(python) = smtp_python() else { return };
    let folder = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = SmtpServer::start(&python, port, &folder.path().join("maildir"));
    let db = TestDatabase::create(Backend::Sqlite).await;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let env = [("SMTP_URL", smtp_url.as_str()), ("MAIL_FROM", "Just Tech News <news@example.org>")];
    let server = start_with(&db.url, 4, &env).await;
    let http = reqwest::Client::new();
    sign_up_ada(&http, &server.url).await;

    assert_eq!(ask_reset(&http, &server.url).await, StatusCode::ACCEPTED);
    let mail = smtp.first_mail(Duration::from_secs(10)).await;
    assert_eq!(mail.to, "ada@example.com");
    assert!(mail.body.contains(&format!("{}/reset#token=", server.url)), "{}", mail.body);

    let confirm = json!({ "token": mail.reset_token(), "new_password": "a-brand-new-secret-42" });
    let resp =
        http.post(format!("{}/api/password-resets/confirm", server.url)).json(&confirm).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let login = json!({ "email": "ada@example.com", "password": "a-brand-new-secret-42" });
    let resp = http.post(format!("{}/api/users/login", server.url)).json(&login).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_mail_server_that_comes_up_late_still_gets_the_mail() {
    let Some(python) = smtp_python() else { return };
    let folder = tempfile::tempdir().unwrap();
    let port = free_port();
    let db = TestDatabase::create(Backend::Sqlite).await;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let server = start_with(&db.url, 4, &[("SMTP_URL", smtp_url.as_str())]).await;
    let http = reqwest::Client::new();
    sign_up_ada(&http, &server.url).await;

    // Nothing listens yet: the answer is the same, and the send is retried.
    assert_eq!(ask_reset(&http, &server.url).await, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let smtp = SmtpServer::start(&python, port, &folder.path().join("maildir"));
    let mail = smtp.first_mail(Duration::from_secs(20)).await;
    assert_eq!(mail.to, "ada@example.com");
    assert!(mail.body.contains("/reset#token="));
}

#[tokio::test]
async fn a_notification_is_mailed_through_a_real_smtp_server() {
    let Some(python) = smtp_python() else { return };
    let folder = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = SmtpServer::start(&python, port, &folder.path().join("maildir"));
    let db = TestDatabase::create(Backend::Sqlite).await;
    let mut config = test_config(&db.url);
    config.mail.smtp = Some(format!("smtp://127.0.0.1:{port}").parse().unwrap());
    config.inbox_mail_every = crate::inbox::MAIL_ROUNDS;
    let app = TestApp::spawn(config, Some(db)).await;
    let (ada, _) = app.signed_up("ada").await;
    let (bob, _) = app.signed_up("bob").await;
    let resp = ada.put("/api/users/me/settings", &json!({"email_notifications": true})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let story = post(&ada, "Ada story").await["id"].as_i64().unwrap();
    let said = comment(&bob, story, None, "well said, @ada").await;

    let mail = smtp.first_mail(Duration::from_secs(10)).await;
    assert_eq!(mail.to, "ada@example.com");
    assert!(mail.subject.starts_with("bob commented on your post"), "{}", mail.subject);
    let link = format!("http://127.0.0.1:3000/post/{story}#comment-{said}");
    assert!(mail.body.split_whitespace().any(|word| word == link), "{}", mail.body);
}

#[tokio::test]
async fn a_verification_link_arrives_through_a_real_smtp_server_and_works() {
    let Some(python) = smtp_python() else { return };
    let folder = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = SmtpServer::start(&python, port, &folder.path().join("maildir"));
    let db = TestDatabase::create(Backend::Sqlite).await;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let server = start_with(&db.url, 4, &[("SMTP_URL", smtp_url.as_str())]).await;
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    sign_up_ada(&http, &server.url).await;

    let mail = smtp.first_mail_where(Duration::from_secs(10), Mail::is_verification).await;
    assert_eq!(mail.to, "ada@example.com");
    let token = mail.link_token("/verify#token=");
    assert!(mail.body.contains(&format!("{}/verify#token={token}", server.url)), "{}", mail.body);
    let verify = json!({ "token": token });
    let resp =
        http.post(format!("{}/api/users/me/email/verify", server.url)).json(&verify).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let session: serde_json::Value =
        http.get(format!("{}/api/session", server.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(session["user"]["email_verified"], true, "{session}");
}
