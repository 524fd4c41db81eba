//! A titled section of a page: its heading labels it for screen readers.

use leptos::prelude::*;

#[component]
pub fn Panel(
    /// The heading's id, which labels the section.
    #[prop(into)]
    id: String,
    #[prop(into)] title: String,
    #[prop(default = "panel")] class: &'static str,
    children: Children,
) -> impl IntoView {
    let heading = id.clone();
    view! {
        <section class=class aria-labelledby=id>
            <h2 class="panel__title" id=heading>
                {title}
            </h2>
            {children()}
        </section>
    }
}
