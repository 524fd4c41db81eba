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
use crate::analytics::{Activity, Breakdown, Range, Series, ServiceSeries, Summary, TopEndUsers};
use crate::annotations::Annotation;
use crate::widgets::{Layout, Place, Widget};

/// Everything the dashboard (or a service page) draws for one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    /// The figures of the view's period (their fields at the top of the JSON).
    #[serde(flatten)]
    pub figures: PeriodFigures,
    /// The figures of each period a widget chose for itself, other than the view's.
    pub own: Vec<PeriodFigures>,
    pub activity: Vec<Activity>,
    /// The alerts of the services in view: open ones first.
    pub alerts: Vec<Alert>,
    /// The annotations of the view's period: of the services in view, and the viewer's own
    /// without one.
    pub annotations: Vec<Annotation>,
    /// Those and the annotations of the periods widgets chose whose charts mark them, in time
    /// order: what the charts and the PDF's list number.
    pub marked: Vec<Annotation>,
    /// The services the viewer may annotate: their own live ones.
    pub annotatable: Vec<(Uuid, String)>,
    /// The view's widgets: its user's layout, or the default.
    pub layout: Layout,
    /// Which view: the dashboard, or a service's page.
    pub place: Place,
    /// Every service the user may pick in the filter: id and name.
    pub services: Vec<(Uuid, String)>,
}

impl DashboardData {
    /// The figures a widget shows: of its own period, or of the view's.
    pub fn figures_of(&self, widget: &Widget) -> &PeriodFigures {
        widget
            .range
            .and_then(|range| self.own.iter().find(|f| f.range == range))
            .unwrap_or(&self.figures)
    }
}

/// The figures of one period, read in one pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodFigures {
    pub range: Range,
    pub summary: Summary,
    pub series: Series,
    pub breakdown: Breakdown,
    /// The top end users, for a view of one service.
    pub end_users: Option<TopEndUsers>,
    /// Each service's totals point by point, when a widget of the period draws some services
    /// alone.
    pub by_service: Vec<ServiceSeries>,
}
