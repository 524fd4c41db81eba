//! How many requests the server works on at once; the others wait for their turn, in arrival
//! order, without using the processor.
//!
//! Why: on a few cores, a flood of cheap requests (the landing page) fills the runtime's run
//! queue, and a request that holds one of the pool's few connections waits behind all of them
//! at each of its `.await`s: the connections stay busy doing nothing and the database routes
//! starve. With the work in progress bounded, a connection is held only for its queries.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

tokio::task_local! {
    /// The turn of the request this task serves, until it steps aside.
    static TURN: RefCell<Option<OwnedSemaphorePermit>>;
}

/// Middleware: runs the request once it has its turn. Liveness (`/healthz`) never waits.
pub async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let waiting = super::metrics::request_queued();
    let turn = tokio::time::timeout(WAIT_LIMIT, Arc::clone(&admission.0).acquire_owned()).await;
    drop(waiting);
    match turn {
        Ok(Ok(turn)) => TURN.scope(RefCell::new(Some(turn)), next.run(request)).await,
        _ => AppError::Unavailable.into_response(),
    }
}

/// Gives the current request's turn back before it waits in a queue of its own that bounds it
/// (the password hasher's): otherwise a flood of sign-ins would hold every turn while they wait
/// for bcrypt, and every page would wait behind them.
pub fn step_aside() {
    // Outside a request (seeding, a test calling the backend) there is no turn to give back.
    let _ = TURN.try_with(|turn| turn.borrow_mut().take());
}
