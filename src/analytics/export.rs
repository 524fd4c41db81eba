//! `GET /api/v1/analytics/export.csv`: the dashboard's current view as one CSV file. Rows of
//! three sections share one header: the period's `total`, its time series, and per service.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};

use super::{AnalyticsQuery, Breakdown, Figures, Series, backend};
use crate::auth::guard::CurrentUser;
use crate::error::AppError;
use crate::server::state::AppState;

const HEADER: &str = "section,start,end,service,requests,errors,success_rate,avg_latency_ms,p50_latency_ms,\
                      p95_latency_ms,tokens,cost_usd\n";

pub async fn export(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    query: Result<Query<AnalyticsQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let query = super::rest::query(query)?;
    let mut conn = state.conn().await?;
    let window = backend::resolve(&mut conn, &auth, &query, Utc::now()).await?;
    let (summary, series) = backend::overview(&mut conn, &window).await?;
    let breakdown = backend::breakdown(&mut conn, &window).await?;
    drop(conn);
    let scope = match query.service {
        Some(_) => breakdown.services.first().map(|s| s.name.clone()).unwrap_or_default(),
        None => "all services".to_owned(),
    };
    let rows = std::iter::once(HEADER.to_owned())
        .chain(std::iter::once(total_row(
            &summary.current,
            summary.from,
            summary.to,
            &scope,
        )))
        .chain(series_rows(&series, &scope, summary.to))
        .chain(service_rows(&breakdown, summary.from, summary.to))
        .collect::<Vec<_>>();
    let name = format!(
        "ragsites-{}-{}.csv",
        query.range.as_deref().unwrap_or("7d"),
        summary.to.format("%Y%m%d")
    );
    // At most a few thousand rows (hours of 366 days are read as days): sent a row per chunk.
    let body = Body::from_stream(futures_util::stream::iter(
        rows.into_iter().map(Ok::<_, std::io::Error>),
    ));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}

fn total_row(figures: &Figures, from: DateTime<Utc>, to: DateTime<Utc>, scope: &str) -> String {
    line(&[
        "total".into(),
        time(from),
        time(to),
        field(scope),
        figures.total_requests.to_string(),
        figures.errors.to_string(),
        optional(figures.success_rate),
        optional(figures.avg_latency_ms),
        optional(figures.p50_latency_ms),
        optional(figures.p95_latency_ms),
        (figures.tokens_in + figures.tokens_out).to_string(),
        format!("{:.6}", figures.cost_usd),
    ])
}

fn series_rows<'a>(series: &'a Series, scope: &'a str, end: DateTime<Utc>) -> impl Iterator<Item = String> + 'a {
    let starts = series.points.iter().map(|p| p.at);
    let ends = starts.clone().skip(1).chain(std::iter::once(end));
    series.points.iter().zip(ends).map(move |(point, until)| {
        line(&[
            format!("{:?}", series.bucket).to_lowercase(),
            time(point.at),
            time(until),
            field(scope),
            point.requests.to_string(),
            point.errors.to_string(),
            optional(super::ratio(point.requests - point.errors, point.requests)),
            String::new(),
            optional(point.p50_latency_ms),
            optional(point.p95_latency_ms),
            String::new(),
            String::new(),
        ])
    })
}

fn service_rows(breakdown: &Breakdown, from: DateTime<Utc>, to: DateTime<Utc>) -> impl Iterator<Item = String> + '_ {
    breakdown.services.iter().map(move |service| {
        line(&[
            "service".into(),
            time(from),
            time(to),
            field(&service.name),
            service.requests.to_string(),
            service.errors.to_string(),
            optional(service.success_rate),
            optional(service.avg_latency_ms),
            String::new(),
            String::new(),
            service.tokens.to_string(),
            format!("{:.6}", service.cost_usd),
        ])
    })
}

fn line(fields: &[String]) -> String {
    let mut line = fields.join(",");
    line.push('\n');
    line
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn optional(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.4}")).unwrap_or_default()
}

/// Quotes a text field (RFC 4180), and defuses text a spreadsheet would run as a formula.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn text_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("Support bot"), "Support bot");
        assert_eq!(field("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
    }
}
