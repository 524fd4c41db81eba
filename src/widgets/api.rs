//! Server functions of the customise panel: each is a plain form that comes back to the view it
//! was posted from, and `reorder_widgets`, which the drag-and-drop island calls.

// A server function takes one argument per form field, and its browser side is generated.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::error::AppError;

/// The view a form belongs to: the dashboard (empty) or a service's page.
#[cfg(feature = "ssr")]
fn view_service(service: &str) -> Result<Option<uuid::Uuid>, AppError> {
    match service.trim() {
        "" => Ok(None),
        id => id.parse().map(Some).map_err(|_| AppError::NotFound),
    }
}

/// Makes `edit` to the caller's layout of the view, and answers the plain form: back to the
/// panel on the view's page, with the error when it was refused.
#[cfg(feature = "ssr")]
async fn answer(
    service: &str,
    back: &str,
    keep: &[(&str, &str)],
    edit: impl AsyncFnOnce(&crate::auth::guard::Caller, Option<uuid::Uuid>) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let page = crate::auth::safe_next(Some(back));
    let result = async {
        let caller = crate::auth::guard::require_user().await?;
        let service = view_service(service)?;
        edit(&caller, service).await
    }
    .await;
    // Back to the panel either way, open (`?form=`): the next change is likely to follow.
    let panel = format!("{}#customise", crate::ui::form::naming_form(&page, super::FORM));
    crate::ui::form::answer_form_post(result, &panel, keep, |_| panel.clone())
}

/// The position of the widget a form edits.
#[cfg(feature = "ssr")]
fn target(index: &str) -> Result<usize, AppError> {
    index.parse().map_err(|_| AppError::field("layout", "No such widget."))
}

/// A widget's period as a form names it: empty for the view's, or a preset.
#[cfg(feature = "ssr")]
fn own_range(range: &str) -> Result<Option<crate::analytics::Range>, AppError> {
    use crate::analytics::Range;
    match range {
        "" => Ok(None),
        name => Range::parse(name)
            .filter(|r| r.length().is_some())
            .map(Some)
            .ok_or_else(|| AppError::field("range", "A widget's period is the view's, 24h, 7d, 30d or 90d.")),
    }
}

/// Adds `widget` at the end of the caller's layout of the view.
#[cfg(feature = "ssr")]
async fn add(
    caller: &crate::auth::guard::Caller,
    conn: &mut diesel_async::AsyncPgConnection,
    service: Option<uuid::Uuid>,
    widget: super::Widget,
) -> Result<(), AppError> {
    let now = caller.state.clock.now();
    let edit = super::edit::Edit::Add(widget);
    super::backend::edit(conn, &caller.auth, service, super::backend::Shown::Nothing, edit, now).await
}

/// Saves a widget's title, size and period, or moves it up or down, or removes it (`action`:
/// save, up, down, remove).
#[server(prefix = "/api/fn", endpoint = "edit_widget")]
pub async fn edit_widget(
    service: String,
    index: String,
    was: String,
    action: String,
    title: String,
    size: String,
    /// Only widgets with a period send one.
    #[server(default)]
    range: String,
    back: String,
) -> Result<(), AppError> {
    use super::edit::Edit;
    answer(&service, &back, &[], async |caller, service| {
        let i = target(&index)?;
        let edit = match action.as_str() {
            "up" => Edit::Up(i),
            "down" => Edit::Down(i),
            "remove" => Edit::Remove(i),
            "save" => {
                let size = size
                    .parse()
                    .map_err(|_| AppError::field("size", "A widget is 1, 2, 3 or 4 columns wide."))?;
                Edit::Change(i, title.clone(), size, own_range(&range)?)
            }
            _ => return Err(AppError::field("layout", "Unknown change.")),
        };
        let mut conn = caller.state.conn().await?;
        let now = caller.state.clock.now();
        let shown = super::backend::Shown::Widget(&was);
        super::backend::edit(&mut conn, &caller.auth, service, shown, edit, now).await
    })
    .await
}

/// Adds one of the registry's widgets (`pick`: its position in the "Add a widget" list).
#[server(prefix = "/api/fn", endpoint = "add_widget")]
pub async fn add_widget(service: String, pick: String, back: String) -> Result<(), AppError> {
    answer(&service, &back, &[], async |caller, service| {
        let mut conn = caller.state.conn().await?;
        let place = super::backend::place(&mut conn, &caller.auth, service).await?;
        let widget = pick
            .parse::<usize>()
            .ok()
            .and_then(|i| super::catalogue(place).into_iter().nth(i))
            .ok_or_else(|| AppError::field("pick", "Choose a widget to add."))?;
        add(caller, &mut conn, service, widget).await
    })
    .await
}

/// Adds a custom metric: any figure, of every service in view or of some, as a number, a line
/// or bars. `services` holds the ticked services' ids.
#[server(prefix = "/api/fn", endpoint = "add_metric")]
pub async fn add_metric(
    service: String,
    title: String,
    figure: String,
    display: String,
    size: String,
    #[server(default)] range: String,
    #[server(default)] services: Vec<String>,
    back: String,
) -> Result<(), AppError> {
    use super::{Display, Figure, Kind, Widget, clean_title};
    let keep = [
        ("title", title.as_str()),
        ("figure", figure.as_str()),
        ("display", display.as_str()),
        ("size", size.as_str()),
        ("range", range.as_str()),
    ];
    answer(&service, &back, &keep, async |caller, service| {
        let title = clean_title(&title)?;
        let figure = Figure::from_name(&figure).ok_or_else(|| AppError::field("figure", "Choose a figure."))?;
        let display = Display::ALL
            .into_iter()
            .find(|d| d.name() == display)
            .ok_or_else(|| AppError::field("display", "Choose a number, a line or bars."))?;
        let size = size
            .parse()
            .map_err(|_| AppError::field("size", "A widget is 1, 2, 3 or 4 columns wide."))?;
        let services = services
            .iter()
            .map(|id| {
                id.parse()
                    .map_err(|_| AppError::field("services", "No such service of yours."))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let widget = Widget {
            title,
            size,
            range: own_range(&range)?,
            kind: Kind::Metric {
                figure,
                services,
                display,
            },
        };
        let mut conn = caller.state.conn().await?;
        add(caller, &mut conn, service, widget).await
    })
    .await
}

/// Brings the view back to its default layout.
#[server(prefix = "/api/fn", endpoint = "reset_layout")]
pub async fn reset_layout(service: String, back: String) -> Result<(), AppError> {
    answer(&service, &back, &[], async |caller, service| {
        super::backend::reset(&mut *caller.state.conn().await?, &caller.auth, service).await
    })
    .await
}

/// Puts the widgets in a new order: their old positions as they now stand, comma-separated
/// ("2,0,1"); `was`: their titles in the old order, as the page showed them. Called by the
/// drag-and-drop island.
#[server(prefix = "/api/fn", endpoint = "reorder_widgets")]
pub async fn reorder_widgets(
    service: String,
    order: String,
    #[server(default)] was: Vec<String>,
) -> Result<(), AppError> {
    let caller = crate::auth::guard::require_user().await?;
    let service = view_service(&service)?;
    let order = order
        .split(',')
        .map(|i| i.trim().parse())
        .collect::<Result<Vec<usize>, _>>()
        .map_err(|_| AppError::field("layout", "The new order names no widgets."))?;
    let mut conn = caller.state.conn().await?;
    let now = caller.state.clock.now();
    let edit = super::edit::Edit::Order(order);
    let shown = super::backend::Shown::Titles(&was);
    super::backend::edit(&mut conn, &caller.auth, service, shown, edit, now).await
}
