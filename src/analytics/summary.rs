//! The headline figures of a window, and of the period of equal length before it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::end_users::unique_end_users;
use super::histogram::quantile;
use super::rollups::{ROLLUPS, histograms, whole_days};
use super::series::series_and_histogram;
use super::window::Window;
use super::{ConversationFigures, ConversationSummary, Figures, Series, Summary, ratio, relative_change, usd};

#[derive(QueryableByName)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    errors: i64,
    #[diesel(sql_type = BigInt)]
    latency_ms_sum: i64,
    #[diesel(sql_type = BigInt)]
    tokens_in: i64,
    #[diesel(sql_type = BigInt)]
    tokens_out: i64,
    #[diesel(sql_type = BigInt)]
    cost_micros: i64,
    #[diesel(sql_type = BigInt)]
    active_services: i64,
    #[diesel(sql_type = BigInt)]
    conversations: i64,
    #[diesel(sql_type = BigInt)]
    turns: i64,
    #[diesel(sql_type = BigInt)]
    rated: i64,
    #[diesel(sql_type = BigInt)]
    positive: i64,
    #[diesel(sql_type = BigInt)]
    negative: i64,
    #[diesel(sql_type = BigInt)]
    duration_ms_sum: i64,
}

impl Totals {
    fn conversations(&self) -> ConversationFigures {
        let cost = usd(self.cost_micros);
        let call_minutes = self.duration_ms_sum as f64 / 60_000.0;
        ConversationFigures {
            conversations: self.conversations,
            turns: self.turns,
            avg_turns: ratio(self.turns, self.conversations),
            cost_per_conversation_usd: (self.conversations > 0).then(|| cost / self.conversations as f64),
            rated: self.rated,
            positive: self.positive,
            negative: self.negative,
            satisfaction: ratio(self.positive, self.rated),
            call_minutes,
            cost_per_minute_usd: (self.duration_ms_sum > 0).then(|| cost / call_minutes),
        }
    }
}

/// The rollups' totals of `ids` in `[from, to)`.
async fn totals(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> QueryResult<Totals> {
    let (first_day, end_of_days) = whole_days((from, to), None);
    diesel::sql_query(format!(
        "SELECT coalesce(sum(requests), 0)::int8 AS requests, coalesce(sum(errors), 0)::int8 AS errors, \
                coalesce(sum(latency_ms_sum), 0)::int8 AS latency_ms_sum, \
                coalesce(sum(tokens_in), 0)::int8 AS tokens_in, coalesce(sum(tokens_out), 0)::int8 AS tokens_out, \
                coalesce(sum(cost_micros), 0)::int8 AS cost_micros, \
                count(DISTINCT service_id) FILTER (WHERE requests > 0) AS active_services, \
                coalesce(sum(conversations), 0)::int8 AS conversations, coalesce(sum(turns), 0)::int8 AS turns, \
                coalesce(sum(rated), 0)::int8 AS rated, coalesce(sum(positive), 0)::int8 AS positive, \
                coalesce(sum(negative), 0)::int8 AS negative, \
                coalesce(sum(duration_ms_sum), 0)::int8 AS duration_ms_sum \
         FROM {ROLLUPS}"
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Timestamptz, _>(first_day)
    .bind::<Timestamptz, _>(end_of_days)
    .get_result(conn)
    .await
}

/// The figures of `ids` in `[from, to)`; `histogram` is the window's latency histogram when the
/// caller has already added it up.
async fn figures(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    histogram: Option<Vec<i64>>,
) -> QueryResult<Figures> {
    let totals = totals(conn, ids, (from, to)).await?;
    let histogram = match histogram {
        Some(histogram) => histogram,
        None => histograms(conn, ids, (from, to), None)
            .await?
            .remove(&from)
            .unwrap_or_default(),
    };
    Ok(Figures {
        total_requests: totals.requests,
        errors: totals.errors,
        active_services: totals.active_services,
        avg_latency_ms: ratio(totals.latency_ms_sum, totals.requests),
        p50_latency_ms: quantile(&histogram, 0.50),
        p95_latency_ms: quantile(&histogram, 0.95),
        p99_latency_ms: quantile(&histogram, 0.99),
        success_rate: ratio(totals.requests - totals.errors, totals.requests),
        tokens_in: totals.tokens_in,
        tokens_out: totals.tokens_out,
        cost_usd: usd(totals.cost_micros),
        conversations: totals.conversations(),
        unique_end_users: unique_end_users(conn, ids, (from, to)).await?,
    })
}

/// The conversations of the window and of the period of equal length before it.
pub async fn conversations(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<ConversationSummary> {
    let ids = &window.service_ids;
    let current = totals(conn, ids, (window.from, window.to)).await?.conversations();
    let previous = totals(conn, ids, window.previous()).await?.conversations();
    Ok(ConversationSummary {
        change: relative_change(current.conversations, previous.conversations),
        current,
        previous,
        from: window.from,
        to: window.to,
    })
}

/// The figures of the window and of the period of equal length before it.
pub async fn summary(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<Summary> {
    summary_with(conn, window, None).await
}

async fn summary_with(
    conn: &mut AsyncPgConnection,
    window: &Window,
    histogram: Option<Vec<i64>>,
) -> QueryResult<Summary> {
    let ids = &window.service_ids;
    Ok(Summary {
        current: figures(conn, ids, (window.from, window.to), histogram).await?,
        previous: figures(conn, ids, window.previous(), None).await?,
        from: window.from,
        to: window.to,
    })
}

/// The summary and the series of one window, reading the window's latency histograms once.
pub async fn overview(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<(Summary, Series)> {
    let (series, histogram) = series_and_histogram(conn, window).await?;
    Ok((summary_with(conn, window, Some(histogram)).await?, series))
}
