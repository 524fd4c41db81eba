//! Integration tests against a real PostgreSQL: one cluster per test process, started by the
//! first test that needs it (listing the tests needs none) and stopped when the process exits.
//! Every `#[tokio::test]` in these modules is collected by the standard harness.

mod alerts;
mod annotations;
mod auth;
mod compat;
mod events;
mod foundation;
mod headers;
mod ingest;
mod isolation;
mod mail;
mod openapi;
mod operations;
mod pdf;
mod reports;
mod settings;
mod sharing;
mod support;
mod widgets;
