//! The sharing tab: the read-only links the user made, their visits, and revoking them.

use leptos::prelude::*;

use super::{SettingsFrame, Tab};
use crate::error::AppError;
use crate::sharing::api::load_share_links;
use crate::sharing::panel::ShareLinksPanel;
use crate::ui::states::{Loading, loaded};

#[component]
pub fn SharingSettingsPage() -> impl IntoView {
    let links = Resource::new(|| (), |_| load_share_links());
    view! {
        <SettingsFrame tab=Tab::Sharing>
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move { loaded(async move {
                    let links = links.await?;
                    Ok::<_, AppError>(view! { <ShareLinksPanel links /> })
                }.await) })}
            </Transition>
        </SettingsFrame>
    }
}
