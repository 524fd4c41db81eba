//! The PDF of a view: the dashboard's (every service) or a service's page, for the view's
//! period. The same cards, charts, annotations and tables as the page, with the same words
//! and numbers (the page's formatting functions write both).

use chrono::{DateTime, NaiveDateTime, Utc};

use super::pdf::{
    ACCENT, CONTENT, Column, DANGER, INK, Layout, MARGIN, MUTED, PANEL, PRIMARY, RULE, Rgb, SUCCESS, WARNING, Weight,
    fit, text_width,
};
use crate::dashboard::charts::{Series as ChartSeries, nice_ceiling, position_of};
use crate::dashboard::figures::{charts, labels};
use crate::dashboard::{DashboardData, PeriodFigures};
use crate::error::AppError;
use crate::ui::format::{compact, count, millis, percent, usd};
use crate::widgets::render::{metric_card, metric_values, titled, value_format};
use crate::widgets::{By, ChartKind, Display, Kind};

/// Who the report is for and what it covers, as its first lines say.
pub struct Heading {
    /// "Client", or "Requested by" when an admin asks (an admin's view may hold several
    /// clients' services).
    pub who: &'static str,
    /// Their name, and their address when the reader is theirs (a share link's report: the name).
    pub client: String,
    /// "All services" or the service's name.
    pub scope: String,
    pub generated_at: DateTime<Utc>,
}

/// The report of `data`: its widgets in their layout's order (the metric cards first,
/// together), each over its period, then the annotations its charts mark.
pub fn report(data: &DashboardData, heading: &Heading) -> Result<Vec<u8>, AppError> {
    let mut doc = Layout::default();
    let period = period_text(&data.figures);
    title(&mut doc, heading, &period);
    key_figures(&mut doc, data);
    for widget in &data.layout.widgets {
        let figures = data.figures_of(widget);
        let name = &titled(widget, figures);
        // A chart's axis and marks, for the widgets that draw one.
        let axis = || (labels(&figures.series), marks(data, figures));
        match &widget.kind {
            Kind::Metric {
                display: Display::Number,
                ..
            } => {}
            Kind::Metric {
                figure,
                services,
                display,
            } => {
                let series = [ChartSeries {
                    name: figure.label(),
                    tone: "primary",
                    values: metric_values(figures, *figure, services),
                }];
                let stacked = *display == Display::Bar;
                let (labels, marks) = axis();
                chart(&mut doc, name, &labels, &series, stacked, &marks, value_format(*figure));
            }
            Kind::Chart { chart: kind } => {
                let (labels, marks) = axis();
                let (requests, latency) = charts(&figures.series);
                match kind {
                    ChartKind::Requests => chart(&mut doc, name, &labels, &requests, true, &marks, |v| {
                        compact(v.round() as i64)
                    }),
                    ChartKind::Latency => chart(&mut doc, name, &labels, &latency, false, &marks, |v| millis(Some(v))),
                }
            }
            Kind::Breakdown { by } => breakdown(&mut doc, figures, *by, name),
            Kind::Activity => activity(&mut doc, data, name),
            Kind::Alerts => alerts(&mut doc, data, name),
        }
    }
    annotations(&mut doc, data);
    let title = format!("{} · {}", heading.scope, period);
    let footer = format!("RagSites Portal · {} · {}", heading.client, heading.scope);
    doc.finish(&title, &footer)
}

fn local(at: NaiveDateTime) -> String {
    at.format("%b %-d, %Y %H:%M").to_string()
}

/// The period on the view's clock: from the first bucket's start to the period's end.
fn period_text(data: &PeriodFigures) -> String {
    let series = &data.series;
    match (series.points.first(), series.points.last()) {
        (Some(first), Some(last)) => {
            let end = last.local + (data.summary.to - last.at);
            format!("{} – {} ({})", local(first.local), local(end), series.tz)
        }
        _ => format!("{} – {} (UTC)", data.summary.from, data.summary.to),
    }
}

fn title(doc: &mut Layout, heading: &Heading, period: &str) {
    doc.title_block(
        &format!("Report: {}", heading.scope),
        &[
            (heading.who, heading.client.clone()),
            ("Period", period.to_owned()),
            (
                "Generated",
                heading.generated_at.format("%b %-d, %Y %H:%M UTC").to_string(),
            ),
        ],
    );
}

/// The metric widgets shown as numbers, as cards three to a row.
fn key_figures(doc: &mut Layout, data: &DashboardData) {
    let cards: Vec<_> = data
        .layout
        .widgets
        .iter()
        .filter_map(|w| match &w.kind {
            Kind::Metric {
                figure,
                services,
                display: Display::Number,
            } => {
                let figures = data.figures_of(w);
                Some((
                    metric_card(figures, *figure, services, titled(w, figures)),
                    figures.range,
                ))
            }
            _ => None,
        })
        .collect();
    if cards.is_empty() {
        return;
    }
    let (columns, gap, height) = (3, 10.0, 65.0);
    let width = (CONTENT - gap * (columns as f32 - 1.0)) / columns as f32;
    doc.section("Key figures", height);
    for row in cards.chunks(columns) {
        doc.room_for(height + gap);
        for (i, (card, range)) in row.iter().enumerate() {
            let x = MARGIN + i as f32 * (width + gap);
            let (top, inner) = (doc.y, width - 20.0);
            doc.rect((x, top), (width, height), PANEL);
            doc.text(
                (x + 10.0, top + 15.0),
                8.0,
                Weight::Regular,
                MUTED,
                fit(&card.title, inner, 8.0, Weight::Regular),
            );
            doc.text(
                (x + 10.0, top + 35.0),
                15.0,
                Weight::Bold,
                INK,
                fit(&card.value, inner, 15.0, Weight::Bold),
            );
            if let Some(detail) = &card.detail {
                doc.text(
                    (x + 10.0, top + 48.0),
                    7.5,
                    Weight::Regular,
                    MUTED,
                    fit(detail, inner, 7.5, Weight::Regular),
                );
            }
            if let Some((change, tone)) = &card.change {
                let tone = match tone.as_str() {
                    "change--good" => SUCCESS,
                    "change--bad" => DANGER,
                    _ => MUTED,
                };
                let versus = format!("{change} vs previous {}", range.span());
                doc.text(
                    (x + 10.0, top + 61.0),
                    7.5,
                    Weight::Regular,
                    tone,
                    fit(&versus, inner, 7.5, Weight::Regular),
                );
            }
        }
        doc.y += height + gap;
    }
    doc.y += 8.0;
}

/// The annotations drawn on a chart of `figures`' period, numbered as the list after them.
fn marks(data: &DashboardData, figures: &PeriodFigures) -> Vec<(usize, f64)> {
    let starts: Vec<_> = figures.series.points.iter().map(|p| p.at).collect();
    data.marked
        .iter()
        .enumerate()
        .filter_map(|(i, a)| Some((i + 1, position_of(&starts, figures.summary.to, a.at)?)))
        .collect()
}

/// The colour of a series' tone (the page's CSS modifier).
fn tone(name: &str) -> Rgb {
    match name {
        "success" => SUCCESS,
        "danger" => DANGER,
        "primary" => PRIMARY,
        _ => ACCENT,
    }
}

/// One or two series over the period as vector graphics: stacked bars or lines, the axis scaled to a
/// round top, the annotations as numbered dashed lines.
fn chart(
    doc: &mut Layout,
    name: &str,
    labels: &[String],
    series: &[ChartSeries],
    stacked: bool,
    marks: &[(usize, f64)],
    format: fn(f64) -> String,
) {
    let (height, axis) = (112.0, 52.0);
    doc.section(name, height + 30.0);
    // The legend, right-aligned on the heading's line.
    let mut x = MARGIN + CONTENT;
    for s in series.iter().rev() {
        x -= text_width(s.name, 8.0, Weight::Regular);
        doc.text((x, doc.y - 14.0), 8.0, Weight::Regular, INK, s.name);
        x -= 12.0;
        doc.rect((x, doc.y - 21.0), (8.0, 8.0), tone(s.tone));
        x -= 10.0;
    }
    let (left, top, width) = (MARGIN + axis, doc.y, CONTENT - axis);
    let n = labels.len().max(1);
    let band = width / n as f32;
    let value = |k: usize, i: usize| series[k].values.get(i).copied().flatten();
    let max = (0..n)
        .map(|i| {
            let values = (0..series.len()).map(|k| value(k, i).unwrap_or(0.0));
            if stacked {
                values.sum()
            } else {
                values.fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max);
    let top_value = nice_ceiling(max);
    let y = |v: f64| top + height - (v / top_value) as f32 * height;
    for f in [0.0, 0.5, 1.0] {
        let v = top_value * f;
        doc.line((left, y(v)), (left + width, y(v)), 0.5, RULE);
        if max > 0.0 {
            doc.text_right((left - 6.0, y(v) + 3.0), 7.0, Weight::Regular, MUTED, format(v));
        }
    }
    let center = |i: usize| left + (i as f32 + 0.5) * band;
    if stacked {
        for i in 0..n {
            let mut base = 0.0;
            for s in series {
                let v = s.values.get(i).copied().flatten().unwrap_or(0.0);
                let (y0, y1) = (y(base), y(base + v));
                doc.rect(
                    (left + i as f32 * band + band * 0.15, y1),
                    (band * 0.7, y0 - y1),
                    tone(s.tone),
                );
                base += v;
            }
        }
    } else {
        for (k, s) in series.iter().enumerate() {
            // A missing value (no traffic in the bucket) breaks the line.
            let mut run = Vec::new();
            for i in 0..n {
                match value(k, i) {
                    Some(v) => run.push((center(i), y(v))),
                    None => doc.polyline(std::mem::take(&mut run), 1.4, tone(s.tone)),
                }
            }
            doc.polyline(run, 1.4, tone(s.tone));
        }
    }
    if max == 0.0 {
        let text = "No data in this period";
        let x = left + (width - text_width(text, 9.0, Weight::Regular)) / 2.0;
        doc.text((x, top + height / 2.0), 9.0, Weight::Regular, MUTED, text);
    }
    let step = n.div_ceil(8).max(1);
    for (i, label) in labels.iter().enumerate().step_by(step) {
        let w = text_width(label, 7.0, Weight::Regular);
        doc.text(
            (center(i) - w / 2.0, top + height + 12.0),
            7.0,
            Weight::Regular,
            MUTED,
            label.clone(),
        );
    }
    for (number, position) in marks {
        let x = left + *position as f32 * width;
        doc.dashed_line((x, top), (x, top + height), 1.0, WARNING);
        doc.text((x + 2.0, top + 8.0), 7.0, Weight::Bold, WARNING, number.to_string());
    }
    doc.y = top + height + 28.0;
}

fn annotations(doc: &mut Layout, data: &DashboardData) {
    if data.marked.is_empty() {
        return;
    }
    doc.section("Annotations", 14.0);
    for (i, a) in data.marked.iter().enumerate() {
        doc.room_for(14.0);
        let scope = a.service_name.as_deref().unwrap_or("All services");
        doc.text((MARGIN, doc.y + 9.0), 9.0, Weight::Bold, WARNING, (i + 1).to_string());
        doc.text(
            (MARGIN + 16.0, doc.y + 9.0),
            9.0,
            Weight::Regular,
            MUTED,
            a.local.format("%b %-d, %H:%M").to_string(),
        );
        let text = format!("{} ({scope})", a.text);
        doc.text(
            (MARGIN + 96.0, doc.y + 9.0),
            9.0,
            Weight::Regular,
            INK,
            fit(&text, CONTENT - 96.0, 9.0, Weight::Regular),
        );
        doc.y += 14.0;
    }
    doc.y += 12.0;
}

fn alerts(doc: &mut Layout, data: &DashboardData, name: &str) {
    if data.alerts.is_empty() {
        return;
    }
    let rows = data
        .alerts
        .iter()
        .map(|a| {
            vec![
                a.service_name.clone(),
                a.kind.label().to_owned(),
                a.kind.format(a.threshold),
                a.kind.format(a.observed),
                a.fired_local.format("%b %-d, %H:%M").to_string(),
                a.resolved_local
                    .map_or("open".to_owned(), |at| at.format("%b %-d, %H:%M").to_string()),
            ]
        })
        .collect();
    let columns = [
        Column("Service", 0.24, false),
        Column("Alert", 0.2, false),
        Column("Threshold", 0.14, true),
        Column("Observed", 0.14, true),
        Column("Fired", 0.14, true),
        Column("Resolved", 0.14, true),
    ];
    doc.table(name, &columns, rows);
}

fn breakdown(doc: &mut Layout, data: &PeriodFigures, by: By, name: &str) {
    match by {
        By::Services => {
            let rows = data
                .breakdown
                .services
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        count(s.requests),
                        count(s.errors),
                        percent(s.success_rate),
                        millis(s.avg_latency_ms),
                        compact(s.tokens),
                        usd(s.cost_usd),
                    ]
                })
                .collect();
            let columns = [
                Column("Service", 0.3, false),
                Column("Requests", 0.12, true),
                Column("Errors", 0.1, true),
                Column("Success", 0.12, true),
                Column("Avg latency", 0.13, true),
                Column("Tokens", 0.11, true),
                Column("Cost", 0.12, true),
            ];
            doc.table(name, &columns, rows);
        }
        By::EndUsersByRequests | By::EndUsersByCost => {
            let Some(top) = data.end_users.as_ref() else { return };
            let users = match by {
                By::EndUsersByCost => &top.by_cost,
                _ => &top.by_requests,
            };
            let rows = users
                .iter()
                .map(|u| vec![u.end_user.clone(), count(u.requests), count(u.errors), usd(u.cost_usd)])
                .collect();
            let columns = [
                Column("End user", 0.46, false),
                Column("Requests", 0.18, true),
                Column("Errors", 0.18, true),
                Column("Cost", 0.18, true),
            ];
            doc.table(name, &columns, rows);
        }
        By::Errors => {
            let rows = data
                .breakdown
                .errors
                .iter()
                .map(|e| vec![e.error_kind.clone(), count(e.errors)])
                .collect();
            doc.table(name, &[Column("Error", 0.7, false), Column("Errors", 0.3, true)], rows);
        }
        By::Models => {
            let rows = data
                .breakdown
                .models
                .iter()
                .map(|m| {
                    vec![
                        m.model.clone(),
                        count(m.requests),
                        count(m.errors),
                        compact(m.tokens),
                        usd(m.cost_usd),
                    ]
                })
                .collect();
            let columns = [
                Column("Model", 0.4, false),
                Column("Requests", 0.15, true),
                Column("Errors", 0.15, true),
                Column("Tokens", 0.15, true),
                Column("Cost", 0.15, true),
            ];
            doc.table(name, &columns, rows);
        }
    }
}

/// The account's recent activity (a share link's reader has none to show).
fn activity(doc: &mut Layout, data: &DashboardData, name: &str) {
    if data.activity.is_empty() {
        return;
    }
    let rows = data
        .activity
        .iter()
        .map(|a| {
            vec![
                a.action.describe().to_owned(),
                a.service_name.clone().unwrap_or_default(),
                a.at.format("%b %-d, %H:%M UTC").to_string(),
            ]
        })
        .collect();
    let columns = [
        Column("Activity", 0.5, false),
        Column("Service", 0.26, false),
        Column("When", 0.24, true),
    ];
    doc.table(name, &columns, rows);
}
