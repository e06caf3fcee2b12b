//! Mail (DESIGN.md section 16): SMTP to `SMTP_URL`, or `.eml` files in `MAIL_DIR` when no SMTP
//! server is configured.
//!
//! Sending never holds up a request. A handler hands a [`Letter`] to the [`Postbox`], which puts
//! it in a bounded queue; one task per server takes letters off it and sends each, retrying a
//! failed send with growing pauses. The log says where a mail went (the outbox file, or that the
//! relay took it) and why a send failed — never to whom or what it said.

use std::{path::PathBuf, time::Duration};

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, SinglePart, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use tokio::sync::mpsc;

use crate::config::MailConfig;

/// How many letters may wait to be sent; past that a letter is dropped (and logged), so a mail
/// server that is down cannot make the queue grow without bound.
const QUEUE: usize = 1024;

/// The pauses before each retry of a failed send: about two minutes in all.
const RETRY_PAUSES: [Duration; 6] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(5),
    Duration::from_secs(10),
    Duration::from_secs(30),
    Duration::from_secs(60),
];

/// One plain-text mail to one address.
pub struct Letter {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Hands letters to the sending task. Cloned freely; the task ends when the last clone goes.
#[derive(Clone)]
pub struct Postbox {
    queue: mpsc::Sender<Letter>,
}

impl Postbox {
    /// Starts the sending task (on the current Tokio runtime).
    pub fn start(config: &MailConfig) -> Self {
        let (queue, letters) = mpsc::channel(QUEUE);
        let postman = Postman { transport: Transport::new(config), from: config.from.clone() };
        tokio::spawn(postman.deliver(letters));
        Self { queue }
    }

    /// Queues `letter` to be sent; returns at once.
    pub fn post(&self, letter: Letter) {
        if self.queue.try_send(letter).is_err() {
            tracing::error!("the mail queue is full; a mail was dropped");
        }
    }
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Dir(PathBuf),
    /// `SMTP_URL` could not be made into a transport (say, a TLS library error); every send fails
    /// and says why.
    Broken(String),
}

impl Transport {
    fn new(config: &MailConfig) -> Self {
        match &config.smtp {
            None => Self::Dir(config.dir.clone()),
            Some(url) => match smtp(url.url()) {
                Ok(transport) => Self::Smtp(transport),
                Err(err) => Self::Broken(err.to_string()),
            },
        }
    }
}

fn smtp(url: &url::Url) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    type Smtp = AsyncSmtpTransport<Tokio1Executor>;
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let mut builder = match url.scheme() {
        "smtps" => Smtp::relay(host)?,
        "smtp+starttls" => Smtp::starttls_relay(host)?,
        _ => Smtp::builder_dangerous(host),
    };
    if let Some(port) = url.port() {
        builder = builder.port(port);
    }
    if !url.username().is_empty() {
        let decode = |text: &str| percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned();
        builder = builder
            .credentials(Credentials::new(decode(url.username()), decode(url.password().unwrap_or(""))));
    }
    Ok(builder.timeout(Some(Duration::from_secs(20))).build())
}

struct Postman {
    transport: Transport,
    from: Mailbox,
}

impl Postman {
    async fn deliver(self, mut letters: mpsc::Receiver<Letter>) {
        while let Some(letter) = letters.recv().await {
            let message = match self.compose(letter) {
                Ok(message) => message,
                Err(err) => {
                    tracing::error!(error = %err, "a mail could not be composed; it was dropped");
                    continue;
                }
            };
            // One letter at a time, so the retries of one cannot reorder those behind it; each
            // is independent of the others' fate.
            self.send_with_retries(&message).await;
        }
    }

    fn compose(&self, letter: Letter) -> Result<Message, lettre::error::Error> {
        let to: Mailbox = letter.to.parse().map_err(|_| lettre::error::Error::MissingTo)?;
        // lettre picks the transfer encoding: quoted-printable for our long link lines.
        let body = lettre::message::Body::new(letter.body);
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject)
            .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body))
    }

    async fn send_with_retries(&self, message: &Message) {
        let mut pauses = RETRY_PAUSES.iter();
        loop {
            match self.send(message).await {
                Ok(()) => return,
                Err(err) => match pauses.next() {
                    Some(pause) => {
                        tracing::warn!(error = %err, retry_in = ?pause, "sending a mail failed; will retry");
                        tokio::time::sleep(*pause).await;
                    }
                    None => {
                        tracing::error!(error = %err, "sending a mail failed for good; it was dropped");
                        return;
                    }
                },
            }
        }
    }

    async fn send(&self, message: &Message) -> Result<(), String> {
        match &self.transport {
            Transport::Smtp(smtp) => {
                let response = smtp.send(message.clone()).await.map_err(|err| err.to_string())?;
                tracing::info!(code = %response.code(), "mail handed to the SMTP server");
                Ok(())
            }
            Transport::Dir(dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(|err| format!("{}: {err}", dir.display()))?;
                let file = AsyncFileTransport::<Tokio1Executor>::new(dir);
                let id = file.send(message.clone()).await.map_err(|err| err.to_string())?;
                tracing::info!(file = %dir.join(format!("{id}.eml")).display(), "mail written to the outbox");
                Ok(())
            }
            Transport::Broken(reason) => Err(reason.clone()),
        }
    }
}
