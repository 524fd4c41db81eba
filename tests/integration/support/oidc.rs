//! A real OpenID Connect provider for the sign-in tests: `end2end/oidc-provider.mjs` (Node's
//! certified `oidc-provider`), started per test on free ports, with its forger beside it (a
//! provider whose published key did not sign its tokens). `authorize` plays the browser at the
//! provider: its sign-in and consent pages, until it sends the browser back to the portal.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ragsites_portal::auth::identities::providers::{GitHub, OidcProvider};
use reqwest::header::LOCATION;
use url::Url;

/// The portal's origin in the test configuration (`support::test_config`).
const PORTAL: &str = "https://portal.test.example";

pub struct Provider {
    child: Child,
    port: u16,
    forger_port: u16,
}

impl Provider {
    /// Starts the provider; one that has not said where it listens within 15 s (seen, rarely,
    /// under the whole suite's load: node alive and idle) is stopped and started again.
    pub fn start() -> Self {
        for _ in 0..3 {
            if let Some(provider) = Self::try_start() {
                return provider;
            }
        }
        panic!("the OpenID provider did not start in three tries");
    }

    fn try_start() -> Option<Self> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/end2end/oidc-provider.mjs");
        let mut child = Command::new("node")
            .args([script, "0", "0", PORTAL])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs the OpenID provider (installed by scripts/setup.sh --test)");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (said, heard) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            let _ = said.send(line);
            // It goes on writing notices: a closed pipe would end it.
            std::io::copy(&mut stdout, &mut std::io::sink())
        });
        let Ok(line) = heard.recv_timeout(Duration::from_secs(15)) else {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        };
        let ports: Vec<u16> = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .split(' ')
            .map(|port| port.parse().expect("a port"))
            .collect();
        Some(Self {
            child,
            port: ports[0],
            forger_port: ports[1],
        })
    }

    /// The portal's configuration of both: `local` (honest) and `forged`.
    pub fn config(&self) -> Vec<OidcProvider> {
        let provider = |name: &str, label: &str, port: u16| OidcProvider {
            name: name.to_owned(),
            label: Some(label.to_owned()),
            issuer: format!("http://127.0.0.1:{port}"),
            client_id: "portal".to_owned(),
            client_secret: "portal-secret".to_owned(),
        };
        vec![
            provider("local", "Local ID", self.port),
            provider("forged", "Forged ID", self.forger_port),
        ]
    }
}

impl Provider {
    /// The portal's GitHub configuration, at the provider's GitHub Enterprise face.
    pub fn github(&self) -> GitHub {
        GitHub {
            client_id: "github-app".to_owned(),
            client_secret: "github-secret".to_owned(),
            web_url: format!("http://127.0.0.1:{}", self.port),
            api_url: format!("http://127.0.0.1:{}/api/v3", self.port),
        }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Goes from the provider's authorization URL through its sign-in page (as `login`, any
/// password) and consent page; answers the URL it sends the browser back to on the portal.
pub async fn authorize(authorization_url: &str, login: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .cookie_store(true)
        .build()
        .expect("an HTTP client");
    let mut url = Url::parse(authorization_url).expect("an authorization URL");
    let mut form: Option<Vec<(&str, String)>> = None;
    for _ in 0..12 {
        let request = match form.take() {
            Some(fields) => http.post(url.clone()).form(&fields),
            None => http.get(url.clone()),
        };
        let response = request.send().await.expect("the provider answers");
        if let Some(location) = response.headers().get(LOCATION) {
            let next = url.join(location.to_str().expect("a Location")).expect("a URL");
            if next.as_str().starts_with(PORTAL) {
                return next.to_string();
            }
            url = next;
            continue;
        }
        let status = response.status();
        let page = response.text().await.expect("a page");
        assert!(status.is_success(), "the provider answered {status}: {page}");
        let action = page
            .split_once("action=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(action, _)| action.replace("&amp;", "&"))
            .unwrap_or_else(|| panic!("no form on {page}"));
        url = url.join(&action).expect("a form action");
        form = Some(if page.contains("name=\"prompt\" value=\"login\"") {
            vec![
                ("prompt", "login".to_owned()),
                ("login", login.to_owned()),
                ("password", "anything".to_owned()),
            ]
        } else {
            vec![("prompt", "consent".to_owned())]
        });
    }
    panic!("the provider never sent the browser back");
}
