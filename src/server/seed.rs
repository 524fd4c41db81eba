//! `seed`: the demo account with its services, and an admin account. Running it again
//! changes nothing.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::json;
use uuid::Uuid;

use super::demo_traffic::{self, PROFILES, Profile};
use super::state::AppState;
use crate::audit::ClientInfo;
use crate::auth::Authenticated;
use crate::auth::backend::{hash_password, insert_user_if_absent};
use crate::auth::{Role, User};
use crate::error::AppError;
use crate::schema::{api_keys, plans, services, users};
use crate::services::backend::create_key;

pub const DEMO_EMAIL: &str = "demo@ragsites.com";
pub const DEMO_PASSWORD: &str = "Demo@123456";
pub const ADMIN_EMAIL: &str = "admin@ragsites.com";
/// The plan the demo client is on (from the plans migration).
const DEMO_PLAN: &str = "Growth";

const DEMO_SERVICES: [(&str, &str, &str); 3] = [
    (
        "Support Chatbot",
        "chatbot",
        "Answers customer questions on the website, hands off to a person when unsure.",
    ),
    (
        "Docs RAG Site",
        "rag_site",
        "Searches the product documentation and answers with sources.",
    ),
    (
        "Voice Receptionist",
        "voice_agent",
        "Takes calls, books appointments and forwards urgent ones.",
    ),
];

/// Days of demo traffic `seed` fills: the month the demo shows, and the month before it, so
/// the 30-day view has a previous period to compare with.
pub const DEMO_DAYS: i64 = 60;
const DEMO_KEY_NAME: &str = "demo key (seed)";

/// What `seed` did, for the command to print.
#[derive(Debug)]
pub struct SeedReport {
    pub demo_created: bool,
    /// The admin's password when this run created the account (it is shown only once).
    pub admin_password: Option<String>,
    /// Demo events stored by this run (0 when the traffic was already there).
    pub events_added: usize,
    /// A fresh ingestion key for the demo chatbot (the previous seed key is revoked).
    pub ingest_key: String,
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let demo = if self.demo_created {
            "Created the demo account"
        } else {
            "The demo account exists"
        };
        writeln!(f, "{demo}: {DEMO_EMAIL} / {DEMO_PASSWORD}")?;
        match &self.admin_password {
            Some(password) => writeln!(
                f,
                "Created the admin account: {ADMIN_EMAIL} / {password} (shown only now)"
            )?,
            None => writeln!(
                f,
                "The admin account exists: {ADMIN_EMAIL} (its password was shown when it was created)"
            )?,
        }
        writeln!(
            f,
            "Demo traffic: {} events added (the last {DEMO_DAYS} days are filled).",
            self.events_added
        )?;
        writeln!(
            f,
            "Ingestion key for the Support Chatbot (new each run, the previous one revoked):"
        )?;
        writeln!(f, "  {}", self.ingest_key)?;
        writeln!(f, "Try it:")?;
        writeln!(f, "  curl -X POST http://127.0.0.1:3000/api/v1/events \\")?;
        writeln!(
            f,
            "    -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' \\",
            self.ingest_key
        )?;
        writeln!(
            f,
            r#"    -d '{{"events":[{{"id":"try-1","timestamp":"'$(date -u +%FT%TZ)'","latency_ms":420,"status":"success"}}]}}'"#
        )?;
        write!(
            f,
            "Or keep traffic flowing (watch the dashboard): KEY={} ./bench/load.sh",
            self.ingest_key
        )
    }
}

/// Creates the accounts (once), fills `days` of demo traffic at `scale` times the demo rates,
/// and rotates the demo key.
pub async fn seed(state: &AppState, days: i64, scale: f64) -> Result<SeedReport, AppError> {
    let cost = state.config.bcrypt_cost;
    let demo_hash = hash_password(DEMO_PASSWORD.to_owned(), cost).await?;
    // A generated password is printed once; tests set their own through ADMIN_PASSWORD.
    let admin_password = match &state.config.admin_password {
        Some(password) => {
            crate::auth::validate_password(password).map_err(|m| AppError::field("ADMIN_PASSWORD", m))?;
            password.clone()
        }
        None => generated_password(),
    };
    let admin_hash = hash_password(admin_password.clone(), cost).await?;
    let mut conn = state.conn().await?;
    let report = conn
        .transaction(async |conn| {
            let demo = insert_user_if_absent(conn, DEMO_EMAIL, "Demo Client", Some(&demo_hash), Role::Client).await?;
            if let Some(user_id) = demo {
                add_demo_services(conn, user_id).await?;
                give_plan(conn, user_id, DEMO_PLAN).await?;
            }
            let admin =
                insert_user_if_absent(conn, ADMIN_EMAIL, "Portal Admin", Some(&admin_hash), Role::Admin).await?;
            // The seeded addresses are ours: nothing to confirm by mail (also for accounts seeded
            // before confirmation existed).
            diesel::update(
                users::table
                    .filter(users::email.eq_any([DEMO_EMAIL, ADMIN_EMAIL]))
                    .filter(users::email_verified_at.is_null()),
            )
            .set(users::email_verified_at.eq(state.clock.now()))
            .execute(conn)
            .await?;
            Ok::<_, diesel::result::Error>((demo.is_some(), admin.map(|_| admin_password)))
        })
        .await?;
    let (demo_created, admin_password) = report;

    let demo: (Uuid, String) = users::table
        .filter(users::email.eq(DEMO_EMAIL))
        .select((users::id, users::name))
        .first(&mut conn)
        .await?;
    let services: Vec<(Uuid, String)> = services::table
        .filter(services::user_id.eq(demo.0))
        .filter(services::name.eq_any(DEMO_SERVICES.map(|(name, ..)| name)))
        .select((services::id, services::name))
        .load(&mut conn)
        .await?;
    let with_profiles: Vec<(Uuid, &Profile)> = DEMO_SERVICES
        .iter()
        .zip(PROFILES.iter())
        .filter_map(|((name, ..), profile)| services.iter().find(|(_, n)| n == name).map(|(id, _)| (*id, profile)))
        .collect();
    let now = state.clock.now();
    let events_added = demo_traffic::fill(&mut conn, &with_profiles, now, days, scale).await?;

    let chatbot = <[_]>::first(&with_profiles)
        .map(|(id, _)| *id)
        .ok_or(AppError::NotFound)?;
    diesel::update(
        api_keys::table
            .filter(api_keys::service_id.eq(chatbot))
            .filter(api_keys::name.eq(DEMO_KEY_NAME)),
    )
    .filter(api_keys::revoked_at.is_null())
    .set(api_keys::revoked_at.eq(Some(now)))
    .execute(&mut conn)
    .await?;
    let as_demo = Authenticated {
        user: User {
            id: demo.0,
            email: DEMO_EMAIL.to_owned(),
            name: demo.1,
            role: Role::Client,
            email_verified: true,
            avatar: None,
        },
        session_id: Uuid::nil(),
    };
    let key = create_key(
        &mut conn,
        &as_demo,
        chatbot,
        DEMO_KEY_NAME,
        &ClientInfo::server(now),
        None,
    )
    .await?;
    Ok(SeedReport {
        demo_created,
        admin_password,
        events_added,
        ingest_key: key.key,
    })
}

/// A random password that meets the policy.
fn generated_password() -> String {
    let random: String = rand::rng().sample_iter(Alphanumeric).take(20).map(char::from).collect();
    format!("Ad{random}#7")
}

async fn give_plan(conn: &mut AsyncPgConnection, user_id: Uuid, plan: &str) -> QueryResult<()> {
    let plan_id = plans::table.filter(plans::name.eq(plan)).select(plans::id);
    diesel::update(users::table.find(user_id))
        .set(users::plan_id.eq(plan_id.single_value()))
        .execute(conn)
        .await
        .map(drop)
}

async fn add_demo_services(conn: &mut AsyncPgConnection, user_id: uuid::Uuid) -> QueryResult<()> {
    let rows: Vec<_> = DEMO_SERVICES
        .iter()
        .map(|(name, kind, description)| {
            (
                services::user_id.eq(user_id),
                services::name.eq(*name),
                services::kind.eq(*kind),
                services::config.eq(json!({ "description": description })),
            )
        })
        .collect();
    diesel::insert_into(services::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}
