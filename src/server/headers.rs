//! Security headers on every answer, and on HTML pages a Content-Security-Policy whose script
//! nonce is fresh for each request.
//!
//! The middleware draws the nonce and puts it in the request's extensions; `provide_nonce`
//! (called from the Leptos context of every render) hands the same value to Leptos, whose
//! `HydrationScripts`, `AutoReload` and resource scripts write it on each `<script>`.

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

use super::state::AppState;

/// For answers that carry a session token or a new key's secret: no cache, shared or private,
/// may keep them.
pub const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// Marks the page being rendered as never to be stored (it shows a secret to copy).
pub fn no_store() {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(axum::http::header::CACHE_CONTROL, NO_STORE);
    }
}

/// Powerful browser features the portal never uses, refused for it and anything it embeds.
const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
    geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), \
    publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()";

/// Sent only when the session cookie is `Secure`, that is when the site is served over https.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The policy of an HTML page. Scripts need the page's nonce (the hydration script is inline)
/// and `'wasm-unsafe-eval'` (compiling the islands' WASM). Style attributes carry computed
/// widths (bars, meters, chart points), so no hash can list them; `'unsafe-inline'` is
/// allowed for attributes only: an attribute can restyle but not run script, and `<style>`
/// elements and foreign stylesheets stay refused. Forms post to this site only, plus the
/// identity providers' origins (`form_targets`): linking one is a form whose answer redirects
/// there, which `form-action` also governs.
pub fn content_security_policy(nonce: &str, form_targets: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'{form_targets}; frame-ancestors 'none'"
    )
}

/// Draws the request's nonce, then writes the security headers on the answer.
pub async fn security_headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if is_html(headers) {
        let policy = HeaderValue::from_str(&content_security_policy(&nonce, state.identities.form_targets()))
            .expect("a base64url nonce and URL origins make a valid header value");
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    if state.config.cookie_secure {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
}

/// Gives the render the nonce the middleware drew for its request, replacing the one
/// `leptos_axum` draws by itself (which the CSP header could not name).
pub fn provide_nonce() {
    if let Some(nonce) = use_context::<Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned()) {
        provide_context(nonce);
    }
}
