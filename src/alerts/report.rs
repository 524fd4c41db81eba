//! The weekly report: Mondays from 08:00 on each client's clock, for clients with "Send me a
//! weekly report" on and at least one service. The figures are the analytics engine's, the
//! dashboard's for the same window: the 7 days up to the client's local Monday midnight (on
//! whole hours, as the rollups are), against the 7 before. A `weekly_reports` row, inserted in
//! the transaction that queues the mail, makes it once per client and week across processes
//! and restarts.

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::unsubscribe::{self, List};
use super::{AlertKind, backend};
use crate::analytics::window::Window;
use crate::analytics::{Bucket, Figures, breakdown, summary};
use crate::mail::outbox;
use crate::mail::templates::{self, ListLinks};
use crate::schema::{services, weekly_reports};
use crate::server::config::Config;
use crate::settings::Preferences;
use crate::ui::format::{count, millis, percent, usd};

/// The hour of Monday, on the client's clock, from which the report is sent.
const SEND_HOUR: i32 = 8;
/// The most frequent errors a report lists.
const TOP_ERRORS: usize = 5;

/// A client whose report of the week starting `week_start` (a local Monday) is due.
#[derive(QueryableByName)]
struct Due {
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    tz: String,
    #[diesel(sql_type = Date)]
    week_start: NaiveDate,
    /// The local Monday's midnight, as an instant.
    #[diesel(sql_type = Timestamptz)]
    week_start_at: DateTime<Utc>,
}

/// Queues every report due at `now` and not queued yet; answers how many.
pub async fn send_due(conn: &mut AsyncPgConnection, config: &Config, now: DateTime<Utc>) -> QueryResult<usize> {
    let defaults = Preferences::default();
    let due: Vec<Due> = diesel::sql_query(
        "SELECT u.id AS user_id, u.email, w.tz, w.monday::date AS week_start, \
                (w.monday AT TIME ZONE w.tz) AS week_start_at \
         FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id \
         CROSS JOIN LATERAL (SELECT coalesce(p.timezone, $3) AS tz) z \
         CROSS JOIN LATERAL (SELECT z.tz, date_trunc('week', $1 AT TIME ZONE z.tz) AS monday) w \
         WHERE coalesce(p.weekly_report, $2) \
           AND ((w.monday + make_interval(hours => $4)) AT TIME ZONE w.tz) <= $1 \
           AND EXISTS (SELECT 1 FROM services s WHERE s.user_id = u.id) \
           AND NOT EXISTS (SELECT 1 FROM weekly_reports r WHERE r.user_id = u.id AND r.week_start = w.monday::date) \
         ORDER BY u.id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Bool, _>(defaults.weekly_report)
    .bind::<Text, _>(&defaults.timezone)
    .bind::<diesel::sql_types::Int4, _>(SEND_HOUR)
    .load(conn)
    .await?;
    let mut sent = 0;
    for client in due {
        let claimed = diesel::insert_into(weekly_reports::table)
            .values((
                weekly_reports::user_id.eq(client.user_id),
                weekly_reports::week_start.eq(client.week_start),
                weekly_reports::queued_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if claimed == 1 {
            queue(conn, config, &client, now).await?;
            sent += 1;
        }
    }
    Ok(sent)
}

/// The report's window: the 7 days up to the local Monday's midnight, on whole hours.
pub fn window_of(week_start_at: DateTime<Utc>, service_ids: Vec<Uuid>, tz: &str) -> Window {
    let to = week_start_at
        .duration_trunc(TimeDelta::hours(1))
        .unwrap_or(week_start_at);
    Window {
        service_ids,
        from: to - TimeDelta::days(7),
        to,
        bucket: Bucket::Day,
        tz: tz.to_owned(),
    }
}

async fn queue(conn: &mut AsyncPgConnection, config: &Config, client: &Due, now: DateTime<Utc>) -> QueryResult<()> {
    let owned: Vec<(Uuid, String)> = services::table
        .filter(services::user_id.eq(client.user_id))
        .order((services::name, services::id))
        .select((services::id, services::name))
        .load(conn)
        .await?;
    let ids = owned.iter().map(|(id, _)| *id).collect();
    let window = window_of(client.week_start_at, ids, &client.tz);
    let total = summary::summary(conn, &window).await?;
    let mut per_service = Vec::new();
    for (id, name) in &owned {
        let one = summary::summary(conn, &window_of(client.week_start_at, vec![*id], &client.tz)).await?;
        per_service.push(format!("{name}: {}", service_line(&one.current, &one.previous)));
    }
    let errors: Vec<String> = breakdown::breakdown(conn, &window)
        .await?
        .errors
        .into_iter()
        .take(TOP_ERRORS)
        .map(|e| format!("{}: {}", e.error_kind, count(e.errors)))
        .collect();
    let alerts: Vec<String> = backend::fired_between(conn, client.user_id, (window.from, window.to))
        .await?
        .into_iter()
        .filter_map(|(service, kind, observed, _)| {
            let kind = AlertKind::parse(&kind)?;
            Some(format!("{service}: {} reached {}", kind.label(), kind.format(observed)))
        })
        .collect();
    let (first, last) = (
        client.week_start - TimeDelta::days(7),
        client.week_start - TimeDelta::days(1),
    );
    let period = format!("{} to {}", first.format("%b %-d"), last.format("%b %-d, %Y"));
    let none = |lines: Vec<String>, empty: &str| {
        if lines.is_empty() {
            vec![empty.to_owned()]
        } else {
            lines
        }
    };
    let sections = [
        ("All services", totals(&total.current, &total.previous)),
        ("Per service", per_service),
        ("Top errors", none(errors, "No errors.")),
        ("Alerts fired", none(alerts, "None.")),
    ];
    let unsubscribe = unsubscribe::url(config, client.user_id, List::WeeklyReport);
    let settings = config
        .app_url
        .join("/settings/notifications")
        .expect("a path joins an origin");
    let dashboard = config.app_url.join("/dashboard").expect("a path joins an origin");
    let links = ListLinks {
        unsubscribe: &unsubscribe,
        settings: &settings,
    };
    let mail = templates::weekly_report(&period, &sections, &dashboard, &links);
    outbox::enqueue_list_mail(conn, client.user_id, &client.email, mail, &unsubscribe, now).await
}

/// The headline figures, one line each: this week's, then the week before's.
pub fn totals(current: &Figures, previous: &Figures) -> Vec<String> {
    let line = |name: &str, value: fn(&Figures) -> String| {
        format!("{name}: {} (previous 7 days: {})", value(current), value(previous))
    };
    vec![
        line("Requests", |f| count(f.total_requests)),
        line("Success rate", |f| percent(f.success_rate)),
        line("p95 latency", |f| millis(f.p95_latency_ms)),
        line("Tokens", |f| count(f.tokens_in + f.tokens_out)),
        line("Cost", |f| usd(f.cost_usd)),
    ]
}

/// One service's figures in one line: this week's, then the week before's.
pub fn service_line(current: &Figures, previous: &Figures) -> String {
    let figures = |f: &Figures| {
        format!(
            "{} requests, {} success, p95 {}, {} tokens, {}",
            count(f.total_requests),
            percent(f.success_rate),
            millis(f.p95_latency_ms),
            count(f.tokens_in + f.tokens_out),
            usd(f.cost_usd)
        )
    };
    format!("{} (previous 7 days: {})", figures(current), figures(previous))
}
