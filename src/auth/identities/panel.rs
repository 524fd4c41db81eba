//! The security tab's sign-in methods: the password, each linked provider with its unlink
//! button, and a button for each configured provider not linked yet. Plain forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::api::UnlinkIdentity;
use super::{LinkedIdentity, SignInMethods};
use crate::ui::form::{FormAlert, use_form_answer};
use crate::ui::format::timestamp;
use crate::ui::panel::Panel;

#[component]
pub fn SignInMethodsPanel(methods: SignInMethods) -> impl IntoView {
    let (error, saved) = use_form_answer("identities");
    let (can_unlink, has_password) = (methods.can_unlink(), methods.has_password);
    let password = if methods.has_password {
        "Password: set."
    } else {
        "Password: none yet. \"Forgot your password?\" on the sign-in page mails you a link to set one."
    };
    let linked = methods
        .linked
        .into_iter()
        .map(|identity| view! { <IdentityRow identity can_unlink /> })
        .collect_view();
    let linkable = methods
        .linkable
        .into_iter()
        .map(|provider| {
            let text = format!("Link {}", provider.label);
            // The password confirms a new way in (an account made through a provider has none).
            let password = has_password.then(|| {
                let label = format!("Your password, to link {}", provider.label);
                view! {
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        placeholder="Your password"
                        aria-label=label
                        required=""
                    />
                }
            });
            view! {
                <form method="post" action=provider.link_url() class="identities__form">
                    {password}
                    <button class="button button--small" type="submit">
                        {text}
                    </button>
                </form>
            }
        })
        .collect_view();
    view! {
        <Panel id="identities-title" title="Sign-in methods" class="panel card">
            <p class="panel__lead">{password}</p>
            <Show when=move || saved.get()>
                <p class="form-saved" role="status">
                    "Saved."
                </p>
            </Show>
            <ul class="identities">{linked}</ul>
            <div class="identities__link">{linkable}</div>
            <FormAlert error />
        </Panel>
    }
}

#[component]
fn IdentityRow(identity: LinkedIdentity, can_unlink: bool) -> impl IntoView {
    let last_used = identity
        .last_used_at
        .map_or_else(|| "never used".to_owned(), |at| format!("last used {}", timestamp(at)));
    let label = format!("Unlink {}", identity.label);
    let unlink = can_unlink.then(|| {
        view! {
            <form method="post" action=UnlinkIdentity::url()>
                <input type="hidden" name="id" value=identity.id.to_string() />
                <button class="button button--danger button--small" type="submit" aria-label=label>
                    "Unlink"
                </button>
            </form>
        }
    });
    view! {
        <li class="identity" data-provider=identity.provider>
            <span>
                <strong>{identity.label}</strong>
                " "
                {identity.email}
                <span class="identity__when">
                    " · linked " {timestamp(identity.created_at)} " · " {last_used}
                </span>
            </span>
            {unlink}
        </li>
    }
}
