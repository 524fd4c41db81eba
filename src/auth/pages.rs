//! The sign-in and registration pages, and the account context every page shares.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::User;
use super::api::{
    ConfirmEmail, ForgotPassword, Register, ResendConfirmation, ResetPassword, SignIn, confirmation_link, current_user,
    reset_link_is_live,
};
use super::identities::api::{ConfirmIdentityLink, identity_providers, load_pending_link};
use super::two_factor::api::CompleteTwoFactor;
use crate::error::AppError;
use crate::ui::form::{FormAlert, FormField, use_field_value, use_form_error, use_query_value};
use crate::ui::states::{Loading, loaded};

/// The signed-in user, provided once by the layout.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub user: Resource<Result<Option<User>, AppError>>,
}

/// Signing in or out loads the next page afresh, so the user resource only follows
/// navigation (a session ended elsewhere shows in the navbar on the next page). Blocking: the
/// server waits for it, so the navbar and guarded content are in the HTML itself.
pub fn provide_auth() -> AuthContext {
    let pathname = use_location().pathname;
    let user = Resource::new_blocking(move || pathname.get(), |_| current_user());
    let auth = AuthContext { user };
    provide_context(auth);
    auth
}

/// Renders `children` for a signed-in user; anyone else is sent to sign in.
#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move { loaded(async move {
                match auth.user.await {
                    Ok(Some(_)) => Ok(children.read_value()().into_any()),
                    Ok(None) => Ok(view! { <Loading label="Redirecting to sign in…" /> }.into_any()),
                    Err(error) => Err(error),
                }
            }.await) })}
        </Transition>
    }
}

/// The card both account pages share: heading, lead, the form posting to `action` (with
/// `next` carried along), and the link to the other page.
#[component]
fn AccountForm(
    title: &'static str,
    heading: &'static str,
    lead: &'static str,
    action: String,
    error: Signal<Option<AppError>>,
    submit: &'static str,
    /// The question, the link's text and its target.
    switch: (&'static str, &'static str, &'static str),
    /// Whether the configured identity providers' buttons follow the form.
    #[prop(optional)]
    providers: bool,
    children: Children,
) -> impl IntoView {
    let next = use_query_value("next");
    let (question, link, href) = switch;
    let providers = providers.then(|| view! { <ProviderButtons next /> });
    view! {
        <Title text=title />
        <section class="auth card">
            <h1>{heading}</h1>
            <p class="auth__lead">{lead}</p>
            <form method="post" action=action class="form" novalidate="">
                <input type="hidden" name="next" value=move || next.get() />
                {children()}
                <FormAlert error />
                <button class="button button--primary button--block" type="submit">
                    {submit}
                </button>
            </form>
            {providers}
            <p class="auth__switch">{question} <a href=href>{link}</a></p>
        </section>
    }
}

/// "Continue with …" for each configured identity provider (nothing when none is).
#[component]
fn ProviderButtons(next: Signal<String>) -> impl IntoView {
    let providers = Resource::new_blocking(|| (), |_| identity_providers());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let providers = providers.await.unwrap_or_default();
                (!providers.is_empty()).then(|| {
                    let buttons = providers
                        .into_iter()
                        .map(|provider| {
                            let text = format!("Continue with {}", provider.label);
                            let start = provider.start_url();
                            let href = move || match next.get() {
                                next if next.is_empty() => start.clone(),
                                next => {
                                    let query = url::form_urlencoded::Serializer::new(String::new())
                                        .append_pair("next", &next)
                                        .finish();
                                    format!("{start}?{query}")
                                }
                            };
                            view! { <a class="button button--block" href=href>{text}</a> }
                        })
                        .collect_view();
                    view! {
                        <div class="auth__providers">
                            <p class="auth__or">"or"</p>
                            {buttons}
                        </div>
                    }
                })
            })}
        </Suspense>
    }
}

/// A provider's identity whose address belongs to an account: that account's password links
/// them (never silently), and signs in.
#[component]
pub fn LinkIdentityPage() -> impl IntoView {
    let error = use_form_error();
    let pending = Resource::new_blocking(|| (), |_| load_pending_link());
    view! {
        <Title text="Link your sign-in" />
        <section class="auth card">
            <h1>"Link your sign-in"</h1>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let view = match pending.await? {
                        Some(pending) => {
                            let lead = format!(
                                "An account with {} already exists. Enter its password to sign in with {} from now on too.",
                                pending.email,
                                pending.label,
                            );
                            view! {
                                <p class="auth__lead">{lead}</p>
                                <form method="post" action=ConfirmIdentityLink::url() class="form" novalidate="">
                                    <FormField label="Password" name="password" kind="password" autocomplete="current-password" error />
                                    <FormAlert error />
                                    <button class="button button--primary button--block" type="submit">
                                        "Link and sign in"
                                    </button>
                                </form>
                            }
                            .into_any()
                        }
                        None => view! {
                            <p class="auth__lead">"Nothing is waiting to be linked: the link expires after 10 minutes."</p>
                            <FormAlert error />
                        }
                        .into_any(),
                    };
                    Ok::<_, AppError>(view)
                }.await) })}
            </Transition>
            <p class="auth__switch">"Not yours? " <a href="/auth/signin">"Sign in another way"</a></p>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let error = use_form_error();
    let email = use_field_value("email", String::new());
    let reset = use_query_value("reset");
    view! {
        <AccountForm
            title="Sign in"
            heading="Welcome back"
            lead="Sign in to see how your AI services are doing."
            action=SignIn::url().to_owned()
            error
            submit="Sign in"
            switch=("New here? ", "Create an account", "/auth/register")
            providers=true
        >
            <Show when=move || !reset.get().is_empty()>
                <p class="form-saved" role="status">
                    "Your password was changed and every device signed out. Sign in with the new one."
                </p>
            </Show>
            <FormField label="Email" name="email" kind="email" autocomplete="email" value=email error />
            <FormField label="Password" name="password" kind="password" autocomplete="current-password" error />
            <p class="auth__forgot">
                <a href="/auth/forgot">"Forgot your password?"</a>
            </p>
        </AccountForm>
    }
}

/// The second step of a sign-in with two factors. The challenge the password earned rides in
/// its own short-lived cookie, never in the URL.
#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let error = use_form_error();
    view! {
        <AccountForm
            title="Two-factor sign-in"
            heading="Enter your code"
            lead="Open your authenticator app and enter the 6-digit code it shows for RagSites Portal. Lost your phone? A recovery code works too, once."
            action=CompleteTwoFactor::url().to_owned()
            error
            submit="Verify and sign in"
            switch=("Not you, or took too long? ", "Sign in again", "/auth/signin")
        >
            <FormField label="Code" name="code" autocomplete="one-time-code" error />
        </AccountForm>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let error = use_form_error();
    let name = use_field_value("name", String::new());
    let email = use_field_value("email", String::new());
    // A taken email is a conflict, not a validation error: show it on the email field.
    let field_error = Signal::derive(move || match error.get() {
        Some(AppError::Conflict(message)) => Some(AppError::field("email", message)),
        other => other,
    });
    view! {
        <AccountForm
            title="Create your account"
            heading="Create your account"
            lead="Watch and manage the AI services we run for you."
            action=Register::url().to_owned()
            error=field_error
            submit="Create account"
            switch=("Already have an account? ", "Sign in", "/auth/signin")
            providers=true
        >
            <FormField label="Name" name="name" autocomplete="name" value=name error=field_error />
            <FormField label="Email" name="email" kind="email" autocomplete="email" value=email error=field_error />
            <FormField
                label="Password"
                name="password"
                kind="password"
                autocomplete="new-password"
                hint="At least 8 characters with upper- and lower-case letters, a digit and a special character."
                error=field_error
            />
            <FormField
                label="Confirm password"
                name="confirm_password"
                kind="password"
                autocomplete="new-password"
                error=field_error
            />
        </AccountForm>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let error = use_form_error();
    let email = use_field_value("email", String::new());
    let sent = use_query_value("sent");
    view! {
        <AccountForm
            title="Forgot your password?"
            heading="Forgot your password?"
            lead="Enter the address you sign in with: we will mail you a link to choose a new password."
            action=ForgotPassword::url().to_owned()
            error
            submit="Send the link"
            switch=("Remembered it? ", "Sign in", "/auth/signin")
        >
            <Show when=move || !sent.get().is_empty()>
                <p class="form-saved" role="status">{super::RESET_SENT}</p>
            </Show>
            <FormField label="Email" name="email" kind="email" autocomplete="email" value=email error />
        </AccountForm>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_query_value("token");
    let live = Resource::new_blocking(move || token.get(), reset_link_is_live);
    view! {
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move { loaded(async move {
                Ok::<_, AppError>(if live.await? {
                    view! { <ResetForm token /> }.into_any()
                } else {
                    view! {
                        <DeadLink
                            why="A reset link works once, for 30 minutes, and a newer one or a sign-in ends it."
                            next=("Ask for a new link", "/auth/forgot")
                        />
                    }
                    .into_any()
                })
            }.await) })}
        </Transition>
    }
}

#[component]
fn ResetForm(token: Signal<String>) -> impl IntoView {
    let error = use_form_error();
    view! {
        <AccountForm
            title="Choose a new password"
            heading="Choose a new password"
            lead="Every device signed in to your account will be signed out."
            action=ResetPassword::url().to_owned()
            error
            submit="Set the new password"
            switch=("Link expired? ", "Ask for a new one", "/auth/forgot")
        >
            <input type="hidden" name="token" value=move || token.get() />
            <FormField
                label="New password"
                name="password"
                kind="password"
                autocomplete="new-password"
                hint="At least 8 characters with upper- and lower-case letters, a digit and a special character."
                error
            />
            <FormField
                label="Confirm the new password"
                name="confirm_password"
                kind="password"
                autocomplete="new-password"
                error
            />
        </AccountForm>
    }
}

/// A mailed link that is used, expired, replaced by a newer one or never was.
#[component]
fn DeadLink(why: &'static str, next: (&'static str, &'static str)) -> impl IntoView {
    let (label, href) = next;
    view! {
        <Title text="Link no longer works" />
        <section class="auth card">
            <h1>"This link no longer works"</h1>
            <p class="auth__lead">{why}</p>
            <a class="button button--primary button--block" href=href>
                {label}
            </a>
            <p class="auth__switch">"Remembered your password? " <a href="/auth/signin">"Sign in"</a></p>
        </section>
    }
}

/// `/auth/verify`: a mailed link to confirm an address asks for one click (a mail scanner that
/// opens links confirms nothing), then says it is done.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let token = use_query_value("token");
    let confirmed = use_query_value("confirmed");
    let link = Resource::new_blocking(move || token.get(), confirmation_link);
    view! {
        <Show
            when=move || confirmed.get().is_empty()
            fallback=move || view! { <Confirmed change=confirmed.get() == "change" /> }
        >
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    Ok::<_, AppError>(match link.await? {
                        Some(pending) => view! { <ConfirmForm token pending /> }.into_any(),
                        None => view! {
                            <DeadLink
                                why="A confirmation link works once, for 24 hours, and a newer one ends it. Sign in to ask for a new one."
                                next=("Go to my profile", "/settings/profile")
                            />
                        }
                        .into_any(),
                    })
                }.await) })}
            </Transition>
        </Show>
    }
}

#[component]
fn ConfirmForm(token: Signal<String>, pending: super::PendingAddress) -> impl IntoView {
    let error = use_form_error();
    let (title, lead) = if pending.change {
        (
            "Confirm your new address",
            "Your account will use this address from now on:",
        )
    } else {
        ("Confirm your address", "Your account uses this address:")
    };
    view! {
        <Title text=title />
        <section class="auth card">
            <h1>{title}</h1>
            <p class="auth__lead">{lead} " " <strong>{pending.email}</strong></p>
            <form method="post" action=ConfirmEmail::url() class="form">
                <input type="hidden" name="token" value=move || token.get() />
                <FormAlert error />
                <button class="button button--primary button--block" type="submit">
                    "Confirm this address"
                </button>
            </form>
        </section>
    }
}

#[component]
fn Confirmed(change: bool) -> impl IntoView {
    let lead = if change {
        "Your account uses its new address from now on: sign in with it."
    } else {
        "Thank you: your address is confirmed."
    };
    view! {
        <Title text="Address confirmed" />
        <section class="auth card">
            <h1>"Address confirmed"</h1>
            <p class="auth__lead">{lead}</p>
            <a class="button button--primary button--block" href="/dashboard">
                "Go to my dashboard"
            </a>
        </section>
    }
}

/// Under the navbar until the signed-in user's address is confirmed, with a button that mails
/// the link again.
#[component]
pub fn ConfirmAddressBanner() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                auth.user.await.ok().flatten().filter(|user| !user.email_verified).map(|user| view! {
                    <div class="banner" role="status">
                        <p>
                            "Please confirm your address: we mailed a link to "
                            <strong>{user.email}</strong> "."
                        </p>
                        <form method="post" action=ResendConfirmation::url()>
                            <button class="button button--small" type="submit">
                                "Send the link again"
                            </button>
                        </form>
                    </div>
                })
            })}
        </Transition>
    }
}
