//! The HTML shell and every route, in one place.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::{HashedStylesheet, MetaTags};
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, StaticSegment, path};

use crate::admin::pages::AdminPage;
use crate::auth::pages::{
    ConfirmEmailPage, ForgotPasswordPage, LinkIdentityPage, RegisterPage, ResetPasswordPage, SignInPage, TwoFactorPage,
};
use crate::dashboard::pages::DashboardPage;
use crate::events::detail::{ConversationPage, EventPage};
use crate::events::pages::EventsPage;
use crate::landing::LandingPage;
use crate::services::pages::{ServicePage, ServicesPage};
use crate::settings::pages::billing::BillingSettingsPage;
use crate::settings::pages::notifications::NotificationSettingsPage;
use crate::settings::pages::profile::ProfileSettingsPage;
use crate::settings::pages::security::SecuritySettingsPage;
use crate::settings::pages::sharing::SharingSettingsPage;
use crate::sharing::pages::SharedPage;
use crate::ui::layout::Layout;
use crate::ui::states::NotFound;

/// Every page waits for its data and is sent whole: it reads complete without JavaScript, and
/// a status set while rendering (404, a redirect) still reaches the response.
const SSR: SsrMode = SsrMode::Async;

/// The HTML document around every page. Only a page with an interactive island loads the
/// browser build (WASM); the others are HTML and forms alone.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let hydrate = use_context::<axum::http::request::Parts>().is_some_and(|request| has_islands(request.uri.path()));
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                {hydrate.then(|| view! { <HydrationScripts options=options.clone() islands=true /> })}
                <HashedStylesheet options id="leptos" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The pages holding an island: the dashboard's, the service pages' and a share link's live
/// figures, and the first two's drag and drop. `integration::foundation` checks pages against this.
#[cfg(feature = "ssr")]
fn has_islands(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    matches!(segments[..], ["dashboard"] | ["services", _] | ["share", _])
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "RagSites Portal".to_owned() } else { format!("{page} · RagSites Portal") }
        } />
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=StaticSegment("") view=LandingPage ssr=SSR />
                    <Route path=path!("/auth/signin") view=SignInPage ssr=SSR />
                    <Route path=path!("/auth/2fa") view=TwoFactorPage ssr=SSR />
                    <Route path=path!("/auth/link") view=LinkIdentityPage ssr=SSR />
                    <Route path=path!("/auth/register") view=RegisterPage ssr=SSR />
                    <Route path=path!("/auth/forgot") view=ForgotPasswordPage ssr=SSR />
                    <Route path=path!("/auth/reset") view=ResetPasswordPage ssr=SSR />
                    <Route path=path!("/auth/verify") view=ConfirmEmailPage ssr=SSR />
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SSR />
                    <Route path=path!("/services") view=ServicesPage ssr=SSR />
                    <Route path=path!("/services/:id") view=ServicePage ssr=SSR />
                    <Route path=path!("/services/:id/events") view=EventsPage ssr=SSR />
                    <Route path=path!("/services/:id/events/:event_id") view=EventPage ssr=SSR />
                    <Route path=path!("/services/:id/conversations/:conversation_id") view=ConversationPage ssr=SSR />
                    <Route path=path!("/settings") view=|| view! { <Redirect path="/settings/profile" /> } ssr=SSR />
                    <Route path=path!("/settings/profile") view=ProfileSettingsPage ssr=SSR />
                    <Route path=path!("/settings/notifications") view=NotificationSettingsPage ssr=SSR />
                    <Route path=path!("/settings/security") view=SecuritySettingsPage ssr=SSR />
                    <Route path=path!("/settings/billing") view=BillingSettingsPage ssr=SSR />
                    <Route path=path!("/settings/sharing") view=SharingSettingsPage ssr=SSR />
                    <Route path=path!("/admin") view=AdminPage ssr=SSR />
                    <Route path=path!("/share/:token") view=SharedPage ssr=SSR />
                </Routes>
            </Layout>
        </Router>
    }
}
