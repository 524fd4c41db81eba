//! One committed batch: raw events, their minute (recent events only), hourly and daily
//! rollups, the conversations and end users they add, and a notification, all or nothing. The
//! events table is partitioned by month: a month without its partition gets it here.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use diesel::sql_types::{Array, Bool, Int2, Int4, Int8, Nullable, Text, Timestamptz};
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::numbers::EndUserNumbers;
use super::validate::{Feedback, ValidEvent};
use crate::analytics::histogram;
use crate::changes::announce;
use crate::schema::{metrics, metrics_by_error, metrics_by_model, metrics_daily, metrics_minute, services};

define_sql_function!(fn hist_add(a: Array<Nullable<Int8>>, b: Array<Nullable<Int8>>) -> Array<Nullable<Int8>>);

#[derive(Default)]
struct Rollup {
    requests: i64,
    /// Conversations that began here (less those that turned out to begin earlier).
    conversations: i64,
    errors: i64,
    latency_ms_sum: i64,
    histogram: Vec<i64>,
    tokens_in: i64,
    tokens_out: i64,
    cost_micros: i64,
    turns: i64,
    rated: i64,
    positive: i64,
    negative: i64,
    duration_ms_sum: i64,
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
        self.turns += i64::from(event.conversation_id.is_some());
        self.rated += i64::from(event.feedback.is_some());
        self.positive += i64::from(event.feedback == Some(Feedback::Positive));
        self.negative += i64::from(event.feedback == Some(Feedback::Negative));
        self.duration_ms_sum += i64::from(event.duration_ms.unwrap_or(0));
    }
}

/// An end user's figures in one bucket.
#[derive(Default)]
struct EndUserRollup {
    requests: i64,
    errors: i64,
    cost_micros: i64,
}

/// How long the minute rollups are kept: the alerts read the last 15 minutes, and events up to
/// this old still count into them.
pub const MINUTES_KEPT: TimeDelta = TimeDelta::days(2);

fn minute_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::minutes(1)).unwrap_or(at)
}

fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::hours(1)).unwrap_or(at)
}

/// The UTC day, as `metrics_daily` keys it.
fn day_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::days(1)).unwrap_or(at)
}

/// The statement adding the rollups of a batch (bucket → figures) into `metrics` (hours),
/// `metrics_daily` (days) or `metrics_minute`, which have the same columns, sent on a shared
/// connection.
macro_rules! upsert_rollups {
    ($conn:expr, $table:ident, $service_id:expr, $rollups:expr) => {{
        let rows: Vec<_> = $rollups
            .iter()
            .map(|(bucket, r)| {
                (
                    $table::service_id.eq($service_id),
                    $table::bucket.eq(*bucket),
                    $table::requests.eq(r.requests),
                    $table::conversations.eq(r.conversations),
                    $table::errors.eq(r.errors),
                    $table::latency_ms_sum.eq(r.latency_ms_sum),
                    $table::tokens_in.eq(r.tokens_in),
                    $table::tokens_out.eq(r.tokens_out),
                    $table::cost_micros.eq(r.cost_micros),
                    $table::latency_hist.eq(&r.histogram),
                    $table::turns.eq(r.turns),
                    $table::rated.eq(r.rated),
                    $table::positive.eq(r.positive),
                    $table::negative.eq(r.negative),
                    $table::duration_ms_sum.eq(r.duration_ms_sum),
                )
            })
            .collect();
        diesel::insert_into($table::table)
            .values(rows)
            .on_conflict(($table::service_id, $table::bucket))
            .do_update()
            .set((
                $table::requests.eq($table::requests + excluded($table::requests)),
                $table::conversations.eq($table::conversations + excluded($table::conversations)),
                $table::errors.eq($table::errors + excluded($table::errors)),
                $table::latency_ms_sum.eq($table::latency_ms_sum + excluded($table::latency_ms_sum)),
                $table::tokens_in.eq($table::tokens_in + excluded($table::tokens_in)),
                $table::tokens_out.eq($table::tokens_out + excluded($table::tokens_out)),
                $table::cost_micros.eq($table::cost_micros + excluded($table::cost_micros)),
                $table::latency_hist.eq(hist_add($table::latency_hist, excluded($table::latency_hist))),
                $table::turns.eq($table::turns + excluded($table::turns)),
                $table::rated.eq($table::rated + excluded($table::rated)),
                $table::positive.eq($table::positive + excluded($table::positive)),
                $table::negative.eq($table::negative + excluded($table::negative)),
                $table::duration_ms_sum.eq($table::duration_ms_sum + excluded($table::duration_ms_sum)),
            ))
            .execute(&mut $conn)
    }};
}

/// The statement adding a batch's end users (bucket, end user → figures) into
/// `end_users_hourly` or `end_users_daily`. A batch has hundreds of them: one column per array
/// parameter, so the statement is planned once per connection, like the events' insert.
async fn upsert_end_users(
    mut conn: &AsyncPgConnection,
    table: &str,
    service_id: Uuid,
    rollups: &BTreeMap<(DateTime<Utc>, &str), EndUserRollup>,
) -> QueryResult<usize> {
    if rollups.is_empty() {
        return Ok(0);
    }
    let column = |value: fn(&EndUserRollup) -> i64| rollups.values().map(value).collect::<Vec<_>>();
    diesel::sql_query(format!(
        "INSERT INTO {table} AS u (service_id, bucket, end_user, requests, errors, cost_micros) \
         SELECT $1, * FROM unnest($2::timestamptz[], $3::text[], $4::int8[], $5::int8[], $6::int8[]) \
         ON CONFLICT (service_id, bucket, end_user) DO UPDATE SET requests = u.requests + excluded.requests, \
           errors = u.errors + excluded.errors, cost_micros = u.cost_micros + excluded.cost_micros"
    ))
    .bind::<diesel::sql_types::Uuid, _>(service_id)
    .bind::<Array<Timestamptz>, _>(rollups.keys().map(|(bucket, _)| *bucket).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rollups.keys().map(|(_, end_user)| *end_user).collect::<Vec<_>>())
    .bind::<Array<Int8>, _>(column(|r| r.requests))
    .bind::<Array<Int8>, _>(column(|r| r.errors))
    .bind::<Array<Int8>, _>(column(|r| r.cost_micros))
    .execute(&mut conn)
    .await
}

/// The statement adding a batch's end users (bucket → their numbers, sorted, no repeats) to the
/// sets of `end_user_sets_hourly` or `end_user_sets_daily`. Most batches bring end users the
/// hour or day has already seen: the row is then left as it is, no new version of its array.
async fn upsert_end_user_sets(
    mut conn: &AsyncPgConnection,
    table: &str,
    service_id: Uuid,
    sets: &BTreeMap<DateTime<Utc>, Vec<i32>>,
) -> QueryResult<usize> {
    if sets.is_empty() {
        return Ok(0);
    }
    let pairs = sets
        .iter()
        .flat_map(|(bucket, numbers)| numbers.iter().map(move |n| (*bucket, *n)));
    let (buckets, numbers): (Vec<DateTime<Utc>>, Vec<i32>) = pairs.unzip();
    diesel::sql_query(format!(
        "INSERT INTO {table} AS s (service_id, bucket, end_users) \
         SELECT $1, bucket, array_agg(n ORDER BY n) FROM unnest($2::timestamptz[], $3::int4[]) AS t (bucket, n) \
         GROUP BY bucket ORDER BY bucket \
         ON CONFLICT (service_id, bucket) DO UPDATE SET end_users = s.end_users | excluded.end_users \
         WHERE NOT s.end_users @> excluded.end_users"
    ))
    .bind::<diesel::sql_types::Uuid, _>(service_id)
    .bind::<Array<Timestamptz>, _>(buckets)
    .bind::<Array<Int4>, _>(numbers)
    .execute(&mut conn)
    .await
}

/// Stores the events not seen before and folds exactly those into the rollups; returns how
/// many were new. Events repeated within the batch count once; only those within
/// [`MINUTES_KEPT`] of `now` go into the minute rollups.
pub async fn store(
    conn: &mut AsyncPgConnection,
    known: &EndUserNumbers,
    service_id: Uuid,
    batch: &[ValidEvent],
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let mut seen = HashSet::new();
    let unique: Vec<&ValidEvent> = batch.iter().filter(|e| seen.insert(e.event_id.as_str())).collect();
    if unique.is_empty() {
        return Ok(0);
    }
    let numbers = number_end_users(conn, known, service_id, &unique).await?;
    match store_unique(conn, service_id, &unique, &numbers, now).await {
        Err(error) if is_missing_partition(&error) => {
            for event in &unique {
                ensure_partition(conn, event.occurred_at).await?;
            }
            store_unique(conn, service_id, &unique, &numbers, now).await
        }
        stored => stored,
    }
}

#[derive(QueryableByName)]
struct Numbered {
    #[diesel(sql_type = Text)]
    end_user: String,
    #[diesel(sql_type = Int4)]
    id: i32,
}

/// The numbers of a batch's end users in the sets: remembered, or read, or given to those the
/// service reports for the first time. Given on their own before the batch (a number no event
/// uses is harmless), so concurrent batches wait for each other's new numbers only as long as
/// one statement. Names go in sorted, so two batches lock new names in the same order.
async fn number_end_users(
    conn: &mut AsyncPgConnection,
    known: &EndUserNumbers,
    service_id: Uuid,
    batch: &[&ValidEvent],
) -> QueryResult<HashMap<String, i32>> {
    let mut names: Vec<&str> = batch.iter().filter_map(|e| e.end_user.as_deref()).collect();
    names.sort_unstable();
    names.dedup();
    let (mut numbers, mut missing) = known.lookup(service_id, &names);
    let mut read = HashMap::with_capacity(missing.len());
    // A name another batch numbered after this statement began is neither seen nor inserted by
    // it: the next pass, a new snapshot, reads it.
    for _ in 0..3 {
        if missing.is_empty() {
            known.remember(service_id, &read);
            numbers.extend(read);
            return Ok(numbers);
        }
        let rows: Vec<Numbered> = diesel::sql_query(
            "WITH input (end_user) AS (SELECT unnest($2::text[])), \
             known AS (SELECT e.end_user, e.id FROM end_user_ids e JOIN input USING (end_user) \
               WHERE e.service_id = $1), \
             added AS (INSERT INTO end_user_ids (service_id, end_user) \
               SELECT $1, end_user FROM input WHERE end_user NOT IN (SELECT end_user FROM known) \
               ORDER BY end_user ON CONFLICT DO NOTHING RETURNING end_user, id) \
             SELECT end_user, id FROM known UNION ALL SELECT end_user, id FROM added",
        )
        .bind::<diesel::sql_types::Uuid, _>(service_id)
        .bind::<Array<Text>, _>(&missing)
        .load(conn)
        .await
        .map_err(|error| match error {
            // The service was deleted meanwhile: refused like the batch itself would be.
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => Error::NotFound,
            error => error,
        })?;
        read.extend(rows.into_iter().map(|row| (row.end_user, row.id)));
        missing.retain(|name| !read.contains_key(*name));
    }
    Err(Error::QueryBuilderError("end users could not be numbered".into()))
}

async fn store_unique(
    conn: &mut AsyncPgConnection,
    service_id: Uuid,
    unique: &[&ValidEvent],
    numbers: &HashMap<String, i32>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    conn.transaction(async |conn| {
        let shared: &AsyncPgConnection = conn;
        // Instead of a foreign key checked per row: a deleted service is refused, and a service
        // cannot be deleted until this batch is committed (its trigger then deletes the events).
        let service_exists = services::table
            .find(service_id)
            .select(services::id)
            .for_key_share()
            .get_result::<Uuid>(&mut &*shared);
        let (_, inserted) = futures_util::try_join!(service_exists, insert_events(shared, service_id, unique))?;
        let inserted: HashSet<String> = inserted.into_iter().map(|row| row.event_id).collect();
        let new: Vec<&ValidEvent> = unique
            .iter()
            .copied()
            .filter(|e| inserted.contains(&e.event_id))
            .collect();
        if new.is_empty() {
            return Ok(0);
        }
        fold_into_rollups(conn, service_id, &new, numbers, now - MINUTES_KEPT).await?;
        Ok(new.len())
    })
    .await
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = Text)]
    event_id: String,
}

/// Inserts the events not stored before; returns the ids of those it inserted. An event is its
/// service, id and time (the primary key must hold the partition key): a resent event, the same
/// id at the same time, is skipped in whichever month it falls. A probe of every month for the
/// id alone was tried and dropped: PostgreSQL planned it on the service's time index whenever
/// the statistics had not yet seen a service grow (seconds per batch). One column per
/// array parameter: a batch is one small statement, planned once per connection, instead of
/// thousands of parameters parsed and planned for every batch.
async fn insert_events(
    mut conn: &AsyncPgConnection,
    service_id: Uuid,
    batch: &[&ValidEvent],
) -> QueryResult<Vec<Inserted>> {
    diesel::sql_query(
        "INSERT INTO events (service_id, event_id, occurred_at, latency_ms, success, error_kind, model, \
           tokens_in, tokens_out, cost_micros, end_user, conversation_id, channel, duration_ms, feedback) \
         SELECT $1, b.* FROM unnest($2::text[], $3::timestamptz[], $4::int4[], $5::bool[], $6::text[], \
           $7::text[], $8::int4[], $9::int4[], $10::int8[], $11::text[], $12::text[], $13::text[], \
           $14::int4[], $15::int2[]) AS b (event_id) \
         ON CONFLICT DO NOTHING RETURNING event_id",
    )
    .bind::<diesel::sql_types::Uuid, _>(service_id)
    .bind::<Array<Text>, _>(column(batch, |e| e.event_id.as_str()))
    .bind::<Array<Timestamptz>, _>(column(batch, |e| e.occurred_at))
    .bind::<Array<Int4>, _>(column(batch, |e| e.latency_ms as i32))
    .bind::<Array<Bool>, _>(column(batch, |e| e.success))
    .bind::<Array<Nullable<Text>>, _>(column(batch, |e| e.error_kind.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(column(batch, |e| e.model.as_deref()))
    .bind::<Array<Int4>, _>(column(batch, |e| e.tokens_in as i32))
    .bind::<Array<Int4>, _>(column(batch, |e| e.tokens_out as i32))
    .bind::<Array<Int8>, _>(column(batch, |e| e.cost_micros))
    .bind::<Array<Nullable<Text>>, _>(column(batch, |e| e.end_user.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(column(batch, |e| e.conversation_id.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(column(batch, |e| e.channel.as_deref()))
    .bind::<Array<Nullable<Int4>>, _>(column(batch, |e| e.duration_ms.map(|d| d as i32)))
    .bind::<Array<Nullable<Int2>>, _>(column(batch, |e| e.feedback.map(|f| f as i16)))
    .load(&mut conn)
    .await
}

fn column<'a, T>(batch: &[&'a ValidEvent], value: impl Fn(&'a ValidEvent) -> T) -> Vec<T> {
    batch.iter().map(|e| value(e)).collect()
}

/// Adds a batch's new events to its service's rollups and announces the batch. Every batch of a
/// busy service updates the same rollup rows, and each holds their locks until it commits, so
/// the batch first records its conversations (rows of its own, mostly), and only then, in one
/// pipelined round trip, the shared ones: that time is as short as it can be. (An end user's
/// rows are shared as well: batches a second apart often have end users in common.)
async fn fold_into_rollups(
    conn: &mut AsyncPgConnection,
    service_id: Uuid,
    new: &[&ValidEvent],
    numbers: &HashMap<String, i32>,
    oldest_minute: DateTime<Utc>,
) -> QueryResult<()> {
    let mut minutes: BTreeMap<DateTime<Utc>, Rollup> = BTreeMap::new();
    let mut hours: BTreeMap<DateTime<Utc>, Rollup> = BTreeMap::new();
    let mut days: BTreeMap<DateTime<Utc>, Rollup> = BTreeMap::new();
    let mut models: BTreeMap<(DateTime<Utc>, &str), Rollup> = BTreeMap::new();
    let mut errors: BTreeMap<(DateTime<Utc>, &str), i64> = BTreeMap::new();
    let mut users_hourly: BTreeMap<(DateTime<Utc>, &str), EndUserRollup> = BTreeMap::new();
    let mut users_daily: BTreeMap<(DateTime<Utc>, &str), EndUserRollup> = BTreeMap::new();
    let mut sets_hourly: BTreeMap<DateTime<Utc>, Vec<i32>> = BTreeMap::new();
    let mut sets_daily: BTreeMap<DateTime<Utc>, Vec<i32>> = BTreeMap::new();
    // Each conversation's first event in the batch.
    let mut conversations: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    for event in new {
        let hour = hour_of(event.occurred_at);
        hours.entry(hour).or_default().add(event);
        days.entry(day_of(event.occurred_at)).or_default().add(event);
        if event.occurred_at >= oldest_minute {
            minutes.entry(minute_of(event.occurred_at)).or_default().add(event);
        }
        if let Some(model) = &event.model {
            models.entry((hour, model)).or_default().add(event);
        }
        if let Some(kind) = &event.error_kind {
            *errors.entry((hour, kind)).or_default() += 1;
        }
        if let Some(end_user) = &event.end_user {
            let day = day_of(event.occurred_at);
            for (bucket, rollups) in [(hour, &mut users_hourly), (day, &mut users_daily)] {
                let r = rollups.entry((bucket, end_user)).or_default();
                r.requests += 1;
                r.errors += i64::from(!event.success);
                r.cost_micros += event.cost_micros;
            }
            let number = numbers[end_user.as_str()];
            sets_hourly.entry(hour).or_default().push(number);
            sets_daily.entry(day).or_default().push(number);
        }
        if let Some(conversation) = &event.conversation_id {
            let first = conversations.entry(conversation).or_insert(event.occurred_at);
            *first = (*first).min(event.occurred_at);
        }
    }

    for set in sets_hourly.values_mut().chain(sets_daily.values_mut()) {
        set.sort_unstable();
        set.dedup();
    }

    // Sorted keys and one statement order (the joins send them in the order they poll them):
    // concurrent batches lock rows in the same order, so they cannot deadlock.
    let shared: &AsyncPgConnection = conn;
    for Move { at, n } in record_conversations(shared, service_id, &conversations).await? {
        hours.entry(hour_of(at)).or_default().conversations += i64::from(n);
        days.entry(day_of(at)).or_default().conversations += i64::from(n);
    }

    let hourly = upsert_rollups!(&*shared, metrics, service_id, hours);
    let daily = upsert_rollups!(&*shared, metrics_daily, service_id, days);
    let minutely = async {
        if minutes.is_empty() {
            return Ok(0);
        }
        upsert_rollups!(&*shared, metrics_minute, service_id, minutes).await
    };
    let by_model = async {
        if models.is_empty() {
            return Ok(0);
        }
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
            .execute(&mut &*shared)
            .await
    };
    let by_error = async {
        if errors.is_empty() {
            return Ok(0);
        }
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
            .execute(&mut &*shared)
            .await
    };
    futures_util::try_join!(
        hourly,
        daily,
        minutely,
        by_model,
        by_error,
        upsert_end_users(shared, "end_users_hourly", service_id, &users_hourly),
        upsert_end_users(shared, "end_users_daily", service_id, &users_daily),
        upsert_end_user_sets(shared, "end_user_sets_hourly", service_id, &sets_hourly),
        upsert_end_user_sets(shared, "end_user_sets_daily", service_id, &sets_daily),
        announce(shared, service_id)
    )?;
    Ok(())
}

/// A conversation counted in (`n` = 1) or out of (`n` = -1) the hour and day of `at`.
#[derive(QueryableByName)]
struct Move {
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
    #[diesel(sql_type = Int4)]
    n: i32,
}

/// Records the batch's conversations (id → its first event here); returns where each new one
/// counts, at its first event. A conversation already known whose start this batch moves
/// earlier (an event that arrived late) moves its count: the figures count each conversation
/// once, where it began. The row remembers the start it moved from (`xmax` tells an updated row
/// from an inserted one), so the count moves from the start a concurrent batch committed, not
/// from one this statement's snapshot saw; the row stays locked until the batch commits its
/// counts.
async fn record_conversations(
    mut conn: &AsyncPgConnection,
    service_id: Uuid,
    conversations: &BTreeMap<&str, DateTime<Utc>>,
) -> QueryResult<Vec<Move>> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    diesel::sql_query(
        "WITH upserted AS (INSERT INTO conversations AS c (service_id, conversation_id, started_at) \
           SELECT $1, * FROM unnest($2::text[], $3::timestamptz[]) \
           ON CONFLICT (service_id, conversation_id) DO UPDATE \
           SET started_at = excluded.started_at, moved_from = c.started_at \
           WHERE excluded.started_at < c.started_at \
           RETURNING started_at, CASE WHEN xmax <> 0 THEN moved_from END AS moved_from) \
         SELECT started_at AS at, 1 AS n FROM upserted \
         UNION ALL SELECT moved_from, -1 FROM upserted WHERE moved_from IS NOT NULL",
    )
    .bind::<diesel::sql_types::Uuid, _>(service_id)
    .bind::<Array<Text>, _>(conversations.keys().copied().collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(conversations.values().copied().collect::<Vec<_>>())
    .load(&mut conn)
    .await
}

/// Whether an insert failed for want of the month partition its event falls in.
fn is_missing_partition(error: &Error) -> bool {
    matches!(error, Error::DatabaseError(DatabaseErrorKind::CheckViolation | DatabaseErrorKind::Unknown, info)
        if info.message().starts_with("no partition of relation"))
}

/// Makes the month partition of the events table that holds `at`, if it is missing.
pub async fn ensure_partition(conn: &mut AsyncPgConnection, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::sql_query("SELECT ensure_events_partition($1)")
        .bind::<Timestamptz, _>(at)
        .execute(conn)
        .await
        .map(drop)
}

/// The oldest time still kept at `now`: older events are refused at ingestion and dropped.
pub fn oldest_kept(now: DateTime<Utc>, retention_days: u32) -> DateTime<Utc> {
    now - TimeDelta::days(i64::from(retention_days))
}

/// Drops the month partitions of raw events that lie wholly before the retention window at
/// `now` (a month goes once its last day has passed out of the window); the rollups keep their
/// figures. Returns how many partitions went.
pub async fn drop_expired(conn: &mut AsyncPgConnection, now: DateTime<Utc>, retention_days: u32) -> QueryResult<i32> {
    #[derive(QueryableByName)]
    struct Dropped {
        #[diesel(sql_type = Int4)]
        dropped: i32,
    }
    let dropped: Dropped = diesel::sql_query("SELECT drop_events_partitions_before($1) AS dropped")
        .bind::<Timestamptz, _>(oldest_kept(now, retention_days))
        .get_result(conn)
        .await?;
    Ok(dropped.dropped)
}

/// Makes the partitions of this month and the next ahead of the events that will need them.
pub async fn make_partitions_ahead(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<()> {
    ensure_partition(conn, now).await?;
    ensure_partition(conn, now + TimeDelta::days(32)).await
}

/// Deletes the minute rollups older than [`MINUTES_KEPT`] at `now`; returns how many went.
pub async fn prune_minutes(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(metrics_minute::table.filter(metrics_minute::bucket.lt(now - MINUTES_KEPT)))
        .execute(conn)
        .await
}
