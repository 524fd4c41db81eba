//! The profile tab: name, email (the current password to change it; the new address is used once
//! it confirms it), company, bio, avatar.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::{Saved, SettingsFrame, Tab};
use crate::auth::api::ResendConfirmation;
use crate::auth::pages::AuthContext;
use crate::error::AppError;
use crate::settings::BIO_MAX_CHARS;
use crate::settings::Profile;
use crate::settings::api::{SaveProfile, load_profile};
use crate::ui::form::{
    FormAlert, FormField, use_field_value, use_form_answer, use_form_error, use_query_value, use_saved,
};
use crate::ui::panel::Panel;
use crate::ui::states::{Loading, loaded};

#[component]
pub fn ProfileSettingsPage() -> impl IntoView {
    // Loaded once: the form then keeps what the user typed, whether a save succeeds or not.
    let profile = Resource::new(|| (), |_| load_profile());
    view! {
        <SettingsFrame tab=Tab::Profile>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let profile = profile.await?;
                    Ok::<_, AppError>(view! {
                        <AddressStatus pending=profile.pending_email.clone() />
                        <AvatarPanel />
                        <ProfileForm profile />
                    })
                }.await) })}
            </Transition>
        </SettingsFrame>
    }
}

/// Whether the address is confirmed (with a button to mail the link again) and the new address
/// waiting for its link, if any. Shown only when there is something to say.
#[component]
fn AddressStatus(pending: Option<String>) -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let (error, sent) = use_form_answer("confirmation");
    view! {
        <Transition fallback=|| ()>
            {move || {
                let pending = pending.clone();
                Suspend::new(async move {
                    let unconfirmed = auth.user.await.ok().flatten().filter(|user| !user.email_verified);
                    (unconfirmed.is_some() || pending.is_some()).then(|| view! {
                        <Panel id="address-title" title="Address confirmation" class="panel card">
                            {pending.map(|email| view! {
                                <p class="muted">
                                    "Waiting for " <strong>{email}</strong>
                                    " to be confirmed: we mailed it a link that works for 24 hours. Your account keeps its current address until then."
                                </p>
                            })}
                            {unconfirmed.map(|user| view! {
                                <form method="post" action=ResendConfirmation::url() class="form">
                                    <p>"Your address " <strong>{user.email}</strong> " is not confirmed yet."</p>
                                    <FormAlert error />
                                    <Saved when=sent text="We mailed you a new link." />
                                    <button class="button" type="submit">"Send the link again"</button>
                                </form>
                            })}
                        </Panel>
                    })
                })
            }}
        </Transition>
    }
}

/// The uploaded picture: a plain multipart form to the REST route, which sends a browser back
/// here with its answer.
#[component]
fn AvatarPanel() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let (error, saved) = use_form_answer("avatar");
    let message = move || error.get().and_then(|e| e.field_message("avatar"));
    view! {
        <Panel id="avatar-title" title="Profile picture" class="panel card">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let avatar = auth.user.await.ok().flatten().and_then(|user| user.avatar);
                    match avatar {
                        Some(src) => view! {
                            <img class="avatar-preview" src=src alt="Your profile picture" width="96" height="96" />
                            <form method="post" action="/api/user/avatar/remove" class="form form--actions">
                                <button class="button button--small" type="submit">"Remove picture"</button>
                            </form>
                        }.into_any(),
                        None => view! { <p class="muted">"No picture yet: the navbar shows your initials."</p> }.into_any(),
                    }
                })}
            </Transition>
            <form method="post" action="/api/user/avatar" enctype="multipart/form-data" class="form" novalidate="">
                <div class="field" class:field--invalid=move || message().is_some()>
                    <label for="field-avatar">"New picture"</label>
                    <input
                        id="field-avatar"
                        name="avatar"
                        type="file"
                        accept="image/png,image/jpeg,image/webp"
                        aria-invalid=move || message().is_some().to_string()
                        aria-describedby="field-avatar-message"
                    />
                    <p class="field__message" id="field-avatar-message">
                        {move || message().unwrap_or_else(|| "JPEG, PNG or WebP, at most 5 MB; cropped to a square.".into())}
                    </p>
                </div>
                <Saved when=saved text="Picture saved." />
                <button class="button button--primary" type="submit">
                    "Upload picture"
                </button>
            </form>
        </Panel>
    }
}

#[component]
fn ProfileForm(profile: Profile) -> impl IntoView {
    // The address panel's button answers this page too (`?form=confirmation`).
    let answered_here = use_query_value("form");
    let answered_here = move || answered_here.read().is_empty();
    let error = use_form_error();
    let error = Signal::derive(move || error.get().filter(|_| answered_here()));
    let saved = use_saved();
    let saved = Signal::derive(move || saved.get() && answered_here());
    let bio_error = move || error.get().and_then(|e| e.field_message("bio"));
    view! {
        <Panel id="profile-title" title="Profile" class="panel card">
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
                    hint="Needed only to change your email (the new address gets a link to confirm it)."
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
        </Panel>
    }
}
