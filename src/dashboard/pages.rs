//! `/dashboard`: the figures of all the client's services.

use leptos::prelude::*;
use leptos_meta::Title;

use super::filters::analytics_query;
use super::view::AnalyticsView;
use crate::auth::pages::AuthContext;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let query = analytics_query(None);
    // No `RequireUser` here: the server's page guard already sends everyone else to sign in,
    // and when the user cannot be read (the database is away) the figures below say so, once.
    let header = move || {
        Suspend::new(async move {
            let name = auth.user.await.ok().flatten().map(|user| user.name).unwrap_or_default();
            view! {
                <section class="page-header">
                    <h1>"Dashboard"</h1>
                    <p class="page-header__lead">"Welcome, " {name} ". Here is how your AI services are doing."</p>
                </section>
            }
        })
    };
    view! {
        <Title text="Dashboard" />
        <Transition fallback=|| ()>{header}</Transition>
        // Outside the header's suspense: the analytics view (an island then) fetched the figures
        // three times when it was rendered again as the user resolved.
        <AnalyticsView query path="/dashboard".to_owned() single=false />
    }
}
