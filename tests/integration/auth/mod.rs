//! Accounts and sessions: registration, sign-in, tokens, sign-out, guards, limits, audit.

mod csrf;
mod limits;
mod pages;
mod registration;
mod tokens;
