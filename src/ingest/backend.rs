//! One committed batch: raw events, their hourly rollups, and a notification, all or nothing.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Int8, Nullable};
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::histogram;
use super::validate::ValidEvent;
use crate::schema::{events, metrics, metrics_by_error, metrics_by_model, metrics_daily};

/// The channel each committed batch is announced on, with its service id as the payload.
pub const CHANNEL: &str = "ragsites_events";

define_sql_function!(fn hist_add(a: Array<Nullable<Int8>>, b: Array<Nullable<Int8>>) -> Array<Nullable<Int8>>);

#[derive(Default)]
struct Rollup {
    requests: i64,
    errors: i64,
    latency_ms_sum: i64,
    histogram: Vec<i64>,
    tokens_in: i64,
    tokens_out: i64,
    cost_micros: i64,
}

impl Rollup {
    fn add(&mut self, event: &ValidEvent) {
        self.requests += 1;
        self.errors += i64::from(!event.success);
        self.latency_ms_sum += i64::from(event.latency_ms);
        histogram::record(&mut self.histogram, event.latency_ms);
        self.tokens_in += i64::from(event.tokens_in);
        self.tokens_out += i64::from(event.tokens_out);
        self.cost_micros += event.cost_micros;
    }
}

fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)
}

/// The UTC day, as `metrics_daily` keys it.
fn day_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::days(1)).unwrap_or(at)
}

/// Adds the rollups of a batch (bucket → figures) into `metrics` (hours) or `metrics_daily`
/// (days): the two tables have the same columns.
macro_rules! upsert_rollups {
    ($conn:expr, $table:ident, $service_id:expr, $rollups:expr) => {{
        let rows: Vec<_> = $rollups
            .iter()
            .map(|(bucket, r)| {
                (
                    $table::service_id.eq($service_id),
                    $table::bucket.eq(*bucket),
                    $table::requests.eq(r.requests),
                    $table::errors.eq(r.errors),
                    $table::latency_ms_sum.eq(r.latency_ms_sum),
                    $table::tokens_in.eq(r.tokens_in),
                    $table::tokens_out.eq(r.tokens_out),
                    $table::cost_micros.eq(r.cost_micros),
                    $table::latency_hist.eq(&r.histogram),
                )
            })
            .collect();
        diesel::insert_into($table::table)
            .values(rows)
            .on_conflict(($table::service_id, $table::bucket))
            .do_update()
            .set((
                $table::requests.eq($table::requests + excluded($table::requests)),
                $table::errors.eq($table::errors + excluded($table::errors)),
                $table::latency_ms_sum.eq($table::latency_ms_sum + excluded($table::latency_ms_sum)),
                $table::tokens_in.eq($table::tokens_in + excluded($table::tokens_in)),
                $table::tokens_out.eq($table::tokens_out + excluded($table::tokens_out)),
                $table::cost_micros.eq($table::cost_micros + excluded($table::cost_micros)),
                $table::latency_hist.eq(hist_add($table::latency_hist, excluded($table::latency_hist))),
            ))
            .execute($conn)
            .await?;
    }};
}

/// Stores the events not seen before and folds exactly those into the rollups; returns how
/// many were new. Events repeated within the batch count once.
pub async fn store(conn: &mut AsyncPgConnection, service_id: Uuid, batch: &[ValidEvent]) -> QueryResult<usize> {
    let mut seen = HashSet::new();
    let unique: Vec<&ValidEvent> = batch.iter().filter(|e| seen.insert(e.event_id.as_str())).collect();
    if unique.is_empty() {
        return Ok(0);
    }
    conn.transaction(async |conn| {
        let rows: Vec<_> = unique
            .iter()
            .map(|e| {
                (
                    events::service_id.eq(service_id),
                    events::event_id.eq(&e.event_id),
                    events::occurred_at.eq(e.occurred_at),
                    events::latency_ms.eq(e.latency_ms as i32),
                    events::success.eq(e.success),
                    events::error_kind.eq(e.error_kind.as_deref()),
                    events::model.eq(e.model.as_deref()),
                    events::tokens_in.eq(e.tokens_in as i32),
                    events::tokens_out.eq(e.tokens_out as i32),
                    events::cost_micros.eq(e.cost_micros),
                    events::end_user.eq(e.end_user.as_deref()),
                )
            })
            .collect();
        let inserted: HashSet<String> = diesel::insert_into(events::table)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(events::event_id)
            .get_results(conn)
            .await?
            .into_iter()
            .collect();
        let new: Vec<&ValidEvent> = unique.into_iter().filter(|e| inserted.contains(&e.event_id)).collect();
        if new.is_empty() {
            return Ok(0);
        }
        fold_into_rollups(conn, service_id, &new).await?;
        announce(conn, service_id).await?;
        Ok(new.len())
    })
    .await
}

/// Tells every server process, when the transaction commits, that a service's figures changed
/// (live streams answer it; cached figures are dropped).
pub async fn announce(conn: &mut AsyncPgConnection, service_id: Uuid) -> QueryResult<()> {
    diesel::select(pg_notify(CHANNEL, service_id.to_string()))
        .execute(conn)
        .await?;
    Ok(())
}

define_sql_function!(fn pg_notify(channel: diesel::sql_types::Text, payload: diesel::sql_types::Text));

async fn fold_into_rollups(conn: &mut AsyncPgConnection, service_id: Uuid, new: &[&ValidEvent]) -> QueryResult<()> {
    let mut hours: BTreeMap<DateTime<Utc>, Rollup> = BTreeMap::new();
    let mut days: BTreeMap<DateTime<Utc>, Rollup> = BTreeMap::new();
    let mut models: BTreeMap<(DateTime<Utc>, &str), Rollup> = BTreeMap::new();
    let mut errors: BTreeMap<(DateTime<Utc>, &str), i64> = BTreeMap::new();
    for event in new {
        let hour = hour_of(event.occurred_at);
        hours.entry(hour).or_default().add(event);
        days.entry(day_of(event.occurred_at)).or_default().add(event);
        if let Some(model) = &event.model {
            models.entry((hour, model)).or_default().add(event);
        }
        if let Some(kind) = &event.error_kind {
            *errors.entry((hour, kind)).or_default() += 1;
        }
    }

    // Sorted keys: concurrent batches lock rollup rows in the same order, so they cannot deadlock.
    upsert_rollups!(conn, metrics, service_id, hours);
    upsert_rollups!(conn, metrics_daily, service_id, days);

    if !models.is_empty() {
        let rows: Vec<_> = models
            .iter()
            .map(|((hour, model), r)| {
                (
                    metrics_by_model::service_id.eq(service_id),
                    metrics_by_model::bucket.eq(*hour),
                    metrics_by_model::model.eq(*model),
                    metrics_by_model::requests.eq(r.requests),
                    metrics_by_model::errors.eq(r.errors),
                    metrics_by_model::tokens_in.eq(r.tokens_in),
                    metrics_by_model::tokens_out.eq(r.tokens_out),
                    metrics_by_model::cost_micros.eq(r.cost_micros),
                )
            })
            .collect();
        diesel::insert_into(metrics_by_model::table)
            .values(rows)
            .on_conflict((
                metrics_by_model::service_id,
                metrics_by_model::bucket,
                metrics_by_model::model,
            ))
            .do_update()
            .set((
                metrics_by_model::requests.eq(metrics_by_model::requests + excluded(metrics_by_model::requests)),
                metrics_by_model::errors.eq(metrics_by_model::errors + excluded(metrics_by_model::errors)),
                metrics_by_model::tokens_in.eq(metrics_by_model::tokens_in + excluded(metrics_by_model::tokens_in)),
                metrics_by_model::tokens_out.eq(metrics_by_model::tokens_out + excluded(metrics_by_model::tokens_out)),
                metrics_by_model::cost_micros
                    .eq(metrics_by_model::cost_micros + excluded(metrics_by_model::cost_micros)),
            ))
            .execute(conn)
            .await?;
    }

    if !errors.is_empty() {
        let rows: Vec<_> = errors
            .iter()
            .map(|((hour, kind), count)| {
                (
                    metrics_by_error::service_id.eq(service_id),
                    metrics_by_error::bucket.eq(*hour),
                    metrics_by_error::error_kind.eq(*kind),
                    metrics_by_error::errors.eq(*count),
                )
            })
            .collect();
        diesel::insert_into(metrics_by_error::table)
            .values(rows)
            .on_conflict((
                metrics_by_error::service_id,
                metrics_by_error::bucket,
                metrics_by_error::error_kind,
            ))
            .do_update()
            .set(metrics_by_error::errors.eq(metrics_by_error::errors + excluded(metrics_by_error::errors)))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Deletes raw events older than `cutoff`; the rollups keep their figures.
pub async fn drop_raw_before(conn: &mut AsyncPgConnection, cutoff: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(events::table.filter(events::occurred_at.lt(cutoff)))
        .execute(conn)
        .await
}
