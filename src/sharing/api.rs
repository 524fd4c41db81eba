//! Server functions of share links: the owner's (make, list, revoke, hide the new address) and
//! the link's page (its view, its password form, its figures for live updates). The link's
//! own are open to anyone: the token is their authority, and they neither need nor set any
//! session.

use leptos::prelude::*;

use super::{ShareLinks, SharedView};
use crate::analytics::AnalyticsQuery;
use crate::error::AppError;

/// Where the sharing tab's forms come back to, naming themselves.
#[cfg(feature = "ssr")]
const PAGE: &str = "/settings/sharing?form=share-links";

#[server(prefix = "/api/fn", endpoint = "load_share_links")]
pub async fn load_share_links() -> Result<ShareLinks, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    let links = super::backend::list(&caller.state, &caller.auth).await?;
    if links.new_link.is_some() {
        crate::server::headers::no_store();
    }
    Ok(links)
}

/// Makes a link of the view it is posted from (the dashboard, or `service`'s page); its
/// address shows on the sharing tab.
#[server(prefix = "/api/fn", endpoint = "create_share_link")]
#[allow(clippy::too_many_arguments)]
pub async fn create_share_link(
    label: String,
    #[server(default)] service: String,
    #[server(default)] range: String,
    expires: String,
    #[server(default)] share_password: String,
    #[server(default)] allow_export: Option<String>,
    back: String,
) -> Result<(), AppError> {
    let page = crate::auth::safe_next(Some(&back));
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        let form = super::backend::NewLink {
            label: &label,
            service: &service,
            range: &range,
            expires: &expires,
            password: &share_password,
            allow_export: allow_export.is_some(),
        };
        super::backend::create(&caller.state, &caller.auth, form, &caller.client).await
    }
    .await;
    let refused_at = crate::ui::form::naming_form(&page, super::FORM);
    crate::ui::form::answer_form_post(result, &refused_at, &[("label", &label)], |_| {
        format!("{PAGE}#new-link")
    })
}

#[server(prefix = "/api/fn", endpoint = "revoke_share_link")]
pub async fn revoke_share_link(id: String) -> Result<(), AppError> {
    let result = async {
        let id = id.parse().map_err(|_| AppError::NotFound)?;
        let caller = crate::auth::guard::require_user().await?;
        super::backend::revoke(&caller.state, &caller.auth, id, &caller.client).await
    }
    .await;
    crate::ui::form::answer_form_post(result, PAGE, &[], |_| format!("{PAGE}#share-links-title"))
}

/// The new link's address is copied: it is not shown again.
#[server(prefix = "/api/fn", endpoint = "dismiss_share_link")]
pub async fn dismiss_share_link() -> Result<(), AppError> {
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        super::backend::dismiss(&caller.state, &caller.auth).await
    }
    .await;
    crate::ui::form::answer_form_post(result, PAGE, &[], |_| format!("{PAGE}#share-links-title"))
}

/// A link's page: its view of `query` (counted as a visit), or its password form.
#[server(prefix = "/api/fn", endpoint = "load_shared")]
pub async fn load_shared(token: String, #[server(default)] query: AnalyticsQuery) -> Result<SharedView, AppError> {
    let parts = crate::auth::guard::request_parts().await?;
    let (state, _) = crate::auth::guard::request_context().await?;
    super::backend::view(&state, &parts.headers, &token, &query, true).await
}

/// The link's figures' HTML, for its page's live updates (not a visit).
#[server(prefix = "/api/fn", endpoint = "shared_figures_html")]
pub async fn shared_figures_html(
    token: String,
    #[server(default)] query: AnalyticsQuery,
    single: bool,
) -> Result<String, AppError> {
    use leptos::tachys::view::RenderHtml;

    let parts = crate::auth::guard::request_parts().await?;
    let (state, _) = crate::auth::guard::request_context().await?;
    match super::backend::view(&state, &parts.headers, &token, &query, false).await? {
        SharedView::Open(open) => Ok(crate::dashboard::figures::figures(open.data, single, true).to_html()),
        SharedView::Locked { .. } => Err(AppError::Unauthorized),
    }
}

/// The link's password form: a right password opens the link in this browser (a cookie of its
/// own, for this link alone) and goes back to it.
#[server(prefix = "/api/fn", endpoint = "unlock_share_link")]
pub async fn unlock_share_link(
    token: String,
    password: String,
    // The view's query string, kept for the way back.
    #[server(default)] query: String,
) -> Result<(), AppError> {
    // The token goes into the address only if it is written like one.
    let page = match crate::auth::secret::prefix_of(super::KIND, &token) {
        Some(_) if token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            let view = format!("{}/{token}", super::PATH);
            let asked = crate::auth::safe_next(Some(&format!("{view}?{query}")));
            if asked.starts_with(&view) { asked } else { view }
        }
        _ => "/".to_owned(),
    };
    let result = async {
        let (state, client) = crate::auth::guard::request_context().await?;
        let cookie = super::backend::unlock(&state, &token, &password, &client).await?;
        expect_context::<leptos_axum::ResponseOptions>().append_header(axum::http::header::SET_COOKIE, cookie);
        Ok(())
    }
    .await;
    crate::ui::form::answer_form_post(result, &page, &[], |_| page.clone())
}
