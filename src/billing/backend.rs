//! Plans and usage, read from the `plans` table and the hourly rollups.

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{BillingOverview, Plan, ServiceMonth, Statement, projection};
use crate::schema::{plans, users};

const PLAN_COLUMNS: (plans::id, plans::name, plans::monthly_request_quota, plans::price_cents) =
    (plans::id, plans::name, plans::monthly_request_quota, plans::price_cents);

type PlanRow = (Uuid, String, i64, i32);

fn plan_from_row((id, name, monthly_request_quota, price_cents): PlanRow) -> Plan {
    Plan {
        id,
        name,
        monthly_request_quota,
        price_cents,
    }
}

/// Every plan, cheapest first.
pub async fn plans(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Plan>> {
    let rows: Vec<PlanRow> = plans::table
        .select(PLAN_COLUMNS)
        .order(plans::price_cents.asc())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(plan_from_row).collect())
}

pub async fn plan_of(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<Option<Plan>> {
    let row: Option<PlanRow> = users::table
        .inner_join(plans::table)
        .filter(users::id.eq(user_id))
        .select(PLAN_COLUMNS)
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(plan_from_row))
}

/// The calendar month (UTC) holding `now`.
pub fn period(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let first = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).expect("the first of a month exists");
    let next = first + Months::new(1);
    let start = Utc.from_utc_datetime(&first.and_hms_opt(0, 0, 0).expect("midnight exists"));
    let end = Utc.from_utc_datetime(&next.and_hms_opt(0, 0, 0).expect("midnight exists"));
    (start, end)
}

#[derive(QueryableByName)]
struct MonthRow {
    #[diesel(sql_type = Date)]
    month: NaiveDate,
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    tokens: i64,
    #[diesel(sql_type = BigInt)]
    cost_micros: i64,
}

/// The monthly usage of the user's services from `from` (a month's start) up to `to`.
async fn months(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<Statement>> {
    let rows: Vec<MonthRow> = diesel::sql_query(
        "SELECT date_trunc('month', m.bucket, 'UTC')::date AS month, sum(m.requests)::int8 AS requests, \
                sum(m.tokens_in + m.tokens_out)::int8 AS tokens, sum(m.cost_micros)::int8 AS cost_micros \
         FROM metrics m JOIN services s ON s.id = m.service_id \
         WHERE s.user_id = $1 AND m.bucket >= $2 AND m.bucket < $3 GROUP BY 1 ORDER BY 1 DESC",
    )
    .bind::<SqlUuid, _>(user_id)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Statement {
            month: row.month,
            requests: row.requests,
            tokens: row.tokens,
            cost_usd: crate::analytics::usd(row.cost_micros),
        })
        .collect())
}

#[derive(QueryableByName)]
struct ServiceMonthRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    tokens: i64,
    #[diesel(sql_type = BigInt)]
    cost_micros: i64,
}

/// The month starting on `month` (its first day) for the user: in all, and per service with
/// traffic in it, the busiest first. The month may still be running.
pub async fn month(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    month: NaiveDate,
) -> QueryResult<(Statement, Vec<ServiceMonth>)> {
    let (start, end) = period(Utc.from_utc_datetime(&month.and_time(chrono::NaiveTime::MIN)));
    let rows: Vec<ServiceMonthRow> = diesel::sql_query(
        "SELECT s.name, sum(m.requests)::int8 AS requests, sum(m.tokens_in + m.tokens_out)::int8 AS tokens, \
                sum(m.cost_micros)::int8 AS cost_micros \
         FROM metrics m JOIN services s ON s.id = m.service_id \
         WHERE s.user_id = $1 AND m.bucket >= $2 AND m.bucket < $3 \
         GROUP BY s.id, s.name ORDER BY 2 DESC, s.name",
    )
    .bind::<SqlUuid, _>(user_id)
    .bind::<Timestamptz, _>(start)
    .bind::<Timestamptz, _>(end)
    .load(conn)
    .await?;
    let statement = Statement {
        month,
        requests: rows.iter().map(|r| r.requests).sum(),
        tokens: rows.iter().map(|r| r.tokens).sum(),
        cost_usd: crate::analytics::usd(rows.iter().map(|r| r.cost_micros).sum()),
    };
    let services = rows
        .into_iter()
        .map(|r| ServiceMonth {
            name: r.name,
            requests: r.requests,
            tokens: r.tokens,
            cost_usd: crate::analytics::usd(r.cost_micros),
        })
        .collect();
    Ok((statement, services))
}

/// The user's plan, this period's usage and projection, and the twelve months before.
pub async fn overview(conn: &mut AsyncPgConnection, user_id: Uuid, now: DateTime<Utc>) -> QueryResult<BillingOverview> {
    let (start, end) = period(now);
    let plan = plan_of(conn, user_id).await?;
    let mut months = months(conn, user_id, start - Months::new(12), end).await?;
    let current = match <[Statement]>::first(&months) {
        Some(first) if first.month == start.date_naive() => months.remove(0),
        _ => Statement {
            month: start.date_naive(),
            requests: 0,
            tokens: 0,
            cost_usd: 0.0,
        },
    };
    Ok(BillingOverview {
        plan,
        period_start: start,
        period_end: end,
        projected_requests: projection(current.requests, start, end, now),
        current,
        statements: months,
    })
}

/// Requests of each of `user_ids` in the current period (for the admin's list).
pub async fn period_requests(
    conn: &mut AsyncPgConnection,
    user_ids: &[Uuid],
    now: DateTime<Utc>,
) -> QueryResult<Vec<(Uuid, i64)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        user_id: Uuid,
        #[diesel(sql_type = BigInt)]
        requests: i64,
    }
    let (start, end) = period(now);
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT s.user_id, sum(m.requests)::int8 AS requests \
         FROM metrics m JOIN services s ON s.id = m.service_id \
         WHERE s.user_id = ANY($1) AND m.bucket >= $2 AND m.bucket < $3 GROUP BY 1",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(user_ids)
    .bind::<Timestamptz, _>(start)
    .bind::<Timestamptz, _>(end)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.user_id, r.requests)).collect())
}

/// What ingestion needs to enforce a service's plan: its client, the client's monthly quota
/// (`None` without a plan), and the client's requests in the period holding `now`.
pub struct QuotaUsage {
    pub user_id: Uuid,
    pub quota: Option<i64>,
    pub used: i64,
    pub period_end: DateTime<Utc>,
}

/// Reads `QuotaUsage` in one statement. The daily rollups give the same period totals as the
/// hourly ones the statements read (a period is whole UTC days), from fewer rows.
pub async fn quota_usage(
    conn: &mut AsyncPgConnection,
    service_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<QuotaUsage> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        user_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
        quota: Option<i64>,
        #[diesel(sql_type = BigInt)]
        used: i64,
    }
    let (start, end) = period(now);
    let row: Row = diesel::sql_query(
        "SELECT s.user_id, p.monthly_request_quota AS quota, \
                coalesce((SELECT sum(m.requests) FROM metrics_daily m JOIN services o ON o.id = m.service_id \
                          WHERE o.user_id = s.user_id AND m.bucket >= $2 AND m.bucket < $3), 0)::int8 AS used \
         FROM services s JOIN users u ON u.id = s.user_id LEFT JOIN plans p ON p.id = u.plan_id \
         WHERE s.id = $1",
    )
    .bind::<SqlUuid, _>(service_id)
    .bind::<Timestamptz, _>(start)
    .bind::<Timestamptz, _>(end)
    .get_result(conn)
    .await?;
    Ok(QuotaUsage {
        user_id: row.user_id,
        quota: row.quota,
        used: row.used,
        period_end: end,
    })
}
