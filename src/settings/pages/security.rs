//! The security tab: two-factor sign-in, the password, the providers one signs in with, API
//! tokens, the signed-in devices, and the user's own activity.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use super::{SettingsFrame, Tab};
use crate::auth::api_tokens::api::load_api_tokens;
use crate::auth::api_tokens::panel::ApiTokenPanel;
use crate::auth::identities::api::load_sign_in_methods;
use crate::auth::identities::panel::SignInMethodsPanel;
use crate::auth::two_factor::api::load_two_factor;
use crate::auth::two_factor::panel::TwoFactorPanel;
use crate::error::AppError;
use crate::settings::api::{ChangePassword, RevokeOtherSessions, RevokeSession, load_activity, load_sessions};
use crate::settings::{ActivityPage, SessionInfo};
use crate::ui::form::{FormAlert, FormField, use_form_error, use_query_value};
use crate::ui::format::timestamp;
use crate::ui::panel::Panel;
use crate::ui::states::{Loading, loaded};
use crate::ui::table::{Column, DataTable};

#[component]
pub fn SecuritySettingsPage() -> impl IntoView {
    let sessions = Resource::new(|| (), |_| load_sessions());
    let two_factor = Resource::new(|| (), |_| load_two_factor());
    let api_tokens = Resource::new(|| (), |_| load_api_tokens());
    let sign_in_methods = Resource::new(|| (), |_| load_sign_in_methods());
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let activity = Resource::new(page, load_activity);
    view! {
        <SettingsFrame tab=Tab::Security>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let status = two_factor.await?;
                    Ok::<_, AppError>(view! { <TwoFactorPanel status /> })
                }.await) })}
            </Transition>
            <PasswordForm />
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let methods = sign_in_methods.await?;
                    Ok::<_, AppError>(view! { <SignInMethodsPanel methods /> })
                }.await) })}
            </Transition>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let tokens = api_tokens.await?;
                    Ok::<_, AppError>(view! { <ApiTokenPanel tokens /> })
                }.await) })}
            </Transition>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let sessions = sessions.await?;
                    Ok::<_, AppError>(view! { <Sessions sessions /> })
                }.await) })}
            </Transition>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let activity = activity.await?;
                    Ok::<_, AppError>(view! { <ActivityLog activity /> })
                }.await) })}
            </Transition>
        </SettingsFrame>
    }
}

/// The answer of a form that does not name itself (`?form=`): the two-factor forms do.
fn unnamed_form_error() -> Signal<Option<AppError>> {
    let (error, form) = (use_form_error(), use_query_value("form"));
    Signal::derive(move || error.get().filter(|_| form.get().is_empty()))
}

fn signed_out_message(others: usize) -> String {
    match others {
        0 => "Password changed.".to_owned(),
        1 => "Password changed; 1 other session was signed out.".to_owned(),
        n => format!("Password changed; {n} other sessions were signed out."),
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let error = unnamed_form_error();
    // Only a changed password answers with `signed_out` (a revoked session comes back saved too).
    let signed_out = use_query_value("signed_out");
    let message = move || signed_out.get().parse().ok().map(signed_out_message);
    view! {
        <Panel id="password-title" title="Change password" class="panel card">
            <form method="post" action=ChangePassword::url() class="form" novalidate="">
                <FormField
                    label="Current password"
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <FormField
                    label="New password"
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 8 characters with upper- and lower-case letters, a digit and a special character."
                    error
                />
                <FormField
                    label="Confirm new password"
                    name="confirm_password"
                    kind="password"
                    autocomplete="new-password"
                    error
                />
                <FormAlert error />
                <p class="form-saved" role="status">
                    {message}
                </p>
                <p class="form__note">"Every other device is signed out; this one stays signed in."</p>
                <button class="button button--primary" type="submit">
                    "Change password"
                </button>
            </form>
        </Panel>
    }
}

#[component]
fn Sessions(sessions: Vec<SessionInfo>) -> impl IntoView {
    let others = sessions.iter().filter(|s| !s.current).count();
    let error = unnamed_form_error();
    let rows = sessions
        .into_iter()
        .map(|session| {
            let device = format!("{} on {}", session.browser, session.os);
            let label = format!("Sign out {device}, last seen {}", timestamp(session.last_seen_at));
            let action = if session.current {
                view! { <span class="badge badge--active">"This device"</span> }.into_any()
            } else {
                view! {
                    <form method="post" action=RevokeSession::url()>
                        <input type="hidden" name="id" value=session.id.to_string() />
                        <button
                            class="button button--danger button--small"
                            type="submit"
                            aria-label=label
                        >
                            "Sign out"
                        </button>
                    </form>
                }
                .into_any()
            };
            view! {
                <tr data-session=session.id.to_string() data-current=session.current.to_string()>
                    <th scope="row">{device}</th>
                    <td class="hide-narrow">{session.ip.unwrap_or_else(|| "unknown".into())}</td>
                    <td class="hide-narrow">{timestamp(session.created_at)}</td>
                    <td>{timestamp(session.last_seen_at)}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Panel id="sessions-title" title="Where you are signed in" class="panel card">
            <DataTable
                labelled_by="sessions-title"
                columns=&[
                    Column::Text("Device"),
                    Column::Wide("IP address"),
                    Column::Wide("Signed in"),
                    Column::Text("Last seen"),
                    Column::Action,
                ]
            >
                {rows}
            </DataTable>
            <FormAlert error />
            {(others > 0)
                .then(|| {
                    view! {
                        <form method="post" action=RevokeOtherSessions::url() class="form form--actions">
                            <button class="button button--danger" type="submit">
                                "Sign out everywhere else"
                            </button>
                        </form>
                    }
                })}
        </Panel>
    }
    .into_any()
}

#[component]
fn ActivityLog(activity: ActivityPage) -> impl IntoView {
    let ActivityPage {
        entries,
        page,
        has_more,
    } = activity;
    let rows = entries
        .into_iter()
        .map(|entry| {
            view! {
                <tr>
                    <td>{timestamp(entry.at)}</td>
                    <th scope="row" data-action=entry.action.as_str()>{entry.summary}</th>
                    <td>{entry.ip.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Panel id="activity-title" title="Your activity" class="panel card">
            <DataTable
                labelled_by="activity-title"
                columns=&[Column::Text("When"), Column::Text("What"), Column::Text("IP address")]
            >
                {rows}
            </DataTable>
            <nav class="pager" aria-label="Activity pages">
                {(page > 1).then(|| view! { <a href=format!("?page={}", page - 1) rel="prev">"← Newer"</a> })}
                <span>"Page " {page}</span>
                {has_more.then(|| view! { <a href=format!("?page={}", page + 1) rel="next">"Older →"</a> })}
            </nav>
        </Panel>
    }
    .into_any()
}
