//! A month's statement as a PDF: the plan, the month's usage against its quota, and the usage
//! of each service, from the same hourly rollups as the billing tab.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::pdf::{CONTENT, Column, INK, Layout, MARGIN, MUTED, PANEL, Weight};
use crate::billing::{Plan, ServiceMonth, Statement};
use crate::error::AppError;
use crate::ui::format::{count, usd};

pub struct StatementPdf {
    pub client: String,
    pub email: String,
    pub plan: Option<Plan>,
    pub month: Statement,
    pub services: Vec<ServiceMonth>,
    pub generated_at: DateTime<Utc>,
}

/// "October 2026" from the month's first day; the month still running is "to date".
fn month_name(month: NaiveDate, now: DateTime<Utc>) -> String {
    let name = month.format("%B %Y").to_string();
    if month.year() == now.year() && month.month() == now.month() {
        format!("{name} (to date)")
    } else {
        name
    }
}

pub fn statement(s: &StatementPdf) -> Result<Vec<u8>, AppError> {
    let mut doc = Layout::default();
    let name = month_name(s.month.month, s.generated_at);
    let plan = s.plan.as_ref().map_or_else(
        || "No plan".to_owned(),
        |p| {
            format!(
                "{} · {} a month · {} requests included",
                p.name,
                usd(f64::from(p.price_cents) / 100.0),
                count(p.monthly_request_quota)
            )
        },
    );
    doc.title_block(
        &format!("Statement: {name}"),
        &[
            ("Client", format!("{} ({})", s.client, s.email)),
            ("Current plan", plan),
            ("Generated", s.generated_at.format("%b %-d, %Y %H:%M UTC").to_string()),
        ],
    );
    let (width, height, gap) = ((CONTENT - 20.0) / 3.0, 52.0, 10.0);
    let quota = s.plan.as_ref().map(|p| p.monthly_request_quota);
    let figures = [
        (
            "Requests",
            count(s.month.requests),
            quota.map_or_else(String::new, |q| format!("of {} included", count(q))),
        ),
        ("Tokens", count(s.month.tokens), String::new()),
        (
            "AI provider cost",
            usd(s.month.cost_usd),
            "charged by the providers".to_owned(),
        ),
    ];
    for (i, (title, value, detail)) in figures.into_iter().enumerate() {
        let x = MARGIN + i as f32 * (width + gap);
        doc.rect((x, doc.y), (width, height), PANEL);
        doc.text((x + 10.0, doc.y + 14.0), 8.0, Weight::Regular, MUTED, title);
        doc.text((x + 10.0, doc.y + 32.0), 15.0, Weight::Bold, INK, value);
        doc.text((x + 10.0, doc.y + 44.0), 7.5, Weight::Regular, MUTED, detail);
    }
    doc.y += height + 24.0;

    let rows = s
        .services
        .iter()
        .map(|m| vec![m.name.clone(), count(m.requests), count(m.tokens), usd(m.cost_usd)])
        .chain([vec![
            "Total".to_owned(),
            count(s.month.requests),
            count(s.month.tokens),
            usd(s.month.cost_usd),
        ]])
        .collect();
    let columns = [
        Column("Service", 0.46, false),
        Column("Requests", 0.18, true),
        Column("Tokens", 0.18, true),
        Column("AI cost", 0.18, true),
    ];
    doc.table("Usage by service", &columns, rows);
    doc.room_for(30.0);
    doc.text(
        (MARGIN, doc.y),
        8.0,
        Weight::Regular,
        MUTED,
        "Usage from the portal's hourly figures (UTC months). Invoices and payments are handled by your agency.",
    );
    doc.finish(
        &format!("Statement {name}"),
        &format!("RagSites Portal · {} · statement {name}", s.client),
    )
}
