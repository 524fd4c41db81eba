//! End users: how many distinct ones a period had (exact), and the busiest and costliest.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rollups::{END_USER_SETS, END_USERS, whole_days};
use super::window::Window;
use super::{EndUserSummary, EndUserUsage, TopEndUsers, relative_change, usd};

/// Rows of each top list.
pub const TOP: i64 = 10;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct UsageRow {
    #[diesel(sql_type = Text)]
    ranked_by: String,
    #[diesel(sql_type = SqlUuid)]
    service_id: Uuid,
    #[diesel(sql_type = Text)]
    end_user: String,
    #[diesel(sql_type = BigInt)]
    requests: i64,
    #[diesel(sql_type = BigInt)]
    errors: i64,
    #[diesel(sql_type = BigInt)]
    cost_micros: i64,
}

/// The distinct end users of `ids` in `[from, to)`: the size of the union of the sets of its
/// whole UTC days and of the hours at its edges, per service (a user active on several days
/// counts once; one name in two services is two end users, so the services' counts add up).
pub async fn unique_end_users(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> QueryResult<i64> {
    let (first_day, end_of_days) = whole_days((from, to), None);
    let count: Count = diesel::sql_query(format!(
        "SELECT coalesce(sum(n), 0)::int8 AS n FROM ( \
           SELECT icount(end_users_union(end_users)) AS n FROM {END_USER_SETS} GROUP BY service_id \
         ) AS per_service"
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Timestamptz, _>(first_day)
    .bind::<Timestamptz, _>(end_of_days)
    .get_result(conn)
    .await?;
    Ok(count.n)
}

/// The window's [`TOP`] end users by requests and by cost, adding their figures up once.
pub async fn top_end_users(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<TopEndUsers> {
    let (first_day, end_of_days) = whole_days((window.from, window.to), None);
    let rows: Vec<UsageRow> = diesel::sql_query(format!(
        "WITH t AS ( \
             SELECT service_id, end_user, sum(requests)::int8 AS requests, sum(errors)::int8 AS errors, \
                    sum(cost_micros)::int8 AS cost_micros \
             FROM {END_USERS} GROUP BY 1, 2 \
         ) \
         (SELECT 'requests' AS ranked_by, * FROM t ORDER BY requests DESC, end_user COLLATE \"C\", service_id LIMIT $6) \
         UNION ALL \
         (SELECT 'cost' AS ranked_by, * FROM t WHERE cost_micros > 0 \
          ORDER BY cost_micros DESC, end_user COLLATE \"C\", service_id LIMIT $6)"
    ))
    .bind::<Array<SqlUuid>, _>(&window.service_ids)
    .bind::<Timestamptz, _>(window.from)
    .bind::<Timestamptz, _>(window.to)
    .bind::<Timestamptz, _>(first_day)
    .bind::<Timestamptz, _>(end_of_days)
    .bind::<BigInt, _>(TOP)
    .load(conn)
    .await?;
    let mut top = TopEndUsers::default();
    let mut costs = Vec::new();
    for row in rows {
        let usage = EndUserUsage {
            service_id: row.service_id,
            end_user: row.end_user,
            requests: row.requests,
            errors: row.errors,
            cost_usd: usd(row.cost_micros),
        };
        match row.ranked_by.as_str() {
            "requests" => top.by_requests.push(usage),
            _ => costs.push((row.cost_micros, usage)),
        }
    }
    // A UNION keeps no order of its own: each list is put back in its order here (the
    // names by bytes, as the "C" collation above).
    let tie = |a: &EndUserUsage, b: &EndUserUsage| (&a.end_user, a.service_id).cmp(&(&b.end_user, b.service_id));
    top.by_requests
        .sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| tie(a, b)));
    costs.sort_by(|(a_cost, a), (b_cost, b)| b_cost.cmp(a_cost).then_with(|| tie(a, b)));
    top.by_cost = costs.into_iter().map(|(_, usage)| usage).collect();
    Ok(top)
}

/// The window's unique end users, the previous period's, and the top end users.
pub async fn users(conn: &mut AsyncPgConnection, window: &Window) -> QueryResult<EndUserSummary> {
    let ids = &window.service_ids;
    let unique = unique_end_users(conn, ids, (window.from, window.to)).await?;
    let previous = unique_end_users(conn, ids, window.previous()).await?;
    Ok(EndUserSummary {
        unique_end_users: unique,
        previous,
        change: relative_change(unique, previous),
        top: top_end_users(conn, window).await?,
        from: window.from,
        to: window.to,
    })
}
