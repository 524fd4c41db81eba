//! Form fields and their errors. A form posts to its server function, which ends with
//! [`answer_form_post`]: the browser is redirected to the next page, or back to the form's page
//! with the error and the fields worth keeping in a signed, short-lived cookie (`flash`), which
//! that page reads once, while the server renders it, through [`use_form_error`] and
//! [`use_field_value`]. Nothing of it travels in the URL.

#[cfg(feature = "ssr")]
mod flash;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;

/// What a refused form post brought back to this page.
struct Refused {
    error: AppError,
    fields: Vec<(String, String)>,
}

/// The refused form post this page is answering, from the flash cookie. The page that reads it
/// removes it, so it shows once; a forged, stale or foreign one shows nothing and goes too.
#[cfg(feature = "ssr")]
fn refused() -> Option<Refused> {
    use axum::http::header::SET_COOKIE;
    let parts = use_context::<axum::http::request::Parts>()?;
    let state = use_context::<crate::server::state::AppState>()?;
    if !flash::is_present(&state.config, &parts.headers) {
        return None;
    }
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let mut response = response.0.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !flash::is_cleared_by(&state.config, &response.headers) {
            response.headers.append(SET_COOKIE, flash::clear_cookie(&state.config));
        }
    }
    let flash = flash::read(&state.config, &parts.headers, parts.uri.path(), state.clock.now())?;
    Some(Refused {
        error: flash.error,
        fields: flash.fields,
    })
}

/// Pages render on the server only: the browser's build never has an answer to read.
#[cfg(not(feature = "ssr"))]
fn refused() -> Option<Refused> {
    None
}

/// `page` naming the form a post came back from (`?form=`), where its error shows.
#[cfg(feature = "ssr")]
pub fn naming_form(page: &str, form: &str) -> String {
    let join = if page.contains('?') { '&' } else { '?' };
    format!("{page}{join}form={form}")
}

/// The error a form post came back with.
pub fn use_form_error() -> Signal<Option<AppError>> {
    let error = refused().map(|refused| refused.error);
    Signal::derive(move || error.clone())
}

/// Whether a form post came back saved (`?saved=1`).
pub fn use_saved() -> Signal<bool> {
    let query = use_query_map();
    Signal::derive(move || query.with(|q| q.get("saved").is_some()))
}

/// On a page with several forms, the error and the success of the one named `form`: its server
/// function sends the browser back to `page?form=…` either way.
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
    let kept = refused().and_then(|refused| {
        refused
            .fields
            .into_iter()
            .find_map(|(field, value)| (field == name).then_some(value))
    });
    let value = kept.unwrap_or(saved);
    Signal::derive(move || value.clone())
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
    use_context::<axum::http::request::Parts>().is_some_and(|parts| wants_html(&parts.headers))
}

/// Whether a request asks for HTML back (a browser's own form post) rather than data.
#[cfg(feature = "ssr")]
pub fn wants_html(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The end of every form's server function. A plain form post is redirected: on success to
/// `next(&value)`, on failure back to `page` (a path, with a query naming no one) with the error
/// and the fields in `keep` in the flash cookie. Any other caller gets the result as it is.
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
            if let (Ok(state), Some(response)) = (
                crate::server::state::app_state(),
                use_context::<leptos_axum::ResponseOptions>(),
            ) {
                let answer = flash::Flash::new(page, error.clone(), keep, state.clock.now());
                if let Some(cookie) = flash::set_cookie(&state.config, answer) {
                    response.append_header(axum::http::header::SET_COOKIE, cookie);
                }
            }
            page.to_owned()
        }
    };
    leptos_axum::redirect(&location);
    result
}

/// The flash cookie that carries `error` back to `page`, for a form post answered by a plain
/// handler rather than a server function.
#[cfg(feature = "ssr")]
pub fn flash_cookie(
    config: &crate::server::config::Config,
    page: &str,
    error: AppError,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<axum::http::HeaderValue> {
    flash::set_cookie(config, flash::Flash::new(page, error, &[], now))
}

/// `page?saved=1`, and `extra` for what the page should say about the success.
#[cfg(feature = "ssr")]
pub fn saved(page: &str, extra: &[(&str, &str)]) -> String {
    let pairs = [&[("saved", "1")], extra].concat();
    format!("{page}?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}
