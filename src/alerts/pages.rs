//! The alerts panel of the dashboard and of a service's page: open alerts first, then the
//! latest resolved, times on the clock of the view's time zone.

use chrono::NaiveDateTime;
use leptos::prelude::*;

use super::Alert;
use crate::dashboard::panels::link_or_not;
use crate::ui::panel::Panel;
use crate::ui::table::{Column, DataTable};

fn local(at: NaiveDateTime) -> String {
    at.format("%b %-d, %H:%M").to_string()
}

#[component]
pub fn AlertsPanel(
    id: String,
    title: String,
    alerts: Vec<Alert>,
    /// Each service links to its page.
    linked: bool,
) -> impl IntoView {
    if alerts.is_empty() {
        return view! {
            <Panel id=id.clone() title=title.clone()>
                <p class="panel__empty">"No alerts: every service stayed within your thresholds."</p>
            </Panel>
        }
        .into_any();
    }
    let rows = alerts
        .into_iter()
        .map(|a| {
            let (state, resolved) = match a.resolved_local {
                Some(at) => ("resolved", local(at)),
                None => ("open", "–".to_owned()),
            };
            view! {
                <tr>
                    <th scope="row">
                        {link_or_not(linked.then(|| format!("/services/{}", a.service_id)), a.service_name)}
                    </th>
                    <td>{a.kind.label()} " " <span class=format!("badge badge--{state}")>{state}</span></td>
                    <td class="num">{a.kind.format(a.threshold)}</td>
                    <td class="num">{a.kind.format(a.observed)}</td>
                    <td>
                        <time datetime=a.fired_at.to_rfc3339()>{local(a.fired_local)}</time>
                    </td>
                    <td>{resolved}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Panel id=id.clone() title=title.clone()>
            <DataTable columns=&[
                Column::Text("Service"),
                Column::Text("Alert"),
                Column::Number("Threshold"),
                Column::Number("Observed"),
                Column::Text("Fired"),
                Column::Text("Resolved"),
            ]>{rows}</DataTable>
        </Panel>
    }
    .into_any()
}
