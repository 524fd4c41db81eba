//! Server-side account operations: password hashing and user rows.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Role;
use crate::error::AppError;
use crate::schema::users;

/// A bcrypt hash. Deliberately neither `Serialize` nor `Debug`-printable.
pub struct PasswordHash(String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// Hashes on the blocking pool: bcrypt at cost 12 takes a few hundred milliseconds of CPU.
pub async fn hash_password(password: String, cost: u32) -> Result<PasswordHash, AppError> {
    tokio::task::spawn_blocking(move || bcrypt::hash(password, cost))
        .await
        .map_err(|e| AppError::internal("hashing task", e))?
        .map(PasswordHash)
        .map_err(|e| AppError::internal("bcrypt hash", e))
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser<'a> {
    email: &'a str,
    name: &'a str,
    password_hash: &'a str,
    role: &'a str,
}

/// Inserts a user unless the email (in any case) is taken; returns the new id, or `None`.
pub async fn insert_user_if_absent(
    conn: &mut AsyncPgConnection,
    email: &str,
    name: &str,
    hash: &PasswordHash,
    role: Role,
) -> QueryResult<Option<Uuid>> {
    diesel::insert_into(users::table)
        .values(NewUser {
            email: email.trim(),
            name: name.trim(),
            password_hash: &hash.0,
            role: role.as_str(),
        })
        .on_conflict_do_nothing()
        .returning(users::id)
        .get_result(conn)
        .await
        .optional()
}

/// The id of the user with this email, compared case-insensitively.
pub async fn find_user_id_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<Uuid>> {
    users::table
        .filter(lower(users::email).eq(email.trim().to_lowercase()))
        .select(users::id)
        .first(conn)
        .await
        .optional()
}

define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
