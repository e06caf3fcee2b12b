//! Where mail goes (`SMTP_URL`, `MAIL_FROM`, `MAIL_DIR`).

use std::{fmt, path::PathBuf};

use lettre::message::Mailbox;

/// An SMTP server to send through: `smtp://host:port` (plain, for a relay beside the server),
/// `smtp+starttls://user:pass@host:port` or `smtps://user:pass@host:port`. Its `Debug` never
/// shows the password.
#[derive(Clone)]
pub struct SmtpUrl(url::Url);

impl SmtpUrl {
    /// The URL, credentials included: only for making the connection.
    pub fn url(&self) -> &url::Url {
        &self.0
    }
}

impl std::str::FromStr for SmtpUrl {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let url = url::Url::parse(raw).map_err(|err| format!("not a URL ({err})"))?;
        if !matches!(url.scheme(), "smtp" | "smtp+starttls" | "smtps") {
            return Err("the scheme must be smtp://, smtp+starttls:// or smtps://".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("it must name a host".into());
        }
        if url.scheme() == "smtp" && !url.username().is_empty() {
            return Err(
                "smtp:// is unencrypted: give credentials only with smtp+starttls:// or smtps://".into()
            );
        }
        Ok(Self(url))
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.0.host_str().unwrap_or_default();
        let port = self.0.port().map(|port| format!(":{port}")).unwrap_or_default();
        write!(f, "{}://{host}{port}", self.0.scheme())
    }
}

/// Where mail goes and whom it is from.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// `None`: mails are written as `.eml` files into `dir` instead.
    pub smtp: Option<SmtpUrl>,
    pub from: Mailbox,
    pub dir: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_smtp_url_never_shows_its_password() {
        let url: SmtpUrl = "smtps://mailer:hunter2@mail.example.com:465".parse().unwrap();
        let shown = format!("{url:?}");
        assert_eq!(shown, "smtps://mail.example.com:465");
        assert!(!shown.contains("hunter2") && !shown.contains("mailer"));
    }

    #[test]
    fn only_the_three_schemes_with_a_host_are_smtp_urls() {
        for good in
            ["smtp://127.0.0.1:2525", "smtp+starttls://u:p@relay.example.com", "smtps://u:p@[::1]:465"]
        {
            assert!(good.parse::<SmtpUrl>().is_ok(), "{good}");
        }
        for bad in ["http://mail.example.com", "smtp://", "mail.example.com:25", "smtp://user:pass@relay:25"]
        {
            assert!(bad.parse::<SmtpUrl>().is_err(), "{bad}");
        }
    }
}
