//! Settings, billing and the admin view: each rule, and that nobody reaches another user's rows.

mod all_or_nothing;
mod avatar;
mod billing_admin;
mod profile;
mod sessions;
mod statements;
mod time_zone;
