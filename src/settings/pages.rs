//! `/settings/{profile,notifications,security,billing}`: one page per tab, each deep-linkable.
//! Every form posts to its server function, which answers with the tab again (`?saved=1`, or
//! the error and the fields typed).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{
    ChangePassword, RevokeOtherSessions, RevokeSession, SavePreferences, SaveProfile, load_activity, load_preferences,
    load_profile, load_sessions,
};
use super::{ActivityPage, BIO_MAX_CHARS, Preferences, Profile, SessionInfo};
use crate::auth::pages::RequireUser;
use crate::billing::BillingOverview;
use crate::error::AppError;
use crate::ui::form::{FormAlert, FormField, use_field_value, use_form_error, use_query_value, use_saved};
use crate::ui::format::{count, timestamp, usd};
use crate::ui::states::Loading;
use crate::ui::table::{Column, DataTable};

#[derive(Clone, Copy, PartialEq)]
pub enum Tab {
    Profile,
    Notifications,
    Security,
    Billing,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Profile, Tab::Notifications, Tab::Security, Tab::Billing];

    fn label(self) -> &'static str {
        match self {
            Tab::Profile => "Profile",
            Tab::Notifications => "Notifications",
            Tab::Security => "Security",
            Tab::Billing => "Billing and usage",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Tab::Profile => "/settings/profile",
            Tab::Notifications => "/settings/notifications",
            Tab::Security => "/settings/security",
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

#[component]
pub fn ProfileSettingsPage() -> impl IntoView {
    // Loaded once: the form then keeps what the user typed, whether a save succeeds or not.
    let profile = Resource::new(|| (), |_| load_profile());
    view! {
        <SettingsFrame tab=Tab::Profile>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    let profile = profile.await?;
                    Ok::<_, AppError>(view! { <ProfileForm profile /> })
                })}
            </Transition>
        </SettingsFrame>
    }
}

#[component]
fn ProfileForm(profile: Profile) -> impl IntoView {
    let error = use_form_error();
    let saved = use_saved();
    let bio_error = move || error.get().and_then(|e| e.field_message("bio"));
    view! {
        <section class="panel card" aria-labelledby="profile-title">
            <h2 class="panel__title" id="profile-title">"Profile"</h2>
            <form method="post" action=SaveProfile::url() class="form" novalidate="">
                <FormField label="Name" name="name" autocomplete="name" value=use_field_value("name", profile.name) error />
                <FormField
                    label="Email"
                    name="email"
                    kind="email"
                    autocomplete="email"
                    value=use_field_value("email", profile.email)
                    error
                />
                <FormField
                    label="Current password"
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    hint="Needed only to change your email."
                    error
                />
                <FormField
                    label="Company"
                    name="company"
                    autocomplete="organization"
                    value=use_field_value("company", profile.company.unwrap_or_default())
                    error
                />
                <div class="field" class:field--invalid=move || bio_error().is_some()>
                    <label for="field-bio">"Bio"</label>
                    <textarea
                        id="field-bio"
                        name="bio"
                        rows="4"
                        maxlength=BIO_MAX_CHARS.to_string()
                        aria-describedby="field-bio-message"
                        aria-invalid=move || bio_error().is_some().to_string()
                    >
                        {use_field_value("bio", profile.bio.unwrap_or_default())}
                    </textarea>
                    <p class="field__message" id="field-bio-message">
                        {move || bio_error().unwrap_or_else(|| format!("At most {BIO_MAX_CHARS} characters."))}
                    </p>
                </div>
                <FormField
                    label="Avatar URL"
                    name="avatar_url"
                    kind="url"
                    hint="An https:// address of a square image."
                    value=use_field_value("avatar_url", profile.avatar_url.unwrap_or_default())
                    error
                />
                <FormAlert error />
                <Saved when=saved />
                <button class="button button--primary" type="submit">
                    "Save profile"
                </button>
            </form>
        </section>
    }
}

#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
    let preferences = Resource::new(|| (), |_| load_preferences());
    view! {
        <SettingsFrame tab=Tab::Notifications>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    let preferences = preferences.await?;
                    Ok::<_, AppError>(view! { <PreferencesForm preferences /> })
                })}
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
        <section class="panel card" aria-labelledby="preferences-title">
            <h2 class="panel__title" id="preferences-title">"Notifications and preferences"</h2>
            <form method="post" action=SavePreferences::url() class="form" novalidate="">
                <fieldset class="fieldset">
                    <legend>"Email"</legend>
                    {checkbox("email_notifications", "Email me when an alert fires", preferences.email_notifications)}
                    {checkbox("weekly_report", "Send me a weekly report", preferences.weekly_report)}
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
        </section>
    }
}

#[component]
pub fn SecuritySettingsPage() -> impl IntoView {
    let sessions = Resource::new(|| (), |_| load_sessions());
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let activity = Resource::new(page, load_activity);
    view! {
        <SettingsFrame tab=Tab::Security>
            <PasswordForm />
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    let sessions = sessions.await?;
                    Ok::<_, AppError>(view! { <Sessions sessions /> })
                })}
            </Transition>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    let activity = activity.await?;
                    Ok::<_, AppError>(view! { <ActivityLog activity /> })
                })}
            </Transition>
        </SettingsFrame>
    }
}

fn signed_out_message(others: usize) -> String {
    match others {
        0 => "Password changed.".to_owned(),
        1 => "Password changed; 1 other session was signed out.".to_owned(),
        n => format!("Password changed; {n} other sessions were signed out."),
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let error = use_form_error();
    // Only a changed password answers with `signed_out` (a revoked session comes back saved too).
    let signed_out = use_query_value("signed_out");
    let message = move || signed_out.get().parse().ok().map(signed_out_message);
    view! {
        <section class="panel card" aria-labelledby="password-title">
            <h2 class="panel__title" id="password-title">"Change password"</h2>
            <form method="post" action=ChangePassword::url() class="form" novalidate="">
                <FormField
                    label="Current password"
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <FormField
                    label="New password"
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 8 characters with upper- and lower-case letters, a digit and a special character."
                    error
                />
                <FormField
                    label="Confirm new password"
                    name="confirm_password"
                    kind="password"
                    autocomplete="new-password"
                    error
                />
                <FormAlert error />
                <p class="form-saved" role="status">
                    {message}
                </p>
                <p class="form__note">"Every other device is signed out; this one stays signed in."</p>
                <button class="button button--primary" type="submit">
                    "Change password"
                </button>
            </form>
        </section>
    }
}

#[component]
fn Sessions(sessions: Vec<SessionInfo>) -> impl IntoView {
    let others = sessions.iter().filter(|s| !s.current).count();
    let error = use_form_error();
    let rows = sessions
        .into_iter()
        .map(|session| {
            let device = format!("{} on {}", session.browser, session.os);
            let label = format!("Sign out {device}, last seen {}", timestamp(session.last_seen_at));
            let action = if session.current {
                view! { <span class="badge badge--active">"This device"</span> }.into_any()
            } else {
                view! {
                    <form method="post" action=RevokeSession::url()>
                        <input type="hidden" name="id" value=session.id.to_string() />
                        <button
                            class="button button--danger button--small"
                            type="submit"
                            aria-label=label
                        >
                            "Sign out"
                        </button>
                    </form>
                }
                .into_any()
            };
            view! {
                <tr data-session=session.id.to_string() data-current=session.current.to_string()>
                    <th scope="row">{device}</th>
                    <td class="hide-narrow">{session.ip.unwrap_or_else(|| "unknown".into())}</td>
                    <td class="hide-narrow">{timestamp(session.created_at)}</td>
                    <td>{timestamp(session.last_seen_at)}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel card" aria-labelledby="sessions-title">
            <h2 class="panel__title" id="sessions-title">"Where you are signed in"</h2>
            <DataTable
                labelled_by="sessions-title"
                columns=&[
                    Column::Text("Device"),
                    Column::Wide("IP address"),
                    Column::Wide("Signed in"),
                    Column::Text("Last seen"),
                    Column::Action,
                ]
            >
                {rows}
            </DataTable>
            <FormAlert error />
            {(others > 0)
                .then(|| {
                    view! {
                        <form method="post" action=RevokeOtherSessions::url() class="form form--actions">
                            <button class="button button--danger" type="submit">
                                "Sign out everywhere else"
                            </button>
                        </form>
                    }
                })}
        </section>
    }
    .into_any()
}

#[component]
fn ActivityLog(activity: ActivityPage) -> impl IntoView {
    let ActivityPage {
        entries,
        page,
        has_more,
    } = activity;
    let rows = entries
        .into_iter()
        .map(|entry| {
            view! {
                <tr>
                    <td>{timestamp(entry.at)}</td>
                    <th scope="row" data-action=entry.action.as_str()>{entry.summary}</th>
                    <td>{entry.ip.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel card" aria-labelledby="activity-title">
            <h2 class="panel__title" id="activity-title">"Your activity"</h2>
            <DataTable
                labelled_by="activity-title"
                columns=&[Column::Text("When"), Column::Text("What"), Column::Text("IP address")]
            >
                {rows}
            </DataTable>
            <nav class="pager" aria-label="Activity pages">
                {(page > 1).then(|| view! { <a href=format!("?page={}", page - 1) rel="prev">"← Newer"</a> })}
                <span>"Page " {page}</span>
                {has_more.then(|| view! { <a href=format!("?page={}", page + 1) rel="next">"Older →"</a> })}
            </nav>
        </section>
    }
    .into_any()
}

#[component]
pub fn BillingSettingsPage() -> impl IntoView {
    let billing = Resource::new(|| (), |_| super::api::load_billing());
    view! {
        <SettingsFrame tab=Tab::Billing>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    let billing = billing.await?;
                    Ok::<_, AppError>(view! { <Billing billing /> })
                })}
            </Transition>
        </SettingsFrame>
    }
}

#[component]
fn Billing(billing: BillingOverview) -> impl IntoView {
    let BillingOverview {
        plan,
        period_start,
        period_end,
        current,
        projected_requests,
        statements,
    } = billing;
    let last_day = (period_end - chrono::Duration::days(1)).format("%b %-d, %Y");
    let period = format!("{} – {last_day}", period_start.format("%b %-d"));
    let quota = plan.as_ref().map(|p| p.monthly_request_quota);
    let used_pct = quota.map(|q| (current.requests as f64 / q as f64 * 100.0).min(100.0));
    let plan_view = match &plan {
        Some(plan) => view! {
            <p class="plan__name" data-plan=plan.name.clone()>{plan.name.clone()}</p>
            <p class="plan__price">{usd(f64::from(plan.price_cents) / 100.0)} " a month"</p>
            <p>{count(plan.monthly_request_quota)} " requests a month included"</p>
        }
        .into_any(),
        None => view! { <p>"No plan yet: your account manager assigns one."</p> }.into_any(),
    };
    let over = quota.is_some_and(|q| projected_requests > q);
    let rows = statements
        .into_iter()
        .map(|s| {
            view! {
                <tr>
                    <th scope="row">{s.month.format("%B %Y").to_string()}</th>
                    <td class="num">{count(s.requests)}</td>
                    <td class="num">{count(s.tokens)}</td>
                    <td class="num">{usd(s.cost_usd)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="grid grid--2">
            <section class="panel card plan" aria-labelledby="plan-title">
                <h2 class="panel__title" id="plan-title">"Your plan"</h2>
                {plan_view}
                <p class="form__note">
                    "Invoices and payments are handled by your agency outside the portal."
                </p>
            </section>
            <section class="panel card" aria-labelledby="usage-title">
                <h2 class="panel__title" id="usage-title">"Usage this period"</h2>
                <p class="usage__period">{period}</p>
                <p class="usage__figure">
                    <strong data-usage=current.requests.to_string()>{count(current.requests)}</strong>
                    {quota.map(|q| format!(" of {} requests", count(q)))}
                </p>
                {used_pct
                    .map(|pct| {
                        view! {
                            <div
                                class="meter"
                                class:meter--over=over
                                role="progressbar"
                                aria-label="Requests used of the quota"
                                aria-valuemin="0"
                                aria-valuemax="100"
                                aria-valuenow=format!("{pct:.0}")
                            >
                                <span class="meter__fill" style=format!("width: {pct:.1}%")></span>
                            </div>
                        }
                    })}
                <p>
                    "Projected by the end of the period: " <strong>{count(projected_requests)}</strong>
                    {over.then_some(" — above your quota")}
                </p>
                <p>"AI provider cost so far: " {usd(current.cost_usd)} " · " {count(current.tokens)} " tokens"</p>
            </section>
        </div>
        <section class="panel card" aria-labelledby="statements-title">
            <h2 class="panel__title" id="statements-title">"Monthly statements"</h2>
            <DataTable
                labelled_by="statements-title"
                columns=&[
                    Column::Text("Month"),
                    Column::Number("Requests"),
                    Column::Number("Tokens"),
                    Column::Number("AI cost"),
                ]
            >
                {rows}
            </DataTable>
        </section>
    }
    .into_any()
}
