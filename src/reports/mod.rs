//! PDF reports, written on the server: a view of the dashboard or of a service (its figures,
//! charts, annotations and tables, as the page shows them) and a month's statement.

pub mod analytics;
pub mod pdf;
pub mod rest;
pub mod statement;
