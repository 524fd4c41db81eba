//! Accounts and sessions: registration, sign-in, tokens, sign-out, guards, limits, audit.

pub mod api_tokens;
mod confirm;
mod csrf;
mod flash;
mod fuzz;
mod identities;
mod limits;
mod next;
mod pages;
mod proxies;
mod registration;
mod reset;
mod tokens;
mod two_factor;
