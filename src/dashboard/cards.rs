//! The metric cards: each figure of the period with its change against the previous one.

use leptos::prelude::*;

use crate::analytics::{Figures, ServiceUsage, Summary};
use crate::ui::format::{compact, count, millis, percent, usd};
use crate::widgets::Figure;

/// Which way is good for a figure.
#[derive(Clone, Copy)]
enum Better {
    Higher,
    Lower,
    Neither,
}

/// How a change is written: relative for amounts, in points for rates, as a difference for
/// small counts.
#[derive(Clone, Copy)]
enum Delta {
    Relative,
    Points,
    Difference,
}

/// The change's text and its tone (`up`/`down`, `good`/`bad`); "n/a" without a previous figure.
fn change(current: Option<f64>, previous: Option<f64>, delta: Delta, better: Better) -> (String, String) {
    let (Some(current), Some(previous)) = (current, previous) else {
        return ("n/a".into(), "change--none".into());
    };
    let diff = current - previous;
    let text = match delta {
        Delta::Relative if previous == 0.0 => return ("n/a".into(), "change--none".into()),
        Delta::Relative => format!("{:.1}%", diff.abs() / previous * 100.0),
        Delta::Points => format!("{:.1} pp", diff.abs() * 100.0),
        Delta::Difference => format!("{}", diff.abs().round()),
    };
    let tiny = match delta {
        Delta::Relative => diff.abs() / previous < 0.0005,
        Delta::Points => diff.abs() < 0.0005,
        Delta::Difference => diff == 0.0,
    };
    if tiny {
        return (format!("→ {text}"), "change--flat".into());
    }
    let up = diff > 0.0;
    let tone = match (better, up) {
        (Better::Neither, _) => "neutral",
        (Better::Higher, true) | (Better::Lower, false) => "good",
        _ => "bad",
    };
    let arrow = if up { "▲" } else { "▼" };
    (format!("{arrow} {text}"), format!("change--{tone}"))
}

/// A figure as its card shows it: the dashboard and the PDF report write the same.
pub struct Card {
    pub title: String,
    pub value: String,
    pub detail: Option<String>,
    /// The change's text and its tone's class; `None` where no previous figure is compared.
    pub change: Option<(String, String)>,
}

/// Counts compared relatively, neither way better.
const AMOUNT: (Delta, Better) = (Delta::Relative, Better::Neither);
const LOWER: (Delta, Better) = (Delta::Relative, Better::Lower);

fn amount(n: i64) -> Option<f64> {
    Some(n as f64)
}

/// A small amount of money to the cent's hundredth ("$0.0042"), or "–" without one.
fn unit_cost(amount: Option<f64>) -> String {
    match amount {
        None => "–".into(),
        Some(amount) if amount < 1.0 => format!("${amount:.4}"),
        Some(amount) => usd(amount),
    }
}

fn minutes(minutes: f64) -> String {
    if minutes < 100.0 {
        format!("{minutes:.1} min")
    } else {
        format!("{} min", count(minutes.round() as i64))
    }
}

/// How a figure's card reads: its value and detail in one period, the figure compared between
/// periods, and how its change is written.
struct Reading {
    value: String,
    detail: Option<String>,
    figure: fn(&Figures) -> Option<f64>,
    compared: (Delta, Better),
}

fn reading(figure: Figure, now: &Figures) -> Reading {
    let c = &now.conversations;
    let read = |value: String, detail: Option<String>, figure: fn(&Figures) -> Option<f64>, compared| Reading {
        value,
        detail,
        figure,
        compared,
    };
    match figure {
        Figure::Requests => read(
            count(now.total_requests),
            Some(format!("{} errors", count(now.errors))),
            |f| amount(f.total_requests),
            AMOUNT,
        ),
        Figure::Errors => read(
            count(now.errors),
            Some(format!("of {} requests", count(now.total_requests))),
            |f| amount(f.errors),
            LOWER,
        ),
        Figure::SuccessRate => read(
            percent(now.success_rate),
            None,
            |f| f.success_rate,
            (Delta::Points, Better::Higher),
        ),
        Figure::AvgLatency => read(
            millis(now.avg_latency_ms),
            Some(format!("p95 {}", millis(now.p95_latency_ms))),
            |f| f.avg_latency_ms,
            LOWER,
        ),
        Figure::P50Latency => read(
            millis(now.p50_latency_ms),
            Some(format!("p95 {}", millis(now.p95_latency_ms))),
            |f| f.p50_latency_ms,
            LOWER,
        ),
        Figure::P95Latency => read(
            millis(now.p95_latency_ms),
            Some(format!("p50 {}", millis(now.p50_latency_ms))),
            |f| f.p95_latency_ms,
            LOWER,
        ),
        Figure::P99Latency => read(
            millis(now.p99_latency_ms),
            Some(format!("p95 {}", millis(now.p95_latency_ms))),
            |f| f.p99_latency_ms,
            LOWER,
        ),
        Figure::Tokens => read(
            compact(now.tokens_in + now.tokens_out),
            Some(format!(
                "{} in · {} out",
                compact(now.tokens_in),
                compact(now.tokens_out)
            )),
            |f| amount(f.tokens_in + f.tokens_out),
            AMOUNT,
        ),
        Figure::Cost => read(usd(now.cost_usd), None, |f| Some(f.cost_usd), LOWER),
        Figure::ActiveServices => read(
            count(now.active_services),
            Some("with traffic in the period".into()),
            |f| amount(f.active_services),
            (Delta::Difference, Better::Neither),
        ),
        Figure::UniqueUsers => read(
            count(now.unique_end_users),
            Some("distinct end users".into()),
            |f| amount(f.unique_end_users),
            AMOUNT,
        ),
        Figure::Conversations => read(
            count(c.conversations),
            c.avg_turns.map(|turns| format!("{turns:.1} turns on average")),
            |f| amount(f.conversations.conversations),
            AMOUNT,
        ),
        Figure::Satisfaction => read(
            percent(c.satisfaction),
            Some(format!("{} rated", count(c.rated))),
            |f| f.conversations.satisfaction,
            (Delta::Points, Better::Higher),
        ),
        Figure::CallMinutes => read(
            minutes(c.call_minutes),
            (c.conversations > 0).then(|| {
                format!(
                    "{} per call on average",
                    minutes(c.call_minutes / c.conversations as f64)
                )
            }),
            |f| Some(f.conversations.call_minutes),
            AMOUNT,
        ),
        Figure::CostPerConversation => read(
            unit_cost(c.cost_per_conversation_usd),
            Some(format!("{} in all", usd(now.cost_usd))),
            |f| f.conversations.cost_per_conversation_usd,
            LOWER,
        ),
        Figure::CostPerMinute => read(
            unit_cost(c.cost_per_minute_usd),
            Some(format!("{} in all", usd(now.cost_usd))),
            |f| f.conversations.cost_per_minute_usd,
            LOWER,
        ),
    }
}

/// The card of `figure` over every service in view, compared with the previous period (left
/// out when that one had no traffic: a change from nothing says nothing).
pub fn card(summary: &Summary, figure: Figure, title: String) -> Card {
    let (now, before) = (&summary.current, &summary.previous);
    let Reading {
        value,
        detail,
        figure,
        compared: (delta, better),
    } = reading(figure, now);
    let previous = figure(before).filter(|_| before.total_requests > 0);
    Card {
        title,
        value,
        detail,
        change: Some(change(figure(now), previous, delta, better)),
    }
}

/// The card of `figure` added up over some services' usage in the period (those of them in the
/// view): no previous period is read for them.
pub fn card_of_services(usage: &[&ServiceUsage], figure: Figure, title: String) -> Card {
    if usage.is_empty() {
        return Card {
            title,
            value: "–".into(),
            detail: Some("none of its services is in this view".into()),
            change: None,
        };
    }
    let requests: i64 = usage.iter().map(|s| s.requests).sum();
    let errors: i64 = usage.iter().map(|s| s.errors).sum();
    let cost: f64 = usage.iter().map(|s| s.cost_usd).sum();
    let latency_sum: f64 = usage
        .iter()
        .filter_map(|s| s.avg_latency_ms.map(|avg| avg * s.requests as f64))
        .sum();
    let ratio = |part: f64| (requests > 0).then(|| part / requests as f64);
    let value = match figure {
        Figure::Errors => count(errors),
        Figure::SuccessRate => percent(ratio((requests - errors) as f64)),
        Figure::AvgLatency => millis(ratio(latency_sum)),
        Figure::Tokens => compact(usage.iter().map(|s| s.tokens).sum()),
        Figure::Cost => usd(cost),
        _ => count(requests),
    };
    let names: Vec<&str> = usage.iter().map(|s| s.name.as_str()).collect();
    let detail = match names.len() {
        1..=2 => names.join(" and "),
        n => format!("{} services", count(n as i64)),
    };
    Card {
        title,
        value,
        detail: Some(detail),
        change: None,
    }
}

#[component]
pub fn MetricCard(
    card: Card,
    /// The previous period's name: "7 days".
    period: &'static str,
) -> impl IntoView {
    let Card {
        title,
        value,
        detail,
        change,
    } = card;
    let name = title.clone();
    let change = change.map(|(change, tone)| {
        view! {
            <p class=format!("metric__change {tone}")>
                <span class="metric__delta">{change}</span>
                " vs previous "
                {period}
            </p>
        }
    });
    view! {
        <article class="metric" data-metric=name>
            <h2 class="metric__title">{title}</h2>
            <p class="metric__value">{value}</p>
            {detail.map(|d| view! { <p class="metric__detail">{d}</p> })}
            {change}
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_their_direction_and_tone() {
        let relative = change(Some(120.0), Some(100.0), Delta::Relative, Better::Lower);
        assert_eq!(relative, ("▲ 20.0%".to_owned(), "change--bad".to_owned()));
        let points = change(Some(0.97), Some(0.99), Delta::Points, Better::Higher);
        assert_eq!(points, ("▼ 2.0 pp".to_owned(), "change--bad".to_owned()));
        assert_eq!(change(Some(5.0), Some(0.0), Delta::Relative, Better::Higher).0, "n/a");
        assert_eq!(change(Some(5.0), None, Delta::Relative, Better::Higher).0, "n/a");
        assert_eq!(
            change(Some(3.0), Some(3.0), Delta::Difference, Better::Neither).1,
            "change--flat"
        );
    }
}
