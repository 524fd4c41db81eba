//! The page frame: navbar, main content inside an error boundary, footer.

use leptos::prelude::*;

use super::navbar::Navbar;
use super::states::ErrorState;
use crate::auth::pages::{ConfirmAddressBanner, provide_auth};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    provide_auth();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Navbar />
        <ConfirmAddressBanner />
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
