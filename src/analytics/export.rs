//! The dashboard's current view as one CSV file. Rows of three sections share one header: the
//! period's `total`, its time series, and per service.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{Breakdown, Series, Summary, ratio};

const HEADER: [&str; 12] = [
    "section",
    "start",
    "end",
    "service",
    "requests",
    "errors",
    "success_rate",
    "avg_latency_ms",
    "p50_latency_ms",
    "p95_latency_ms",
    "tokens",
    "cost_usd",
];

/// The file's bytes. `scope` names the services the figures are of.
pub fn csv(summary: &Summary, series: &Series, breakdown: &Breakdown, scope: &str) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER)?;
    let now = &summary.current;
    out.write_record([
        "total".into(),
        time(summary.from),
        time(summary.to),
        defuse(scope),
        now.total_requests.to_string(),
        now.errors.to_string(),
        optional(now.success_rate),
        optional(now.avg_latency_ms),
        optional(now.p50_latency_ms),
        optional(now.p95_latency_ms),
        (now.tokens_in + now.tokens_out).to_string(),
        format!("{:.6}", now.cost_usd),
    ])?;
    let ends = series.points.iter().skip(1).map(|p| p.at).chain([summary.to]);
    for (point, end) in series.points.iter().zip(ends) {
        out.write_record([
            series.bucket.as_str().into(),
            time(point.at),
            time(end),
            defuse(scope),
            point.requests.to_string(),
            point.errors.to_string(),
            optional(ratio(point.requests - point.errors, point.requests)),
            String::new(),
            optional(point.p50_latency_ms),
            optional(point.p95_latency_ms),
            String::new(),
            String::new(),
        ])?;
    }
    for service in &breakdown.services {
        out.write_record([
            "service".into(),
            time(summary.from),
            time(summary.to),
            defuse(&service.name),
            service.requests.to_string(),
            service.errors.to_string(),
            optional(service.success_rate),
            optional(service.avg_latency_ms),
            String::new(),
            String::new(),
            service.tokens.to_string(),
            format!("{:.6}", service.cost_usd),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn optional(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.4}")).unwrap_or_default()
}

/// Text a client typed, made safe for spreadsheets: one that would run as a formula is prefixed
/// with an apostrophe (the writer quotes what needs quoting).
fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::{Bucket, Figures};

    #[test]
    fn text_fields_are_quoted_and_formulas_defused() {
        let at = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap().to_utc();
        let summary = Summary {
            current: Figures::default(),
            previous: Figures::default(),
            from: at,
            to: at,
        };
        let series = Series {
            bucket: Bucket::Day,
            tz: "UTC".into(),
            points: Vec::new(),
        };
        let breakdown = Breakdown {
            services: Vec::new(),
            models: Vec::new(),
            errors: Vec::new(),
        };
        let file = |scope| String::from_utf8(csv(&summary, &series, &breakdown, scope).unwrap()).unwrap();
        let row = |scope| file(scope).lines().nth(1).unwrap().to_owned();
        assert!(file("x").starts_with("section,start,end,service,requests,"));
        assert!(row("Support bot").contains(",Support bot,"));
        assert!(row("a, \"b\"").contains(",\"a, \"\"b\"\"\","));
        assert!(row("=HYPERLINK(\"x\")").contains(",\"'=HYPERLINK(\"\"x\"\")\","));
        assert!(row("-1").contains(",'-1,"));
    }
}
