//! `seed`: the demo account and its services. Running it again changes nothing.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use super::state::AppState;
use crate::auth::Role;
use crate::auth::backend::{find_user_id_by_email, hash_password, insert_user_if_absent};
use crate::error::AppError;
use crate::schema::{services, user_preferences};

pub const DEMO_EMAIL: &str = "demo@ragsites.com";
pub const DEMO_PASSWORD: &str = "Demo@123456";

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

pub async fn seed(state: &AppState) -> Result<(), AppError> {
    let hash = hash_password(DEMO_PASSWORD.to_owned(), state.config.bcrypt_cost).await?;
    let mut conn = state.conn().await?;
    let created = conn
        .transaction(async |conn| {
            let Some(user_id) = insert_user_if_absent(conn, DEMO_EMAIL, "Demo Client", &hash, Role::Client).await?
            else {
                return Ok::<_, diesel::result::Error>(false);
            };
            add_demo_services(conn, user_id).await?;
            Ok(true)
        })
        .await?;
    if created {
        println!("Created the demo account.");
    } else {
        let exists = find_user_id_by_email(&mut conn, DEMO_EMAIL).await?.is_some();
        println!(
            "The demo account exists{}.",
            if exists { "" } else { " under another case" }
        );
    }
    println!("Demo sign-in: {DEMO_EMAIL} / {DEMO_PASSWORD}");
    Ok(())
}

async fn add_demo_services(conn: &mut AsyncPgConnection, user_id: uuid::Uuid) -> QueryResult<()> {
    diesel::insert_into(user_preferences::table)
        .values(user_preferences::user_id.eq(user_id))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
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
