//! RagSites Portal: one crate, built as the SSR server (`ssr`) and the browser's islands (`hydrate`).

pub mod admin;
pub mod alerts;
pub mod analytics;
pub mod annotations;
pub mod app;
pub mod audit;
pub mod auth;
pub mod billing;
#[cfg(feature = "ssr")]
pub mod changes;
pub mod dashboard;
pub mod error;
pub mod events;
pub mod ingest;
pub mod landing;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod reports;
pub mod services;
pub mod settings;
pub mod sharing;
pub mod ui;
pub mod widgets;

#[cfg(feature = "ssr")]
pub mod schema;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Lets tests (and CSS) tell a hydrated page from a server-rendered one.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
