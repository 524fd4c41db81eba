//! The dashboard: the page a client opens every day.

pub mod pages;
