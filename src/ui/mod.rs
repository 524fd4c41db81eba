//! Components shared by every feature.

pub mod form;
pub mod layout;
pub mod navbar;
pub mod states;
