//! The security tab's API token panel: the new token once, the list with revoke buttons, the
//! form to make one. Plain forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::api::{CreateApiToken, DismissApiToken, RevokeApiToken};
use super::{ApiTokenInfo, ApiTokens, LIFETIMES, Scope};
use crate::ui::form::{FormAlert, FormField, use_field_value, use_form_answer};
use crate::ui::format::timestamp;
use crate::ui::panel::Panel;
use crate::ui::table::{Column, DataTable};

#[component]
pub fn ApiTokenPanel(tokens: ApiTokens) -> impl IntoView {
    let (error, _) = use_form_answer("api-tokens");
    let name = use_field_value("name", String::new());
    let new_token = tokens.new_token.map(|token| {
        view! {
            <div class="new-key" role="status">
                <p>
                    <strong>"Copy this token now:"</strong>
                    " it is shown only once. Send it as "
                    <code>"Authorization: Bearer …"</code>
                    " to the REST API."
                </p>
                <div class="new-key__secret">
                    <code data-secret="">{token}</code>
                </div>
                <form method="post" action=DismissApiToken::url()>
                    <button class="button button--small" type="submit">
                        "I have copied it"
                    </button>
                </form>
            </div>
        }
    });
    let list = if tokens.tokens.is_empty() {
        view! { <p class="panel__empty">"No API tokens yet."</p> }.into_any()
    } else {
        view! {
            <DataTable
                labelled_by="api-tokens-title"
                columns=&[
                    Column::Text("Token"),
                    Column::Text("Scope"),
                    Column::Wide("Expires"),
                    Column::Text("Last used"),
                    Column::Action,
                ]
            >
                {tokens.tokens.into_iter().map(|token| view! { <TokenRow token /> }).collect_view()}
            </DataTable>
        }
        .into_any()
    };
    let lifetimes = LIFETIMES
        .iter()
        .map(|(value, label, _)| view! { <option value=*value>{*label}</option> })
        .collect_view();
    view! {
        <Panel id="api-tokens-title" title="API tokens" class="panel card">
            <p class="panel__lead">
                "For your scripts and integrations: a token reads the REST API (analytics, services, keys, settings), "
                "or also changes it. It never opens the portal's pages."
            </p>
            {new_token}
            {list}
            <form method="post" action=CreateApiToken::url() class="form" novalidate="">
                <FormField label="Token name" name="name" value=name error />
                <div class="field">
                    <label for="field-scope">"Scope"</label>
                    <select id="field-scope" name="scope">
                        <option value=Scope::Read.as_str()>{Scope::Read.label()}</option>
                        <option value=Scope::Write.as_str()>{Scope::Write.label()}</option>
                    </select>
                </div>
                <div class="field">
                    <label for="field-lifetime">"Expires after"</label>
                    <select id="field-lifetime" name="lifetime">
                        {lifetimes}
                    </select>
                </div>
                <FormAlert error />
                <button class="button button--primary" type="submit">
                    "Create token"
                </button>
            </form>
        </Panel>
    }
}

#[component]
fn TokenRow(token: ApiTokenInfo) -> impl IntoView {
    let when =
        |at: Option<chrono::DateTime<chrono::Utc>>, none: &'static str| at.map_or_else(|| none.to_owned(), timestamp);
    let action = if token.revoked_at.is_some() {
        view! { <span class="badge badge--archived">"revoked"</span> }.into_any()
    } else {
        let label = format!("Revoke {}", token.name);
        view! {
            <form method="post" action=RevokeApiToken::url()>
                <input type="hidden" name="id" value=token.id.to_string() />
                <button class="button button--danger button--small" type="submit" aria-label=label>
                    "Revoke"
                </button>
            </form>
        }
        .into_any()
    };
    let (revoked, prefix) = (token.revoked_at.is_some(), token.prefix.clone());
    view! {
        <tr class:revoked=revoked data-token=prefix>
            <th scope="row">
                {token.name}
                <span class="key__name">
                    <code>{token.prefix} "…"</code>
                </span>
            </th>
            <td>{token.scope.label()}</td>
            <td class="hide-narrow">{when(token.expires_at, "never")}</td>
            <td>{when(token.last_used_at, "never")}</td>
            <td>{action}</td>
        </tr>
    }
}
