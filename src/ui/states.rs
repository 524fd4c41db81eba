//! Loading, empty, error and not-found states, the same everywhere.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;

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

/// A page section's data, or what went wrong in its place. Pages render their errors here
/// rather than returning them to the error boundary: Leptos finds the boundary through a
/// thread-local hook, and under load a server thread renders several requests at once, so a
/// thrown error can reach another request's boundary (seen in `make bench-stress`: a landing
/// page answered another page's 503, and that page 200 with an empty body).
pub fn loaded<V: IntoView + 'static>(result: Result<V, AppError>) -> AnyView {
    match result {
        Ok(view) => view.into_any(),
        Err(error) => {
            if error == AppError::Unavailable {
                answer_unavailable();
            }
            view! { <ErrorPanel messages=vec![error.to_string()] /> }.into_any()
        }
    }
}

/// The error boundary's fallback, for anything still thrown: what went wrong (each message
/// once, however many parts of the page failed alike), and a way to try again.
#[component]
pub fn ErrorState(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let errors = errors.read_untracked();
    if errors
        .iter()
        .any(|(_, e)| e.downcast_ref::<AppError>() == Some(&AppError::Unavailable))
    {
        answer_unavailable();
    }
    let mut messages: Vec<String> = errors.iter().map(|(_, e)| e.to_string()).collect();
    messages.sort();
    messages.dedup();
    view! { <ErrorPanel messages /> }
}

#[component]
fn ErrorPanel(messages: Vec<String>) -> impl IntoView {
    view! {
        <section class="error-state" role="alert">
            <h2>"Something went wrong"</h2>
            <ul>{messages.into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}</ul>
            <a class="button" href="">
                "Try again"
            </a>
        </section>
    }
}

/// A page that could not reach the database answers 503 with `Retry-After`, not 200.
fn answer_unavailable() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
        response.insert_header(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(crate::error::UNAVAILABLE_RETRY_AFTER),
        );
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
