//! A real SMTP server for the tests: `end2end/smtp-sink.mjs` (Node's `smtp-server`), started
//! per test on a free port. The portal talks SMTP to it over a socket; the tests read the mail
//! it received, parsed. Addresses starting "tempfail-once" are answered 451 once, "reject" 550.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde::Deserialize;

pub struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

/// One mail as the sink received it.
#[derive(Debug, Deserialize)]
pub struct Received {
    pub envelope_to: Vec<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    /// The header lines as sent ("List-Unsubscribe: <…>").
    #[serde(default)]
    pub headers: Vec<String>,
}

impl Received {
    /// The value of the header `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.split_whitespace().collect::<Vec<_>>().join(" "))
        })
    }

    /// The first link into the portal in the text part.
    pub fn link(&self) -> String {
        let text = self.text.as_deref().unwrap_or("");
        text.split_whitespace()
            .find(|word| word.starts_with("https://portal.test.example/"))
            .unwrap_or_else(|| panic!("no portal link in {text:?}"))
            .to_owned()
    }
}

impl SmtpSink {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("a mail directory");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/end2end/smtp-sink.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .arg("0")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs the SMTP sink (installed by scripts/setup.sh --test)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the sink's first line");
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP sink did not start: {line:?}"));
        Self { child, port, dir }
    }

    /// The `SMTP_URL` that reaches this sink.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .expect("the mail directory")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| serde_json::from_slice(&std::fs::read(path).expect("a mail")).expect("mail JSON"))
            .collect()
    }

    /// Sends the one mail queued so far (a new client's address confirmation) and forgets it,
    /// for a test about other mail.
    pub async fn send_and_forget_confirmation(&self, app: &super::TestApp) {
        let sent = ragsites_portal::mail::outbox::deliver_due(&app.state)
            .await
            .expect("mail delivered");
        assert_eq!(sent, 1, "the address confirmation");
        self.clear();
    }

    /// Forgets every mail received so far.
    pub fn clear(&self) {
        for entry in std::fs::read_dir(self.dir.path()).expect("the mail directory") {
            std::fs::remove_file(entry.expect("a mail").path()).expect("a mail removed");
        }
    }

    /// The mails received so far with this subject, in arrival order.
    pub fn received_about(&self, subject: &str) -> Vec<Received> {
        let mut mails = self.received();
        mails.retain(|mail| mail.subject.as_deref() == Some(subject));
        mails
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An SMTP URL where nothing listens (a port just freed).
pub fn unreachable_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("smtp://127.0.0.1:{port}")
}

/// An SMTP server that takes connections and never says a word; the listener lives as long as
/// the returned value.
pub fn silent_server() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    (listener, format!("smtp://127.0.0.1:{port}"))
}
