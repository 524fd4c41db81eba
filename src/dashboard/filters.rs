//! The view's filters live in the URL (`?range=30d&service=…`): a link reproduces the view,
//! and the back button goes to the previous one.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::nonce::use_nonce;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::analytics::{AnalyticsQuery, Moment, Range};
use crate::ui::format::url_component;

/// The query the page's URL asks for; `from` and `to` count only for a custom range.
pub fn analytics_query(service: Option<Uuid>) -> AnalyticsQuery {
    use_query_map().with_untracked(|p| {
        let range = p.get("range").and_then(|r| Range::parse(&r)).unwrap_or_default();
        let custom = range == Range::Custom;
        let moment = |name| p.get(name).filter(|_| custom).and_then(|v| parse_moment(&v));
        AnalyticsQuery {
            from: moment("from"),
            to: moment("to"),
            range,
            service: service.or_else(|| p.get("service").and_then(|v| v.parse().ok())),
            tz: None,
        }
    })
}

fn parse_moment(text: &str) -> Option<Moment> {
    text.parse::<NaiveDate>()
        .map(Moment::Day)
        .or_else(|_| text.parse::<DateTime<Utc>>().map(Moment::At))
        .ok()
}

/// The query as the API reads it, for the export link and the live stream.
pub fn query_string(query: &AnalyticsQuery) -> String {
    let mut pairs = vec![("range", query.range.as_str().to_owned())];
    pairs.extend(query.from.map(|m| ("from", m.to_string())));
    pairs.extend(query.to.map(|m| ("to", m.to_string())));
    pairs.extend(query.service.map(|id| ("service", id.to_string())));
    pairs
        .into_iter()
        .map(|(name, value)| format!("{name}={}", url_component(&value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Range and service pickers. A plain GET form, so it works without JavaScript; with it, a few
/// lines of script under the page's nonce apply a changed select at once (no WASM needed).
#[component]
pub fn Filters(
    query: AnalyticsQuery,
    /// Where the form leads (the page itself).
    action: String,
    /// The services to choose from; none on a service's own page.
    services: Vec<(Uuid, String)>,
) -> impl IntoView {
    let range = query.range;
    let day = |moment: Option<Moment>| match moment {
        Some(Moment::Day(day)) => day.to_string(),
        Some(Moment::At(at)) => at.date_naive().to_string(),
        None => String::new(),
    };
    let has_services = !services.is_empty();
    let selected_service = query.service;
    let service_options = services
        .into_iter()
        .map(|(id, name)| {
            view! {
                <option value=id.to_string() selected=selected_service == Some(id)>
                    {name}
                </option>
            }
        })
        .collect_view();
    view! {
        <form method="get" action=action class="filters">
            <label class="filters__field">
                <span class="visually-hidden">"Date range"</span>
                <select name="range" aria-label="Date range">
                    {Range::ALL
                        .into_iter()
                        .map(|r| {
                            view! {
                                <option value=r.as_str() selected=range == r>
                                    {r.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <span class="filters__dates">
                <label class="filters__field">
                    "From"
                    <input type="date" name="from" value=day(query.from) />
                </label>
                <label class="filters__field">
                    "To"
                    <input type="date" name="to" value=day(query.to) />
                </label>
            </span>
            {has_services
                .then(|| {
                    view! {
                <label class="filters__field">
                    <span class="visually-hidden">"Service"</span>
                    <select name="service" aria-label="Service">
                        <option value="" selected=selected_service.is_none()>
                            "All services"
                        </option>
                        {service_options}
                    </select>
                </label>
                    }
                })}
            <button class="button" type="submit">
                "Apply"
            </button>
        </form>
        <script nonce=use_nonce()>{include_str!("apply_filters.js")}</script>
    }
    .into_any()
}
