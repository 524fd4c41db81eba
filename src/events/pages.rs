//! `/services/:id/events`, the explorer: filters, a page of events, older and newest; and what
//! its pages share (`detail` holds one event's and one conversation's). Server HTML only: the
//! filters are a plain GET form and paging is links, so all of it works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::api::load_events;
use super::{EventFilters, EventList, EventRow, Explored, feedback_label};
use crate::analytics::Range;
use crate::auth::pages::RequireUser;
use crate::error::AppError;
use crate::ui::format::{count, millis, url_component};
use crate::ui::states::{Loading, NotFound, loaded};
use crate::ui::table::{Column, DataTable};

/// The `:id` of the page's path, if it is a service id at all.
pub(super) fn service_param() -> Option<Uuid> {
    use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()))
}

pub(super) fn event_href(service_id: Uuid, event_id: &str) -> String {
    format!("/services/{service_id}/events/{}", url_component(event_id))
}

pub(super) fn conversation_href(service_id: Uuid, conversation_id: &str) -> String {
    format!(
        "/services/{service_id}/conversations/{}",
        url_component(conversation_id)
    )
}

pub(super) fn local(row: &EventRow) -> String {
    row.local_time.format("%b %-d, %Y %H:%M:%S").to_string()
}

pub(super) fn cost(usd: f64) -> String {
    format!("${usd:.4}")
}

pub(super) fn or_dash(text: Option<String>) -> String {
    text.unwrap_or_else(|| "–".into())
}

pub(super) fn status_badge(row: &EventRow) -> impl IntoView + use<> {
    if row.success {
        view! { <span class="badge badge--active">"success"</span> }.into_any()
    } else {
        let kind = row.error_kind.clone().unwrap_or_default();
        view! {
            <span class="badge badge--open">"error"</span>
            " "
            <span class="event__kind">{kind}</span>
        }
        .into_any()
    }
}

/// The header every explorer page shares: the way back to the service, and the title.
#[component]
pub(super) fn Header(service_id: Uuid, service_name: Option<String>, title: String) -> impl IntoView {
    let service = service_name.unwrap_or_else(|| "Service".into());
    view! {
        <Title text=title.clone() />
        <section class="page-header">
            <p class="page-header__crumb">
                <a href="/services">"Services"</a>
                " › "
                <a href=format!("/services/{service_id}")>{service}</a>
                " › "
                <a href=format!("/services/{service_id}/events")>"Events"</a>
            </p>
            <h1>{title}</h1>
        </section>
    }
}

/// A page's data, the 404 page for a service or event that is not the user's (or does not
/// exist), or what went wrong.
pub(super) fn answer<T, V: IntoView + 'static>(result: Result<T, AppError>, view: impl FnOnce(T) -> V) -> AnyView {
    match result {
        Ok(data) => view(data).into_any(),
        Err(AppError::NotFound) => view! { <NotFound /> }.into_any(),
        Err(error) => loaded::<()>(Err(error)),
    }
}

#[component]
pub fn EventsPage() -> impl IntoView {
    let id = service_param();
    let filters = use_query_map().with_untracked(|q| EventFilters::from_query(|name| q.get(name)));
    let data = {
        let filters = filters.clone();
        Resource::new(
            || (),
            move |_| {
                let filters = filters.clone();
                async move {
                    match id {
                        Some(id) => load_events(id, filters).await,
                        None => Err(AppError::NotFound),
                    }
                }
            },
        )
    };
    let filters = StoredValue::new(filters);
    view! {
        <RequireUser>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    let Some(service_id) = id else { return view! { <NotFound /> }.into_any() };
                    let filters = filters.get_value();
                    match data.await {
                        Ok(Explored { service_name, data }) => {
                            view! { <Explorer service_id service_name=Some(service_name) filters list=Ok(data) /> }
                                .into_any()
                        }
                        // A filter that is wrong is said next to the form, which keeps what was typed.
                        Err(error @ AppError::Validation { .. }) => {
                            view! { <Explorer service_id service_name=None filters list=Err(error) /> }.into_any()
                        }
                        Err(AppError::NotFound) => view! { <NotFound /> }.into_any(),
                        Err(error) => loaded::<()>(Err(error)),
                    }
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn Explorer(
    service_id: Uuid,
    service_name: Option<String>,
    filters: EventFilters,
    list: Result<EventList, AppError>,
) -> impl IntoView {
    let error = list.as_ref().err().cloned();
    let results = match list {
        Ok(list) => view! { <EventTable service_id filters=filters.clone() list /> }.into_any(),
        Err(error) => {
            let message = error.to_string();
            view! {
                <p class="form-alert" role="alert">
                    {message}
                </p>
            }
            .into_any()
        }
    };
    view! {
        <Header service_id service_name title="Events".to_owned() />
        <FilterForm service_id filters error />
        {results}
    }
}

/// The filters: a GET form to the page itself, each filter a query parameter.
#[component]
fn FilterForm(service_id: Uuid, filters: EventFilters, error: Option<AppError>) -> impl IntoView {
    let message = |name: &str| error.as_ref().and_then(|e| e.field_message(name));
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let range = value(&filters.range);
    let status = value(&filters.status);
    let feedback = value(&filters.feedback);
    let text = |label: &'static str, name: &'static str, current: String, hint: &'static str| {
        let id = format!("filter-{name}");
        let message = message(name);
        let invalid = message.is_some();
        view! {
            <div class="field" class:field--invalid=invalid>
                <label for=id.clone()>{label}</label>
                <input
                    id=id.clone()
                    name=name
                    type="text"
                    value=current
                    placeholder=hint
                    aria-invalid=invalid.to_string()
                    aria-describedby=format!("{id}-message")
                />
                <p class="field__message" id=format!("{id}-message")>
                    {message}
                </p>
            </div>
        }
    };
    let select = |label: &'static str,
                  name: &'static str,
                  current: String,
                  options: Vec<(&'static str, &'static str)>| {
        let id = format!("filter-{name}");
        let message = message(name);
        let invalid = message.is_some();
        view! {
            <div class="field" class:field--invalid=invalid>
                <label for=id.clone()>{label}</label>
                <select id=id.clone() name=name aria-invalid=invalid.to_string() aria-describedby=format!("{id}-message")>
                    {options
                        .into_iter()
                        .map(|(value, text)| view! { <option value=value selected=current == value>{text}</option> })
                        .collect_view()}
                </select>
                <p class="field__message" id=format!("{id}-message")>
                    {message}
                </p>
            </div>
        }
    };
    let ranges = std::iter::once(("", "Any time"))
        .chain(Range::ALL.into_iter().map(|r| (r.as_str(), r.label())))
        .collect();
    view! {
        <form method="get" action=format!("/services/{service_id}/events") class="panel explorer-filters" role="search" aria-label="Filter events">
            {select("Period", "range", range, ranges)}
            {text("From", "from", value(&filters.from), "2026-11-01")}
            {text("To", "to", value(&filters.to), "2026-11-30")}
            {select("Status", "status", status, vec![("", "Any"), ("success", "Success"), ("error", "Error")])}
            {text("Error kind", "error_kind", value(&filters.error_kind), "timeout")}
            {text("Model", "model", value(&filters.model), "")}
            {text("End user", "end_user", value(&filters.end_user), "")}
            {text("Conversation", "conversation", value(&filters.conversation), "")}
            {text("Channel", "channel", value(&filters.channel), "web")}
            {select(
                "Feedback",
                "feedback",
                feedback,
                vec![("", "Any"), ("1", "Positive (1)"), ("0", "Neutral (0)"), ("-1", "Negative (-1)"), ("none", "Not rated")],
            )}
            <div class="explorer-filters__actions">
                <button class="button button--primary" type="submit">
                    "Apply"
                </button>
                <a class="button" href=format!("/services/{service_id}/events")>
                    "Clear"
                </a>
            </div>
        </form>
    }
}

#[component]
fn EventTable(service_id: Uuid, filters: EventFilters, list: EventList) -> impl IntoView {
    let base = format!("/services/{service_id}/events");
    let link = |cursor: Option<&str>| {
        let query = filters.query_string(cursor);
        if query.is_empty() {
            base.clone()
        } else {
            format!("{base}?{query}")
        }
    };
    let newest = filters
        .cursor
        .as_deref()
        .is_some_and(|c| !c.is_empty())
        .then(|| link(None));
    let older = list.next_cursor.as_deref().map(|cursor| link(Some(cursor)));
    let time_heading = format!("Times in {}", list.tz);
    let rows = if list.events.is_empty() {
        view! { <p class="panel__empty">"No events match these filters."</p> }.into_any()
    } else {
        view! {
            <p class="panel__lead">{time_heading}</p>
            <DataTable
                label="Events"
                columns=&[
                    Column::Text("Time"),
                    Column::Text("Status"),
                    Column::Text("Model"),
                    Column::Number("Latency"),
                    Column::Number("Tokens"),
                    Column::Number("Cost"),
                    Column::Text("End user"),
                    Column::Text("Conversation"),
                    Column::Wide("Channel"),
                    Column::Text("Feedback"),
                ]
            >
                {list.events.into_iter().map(|row| view! { <EventLine service_id row /> }).collect_view()}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-label="Events found">
            {rows}
            <nav class="pager" aria-label="Pages">
                {newest.map(|href| view! { <a class="button" href=href>"Newest"</a> })}
                {older.map(|href| view! { <a class="button" href=href rel="next">"Older events →"</a> })}
            </nav>
        </section>
    }
}

/// One event's row: its time opens it, its conversation opens the conversation.
#[component]
fn EventLine(service_id: Uuid, row: EventRow) -> impl IntoView {
    let when = local(&row);
    let status = status_badge(&row);
    let conversation = row.conversation_id.clone().map(|c| {
        let href = conversation_href(service_id, &c);
        view! { <a href=href>{c}</a> }
    });
    view! {
        <tr>
            <th scope="row">
                <a href=event_href(service_id, &row.event_id) title=row.event_id.clone()>{when}</a>
            </th>
            <td>{status}</td>
            <td>{or_dash(row.model)}</td>
            <td class="num">{millis(Some(f64::from(row.latency_ms)))}</td>
            <td class="num">{count(i64::from(row.tokens_in) + i64::from(row.tokens_out))}</td>
            <td class="num">{cost(row.cost_usd)}</td>
            <td>{or_dash(row.end_user)}</td>
            <td>{conversation.map_or_else(|| "–".into_any(), IntoAny::into_any)}</td>
            <td class="hide-narrow">{or_dash(row.channel)}</td>
            <td>{feedback_label(row.feedback)}</td>
        </tr>
    }
}
