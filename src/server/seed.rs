//! `seed`: the demo account with its services, and an admin account. Running it again
//! changes nothing.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::json;

use super::state::AppState;
use crate::auth::Role;
use crate::auth::backend::{hash_password, insert_user_if_absent};
use crate::error::AppError;
use crate::schema::services;

pub const DEMO_EMAIL: &str = "demo@ragsites.com";
pub const DEMO_PASSWORD: &str = "Demo@123456";
pub const ADMIN_EMAIL: &str = "admin@ragsites.com";

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

/// What `seed` did, for the command to print.
#[derive(Debug)]
pub struct SeedReport {
    pub demo_created: bool,
    /// The admin's password when this run created the account (it is shown only once).
    pub admin_password: Option<String>,
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
            Some(password) => write!(
                f,
                "Created the admin account: {ADMIN_EMAIL} / {password} (shown only now)"
            ),
            None => write!(
                f,
                "The admin account exists: {ADMIN_EMAIL} (its password was shown when it was created)"
            ),
        }
    }
}

pub async fn seed(state: &AppState) -> Result<SeedReport, AppError> {
    let cost = state.config.bcrypt_cost;
    let demo_hash = hash_password(DEMO_PASSWORD.to_owned(), cost).await?;
    let admin_password = generated_password();
    let admin_hash = hash_password(admin_password.clone(), cost).await?;
    let mut conn = state.conn().await?;
    let report = conn
        .transaction(async |conn| {
            let demo = insert_user_if_absent(conn, DEMO_EMAIL, "Demo Client", &demo_hash, Role::Client).await?;
            if let Some(user_id) = demo {
                add_demo_services(conn, user_id).await?;
            }
            let admin = insert_user_if_absent(conn, ADMIN_EMAIL, "Portal Admin", &admin_hash, Role::Admin).await?;
            Ok::<_, diesel::result::Error>(SeedReport {
                demo_created: demo.is_some(),
                admin_password: admin.map(|_| admin_password),
            })
        })
        .await?;
    Ok(report)
}

/// A random password that meets the policy.
fn generated_password() -> String {
    let random: String = rand::rng().sample_iter(Alphanumeric).take(20).map(char::from).collect();
    format!("Ad{random}#7")
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
