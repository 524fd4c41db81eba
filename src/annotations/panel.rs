//! The annotations panel under a view's figures: the period's annotations with their owner's
//! edit and delete forms, and the form that adds one. Plain forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use uuid::Uuid;

use super::api::{CreateAnnotation, DeleteAnnotation, UpdateAnnotation};
use super::{Annotation, FORM, LISTED, MAX_TEXT_CHARS};
use crate::ui::form::{FormAlert, FormField, use_field_value, use_form_answer};
use crate::ui::panel::Panel;

/// How the edit form writes a time (`datetime-local`).
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// The services a form offers: every one of the client's, or on a service's page that one.
fn service_options(services: &[(Uuid, String)], selected: Option<Uuid>) -> impl IntoView + use<> {
    let options = services
        .iter()
        .map(|(id, name)| view! { <option value=id.to_string() selected=selected == Some(*id)>{name.clone()}</option> })
        .collect_view();
    view! {
        <option value="" selected=selected.is_none()>"All services"</option>
        {options}
    }
}

#[component]
pub fn AnnotationsPanel(
    annotations: Vec<Annotation>,
    /// The services the client may annotate.
    services: Vec<(Uuid, String)>,
    /// On a service's page: that service, chosen for new annotations.
    service: Option<Uuid>,
    /// The view's path and query, where every form comes back to.
    back: String,
) -> impl IntoView {
    let (error, _) = use_form_answer(FORM);
    let service_message = move || error.get().and_then(|e| e.field_message("service_id"));
    let cut = (annotations.len() >= LISTED).then(|| {
        view! { <p class="panel__lead">"The latest 200 of the period are shown: choose a shorter period for the others."</p> }
    });
    let at = use_field_value("at", String::new());
    let text = use_field_value("text", String::new());
    let list = if annotations.is_empty() {
        view! { <p class="panel__empty">"No annotations in this period."</p> }.into_any()
    } else {
        let rows = annotations
            .into_iter()
            .map(|a| view! { <AnnotationRow annotation=a services=services.clone() back=back.clone() /> })
            .collect_view();
        view! { <ol class="annotations">{rows}</ol> }.into_any()
    };
    view! {
        <Panel id="annotations" title="Annotations" class="panel card">
            <p class="panel__lead">
                "Marks on the charts' time axis: a deployment, a rebuilt index. A pipeline can post them to "
                <code>"POST /api/v1/annotations"</code> " with the service's key."
            </p>
            <FormAlert error />
            {cut}
            {list}
            <form method="post" action=CreateAnnotation::url() class="form form--inline" novalidate="">
                <input type="hidden" name="back" value=back.clone() />
                <FormField label="Annotation" name="text" value=text error />
                <FormField label="When (empty: now)" name="at" kind="datetime-local" value=at error />
                <div class="field">
                    <label for="field-service_id">"For service"</label>
                    <select id="field-service_id" name="service_id" aria-describedby="field-service_id-message">
                        {service_options(&services, service)}
                    </select>
                    <p class="field__message" id="field-service_id-message">{service_message}</p>
                </div>
                <button class="button button--primary" type="submit">
                    "Add annotation"
                </button>
            </form>
        </Panel>
    }
}

/// One annotation; its owner's edit form folds out under it.
#[component]
fn AnnotationRow(annotation: Annotation, services: Vec<(Uuid, String)>, back: String) -> impl IntoView {
    let Annotation {
        id,
        service_id,
        service_name,
        at,
        local,
        text,
        editable,
    } = annotation;
    let field = |name: &str| format!("annotation-{id}-{name}");
    let edit = editable.then(|| {
        view! {
            <details class="annotation__edit">
                <summary>"Edit"</summary>
                <form method="post" action=UpdateAnnotation::url() class="form form--inline">
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="back" value=back.clone() />
                    <div class="field">
                        <label for=field("text")>"Text"</label>
                        <input id=field("text") name="text" value=text.clone() maxlength=MAX_TEXT_CHARS required />
                    </div>
                    <div class="field">
                        <label for=field("at")>"When"</label>
                        <input id=field("at") name="at" type="datetime-local" value=local.format(TIME_FORMAT).to_string() />
                    </div>
                    <div class="field">
                        <label for=field("service")>"For service"</label>
                        <select id=field("service") name="service_id">{service_options(&services, service_id)}</select>
                    </div>
                    <button class="button button--small" type="submit">"Save"</button>
                </form>
                <form method="post" action=DeleteAnnotation::url()>
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="back" value=back />
                    <button class="button button--small button--danger" type="submit">"Delete"</button>
                </form>
            </details>
        }
    });
    view! {
        <li class="annotation" data-annotation=id>
            <time datetime=at.to_rfc3339()>{local.format("%b %-d, %H:%M").to_string()}</time>
            <span class="annotation__text">{text.clone()}</span>
            <span class="annotation__scope">{service_name.unwrap_or_else(|| "All services".to_owned())}</span>
            {edit}
        </li>
    }
}
