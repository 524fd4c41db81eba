//! Components shared by every feature.

pub mod form;
pub mod format;
pub mod layout;
pub mod navbar;
pub mod panel;
pub mod states;
pub mod table;
