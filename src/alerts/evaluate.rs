//! The minute tick: one process at a time (a transaction-scoped advisory lock) evaluates every
//! service's last 15 minutes from the minute rollups against its owner's thresholds, fires and
//! resolves alerts (each a row and, with "Email me when an alert fires" on, a mail in the same
//! transaction), sends the weekly reports that are due and prunes old minute rollups.
//!
//! Alerts are recorded for every client, whatever the switch says: the switch is about mail
//! ("Email me when …"), and the dashboard shows every alert. Mail goes only with it on.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Double, Int4, Nullable, Text, Timestamp, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::unsubscribe::{self, List};
use super::{AlertKind, backend, report};
use crate::analytics::histogram::quantile;
use crate::analytics::rollups::add_histogram;
use crate::error::AppError;
use crate::ingest::backend::prune_minutes;
use crate::mail::outbox;
use crate::mail::templates::{self, AlertFacts, ListLinks};
use crate::server::config::Config;
use crate::server::state::AppState;
use crate::settings::Preferences;

/// The period an evaluation reads, and how long a service must stay under to resolve.
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Fewer requests than this in the window never fire (nor keep an alert open).
pub const MIN_REQUESTS: i64 = 20;
/// The key of the advisory lock that makes one evaluator run at a time.
const LOCK: i64 = 0x5241_4753_414c_5254; // "RAGSALRT"

/// What one evaluation pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub fired: usize,
    pub resolved: usize,
    pub reports: usize,
}

/// One evaluation at the state's clock; `None` when another process is evaluating right now.
pub async fn evaluate(state: &AppState) -> Result<Option<Pass>, AppError> {
    let now = state.clock.now();
    let config = &state.config;
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        #[derive(QueryableByName)]
        struct Locked {
            #[diesel(sql_type = Bool)]
            locked: bool,
        }
        let locked: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
            .bind::<BigInt, _>(LOCK)
            .get_result(conn)
            .await?;
        if !locked.locked {
            return Ok(None);
        }
        prune_minutes(conn, now).await?;
        let (fired, resolved) = alerts(conn, config, now).await?;
        let reports = report::send_due(conn, config, now).await?;
        Ok::<_, AppError>(Some(Pass {
            fired,
            resolved,
            reports,
        }))
    })
    .await
}

/// Evaluates every minute for as long as the server runs.
pub fn spawn_evaluator(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match evaluate(&state).await {
                Ok(Some(pass)) if pass != Pass::default() => tracing::info!(?pass, "alerts evaluated"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "alerts: could not evaluate"),
            }
        }
    });
}

/// A service, its owner and what they asked for, and its window's counts.
#[derive(QueryableByName)]
struct Service {
    #[diesel(sql_type = SqlUuid)]
    service_id: Uuid,
    #[diesel(sql_type = Text)]
    service_name: String,
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Bool)]
    mail_on: bool,
    #[diesel(sql_type = Double)]
    error_rate_pct: f64,
    #[diesel(sql_type = Int4)]
    p95_ms: i32,
    #[diesel(sql_type = Text)]
    tz: String,
    /// Now, on the owner's clock.
    #[diesel(sql_type = Timestamp)]
    local_now: NaiveDateTime,
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    errors: i64,
}

/// A service's last 15 minutes and what its owner asked for.
struct Watched {
    service: Service,
    /// The window's latency histogram, added up from the minute rows.
    histogram: Vec<i64>,
}

impl Watched {
    /// The window's value of `kind`, `None` without enough traffic to judge.
    fn value(&self, kind: AlertKind) -> Option<f64> {
        let Service { requests, errors, .. } = self.service;
        if requests < MIN_REQUESTS {
            return None;
        }
        match kind {
            AlertKind::ErrorRate => Some(errors as f64 * 100.0 / requests as f64),
            AlertKind::P95Latency => quantile(&self.histogram, 0.95),
        }
    }

    fn threshold(&self, kind: AlertKind) -> f64 {
        match kind {
            AlertKind::ErrorRate => self.service.error_rate_pct,
            AlertKind::P95Latency => f64::from(self.service.p95_ms),
        }
    }
}

/// Every service with its window's figures (minute buckets in `(now - 15 min, now]`, the
/// current minute included) and its owner's thresholds (the defaults until they save theirs).
async fn watched(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<Vec<Watched>> {
    #[derive(QueryableByName)]
    struct Minute {
        #[diesel(sql_type = SqlUuid)]
        service_id: Uuid,
        #[diesel(sql_type = Array<Nullable<BigInt>>)]
        histogram: Vec<Option<i64>>,
    }
    let defaults = Preferences::default();
    let services: Vec<Service> = diesel::sql_query(
        "SELECT s.id AS service_id, s.name AS service_name, s.user_id, u.email, \
                coalesce(p.email_notifications, $3) AS mail_on, \
                coalesce(p.alert_error_rate_pct, $4) AS error_rate_pct, \
                coalesce(p.alert_p95_latency_ms, $5) AS p95_ms, coalesce(p.timezone, $6) AS tz, \
                ($2 AT TIME ZONE coalesce(p.timezone, $6)) AS local_now, \
                coalesce(sum(m.requests), 0)::int8 AS requests, coalesce(sum(m.errors), 0)::int8 AS errors \
         FROM services s JOIN users u ON u.id = s.user_id \
         LEFT JOIN user_preferences p ON p.user_id = s.user_id \
         LEFT JOIN metrics_minute m ON m.service_id = s.id AND m.bucket > $1 AND m.bucket <= $2 \
         GROUP BY s.id, u.id, p.user_id",
    )
    .bind::<Timestamptz, _>(now - WINDOW)
    .bind::<Timestamptz, _>(now)
    .bind::<Bool, _>(defaults.email_notifications)
    .bind::<Double, _>(defaults.alert_error_rate_pct)
    .bind::<Int4, _>(defaults.alert_p95_latency_ms)
    .bind::<Text, _>(&defaults.timezone)
    .load(conn)
    .await?;
    // Added here, as the analytics engine adds its rollups' histograms.
    let minutes: Vec<Minute> = diesel::sql_query(
        "SELECT service_id, latency_hist AS histogram FROM metrics_minute WHERE bucket > $1 AND bucket <= $2",
    )
    .bind::<Timestamptz, _>(now - WINDOW)
    .bind::<Timestamptz, _>(now)
    .load(conn)
    .await?;
    let mut histograms: HashMap<Uuid, Vec<i64>> = HashMap::new();
    for minute in minutes {
        let counts: Vec<i64> = minute.histogram.into_iter().map(Option::unwrap_or_default).collect();
        add_histogram(histograms.entry(minute.service_id).or_default(), &counts);
    }
    Ok(services
        .into_iter()
        .map(|service| Watched {
            histogram: histograms.remove(&service.service_id).unwrap_or_default(),
            service,
        })
        .collect())
}

/// Fires and resolves; answers how many of each.
async fn alerts(conn: &mut AsyncPgConnection, config: &Config, now: DateTime<Utc>) -> Result<(usize, usize), AppError> {
    let open: HashMap<(Uuid, String), backend::Open> = backend::open_alerts(conn)
        .await?
        .into_iter()
        .map(|a| ((a.service_id, a.kind.clone()), a))
        .collect();
    let (mut fired, mut resolved) = (0, 0);
    for watched in watched(conn, now).await? {
        let service = &watched.service;
        for kind in AlertKind::ALL {
            let threshold = watched.threshold(kind);
            let value = watched.value(kind);
            let over = value.is_some_and(|v| v > threshold);
            match (open.get(&(service.service_id, kind.as_str().to_owned())), value) {
                (None, Some(observed)) if over => {
                    let ids = (service.service_id, service.user_id);
                    if backend::fire(conn, ids, kind, (threshold, observed), now).await? {
                        fired += 1;
                        mail(conn, config, &watched, kind, Some(observed), true, now).await?;
                    }
                }
                (Some(alert), _) if over => backend::still_over(conn, alert.id, now).await?,
                (Some(alert), _) if now - alert.last_over_at >= WINDOW => {
                    backend::resolve(conn, alert.id, now).await?;
                    resolved += 1;
                    mail(conn, config, &watched, kind, value, false, now).await?;
                }
                _ => {}
            }
        }
    }
    Ok((fired, resolved))
}

/// Queues the fired (or resolved) mail, when the owner wants alert mail.
async fn mail(
    conn: &mut AsyncPgConnection,
    config: &Config,
    watched: &Watched,
    kind: AlertKind,
    observed: Option<f64>,
    fired: bool,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let service = &watched.service;
    if !service.mail_on {
        return Ok(());
    }
    let service_url = config
        .app_url
        .join(&format!("/services/{}", service.service_id))
        .expect("a path joins an origin");
    let facts = AlertFacts {
        service: &service.service_name,
        measure: kind.label(),
        observed: observed.map_or_else(|| "too few requests to measure".to_owned(), |v| kind.format(v)),
        threshold: kind.format(watched.threshold(kind)),
        requests: service.requests,
        at: format!("{} {}", service.local_now.format("%Y-%m-%d %H:%M"), service.tz),
        service_url: &service_url,
    };
    let unsubscribe = unsubscribe::url(config, service.user_id, List::Alerts);
    let settings = config
        .app_url
        .join("/settings/notifications")
        .expect("a path joins an origin");
    let links = ListLinks {
        unsubscribe: &unsubscribe,
        settings: &settings,
    };
    let mail = if fired {
        templates::alert_fired(&facts, &links)
    } else {
        templates::alert_resolved(&facts, &links)
    };
    outbox::enqueue_list_mail(conn, service.user_id, &service.email, mail, &unsubscribe, now).await
}
