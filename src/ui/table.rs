//! The data table every list uses: column headings, rows given by the caller, and a scroll
//! frame so a wide table never widens the page.

use leptos::prelude::*;

/// A column heading and how its cells read.
#[derive(Clone, Copy)]
pub enum Column {
    Text(&'static str),
    /// Right-aligned figures.
    Number(&'static str),
    /// Left out on narrow screens.
    Wide(&'static str),
    /// Buttons: the heading is for screen readers only.
    Action,
}

impl Column {
    fn view(self) -> impl IntoView {
        match self {
            Self::Text(name) => view! { <th scope="col">{name}</th> }.into_any(),
            Self::Number(name) => view! { <th scope="col" class="num">{name}</th> }.into_any(),
            Self::Wide(name) => view! { <th scope="col" class="hide-narrow">{name}</th> }.into_any(),
            Self::Action => view! {
                <th scope="col">
                    <span class="visually-hidden">"Action"</span>
                </th>
            }
            .into_any(),
        }
    }
}

#[component]
pub fn DataTable(
    columns: &'static [Column],
    /// The id of the heading that names the table…
    #[prop(optional)]
    labelled_by: Option<&'static str>,
    /// …or its name, where no heading says it.
    #[prop(optional)]
    label: Option<&'static str>,
    /// The rows (`<tr>`s).
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="data-table" aria-labelledby=labelled_by aria-label=label>
                <thead>
                    <tr>{columns.iter().map(|c| c.view()).collect_view()}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
