//! The billing tab: the plan, usage this period and its projection, monthly statements.

use leptos::prelude::*;

use super::{SettingsFrame, Tab};
use crate::billing::BillingOverview;
use crate::error::AppError;
use crate::ui::format::{count, usd};
use crate::ui::panel::Panel;
use crate::ui::states::{Loading, loaded};
use crate::ui::table::{Column, DataTable};

#[component]
pub fn BillingSettingsPage() -> impl IntoView {
    let billing = Resource::new(|| (), |_| crate::settings::api::load_billing());
    view! {
        <SettingsFrame tab=Tab::Billing>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let billing = billing.await?;
                    Ok::<_, AppError>(view! { <Billing billing /> })
                }.await) })}
            </Transition>
        </SettingsFrame>
    }
}

#[component]
fn Billing(billing: BillingOverview) -> impl IntoView {
    let BillingOverview {
        plan,
        period_start,
        period_end,
        current,
        projected_requests,
        statements,
    } = billing;
    let last_day = (period_end - chrono::Duration::days(1)).format("%b %-d, %Y");
    let period = format!("{} – {last_day}", period_start.format("%b %-d"));
    let quota = plan.as_ref().map(|p| p.monthly_request_quota);
    let used_pct = quota.map(|q| (current.requests as f64 / q as f64 * 100.0).min(100.0));
    let plan_view = match &plan {
        Some(plan) => view! {
            <p class="plan__name" data-plan=plan.name.clone()>{plan.name.clone()}</p>
            <p class="plan__price">{usd(f64::from(plan.price_cents) / 100.0)} " a month"</p>
            <p>{count(plan.monthly_request_quota)} " requests a month included"</p>
        }
        .into_any(),
        None => view! { <p>"No plan yet: your account manager assigns one."</p> }.into_any(),
    };
    let over = quota.is_some_and(|q| projected_requests > q);
    // Ingestion refuses events (429) from here to the end of the period.
    let used_up = quota.filter(|&q| current.requests >= q).map(|q| {
        view! {
            <p class="form-alert" role="alert" data-quota="used-up">
                {format!(
                    "Your plan's {} requests for this period are used up: new events are refused until {}.",
                    count(q),
                    period_end.format("%b %-d, %Y"),
                )}
            </p>
        }
    });
    let rows = statements
        .into_iter()
        .map(|s| {
            view! {
                <tr>
                    <th scope="row">{s.month.format("%B %Y").to_string()}</th>
                    <td class="num">{count(s.requests)}</td>
                    <td class="num">{count(s.tokens)}</td>
                    <td class="num">{usd(s.cost_usd)}</td>
                    <td>
                        <a href=statement_pdf(s.month) download="" rel="nofollow">
                            "PDF"
                        </a>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="grid grid--2">
            <Panel id="plan-title" title="Your plan" class="panel card plan">
                {plan_view}
                <p class="form__note">
                    "Invoices and payments are handled by your agency outside the portal."
                </p>
            </Panel>
            <Panel id="usage-title" title="Usage this period" class="panel card">
                <p class="usage__period">{period}</p>
                {used_up}
                <p class="usage__figure">
                    <strong data-usage=current.requests.to_string()>{count(current.requests)}</strong>
                    {quota.map(|q| format!(" of {} requests", count(q)))}
                </p>
                {used_pct
                    .map(|pct| {
                        view! {
                            <div
                                class="meter"
                                class:meter--over=over
                                role="progressbar"
                                aria-label="Requests used of the quota"
                                aria-valuemin="0"
                                aria-valuemax="100"
                                aria-valuenow=format!("{pct:.0}")
                            >
                                <span class="meter__fill" style=format!("width: {pct:.1}%")></span>
                            </div>
                        }
                    })}
                <p>
                    "Projected by the end of the period: " <strong>{count(projected_requests)}</strong>
                    {over.then_some(" — above your quota")}
                </p>
                <p>"AI provider cost so far: " {usd(current.cost_usd)} " · " {count(current.tokens)} " tokens"</p>
                <p>
                    <a class="button button--small" href=statement_pdf(current.month) download="" rel="nofollow">
                        "Statement to date (PDF)"
                    </a>
                </p>
            </Panel>
        </div>
        <Panel id="statements-title" title="Monthly statements" class="panel card">
            <DataTable
                labelled_by="statements-title"
                columns=&[
                    Column::Text("Month"),
                    Column::Number("Requests"),
                    Column::Number("Tokens"),
                    Column::Number("AI cost"),
                    Column::Action,
                ]
            >
                {rows}
            </DataTable>
        </Panel>
    }
    .into_any()
}

/// Where a month's statement PDF is served.
fn statement_pdf(month: chrono::NaiveDate) -> String {
    format!("/api/v1/billing/statement.pdf?month={}", month.format("%Y-%m"))
}
