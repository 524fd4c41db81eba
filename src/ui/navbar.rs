//! The responsive navbar. On narrow screens a checkbox opens the menu and a `<details>` holds
//! the account menu, so both work without JavaScript; a few lines of plain script (no WASM) let
//! Escape close them.

use leptos::nonce::use_nonce;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::auth::api::SignOut;
use crate::auth::pages::AuthContext;
use crate::auth::{Role, User};

#[component]
pub fn Navbar() -> impl IntoView {
    let auth = expect_context::<AuthContext>();

    let links = move |user: Option<User>| {
        match user {
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
                <details class="account">
                    <summary class="account__button" aria-label="Account">
                        {match user.avatar.clone() {
                            Some(src) => view! { <img class="avatar" src=src alt="" width="32" height="32" /> }.into_any(),
                            None => view! { <span class="avatar" aria-hidden="true">{initials(&user.name)}</span> }.into_any(),
                        }}
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
                            <form method="post" action=SignOut::url()>
                                <button type="submit" class="account__signout">"Sign out"</button>
                            </form>
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
    }
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
                    />
                    <span class="menu__button" aria-hidden="true">
                        <span class="menu__icon"></span>
                    </span>
                    <ul class="menu__list" id="menu-list">
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move { links(auth.user.await.ok().flatten()) })}
                        </Transition>
                    </ul>
                    <script nonce=use_nonce()>{include_str!("close_menus.js")}</script>
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
