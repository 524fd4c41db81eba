//! The analytics view shared by the dashboard (all services) and a service's page (one):
//! filters, live indicator, export, cards, charts and tables, all from one server call.

use leptos::prelude::*;

use super::api::load_dashboard;
use super::figures::{FIGURES_ID, figures};
use super::filters::{Filters, query_string};
use super::live::LiveFigures;
use crate::analytics::AnalyticsQuery;
use crate::annotations::panel::AnnotationsPanel;
use crate::error::AppError;
use crate::sharing::panel::ShareForm;
use crate::ui::states::{Loading, loaded};
use crate::widgets::panel::CustomisePanel;

/// Filters, live indicator, export and figures, all rendered on the server. Two islands run in
/// the browser: the live indicator, which swaps in the figures the server renders again as
/// events arrive, and the customise panel's drag and drop.
#[component]
pub fn AnalyticsView(
    query: AnalyticsQuery,
    /// The page's own path, where the filters lead.
    path: String,
    /// On a service's page: one service, no service filter or breakdown.
    single: bool,
) -> impl IntoView {
    let data = {
        let query = query.clone();
        Resource::new(|| (), move |_| load_dashboard(query.clone(), single))
    };
    let export = format!("/api/v1/analytics/export.csv?{}", query_string(&query));
    // A service's page has a layout of its own: its report follows it.
    let report = match single {
        true => format!(
            "/api/v1/analytics/report.pdf?{}&service_page=true",
            query_string(&query)
        ),
        false => format!("/api/v1/analytics/report.pdf?{}", query_string(&query)),
    };
    let range = query.range;
    let back = match query_string(&query) {
        empty if empty.is_empty() => path.clone(),
        query => format!("{path}?{query}"),
    };
    let service = query.service;
    let share_back = back.clone();
    let customise_back = back.clone();
    let filters_query = query.clone();
    view! {
        <div class="toolbar">
            <Suspense fallback=|| ()>
                {move || {
                    let action = path.clone();
                    let query = filters_query.clone();
                    // Without data the filters are left out: the figures below say why, once.
                    Suspend::new(async move {
                        let services = data.await.ok()?.services;
                        let services = if single { Vec::new() } else { services };
                        Some(view! { <Filters query action services /> })
                    })
                }}
            </Suspense>
            <div class="toolbar__end">
                <LiveFigures query single />
                <a class="button" href=export download="" rel="nofollow">
                    "Export CSV"
                </a>
                <a class="button" href=report download="" rel="nofollow">
                    "Download PDF"
                </a>
                <Suspense fallback=|| ()>
                    {
                        move || {
                            let back = share_back.clone();
                            Suspend::new(async move {
                                let data = data.await.ok()?;
                                // Only a view of the viewer's own: the dashboard, or one of their
                                // live services (not an admin's view of a client's service).
                                let own = service.is_none_or(|id| data.annotatable.iter().any(|(s, _)| *s == id));
                                own.then(|| view! { <ShareForm service range back /> })
                            })
                        }
                    }
                </Suspense>
            </div>
        </div>
        <Suspense fallback=|| ()>
            {
                move || {
                    let back = customise_back.clone();
                    Suspend::new(async move {
                        let data = data.await.ok()?;
                        (single || !data.services.is_empty()).then(|| view! {
                            <CustomisePanel layout=data.layout place=data.place services=data.services back />
                        })
                    })
                }
            }
        </Suspense>
        <div class="figures" id=FIGURES_ID aria-busy="false">
            <Suspense fallback=|| view! { <Loading label="Loading your figures…" /> }>
                {move || {
                    Suspend::new(async move { loaded(async move { Ok::<_, AppError>(figures(data.await?, single, false)) }.await) })
                }}
            </Suspense>
        </div>
        <Suspense fallback=|| ()>
            {move || {
                let back = back.clone();
                Suspend::new(async move {
                    let data = data.await.ok()?;
                    (single || !data.services.is_empty()).then(|| view! {
                        <AnnotationsPanel annotations=data.annotations services=data.annotatable service back />
                    })
                })
            }}
        </Suspense>
    }
}
