//! How many requests the server works on at once; the others wait for their turn, in arrival
//! order, without using the processor.
//!
//! Why: on a few cores, a flood of cheap requests (the landing page) fills the runtime's run
//! queue, and a request that holds one of the pool's few connections waits behind all of them
//! at each of its `.await`s: the connections stay busy doing nothing and the database routes
//! starve. With the work in progress bounded, a connection is held only for its queries.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// How long a request may wait to be worked on before it answers 503.
const WAIT_LIMIT: Duration = Duration::from_secs(20);

/// The turns of the requests in progress.
#[derive(Clone)]
pub struct Admission(Arc<Semaphore>);

impl Admission {
    pub fn new(in_progress: usize) -> Self {
        Self(Arc::new(Semaphore::new(in_progress)))
    }
}

/// Middleware: runs the request once it has its turn. Liveness (`/healthz`) never waits.
pub async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let waiting = super::metrics::request_queued();
    let turn = tokio::time::timeout(WAIT_LIMIT, admission.0.acquire()).await;
    drop(waiting);
    match turn {
        Ok(Ok(_turn)) => next.run(request).await,
        _ => AppError::Unavailable.into_response(),
    }
}
