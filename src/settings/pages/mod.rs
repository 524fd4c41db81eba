//! `/settings/{profile,notifications,security,sharing,billing}`: one page per tab, each deep-linkable.
//! Every form posts to its server function, which answers with the tab again (`?saved=1`, or
//! the error and the fields typed).

pub mod billing;
pub mod notifications;
pub mod profile;
pub mod security;
pub mod sharing;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth::pages::RequireUser;

#[derive(Clone, Copy, PartialEq)]
pub enum Tab {
    Profile,
    Notifications,
    Security,
    Sharing,
    Billing,
}

impl Tab {
    const ALL: [Tab; 5] = [
        Tab::Profile,
        Tab::Notifications,
        Tab::Security,
        Tab::Sharing,
        Tab::Billing,
    ];

    fn label(self) -> &'static str {
        match self {
            Tab::Profile => "Profile",
            Tab::Notifications => "Notifications",
            Tab::Security => "Security",
            Tab::Sharing => "Sharing",
            Tab::Billing => "Billing and usage",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Tab::Profile => "/settings/profile",
            Tab::Notifications => "/settings/notifications",
            Tab::Security => "/settings/security",
            Tab::Sharing => "/settings/sharing",
            Tab::Billing => "/settings/billing",
        }
    }
}

/// The frame every tab shares: title, heading and the tab list.
#[component]
fn SettingsFrame(tab: Tab, children: ChildrenFn) -> impl IntoView {
    let tabs = move || {
        Tab::ALL
            .into_iter()
            .map(|t| {
                let current = (t == tab).then_some("page");
                view! {
                    <a class="tabs__tab" href=t.path() aria-current=current>
                        {t.label()}
                    </a>
                }
            })
            .collect_view()
    };
    view! {
        <Title text=format!("{} · Settings", tab.label()) />
        <RequireUser>
            <section class="page-header">
                <h1>"Settings"</h1>
            </section>
            <nav class="tabs" aria-label="Settings">
                {tabs()}
            </nav>
            {children()}
        </RequireUser>
    }
}

#[component]
fn Saved(#[prop(into)] when: Signal<bool>, #[prop(default = "Saved.")] text: &'static str) -> impl IntoView {
    view! {
        <p class="form-saved" role="status">
            {move || when.get().then_some(text)}
        </p>
    }
}
