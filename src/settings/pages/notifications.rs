//! The notifications tab: email alerts, their thresholds, and the time zone.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::{Saved, SettingsFrame, Tab};
use crate::error::AppError;
use crate::settings::Preferences;
use crate::settings::api::{SavePreferences, load_preferences};
use crate::ui::form::{FormAlert, FormField, use_field_value, use_form_error, use_saved};
use crate::ui::panel::Panel;
use crate::ui::states::{Loading, loaded};

#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
    let preferences = Resource::new(|| (), |_| load_preferences());
    view! {
        <SettingsFrame tab=Tab::Notifications>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let preferences = preferences.await?;
                    Ok::<_, AppError>(view! { <PreferencesForm preferences /> })
                }.await) })}
            </Transition>
        </SettingsFrame>
    }
}

#[component]
fn PreferencesForm(preferences: Preferences) -> impl IntoView {
    let error = use_form_error();
    let saved = use_saved();
    let checkbox = |name: &'static str, label: &'static str, checked: bool| {
        view! {
            <label class="check">
                <input type="checkbox" name=name checked=checked />
                {label}
            </label>
        }
    };
    view! {
        <Panel id="preferences-title" title="Notifications and preferences" class="panel card">
            <form method="post" action=SavePreferences::url() class="form" novalidate="">
                <fieldset class="fieldset">
                    <legend>"Email"</legend>
                    {checkbox("email_notifications", "Email me when an alert fires", preferences.email_notifications)}
                    {checkbox("weekly_report", "Send me a weekly report", preferences.weekly_report)}
                    <p class="field__message">
                        "Alerts are always listed on your dashboard; these switches are about mail. The weekly report comes on Mondays at 08:00 in your time zone."
                    </p>
                </fieldset>
                <fieldset class="fieldset">
                    <legend>"Alert when"</legend>
                    <FormField
                        label="Error rate above (%)"
                        name="alert_error_rate_pct"
                        kind="number"
                        value=use_field_value("alert_error_rate_pct", preferences.alert_error_rate_pct.to_string())
                        error
                    />
                    <FormField
                        label="p95 latency above (ms)"
                        name="alert_p95_latency_ms"
                        kind="number"
                        value=use_field_value("alert_p95_latency_ms", preferences.alert_p95_latency_ms.to_string())
                        error
                    />
                </fieldset>
                <FormField
                    label="Time zone"
                    name="timezone"
                    hint="An IANA name such as Europe/Paris or America/New_York: the dashboard and exports use it."
                    value=use_field_value("timezone", preferences.timezone)
                    error
                />
                <FormAlert error />
                <Saved when=saved />
                <button class="button button--primary" type="submit">
                    "Save preferences"
                </button>
            </form>
        </Panel>
    }
}
