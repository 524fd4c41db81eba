//! Server functions of the annotations panel: add, change and delete, each a plain form that
//! comes back to the view it was posted from.

use leptos::prelude::*;

use crate::error::AppError;

/// The content of a form: a time typed on the clock of the owner's time zone (empty: now), the
/// text, and a service id (empty: every view).
#[cfg(feature = "ssr")]
async fn content(
    caller: &crate::auth::guard::Caller,
    conn: &mut diesel_async::AsyncPgConnection,
    at: &str,
    text: String,
    service_id: &str,
) -> Result<super::backend::Content, AppError> {
    let at = match at.trim() {
        "" => caller.state.clock.now(),
        typed => {
            let tz = crate::analytics::window::user_timezone(conn, caller.auth.user.id).await?;
            super::backend::from_local(conn, typed, &tz).await?
        }
    };
    let service_id = match service_id.trim() {
        "" => None,
        id => Some(
            id.parse()
                .map_err(|_| AppError::field("service_id", "No such service of yours."))?,
        ),
    };
    Ok(super::backend::Content { at, text, service_id })
}

/// Where the form goes back to: the view it was posted from.
#[cfg(feature = "ssr")]
fn view_of(back: &str) -> String {
    crate::auth::safe_next(Some(back))
}

/// The view with the panel's name, where a refused form shows its error.
#[cfg(feature = "ssr")]
fn refused_at(page: &str) -> String {
    crate::ui::form::naming_form(page, super::FORM)
}

#[server(prefix = "/api/fn", endpoint = "create_annotation")]
pub async fn create_annotation(at: String, text: String, service_id: String, back: String) -> Result<(), AppError> {
    let page = view_of(&back);
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        let mut conn = caller.state.conn().await?;
        let content = content(&caller, &mut conn, &at, text.clone(), &service_id).await?;
        super::backend::create(&mut conn, caller.auth.user.id, content, caller.state.clock.now()).await?;
        Ok(())
    }
    .await;
    crate::ui::form::answer_form_post(result, &refused_at(&page), &[("at", &at), ("text", &text)], |_| {
        format!("{page}#annotations")
    })
}

#[server(prefix = "/api/fn", endpoint = "update_annotation")]
pub async fn update_annotation(
    id: String,
    at: String,
    text: String,
    service_id: String,
    back: String,
) -> Result<(), AppError> {
    let page = view_of(&back);
    let result = async {
        let id = id.parse().map_err(|_| AppError::NotFound)?;
        let caller = crate::auth::guard::require_user().await?;
        let mut conn = caller.state.conn().await?;
        let mut content = content(&caller, &mut conn, &at, text, &service_id).await?;
        // The form shows minutes: the same minute back keeps the time to the second.
        let tz = crate::analytics::window::user_timezone(&mut conn, caller.auth.user.id).await?;
        let current = super::backend::find(&mut conn, caller.auth.user.id, id, &tz).await?;
        if current.local.format(super::panel::TIME_FORMAT).to_string() == at.trim() {
            content.at = current.at;
        }
        super::backend::update(&mut conn, caller.auth.user.id, id, content, caller.state.clock.now()).await
    }
    .await;
    crate::ui::form::answer_form_post(result, &refused_at(&page), &[], |_| format!("{page}#annotations"))
}

#[server(prefix = "/api/fn", endpoint = "delete_annotation")]
pub async fn delete_annotation(id: String, back: String) -> Result<(), AppError> {
    let page = view_of(&back);
    let result = async {
        let id = id.parse().map_err(|_| AppError::NotFound)?;
        let caller = crate::auth::guard::require_user().await?;
        super::backend::delete(&mut *caller.state.conn().await?, caller.auth.user.id, id).await
    }
    .await;
    crate::ui::form::answer_form_post(result, &refused_at(&page), &[], |_| format!("{page}#annotations"))
}
