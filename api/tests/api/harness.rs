//! The one harness: [`each_backend`] runs a test body once per configured database, each time on
//! a brand-new database and a freshly built server.

use std::{
    future::Future,
    net::SocketAddr,
    sync::atomic::{AtomicU32, Ordering},
};

use just_tech_news::{AppState, Application, clock::Clock, config::Config};
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

/// The password the harness signs users up with; it passes the rules.
pub const PASSWORD: &str = "correct-horse-battery";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

/// The databases this run tests against: SQLite always, the servers whose URL is set. On CI
/// (`CI=true`) both server URLs are required: a missing one fails the run instead of skipping.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    for (var, backend) in [("TEST_POSTGRES_URL", Backend::Postgres), ("TEST_MYSQL_URL", Backend::MySql)] {
        match std::env::var(var) {
            Ok(url) if !url.is_empty() => backends.push(backend),
            _ if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("{var} must be set on CI: the suite runs on all three databases there")
            }
            _ => {}
        }
    }
    backends
}

/// Runs `test` once on every backend, each on its own fresh database and server.
pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    each_backend_with(|_| {}, test).await;
}

/// Like [`each_backend`], with a hook to change the configuration first.
pub async fn each_backend_with<C, F, Fut>(configure: C, test: F)
where
    C: Fn(&mut Config),
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    init_logs();
    for backend in backends() {
        let db = TestDatabase::create(backend).await;
        let outbox = tempfile::tempdir().unwrap();
        let mut config = test_config(&db.url);
        config.mail.dir = outbox.path().join("outbox");
        configure(&mut config);
        let app = TestApp::spawn(config, Some(db)).await;
        test(app).await;
        drop(outbox);
    }
}

/// The server's logs, shown with a failing test's output (`TEST_LOG=debug` for more).
fn init_logs() {
    let filter = std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

pub fn test_config(database_url: &str) -> Config {
    Config {
        database_url: database_url.to_owned(),
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: "http://127.0.0.1:3000".parse().unwrap(),
        web_dir: None,
        session_idle_timeout: std::time::Duration::from_secs(7 * 24 * 3600),
        session_absolute_timeout: std::time::Duration::from_secs(30 * 24 * 3600),
        bcrypt_cost: 4,
        login_max_failures_per_account: 10,
        login_max_failures_per_address: 100,
        login_window: std::time::Duration::from_secs(15 * 60),
        password_reset_max_per_address: 20,
        // No write limits but in the tests of them, which set their own.
        post_rate: None,
        comment_rate: None,
        vote_rate: None,
        signup_rate: None,
        registration: just_tech_news::config::Registration::Open,
        invite_min_age: std::time::Duration::ZERO,
        trust_proxy: false,
        require_verified_email: false,
        mail: just_tech_news::config::MailConfig {
            smtp: None,
            from: "Just Tech News <no-reply@127.0.0.1>".parse().unwrap(),
            // Tests that read mail set a folder of their own.
            dir: std::env::temp_dir().join("jtn-test-outbox"),
        },
        connections: just_tech_news::config::Limits {
            header_timeout: std::time::Duration::from_secs(10),
            body_timeout: std::time::Duration::from_secs(20),
            idle_timeout: std::time::Duration::from_secs(60),
            max_connections: 10_000,
        },
        metrics_bind: None,
        log_format: just_tech_news::config::LogFormat::Text,
        session_cache: 100_000,
        answer_cache_kib: 6144,
        // Never within a test but those of mail, which set their own: a round's statements would
        // be counted by the tests that count a request's.
        inbox_mail_every: std::time::Duration::from_secs(3600),
        clock: Clock::system(),
    }
}

/// A database made for one test, dropped when the test ends.
pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
    /// The server URL to administer this database through, and its name.
    pub admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        let name = format!(
            "jtn_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
        );
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Self { backend, url, admin: None, _dir: Some(dir) }
            }
            Backend::Postgres | Backend::MySql => {
                let var = if backend == Backend::Postgres { "TEST_POSTGRES_URL" } else { "TEST_MYSQL_URL" };
                let admin_url = std::env::var(var).unwrap();
                let admin = Database::connect(&admin_url)
                    .await
                    .unwrap_or_else(|err| panic!("{var} is set but unreachable: {err}"));
                let create = if backend == Backend::MySql {
                    format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                } else {
                    format!("CREATE DATABASE \"{name}\"")
                };
                admin.execute_unprepared(&create).await.unwrap();
                admin.close().await.unwrap();
                let url = replace_database(&admin_url, &name);
                Self { backend, url, admin: Some((admin_url, name)), _dir: None }
            }
        }
    }
}

/// `scheme://user@host:port/db?query` with `db` replaced.
fn replace_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("a database URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("(this failure was on {:?})", self.backend);
        }
        let Some((admin_url, name)) = self.admin.take() else {
            return;
        };
        let backend = self.backend;
        let drop = if backend == Backend::MySql {
            format!("DROP DATABASE IF EXISTS `{name}`")
        } else {
            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")
        };
        // Drop runs outside any runtime we may block: use a thread with its own. The server may
        // still hold a connection in a transaction (its background sweep) that the blocked
        // runtime cannot finish, so the database's connections are cut first: MariaDB's DROP
        // DATABASE would wait for that transaction's locks for ever.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    cut_connections(&admin, backend, &name).await;
                    let _ = admin.execute_unprepared(&drop).await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// Cuts every connection to the database `name`, as a restart or a failover of the database
/// server would, through `admin` (a connection to another database of the same server), and
/// waits (up to 5 s) until the server has let them all go.
pub async fn cut_connections(admin: &DatabaseConnection, backend: Backend, name: &str) {
    let (list, cut): (String, fn(i64) -> String) = match backend {
        Backend::Sqlite => return,
        Backend::Postgres => (
            format!(
                "SELECT pid::bigint FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ),
            |pid| format!("SELECT pg_terminate_backend({pid})"),
        ),
        Backend::MySql => {
            (format!("SELECT id FROM information_schema.processlist WHERE db = '{name}'"), |id| {
                format!("KILL {id}")
            })
        }
    };
    let listed = || async {
        let rows =
            admin.query_all_raw(Statement::from_string(admin.get_database_backend(), list.clone())).await;
        let rows = rows.expect("the connections to the database are listed");
        rows.iter().map(|row| row.try_get_by_index::<i64>(0).expect("a connection id")).collect::<Vec<_>>()
    };
    for connection in listed().await {
        // A connection that ended meanwhile is no longer there to cut.
        let _ = admin.execute_unprepared(&cut(connection)).await;
    }
    for _ in 0..100 {
        if listed().await.is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A running server on its own database.
pub struct TestApp {
    pub address: SocketAddr,
    pub clock: Clock,
    pub config: Config,
    /// The server's own connection pool (closing it makes the database "unreachable").
    pub state: AppState,
    /// A separate connection for looking at what the server wrote.
    pub db: DatabaseConnection,
    /// The database this app owns (dropped with it); `None` for a second instance on another's.
    pub database: Option<TestDatabase>,
    /// Every SQL statement the server has run, in order.
    pub statements: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn spawn(config: Config, database: Option<TestDatabase>) -> Self {
        let statements = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = statements.clone();
        let log: just_tech_news::db::StatementLog =
            std::sync::Arc::new(move |sql| log.lock().unwrap().push(sql.to_owned()));
        let app = Application::build_logged(config.clone(), Some(log)).await.expect("the application starts");
        let address = app.local_addr();
        let state = app.state().clone();
        let server = tokio::spawn(async move {
            app.run_until(std::future::pending()).await.unwrap();
        });
        let db = Database::connect(&config.database_url).await.unwrap();
        Self { address, clock: config.clock.clone(), config, state, db, database, statements, server }
    }

    /// The SQL statements the server ran while `work` ran, but for the change counter's: read
    /// by every request that may be answered from memory and advanced by every write, on a
    /// database server (`db::counter`), and never part of what a test counts.
    pub async fn statements_during<F: Future>(&self, work: F) -> (F::Output, Vec<String>) {
        self.statements.lock().unwrap().clear();
        let output = work.await;
        let mut statements = std::mem::take(&mut *self.statements.lock().unwrap());
        let counter = [
            "SELECT (SELECT n FROM changes",
            "SELECT (SELECT last_value FROM changes)",
            "UPDATE changes ",
            "SELECT nextval('changes')",
        ];
        statements.retain(|sql| !counter.iter().any(|start| sql.starts_with(start)));
        (output, statements)
    }

    /// Stops this server and starts a new one on the same database (and the same clock).
    pub async fn restart(self) -> Self {
        self.server.abort();
        let _ = self.server.await;
        let Self { config, database, .. } = self;
        Self::spawn(config, database).await
    }

    /// A second server instance on this app's database, as behind a load balancer.
    pub async fn sibling(&self) -> TestApp {
        Self::spawn(self.config.clone(), None).await
    }

    /// The owned test database.
    pub fn test_database(&self) -> &TestDatabase {
        self.database.as_ref().expect("this app owns its database")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A new browser: its own cookie jar.
    pub fn client(&self) -> Client {
        Client {
            inner: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.url(""),
        }
    }

    /// A new browser whose cookie jar already holds `token` (planted by someone else).
    pub fn client_with_cookie(&self, token: &str) -> Client {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str(&format!("jtn_session={token}; Path=/"), &self.url("/").parse().unwrap());
        Client { inner: reqwest::Client::builder().cookie_provider(jar).build().unwrap(), base: self.url("") }
    }

    /// A new browser, signed up (and so logged in) as `username`.
    pub async fn signed_up(&self, username: &str) -> (Client, i64) {
        let client = self.client();
        let resp = client.sign_up(username, &format!("{username}@example.com"), PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "sign-up of {username}");
        let body: Value = resp.json().await.unwrap();
        (client, body["id"].as_i64().unwrap())
    }

    /// A new browser, signed up as `username` and given `role` the way the command line does it
    /// (before the session is first used, so nothing cached knows the old role).
    pub async fn signed_up_as(&self, username: &str, role: &str) -> (Client, i64) {
        let (client, id) = self.signed_up(username).await;
        let role = role.parse().unwrap();
        let granted = just_tech_news::services::moderation::grant(&self.state, username, role).await.unwrap();
        assert!(granted.is_some(), "{username} exists");
        (client, id)
    }

    /// The number of rows in `table`, read straight from the database.
    pub async fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT COUNT(*) FROM {table}")).await
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self.db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }

    /// Every `table.column` of the database with a text value that holds `secret` (letters,
    /// digits, `-` and `_` only): to show a secret is stored only as its hash, whatever the table.
    pub async fn columns_holding(&self, secret: &str) -> Vec<String> {
        assert!(secret.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)), "{secret}");
        let backend = self.db.get_database_backend();
        let (columns, holds) = match backend {
            sea_orm::DatabaseBackend::Sqlite => (
                "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table'",
                "instr(CAST(\"{c}\" AS TEXT), '{s}') > 0",
            ),
            sea_orm::DatabaseBackend::Postgres => (
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() \
                 AND data_type IN ('text', 'character varying', 'character')",
                "strpos(\"{c}\", '{s}') > 0",
            ),
            _ => (
                "SELECT CAST(table_name AS CHAR), CAST(column_name AS CHAR) FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND data_type IN ('char', 'varchar', 'text', 'mediumtext', 'longtext')",
                "LOCATE('{s}', `{c}`) > 0",
            ),
        };
        let rows = self.db.query_all_raw(Statement::from_string(backend, columns)).await.unwrap();
        let mut holding = Vec::new();
        for row in rows {
            let (table, column): (String, String) =
                (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap());
            let quoted = if backend == sea_orm::DatabaseBackend::MySql {
                format!("`{table}`")
            } else {
                format!("\"{table}\"")
            };
            let condition = holds.replace("{c}", &column).replace("{s}", secret);
            if self.scalar(&format!("SELECT COUNT(*) FROM {quoted} WHERE {condition}")).await > 0 {
                holding.push(format!("{table}.{column}"));
            }
        }
        holding
    }
}

/// A browser: a cookie-keeping HTTP client pointed at one server.
#[derive(Clone)]
pub struct Client {
    pub inner: reqwest::Client,
    base: String,
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.inner.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.inner.post(self.url(path)).json(body).send().await.unwrap()
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.inner.put(self.url(path)).json(body).send().await.unwrap()
    }

    pub async fn delete_json(&self, path: &str, body: &Value) -> Response {
        self.inner.delete(self.url(path)).json(body).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.inner.delete(self.url(path)).send().await.unwrap()
    }

    pub async fn sign_up(&self, username: &str, email: &str, password: &str) -> Response {
        self.post("/api/users", &json!({"username": username, "email": email, "password": password})).await
    }

    pub async fn log_in(&self, email: &str, password: &str) -> Response {
        self.post("/api/users/login", &json!({"email": email, "password": password})).await
    }

    pub async fn log_out(&self) -> Response {
        self.inner.post(self.url("/api/users/logout")).send().await.unwrap()
    }

    /// `GET /api/session`'s body, asserting it answered 200.
    pub async fn session(&self) -> Value {
        let resp = self.get("/api/session").await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    pub async fn logged_in_as(&self) -> Option<String> {
        let session = self.session().await;
        session["logged_in"]
            .as_bool()
            .unwrap()
            .then(|| session["user"]["username"].as_str().unwrap().to_owned())
    }
}

/// The session token in a response's `Set-Cookie`, if it sets a non-empty one.
pub fn issued_token(resp: &Response) -> Option<String> {
    resp.headers().get_all("set-cookie").iter().find_map(|value| {
        let value = value.to_str().ok()?;
        let token = value.strip_prefix("jtn_session=")?.split(';').next()?;
        (!token.is_empty()).then(|| token.to_owned())
    })
}

/// A response's single `Set-Cookie` value.
pub fn set_cookie(resp: &Response) -> String {
    let all: Vec<_> = resp.headers().get_all("set-cookie").iter().collect();
    assert_eq!(all.len(), 1, "expected exactly one Set-Cookie, got {all:?}");
    all[0].to_str().unwrap().to_owned()
}

/// Asserts the response is our JSON error with this status and code; returns the body.
pub async fn assert_error(resp: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(resp.status(), status, "status");
    let content_type = resp.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/json"), "content type {content_type}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], code, "body {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "a message in {body}");
    body
}

/// The subject of the mail that asks a person to prove an address is theirs (DESIGN.md section
/// 23): sent by every sign-up, and again on request.
pub const VERIFICATION_SUBJECT: &str = "Confirm your e-mail address for Just Tech News";

impl TestApp {
    /// Every mail written to this server's outbox so far, oldest first, their bodies decoded. A
    /// file still being written (every sign-up writes one, so one may be at any moment) is left
    /// out until it is whole; [`TestApp::mails`] reads again once no more come.
    pub fn all_mails(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(&self.config.mail.dir) else { return Vec::new() };
        let mut mails: Vec<(std::time::SystemTime, Mail)> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
            .filter_map(|entry| {
                let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
                Some((modified, Mail::try_parse(&std::fs::read_to_string(entry.path()).ok()?)?))
            })
            .collect();
        mails.sort_by_key(|(modified, _)| *modified);
        mails.into_iter().map(|(_, mail)| mail).collect()
    }

    /// The mails in the outbox but the verification mails ([`VERIFICATION_SUBJECT`]): every
    /// sign-up sends one, and the tests that count mails count those their own actions send
    /// (resets, notifications, address changes). [`TestApp::verification_mails`] counts the rest.
    pub fn outbox(&self) -> Vec<Mail> {
        self.all_mails().into_iter().filter(|mail| !mail.is_verification()).collect()
    }

    /// Waits (up to 10 s) until the [`TestApp::outbox`] holds `count` mails, then a little longer
    /// to see that no more come; answers them all.
    pub async fn mails(&self, count: usize) -> Vec<Mail> {
        self.settled(count, "mails in the outbox (but verification mails)", || self.outbox()).await
    }

    /// Like [`TestApp::mails`], for the verification mails alone.
    pub async fn verification_mails(&self, count: usize) -> Vec<Mail> {
        let verifications = || self.all_mails().into_iter().filter(Mail::is_verification).collect();
        self.settled(count, "verification mails in the outbox", verifications).await
    }

    async fn settled(&self, count: usize, what: &str, mails: impl Fn() -> Vec<Mail>) -> Vec<Mail> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while mails().len() < count && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let mails = mails();
        assert_eq!(mails.len(), count, "{what}: {mails:#?}");
        mails
    }
}

/// A mail as the outbox holds it.
#[derive(Debug)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// The body, its transfer encoding undone.
    pub body: String,
}

impl Mail {
    /// A message as a file holds it (CRLF line ends as lettre writes it, LF as a maildir may).
    pub fn parse(raw: &str) -> Self {
        Self::try_parse(raw).expect("headers, a blank line, a body")
    }

    /// Like [`Mail::parse`]; `None` for what is not (yet) a whole message.
    pub fn try_parse(raw: &str) -> Option<Self> {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n")?;
        let header = |name: &str| {
            head.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(": ").map(str::to_owned))
                .unwrap_or_default()
        };
        let body = if header("Content-Transfer-Encoding") == "quoted-printable" {
            let decoded = quoted_printable::decode(body, quoted_printable::ParseMode::Robust).ok()?;
            String::from_utf8(decoded).ok()?
        } else {
            body.to_owned()
        };
        Some(Self { to: header("To"), subject: header("Subject"), body })
    }

    /// The token of the reset link in this mail.
    pub fn reset_token(&self) -> String {
        self.link_token("/reset#token=")
    }

    /// The token of the link in this mail whose path and fragment start with `start`, such as
    /// `"/verify#token="` or `"/confirm-email#token="`.
    pub fn link_token(&self, start: &str) -> String {
        let at =
            self.body.find(start).unwrap_or_else(|| panic!("a {start} link in {}", self.body)) + start.len();
        self.body[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || "-_".contains(*c)).collect()
    }

    /// Whether this is a mail asking to prove an address ([`VERIFICATION_SUBJECT`]).
    pub fn is_verification(&self) -> bool {
        self.subject == VERIFICATION_SUBJECT
    }
}
