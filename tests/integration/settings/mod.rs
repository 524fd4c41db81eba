//! Settings, billing and the admin view: each rule, and that nobody reaches another user's rows.

mod billing_admin;
mod profile;
mod sessions;
