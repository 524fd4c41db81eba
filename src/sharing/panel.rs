//! The owner's side of share links: the "Share" form of the dashboard and service pages, and
//! the sharing tab's list (the new link's address once, visits, revoke). Plain forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use uuid::Uuid;

use super::api::{CreateShareLink, DismissShareLink, RevokeShareLink};
use super::{EXPIRIES, FORM, LinkStatus, ShareLinkInfo, ShareLinks};
use crate::analytics::Range;
use crate::ui::form::{FormAlert, FormField, use_field_value, use_form_answer};
use crate::ui::format::timestamp;
use crate::ui::panel::Panel;
use crate::ui::table::{Column, DataTable};

/// "Share": a fold-out form making a read-only link of the view (`service`'s page, or the
/// dashboard) over `range`. Open again when the form came back refused.
#[component]
pub fn ShareForm(service: Option<Uuid>, range: Range, back: String) -> impl IntoView {
    let (error, _) = use_form_answer(FORM);
    let label = use_field_value("label", String::new());
    let expiries = EXPIRIES
        .iter()
        .map(|(value, words, _)| view! { <option value=*value>{*words}</option> })
        .collect_view();
    view! {
        <details class="share-menu" open=move || error.get().is_some()>
            <summary class="button">"Share"</summary>
            <form method="post" action=CreateShareLink::url() class="form share-menu__panel" novalidate="">
                <p class="share-menu__lead">
                    "A read-only link to this view, for someone without an account. It updates live."
                </p>
                <input type="hidden" name="service" value=service.map(|id| id.to_string()).unwrap_or_default() />
                <input type="hidden" name="range" value=range.as_str() />
                <input type="hidden" name="back" value=back />
                <FormField label="Label" name="label" value=label hint="Whom it is for, e.g. “Acme board”." error />
                <div class="field">
                    <label for="field-expires">"Works for"</label>
                    <select id="field-expires" name="expires" aria-describedby="field-expires-message">
                        {expiries}
                    </select>
                    <p class="field__message" id="field-expires-message">
                        {move || error.get().and_then(|e| e.field_message("expires"))}
                    </p>
                </div>
                <FormField
                    label="Password (optional)"
                    name="share_password"
                    kind="password"
                    autocomplete="new-password"
                    hint="8 to 72 characters; visitors type it once."
                    error
                />
                <label class="check">
                    <input type="checkbox" name="allow_export" value="on" />
                    "Allow CSV and PDF downloads"
                </label>
                <FormAlert error />
                <button class="button button--primary" type="submit">
                    "Create link"
                </button>
            </form>
        </details>
    }
    // Erased: the analytics view's type is deep enough already.
    .into_any()
}

/// The sharing tab's panel: the new link once, every link with its visits and a revoke button.
#[component]
pub fn ShareLinksPanel(links: ShareLinks) -> impl IntoView {
    let (error, _) = use_form_answer("share-links");
    let new_link = links.new_link.map(|path| {
        let address = format!("{}{path}", links.base_url);
        view! {
            <div class="new-key" id="new-link" role="status">
                <p>
                    <strong>"Copy this link now:"</strong>
                    " it is shown only once (the portal keeps only a hash of it). Anyone with it sees the view read-only."
                </p>
                <div class="new-key__secret">
                    <code data-secret="">{address}</code>
                </div>
                <form method="post" action=DismissShareLink::url()>
                    <button class="button button--small" type="submit">
                        "I have copied it"
                    </button>
                </form>
            </div>
        }
    });
    let list = if links.links.is_empty() {
        view! {
            <p class="panel__empty">
                "No share links yet: use “Share” on the dashboard or on a service's page."
            </p>
        }
        .into_any()
    } else {
        view! {
            <DataTable
                labelled_by="share-links-title"
                columns=&[
                    Column::Text("Link"),
                    Column::Text("View"),
                    Column::Wide("Expires"),
                    Column::Number("Visits"),
                    Column::Wide("Last visit"),
                    Column::Action,
                ]
            >
                {links.links.into_iter().map(|link| view! { <LinkRow link /> }).collect_view()}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <Panel id="share-links-title" title="Share links" class="panel card">
            <p class="panel__lead">
                "Read-only links to your dashboard or a service's page. Revoking one closes it at once, even where it is open."
            </p>
            <FormAlert error />
            {new_link}
            {list}
        </Panel>
    }
}

#[component]
fn LinkRow(link: ShareLinkInfo) -> impl IntoView {
    let when =
        |at: Option<chrono::DateTime<chrono::Utc>>, none: &'static str| at.map_or_else(|| none.to_owned(), timestamp);
    let action = match link.status {
        LinkStatus::Revoked => view! { <span class="badge badge--archived">"revoked"</span> }.into_any(),
        LinkStatus::Expired => view! { <span class="badge badge--archived">"expired"</span> }.into_any(),
        LinkStatus::Working => {
            let label = format!("Revoke {}", link.label);
            view! {
                <form method="post" action=RevokeShareLink::url()>
                    <input type="hidden" name="id" value=link.id.to_string() />
                    <button class="button button--danger button--small" type="submit" aria-label=label>
                        "Revoke"
                    </button>
                </form>
            }
            .into_any()
        }
    };
    let traits = [
        link.has_password.then_some("password"),
        link.allow_export.then_some("downloads"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let closed = link.status != LinkStatus::Working;
    let prefix = link.prefix.clone();
    view! {
        <tr class:revoked=closed data-link=prefix>
            <th scope="row">
                {link.label}
                <span class="key__name">
                    <code>"rsl_" {link.prefix} "…"</code>
                    {(!traits.is_empty()).then(|| format!(" · {traits}"))}
                </span>
            </th>
            <td>{link.service.unwrap_or_else(|| "Dashboard".to_owned())}</td>
            <td class="hide-narrow">{when(link.expires_at, "never")}</td>
            <td class="num">{link.visits}</td>
            <td class="hide-narrow">{when(link.last_visited_at, "never")}</td>
            <td>{action}</td>
        </tr>
    }
}
