//! The profile tab: name, email (the current password to change it), company, bio, avatar.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::{Saved, SettingsFrame, Tab};
use crate::error::AppError;
use crate::settings::BIO_MAX_CHARS;
use crate::settings::Profile;
use crate::settings::api::{SaveProfile, load_profile};
use crate::ui::form::{FormAlert, FormField, use_field_value, use_form_error, use_saved};
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
                    Ok::<_, AppError>(view! { <ProfileForm profile /> })
                }.await) })}
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
        </Panel>
    }
}
