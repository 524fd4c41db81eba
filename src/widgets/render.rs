//! A view's widgets drawn from its one load of figures: each widget only picks and shapes what
//! [`DashboardData`] already holds, so none reads the database on its own.

use leptos::prelude::*;
use uuid::Uuid;

use super::{By, ChartKind, Display, Figure, Kind, Place, Widget};
use crate::alerts::pages::AlertsPanel;
use crate::analytics::{ServiceUsage, Totals};
use crate::dashboard::cards::{Card, MetricCard, card, card_of_services};
use crate::dashboard::charts::{Chart, Mark, Series as ChartSeries, Shape};
use crate::dashboard::figures::{busiest, charts, labels, marks};
use crate::dashboard::panels::{ActivityFeed, EndUsersTable, ErrorTable, ModelTable, ServiceUsageTable};
use crate::dashboard::{DashboardData, PeriodFigures};
use crate::ui::format::{compact, count, millis, percent, usd};

/// The card of a metric widget shown as a number: over every service in view with its change,
/// or over the services it names (those in view).
pub fn metric_card(data: &PeriodFigures, figure: Figure, services: &[Uuid], title: String) -> Card {
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

/// A metric widget's values point by point of its period's series (each service's, when the
/// period's own series lacks them).
pub fn metric_values(data: &PeriodFigures, figure: Figure, services: &[Uuid]) -> Vec<Option<f64>> {
    let points = &data.series.points;
    if figure.in_series(services) {
        return points
            .iter()
            .map(|p| match figure {
                Figure::P50Latency => p.p50_latency_ms,
                Figure::P95Latency => p.p95_latency_ms,
                Figure::Errors => Some(p.errors as f64),
                _ => Some(p.requests as f64),
            })
            .collect();
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

/// A widget's title as shown, with its period when it has one of its own.
pub fn titled(widget: &Widget, figures: &PeriodFigures) -> String {
    match widget.range {
        Some(_) => format!("{} · {}", widget.title, figures.range.label().to_lowercase()),
        None => widget.title.clone(),
    }
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

/// What the widgets of one period share.
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
pub fn widgets(data: DashboardData, shared: bool) -> impl IntoView {
    let context = |figures: &PeriodFigures| Context {
        period: figures.range.phrase(),
        previous: figures.range.span(),
        labels: labels(&figures.series),
        marks: marks(&figures.series, figures.summary.to, &data.marked),
        service: match data.place {
            Place::Service(id, _) => Some(id),
            Place::Dashboard => None,
        },
        shared,
    };
    let view = context(&data.figures);
    let own: Vec<Context> = data.own.iter().map(context).collect();
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
            let figures = data.figures_of(widget);
            let cx = data
                .own
                .iter()
                .position(|f| std::ptr::eq(f, figures))
                .map_or(&view, |k| &own[k]);
            let content = widget_view(&data, figures, cx, widget, id)?;
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
fn widget_view(
    data: &DashboardData,
    figures: &PeriodFigures,
    cx: &Context,
    widget: &Widget,
    id: String,
) -> Option<AnyView> {
    let title = titled(widget, figures);
    let linked = !cx.shared;
    let view = match &widget.kind {
        Kind::Metric {
            figure,
            services,
            display: Display::Number,
        } => {
            let card = metric_card(figures, *figure, services, title);
            view! { <MetricCard card period=cx.previous /> }.into_any()
        }
        Kind::Metric {
            figure,
            services,
            display,
        } => {
            let values = metric_values(figures, *figure, services);
            let shape = match display {
                Display::Bar => Shape::StackedBars,
                _ => Shape::Lines,
            };
            let description = format!(
                "{} per {} {}.",
                figure.label(),
                figures.series.bucket.as_str(),
                cx.period
            );
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
            let (requests, latency) = charts(&figures.series);
            let current = &figures.summary.current;
            let (description, shape, series, format): (_, _, _, fn(f64) -> String) = match chart {
                ChartKind::Requests => (
                    format!(
                        "{} requests {}, {} of them errors; busiest {}: {}.",
                        count(current.total_requests),
                        cx.period,
                        count(current.errors),
                        figures.series.bucket.as_str(),
                        busiest(&figures.series, &cx.labels),
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
            let services = figures.breakdown.services.clone();
            view! { <ServiceUsageTable id title services linked /> }.into_any()
        }
        Kind::Breakdown { by: By::Errors } => {
            let errors = figures.breakdown.errors.clone();
            let service = cx.service.filter(|_| linked);
            view! { <ErrorTable id title errors service /> }.into_any()
        }
        Kind::Breakdown { by: By::Models } => {
            let models = figures.breakdown.models.clone();
            view! { <ModelTable id title models /> }.into_any()
        }
        Kind::Breakdown { by } => {
            let top = figures.end_users.as_ref()?;
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
