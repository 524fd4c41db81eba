//! The REST API's OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! attributes and the types they take and answer, served at `GET /api/openapi.json`. The
//! integration test `openapi` checks it against the router (every route, no other) and checks
//! its examples and real answers against its schemas.

use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::openapi::header::Header;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Object, Ref, RefOr, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::error::{AppError, ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "RagSites Portal API",
        description = "Accounts, profile and preferences, services and their ingestion keys, event \
            ingestion, analytics, live updates, and the original portal's analytics contract \
            (tag `compatibility`). Every error answers `ErrorBody` with its own status."
    ),
    paths(
        super::http::alive,
        super::http::ready,
        serve,
        crate::auth::rest::register,
        crate::auth::rest::login,
        crate::auth::rest::login_second_factor,
        crate::auth::rest::logout,
        crate::auth::rest::refresh,
        crate::auth::rest::verify,
        crate::auth::rest::forgot_password,
        crate::auth::rest::reset_password,
        crate::auth::rest::confirm_email,
        crate::auth::rest::resend_confirmation,
        crate::auth::identities::flow::sign_in,
        crate::auth::identities::flow::link,
        crate::auth::identities::flow::callback,
        crate::settings::rest::get_profile,
        crate::settings::rest::put_profile,
        crate::settings::avatar::upload,
        crate::settings::avatar::remove,
        crate::settings::avatar::serve,
        crate::settings::rest::get_preferences,
        crate::settings::rest::put_preferences,
        crate::services::rest::list,
        crate::services::rest::create,
        crate::services::rest::show,
        crate::services::rest::update,
        crate::services::rest::list_keys,
        crate::services::rest::create_key,
        crate::services::rest::revoke_key,
        crate::ingest::rest::ingest,
        crate::ingest::rest::rate,
        crate::events::rest::list,
        crate::events::rest::show,
        crate::events::rest::conversation,
        crate::analytics::rest::get_summary,
        crate::analytics::rest::get_conversations,
        crate::analytics::rest::get_users,
        crate::analytics::rest::get_series,
        crate::analytics::rest::get_breakdown,
        crate::analytics::rest::get_activity,
        crate::analytics::rest::get_export,
        crate::reports::rest::analytics_report,
        crate::reports::rest::statement,
        crate::changes::stream::stream,
        crate::annotations::rest::list,
        crate::annotations::rest::create,
        crate::annotations::rest::update,
        crate::annotations::rest::delete,
        crate::widgets::rest::show_dashboard,
        crate::widgets::rest::replace_dashboard,
        crate::widgets::rest::reset_dashboard,
        crate::widgets::rest::show_service,
        crate::widgets::rest::replace_service,
        crate::widgets::rest::reset_service,
        crate::sharing::rest::live,
        crate::sharing::rest::export,
        crate::sharing::rest::report,
        crate::analytics::compat::metrics,
        crate::analytics::compat::activity,
        crate::analytics::compat::service_usage,
        crate::analytics::compat::service_metrics,
        crate::alerts::unsubscribe::confirm_page,
        crate::alerts::unsubscribe::unsubscribe,
    ),
    components(
        // What the query parameters refer to (parameters do not collect their schemas).
        schemas(ErrorBody, ErrorDetail, Event, crate::analytics::Range, crate::analytics::Moment),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, TooLarge, NotJson, Invalid, RateLimited, Unavailable, Gone)
    ),
    modifiers(&Security),
    tags(
        (name = "health", description = "Liveness and readiness probes (plain text)"),
        (name = "auth", description = "Accounts and sessions: `/api/auth/*`"),
        (name = "user", description = "The signed-in user's profile and preferences: `/api/user/*`"),
        (name = "services", description = "Services and their ingestion keys: `/api/v1/services`"),
        (name = "ingestion", description = "Events from a service, with its ingestion key"),
        (name = "events", description = "A service's raw events: the explorer's list, one event, one conversation"),
        (name = "analytics", description = "Figures from the hourly and daily rollups: `/api/v1/analytics/*`, `/api/v1/live`"),
        (name = "annotations", description = "Marks on the charts' time axis: `/api/v1/annotations`"),
        (name = "layouts", description = "The widgets of the dashboard and of each service's page"),
        (name = "sharing", description = "A read-only share link's live updates and downloads: `/share/{token}/*`. \
            The link's token is their authority (with the cookie its password form sets, for a link with one)."),
        (name = "compatibility", description = "The original portal's analytics API, following its contract (camelCase \
            names, success rates in percent, latencies in ms) so that a front end written for it works unchanged. \
            The same auth and the same figures as `/api/v1/*` for the same window."),
        (name = "sign-in", description = "Signing in through an OpenID Connect provider or GitHub (browser redirects, not an API)"),
        (name = "mail", description = "One-click unsubscribe links of the portal's mails (HTML pages)"),
        (name = "openapi", description = "This document"),
    )
)]
pub struct ApiDoc;

/// The security schemes the operations name: a session token as a Bearer header or as the
/// session cookie, and a service's ingestion key.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(
                "The `token` of `POST /api/auth/login` or `/api/auth/register`; used when both it and the cookie are sent.",
            ))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let cookie = ApiKeyValue::with_description(
            "__Host-ragsites_session",
            "The session cookie those routes set (`ragsites_session` when COOKIE_SECURE is off). A request other than \
             GET, HEAD or OPTIONS carrying it must come from the portal's own origin, else 403.",
        );
        components.add_security_scheme("session_cookie", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
        let key = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("rsk_<prefix>_<secret>")
            .description(Some(
                "A live ingestion key of the service (`POST /api/v1/services/{id}/keys`).",
            ))
            .build();
        components.add_security_scheme("ingestion_key", SecurityScheme::Http(key));
    }
}

/// An event of `POST /api/v1/events`. Each is checked alone: an invalid one is listed in
/// `rejected` with its index, the others are stored. Unknown fields make an event invalid.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "chat-7f3a-1", "timestamp": "2026-11-16T10:29:12Z", "latency_ms": 420,
    "status": "success", "model": "gpt-4o-mini", "tokens_in": 800, "tokens_out": 120, "cost_usd": 0.0004, "end_user": "user-42",
    "conversation_id": "chat-7f3a", "channel": "whatsapp", "duration_ms": 14000, "feedback": 1}))]
pub struct Event {
    /// The idempotency key: an id already stored for the service is a duplicate.
    #[schema(min_length = 1, max_length = 128)]
    pub id: String,
    /// At most 5 minutes in the future, not older than `EVENT_RETENTION_DAYS` (default 90).
    pub timestamp: chrono::DateTime<chrono::Utc>,
    #[schema(minimum = 0, maximum = 3_600_000)]
    pub latency_ms: u32,
    pub status: EventStatus,
    /// Only with `error` (default `unknown`).
    #[schema(min_length = 1, max_length = 64)]
    pub error_kind: Option<String>,
    #[schema(min_length = 1, max_length = 64)]
    pub model: Option<String>,
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub tokens_in: Option<u32>,
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub tokens_out: Option<u32>,
    /// US dollars (stored in micro-dollars).
    #[schema(minimum = 0, maximum = 10_000)]
    pub cost_usd: Option<f64>,
    /// Who asked: the client's own id for the person (counted as unique end users).
    #[schema(min_length = 1, max_length = 128)]
    pub end_user: Option<String>,
    /// Groups the events of one conversation, call or session.
    #[schema(min_length = 1, max_length = 128)]
    pub conversation_id: Option<String>,
    /// Where the conversation happens, e.g. `web`, `whatsapp`, `phone`.
    #[schema(min_length = 1, max_length = 32)]
    pub channel: Option<String>,
    /// For a voice agent: the length of the call this turn covers.
    #[schema(minimum = 0, maximum = 3_600_000)]
    pub duration_ms: Option<u32>,
    /// The end user's rating of this answer: -1, 0 or 1 (may also come later: `POST /api/v1/feedback`).
    #[schema(minimum = -1, maximum = 1)]
    pub feedback: Option<i8>,
}

/// The body of `POST /api/v1/events`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    #[schema(max_items = 1000)]
    pub events: Vec<Event>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    Success,
    Error,
}

/// A reusable error answer: its description, and the body `error` answers, as example.
fn error_response(description: &str, error: AppError) -> RefOr<utoipa::openapi::Response> {
    let example = serde_json::to_value(ErrorBody::from(&error)).expect("an error body is JSON");
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .example(Some(example))
        .build();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/json", content);
    if error.retry_after().is_some() {
        let seconds = Header::new(Object::with_type(Type::Integer));
        response = response.header("Retry-After", seconds);
    }
    response.build().into()
}

/// Error answers the operations share, as `components.responses`.
macro_rules! error_responses {
    ($($name:ident => $description:literal, $error:expr;)*) => {$(
        #[doc = $description]
        pub struct $name;

        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
                (stringify!($name), error_response($description, $error))
            }
        }
    )*};
}

error_responses! {
    BadRequest => "The request cannot be read (malformed JSON, a query string that cannot be parsed)",
        AppError::BadRequest("Bad query string: Failed to deserialize query string: service: UUID parsing failed".into());
    Unauthorized => "No live session: a missing, bad, expired or revoked token",
        AppError::Unauthorized;
    Forbidden => "A cookie-authenticated change from another origin",
        AppError::Forbidden;
    NotFound => "No such thing, or someone else's (never says which)",
        AppError::NotFound;
    Conflict => "Clashes with existing data (a taken name, too many services or keys)",
        AppError::Conflict("An account can have at most 200 services.".into());
    TooLarge => "The body is over the size limit",
        AppError::PayloadTooLarge("The request body is too large.".into());
    NotJson => "A JSON body without Content-Type: application/json",
        AppError::UnsupportedMediaType;
    Invalid => "Invalid input: `fields` names each bad field (a body of the wrong shape has none)",
        AppError::field("tz", "Unknown time zone \"Mars/Olympus\".");
    RateLimited => "Too many attempts: wait the seconds of Retry-After",
        AppError::RateLimited { retry_after: 60 };
    Unavailable => "The database cannot be reached right now",
        AppError::Unavailable;
    Gone => "A share link that was revoked or has expired",
        AppError::Gone("This share link was revoked by the person who shared it.".into());
}

/// The document as served, built once.
static DOCUMENT: LazyLock<String> =
    LazyLock::new(|| ApiDoc::openapi().to_json().expect("the OpenAPI document is JSON"));

/// This document: public (it describes the API, not anyone's data), and the same for everyone
/// until the next deployment.
#[utoipa::path(get, path = "/api/openapi.json", tag = "openapi",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json",
        body = Object)))]
pub async fn serve() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        DOCUMENT.as_str(),
    )
        .into_response()
}
