//! Where mail goes: the SMTP server of `SMTP_URL`, or — without one, in development — `.eml`
//! files under `target/mail/`, each logged with its link so a person can follow it.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// 5xx answers about the portal's own SMTP account (authentication required, too weak, refused,
/// needs encryption), not about the mail: a setting to fix, after which the mail still goes, so
/// they count as temporary.
const AUTH_REFUSED: [u16; 4] = [530, 534, 535, 538];

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Why a mail was not sent: worth another try later, or never.
#[derive(Debug, PartialEq)]
pub enum SendError {
    /// A 4xx answer, a refusal of the portal's own SMTP credentials, or no answer at all
    /// (refused, timed out, TLS failed).
    Temporary(String),
    /// Any other 5xx answer, or a mail that cannot be built (a bad recipient).
    Permanent(String),
}

/// The parts of a mail a transport needs.
pub struct Outgoing<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    /// The one-click unsubscribe address of a list mail (alerts, reports).
    pub list_unsubscribe: Option<&'a str>,
}

const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
const LIST_UNSUBSCRIBE_POST: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");

/// Whether lettre reads `url` as an SMTP URL (the error would repeat a password: none is given).
pub fn is_smtp_url(url: &str) -> bool {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url).is_ok()
}

impl Transport {
    /// The SMTP server of `smtp_url` (checked with `is_smtp_url`), or else `mail_dir`; `timeout`
    /// bounds connecting (the outbox bounds the whole send with it). Inside the runtime: the
    /// SMTP connection pool starts a task.
    pub fn new(smtp_url: Option<&str>, timeout: Duration, mail_dir: PathBuf) -> Self {
        match smtp_url.map(AsyncSmtpTransport::<Tokio1Executor>::from_url) {
            Some(Ok(builder)) => Self::Smtp(builder.timeout(Some(timeout)).build()),
            Some(Err(_)) => panic!("SMTP_URL was checked by the configuration"),
            None => Self::Files(mail_dir),
        }
    }

    pub async fn send(&self, from: &Mailbox, mail: Outgoing<'_>) -> Result<(), SendError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|error| SendError::Permanent(format!("bad recipient {:?}: {error}", mail.to)))?;
        let mut builder = Message::builder().from(from.clone()).to(to).subject(mail.subject);
        if let Some(url) = mail.list_unsubscribe {
            // RFC 8058: a mail client unsubscribes with one POST to the address, no page between.
            builder = builder
                .raw_header(HeaderValue::new(LIST_UNSUBSCRIBE, format!("<{url}>")))
                .raw_header(HeaderValue::new(
                    LIST_UNSUBSCRIBE_POST,
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                mail.text.to_owned(),
                mail.html.to_owned(),
            ))
            .map_err(|error| SendError::Permanent(format!("the mail cannot be built: {error}")))?;
        match self {
            Self::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|error| {
                let about_our_account = error.status().is_some_and(|code| AUTH_REFUSED.contains(&code.into()));
                if error.is_permanent() && !about_our_account {
                    SendError::Permanent(error.to_string())
                } else {
                    SendError::Temporary(error.to_string())
                }
            }),
            Self::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|error| SendError::Temporary(format!("cannot create {}: {error}", dir.display())))?;
                let id = AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .map_err(|error| SendError::Temporary(error.to_string()))?;
                let link = mail.text.split_whitespace().find(|word| word.starts_with("http"));
                tracing::info!(
                    to = mail.to,
                    subject = mail.subject,
                    link,
                    file = %dir.join(format!("{id}.eml")).display(),
                    "mail written (no SMTP_URL)"
                );
                Ok(())
            }
        }
    }
}
