//! Accounts and sessions: registration, sign-in, tokens, sign-out, guards, limits, audit.

mod pages;
mod registration;
mod tokens;
