//! The responsive navbar. On narrow screens a checkbox opens the menu and a `<details>` holds
//! the account menu, so both work before hydration; once hydrated, Escape and navigation
//! close them.

use leptos::ev;
use leptos::html::{Details, Input};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::auth::pages::AuthContext;
use crate::auth::{Role, User};

#[component]
pub fn Navbar() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let menu = NodeRef::<Input>::new();
    let account = NodeRef::<Details>::new();
    let close = move || {
        if let Some(toggle) = menu.get_untracked() {
            toggle.set_checked(false);
        }
        if let Some(details) = account.get_untracked() {
            details.set_open(false);
        }
    };
    let pathname = use_location().pathname;
    // Not on the first run: that is hydration, and a menu opened before it must stay open.
    Effect::new(move |ran: Option<()>| {
        pathname.track();
        if ran.is_some() {
            close();
        }
    });
    let escape = window_event_listener(ev::keydown, move |event| {
        if event.key() == "Escape" {
            close();
        }
    });
    on_cleanup(move || escape.remove());

    let links = move |user: Option<User>| match user {
        Some(user) => view! {
            <li>
                <a href="/dashboard">"Dashboard"</a>
            </li>
            <li>
                <a href="/services">"Services"</a>
            </li>
            {(user.role == Role::Admin).then(|| view! {
                <li>
                    <a href="/admin">"Admin"</a>
                </li>
            })}
            <li>
                <details class="account" node_ref=account>
                    <summary class="account__button" aria-label="Account">
                        <span class="avatar" aria-hidden="true">{initials(&user.name)}</span>
                        <span class="account__name">{user.name.clone()}</span>
                    </summary>
                    <ul class="account__list">
                        <li class="account__who">
                            <strong>{user.name.clone()}</strong>
                            <span>{user.email.clone()}</span>
                        </li>
                        <li>
                            <a href="/dashboard">"Dashboard"</a>
                        </li>
                        <li>
                            <a href="/settings">"Settings"</a>
                        </li>
                        <li>
                            <ActionForm action=auth.sign_out>
                                <button type="submit" class="account__signout">"Sign out"</button>
                            </ActionForm>
                        </li>
                    </ul>
                </details>
            </li>
        }
        .into_any(),
        None => view! {
            <li>
                <a href="/#features">"Features"</a>
            </li>
            <li>
                <a href="/auth/signin">"Sign in"</a>
            </li>
            <li>
                <a class="button button--primary" href="/auth/register">
                    "Get started"
                </a>
            </li>
        }
        .into_any(),
    };

    view! {
        <header class="navbar">
            <nav class="navbar__inner" aria-label="Main">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    <span class="brand__name">"RagSites"</span>
                    <span class="brand__tag">"Portal"</span>
                </a>
                <div class="menu">
                    <input
                        class="menu__toggle"
                        type="checkbox"
                        aria-label="Menu"
                        aria-controls="menu-list"
                        node_ref=menu
                    />
                    <span class="menu__button" aria-hidden="true">
                        <span class="menu__icon"></span>
                    </span>
                    <ul class="menu__list" id="menu-list">
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move { links(auth.user.await.ok().flatten()) })}
                        </Transition>
                    </ul>
                </div>
            </nav>
        </header>
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}
