//! `/admin`: the clients with their plans, services and usage this period, and the forms to
//! create a client, assign a plan and create a service for a client. Clients get a 403 page.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use super::AdminData;
use super::api::{AdminAssignPlan, AdminCreateClient, AdminCreateService, AdminRequireTwoFactor, admin_view};
use crate::auth::pages::RequireUser;
use crate::billing::Plan;
use crate::error::AppError;
use crate::services::ServiceKind;
use crate::ui::form::{FormAlert, FormField, use_field_value, use_form_answer};
use crate::ui::format::{count, usd};
use crate::ui::panel::Panel;
use crate::ui::states::{Forbidden, Loading, loaded};
use crate::ui::table::{Column, DataTable};

#[component]
pub fn AdminPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| admin_view());
    view! {
        <Title text="Admin" />
        <RequireUser>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    match data.await {
                        Ok(view) => Ok(view! { <Admin view /> }.into_any()),
                        Err(AppError::Forbidden) => Ok(view! { <Forbidden /> }.into_any()),
                        Err(other) => Err(other),
                    }
                }.await) })}
            </Transition>
        </RequireUser>
    }
}

fn plan_options(plans: &[Plan], selected: Option<&str>) -> impl IntoView + use<> {
    plans
        .iter()
        .map(|plan| {
            let label = format!(
                "{} — {} requests, {}/month",
                plan.name,
                count(plan.monthly_request_quota),
                usd(f64::from(plan.price_cents) / 100.0)
            );
            let is_selected = selected == Some(plan.name.as_str());
            view! { <option value=plan.id.to_string() selected=is_selected>{label}</option> }
        })
        .collect_view()
}

#[component]
fn Admin(view: AdminData) -> impl IntoView {
    let AdminData {
        overview,
        clients,
        plans,
        require_admin_two_factor,
    } = view;
    let (two_factor_error, two_factor_saved) = use_form_answer("two-factor");
    let (client_error, client_saved) = use_form_answer("client");
    let (plan_error, _) = use_form_answer("plan");
    let (service_error, service_saved) = use_form_answer("service");
    let client_options = clients
        .iter()
        .map(|c| {
            let label = format!("{} <{}>", c.name, c.email);
            view! { <option value=c.id.to_string()>{label}</option> }
        })
        .collect_view();
    let rows = clients
        .into_iter()
        .map(|c| {
            let options = plan_options(&plans, c.plan.as_deref());
            let email = c.email.clone();
            view! {
                <tr data-client=email>
                    <th scope="row">{c.name}<span class="key__name">{c.email}</span></th>
                    <td>
                        <form method="post" action=AdminAssignPlan::url() class="form form--row">
                            <input type="hidden" name="user_id" value=c.id.to_string() />
                            <select name="plan_id" aria-label="Plan">
                                <option value="" selected=c.plan.is_none() disabled>"No plan"</option>
                                {options}
                            </select>
                            <button class="button button--small" type="submit">"Assign"</button>
                        </form>
                    </td>
                    <td class="num">{c.services}</td>
                    <td class="num">{count(c.period_requests)}</td>
                </tr>
            }
        })
        .collect_view();
    let new_client_options = plan_options(&plans, None);
    let kinds = ServiceKind::ALL
        .into_iter()
        .map(|k| view! { <option value=k.as_str()>{k.label()}</option> })
        .collect_view();
    view! {
        <section class="page-header">
            <h1>"Admin"</h1>
            <p class="page-header__lead">
                {count(overview.clients)} " clients · " {count(overview.services)} " services · "
                {count(overview.active_sessions)} " active sessions"
            </p>
        </section>
        <Panel id="admin-security-title" title="Admin security" class="panel card">
            <form method="post" action=AdminRequireTwoFactor::url() class="form form--row">
                <label class="check">
                    <input type="checkbox" name="required" value="on" checked=require_admin_two_factor />
                    "Require two-factor authentication for admin accounts (an admin without it is sent to set it up first)"
                </label>
                <button class="button button--small" type="submit">"Save"</button>
            </form>
            <FormAlert error=two_factor_error />
            <Show when=move || two_factor_saved.get()>
                <p class="form-saved" role="status">"Saved."</p>
            </Show>
        </Panel>
        <Panel id="clients-title" title="Clients" class="panel card">
            <FormAlert error=plan_error />
            <DataTable
                labelled_by="clients-title"
                columns=&[
                    Column::Text("Client"),
                    Column::Text("Plan"),
                    Column::Number("Services"),
                    Column::Number("Requests this month"),
                ]
            >
                {rows}
            </DataTable>
        </Panel>
        <div class="grid grid--2">
            <Panel id="new-client-title" title="New client" class="panel card">
                <form method="post" action=AdminCreateClient::url() class="form" novalidate="">
                    <FormField label="Name" name="name" value=use_field_value("name", String::new()) error=client_error />
                    <FormField
                        label="Email"
                        name="email"
                        kind="email"
                        value=use_field_value("email", String::new())
                        error=client_error
                    />
                    <FormField
                        label="Password"
                        name="password"
                        kind="password"
                        autocomplete="new-password"
                        hint="Give it to the client; they can change it in their settings."
                        error=client_error
                    />
                    <div class="field">
                        <label for="field-plan_id">"Plan"</label>
                        <select id="field-plan_id" name="plan_id">
                            <option value="">"No plan yet"</option>
                            {new_client_options}
                        </select>
                    </div>
                    <FormAlert error=client_error />
                    <p class="form-saved" role="status">
                        {move || client_saved.get().then_some("Client created.")}
                    </p>
                    <button class="button button--primary" type="submit">
                        "Create client"
                    </button>
                </form>
            </Panel>
            <Panel id="new-service-title" title="New service for a client" class="panel card">
                <form method="post" action=AdminCreateService::url() class="form" novalidate="">
                    <div class="field">
                        <label for="field-user_id">"Client"</label>
                        <select id="field-user_id" name="user_id">{client_options}</select>
                    </div>
                    <FormField
                        label="Service name"
                        name="name"
                        value=use_field_value("service_name", String::new())
                        error=service_error
                    />
                    <div class="field">
                        <label for="field-service-kind">"Kind"</label>
                        <select id="field-service-kind" name="kind">{kinds}</select>
                    </div>
                    <FormAlert error=service_error />
                    <p class="form-saved" role="status">
                        {move || service_saved.get().then_some("Service created.")}
                    </p>
                    <button class="button button--primary" type="submit">
                        "Create service"
                    </button>
                </form>
            </Panel>
        </div>
    }
    .into_any()
}
