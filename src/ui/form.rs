//! Form fields and their errors. A form posts to its server function, which ends with
//! [`answer_form_post`]: the browser is redirected to the next page, or back to the form's page
//! with the error and the fields worth keeping in the query string, where [`use_form_error`] and
//! [`use_field_value`] read them.

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

/// A field's value: what a refused form post carried back, else `saved` (the stored value, or
/// empty for a new entry).
pub fn use_field_value(name: &'static str, saved: String) -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || {
        query.with(|q| {
            q.get(name)
                .filter(|_| q.get("error").is_some())
                .unwrap_or_else(|| saved.clone())
        })
    })
}

/// A query parameter of the page's URL.
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

/// The end of every form's server function. A plain form post is redirected: on success to
/// `next(&value)`, on failure back to `page` with the error and the fields in `keep`. Any other
/// caller gets the result as it is.
#[cfg(feature = "ssr")]
pub fn answer_form_post<T>(
    result: Result<T, AppError>,
    page: &str,
    keep: &[(&str, &str)],
    next: impl FnOnce(&T) -> String,
) -> Result<T, AppError> {
    if !is_plain_form_post() {
        return result;
    }
    let location = match &result {
        Ok(value) => next(value),
        Err(error) => {
            let json = serde_json::to_string(error).unwrap_or_default();
            let mut pairs: Vec<(&str, &str)> = vec![("error", &json)];
            pairs.extend(
                keep.iter()
                    .copied()
                    .filter(|(_, v)| !v.is_empty() && v.len() <= KEPT_VALUE_MAX_BYTES),
            );
            with_query(page, &pairs)
        }
    };
    leptos_axum::redirect(&location);
    result
}

/// `page?saved=1`, and `extra` for what the page should say about the success.
#[cfg(feature = "ssr")]
pub fn saved(page: &str, extra: &[(&str, &str)]) -> String {
    with_query(page, &[&[("saved", "1")], extra].concat())
}

#[cfg(feature = "ssr")]
fn with_query(page: &str, pairs: &[(&str, &str)]) -> String {
    format!("{page}?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

/// The longest field value carried back in a redirect: a whole bio (500 characters, up to
/// 2,000 bytes of UTF-8) fits; a longer value was refused anyway and is typed again.
#[cfg(feature = "ssr")]
const KEPT_VALUE_MAX_BYTES: usize = 2_000;
