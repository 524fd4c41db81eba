//! `/share/{token}`: a share link's read-only view (no navbar, nothing to change, nothing of
//! the owner's portal beyond the view), its password form, or why it no longer works (410).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::api::{UnlockShareLink, load_shared};
use super::{OpenView, PATH, SharedView};
use crate::analytics::AnalyticsQuery;
use crate::dashboard::figures::{FIGURES_ID, figures};
use crate::dashboard::filters::{Filters, analytics_query, query_string};
use crate::dashboard::live::LiveFigures;
use crate::error::AppError;
use crate::ui::form::{FormAlert, FormField, use_form_error};
use crate::ui::states::{Loading, NotFound, loaded};

#[component]
pub fn SharedPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    let query = analytics_query(None);
    let shared = {
        let (token, query) = (token.clone(), query.clone());
        Resource::new(|| (), move |_| load_shared(token.clone(), query.clone()))
    };
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading the shared view…" /> }>
            {move || {
                let (token, query) = (token.clone(), query.clone());
                Suspend::new(async move {
                    match shared.await {
                        Ok(SharedView::Open(open)) => view! { <Shared open=*open token query /> }.into_any(),
                        Ok(SharedView::Locked { label }) => {
                            let query = query_string(&query);
                            view! { <Locked label token query /> }.into_any()
                        }
                        Err(AppError::NotFound) => view! { <NotFound /> }.into_any(),
                        Err(AppError::Gone(why)) => view! { <Gone why /> }.into_any(),
                        Err(error) => loaded::<()>(Err(error)),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Shared(open: OpenView, token: String, query: AnalyticsQuery) -> impl IntoView {
    let OpenView {
        label,
        owner,
        service,
        allow_export,
        data,
    } = open;
    let single = service.is_some();
    let scope = service
        .and_then(|id| data.services.iter().find(|(s, _)| *s == id))
        .map_or_else(|| "all services".to_owned(), |(_, name)| name.clone());
    let path = format!("{PATH}/{token}");
    let services = if single { Vec::new() } else { data.services.clone() };
    let exports = allow_export.then(|| {
        let query = query_string(&query);
        view! {
            <a class="button" href=format!("{path}/export.csv?{query}") download="" rel="nofollow">
                "Export CSV"
            </a>
            <a class="button" href=format!("{path}/report.pdf?{query}") download="" rel="nofollow">
                "Download PDF"
            </a>
        }
    });
    view! {
        <Title text=label.clone() />
        <section class="page-header">
            <h1>{label}</h1>
            <p class="page-header__lead">{format!("Shared by {owner} · {scope} · read-only")}</p>
        </section>
        <div class="toolbar">
            <Filters query=query.clone() action=path.clone() services />
            <div class="toolbar__end">
                <LiveFigures query single share=token />
                {exports}
            </div>
        </div>
        <div class="figures" id=FIGURES_ID aria-busy="false">
            {figures(data, single, true)}
        </div>
    }
}

/// The password form: plain, so it works before (or without) the page's script.
#[component]
fn Locked(label: String, token: String, query: String) -> impl IntoView {
    let error = use_form_error();
    view! {
        <Title text="Password required" />
        <section class="auth card">
            <h1>{label}</h1>
            <p class="auth__lead">"This shared view is protected by a password. Ask whoever sent you the link for it."</p>
            <form method="post" action=UnlockShareLink::url() class="form" novalidate="">
                <input type="hidden" name="token" value=token />
                <input type="hidden" name="query" value=query />
                <FormField label="Password" name="password" kind="password" autocomplete="current-password" error />
                <FormAlert error />
                <button class="button button--primary" type="submit">
                    "Open the view"
                </button>
            </form>
        </section>
    }
}

/// A revoked or expired link: 410, and why.
#[component]
fn Gone(why: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::GONE);
    }
    view! {
        <Title text="Link no longer available" />
        <section class="not-found">
            <p class="not-found__code">"410"</p>
            <h1>"This shared view is no longer available"</h1>
            <p>{why}</p>
            <p>"Ask whoever shared it with you for a new link."</p>
        </section>
    }
}
