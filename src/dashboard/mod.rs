//! The dashboard: the page a client opens every day, and the analytics view it shares with
//! each service's page.

pub mod api;
pub mod cards;
pub mod charts;
pub mod filters;
pub mod live;
pub mod pages;
pub mod panels;
pub mod view;
