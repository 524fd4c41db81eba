//! Usage per service, per model, and errors by kind.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::window::Window;
use super::{Breakdown, ErrorCount, ModelUsage, ServiceUsage, ratio, usd};
use crate::services::{ServiceKind, ServiceStatus};

/// What every breakdown row counts.
#[derive(QueryableByName)]
struct Usage {
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    errors: i64,
    #[diesel(sql_type = BigInt)]
    tokens: i64,
    #[diesel(sql_type = BigInt)]
    cost_micros: i64,
}

#[derive(QueryableByName)]
struct ServiceRow {
    #[diesel(sql_type = SqlUuid)]
    service_id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    latency_ms_sum: i64,
    #[diesel(embed)]
    usage: Usage,
}

#[derive(QueryableByName)]
struct ModelRow {
    #[diesel(sql_type = Text)]
    model: String,
    #[diesel(embed)]
    usage: Usage,
}

#[derive(QueryableByName)]
struct ErrorRow {
    #[diesel(sql_type = Text)]
    error_kind: String,
    #[diesel(sql_type = BigInt)]
    errors: i64,
}

/// Runs `sql` with the window bound: $1 the service ids, $2 and $3 the period.
async fn load_in<R>(conn: &mut AsyncPgConnection, window: &Window, sql: &'static str) -> QueryResult<Vec<R>>
where
    R: QueryableByName<Pg> + Send + 'static,
{
    diesel::sql_query(sql)
        .bind::<Array<SqlUuid>, _>(&window.service_ids)
        .bind::<Timestamptz, _>(window.from)
        .bind::<Timestamptz, _>(window.to)
        .load(conn)
        .await
}

/// Usage per service (every service in scope, busiest first), per model, and errors by kind.
pub async fn breakdown(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<Breakdown> {
    let services: Vec<ServiceRow> = load_in(
        conn,
        window,
        "SELECT s.id AS service_id, s.name, s.kind, s.status, \
                coalesce(sum(m.requests), 0)::int8 AS requests, coalesce(sum(m.errors), 0)::int8 AS errors, \
                coalesce(sum(m.latency_ms_sum), 0)::int8 AS latency_ms_sum, \
                coalesce(sum(m.tokens_in + m.tokens_out), 0)::int8 AS tokens, \
                coalesce(sum(m.cost_micros), 0)::int8 AS cost_micros \
         FROM services s LEFT JOIN metrics m ON m.service_id = s.id AND m.bucket >= $2 AND m.bucket < $3 \
         WHERE s.id = ANY($1) GROUP BY s.id ORDER BY requests DESC, s.name",
    )
    .await?;
    let models: Vec<ModelRow> = load_in(
        conn,
        window,
        "SELECT model, sum(requests)::int8 AS requests, sum(errors)::int8 AS errors, \
                sum(tokens_in + tokens_out)::int8 AS tokens, sum(cost_micros)::int8 AS cost_micros \
         FROM metrics_by_model WHERE service_id = ANY($1) AND bucket >= $2 AND bucket < $3 \
         GROUP BY model ORDER BY requests DESC, model LIMIT 50",
    )
    .await?;
    let errors: Vec<ErrorRow> = load_in(
        conn,
        window,
        "SELECT error_kind, sum(errors)::int8 AS errors FROM metrics_by_error \
         WHERE service_id = ANY($1) AND bucket >= $2 AND bucket < $3 \
         GROUP BY error_kind ORDER BY errors DESC, error_kind LIMIT 50",
    )
    .await?;
    Ok(Breakdown {
        services: services
            .into_iter()
            .map(|r| ServiceUsage {
                service_id: r.service_id,
                name: r.name,
                kind: ServiceKind::parse(&r.kind).unwrap_or(ServiceKind::Custom),
                status: ServiceStatus::parse(&r.status).unwrap_or(ServiceStatus::Archived),
                requests: r.usage.requests,
                errors: r.usage.errors,
                success_rate: ratio(r.usage.requests - r.usage.errors, r.usage.requests),
                avg_latency_ms: ratio(r.latency_ms_sum, r.usage.requests),
                tokens: r.usage.tokens,
                cost_usd: usd(r.usage.cost_micros),
            })
            .collect(),
        models: models
            .into_iter()
            .map(|r| ModelUsage {
                model: r.model,
                requests: r.usage.requests,
                errors: r.usage.errors,
                tokens: r.usage.tokens,
                cost_usd: usd(r.usage.cost_micros),
            })
            .collect(),
        errors: errors
            .into_iter()
            .map(|r| ErrorCount {
                error_kind: r.error_kind,
                errors: r.errors,
            })
            .collect(),
    })
}
