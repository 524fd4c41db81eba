//! The metric cards: each figure of the period with its change against the previous one.

use leptos::prelude::*;

use crate::analytics::{Figures, Summary};
use crate::services::ServiceKind;
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

/// A figure as its card shows it: the dashboard and the PDF report write the same.
pub struct Card {
    pub title: &'static str,
    pub value: String,
    pub detail: Option<String>,
    /// The change's text and its tone's class.
    pub change: (String, String),
}

/// The two periods' figures, with the previous one's left out when it had no traffic (a change
/// from nothing says nothing).
struct Periods<'a> {
    now: &'a Figures,
    before: &'a Figures,
    had_traffic: bool,
}

impl Periods<'_> {
    fn card(
        &self,
        title: &'static str,
        value: String,
        detail: Option<String>,
        figure: impl Fn(&Figures) -> Option<f64>,
        (delta, better): (Delta, Better),
    ) -> Card {
        let previous = figure(self.before).filter(|_| self.had_traffic);
        Card {
            title,
            value,
            detail,
            change: change(figure(self.now), previous, delta, better),
        }
    }

    fn requests(&self, title: &'static str) -> Card {
        let n = self.now;
        let detail = format!("{} errors", count(n.errors));
        self.card(
            title,
            count(n.total_requests),
            Some(detail),
            |f| amount(f.total_requests),
            AMOUNT,
        )
    }

    fn conversations(&self, title: &'static str) -> Card {
        let c = &self.now.conversations;
        let detail = c.avg_turns.map(|turns| format!("{turns:.1} turns on average"));
        self.card(
            title,
            count(c.conversations),
            detail,
            |f| amount(f.conversations.conversations),
            AMOUNT,
        )
    }

    fn unique_users(&self) -> Card {
        let detail = Some("distinct end users".to_owned());
        let value = count(self.now.unique_end_users);
        self.card("Unique users", value, detail, |f| amount(f.unique_end_users), AMOUNT)
    }

    fn satisfaction(&self) -> Card {
        let c = &self.now.conversations;
        let detail = Some(format!("{} rated", count(c.rated)));
        let value = percent(c.satisfaction);
        self.card(
            "Satisfaction",
            value,
            detail,
            |f| f.conversations.satisfaction,
            (Delta::Points, Better::Higher),
        )
    }

    fn success_rate(&self, title: &'static str) -> Card {
        let value = percent(self.now.success_rate);
        self.card(title, value, None, |f| f.success_rate, (Delta::Points, Better::Higher))
    }

    fn cost(&self) -> Card {
        let value = usd(self.now.cost_usd);
        self.card(
            "Cost",
            value,
            None,
            |f| Some(f.cost_usd),
            (Delta::Relative, Better::Lower),
        )
    }
}

/// Counts compared relatively, neither way better.
const AMOUNT: (Delta, Better) = (Delta::Relative, Better::Neither);

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

/// The dashboard's overview cards (`kind` none), or those chosen for a service's kind.
pub fn cards(summary: &Summary, kind: Option<ServiceKind>) -> Vec<Card> {
    let (now, before): (&Figures, &Figures) = (&summary.current, &summary.previous);
    let p = Periods {
        now,
        before,
        had_traffic: before.total_requests > 0,
    };
    let lower = (Delta::Relative, Better::Lower);
    match kind {
        Some(ServiceKind::Chatbot) => vec![
            p.conversations("Conversations"),
            p.satisfaction(),
            p.unique_users(),
            p.card(
                "Cost per conversation",
                unit_cost(now.conversations.cost_per_conversation_usd),
                Some(format!("{} in all", usd(now.cost_usd))),
                |f| f.conversations.cost_per_conversation_usd,
                lower,
            ),
        ],
        Some(ServiceKind::RagSite) => vec![
            p.requests("Questions"),
            p.success_rate("Answered without error"),
            p.satisfaction(),
            p.card(
                "p95 response time",
                millis(now.p95_latency_ms),
                Some(format!("p50 {}", millis(now.p50_latency_ms))),
                |f| f.p95_latency_ms,
                lower,
            ),
        ],
        Some(ServiceKind::VoiceAgent) => vec![
            p.conversations("Calls"),
            p.card(
                "Call minutes",
                minutes(now.conversations.call_minutes),
                ratio_text(now.conversations.call_minutes, now.conversations.conversations),
                |f| Some(f.conversations.call_minutes),
                AMOUNT,
            ),
            p.satisfaction(),
            p.card(
                "Cost per minute",
                unit_cost(now.conversations.cost_per_minute_usd),
                Some(format!("{} in all", usd(now.cost_usd))),
                |f| f.conversations.cost_per_minute_usd,
                lower,
            ),
        ],
        Some(ServiceKind::Agent | ServiceKind::Custom) => generic(&p),
        None => {
            let mut cards = generic(&p);
            cards.splice(1..1, [p.conversations("Conversations"), p.unique_users()]);
            cards
        }
    }
}

/// The average call length, when there were calls.
fn ratio_text(call_minutes: f64, calls: i64) -> Option<String> {
    (calls > 0).then(|| format!("{} per call on average", minutes(call_minutes / calls as f64)))
}

/// The cards every kind of traffic has: requests, services, latency, success, tokens, cost.
fn generic(p: &Periods) -> Vec<Card> {
    let now = p.now;
    vec![
        p.requests("Total requests"),
        p.card(
            "Active services",
            count(now.active_services),
            Some("with traffic in the period".into()),
            |f| amount(f.active_services),
            (Delta::Difference, Better::Neither),
        ),
        p.card(
            "Avg response time",
            millis(now.avg_latency_ms),
            Some(format!("p95 {}", millis(now.p95_latency_ms))),
            |f| f.avg_latency_ms,
            (Delta::Relative, Better::Lower),
        ),
        p.success_rate("Success rate"),
        p.card(
            "Tokens",
            compact(now.tokens_in + now.tokens_out),
            Some(format!(
                "{} in · {} out",
                compact(now.tokens_in),
                compact(now.tokens_out)
            )),
            |f| amount(f.tokens_in + f.tokens_out),
            AMOUNT,
        ),
        p.cost(),
    ]
}

#[component]
pub fn MetricCards(
    summary: Summary,
    period: &'static str,
    /// A service's kind chooses its cards; the dashboard's overview has none.
    kind: Option<ServiceKind>,
) -> impl IntoView {
    cards(&summary, kind)
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
