//! The dashboard's tables: usage by service, by model, errors by kind, and recent activity.
//! Plain tables with a bar in a cell: readable by everyone, screen readers included.

use leptos::prelude::*;

use uuid::Uuid;

use crate::analytics::{Activity, EndUserUsage, ErrorCount, ModelUsage, ServiceUsage};
use crate::ui::format::{compact, count, millis, percent, url_component, usd};
use crate::ui::panel::Panel;
use crate::ui::table::{Column, DataTable};

fn share(part: i64, max: i64) -> String {
    let percent = if max > 0 { part as f64 / max as f64 * 100.0 } else { 0.0 };
    format!("width: {percent:.1}%")
}

/// The content, or what to say instead when there is nothing to show.
fn or_empty(empty: Option<&'static str>, content: impl IntoView + 'static) -> AnyView {
    match empty {
        Some(text) => view! { <p class="panel__empty">{text}</p> }.into_any(),
        None => content.into_any(),
    }
}

/// `content` as a link to `href`, or as it is without one (a share link's view leads nowhere
/// else in the portal).
pub fn link_or_not(href: Option<String>, content: impl IntoView + 'static) -> AnyView {
    match href {
        Some(href) => view! { <a href=href>{content}</a> }.into_any(),
        None => content.into_any(),
    }
}

#[component]
pub fn ServiceUsageTable(
    id: String,
    title: String,
    services: Vec<ServiceUsage>,
    /// Each service links to its page.
    linked: bool,
) -> impl IntoView {
    let max = services.iter().map(|s| s.requests).max().unwrap_or(0);
    let rows = services
        .into_iter()
        .map(|s| {
            view! {
                <tr>
                    <th scope="row">
                        {link_or_not(linked.then(|| format!("/services/{}", s.service_id)), s.name)}
                        <span class="bar" aria-hidden="true">
                            <span style=share(s.requests, max)></span>
                        </span>
                    </th>
                    <td class="num">{count(s.requests)}</td>
                    <td class="num">{percent(s.success_rate)}</td>
                    <td class="num">{millis(s.avg_latency_ms)}</td>
                    <td class="num">{usd(s.cost_usd)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Panel id title>
            <DataTable columns=&[
                Column::Text("Service"),
                Column::Number("Requests"),
                Column::Number("Success"),
                Column::Number("Avg latency"),
                Column::Number("Cost"),
            ]>{rows}</DataTable>
        </Panel>
    }
}

/// The event explorer of `service`, filtered on one value of `filter`.
fn explorer(service: Uuid, filter: &str, value: &str) -> String {
    format!("/services/{service}/events?{filter}={}", url_component(value))
}

#[component]
pub fn ErrorTable(
    id: String,
    title: String,
    errors: Vec<ErrorCount>,
    /// On a service's page: each kind links to its events.
    service: Option<Uuid>,
) -> impl IntoView {
    let max = errors.iter().map(|e| e.errors).max().unwrap_or(0);
    let empty = errors.is_empty().then_some("No errors in this period.");
    let rows = errors
        .into_iter()
        .map(|e| {
            let href = service.map(|service| explorer(service, "error_kind", &e.error_kind));
            let kind = link_or_not(href, view! { <code>{e.error_kind}</code> });
            view! {
                <tr>
                    <th scope="row">
                        {kind}
                        <span class="bar bar--danger" aria-hidden="true">
                            <span style=share(e.errors, max)></span>
                        </span>
                    </th>
                    <td class="num">{count(e.errors)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Panel id title>
            {or_empty(
                empty,
                view! { <DataTable columns=&[Column::Text("Kind"), Column::Number("Errors")]>{rows}</DataTable> },
            )}
        </Panel>
    }
}

/// End users with their traffic.
#[component]
pub fn EndUsersTable(
    id: String,
    title: String,
    users: Vec<EndUserUsage>,
    /// Each end user links to their events.
    linked: bool,
) -> impl IntoView {
    let empty = users
        .is_empty()
        .then_some("No end users named in this period (events carry them in end_user).");
    let rows = users
        .into_iter()
        .map(|u| {
            let href = linked.then(|| explorer(u.service_id, "end_user", &u.end_user));
            let name = view! { <code>{u.end_user}</code> };
            view! {
                <tr>
                    <th scope="row">{link_or_not(href, name)}</th>
                    <td class="num">{count(u.requests)}</td>
                    <td class="num">{count(u.errors)}</td>
                    <td class="num">{usd(u.cost_usd)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Panel id title>
            {or_empty(
                empty,
                view! {
                    <DataTable columns=&[
                        Column::Text("End user"),
                        Column::Number("Requests"),
                        Column::Number("Errors"),
                        Column::Number("Cost"),
                    ]>{rows}</DataTable>
                },
            )}
        </Panel>
    }
}

#[component]
pub fn ModelTable(id: String, title: String, models: Vec<ModelUsage>) -> impl IntoView {
    let empty = models.is_empty().then_some("No model usage reported in this period.");
    let rows = models
        .into_iter()
        .map(|m| {
            view! {
                <tr>
                    <th scope="row">
                        <code>{m.model}</code>
                    </th>
                    <td class="num">{count(m.requests)}</td>
                    <td class="num">{compact(m.tokens)}</td>
                    <td class="num">{usd(m.cost_usd)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Panel id title>
            {or_empty(
                empty,
                view! {
                    <DataTable columns=&[
                        Column::Text("Model"),
                        Column::Number("Requests"),
                        Column::Number("Tokens"),
                        Column::Number("Cost"),
                    ]>{rows}</DataTable>
                },
            )}
        </Panel>
    }
}

#[component]
pub fn ActivityFeed(id: String, title: String, activity: Vec<Activity>) -> impl IntoView {
    let empty = activity.is_empty().then_some("Nothing yet.");
    let items = activity
        .into_iter()
        .map(|a| {
            let at = a.at.to_rfc3339();
            let shown = a.at.format("%b %-d, %H:%M UTC").to_string();
            view! {
                <li class="activity__item">
                    <span class="activity__what">
                        {a.action.describe()}
                        {a.service_name.map(|name| view! { <span class="activity__service">{name}</span> })}
                    </span>
                    <time datetime=at>{shown}</time>
                </li>
            }
        })
        .collect_view();
    view! {
        <Panel id title>
            {or_empty(empty, view! { <ol class="activity">{items}</ol> })}
        </Panel>
    }
}
