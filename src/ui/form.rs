//! Form fields and their errors. A form posts to its server function, and the browser follows
//! a redirect: [`report_to_plain_form`] sends it back to the form's page with the error (and
//! the fields worth keeping) in the query string, where [`use_form_error`] reads it.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;

/// The error a form post came back with.
pub fn use_form_error() -> Signal<Option<AppError>> {
    let query = use_query_map();
    Signal::derive(move || {
        query
            .read()
            .get("error")
            .and_then(|json| serde_json::from_str(&json).ok())
    })
}

/// Whether a form post came back saved (`?saved=1`).
pub fn use_saved() -> Signal<bool> {
    let query = use_query_map();
    Signal::derive(move || query.with(|q| q.get("saved").is_some() && q.get("error").is_none()))
}

/// On a page with several forms, the error and the success of the one named `form`: its server
/// function tags the answer with `?form=` (through `answer_form_post_with`'s outcome).
pub fn use_form_answer(form: &'static str) -> (Signal<Option<AppError>>, Signal<bool>) {
    let (error, saved, query) = (use_form_error(), use_saved(), use_query_map());
    let answered = move || query.with(|q| q.get("form").as_deref() == Some(form));
    (
        Signal::derive(move || error.get().filter(|_| answered())),
        Signal::derive(move || saved.get() && answered()),
    )
}

/// A query parameter, to prefill a field after a plain form post.
pub fn use_query_value(name: &'static str) -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || query.read().get(name).unwrap_or_default())
}

#[component]
pub fn FormField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] value: Signal<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let message = move || error.get().and_then(|e| e.field_message(name));
    let described_by = format!("{id}-message");
    view! {
        <div class="field" class:field--invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                // The attribute, not the property: hydration then leaves alone what a person
                // typed before the page's script arrived.
                value=move || value.get()
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=described_by.clone()
            />
            <p class="field__message" id=described_by>
                {move || message().or_else(|| hint.map(str::to_owned))}
            </p>
        </div>
    }
}

/// The error that belongs to no field (rate limits, an unreachable server, a conflict).
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || {
        error.get().and_then(|e| match e {
            AppError::Validation { ref fields, .. } if !fields.is_empty() => None,
            other => Some(other.to_string()),
        })
    };
    view! {
        <Show when=move || message().is_some()>
            <p class="form-alert" role="alert">
                {message}
            </p>
        </Show>
    }
}

/// A browser's own form submission (no JavaScript): it wants HTML back, not data.
#[cfg(feature = "ssr")]
pub fn is_plain_form_post() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// The end of a form's server function: a plain form post goes back to `page`, with `?saved=1`
/// or with the error and the fields in `keep`; the enhanced form reads the result itself.
#[cfg(feature = "ssr")]
pub fn answer_form_post<T>(result: Result<T, AppError>, page: &str, keep: &[(&str, &str)]) -> Result<T, AppError> {
    answer_form_post_with(result, page, keep, |_| Vec::new())
}

/// [`answer_form_post`], with what the page should say about the success in the query too.
#[cfg(feature = "ssr")]
pub fn answer_form_post_with<T>(
    result: Result<T, AppError>,
    page: &str,
    keep: &[(&str, &str)],
    outcome: impl Fn(&T) -> Vec<(&'static str, String)>,
) -> Result<T, AppError> {
    match &result {
        Ok(value) if is_plain_form_post() => {
            let mut pairs = vec![("saved", "1".to_owned())];
            pairs.extend(outcome(value));
            let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
            leptos_axum::redirect(&format!("{page}?{query}"));
        }
        Ok(_) => {}
        Err(error) => report_to_plain_form(error, page, keep),
    }
    result
}

/// The longest field value carried back in a redirect: a whole bio (500 characters, up to
/// 2,000 bytes of UTF-8) fits; a longer value was refused anyway and is typed again.
#[cfg(feature = "ssr")]
const KEPT_VALUE_MAX_BYTES: usize = 2_000;

/// On a plain (JavaScript-less) form post, redirect back to `page` with the error and `keep`.
#[cfg(feature = "ssr")]
pub fn report_to_plain_form(error: &AppError, page: &str, keep: &[(&str, &str)]) {
    if !is_plain_form_post() {
        return;
    }
    let json = serde_json::to_string(error).unwrap_or_default();
    let mut pairs: Vec<(&str, &str)> = vec![("error", &json)];
    pairs.extend(
        keep.iter()
            .copied()
            .filter(|(_, v)| !v.is_empty() && v.len() <= KEPT_VALUE_MAX_BYTES),
    );
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    leptos_axum::redirect(&format!("{page}?{query}"));
}
