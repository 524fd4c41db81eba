//! The metric cards: each figure of the period with its change against the previous one.

use leptos::prelude::*;

use crate::analytics::{Figures, Summary};
use crate::ui::format::{compact, count, millis, percent, usd};

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

struct Card {
    title: &'static str,
    value: String,
    detail: Option<String>,
    change: (String, String),
}

fn cards(summary: &Summary) -> Vec<Card> {
    let (now, before): (&Figures, &Figures) = (&summary.current, &summary.previous);
    let had_traffic = before.total_requests > 0;
    let previous = |value: Option<f64>| value.filter(|_| had_traffic);
    let amount = |n: i64| Some(n as f64);
    vec![
        Card {
            title: "Total requests",
            value: count(now.total_requests),
            detail: Some(format!("{} errors", count(now.errors))),
            change: change(
                amount(now.total_requests),
                previous(amount(before.total_requests)),
                Delta::Relative,
                Better::Neither,
            ),
        },
        Card {
            title: "Active services",
            value: count(now.active_services),
            detail: Some("with traffic in the period".into()),
            change: change(
                amount(now.active_services),
                previous(amount(before.active_services)),
                Delta::Difference,
                Better::Neither,
            ),
        },
        Card {
            title: "Avg response time",
            value: millis(now.avg_latency_ms),
            detail: Some(format!("p95 {}", millis(now.p95_latency_ms))),
            change: change(
                now.avg_latency_ms,
                previous(before.avg_latency_ms),
                Delta::Relative,
                Better::Lower,
            ),
        },
        Card {
            title: "Success rate",
            value: percent(now.success_rate),
            detail: None,
            change: change(
                now.success_rate,
                previous(before.success_rate),
                Delta::Points,
                Better::Higher,
            ),
        },
        Card {
            title: "Tokens",
            value: compact(now.tokens_in + now.tokens_out),
            detail: Some(format!(
                "{} in · {} out",
                compact(now.tokens_in),
                compact(now.tokens_out)
            )),
            change: change(
                amount(now.tokens_in + now.tokens_out),
                previous(amount(before.tokens_in + before.tokens_out)),
                Delta::Relative,
                Better::Neither,
            ),
        },
        Card {
            title: "Cost",
            value: usd(now.cost_usd),
            detail: None,
            change: change(
                Some(now.cost_usd),
                previous(Some(before.cost_usd)),
                Delta::Relative,
                Better::Lower,
            ),
        },
    ]
}

#[component]
pub fn MetricCards(summary: Summary, period: &'static str) -> impl IntoView {
    cards(&summary)
        .into_iter()
        .map(|card| {
            let (change, tone) = card.change;
            view! {
                <article class="metric" data-metric=card.title>
                    <h2 class="metric__title">{card.title}</h2>
                    <p class="metric__value">{card.value}</p>
                    {card.detail.map(|d| view! { <p class="metric__detail">{d}</p> })}
                    <p class=format!("metric__change {tone}")>
                        <span class="metric__delta">{change}</span>
                        " vs previous "
                        {period}
                    </p>
                </article>
            }
        })
        .collect_view()
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
