//! SVG charts drawn on the server: stacked bars and lines over time. Each has a title, a text
//! description and a table view; once hydrated, hovering shows a point's values and the legend
//! hides or shows a series (remembered while the page stays open, live updates included).

use leptos::prelude::*;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 76.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

#[derive(Clone, Copy, PartialEq)]
pub enum Shape {
    /// Series stacked as bars, bottom first.
    StackedBars,
    Lines,
}

#[derive(Clone)]
pub struct Series {
    pub name: &'static str,
    /// CSS modifier giving the colour: `chart__series--{tone}`.
    pub tone: &'static str,
    pub values: Vec<Option<f64>>,
}

/// The series hidden through a legend, shared by the charts of a page.
#[derive(Clone, Copy)]
pub struct Hidden(RwSignal<Vec<String>>);

impl Hidden {
    pub fn provide() {
        provide_context(Self(RwSignal::new(Vec::new())));
    }
}

/// Rounds a maximum up to 1, 2 or 5 times a power of ten, for the axis.
fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|&top| top >= max)
        .unwrap_or(10.0 * power)
}

#[component]
pub fn Chart(
    title: &'static str,
    /// The text alternative: what the chart shows in words.
    description: String,
    shape: Shape,
    labels: Vec<String>,
    series: Vec<Series>,
    /// Writes a value (axis labels, tooltip, table).
    format: fn(f64) -> String,
) -> impl IntoView {
    let id = title.to_lowercase().replace(' ', "-");
    let hidden = use_context::<Hidden>()
        .unwrap_or_else(|| Hidden(RwSignal::new(Vec::new())))
        .0;
    let key = move |name: &str| format!("{title}/{name}");
    let shown = move |name: &str| !hidden.with(|h| h.contains(&key(name)));
    let hovered = RwSignal::new(None::<usize>);
    let data = StoredValue::new((labels, series));
    let n = data.with_value(|(labels, _)| labels.len().max(1));
    let band = (WIDTH - LEFT - RIGHT) / n as f64;
    let plot_height = HEIGHT - TOP - BOTTOM;

    let top = Memo::new(move |_| {
        data.with_value(|(_, series)| {
            let visible: Vec<&Series> = series.iter().filter(|s| shown(s.name)).collect();
            let max = (0..n)
                .map(|i| {
                    let values = visible
                        .iter()
                        .map(|s| s.values.get(i).copied().flatten().unwrap_or(0.0));
                    match shape {
                        Shape::StackedBars => values.sum::<f64>(),
                        Shape::Lines => values.fold(0.0, f64::max),
                    }
                })
                .fold(0.0, f64::max);
            nice_ceiling(max)
        })
    });
    let empty = data.with_value(|(_, series)| series.iter().all(|s| s.values.iter().all(|v| v.unwrap_or(0.0) == 0.0)));
    let y = move |value: f64| TOP + plot_height * (1.0 - value / top.get());
    let x_center = move |i: usize| LEFT + (i as f64 + 0.5) * band;

    let grid = move || {
        [0.0, 0.5, 1.0]
            .into_iter()
            .map(|f| {
                let value = top.get() * f;
                view! {
                    <line class="chart__grid" x1=LEFT x2=WIDTH - RIGHT y1=y(value) y2=y(value) />
                    <text class="chart__axis" x=LEFT - 8.0 y=y(value) + 4.0 text-anchor="end">
                        {(!empty).then(|| format(value))}
                    </text>
                }
            })
            .collect_view()
    };
    let x_labels = data.with_value(|(labels, _)| {
        let step = labels.len().div_ceil(6).max(1);
        labels
            .iter()
            .enumerate()
            .step_by(step)
            .map(|(i, label)| {
                view! {
                    <text class="chart__axis" x=x_center(i) y=HEIGHT - 8.0 text-anchor="middle">
                        {label.clone()}
                    </text>
                }
            })
            .collect_view()
    });
    let marks = move || {
        data.with_value(|(_, series)| {
            let visible: Vec<&Series> = series.iter().filter(|s| shown(s.name)).collect();
            match shape {
                Shape::StackedBars => (0..n)
                    .flat_map(|i| {
                        let mut base = 0.0;
                        visible
                            .iter()
                            .map(|s| {
                                let value = s.values.get(i).copied().flatten().unwrap_or(0.0);
                                let (y0, y1) = (y(base), y(base + value));
                                base += value;
                                view! {
                                    <rect
                                        class=format!("chart__bar chart__series--{}", s.tone)
                                        x=LEFT + i as f64 * band + band * 0.15
                                        width=band * 0.7
                                        y=y1
                                        height=(y0 - y1).max(0.0)
                                    />
                                }
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect_view()
                    .into_any(),
                Shape::Lines => visible
                    .iter()
                    .map(|s| {
                        let mut path = String::new();
                        let mut pen_down = false;
                        for (i, value) in s.values.iter().enumerate() {
                            match value {
                                Some(v) => {
                                    let command = if pen_down { 'L' } else { 'M' };
                                    path.push_str(&format!("{command}{:.1},{:.1} ", x_center(i), y(*v)));
                                    pen_down = true;
                                }
                                None => pen_down = false,
                            }
                        }
                        view! { <path class=format!("chart__line chart__series--{}", s.tone) d=path /> }
                    })
                    .collect_view()
                    .into_any(),
            }
        })
    };
    // One invisible column per point catches the hover; its <title> is the tooltip before
    // hydration (and without JavaScript).
    let hover_targets = data.with_value(|(labels, series)| {
        labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let text = point_text(label, series, i, format);
                view! {
                    <rect
                        class="chart__hit"
                        x=LEFT + i as f64 * band
                        y=TOP
                        width=band
                        height=plot_height
                        on:mouseenter=move |_| hovered.set(Some(i))
                    >
                        <title>{text}</title>
                    </rect>
                }
            })
            .collect_view()
    });
    let cursor = move || {
        hovered.get().map(|i| {
            view! { <line class="chart__cursor" x1=x_center(i) x2=x_center(i) y1=TOP y2=TOP + plot_height /> }
        })
    };
    let tooltip = move || {
        hovered.get().map(|i| {
            let left = x_center(i) / WIDTH * 100.0;
            let (label, rows) = data.with_value(|(labels, series)| {
                let rows = series
                    .iter()
                    .filter(|s| shown(s.name))
                    .map(|s| {
                        let value = s.values.get(i).copied().flatten();
                        (s.name, s.tone, value.map(format).unwrap_or_else(|| "–".into()))
                    })
                    .collect::<Vec<_>>();
                (labels.get(i).cloned().unwrap_or_default(), rows)
            });
            view! {
                <div class="chart__tooltip" style=format!("left: {left:.1}%")>
                    <strong>{label}</strong>
                    {rows
                        .into_iter()
                        .map(|(name, tone, value)| {
                            view! {
                                <span class=format!("chart__key chart__series--{tone}")>{name} ": " {value}</span>
                            }
                        })
                        .collect_view()}
                </div>
            }
        })
    };
    let legend = data.with_value(|(_, series)| {
        series
            .iter()
            .map(|s| {
                let name = s.name;
                let toggle = move |_| {
                    let key = key(name);
                    hidden.update(|h| match h.iter().position(|k| *k == key) {
                        Some(at) => {
                            h.remove(at);
                        }
                        None => h.push(key),
                    })
                };
                view! {
                    <button
                        type="button"
                        class=format!("chart__legend-item chart__series--{}", s.tone)
                        aria-pressed=move || shown(name).to_string()
                        on:click=toggle
                    >
                        <span class="chart__swatch" aria-hidden="true"></span>
                        {name}
                    </button>
                }
            })
            .collect_view()
    });
    let table = data.with_value(|(labels, series)| {
        view! {
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Period"</th>
                        {series.iter().map(|s| view! { <th scope="col">{s.name}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {labels
                        .iter()
                        .enumerate()
                        .map(|(i, label)| {
                            view! {
                                <tr>
                                    <th scope="row">{label.clone()}</th>
                                    {series
                                        .iter()
                                        .map(|s| {
                                            let value = s.values.get(i).copied().flatten();
                                            view! { <td>{value.map(format).unwrap_or_else(|| "–".into())}</td> }
                                        })
                                        .collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
    });
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let labelled_by = format!("{title_id} {desc_id}");
    view! {
        <figure class="chart" data-chart=id.clone()>
            <figcaption class="chart__header">
                <h2 class="chart__title" id=title_id.clone()>
                    {title}
                </h2>
                <div class="chart__legend">{legend}</div>
            </figcaption>
            <div class="chart__plot">
                <svg
                    viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                    role="img"
                    aria-labelledby=labelled_by
                    on:mouseleave=move |_| hovered.set(None)
                >
                    <desc id=desc_id>{description}</desc>
                    {grid}
                    {x_labels}
                    {marks}
                    {cursor}
                    {hover_targets}
                    {empty
                        .then(|| {
                            view! {
                                <text class="chart__empty" x=WIDTH / 2.0 y=HEIGHT / 2.0 text-anchor="middle">
                                    "No data in this period"
                                </text>
                            }
                        })}
                </svg>
                {tooltip}
            </div>
            <details class="chart__table">
                <summary>"Table view"</summary>
                {table}
            </details>
        </figure>
    }
    .into_any()
}

fn point_text(label: &str, series: &[Series], i: usize, format: fn(f64) -> String) -> String {
    let values = series
        .iter()
        .map(|s| {
            let value = s.values.get(i).copied().flatten();
            format!("{}: {}", s.name, value.map(format).unwrap_or_else(|| "–".into()))
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("{label} — {values}")
}

#[cfg(test)]
mod tests {
    use super::nice_ceiling;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(12.0), 20.0);
        assert_eq!(nice_ceiling(480.0), 500.0);
        assert_eq!(nice_ceiling(5000.0), 5000.0);
    }
}
