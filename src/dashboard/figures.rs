//! The figures of a view as the server renders them: cards, charts, tables and activity. The
//! page renders them in place, and the live island fetches them again after new events.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::DashboardData;
use super::charts::{Mark, Series as ChartSeries, position_of};
use crate::analytics::{Bucket, Series};
use crate::annotations::Annotation;
use crate::ui::format::count;
use crate::ui::states::EmptyState;
use crate::widgets::render::widgets;

/// The element holding the figures, which live updates replace.
pub const FIGURES_ID: &str = "figures";

/// The figures for one query's data, or the first steps for a client with no service yet.
/// `shared`: for a share link's visitor, with no links into the owner's portal and no activity.
pub fn figures(data: DashboardData, single: bool, shared: bool) -> AnyView {
    if !single && data.services.is_empty() {
        match shared {
            true => view! { <p class="panel__empty">"Nothing is shared here yet."</p> }.into_any(),
            false => view! { <NoServicesYet /> }.into_any(),
        }
    } else {
        view! { <ViewFigures data shared /> }.into_any()
    }
}

/// The view's widgets, and the clock they are read on.
#[component]
fn ViewFigures(data: DashboardData, shared: bool) -> impl IntoView {
    let tz = data.figures.series.tz.clone();
    view! {
        {widgets(data, shared)}
        <p class="footnote">
            "Times in " {tz}
            {(!shared).then(|| view! { " · " <a href="/settings/notifications">"change time zone"</a> })}
        </p>
    }
    .into_any()
}

/// The requests (success and errors) and latency (p50 and p95) series, for the page's charts
/// and the PDF's.
pub fn charts(series: &Series) -> ([ChartSeries; 2], [ChartSeries; 2]) {
    let points = &series.points;
    let requests = [
        ChartSeries {
            name: "Success",
            tone: "success",
            values: points.iter().map(|p| Some((p.requests - p.errors) as f64)).collect(),
        },
        ChartSeries {
            name: "Errors",
            tone: "danger",
            values: points.iter().map(|p| Some(p.errors as f64)).collect(),
        },
    ];
    let latency = [
        ChartSeries {
            name: "p50",
            tone: "primary",
            values: points.iter().map(|p| p.p50_latency_ms).collect(),
        },
        ChartSeries {
            name: "p95",
            tone: "accent",
            values: points.iter().map(|p| p.p95_latency_ms).collect(),
        },
    ];
    (requests, latency)
}

/// The annotations as marks on the charts of `series`, which ends at `end`.
pub fn marks(series: &Series, end: DateTime<Utc>, annotations: &[Annotation]) -> Vec<Mark> {
    let starts: Vec<_> = series.points.iter().map(|p| p.at).collect();
    annotations
        .iter()
        .filter_map(|a| {
            Some(Mark {
                position: position_of(&starts, end, a.at)?,
                when: a.local.format("%b %-d, %H:%M").to_string(),
                text: a.text.clone(),
            })
        })
        .collect()
}

/// The points' labels: the hour or the day, on the view's clock.
pub fn labels(series: &Series) -> Vec<String> {
    let format = match series.bucket {
        Bucket::Hour => "%H:%M",
        Bucket::Day => "%b %-d",
    };
    series
        .points
        .iter()
        .map(|p| p.local.format(format).to_string())
        .collect()
}

pub fn busiest(series: &Series, labels: &[String]) -> String {
    series
        .points
        .iter()
        .zip(labels)
        .max_by_key(|(p, _)| p.requests)
        .filter(|(p, _)| p.requests > 0)
        .map(|(p, label)| format!("{label} with {}", count(p.requests)))
        .unwrap_or_else(|| "none".into())
}

#[component]
fn NoServicesYet() -> impl IntoView {
    view! {
        <EmptyState title="No services yet">
            <p>"Your figures appear here as soon as a service sends its first events."</p>
            <ol class="steps">
                <li>
                    <a href="/services">"Create a service"</a>
                    " for your chatbot, RAG site or voice agent."
                </li>
                <li>"Create an API key on the service's page (it shows a ready curl command)."</li>
                <li>
                    "Send events to " <code>"POST /api/v1/events"</code>
                    ": they show here within a second."
                </li>
            </ol>
        </EmptyState>
    }
}
