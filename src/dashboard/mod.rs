//! The dashboard: the page a client opens every day, and the analytics view it shares with
//! each service's page.

pub mod api;
pub mod cards;
pub mod charts;
pub mod figures;
pub mod filters;
pub mod live;
#[cfg(feature = "ssr")]
pub mod load;
pub mod pages;
pub mod panels;
pub mod view;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::alerts::Alert;
use crate::analytics::{Activity, Breakdown, Series, ServiceSeries, Summary, TopEndUsers};
use crate::annotations::Annotation;
use crate::widgets::{Layout, Place};

/// Everything the dashboard (or a service page) draws for one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub summary: Summary,
    pub series: Series,
    pub breakdown: Breakdown,
    /// The top end users, for a view of one service.
    pub end_users: Option<TopEndUsers>,
    pub activity: Vec<Activity>,
    /// The alerts of the services in view: open ones first.
    pub alerts: Vec<Alert>,
    /// The annotations of the period: of the services in view, and the viewer's own without one.
    pub annotations: Vec<Annotation>,
    /// The services the viewer may annotate: their own live ones.
    pub annotatable: Vec<(Uuid, String)>,
    /// The view's widgets: its user's layout, or the default.
    pub layout: Layout,
    /// Which view: the dashboard, or a service's page.
    pub place: Place,
    /// Each service's totals point by point, when a widget draws some services alone.
    pub by_service: Vec<ServiceSeries>,
    /// Every service the user may pick in the filter: id and name.
    pub services: Vec<(Uuid, String)>,
}
