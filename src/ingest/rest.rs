//! `POST /api/v1/events`: a batch of events from a service, with the service's key;
//! `POST /api/v1/feedback`: an end user's rating of one of them, with the same key.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use serde::Serialize;
use uuid::Uuid;

use super::{backend, feedback, validate};
use crate::auth::guard::client_info;
use crate::auth::token::bearer;
use crate::error::AppError;
use crate::server::routes::Routes;
use crate::server::state::AppState;
use crate::services::ServiceStatus;
use crate::services::backend::service_for_key;

pub const MAX_EVENTS: usize = 1_000;
/// A batch's body limit (the router sets it: the rest of the site has a smaller one).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn routes() -> Routes {
    Routes::new()
        .route(Method::POST, "/api/v1/events", ingest)
        .route(Method::POST, "/api/v1/feedback", rate)
}

#[derive(Serialize, utoipa::ToSchema)]
struct Rejected {
    index: usize,
    error: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Receipt {
    accepted: usize,
    duplicates: usize,
    rejected: Vec<Rejected>,
}

/// Stores a batch of events (at most 1,000 and 1 MiB) after checking each alone; the answer
/// comes after the commit. A resent batch never counts an event twice.
#[utoipa::path(post, path = "/api/v1/events", tag = "ingestion",
    request_body(content = inline(crate::server::openapi::EventBatch), example = json!({"events": [
        {"id": "chat-7f3a-1", "timestamp": "2026-11-16T10:29:12Z", "latency_ms": 420, "status": "success", "model": "gpt-4o-mini",
         "tokens_in": 800, "tokens_out": 120, "cost_usd": 0.0004, "end_user": "user-42", "conversation_id": "chat-7f3a",
         "channel": "whatsapp", "duration_ms": 14000, "feedback": 1},
        {"id": "chat-7f3a-2", "timestamp": "2026-11-16T10:29:40Z", "latency_ms": 9000, "status": "error", "error_kind": "timeout"}]})),
    responses(
        (status = 202, description = "Stored: `accepted` new events, `duplicates` already stored, `rejected` each invalid \
            event's index and reason", body = Receipt,
            example = json!({"accepted": 2, "duplicates": 1, "rejected": [{"index": 3, "error": "status must be \"success\" or \"error\""}]})),
        (status = 400, description = "Not a `{\"events\": [...]}` object", body = crate::error::ErrorBody),
        (status = 401, description = "No live key of the service (missing, malformed, unknown or revoked: never says which)",
            body = crate::error::ErrorBody,
            example = json!({"error": {"code": "invalid_api_key", "message": "Send a live service API key: Authorization: Bearer rsk_…."}})),
        (status = 409, description = "The service is paused", body = crate::error::ErrorBody),
        (status = 413, description = "Over 1 MiB or 1,000 events", body = crate::error::ErrorBody),
        (status = 415, response = crate::server::openapi::NotJson),
        (status = 429, description = "The key's rate, the client address's refused keys, or the plan's monthly quota \
            (`quota_exceeded`)", body = crate::error::ErrorBody, headers(("Retry-After" = u64))),
        (status = 503, response = crate::server::openapi::Unavailable),
    ),
    security(("ingestion_key" = [])))]
async fn ingest(
    State(state): State<AppState>,
    parts: Parts,
    body: Bytes,
) -> Result<(StatusCode, Json<Receipt>), AppError> {
    let service_id = authorize(&state, &parts).await?;
    state.ingest_throttle.quotas.check(&state, service_id).await?;
    let events = validate::batch(&body).map_err(AppError::BadRequest)?;
    if events.len() > MAX_EVENTS {
        return Err(AppError::PayloadTooLarge(format!(
            "A batch holds at most {MAX_EVENTS} events."
        )));
    }

    let now = state.clock.now();
    let oldest = backend::oldest_kept(now, state.config.event_retention_days);
    let mut valid = Vec::with_capacity(events.len());
    let mut rejected = Vec::new();
    for (index, value) in events.iter().enumerate() {
        match validate::event(value, now, oldest) {
            Ok(event) => valid.push(event),
            Err(error) => rejected.push(Rejected { index, error }),
        }
    }
    let accepted = backend::store(
        &mut *state.conn().await?,
        &state.end_user_numbers,
        service_id,
        &valid,
        now,
    )
    .await?;
    crate::server::metrics::ingested_events(accepted as u64, (valid.len() - accepted) as u64, rejected.len() as u64);
    if accepted > 0 {
        state.changes.committed(service_id);
        state.ingest_throttle.quotas.record(service_id, accepted);
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Receipt {
            accepted,
            duplicates: valid.len() - accepted,
            rejected,
        }),
    ))
}

/// Records an end user's rating of an event already stored; answers it as stored. The last rating
/// wins; the figures count each rated event once. A rating is no new event: the plan's quota does
/// not apply.
#[utoipa::path(post, path = "/api/v1/feedback", tag = "ingestion",
    request_body(content = inline(feedback::Rating),
        example = json!({"event_id": "chat-7f3a-1", "feedback": -1, "comment": "Gave last year's prices"})),
    responses(
        (status = 200, description = "The rating as stored", body = feedback::Rating,
            example = json!({"event_id": "chat-7f3a-1", "feedback": -1, "comment": "Gave last year's prices"})),
        (status = 400, description = "Not a `{event_id, feedback, comment?}` object", body = crate::error::ErrorBody),
        (status = 401, description = "No live key of the service", body = crate::error::ErrorBody),
        (status = 404, response = crate::server::openapi::NotFound),
        (status = 409, description = "The service is paused", body = crate::error::ErrorBody),
        (status = 415, response = crate::server::openapi::NotJson),
        (status = 422, response = crate::server::openapi::Invalid),
        (status = 429, description = "The key's rate or the client address's refused keys", body = crate::error::ErrorBody,
            headers(("Retry-After" = u64))),
        (status = 503, response = crate::server::openapi::Unavailable),
    ),
    security(("ingestion_key" = [])))]
async fn rate(State(state): State<AppState>, parts: Parts, body: Bytes) -> Result<Json<feedback::Rating>, AppError> {
    let service_id = authorize(&state, &parts).await?;
    let rating = feedback::rating(&body)?;
    feedback::record(&mut *state.conn().await?, service_id, &rating).await?;
    state.changes.committed(service_id);
    Ok(Json(rating))
}

/// The service a request's key belongs to, once the key, its rate and the service's status
/// allow the request.
pub async fn authorize(state: &AppState, parts: &Parts) -> Result<Uuid, AppError> {
    let address = client_info(parts).ip.unwrap_or_default();
    // An address guessing keys is refused before the database is asked.
    if let Err(retry_after) = state.ingest_throttle.check_address(&address, state.clock.now()) {
        return Err(AppError::RateLimited { retry_after });
    }
    let (key, service_id, status) = service_of(state, &parts.headers).await.inspect_err(|error| {
        if *error == AppError::InvalidApiKey {
            state.ingest_throttle.key_refused(&address, state.clock.now());
        }
    })?;
    // Keyed by the key's public prefix (`rsk_xxxxxxxx`), never by its secret.
    if let Err(retry_after) = state
        .ingest_throttle
        .take(key.get(..12).unwrap_or(key), state.clock.now())
    {
        return Err(AppError::RateLimited { retry_after });
    }
    if status != ServiceStatus::Active {
        return Err(AppError::Conflict(format!(
            "This service is {}: its events are refused.",
            status.as_str()
        )));
    }
    Ok(service_id)
}

/// The request's key, its service and the service's status. An archived service's keys are
/// refused like any unknown key.
async fn service_of<'a>(state: &AppState, headers: &'a HeaderMap) -> Result<(&'a str, Uuid, ServiceStatus), AppError> {
    let key = bearer(headers).ok_or(AppError::InvalidApiKey)?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return Err(AppError::UnsupportedMediaType);
    }
    match service_for_key(&mut *state.conn().await?, key, state.clock.now()).await? {
        (_, ServiceStatus::Archived) => Err(AppError::InvalidApiKey),
        (service_id, status) => Ok((key, service_id, status)),
    }
}
