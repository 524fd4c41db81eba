//! `/dashboard`. For now a welcome and the client's next steps; the analytics widgets come
//! with the analytics engine.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::pages::{AuthContext, RequireUser};

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <RequireUser>
            <Welcome />
        </RequireUser>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let name = move || {
        auth.user
            .get()
            .and_then(Result::ok)
            .flatten()
            .map(|u| u.name)
            .unwrap_or_default()
    };
    view! {
        <section class="page-header">
            <h1>"Dashboard"</h1>
            <p class="page-header__lead">"Welcome, " {name} "."</p>
        </section>
    }
}
