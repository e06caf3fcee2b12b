//! Every setting, read from environment variables, with the defaults of DESIGN.md section 2.

use std::{env, net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

mod mail;
mod rate;

pub use mail::{MailConfig, SmtpUrl};
pub use rate::Rate;

use crate::clock::Clock;

/// How the server is configured. Build it with [`Config::from_env`]; tests change fields directly.
#[derive(Clone, Debug)]
pub struct Config {
    /// `sqlite:`, `postgres:` or `mysql:` URL.
    pub database_url: String,
    /// Address to listen on; port 0 picks a free one.
    pub bind: SocketAddr,
    /// The site's origin as browsers see it (scheme, host and port, no path).
    pub public_url: url::Url,
    /// The static frontend served at `/`; `None` serves the API only.
    pub web_dir: Option<PathBuf>,
    /// A session unused for this long is dead.
    pub session_idle_timeout: Duration,
    /// A session this old is dead, however active.
    pub session_absolute_timeout: Duration,
    /// bcrypt's work factor.
    pub bcrypt_cost: u32,
    /// Failed logins allowed per account within [`Config::login_window`].
    pub login_max_failures_per_account: u64,
    /// Failed logins allowed per client address within [`Config::login_window`].
    pub login_max_failures_per_address: u64,
    /// The window over which failed logins are counted.
    pub login_window: Duration,
    /// Password reset requests allowed per client address within 15 minutes.
    pub password_reset_max_per_address: u64,
    /// Posts per user (`POST_RATE`); `None` for no limit.
    pub post_rate: Option<Rate>,
    /// Comments per user (`COMMENT_RATE`).
    pub comment_rate: Option<Rate>,
    /// Votes per user (`VOTE_RATE`).
    pub vote_rate: Option<Rate>,
    /// Sign-ups per client address (`SIGNUP_RATE`).
    pub signup_rate: Option<Rate>,
    /// Who may sign up (`REGISTRATION`).
    pub registration: Registration,
    /// How old an account must be to create invitations (`INVITE_MIN_AGE`).
    pub invite_min_age: Duration,
    /// Take the client address from the last entry of `X-Forwarded-For`, the one the proxy in
    /// front appended (only behind a proxy you trust, through which every request passes);
    /// otherwise the TCP peer is the client.
    pub trust_proxy: bool,
    /// Refuse posts and comments from people whose address is not verified
    /// (`REQUIRE_VERIFIED_EMAIL`, DESIGN.md section 23).
    pub require_verified_email: bool,
    /// Where mail goes (`SMTP_URL`, `MAIL_FROM`, `MAIL_DIR`).
    pub mail: MailConfig,
    /// Deadlines for what clients send, and the cap on connections (`HEADER_TIMEOUT`,
    /// `BODY_TIMEOUT`, `IDLE_TIMEOUT`, `MAX_CONNECTIONS`).
    pub connections: Limits,
    /// Where Prometheus metrics are served (`METRICS_BIND`); `None` (the default) serves none.
    /// Never the public listener.
    pub metrics_bind: Option<SocketAddr>,
    /// How log lines are written (`LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Live sessions cached at most (`SESSION_CACHE`), on an embedded database; 0 caches none.
    pub session_cache: usize,
    /// KiB of rendered answers cached at most (`ANSWER_CACHE_KIB`); 0 caches none.
    pub answer_cache_kib: usize,
    /// How often new notifications are looked for to be mailed (20 s; tests make it shorter).
    pub inbox_mail_every: Duration,
    /// The source of "now"; tests move it forward instead of sleeping.
    pub clock: Clock,
}

/// How long clients may take, and how many may be connected at once (DESIGN.md section 18).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `HEADER_TIMEOUT`: a request's headers, from its first byte.
    pub header_timeout: Duration,
    /// `BODY_TIMEOUT`: a request's body, from its headers.
    pub body_timeout: Duration,
    /// `IDLE_TIMEOUT`: a keep-alive connection between requests.
    pub idle_timeout: Duration,
    /// `MAX_CONNECTIONS`: connections served at once.
    pub max_connections: usize,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One line of text each.
    Text,
    /// One JSON object per line.
    Json,
}

impl FromStr for LogFormat {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err("must be text or json"),
        }
    }
}

/// Who may sign up (DESIGN.md section 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// Anyone.
    Open,
    /// Only with an invitation code.
    Invite,
    /// Nobody.
    Closed,
}

impl FromStr for Registration {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "open" => Ok(Self::Open),
            "invite" => Ok(Self::Invite),
            "closed" => Ok(Self::Closed),
            _ => Err("must be open, invite or closed"),
        }
    }
}

/// A setting that could not be understood; the server refuses to start.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct ConfigError {
    name: &'static str,
    reason: String,
}

impl Config {
    /// Reads the environment (and a `.env` file, if there is one).
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        let public_url: url::Url = parse("PUBLIC_URL", "http://127.0.0.1:3000")?;
        if !matches!(public_url.scheme(), "http" | "https") || public_url.host().is_none() {
            return Err(ConfigError {
                name: "PUBLIC_URL",
                reason: "must be an http:// or https:// origin".into(),
            });
        }
        let web_dir = var("WEB_DIR").unwrap_or_else(|| "web".into());
        let bind: SocketAddr = parse("BIND", "127.0.0.1:3000")?;
        let metrics_bind = match var("METRICS_BIND").filter(|v| !v.trim().is_empty()) {
            Some(_) => Some(parse::<SocketAddr>("METRICS_BIND", "")?),
            None => None,
        };
        if let Some(metrics) = metrics_bind
            && overlaps(metrics, bind)
        {
            return Err(ConfigError {
                name: "METRICS_BIND",
                reason: format!("must not be BIND ({bind}): metrics are never served on the public listener"),
            });
        }
        let mail_from = match var("MAIL_FROM") {
            Some(from) => parse("MAIL_FROM", &from)?,
            None => default_sender(&public_url)?,
        };
        Ok(Self {
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/just-tech-news.db?mode=rwc".into()),
            bind,
            public_url,
            web_dir: (!web_dir.is_empty()).then(|| PathBuf::from(web_dir)),
            session_idle_timeout: duration("SESSION_IDLE_TIMEOUT", "7d")?,
            session_absolute_timeout: duration("SESSION_ABSOLUTE_TIMEOUT", "30d")?,
            bcrypt_cost: parse("BCRYPT_COST", "12")?,
            login_max_failures_per_account: parse("LOGIN_MAX_FAILURES_PER_ACCOUNT", "10")?,
            login_max_failures_per_address: parse("LOGIN_MAX_FAILURES_PER_ADDRESS", "100")?,
            login_window: duration("LOGIN_WINDOW", "15m")?,
            password_reset_max_per_address: parse("PASSWORD_RESET_MAX_PER_ADDRESS", "20")?,
            post_rate: rate("POST_RATE", "10/h")?,
            comment_rate: rate("COMMENT_RATE", "60/h")?,
            vote_rate: rate("VOTE_RATE", "600/h")?,
            signup_rate: rate("SIGNUP_RATE", "20/h")?,
            registration: parse("REGISTRATION", "open")?,
            invite_min_age: duration("INVITE_MIN_AGE", "7d")?,
            trust_proxy: parse("TRUST_PROXY", "false")?,
            require_verified_email: parse("REQUIRE_VERIFIED_EMAIL", "false")?,
            mail: MailConfig {
                smtp: var("SMTP_URL")
                    .filter(|url| !url.trim().is_empty())
                    .map(|url| url.trim().parse::<SmtpUrl>())
                    .transpose()
                    .map_err(|reason| ConfigError { name: "SMTP_URL", reason })?,
                from: mail_from,
                dir: PathBuf::from(var("MAIL_DIR").unwrap_or_else(|| "data/outbox".into())),
            },
            connections: Limits {
                header_timeout: positive("HEADER_TIMEOUT", "10s")?,
                body_timeout: positive("BODY_TIMEOUT", "20s")?,
                idle_timeout: positive("IDLE_TIMEOUT", "60s")?,
                max_connections: match parse("MAX_CONNECTIONS", "10000")? {
                    n @ 1..=1_000_000 => n,
                    _ => {
                        return Err(ConfigError {
                            name: "MAX_CONNECTIONS",
                            reason: "must be from 1 to 1000000".into(),
                        });
                    }
                },
            },
            metrics_bind,
            log_format: parse("LOG_FORMAT", "text")?,
            session_cache: parse("SESSION_CACHE", "100000")?,
            answer_cache_kib: parse("ANSWER_CACHE_KIB", "6144")?,
            inbox_mail_every: Duration::from_secs(20),
            clock: Clock::system(),
        })
    }

    /// Whether cookies must be `Secure` (and so may use the `__Host-` prefix).
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

/// `Just Tech News <no-reply@HOST>`, HOST being `PUBLIC_URL`'s.
fn default_sender(public_url: &url::Url) -> Result<lettre::message::Mailbox, ConfigError> {
    let host = public_url.host_str().unwrap_or("localhost").trim_start_matches('[').trim_end_matches(']');
    format!("Just Tech News <no-reply@{host}>").parse().map_err(|err| ConfigError {
        name: "MAIL_FROM",
        reason: format!("set it: no default sender can be made from PUBLIC_URL's host ({err})"),
    })
}

fn var(name: &str) -> Option<String> {
    env::var(name).ok()
}

fn parse<T: FromStr>(name: &'static str, default: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let raw = var(name).unwrap_or_else(|| default.into());
    raw.trim()
        .parse()
        .map_err(|err: T::Err| ConfigError { name, reason: format!("cannot use {raw:?}: {err}") })
}

fn rate(name: &'static str, default: &str) -> Result<Option<Rate>, ConfigError> {
    let raw = var(name).unwrap_or_else(|| default.into());
    Rate::setting(&raw).map_err(|reason| ConfigError { name, reason })
}

/// Whether two listening addresses would take the same port (one of them on every interface).
fn overlaps(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port()
        && a.port() != 0
        && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}

/// A duration above zero.
fn positive(name: &'static str, default: &str) -> Result<Duration, ConfigError> {
    match duration(name, default)? {
        Duration::ZERO => Err(ConfigError { name, reason: "must be above zero".into() }),
        length => Ok(length),
    }
}

fn duration(name: &'static str, default: &str) -> Result<Duration, ConfigError> {
    let raw = var(name).unwrap_or_else(|| default.into());
    humantime::parse_duration(raw.trim()).map_err(|err| ConfigError {
        name,
        reason: format!("cannot use {raw:?} as a duration (like 7d or 15m): {err}"),
    })
}
