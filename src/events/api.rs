//! The explorer pages' server functions: guard first, then one call into `backend`.

use leptos::prelude::*;
use uuid::Uuid;

use super::{Conversation, EventDetail, EventFilters, EventList, Explored};
use crate::error::AppError;

#[server(prefix = "/api/fn", endpoint = "load_events")]
pub async fn load_events(
    service_id: Uuid,
    #[server(default)] filters: EventFilters,
) -> Result<Explored<EventList>, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    let now = caller.state.clock.now();
    super::backend::list(
        &mut *caller.state.conn().await?,
        &caller.auth,
        service_id,
        &filters,
        now,
    )
    .await
}

#[server(prefix = "/api/fn", endpoint = "load_event")]
pub async fn load_event(service_id: Uuid, event_id: String) -> Result<Explored<EventDetail>, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    super::backend::find(&mut *caller.state.conn().await?, &caller.auth, service_id, &event_id).await
}

#[server(prefix = "/api/fn", endpoint = "load_conversation")]
pub async fn load_conversation(service_id: Uuid, conversation_id: String) -> Result<Explored<Conversation>, AppError> {
    let caller = crate::auth::guard::require_user().await?;
    super::backend::conversation(
        &mut *caller.state.conn().await?,
        &caller.auth,
        service_id,
        &conversation_id,
    )
    .await
}
