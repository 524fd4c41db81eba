//! The one island of the customise panel: drag a widget's row to a new place in the list and
//! the new order is saved, then the page reloads with it. Without JavaScript (and from the
//! keyboard) the rows' up and down buttons do the same.

use leptos::prelude::*;
use uuid::Uuid;

/// The id of the list of rows the panel renders (on the server, outside the island).
pub const LIST_ID: &str = "customise-list";

/// Placed after the list: when it hydrates it makes the list's rows draggable, and it shows why
/// a new order was refused.
#[island]
pub fn WidgetOrder(
    /// The view: none for the dashboard.
    service: Option<Uuid>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    dragging::enable(service, error);
    #[cfg(not(feature = "hydrate"))]
    let _ = service;
    view! {
        <p class="form-alert" role="alert" hidden=move || error.read().is_none()>
            {move || error.get()}
        </p>
    }
}

#[cfg(feature = "hydrate")]
mod dragging {
    use std::cell::RefCell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use uuid::Uuid;
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{DragEvent, Element, HtmlElement, HtmlInputElement};

    use super::LIST_ID;
    use crate::widgets::api::reorder_widgets;

    const ITEM: &str = "li[data-index]";

    /// The row an event happened in.
    fn row(event: &DragEvent) -> Option<Element> {
        event.target()?.dyn_into::<Element>().ok()?.closest(ITEM).ok()?
    }

    /// Every element of the list that `selector` picks, in the order they stand.
    fn all<T: JsCast>(list: &Element, selector: &str) -> Vec<T> {
        let Ok(nodes) = list.query_selector_all(selector) else {
            return Vec::new();
        };
        (0..nodes.length())
            .filter_map(|i| nodes.item(i)?.dyn_into::<T>().ok())
            .collect()
    }

    /// The rows' old positions in the order they now stand.
    fn order(list: &Element) -> Vec<String> {
        all::<Element>(list, ITEM)
            .iter()
            .filter_map(|row| row.get_attribute("data-index"))
            .collect()
    }

    fn listen(list: &Element, name: &str, handler: impl FnMut(DragEvent) + 'static) {
        let handler = Closure::<dyn FnMut(DragEvent)>::new(handler);
        let _ = list.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
        // The list lives as long as the page: so does its listener.
        handler.forget();
    }

    /// The list is server HTML, whole when the island hydrates.
    pub fn enable(service: Option<Uuid>, error: RwSignal<Option<String>>) {
        let Some(list) = document().get_element_by_id(LIST_ID) else {
            return;
        };
        // Dragged by their handles: the title fields stay selectable with the mouse.
        for handle in all::<HtmlElement>(&list, ".customise__handle") {
            handle.set_draggable(true);
        }
        let _ = list.set_attribute("data-draggable", "");
        // The titles as the page shows them: the server refuses the new order if the layout
        // changed since.
        let was: Vec<String> = all::<HtmlInputElement>(&list, "input[name=was]")
            .iter()
            .map(HtmlInputElement::value)
            .collect();
        let dragged = Rc::new(RefCell::new(None::<Element>));
        let start = dragged.clone();
        listen(&list, "dragstart", move |event| {
            let Some(row) = row(&event) else { return };
            if let Some(transfer) = event.data_transfer() {
                transfer.set_effect_allowed("move");
                let _ = transfer.set_data("text/plain", &row.get_attribute("data-index").unwrap_or_default());
            }
            let _ = row.class_list().add_1("customise__item--dragged");
            start.replace(Some(row));
        });
        let over = dragged.clone();
        listen(&list, "dragover", move |event| {
            let (Some(target), Some(moving)) = (row(&event), over.borrow().clone()) else {
                return;
            };
            event.prevent_default();
            if target == moving {
                return;
            }
            let rect = target.get_bounding_client_rect();
            let after = f64::from(event.client_y()) > rect.top() + rect.height() / 2.0;
            let _ = match after {
                true => target.after_with_node_1(&moving),
                false => target.before_with_node_1(&moving),
            };
        });
        listen(&list, "drop", |event| event.prevent_default());
        // The end of every drag, dropped or not: the order the rows now stand in is saved.
        let saved = order(&list);
        let end_list = list.clone();
        listen(&list, "dragend", move |_| {
            if let Some(moving) = dragged.take() {
                let _ = moving.class_list().remove_1("customise__item--dragged");
            }
            let now = order(&end_list);
            if now == saved {
                return;
            }
            let service = service.map(|id| id.to_string()).unwrap_or_default();
            let was = was.clone();
            leptos::task::spawn_local(async move {
                match reorder_widgets(service, now.join(","), was).await {
                    Ok(()) => {
                        let _ = window().location().reload();
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        });
    }
}
