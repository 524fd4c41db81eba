//! `/dashboard`: the figures of all the client's services.

use leptos::prelude::*;
use leptos_meta::Title;

use super::filters::analytics_query;
use super::view::AnalyticsView;
use crate::auth::pages::{AuthContext, RequireUser};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let query = analytics_query(None);
    let name = move || {
        auth.user
            .get()
            .and_then(Result::ok)
            .flatten()
            .map(|u| u.name)
            .unwrap_or_default()
    };
    view! {
        <Title text="Dashboard" />
        <RequireUser>
            <section class="page-header">
                <h1>"Dashboard"</h1>
                <p class="page-header__lead">"Welcome, " {name} ". Here is how your AI services are doing."</p>
            </section>
        </RequireUser>
        // Outside the guard's suspense: its children are rendered again as the user resolves,
        // and the analytics view (an island then) fetched the figures three times in there. The
        // page is signed-in only anyway (the server's page guard redirects everyone else).
        <AnalyticsView query path="/dashboard".to_owned() single=false />
    }
}
