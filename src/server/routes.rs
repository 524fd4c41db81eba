//! REST routes that can be listed: axum cannot say which routes a `Router` has, so each feature
//! mounts its REST routes here method by method, and the same list is there to read (the
//! tenant-isolation test has a case for every route).

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, on};

use super::state::AppState;

/// A router that remembers the method and path of each route it mounts.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    listed: Vec<(Method, &'static str)>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Mounts `handler` for `method` on `path` (a `GET` answers `HEAD` too, as axum's `get`).
    pub fn route<H, T>(mut self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a method axum can route");
        self.router = self.router.route(path, on(filter, handler));
        self.listed.push((method, path));
        self
    }

    pub fn merge(mut self, other: Self) -> Self {
        self.router = self.router.merge(other.router);
        self.listed.extend(other.listed);
        self
    }

    /// Each route's method and path, in the order they were mounted.
    pub fn listed(&self) -> &[(Method, &'static str)] {
        &self.listed
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
