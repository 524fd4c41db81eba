//! The widgets a view is made of: one registry of types (metric, time-series chart, breakdown
//! table, activity, alerts), the default layouts (today's dashboard, a service kind's headline
//! cards), and the rules every saved layout keeps. A layout is stored per user, for the
//! dashboard and for each service's page, as versioned JSON (`dashboard_layouts`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod drag;
pub mod edit;
pub mod panel;
pub mod render;
#[cfg(feature = "ssr")]
pub mod rest;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::analytics::Range;
use crate::error::AppError;
use crate::services::ServiceKind;

/// The one layout version this portal reads and writes.
pub const VERSION: u32 = 1;
pub const MAX_WIDGETS: usize = 24;
pub const MAX_TITLE_CHARS: usize = 60;
/// The services one metric widget may add up.
pub const MAX_WIDGET_SERVICES: usize = 20;
/// The name of the customise panel's forms (`?form=`), where their errors show.
pub const FORM: &str = "layout";

/// A view's widgets in order, each 1 to 4 columns wide on a four-column grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Layout {
    /// Always 1 today; a layout of another version is refused.
    pub version: u32,
    pub widgets: Vec<Widget>,
}

impl Layout {
    /// A layout sent as JSON, read strictly: a key no widget of its type has (a typo such as
    /// `dispaly`) is refused by name rather than dropped, and titles are kept trimmed.
    pub fn from_json(json: serde_json::Value) -> Result<Self, AppError> {
        let refuse = |message: String| AppError::field("layout", message);
        if let Some(key) = json
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys())
            .find(|k| !["version", "widgets"].contains(&k.as_str()))
        {
            return Err(refuse(format!(
                "A layout has no field `{key}`: only `version` and `widgets`."
            )));
        }
        let widgets = json.get("widgets").and_then(|w| w.as_array()).into_iter().flatten();
        for (i, widget) in widgets.enumerate() {
            let own: &[&str] = match widget.get("type").and_then(|t| t.as_str()) {
                Some("metric") => &["figure", "services", "display"],
                Some("chart") => &["chart"],
                Some("breakdown") => &["by"],
                _ => &[],
            };
            let mut fields = widget.as_object().into_iter().flat_map(|o| o.keys());
            if let Some(key) =
                fields.find(|k| !["type", "title", "size", "range"].contains(&k.as_str()) && !own.contains(&k.as_str()))
            {
                return Err(refuse(format!("Widget {} has no field `{key}` of its type.", i + 1)));
            }
        }
        let mut layout: Layout = serde_json::from_value(json).map_err(|e| refuse(format!("Not a layout: {e}.")))?;
        for widget in &mut layout.widgets {
            widget.title = widget.title.trim().to_owned();
        }
        Ok(layout)
    }

    /// The widgets that show `period` in a view of `view`'s: those without a period of their
    /// own count as the view's.
    fn of_period(&self, period: Range, view: Range) -> impl Iterator<Item = &Widget> {
        self.widgets.iter().filter(move |w| w.range.unwrap_or(view) == period)
    }

    /// Whether a widget of `period`, in a view of `view`'s, draws a figure over time from each
    /// service's totals (some services alone, or a figure the view's series has no points of).
    pub fn needs_service_series(&self, period: Range, view: Range) -> bool {
        self.of_period(period, view).any(|w| match &w.kind {
            Kind::Metric {
                figure,
                services,
                display,
            } => *display != Display::Number && figure.per_service() && !figure.in_series(services),
            _ => false,
        })
    }

    /// Whether a widget of `period`, in a view of `view`'s, draws a chart (its annotations
    /// marked on it).
    pub fn draws_over_time(&self, period: Range, view: Range) -> bool {
        self.of_period(period, view).any(|w| match &w.kind {
            Kind::Metric { display, .. } => *display != Display::Number,
            Kind::Chart { .. } => true,
            _ => false,
        })
    }

    /// The periods its widgets choose other than `view`'s, each once: one pass of figures each.
    pub fn own_ranges(&self, view: Range) -> Vec<Range> {
        let mut ranges: Vec<Range> = self
            .widgets
            .iter()
            .filter_map(|w| w.range)
            .filter(|r| *r != view)
            .collect();
        ranges.sort_by_key(|r| r.length());
        ranges.dedup();
        ranges
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Widget {
    pub title: String,
    /// Columns of four: 1 to 4.
    pub size: u8,
    /// A period of its own (`24h`, `7d`, `30d` or `90d`) for a metric, chart or table; absent,
    /// the view's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
    #[serde(flatten)]
    pub kind: Kind,
}

impl Kind {
    /// Whether it shows figures of a period, and may so have a period of its own.
    pub fn has_period(&self) -> bool {
        matches!(self, Self::Metric { .. } | Self::Chart { .. } | Self::Breakdown { .. })
    }
}

/// A widget's type and its typed configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// One figure of the period: as a number with its change, or over time as a line or bars;
    /// of every service in view, or of some of them only.
    Metric {
        figure: Figure,
        /// Empty: every service in view.
        #[serde(default)]
        services: Vec<Uuid>,
        #[serde(default)]
        display: Display,
    },
    /// One of the view's two charts.
    Chart {
        chart: ChartKind,
    },
    Breakdown {
        by: By,
    },
    Activity,
    Alerts,
}

/// The figures a metric widget shows: those of the analytics summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Requests,
    Errors,
    SuccessRate,
    AvgLatency,
    P50Latency,
    P95Latency,
    P99Latency,
    Tokens,
    Cost,
    ActiveServices,
    UniqueUsers,
    Conversations,
    Satisfaction,
    CallMinutes,
    CostPerConversation,
    CostPerMinute,
}

impl Figure {
    pub const ALL: [Figure; 16] = [
        Self::Requests,
        Self::Errors,
        Self::SuccessRate,
        Self::AvgLatency,
        Self::P50Latency,
        Self::P95Latency,
        Self::P99Latency,
        Self::Tokens,
        Self::Cost,
        Self::ActiveServices,
        Self::UniqueUsers,
        Self::Conversations,
        Self::Satisfaction,
        Self::CallMinutes,
        Self::CostPerConversation,
        Self::CostPerMinute,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Requests => "Requests",
            Self::Errors => "Errors",
            Self::SuccessRate => "Success rate",
            Self::AvgLatency => "Avg response time",
            Self::P50Latency => "p50 response time",
            Self::P95Latency => "p95 response time",
            Self::P99Latency => "p99 response time",
            Self::Tokens => "Tokens",
            Self::Cost => "Cost",
            Self::ActiveServices => "Active services",
            Self::UniqueUsers => "Unique users",
            Self::Conversations => "Conversations",
            Self::Satisfaction => "Satisfaction",
            Self::CallMinutes => "Call minutes",
            Self::CostPerConversation => "Cost per conversation",
            Self::CostPerMinute => "Cost per minute",
        }
    }

    /// Its name in the JSON layout and the forms.
    pub fn name(self) -> &'static str {
        match self {
            Self::Requests => "requests",
            Self::Errors => "errors",
            Self::SuccessRate => "success_rate",
            Self::AvgLatency => "avg_latency",
            Self::P50Latency => "p50_latency",
            Self::P95Latency => "p95_latency",
            Self::P99Latency => "p99_latency",
            Self::Tokens => "tokens",
            Self::Cost => "cost",
            Self::ActiveServices => "active_services",
            Self::UniqueUsers => "unique_users",
            Self::Conversations => "conversations",
            Self::Satisfaction => "satisfaction",
            Self::CallMinutes => "call_minutes",
            Self::CostPerConversation => "cost_per_conversation",
            Self::CostPerMinute => "cost_per_minute",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the figures of each service (the breakdown, and its series) hold it: only then
    /// may a widget add up some services alone, or draw it over time for them.
    pub fn per_service(self) -> bool {
        matches!(
            self,
            Self::Requests | Self::Errors | Self::SuccessRate | Self::AvgLatency | Self::Tokens | Self::Cost
        )
    }

    /// Whether the view's series holds it point by point for `services` (empty: all of them).
    pub fn in_series(self, services: &[Uuid]) -> bool {
        services.is_empty()
            && matches!(
                self,
                Self::Requests | Self::Errors | Self::P50Latency | Self::P95Latency
            )
    }

    /// Whether the view's series holds it point by point, for a line or bars.
    pub fn over_time(self) -> bool {
        self.per_service() || matches!(self, Self::P50Latency | Self::P95Latency)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Display {
    #[default]
    Number,
    Line,
    Bar,
}

impl Display {
    pub const ALL: [Display; 3] = [Self::Number, Self::Line, Self::Bar];

    pub fn name(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::Line => "line",
            Self::Bar => "bar",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Requests over time, errors stacked on successes.
    Requests,
    /// p50 and p95 latency over time.
    Latency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// Usage per service (the dashboard only).
    Services,
    Models,
    Errors,
    /// A service's top end users by requests (a service's page only).
    EndUsersByRequests,
    /// A service's top end users by cost (a service's page only).
    EndUsersByCost,
}

/// Which view a layout belongs to: the dashboard, or a service's page (of that kind).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Place {
    Dashboard,
    Service(Uuid, ServiceKind),
}

/// What the "Add a widget" form offers: each type with its default title and size (a metric is
/// configured on the form itself).
pub fn catalogue(place: Place) -> Vec<Widget> {
    let mut widgets = vec![
        widget(
            "Requests",
            2,
            Kind::Chart {
                chart: ChartKind::Requests,
            },
        ),
        widget(
            "Latency",
            2,
            Kind::Chart {
                chart: ChartKind::Latency,
            },
        ),
    ];
    if place == Place::Dashboard {
        widgets.push(widget("Usage by service", 4, Kind::Breakdown { by: By::Services }));
    }
    widgets.extend([
        widget("Errors by kind", 2, Kind::Breakdown { by: By::Errors }),
        widget("Models", 2, Kind::Breakdown { by: By::Models }),
    ]);
    if matches!(place, Place::Service(..)) {
        widgets.extend([
            widget(
                "Top end users by requests",
                2,
                Kind::Breakdown {
                    by: By::EndUsersByRequests,
                },
            ),
            widget("Top end users by cost", 2, Kind::Breakdown { by: By::EndUsersByCost }),
        ]);
    }
    widgets.extend([
        widget("Recent activity", 4, Kind::Activity),
        widget("Alerts", 4, Kind::Alerts),
    ]);
    widgets
}

fn widget(title: &str, size: u8, kind: Kind) -> Widget {
    Widget {
        title: title.to_owned(),
        size,
        range: None,
        kind,
    }
}

fn card(title: &str, figure: Figure) -> Widget {
    let kind = Kind::Metric {
        figure,
        services: Vec::new(),
        display: Display::Number,
    };
    widget(title, 1, kind)
}

/// The layout a view has until its user changes it: the dashboard as it always was, or a
/// service's page with its kind's headline cards.
pub fn default_layout(place: Place) -> Layout {
    use Figure::*;
    let cards = match place {
        Place::Dashboard => vec![
            card("Total requests", Requests),
            card("Conversations", Conversations),
            card("Unique users", UniqueUsers),
            card("Active services", ActiveServices),
            card("Avg response time", AvgLatency),
            card("Success rate", SuccessRate),
            card("Tokens", Tokens),
            card("Cost", Cost),
        ],
        Place::Service(_, ServiceKind::Chatbot) => vec![
            card("Conversations", Conversations),
            card("Satisfaction", Satisfaction),
            card("Unique users", UniqueUsers),
            card("Cost per conversation", CostPerConversation),
        ],
        Place::Service(_, ServiceKind::RagSite) => vec![
            card("Questions", Requests),
            card("Answered without error", SuccessRate),
            card("Satisfaction", Satisfaction),
            card("p95 response time", P95Latency),
        ],
        Place::Service(_, ServiceKind::VoiceAgent) => vec![
            card("Calls", Conversations),
            card("Call minutes", CallMinutes),
            card("Satisfaction", Satisfaction),
            card("Cost per minute", CostPerMinute),
        ],
        Place::Service(_, ServiceKind::Agent | ServiceKind::Custom) => vec![
            card("Total requests", Requests),
            card("Active services", ActiveServices),
            card("Avg response time", AvgLatency),
            card("Success rate", SuccessRate),
            card("Tokens", Tokens),
            card("Cost", Cost),
        ],
    };
    let tables = match place {
        Place::Dashboard => vec![widget("Usage by service", 4, Kind::Breakdown { by: By::Services })],
        Place::Service(..) => vec![
            widget(
                "Top end users by requests",
                2,
                Kind::Breakdown {
                    by: By::EndUsersByRequests,
                },
            ),
            widget("Top end users by cost", 2, Kind::Breakdown { by: By::EndUsersByCost }),
        ],
    };
    let mut widgets = cards;
    widgets.extend([
        widget("Alerts", 4, Kind::Alerts),
        widget(
            "Requests",
            2,
            Kind::Chart {
                chart: ChartKind::Requests,
            },
        ),
        widget(
            "Latency",
            2,
            Kind::Chart {
                chart: ChartKind::Latency,
            },
        ),
    ]);
    widgets.extend(tables);
    widgets.extend([
        widget("Errors by kind", 2, Kind::Breakdown { by: By::Errors }),
        widget("Models", 2, Kind::Breakdown { by: By::Models }),
        widget("Recent activity", 4, Kind::Activity),
    ]);
    Layout {
        version: VERSION,
        widgets,
    }
}

/// A widget's title as it is kept: trimmed, 1 to 60 characters on one line.
pub fn clean_title(title: &str) -> Result<String, AppError> {
    let title = title.trim();
    if title.chars().any(char::is_control) {
        return Err(AppError::field("title", "A widget's title is one line of text."));
    }
    match title.chars().count() {
        0 => Err(AppError::field("title", "A widget needs a title.")),
        n if n > MAX_TITLE_CHARS => Err(AppError::field(
            "title",
            format!("A widget's title has at most {MAX_TITLE_CHARS} characters."),
        )),
        _ => Ok(title.to_owned()),
    }
}

/// Refuses a layout this portal cannot show for `place`: another version, too many widgets, a
/// size outside 1–4, a title empty or too long, a service not among `visible` (the user's own),
/// a figure that cannot be split by service or drawn over time, a table of the other view, a
/// period of its own for a widget that has none or that is not a preset.
/// Each message names the widget (by its position) and what is wrong.
pub fn validate(layout: &Layout, place: Place, visible: &[Uuid]) -> Result<(), AppError> {
    let refuse = |message: String| Err(AppError::field("layout", message));
    if layout.version != VERSION {
        return refuse(format!(
            "Layout version {} is not supported: this portal reads version {VERSION}.",
            layout.version
        ));
    }
    if layout.widgets.len() > MAX_WIDGETS {
        return refuse(format!("A layout holds at most {MAX_WIDGETS} widgets."));
    }
    for (i, w) in layout.widgets.iter().enumerate() {
        let at = format!(
            "Widget {} (\"{}\")",
            i + 1,
            w.title.chars().take(MAX_TITLE_CHARS).collect::<String>()
        );
        if !(1..=4).contains(&w.size) {
            return refuse(format!("{at}: size {} is not 1, 2, 3 or 4 columns.", w.size));
        }
        if let Err(AppError::Validation { message, .. }) = clean_title(&w.title) {
            return refuse(format!("Widget {}: {message}", i + 1));
        }
        match w.range {
            Some(_) if !w.kind.has_period() => {
                return refuse(format!(
                    "{at}: only metrics, charts and tables have a period of their own."
                ));
            }
            Some(Range::Custom) => {
                return refuse(format!("{at}: a widget's own period is 24h, 7d, 30d or 90d."));
            }
            _ => {}
        }
        match (&w.kind, place) {
            (
                Kind::Metric {
                    figure,
                    services,
                    display,
                },
                _,
            ) => {
                if services.len() > MAX_WIDGET_SERVICES {
                    return refuse(format!("{at}: at most {MAX_WIDGET_SERVICES} services."));
                }
                if let Some(id) = services.iter().find(|id| !visible.contains(id)) {
                    return refuse(format!("{at}: service {id} is not one of yours."));
                }
                if let Place::Service(own, _) = place
                    && services.iter().any(|id| *id != own)
                {
                    return refuse(format!("{at}: a service's page shows that service only."));
                }
                if !services.is_empty() && !figure.per_service() {
                    return refuse(format!(
                        "{at}: {} cannot be shown for some services only; choose all services.",
                        figure.label()
                    ));
                }
                if *display != Display::Number && !figure.over_time() {
                    return refuse(format!(
                        "{at}: {} has no value over time; show it as a number.",
                        figure.label()
                    ));
                }
            }
            (Kind::Breakdown { by: By::Services }, Place::Service(..)) => {
                return refuse(format!("{at}: usage by service belongs on the dashboard."));
            }
            (
                Kind::Breakdown {
                    by: By::EndUsersByRequests | By::EndUsersByCost,
                },
                Place::Dashboard,
            ) => {
                return refuse(format!("{at}: top end users belong on a service's page."));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(error: AppError) -> String {
        error.field_message("layout").unwrap_or_default()
    }

    #[test]
    fn default_layouts_are_valid_and_round_trip_through_json() {
        let service = Uuid::new_v4();
        for place in [
            Place::Dashboard,
            Place::Service(service, ServiceKind::Chatbot),
            Place::Service(service, ServiceKind::RagSite),
            Place::Service(service, ServiceKind::VoiceAgent),
            Place::Service(service, ServiceKind::Custom),
        ] {
            let layout = default_layout(place);
            validate(&layout, place, &[service]).unwrap();
            let json = serde_json::to_string(&layout).unwrap();
            assert_eq!(serde_json::from_str::<Layout>(&json).unwrap(), layout);
            for widget in catalogue(place) {
                let one = Layout {
                    version: VERSION,
                    widgets: vec![widget],
                };
                validate(&one, place, &[]).unwrap();
            }
        }
    }

    #[test]
    fn the_json_names_types_and_configs() {
        let json = serde_json::json!({"version": 1, "widgets": [
            {"type": "metric", "title": "Cost of A", "size": 2, "figure": "cost", "services": [], "display": "line"},
            {"type": "alerts", "title": "Alerts", "size": 4},
        ]});
        let layout: Layout = serde_json::from_value(json).unwrap();
        assert_eq!(
            layout.widgets[0].kind,
            Kind::Metric {
                figure: Figure::Cost,
                services: vec![],
                display: Display::Line
            }
        );
        assert_eq!(layout.widgets[1].kind, Kind::Alerts);
        let unknown = serde_json::json!({"version": 1, "widgets": [{"type": "gauge", "title": "G", "size": 1}]});
        let error = message(Layout::from_json(unknown).unwrap_err());
        assert!(error.contains("unknown variant `gauge`"), "{error}");
        let typo = serde_json::json!({"version": 1, "widgets": [{"type": "metric", "title": "G", "size": 1, "figure": "cost", "dispaly": "line"}]});
        assert_eq!(
            message(Layout::from_json(typo).unwrap_err()),
            "Widget 1 has no field `dispaly` of its type."
        );
        let padded = serde_json::json!({"version": 1, "widgets": [{"type": "alerts", "title": "  A  ", "size": 4}]});
        assert_eq!(Layout::from_json(padded).unwrap().widgets[0].title, "A");
        let own = serde_json::json!({"version": 1, "widgets": [{"type": "chart", "title": "Today", "size": 2, "chart": "requests", "range": "24h"}]});
        let own = Layout::from_json(own).unwrap();
        assert_eq!(own.widgets[0].range, Some(Range::Last24Hours));
        assert_eq!(own.own_ranges(Range::Last7Days), vec![Range::Last24Hours]);
        assert_eq!(own.own_ranges(Range::Last24Hours), vec![]);
        assert_eq!(serde_json::to_value(&own).unwrap()["widgets"][0]["range"], "24h");
    }

    #[test]
    fn only_lines_the_view_series_lacks_read_each_services_series() {
        let line = |figure, services: Vec<Uuid>, range| Layout {
            version: VERSION,
            widgets: vec![Widget {
                range,
                ..widget(
                    "L",
                    2,
                    Kind::Metric {
                        figure,
                        services,
                        display: Display::Line,
                    },
                )
            }],
        };
        let (day, week) = (Range::Last24Hours, Range::Last7Days);
        assert!(!line(Figure::Requests, vec![], None).needs_service_series(week, week));
        assert!(!line(Figure::P95Latency, vec![], None).needs_service_series(week, week));
        assert!(line(Figure::Requests, vec![Uuid::new_v4()], None).needs_service_series(week, week));
        assert!(line(Figure::Cost, vec![], None).needs_service_series(week, week));
        let own = line(Figure::Cost, vec![], Some(day));
        assert!(own.needs_service_series(day, week) && !own.needs_service_series(week, week));
    }

    #[test]
    fn bad_layouts_are_refused_with_what_is_wrong() {
        let mine = Uuid::new_v4();
        let theirs = Uuid::new_v4();
        let metric = |figure, services: Vec<Uuid>, display| Layout {
            version: VERSION,
            widgets: vec![widget(
                "M",
                1,
                Kind::Metric {
                    figure,
                    services,
                    display,
                },
            )],
        };
        let refused = |layout: &Layout, place| message(validate(layout, place, &[mine]).unwrap_err());
        let mut sized = default_layout(Place::Dashboard);
        sized.widgets[0].size = 5;
        assert_eq!(
            refused(&sized, Place::Dashboard),
            "Widget 1 (\"Total requests\"): size 5 is not 1, 2, 3 or 4 columns."
        );
        let other = metric(Figure::Cost, vec![theirs], Display::Number);
        assert_eq!(
            refused(&other, Place::Dashboard),
            format!("Widget 1 (\"M\"): service {theirs} is not one of yours.")
        );
        let split = metric(Figure::Satisfaction, vec![mine], Display::Number);
        assert!(refused(&split, Place::Dashboard).contains("Satisfaction cannot be shown for some services only"));
        let timed = metric(Figure::UniqueUsers, vec![], Display::Bar);
        assert!(refused(&timed, Place::Dashboard).contains("Unique users has no value over time"));
        let versioned = Layout {
            version: 2,
            widgets: vec![],
        };
        assert!(refused(&versioned, Place::Dashboard).contains("version 2 is not supported"));
        let many = Layout {
            version: VERSION,
            widgets: vec![widget("A", 1, Kind::Alerts); MAX_WIDGETS + 1],
        };
        assert!(refused(&many, Place::Dashboard).contains("at most 24 widgets"));
        let untitled = Layout {
            version: VERSION,
            widgets: vec![widget(" ", 1, Kind::Alerts)],
        };
        assert_eq!(
            refused(&untitled, Place::Dashboard),
            "Widget 1: A widget needs a title."
        );
        let mut custom = metric(Figure::Cost, vec![], Display::Number);
        custom.widgets[0].range = Some(Range::Custom);
        assert_eq!(
            refused(&custom, Place::Dashboard),
            "Widget 1 (\"M\"): a widget's own period is 24h, 7d, 30d or 90d."
        );
        let mut timeless = Layout {
            version: VERSION,
            widgets: vec![widget("A", 4, Kind::Alerts)],
        };
        timeless.widgets[0].range = Some(Range::Last24Hours);
        assert!(refused(&timeless, Place::Dashboard).contains("only metrics, charts and tables have a period"));
        let users = Layout {
            version: VERSION,
            widgets: vec![widget("U", 2, Kind::Breakdown { by: By::EndUsersByCost })],
        };
        assert!(refused(&users, Place::Dashboard).contains("belong on a service's page"));
        let page = Place::Service(mine, ServiceKind::Chatbot);
        let elsewhere = metric(Figure::Cost, vec![theirs], Display::Number);
        assert!(refused(&elsewhere, page).contains("is not one of yours"));
        validate(&metric(Figure::Cost, vec![mine], Display::Line), page, &[mine]).unwrap();
    }
}
