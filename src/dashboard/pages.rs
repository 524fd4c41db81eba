//! `/dashboard`: the figures of all the client's services.

use leptos::prelude::*;
use leptos_meta::Title;

use super::view::AnalyticsView;
use crate::auth::pages::RequireUser;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <RequireUser>
            <section class="page-header">
                <h1>"Dashboard"</h1>
                <p class="page-header__lead">"How your AI services are doing."</p>
            </section>
            <AnalyticsView path="/dashboard".to_owned() />
        </RequireUser>
    }
}
