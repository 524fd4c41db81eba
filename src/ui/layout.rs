//! The page frame: navbar, main content inside an error boundary, footer. A share link's page
//! has a bar of its own instead of the navbar: it leads nowhere in the portal.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::navbar::Navbar;
use super::states::ErrorState;
use crate::auth::pages::{ConfirmAddressBanner, provide_auth};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let shared = use_location()
        .pathname
        .with_untracked(|path| path.starts_with(&format!("{}/", crate::sharing::PATH)));
    let header = if shared {
        view! { <SharedBar /> }.into_any()
    } else {
        provide_auth();
        view! {
            <Navbar />
            <ConfirmAddressBanner />
        }
        .into_any()
    };
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        {header}
        <main id="main" class="main">
            <ErrorBoundary fallback=|errors| {
                view! { <ErrorState errors /> }
            }>{children()}</ErrorBoundary>
        </main>
        <footer class="footer">
            <p>"© RagSites · AI services, measured."</p>
        </footer>
    }
}

#[component]
fn SharedBar() -> impl IntoView {
    view! {
        <header class="navbar">
            <div class="navbar__inner">
                <span class="brand">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    <span class="brand__name">"RagSites"</span>
                    <span class="brand__tag">"Shared view"</span>
                </span>
                <span class="badge">"Read-only"</span>
            </div>
        </header>
    }
}
