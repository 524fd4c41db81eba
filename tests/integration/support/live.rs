//! An open server-sent event stream (`/api/v1/live`, a share link's `/live`) read as a browser
//! would, and the listener that feeds it.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tokio::time::{Instant, timeout_at};
use tower::ServiceExt;

use super::{TestApp, database_url};

/// How soon a stream must follow a change or the end of its session.
pub const WITHIN: Duration = Duration::from_secs(1);

/// An open `/api/v1/live` stream and what it has sent so far.
pub struct Live {
    body: Body,
    text: String,
}

impl Live {
    /// Opens the stream of `request` and reads its first summary.
    pub async fn open(app: &TestApp, request: Request<Body>) -> Self {
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let mut live = Self {
            body: response.into_body(),
            text: String::new(),
        };
        live.summary(Duration::from_secs(5)).await;
        live
    }

    /// The next `summary` event's data, within `wait`.
    pub async fn summary(&mut self, wait: Duration) -> Value {
        const START: &str = "event: summary\ndata: ";
        let deadline = Instant::now() + wait;
        loop {
            if let Some(start) = self.text.find(START)
                && let Some(end) = self.text[start + START.len()..].find('\n')
            {
                let data = &self.text[start + START.len()..start + START.len() + end];
                let summary = serde_json::from_str(data).unwrap();
                self.text.drain(..start + START.len() + end);
                return summary;
            }
            let frame = timeout_at(deadline, self.body.frame())
                .await
                .unwrap_or_else(|_| panic!("a summary within {wait:?}; so far: {:?}", self.text))
                .expect("the stream is open")
                .unwrap();
            self.text
                .push_str(&String::from_utf8_lossy(&frame.into_data().unwrap_or_default()));
        }
    }

    /// Reads until the stream closes, within `WITHIN`; answers the reason of its `end` event.
    pub async fn ended(mut self) -> String {
        let deadline = Instant::now() + WITHIN;
        loop {
            let frame = timeout_at(deadline, self.body.frame())
                .await
                .unwrap_or_else(|_| panic!("the stream closed within {WITHIN:?}; so far: {:?}", self.text));
            match frame {
                Some(frame) => self.text.push_str(&String::from_utf8_lossy(
                    &frame.unwrap().into_data().unwrap_or_default(),
                )),
                None => break,
            }
        }
        let (_, data) = self.text.split_once("event: end\ndata: ").expect("an end event");
        data.lines().next().unwrap_or_default().to_owned()
    }
}

pub fn live_request(token: &str) -> Request<Body> {
    Request::get("/api/v1/live?range=24h")
        .header("host", "portal.test")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// Starts the app's listener and waits until it listens.
pub async fn listen(app: &TestApp) {
    app.state.changes.spawn_listener(database_url(&app.db_name));
    let mut listening = app.state.changes.listening();
    tokio::time::timeout(Duration::from_secs(10), listening.wait_for(|&n| n >= 1))
        .await
        .expect("the listener listens within 10 s")
        .unwrap();
}
