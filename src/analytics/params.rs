//! The query string of the analytics endpoints.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;

use super::AnalyticsQuery;
use crate::error::AppError;

/// The query string, or a 400 that names what could not be read.
pub struct Params(pub AnalyticsQuery);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::from_request_parts(parts, state)
            .await
            .map(|Query(query)| Self(query))
            .map_err(|e| AppError::BadRequest(format!("Bad query string: {}", e.body_text())))
    }
}
