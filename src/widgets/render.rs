//! A view's widgets drawn from its one load of figures: each widget only picks and shapes what
//! [`DashboardData`] already holds, so none reads the database on its own.

use leptos::prelude::*;
use uuid::Uuid;

use super::{By, ChartKind, Display, Figure, Kind, Place, Widget};
use crate::alerts::pages::AlertsPanel;
use crate::analytics::{Range, ServiceUsage, Totals};
use crate::dashboard::DashboardData;
use crate::dashboard::cards::{Card, MetricCard, card, card_of_services};
use crate::dashboard::charts::{Chart, Mark, Series as ChartSeries, Shape};
use crate::dashboard::figures::{busiest, charts, labels, marks};
use crate::dashboard::panels::{ActivityFeed, EndUsersTable, ErrorTable, ModelTable, ServiceUsageTable};
use crate::ui::format::{compact, count, millis, percent, usd};

/// The card of a metric widget shown as a number: over every service in view with its change,
/// or over the services it names (those in view).
pub fn metric_card(data: &DashboardData, figure: Figure, services: &[Uuid], title: String) -> Card {
    if services.is_empty() {
        return card(&data.summary, figure, title);
    }
    let usage: Vec<&ServiceUsage> = data
        .breakdown
        .services
        .iter()
        .filter(|s| services.contains(&s.service_id))
        .collect();
    card_of_services(&usage, figure, title)
}

/// A metric widget's values point by point of the view's series.
pub fn metric_values(data: &DashboardData, figure: Figure, services: &[Uuid]) -> Vec<Option<f64>> {
    let points = &data.series.points;
    match figure {
        Figure::P50Latency => return points.iter().map(|p| p.p50_latency_ms).collect(),
        Figure::P95Latency => return points.iter().map(|p| p.p95_latency_ms).collect(),
        _ => {}
    }
    let chosen: Vec<_> = data
        .by_service
        .iter()
        .filter(|s| services.is_empty() || services.contains(&s.service_id))
        .collect();
    (0..points.len())
        .map(|i| {
            let t = chosen.iter().fold(Totals::default(), |sum, s| {
                let p = s.points.get(i).copied().unwrap_or_default();
                Totals {
                    requests: sum.requests + p.requests,
                    errors: sum.errors + p.errors,
                    latency_ms_sum: sum.latency_ms_sum + p.latency_ms_sum,
                    tokens: sum.tokens + p.tokens,
                    cost_micros: sum.cost_micros + p.cost_micros,
                }
            });
            let per_request = |part: i64| (t.requests > 0).then(|| part as f64 / t.requests as f64);
            match figure {
                Figure::Errors => Some(t.errors as f64),
                Figure::SuccessRate => per_request(t.requests - t.errors),
                Figure::AvgLatency => per_request(t.latency_ms_sum),
                Figure::Tokens => Some(t.tokens as f64),
                Figure::Cost => Some(crate::analytics::usd(t.cost_micros)),
                _ => Some(t.requests as f64),
            }
        })
        .collect()
}

/// How a figure's values are written on an axis and in a chart's table.
pub fn value_format(figure: Figure) -> fn(f64) -> String {
    match figure {
        Figure::SuccessRate | Figure::Satisfaction => |v| percent(Some(v)),
        Figure::AvgLatency | Figure::P50Latency | Figure::P95Latency | Figure::P99Latency => |v| millis(Some(v)),
        Figure::Cost | Figure::CostPerConversation | Figure::CostPerMinute => usd,
        _ => |v| compact(v.round() as i64),
    }
}

/// What stays the same across a view's widgets.
struct Context {
    period: &'static str,
    previous: &'static str,
    labels: Vec<String>,
    marks: Vec<Mark>,
    /// On a service's page: that service (its tables link to its events).
    service: Option<Uuid>,
    shared: bool,
}

/// The widgets of `data`'s layout on the four-column grid. `shared`: a share link's visitor
/// sees no account activity and no links into the portal.
pub fn widgets(data: DashboardData, range: Range, shared: bool) -> impl IntoView {
    let cx = Context {
        period: range.phrase(),
        previous: range.span(),
        labels: labels(&data.series),
        marks: marks(&data.series, data.summary.to, &data.annotations),
        service: match data.place {
            Place::Service(id, _) => Some(id),
            Place::Dashboard => None,
        },
        shared,
    };
    let mut seen: Vec<String> = Vec::new();
    let items = data
        .layout
        .widgets
        .iter()
        .enumerate()
        .filter_map(|(i, widget)| {
            // The first widget of each kind keeps its section's plain id (links point at it).
            let base = base_id(widget);
            let id = match seen.contains(&base) {
                true => format!("{base}-{i}"),
                false => base.clone(),
            };
            seen.push(base);
            let content = widget_view(&data, &cx, widget, id)?;
            Some(view! {
                <div class=format!("widget widget--{}", widget.size) data-widget=i>
                    {content}
                </div>
            })
        })
        .collect_view();
    view! { <div class="widgets">{items}</div> }
}

fn base_id(widget: &Widget) -> String {
    match &widget.kind {
        Kind::Metric { figure, .. } => format!("metric-{}", figure.name().replace('_', "-")),
        Kind::Chart {
            chart: ChartKind::Requests,
        } => "requests".into(),
        Kind::Chart {
            chart: ChartKind::Latency,
        } => "latency".into(),
        Kind::Breakdown { by: By::Services } => "usage-by-service".into(),
        Kind::Breakdown { by: By::Models } => "usage-by-model".into(),
        Kind::Breakdown { by: By::Errors } => "errors-by-kind".into(),
        Kind::Breakdown {
            by: By::EndUsersByRequests,
        } => "top-users-by-requests".into(),
        Kind::Breakdown { by: By::EndUsersByCost } => "top-users-by-cost".into(),
        Kind::Activity => "recent-activity".into(),
        Kind::Alerts => "alerts".into(),
    }
}

/// One widget's content, or none where this view has nothing of its kind (the activity on a
/// share link's page, end users on a view of several services).
fn widget_view(data: &DashboardData, cx: &Context, widget: &Widget, id: String) -> Option<AnyView> {
    let title = widget.title.clone();
    let linked = !cx.shared;
    let view = match &widget.kind {
        Kind::Metric {
            figure,
            services,
            display: Display::Number,
        } => {
            let card = metric_card(data, *figure, services, title);
            view! { <MetricCard card period=cx.previous /> }.into_any()
        }
        Kind::Metric {
            figure,
            services,
            display,
        } => {
            let values = metric_values(data, *figure, services);
            let shape = match display {
                Display::Bar => Shape::StackedBars,
                _ => Shape::Lines,
            };
            let description = format!("{} per {} {}.", figure.label(), data.series.bucket.as_str(), cx.period);
            let series = vec![ChartSeries {
                name: figure.label(),
                tone: "primary",
                values,
            }];
            view! {
                <Chart
                    id
                    title
                    description
                    shape
                    labels=cx.labels.clone()
                    series
                    format=value_format(*figure)
                    marks=cx.marks.clone()
                />
            }
            .into_any()
        }
        Kind::Chart { chart } => {
            let (requests, latency) = charts(&data.series);
            let current = &data.summary.current;
            let (description, shape, series, format): (_, _, _, fn(f64) -> String) = match chart {
                ChartKind::Requests => (
                    format!(
                        "{} requests {}, {} of them errors; busiest {}: {}.",
                        count(current.total_requests),
                        cx.period,
                        count(current.errors),
                        data.series.bucket.as_str(),
                        busiest(&data.series, &cx.labels),
                    ),
                    Shape::StackedBars,
                    requests,
                    |v| compact(v.round() as i64),
                ),
                ChartKind::Latency => (
                    format!(
                        "Latency {}: p50 {} and p95 {} overall, {} average.",
                        cx.period,
                        millis(current.p50_latency_ms),
                        millis(current.p95_latency_ms),
                        millis(current.avg_latency_ms),
                    ),
                    Shape::Lines,
                    latency,
                    |v| millis(Some(v)),
                ),
            };
            view! {
                <Chart
                    id
                    title
                    description
                    shape
                    labels=cx.labels.clone()
                    series=Vec::from(series)
                    format
                    marks=cx.marks.clone()
                />
            }
            .into_any()
        }
        Kind::Breakdown { by: By::Services } => {
            let services = data.breakdown.services.clone();
            view! { <ServiceUsageTable id title services linked /> }.into_any()
        }
        Kind::Breakdown { by: By::Errors } => {
            let errors = data.breakdown.errors.clone();
            let service = cx.service.filter(|_| linked);
            view! { <ErrorTable id title errors service /> }.into_any()
        }
        Kind::Breakdown { by: By::Models } => {
            let models = data.breakdown.models.clone();
            view! { <ModelTable id title models /> }.into_any()
        }
        Kind::Breakdown { by } => {
            let top = data.end_users.as_ref()?;
            let users = match by {
                By::EndUsersByCost => top.by_cost.clone(),
                _ => top.by_requests.clone(),
            };
            view! { <EndUsersTable id title users linked /> }.into_any()
        }
        Kind::Activity if cx.shared => return None,
        Kind::Activity => {
            let activity = data.activity.clone();
            view! { <ActivityFeed id title activity /> }.into_any()
        }
        Kind::Alerts => {
            let alerts = data.alerts.clone();
            view! { <AlertsPanel id title alerts linked /> }.into_any()
        }
    };
    Some(view)
}
