//! A titled section of a page: its heading labels it for screen readers.

use leptos::prelude::*;

#[component]
pub fn Panel(
    /// The heading's id, which labels the section.
    id: &'static str,
    title: &'static str,
    #[prop(default = "panel")] class: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section class=class aria-labelledby=id>
            <h2 class="panel__title" id=id>
                {title}
            </h2>
            {children()}
        </section>
    }
}
