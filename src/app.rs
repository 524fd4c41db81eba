//! The HTML shell and every route, in one place.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{StaticSegment, path};

use crate::auth::pages::{RegisterPage, SignInPage};
use crate::dashboard::pages::DashboardPage;
use crate::landing::LandingPage;
use crate::ui::layout::Layout;
use crate::ui::states::NotFound;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/ragsites-portal.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "RagSites Portal".to_owned() } else { format!("{page} · RagSites Portal") }
        } />
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=StaticSegment("") view=LandingPage />
                    <Route path=path!("/auth/signin") view=SignInPage />
                    <Route path=path!("/auth/register") view=RegisterPage />
                    <Route path=path!("/dashboard") view=DashboardPage />
                </Routes>
            </Layout>
        </Router>
    }
}
