//! The responsive navbar. Menus are `<details>` elements, so they open and close before
//! hydration too; once hydrated, Escape and navigation close them.

use leptos::ev;
use leptos::html::Details;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn Navbar() -> impl IntoView {
    let menu = NodeRef::<Details>::new();
    let close = move || {
        if let Some(details) = menu.get_untracked() {
            details.set_open(false);
        }
    };
    let pathname = use_location().pathname;
    Effect::new(move |_| {
        pathname.track();
        close();
    });
    let escape = window_event_listener(ev::keydown, move |event| {
        if event.key() == "Escape" {
            close();
        }
    });
    on_cleanup(move || escape.remove());

    view! {
        <header class="navbar">
            <nav class="navbar__inner" aria-label="Main">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    <span class="brand__name">"RagSites"</span>
                    <span class="brand__tag">"Portal"</span>
                </a>
                <details class="menu" node_ref=menu>
                    <summary class="menu__button" aria-label="Menu">
                        <span class="menu__icon" aria-hidden="true"></span>
                    </summary>
                    <ul class="menu__list">
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
                    </ul>
                </details>
            </nav>
        </header>
    }
}
