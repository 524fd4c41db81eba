//! The dashboard's current view as one CSV file. Rows of four sections share one header: the
//! period's `total`, its time series, per service, and its annotations (their time in `start`
//! and `end`, their text in `annotation`). The conversation and end-user figures are the
//! period's (the total row's).

use chrono::{DateTime, SecondsFormat, Utc};

use super::{Breakdown, Series, Summary, ratio};
use crate::annotations::Annotation;

const COLUMNS: usize = 18;
const HEADER: [&str; COLUMNS] = [
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
    "conversations",
    "unique_end_users",
    "rated",
    "satisfaction",
    "call_minutes",
    "annotation",
];

/// The file's bytes. `scope` names the services the figures are of.
pub fn csv(
    summary: &Summary,
    series: &Series,
    breakdown: &Breakdown,
    annotations: &[Annotation],
    scope: &str,
) -> Result<Vec<u8>, csv::Error> {
    let mut out = Rows(csv::Writer::from_writer(Vec::new()));
    out.write_record(HEADER.map(String::from))?;
    let now = &summary.current;
    out.write_record([
        "total".into(),
        time(summary.from),
        time(summary.to),
        scope.to_owned(),
        now.total_requests.to_string(),
        now.errors.to_string(),
        optional(now.success_rate),
        optional(now.avg_latency_ms),
        optional(now.p50_latency_ms),
        optional(now.p95_latency_ms),
        (now.tokens_in + now.tokens_out).to_string(),
        format!("{:.6}", now.cost_usd),
        now.conversations.conversations.to_string(),
        now.unique_end_users.to_string(),
        now.conversations.rated.to_string(),
        optional(now.conversations.satisfaction),
        format!("{:.2}", now.conversations.call_minutes),
        String::new(),
    ])?;
    let ends = series.points.iter().skip(1).map(|p| p.at).chain([summary.to]);
    for (point, end) in series.points.iter().zip(ends) {
        out.write_record([
            series.bucket.as_str().into(),
            time(point.at),
            time(end),
            scope.to_owned(),
            point.requests.to_string(),
            point.errors.to_string(),
            optional(ratio(point.requests - point.errors, point.requests)),
            String::new(),
            optional(point.p50_latency_ms),
            optional(point.p95_latency_ms),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ])?;
    }
    for service in &breakdown.services {
        out.write_record([
            "service".into(),
            time(summary.from),
            time(summary.to),
            service.name.clone(),
            service.requests.to_string(),
            service.errors.to_string(),
            optional(service.success_rate),
            optional(service.avg_latency_ms),
            String::new(),
            String::new(),
            service.tokens.to_string(),
            format!("{:.6}", service.cost_usd),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ])?;
    }
    for annotation in annotations {
        let mut cells: [String; COLUMNS] = Default::default();
        cells[0] = "annotation".into();
        cells[1] = time(annotation.at);
        cells[2] = time(annotation.at);
        cells[3] = annotation.service_name.clone().unwrap_or_else(|| "all services".into());
        cells[COLUMNS - 1] = annotation.text.clone();
        out.write_record(cells)?;
    }
    out.0.into_inner().map_err(|e| e.into_error().into())
}

/// The writer, every cell defused on its way.
struct Rows(csv::Writer<Vec<u8>>);

impl Rows {
    fn write_record(&mut self, cells: [String; COLUMNS]) -> Result<(), csv::Error> {
        self.0.write_record(cells.iter().map(|cell| defuse(cell)))
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn optional(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.4}")).unwrap_or_default()
}

/// What a spreadsheet may split a line on: the file's comma, but also the semicolon, tab or bar
/// of another locale or import setting (which ignores our quotes), and line breaks.
const SEPARATORS: [char; 6] = [',', ';', '\t', '|', '\r', '\n'];
/// What makes a cell a formula when it starts one.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell made safe for spreadsheets whatever separator they split it on: wherever a formula
/// could start (at the start, or after a separator), an apostrophe goes first, which makes the
/// rest text. The writer quotes what needs quoting.
fn defuse(cell: &str) -> String {
    let mut safe = String::with_capacity(cell.len());
    let mut at_start = true;
    for c in cell.chars() {
        if at_start && FORMULA_STARTS.contains(&c) {
            safe.push('\'');
        }
        safe.push(c);
        at_start = SEPARATORS.contains(&c);
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::{Bucket, Figures};

    /// A summary, series and breakdown with nothing in them.
    fn empty_figures() -> (Summary, Series, Breakdown) {
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
        (summary, series, breakdown)
    }

    #[test]
    fn text_fields_are_quoted_and_formulas_defused() {
        let (summary, series, breakdown) = empty_figures();
        let file = |scope| String::from_utf8(csv(&summary, &series, &breakdown, &[], scope).unwrap()).unwrap();
        let row = |scope| file(scope).lines().nth(1).unwrap().to_owned();
        assert!(file("x").starts_with("section,start,end,service,requests,"));
        assert!(row("Support bot").contains(",Support bot,"));
        assert!(row("a, \"b\"").contains(",\"a, \"\"b\"\"\","));
        assert!(row("=HYPERLINK(\"x\")").contains(",\"'=HYPERLINK(\"\"x\"\")\","));
        assert!(row("-1").contains(",'-1,"));
    }

    #[test]
    fn every_cell_is_defused_whatever_the_separator() {
        for (cell, safe) in [
            ("Support bot", "Support bot"),
            ("a - b, c", "a - b, c"),
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t'=1"),
            ("\r=1", "'\r'=1"),
            ("a;=HYPERLINK(\"x\")", "a;'=HYPERLINK(\"x\")"),
            ("a,+1", "a,'+1"),
            ("a|@x", "a|'@x"),
            ("a\t-1", "a\t'-1"),
            ("a\n=1", "a\n'=1"),
            ("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z"),
            ("0.5000", "0.5000"),
        ] {
            assert_eq!(defuse(cell), safe, "{cell:?}");
        }
        // Split on any separator, no piece of any line starts a formula.
        let (summary, series, breakdown) = empty_figures();
        let file = csv(&summary, &series, &breakdown, &[], "x;=1+1|@cmd\t-2,+3").unwrap();
        let text = String::from_utf8(file).unwrap();
        for piece in text.split(SEPARATORS) {
            let piece = piece.trim_start_matches('"');
            assert!(!piece.starts_with(['=', '+', '-', '@']), "{piece:?} in {text}");
        }
    }
}
