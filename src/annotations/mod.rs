//! Annotations: marks on the charts' time axis ("new prompt deployed", "index rebuilt"), made
//! on the dashboard or posted by a deployment pipeline. One with a service shows on the views
//! of that service; one without shows on every view of its owner.

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod rest;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest text, in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// What a view lists and draws at most: the latest of its period.
pub const LISTED: usize = 200;
/// The name the panel's forms come back with (`?form=`), so that their errors show there.
pub const FORM: &str = "annotations";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Annotation {
    pub id: i64,
    /// The service it belongs to; none: every view of its owner.
    pub service_id: Option<Uuid>,
    pub service_name: Option<String>,
    pub at: DateTime<Utc>,
    /// `at` on the clock of the view's time zone (no offset: `2026-11-16T11:00:00`).
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub local: NaiveDateTime,
    pub text: String,
    /// Whether the viewer may change it (their own).
    pub editable: bool,
}

/// A new annotation, as the REST API takes it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnnotationInput {
    /// When it happened (RFC 3339); now when left out.
    pub at: Option<DateTime<Utc>>,
    /// At most 200 characters.
    pub text: String,
    /// The service it belongs to; left out: every view of the owner. A service's key can only
    /// annotate its own service.
    pub service_id: Option<Uuid>,
}

/// A change of an annotation: what is left out stays as it is.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnnotationChange {
    pub at: Option<DateTime<Utc>>,
    pub text: Option<String>,
    /// A service of the caller's, or `null`: every view of theirs.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Uuid>))]
    pub service_id: Option<Option<Uuid>>,
}

/// A field that is there, even as `null`, as opposed to left out (`None` by `default`).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(field: D) -> Result<Option<T>, D::Error> {
    T::deserialize(field).map(Some)
}
