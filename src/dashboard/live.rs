//! The live indicator, and in the browser the connection behind it: an `EventSource` on
//! `/api/v1/live` for the view's query (`/share/{token}/live` on a share link's page). Each
//! update after the first fetches the figures as the server renders them and puts them in place
//! of the ones shown.

use leptos::prelude::*;

use crate::analytics::AnalyticsQuery;

// The server renders only `Off`; the browser moves through the rest.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, PartialEq)]
enum Status {
    /// Rendered on the server: live updates start once the page runs. Also where they stop
    /// for good: the session ended (signed out, expired).
    Off,
    Connecting,
    Live,
    Reconnecting,
}

#[island]
pub fn LiveFigures(
    query: AnalyticsQuery,
    single: bool,
    /// On a share link's page: the link's token.
    #[prop(optional)]
    share: Option<String>,
) -> impl IntoView {
    let status = RwSignal::new(Status::Off);
    #[cfg(feature = "hydrate")]
    {
        let latest = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let (for_update, token) = (query.clone(), share.clone());
        let on_update = move |()| refresh(for_update.clone(), single, token.clone(), latest.clone());
        connect(query, share, status, Callback::new(on_update));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (query, single, share);
    let text = move || match status.get() {
        Status::Off => "Live updates off",
        Status::Connecting => "Connecting…",
        Status::Live => "Live",
        Status::Reconnecting => "Reconnecting…",
    };
    let class = move || match status.get() {
        Status::Off => "live live--off",
        Status::Connecting | Status::Reconnecting => "live live--waiting",
        Status::Live => "live live--on",
    };
    view! {
        <span class=class role="status" data-live=text>
            <span class="live__dot" aria-hidden="true"></span>
            {text}
        </span>
    }
}

#[cfg(feature = "hydrate")]
fn connect(query: AnalyticsQuery, share: Option<String>, status: RwSignal<Status>, on_update: Callback<()>) {
    use std::time::Duration;

    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::EventSource;

    type Listener = Closure<dyn FnMut(web_sys::Event)>;
    let current = StoredValue::new_local(None::<(EventSource, [Listener; 4])>);
    let close = move || {
        current.update_value(|c| {
            if let Some((source, _)) = c.take() {
                source.close();
            }
        })
    };
    // The browser reconnects after a dropped connection by itself; after a refused one (a
    // restart, an error answer) it gives up, so this tries again a few seconds later.
    let attempt = RwSignal::new(0u32);
    let query = super::filters::query_string(&query);
    let url = match share {
        Some(token) => format!("{}/{token}/live?{query}", crate::sharing::PATH),
        None => format!("/api/v1/live?{query}"),
    };
    Effect::new(move |_| {
        attempt.track();
        close();
        status.set(Status::Connecting);
        let Ok(source) = EventSource::new(&url) else {
            status.set(Status::Reconnecting);
            return;
        };
        let mut first = true;
        let on_summary = Listener::new(move |_| {
            status.set(Status::Live);
            // The first message is the figures the page already shows.
            if !std::mem::take(&mut first) {
                on_update.run(());
            }
        });
        let on_open = Listener::new(move |_| status.set(Status::Live));
        // The session ended: reconnecting would only be refused. (Its listeners stay in place
        // until the next attempt or cleanup: this one is running.)
        let ending = source.clone();
        let on_end = Listener::new(move |_| {
            ending.close();
            status.set(Status::Off);
        });
        let watched = source.clone();
        let on_error = Listener::new(move |_| {
            status.set(Status::Reconnecting);
            if watched.ready_state() == EventSource::CLOSED {
                set_timeout(move || attempt.update(|n| *n += 1), Duration::from_secs(5));
            }
        });
        let _ = source.add_event_listener_with_callback("summary", on_summary.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("end", on_end.as_ref().unchecked_ref());
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        current.set_value(Some((source, [on_summary, on_open, on_error, on_end])));
    });
    on_cleanup(close);
}

/// Fetches the figures and puts them in place; an answer overtaken by a later one is dropped.
/// The series hidden through a legend stay hidden.
#[cfg(feature = "hydrate")]
fn refresh(
    query: AnalyticsQuery,
    single: bool,
    share: Option<String>,
    latest: std::sync::Arc<std::sync::atomic::AtomicU32>,
) {
    use std::sync::atomic::Ordering;

    use wasm_bindgen::JsCast;
    use web_sys::HtmlInputElement;

    let Some(figures) = document().get_element_by_id(super::figures::FIGURES_ID) else {
        return;
    };
    let ticket = latest.fetch_add(1, Ordering::Relaxed) + 1;
    let _ = figures.set_attribute("aria-busy", "true");
    leptos::task::spawn_local(async move {
        let answer = match share {
            Some(token) => crate::sharing::api::shared_figures_html(token, query, single).await,
            None => super::api::figures_html(query, single).await,
        };
        if latest.load(Ordering::Relaxed) != ticket {
            return;
        }
        // On an error the figures shown stay (the next update tries again).
        if let Ok(html) = answer {
            let hidden: Vec<String> = figures
                .query_selector_all(".chart__toggle:not(:checked)")
                .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|node| node.dyn_into::<web_sys::Element>().ok().map(|e| e.id()))
                .collect();
            figures.set_inner_html(&html);
            for id in hidden {
                if let Some(toggle) = document()
                    .get_element_by_id(&id)
                    .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                {
                    toggle.set_checked(false);
                }
            }
        }
        let _ = figures.set_attribute("aria-busy", "false");
    });
}
