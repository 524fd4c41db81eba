//! The security tab's two-factor panel: set it up, save the recovery codes, renew them, turn it
//! off. Plain forms, each posting to its server function.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::TwoFactorStatus;
use super::api::{ConfirmTwoFactor, DisableTwoFactor, DismissRecoveryCodes, RenewRecoveryCodes, StartTwoFactor};
use crate::ui::form::{FormAlert, FormField, use_form_answer};
use crate::ui::format::timestamp;
use crate::ui::panel::Panel;

#[component]
pub fn TwoFactorPanel(status: TwoFactorStatus) -> impl IntoView {
    let required = (status.required && status.enabled_since.is_none()).then(|| {
        view! {
            <p class="form-alert" role="alert">
                "This portal requires two-factor authentication for admin accounts: set it up to go on."
            </p>
        }
    });
    let body = match (&status.new_recovery_codes, status.enabled_since, &status.enrolment) {
        (Some(codes), _, _) => view! { <RecoveryCodes codes=codes.clone() /> }.into_any(),
        (None, Some(since), _) => {
            view! { <Enabled since=timestamp(since) left=status.recovery_codes_left required=status.required /> }
                .into_any()
        }
        (None, None, Some(enrolment)) => {
            view! { <Enrol secret=enrolment.secret.clone() qr_svg=enrolment.qr_svg.clone() /> }.into_any()
        }
        (None, None, None) => view! { <Off /> }.into_any(),
    };
    view! {
        <Panel id="two-factor-title" title="Two-factor authentication" class="panel card">
            {required}
            {body}
        </Panel>
    }
}

#[component]
fn Off() -> impl IntoView {
    let (error, _) = use_form_answer("two-factor");
    view! {
        <p>
            "After your password, sign-in will also ask for a 6-digit code from an authenticator app on your phone "
            "(Google Authenticator, 1Password, Authy, or any other): a stolen password alone no longer opens your account."
        </p>
        <form method="post" action=StartTwoFactor::url() class="form form--actions">
            <FormAlert error />
            <button class="button button--primary" type="submit">
                "Set up two-factor authentication"
            </button>
        </form>
    }
}

#[component]
fn Enrol(secret: String, qr_svg: String) -> impl IntoView {
    let (error, _) = use_form_answer("two-factor");
    view! {
        <ol class="steps">
            <li>
                <p>"Scan this code with your authenticator app:"</p>
                <div class="qr" role="img" aria-label="QR code of your two-factor secret" inner_html=qr_svg></div>
                <p>
                    "Or enter this key by hand: " <code class="secret" data-secret="">{secret}</code>
                </p>
            </li>
            <li>
                <form method="post" action=ConfirmTwoFactor::url() class="form" novalidate="">
                    <FormField
                        label="The 6-digit code your app shows"
                        name="code"
                        autocomplete="one-time-code"
                        error
                    />
                    <FormAlert error />
                    <button class="button button--primary" type="submit">
                        "Turn on"
                    </button>
                </form>
            </li>
        </ol>
    }
}

/// A text file of the codes, as a link the browser downloads without any script.
fn download_href(codes: &[String]) -> String {
    let text = format!(
        "RagSites Portal recovery codes (each works once)\n\n{}\n",
        codes.join("\n")
    );
    let encoded: String = text
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' => c.to_string(),
            other => format!("%{:02X}", other as u32),
        })
        .collect();
    format!("data:text/plain;charset=utf-8,{encoded}")
}

#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    let href = download_href(&codes);
    let items = codes
        .into_iter()
        .map(|code| view! { <li><code>{code}</code></li> })
        .collect_view();
    view! {
        <p class="form-saved" role="status">
            "Two-factor authentication is on. Save these recovery codes somewhere safe: each lets you "
            "sign in once without your phone, and they are shown only now."
        </p>
        <ol class="recovery-codes" aria-label="Recovery codes">{items}</ol>
        <div class="form form--actions">
            <a class="button" href=href download="ragsites-recovery-codes.txt">
                "Download as text"
            </a>
            <form method="post" action=DismissRecoveryCodes::url()>
                <button class="button button--primary" type="submit">
                    "I have saved them"
                </button>
            </form>
        </div>
    }
}

#[component]
fn Enabled(since: String, left: i64, required: bool) -> impl IntoView {
    let (renew_error, _) = use_form_answer("recovery-codes");
    let (off_error, _) = use_form_answer("two-factor-off");
    let turn_off = (!required).then(|| {
        view! {
            <form method="post" action=DisableTwoFactor::url() class="form" novalidate="">
                <h3>"Turn off"</h3>
                <FormField
                    label="Current password"
                    name="disable_password"
                    kind="password"
                    autocomplete="current-password"
                    error=off_error
                />
                <FormField label="A code from your app, or a recovery code" name="code" autocomplete="one-time-code" error=off_error />
                <FormAlert error=off_error />
                <button class="button button--danger" type="submit">
                    "Turn off two-factor authentication"
                </button>
            </form>
        }
    });
    view! {
        <p data-two-factor="on">
            <span class="badge badge--active">"On"</span>
            " since " {since} ". " {left} " of 10 recovery codes left."
        </p>
        <form method="post" action=RenewRecoveryCodes::url() class="form" novalidate="">
            <h3>"New recovery codes"</h3>
            <p class="form__note">"The old codes stop working."</p>
            <FormField
                label="Current password"
                name="renew_password"
                kind="password"
                autocomplete="current-password"
                error=renew_error
            />
            <FormAlert error=renew_error />
            <button class="button" type="submit">
                "Make new recovery codes"
            </button>
        </form>
        {turn_off}
    }
}
