//! `/services/:id/events/:event_id` (one event whole) and
//! `/services/:id/conversations/:conversation_id` (one conversation in order).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::api::{load_conversation, load_event};
use super::pages::{Header, answer, conversation_href, cost, event_href, local, or_dash, service_param, status_badge};
use super::{Conversation, EventDetail, Explored, feedback_label};
use crate::auth::pages::RequireUser;
use crate::error::AppError;
use crate::ui::format::{count, millis, timestamp};
use crate::ui::panel::Panel;
use crate::ui::states::Loading;
use crate::ui::table::{Column, DataTable};

/// A page for one thing of a service, by the `:param` of its path.
fn by_param<T, F, Fut>(param: &'static str, load: F) -> (Option<Uuid>, Resource<Result<Explored<T>, AppError>>)
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(Uuid, String) -> Fut + Send + Sync + Copy + 'static,
    Fut: std::future::Future<Output = Result<Explored<T>, AppError>> + Send + 'static,
{
    let id = service_param();
    let key = use_params_map().with_untracked(|p| p.get(param)).unwrap_or_default();
    let resource = Resource::new(
        || (),
        move |_| {
            let key = key.clone();
            async move {
                match id {
                    Some(id) => load(id, key).await,
                    None => Err(AppError::NotFound),
                }
            }
        },
    );
    (id, resource)
}

#[component]
pub fn EventPage() -> impl IntoView {
    let (id, data) = by_param("event_id", load_event);
    let service_id = id.unwrap_or_default();
    view! {
        <RequireUser>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    answer(data.await, |Explored { service_name, data }| view! { <EventWhole service_id service_name event=data /> })
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn EventWhole(service_id: Uuid, service_name: String, event: EventDetail) -> impl IntoView {
    let row = event.event;
    let conversation = row.conversation_id.clone().map(|c| {
        let href = conversation_href(service_id, &c);
        view! { <a href=href>{c}</a> }
    });
    let fact = |name: &'static str, value: String| view! { <dt>{name}</dt> <dd>{value}</dd> };
    view! {
        <Header service_id service_name=Some(service_name) title=format!("Event {}", row.event_id) />
        <Panel id="event" title="Event">
            <dl class="facts">
                {fact("Event id", row.event_id.clone())}
                {fact("Time", format!("{} ({})", local(&row), event.tz))}
                {fact("Time (UTC)", row.occurred_at.to_rfc3339())}
                {fact("Received", timestamp(event.received_at))}
                <dt>"Status"</dt>
                <dd>{status_badge(&row)}</dd>
                {fact("Model", or_dash(row.model.clone()))}
                {fact("Latency", millis(Some(f64::from(row.latency_ms))))}
                {fact("Tokens in", count(i64::from(row.tokens_in)))}
                {fact("Tokens out", count(i64::from(row.tokens_out)))}
                {fact("Cost", cost(row.cost_usd))}
                {fact("End user", or_dash(row.end_user.clone()))}
                <dt>"Conversation"</dt>
                <dd>{conversation.map_or_else(|| "–".into_any(), IntoAny::into_any)}</dd>
                {fact("Channel", or_dash(row.channel.clone()))}
                {fact("Call length", row.duration_ms.map_or_else(|| "–".into(), |ms| millis(Some(f64::from(ms)))))}
                {fact("Feedback", feedback_label(row.feedback).to_owned())}
                {fact("Feedback comment", or_dash(event.feedback_comment))}
            </dl>
        </Panel>
    }
}

#[component]
pub fn ConversationPage() -> impl IntoView {
    let (id, data) = by_param("conversation_id", load_conversation);
    let service_id = id.unwrap_or_default();
    view! {
        <RequireUser>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    answer(
                        data.await,
                        |Explored { service_name, data }| view! { <ConversationWhole service_id service_name conversation=data /> },
                    )
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn ConversationWhole(service_id: Uuid, service_name: String, conversation: Conversation) -> impl IntoView {
    let c = conversation;
    let joined = |items: Vec<String>| {
        if items.is_empty() {
            "–".to_owned()
        } else {
            items.join(", ")
        }
    };
    let shown = c.events.len() as i64;
    let more = (c.turns > shown).then(|| format!("The first {shown} of {} events are listed.", c.turns));
    let fact = |name: &'static str, value: String| view! { <dt>{name}</dt> <dd>{value}</dd> };
    view! {
        <Header service_id service_name=Some(service_name) title=format!("Conversation {}", c.conversation_id) />
        <Panel id="conversation-totals" title="Totals">
            <dl class="facts">
                {fact("Turns", count(c.turns))}
                {fact("Errors", count(c.errors))}
                {fact("Started", timestamp(c.started_at))}
                {fact("Duration", millis(Some(c.span_ms as f64)))}
                {fact("Call length", c.duration_ms.map_or_else(|| "–".into(), |ms| millis(Some(ms as f64))))}
                {fact("Cost", cost(c.cost_usd))}
                {fact("Tokens", format!("{} in · {} out", count(c.tokens_in), count(c.tokens_out)))}
                {fact("End user", joined(c.end_users))}
                {fact("Channel", joined(c.channels))}
            </dl>
        </Panel>
        <Panel id="conversation-events" title="Events, oldest first">
            <p class="panel__lead">{format!("Times in {}", c.tz)} {more.map(|m| format!(" · {m}"))}</p>
            <DataTable
                label="Conversation events"
                columns=&[
                    Column::Text("Time"),
                    Column::Text("Status"),
                    Column::Number("Latency"),
                    Column::Number("Tokens"),
                    Column::Number("Cost"),
                    Column::Text("Feedback"),
                ]
            >
                {c
                    .events
                    .into_iter()
                    .map(|row| {
                        let status = status_badge(&row);
                        view! {
                            <tr>
                                <th scope="row">
                                    <a href=event_href(service_id, &row.event_id) title=row.event_id.clone()>{local(&row)}</a>
                                </th>
                                <td>{status}</td>
                                <td class="num">{millis(Some(f64::from(row.latency_ms)))}</td>
                                <td class="num">{count(i64::from(row.tokens_in) + i64::from(row.tokens_out))}</td>
                                <td class="num">{cost(row.cost_usd)}</td>
                                <td>{feedback_label(row.feedback)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        </Panel>
    }
}
