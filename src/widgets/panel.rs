//! "Customise this view": the layout's widgets with their plain forms (title, width, up, down,
//! remove), the forms that add a widget or a custom metric, and "Reset to default". Dragging
//! the rows is the one thing that needs JavaScript, and the arrows do it without.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use uuid::Uuid;

use crate::analytics::Range;

use super::api::{AddMetric, AddWidget, EditWidget, ResetLayout};
use super::drag::{LIST_ID, WidgetOrder};
use super::{By, ChartKind, Display, FORM, Figure, Kind, Layout, MAX_TITLE_CHARS, Place, Widget, catalogue};
use crate::ui::form::{use_field_value, use_form_answer, use_query_value};

/// What a widget is, in a few words.
pub fn describe(kind: &Kind) -> String {
    match kind {
        Kind::Metric {
            figure,
            services,
            display,
        } => {
            let shown = match display {
                Display::Number => "number",
                Display::Line => "line",
                Display::Bar => "bars",
            };
            let of = match services.len() {
                0 => String::new(),
                1 => " · 1 service".into(),
                n => format!(" · {n} services"),
            };
            format!("Metric: {} as a {shown}{of}", figure.label())
        }
        Kind::Chart {
            chart: ChartKind::Requests,
        } => "Chart: requests".into(),
        Kind::Chart {
            chart: ChartKind::Latency,
        } => "Chart: latency".into(),
        Kind::Breakdown { by } => match by {
            By::Services => "Table: usage by service",
            By::Models => "Table: models",
            By::Errors => "Table: errors by kind",
            By::EndUsersByRequests => "Table: top end users by requests",
            By::EndUsersByCost => "Table: top end users by cost",
        }
        .into(),
        Kind::Activity => "List: recent activity".into(),
        Kind::Alerts => "List: alerts".into(),
    }
}

/// A refused custom metric's choice, shown again; `default` otherwise.
fn kept(name: &'static str, default: &str) -> String {
    use_field_value(name, default.to_owned()).get_untracked()
}

fn size_options(selected: u8) -> impl IntoView {
    (1..=4u8)
        .map(|n| {
            let text = if n == 1 {
                "1 column".to_owned()
            } else {
                format!("{n} columns")
            };
            view! { <option value=n.to_string() selected=n == selected>{text}</option> }
        })
        .collect_view()
}

/// A widget's period: the view's (empty), or a preset of its own.
fn period_options(selected: Option<Range>) -> impl IntoView {
    let own = Range::ALL.into_iter().filter(|r| r.length().is_some()).map(|r| {
        view! { <option value=r.as_str() selected=selected == Some(r)>{r.label()}</option> }
    });
    view! {
        <option value="" selected=selected.is_none()>"The view's period"</option>
        {own.collect_view()}
    }
}

/// The hidden fields every form of the panel sends: the view, and where to come back to.
fn view_fields(service: Option<Uuid>, back: &str) -> impl IntoView + use<> {
    view! {
        <input type="hidden" name="service" value=service.map(|id| id.to_string()).unwrap_or_default() />
        <input type="hidden" name="back" value=back.to_owned() />
    }
}

#[component]
pub fn CustomisePanel(
    layout: Layout,
    place: Place,
    /// The services a custom metric may add up (the dashboard's).
    services: Vec<(Uuid, String)>,
    /// The view's path and query, where every form comes back to.
    back: String,
) -> impl IntoView {
    let (error, _) = use_form_answer(FORM);
    let answered = use_query_value("form");
    let service = match place {
        Place::Dashboard => None,
        Place::Service(id, _) => Some(id),
    };
    let message = move || error.get().map(|e| e.to_string());
    let count = layout.widgets.len();
    let rows = layout
        .widgets
        .into_iter()
        .enumerate()
        .map(|(i, widget)| view! { <WidgetRow i last=i + 1 == count widget service back=back.clone() /> })
        .collect_view();
    let picks = catalogue(place)
        .into_iter()
        .enumerate()
        .map(|(i, w)| view! { <option value=i.to_string()>{format!("{} ({})", w.title, describe(&w.kind))}</option> })
        .collect_view();
    let figure = kept("figure", Figure::Requests.name());
    let figures = Figure::ALL
        .into_iter()
        .map(|f| view! { <option value=f.name() selected=figure == f.name()>{f.label()}</option> })
        .collect_view();
    let display = kept("display", Display::Number.name());
    let displays = [
        (Display::Number, "a number"),
        (Display::Line, "a line"),
        (Display::Bar, "bars"),
    ]
    .map(|(d, text)| view! { <option value=d.name() selected=display == d.name()>{text}</option> });
    let size = kept("size", "1").parse().unwrap_or(1);
    let range = Range::parse(&kept("range", ""));
    let title = use_field_value("title", String::new());
    // On a service's page a metric shows that service: there is nothing to choose.
    let choices = (service.is_none() && !services.is_empty()).then(|| {
        let boxes = services
            .into_iter()
            .enumerate()
            .map(|(k, (id, name))| {
                view! {
                    <label class="customise__service">
                        <input type="checkbox" name=format!("services[{k}]") value=id.to_string() />
                        {name}
                    </label>
                }
            })
            .collect_view();
        view! {
            <fieldset class="customise__services">
                <legend>"Services (none ticked: all)"</legend>
                {boxes}
            </fieldset>
        }
    });
    view! {
        <details class="customise card" id="customise" open=move || answered.read().as_str() == FORM>
            <summary class="customise__summary">"Customise this view"</summary>
            <p class="panel__lead">
                "Each widget is 1 to 4 columns wide. Drag a row to move it, or use its arrows."
            </p>
            <p class="form-alert" role="alert" hidden=move || error.read().is_none()>
                {message}
            </p>
            <ol class="customise__list" id=LIST_ID>
                {rows}
            </ol>
            <WidgetOrder service />
            <div class="customise__add">
                <form method="post" action=AddWidget::url() class="form form--inline">
                    {view_fields(service, &back)}
                    <div class="field">
                        <label for="customise-pick">"Add a widget"</label>
                        <select id="customise-pick" name="pick">{picks}</select>
                    </div>
                    <button class="button" type="submit">"Add"</button>
                </form>
                <form method="post" action=AddMetric::url() class="form form--inline customise__metric">
                    {view_fields(service, &back)}
                    <div class="field">
                        <label for="customise-title">"Custom metric"</label>
                        <input
                            id="customise-title"
                            name="title"
                            value=move || title.get()
                            maxlength=MAX_TITLE_CHARS
                            placeholder="Title"
                            required
                        />
                    </div>
                    <div class="field">
                        <label for="customise-figure">"Figure"</label>
                        <select id="customise-figure" name="figure">{figures}</select>
                    </div>
                    <div class="field">
                        <label for="customise-display">"Shown as"</label>
                        <select id="customise-display" name="display">{displays}</select>
                    </div>
                    <div class="field">
                        <label for="customise-size">"Width"</label>
                        <select id="customise-size" name="size">{size_options(size)}</select>
                    </div>
                    <div class="field">
                        <label for="customise-range">"Period"</label>
                        <select id="customise-range" name="range">{period_options(range)}</select>
                    </div>
                    {choices}
                    <button class="button" type="submit">"Add metric"</button>
                </form>
                <form method="post" action=ResetLayout::url()>
                    {view_fields(service, &back)}
                    <button class="button button--danger" type="submit">"Reset to default"</button>
                </form>
            </div>
        </details>
    }
}

/// One widget of the layout: its title and width, moved up or down, removed.
#[component]
fn WidgetRow(i: usize, last: bool, widget: Widget, service: Option<Uuid>, back: String) -> impl IntoView {
    let field = |name: &str| format!("widget-{i}-{name}");
    let Widget {
        title,
        size,
        range,
        kind,
    } = widget;
    let name = title.clone();
    let period = kind.has_period().then(|| {
        view! {
            <div class="field">
                <label for=field("range")>"Period"</label>
                <select id=field("range") name="range">{period_options(range)}</select>
            </div>
        }
    });
    view! {
        <li class="customise__item" data-index=i>
            <form method="post" action=EditWidget::url() class="customise__form">
                {view_fields(service, &back)}
                <input type="hidden" name="index" value=i.to_string() />
                <input type="hidden" name="was" value=title.clone() />
                <span class="customise__handle" aria-hidden="true">"⠿"</span>
                <div class="field">
                    <label for=field("title")>"Title"</label>
                    <input id=field("title") name="title" value=title maxlength=MAX_TITLE_CHARS required />
                </div>
                <div class="field">
                    <label for=field("size")>"Width"</label>
                    <select id=field("size") name="size">{size_options(size)}</select>
                </div>
                {period}
                <span class="customise__type">{describe(&kind)}</span>
                <div class="customise__actions">
                    <button class="button button--small" type="submit" name="action" value="save">"Save"</button>
                    <button
                        class="button button--small"
                        type="submit"
                        name="action"
                        value="up"
                        disabled=i == 0
                        aria-label=format!("Move {name} up")
                    >
                        "↑"
                    </button>
                    <button
                        class="button button--small"
                        type="submit"
                        name="action"
                        value="down"
                        disabled=last
                        aria-label=format!("Move {name} down")
                    >
                        "↓"
                    </button>
                    <button
                        class="button button--small button--danger"
                        type="submit"
                        name="action"
                        value="remove"
                        aria-label=format!("Remove {name}")
                    >
                        "Remove"
                    </button>
                </div>
            </form>
        </li>
    }
}
