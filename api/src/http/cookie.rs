//! The session cookie: its name, its attributes, and reading it back.

use std::time::Duration;

use poem::Request;

use crate::{config::Config, domain::SessionToken};

/// Builds and reads the session cookie for one configuration.
#[derive(Clone, Debug)]
pub struct SessionCookie {
    name: &'static str,
    secure: bool,
    max_age: Duration,
}

impl SessionCookie {
    pub fn new(config: &Config) -> Self {
        let secure = config.is_https();
        Self {
            name: if secure { "__Host-jtn_session" } else { "jtn_session" },
            secure,
            max_age: config.session_absolute_timeout,
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The `Set-Cookie` value that hands a browser its token.
    pub fn issue(&self, token: &SessionToken) -> String {
        self.render(token.expose(), self.max_age.as_secs())
    }

    /// The `Set-Cookie` value that makes a browser drop the cookie: same name and attributes.
    pub fn expire(&self) -> String {
        self.render("", 0)
    }

    fn render(&self, value: &str, max_age: u64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{secure}", self.name)
    }

    /// What the request's `Cookie` headers hold under our name: absent, or present (and maybe
    /// not a token at all).
    pub fn read(&self, req: &Request) -> Presented {
        let mut found = Presented::Absent;
        for header in req.headers().get_all(poem::http::header::COOKIE) {
            let Ok(header) = header.to_str() else {
                continue;
            };
            for pair in header.split(';') {
                if let Some((name, value)) = pair.trim().split_once('=')
                    && name == self.name
                {
                    match SessionToken::parse(value.trim_matches('"')) {
                        Some(token) => return Presented::Token(token),
                        None => found = Presented::Malformed,
                    }
                }
            }
        }
        found
    }
}

/// A session cookie as the browser presented it.
#[derive(Debug, Clone)]
pub enum Presented {
    Absent,
    Malformed,
    Token(SessionToken),
}
