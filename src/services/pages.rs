//! `/services` (the client's services, and a new one) and `/services/:id` (one service: its
//! figures, status, configuration and API keys).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::api::{CreateKey, CreateService, DismissKey, RevokeKey, SetServiceStatus, get_service, list_keys};
use super::{ApiKeyInfo, Service, ServiceKeys, ServiceKind, ServiceStatus};
use crate::analytics::api::load_service_usage;
use crate::analytics::{AnalyticsQuery, ServiceUsage};
use crate::auth::pages::RequireUser;
use crate::dashboard::filters::{Filters, analytics_query};
use crate::dashboard::view::AnalyticsView;
use crate::error::AppError;
use crate::ui::form::{FormAlert, FormField, use_field_value, use_form_answer, use_form_error};
use crate::ui::format::{count, percent, timestamp};
use crate::ui::panel::Panel;
use crate::ui::states::{Loading, NotFound, loaded};
use crate::ui::table::{Column, DataTable};

fn status_badge(status: ServiceStatus) -> impl IntoView {
    let name = status.as_str();
    view! { <span class=format!("badge badge--{name}")>{name}</span> }
}

#[component]
pub fn ServicesPage() -> impl IntoView {
    // The list is every service of the user's: a `service=` in the address does not narrow it.
    let query = AnalyticsQuery {
        service: None,
        ..analytics_query(None)
    };
    let usage = {
        let query = query.clone();
        Resource::new(|| (), move |_| load_service_usage(query.clone()))
    };
    view! {
        <Title text="Services" />
        <RequireUser>
            <section class="page-header">
                <h1>"Services"</h1>
                <p class="page-header__lead">"The chatbots, RAG sites and voice agents we run for you."</p>
            </section>
            <ServiceList query=query.clone() usage />
            <NewService />
        </RequireUser>
    }
}

#[component]
fn ServiceList(query: AnalyticsQuery, usage: Resource<Result<Vec<ServiceUsage>, AppError>>) -> impl IntoView {
    view! {
        <div class="toolbar">
            <Filters query action="/services".to_owned() services=Vec::new() />
        </div>
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move { loaded(async move {
                let services = usage.await?;
                Ok::<_, AppError>(if services.is_empty() {
                    view! {
                        <p class="panel panel__empty">
                            "No services yet: create the first one below, then send it events."
                        </p>
                    }
                        .into_any()
                } else {
                    view! {
                        <div class="panel">
                            <DataTable
                                label="Your services"
                                columns=&[
                                    Column::Text("Service"),
                                    Column::Text("Kind"),
                                    Column::Text("Status"),
                                    Column::Number("Requests"),
                                    Column::Number("Success"),
                                ]
                            >
                                    {services
                                        .into_iter()
                                        .map(|s| {
                                            let kind = s.kind.label();
                                            let status = s.status;
                                            view! {
                                                <tr>
                                                    <th scope="row">
                                                        <a href=format!("/services/{}", s.service_id)>{s.name}</a>
                                                    </th>
                                                    <td>{kind}</td>
                                                    <td>{status_badge(status)}</td>
                                                    <td class="num">{count(s.requests)}</td>
                                                    <td class="num">{percent(s.success_rate)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                            </DataTable>
                        </div>
                    }
                        .into_any()
                })
            }.await) })}
        </Transition>
    }
}

#[component]
fn NewService() -> impl IntoView {
    // The server answers a success with the new service's page (its next step is a key).
    let error = use_form_error();
    view! {
        <Panel id="new-service" title="New service">
            <form method="post" action=CreateService::url() class="form form--inline" novalidate="">
                <FormField label="Name" name="name" value=use_field_value("name", String::new()) error />
                <div class="field">
                    <label for="field-kind">"Kind"</label>
                    <select id="field-kind" name="kind">
                        {ServiceKind::ALL
                            .into_iter()
                            .map(|k| view! { <option value=k.as_str()>{k.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <FormField
                    label="Description (optional)"
                    name="description"
                    value=use_field_value("description", String::new())
                    error
                />
                <FormAlert error />
                <button class="button button--primary" type="submit">
                    "Create service"
                </button>
            </form>
        </Panel>
    }
    .into_any()
}

/// A service that is not the user's shows the 404 page and nothing else.
#[component]
pub fn ServicePage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    let service = Resource::new(
        || (),
        move |_| async move {
            match id {
                Some(id) => get_service(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <RequireUser>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    match service.await {
                        Ok(service) => Ok(view! { <ServiceDetail service /> }.into_any()),
                        Err(AppError::NotFound) => Ok(view! { <NotFound /> }.into_any()),
                        Err(error) => Err(error),
                    }
                }.await) })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn ServiceDetail(service: Service) -> impl IntoView {
    let (next_status, toggle_label) = match service.status {
        ServiceStatus::Active => (ServiceStatus::Paused, "Pause"),
        _ => (ServiceStatus::Active, "Resume"),
    };
    let (status_error, _) = use_form_answer("status");
    let config = service.config.clone();
    view! {
        <Title text=service.name.clone() />
        <section class="page-header page-header--split">
            <div>
                <p class="page-header__crumb">
                    <a href="/services">"Services"</a>
                </p>
                <h1>{service.name.clone()}</h1>
                <p class="page-header__lead">
                    {service.kind.label()} " · " {status_badge(service.status)}
                </p>
            </div>
            <nav class="page-header__links" aria-label="Service">
                <a class="button" href=format!("/services/{}/events", service.id)>
                    "Events"
                </a>
            </nav>
            <form method="post" action=SetServiceStatus::url() class="form form--actions">
                <input type="hidden" name="id" value=service.id.to_string() />
                <input type="hidden" name="status" value=next_status.as_str() />
                <button class="button" type="submit">
                    {toggle_label}
                </button>
                <FormAlert error=status_error />
            </form>
        </section>
        <p class="notice" role="note" hidden=service.status != ServiceStatus::Paused>
            "This service is paused: its events are refused until you resume it."
        </p>
        <AnalyticsView query=analytics_query(Some(service.id)) path=format!("/services/{}", service.id) single=true />
        <div class="grid grid--2">
            <Panel id="configuration" title="Configuration">
                <dl class="facts">
                    <dt>"Description"</dt>
                    <dd>{config.description.unwrap_or_else(|| "–".into())}</dd>
                    <dt>"Model"</dt>
                    <dd>{config.model.unwrap_or_else(|| "–".into())}</dd>
                    <dt>"Endpoint"</dt>
                    <dd>{config.endpoint_url.unwrap_or_else(|| "–".into())}</dd>
                    <dt>"Created"</dt>
                    <dd>{service.created_at.format("%b %-d, %Y").to_string()}</dd>
                    <dt>"Service id"</dt>
                    <dd>
                        <code>{service.id.to_string()}</code>
                    </dd>
                </dl>
            </Panel>
            <ApiKeys service_id=service.id />
        </div>
    }
    .into_any()
}

/// The key list and the forms that change it, plain forms; a new key's secret shows here until
/// its owner says it is copied.
#[component]
fn ApiKeys(service_id: Uuid) -> impl IntoView {
    let keys = Resource::new(|| (), move |_| list_keys(service_id));
    view! {
        <Panel id="api-keys" title="API keys">
            <p class="panel__lead">"Your service sends its events with one of these keys."</p>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let keys = keys.await?;
                    Ok::<_, AppError>(view! { <Keys keys service_id /> })
                }.await) })}
            </Transition>
        </Panel>
    }
}

#[component]
fn Keys(keys: ServiceKeys, service_id: Uuid) -> impl IntoView {
    let (error, _) = use_form_answer("keys");
    let name = use_field_value("name", String::new());
    let ServiceKeys {
        keys,
        new_key,
        base_url,
    } = keys;
    let new_key = new_key.map(|key| view! { <NewKey key base_url service_id /> });
    let list = if keys.is_empty() {
        view! { <p class="panel__empty">"No keys yet."</p> }.into_any()
    } else {
        view! { <KeyList keys service_id /> }.into_any()
    };
    view! {
        {new_key}
        {list}
        <form method="post" action=CreateKey::url() class="form form--inline" novalidate="">
            <input type="hidden" name="service_id" value=service_id.to_string() />
            <FormField label="Key name (optional)" name="name" value=name error />
            <FormAlert error />
            <button class="button button--primary" type="submit">
                "Create key"
            </button>
        </form>
    }
    .into_any()
}

#[component]
fn KeyList(keys: Vec<ApiKeyInfo>, service_id: Uuid) -> impl IntoView {
    let date = |at: Option<chrono::DateTime<chrono::Utc>>| at.map_or_else(|| "never".into(), timestamp);
    let rows = keys
        .into_iter()
        .map(|key| {
            let action = if key.revoked_at.is_some() {
                view! { <span class="badge badge--archived">"revoked"</span> }.into_any()
            } else {
                view! {
                    <form method="post" action=RevokeKey::url()>
                        <input type="hidden" name="service_id" value=service_id.to_string() />
                        <input type="hidden" name="key_id" value=key.id.to_string() />
                        <button class="button button--danger button--small" type="submit">
                            "Revoke"
                        </button>
                    </form>
                }
                .into_any()
            };
            view! {
                <tr class:revoked=key.revoked_at.is_some()>
                    <th scope="row">
                        <code>{key.prefix.clone()} "…"</code>
                        {(!key.name.is_empty()).then(|| view! { <span class="key__name">{key.name.clone()}</span> })}
                    </th>
                    <td>{date(Some(key.created_at))}</td>
                    <td>{date(key.last_used_at)}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable
            label="API keys"
            columns=&[Column::Text("Key"), Column::Text("Created"), Column::Text("Last used"), Column::Action]
        >
            {rows}
        </DataTable>
    }
}

/// The new key's secret with a ready request, until its owner says it is copied.
#[component]
fn NewKey(key: String, base_url: String, service_id: Uuid) -> impl IntoView {
    let curl = format!(
        "curl -X POST {base_url}/api/v1/events \\\n  -H 'Authorization: Bearer {key}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{{\"events\":[{{\"id\":\"first-1\",\"timestamp\":\"'$(date -u +%FT%TZ)'\",\"latency_ms\":420,\"status\":\"success\"}}]}}'"
    );
    view! {
        <div class="new-key" role="status">
            <p>
                <strong>"Copy this key now:"</strong>
                " it is shown only until you confirm (the portal keeps only a hash of it)."
            </p>
            <div class="new-key__secret">
                <code data-secret="">{key}</code>
            </div>
            <p>"Send a first event:"</p>
            <pre class="code">{curl}</pre>
            <form method="post" action=DismissKey::url()>
                <input type="hidden" name="service_id" value=service_id.to_string() />
                <button class="button button--small" type="submit">
                    "I have copied it"
                </button>
            </form>
        </div>
    }
}
