//! Loading, empty, error and not-found states, the same everywhere.

use leptos::prelude::*;
use leptos_meta::Title;

/// A shimmering placeholder shown while data loads.
#[component]
pub fn Loading(#[prop(default = "Loading…")] label: &'static str) -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="loading__bar"></span>
            <span class="loading__bar"></span>
            <span class="loading__bar"></span>
            <span class="visually-hidden">{label}</span>
        </div>
    }
}

/// What a list or chart shows when there is nothing yet, and what to do about it.
#[component]
pub fn EmptyState(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="empty-state">
            <div class="empty-state__icon" aria-hidden="true">"✦"</div>
            <h2>{title}</h2>
            <div class="empty-state__body">{children()}</div>
        </section>
    }
}

/// The error boundary's fallback: what went wrong (each message once, however many parts of
/// the page failed alike), and a way to try again. A page that could not reach the database
/// answers 503 with `Retry-After`, not 200.
#[component]
pub fn ErrorState(errors: ArcRwSignal<Errors>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if errors
        .read_untracked()
        .iter()
        .any(|(_, e)| e.downcast_ref::<crate::error::AppError>() == Some(&crate::error::AppError::Unavailable))
        && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
        response.insert_header(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(crate::error::UNAVAILABLE_RETRY_AFTER),
        );
    }
    let messages = move || {
        let mut messages: Vec<String> = errors.get().into_iter().map(|(_, e)| e.to_string()).collect();
        messages.sort();
        messages.dedup();
        messages
            .into_iter()
            .map(|message| view! { <li>{message}</li> })
            .collect_view()
    };
    view! {
        <section class="error-state" role="alert">
            <h2>"Something went wrong"</h2>
            <ul>{messages}</ul>
            <a class="button" href="">
                "Try again"
            </a>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="not-found">
            <p class="not-found__code">"404"</p>
            <h1>"This page does not exist"</h1>
            <p>"The link may be broken, or the page may have moved."</p>
            <a class="button button--primary" href="/">
                "Back to the home page"
            </a>
        </section>
    }
}

/// A signed-in user asked for what their role may not see (an admin page): 403.
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="not-found">
            <p class="not-found__code">"403"</p>
            <h1>"This page is for administrators"</h1>
            <p>"Your account cannot open it."</p>
            <a class="button button--primary" href="/dashboard">
                "Back to your dashboard"
            </a>
        </section>
    }
}
