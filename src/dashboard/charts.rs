//! SVG charts drawn on the server: stacked bars and lines over time. Each has a title, a text
//! description and a table view. Hovering a point shows its values, and the legend hides or
//! shows a series (the plot of the other one is drawn on its own scale), both in CSS
//! (`:hover`, a checkbox per series and `:has()`): they work before hydration and need no code
//! in the browser. Annotations are vertical marks whose text shows on hover or focus.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 76.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

#[derive(Clone, Copy, PartialEq)]
pub enum Shape {
    /// The second series stacked on the first, as bars.
    StackedBars,
    Lines,
}

pub struct Series {
    pub name: &'static str,
    /// CSS modifier giving the colour: `chart__series--{tone}`.
    pub tone: &'static str,
    pub values: Vec<Option<f64>>,
}

impl Series {
    fn value(&self, i: usize) -> Option<f64> {
        self.values.get(i).copied().flatten()
    }
}

/// An annotation on the time axis.
#[derive(Clone)]
pub struct Mark {
    /// Where it stands across the plot, from 0 (the first point's start) to 1 (the last's end).
    pub position: f64,
    /// When, as the view's clock reads it.
    pub when: String,
    pub text: String,
}

/// Where `at` stands across a plot whose points start at `starts` (one bucket each, the last
/// one ending at `end`), from 0 to 1; `None` outside.
pub fn position_of(starts: &[DateTime<Utc>], end: DateTime<Utc>, at: DateTime<Utc>) -> Option<f64> {
    let n = starts.len();
    if at < *starts.first()? || at > end {
        return None;
    }
    let i = starts.partition_point(|start| *start <= at) - 1;
    let next = starts.get(i + 1).copied().unwrap_or(end);
    let into = (at - starts[i]).num_milliseconds() as f64 / (next - starts[i]).num_milliseconds().max(1) as f64;
    Some((i as f64 + into) / n as f64)
}

/// Rounds a maximum up to 1, 2 or 5 times a power of ten, for the axis.
pub fn nice_ceiling(max: f64) -> f64 {
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

/// A chart of one series, or of two: then the legend's CSS picks one of three plots (both,
/// either alone).
#[component]
pub fn Chart(
    /// Unique on the page: it names the chart's title, description and toggles.
    id: String,
    title: String,
    /// The text alternative: what the chart shows in words.
    description: String,
    shape: Shape,
    labels: Vec<String>,
    series: Vec<Series>,
    /// Writes a value (axis labels, tooltip, table).
    format: fn(f64) -> String,
    /// Annotations within the period.
    marks: Vec<Mark>,
) -> impl IntoView {
    let n = labels.len().max(1);
    let text = |value: Option<f64>| value.map(format).unwrap_or_else(|| "–".into());
    let empty = series.iter().all(|s| s.values.iter().all(|v| v.unwrap_or(0.0) == 0.0));
    let step = labels.len().div_ceil(6).max(1);
    let x_labels = labels
        .iter()
        .enumerate()
        .step_by(step)
        .map(|(i, label)| {
            view! {
                <text class="chart__axis" x=x_center(i, n) y=HEIGHT - 8.0 text-anchor="middle">
                    {label.clone()}
                </text>
            }
        })
        .collect_view();
    // The plot three times, each on its own scale: both series, the first alone, the second
    // alone; the legend's checkboxes pick the one shown.
    let views: &[(&str, &[usize])] = match series.len() {
        2 => &[("both", &[0, 1]), ("s0", &[0]), ("s1", &[1])],
        _ => &[("both", &[0])],
    };
    let plots = views
        .iter()
        .map(|(name, shown)| {
            let shown: Vec<&Series> = shown.iter().filter_map(|&k| series.get(k)).collect();
            view! {
                <g class=format!("chart__view chart__view--{name}")>
                    {plot(shape, &shown, n, format, empty)}
                </g>
            }
        })
        .collect_view();
    // One column per point over the plot; hovering it shows the cursor and the point's values.
    // Hidden from screen readers, who have the table view.
    let points = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let side = match i * 4 / n {
                0 => " chart__point--start",
                3 => " chart__point--end",
                _ => "",
            };
            let rows = series
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    view! {
                        <span class=format!("chart__key chart__s{k} chart__series--{}", s.tone)>
                            {s.name} ": " {text(s.value(i))}
                        </span>
                    }
                })
                .collect_view();
            view! {
                <div class=format!("chart__point{side}")>
                    <div class="chart__tooltip">
                        <strong>{label.clone()}</strong>
                        {rows}
                    </div>
                </div>
            }
        })
        .collect_view();
    let points_place = format!(
        "top: {:.2}%; right: {:.2}%; bottom: {:.2}%; left: {:.2}%",
        TOP / HEIGHT * 100.0,
        RIGHT / WIDTH * 100.0,
        BOTTOM / HEIGHT * 100.0,
        LEFT / WIDTH * 100.0,
    );
    // One series alone has nothing to hide it for.
    let toggles = series.len() == 2;
    let legend = series
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let toggle = toggles.then(|| {
                view! { <input class="chart__toggle" type="checkbox" id=format!("{id}-series-{k}") data-series=k checked /> }
            });
            view! {
                <label class=format!("chart__legend-item chart__series--{}", s.tone)>
                    {toggle}
                    <span class="chart__swatch" aria-hidden="true"></span>
                    {s.name}
                </label>
            }
        })
        .collect_view();
    let table = view! {
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
                                {series.iter().map(|s| view! { <td>{text(s.value(i))}</td> }).collect_view()}
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    };
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let labelled_by = format!("{title_id} {desc_id}");
    view! {
        <figure class="chart" data-chart=id>
            <figcaption class="chart__header">
                <h2 class="chart__title" id=title_id>
                    {title}
                </h2>
                <div class="chart__legend" role="group" aria-label="Series shown">{legend}</div>
            </figcaption>
            <div class="chart__plot">
                <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby=labelled_by>
                    <desc id=desc_id>{description}</desc>
                    {x_labels}
                    {plots}
                    {empty
                        .then(|| {
                            view! {
                                <text class="chart__empty" x=WIDTH / 2.0 y=HEIGHT / 2.0 text-anchor="middle">
                                    "No data in this period"
                                </text>
                            }
                        })}
                </svg>
                <div class="chart__points" style=points_place.clone() aria-hidden="true">
                    {points}
                </div>
                {(!marks.is_empty()).then(|| view! {
                    <ul class="chart__marks" style=points_place aria-label="Annotations">
                        {marks.into_iter().map(|mark| view! {
                            <li
                                // Past the middle its text opens to the left, inside the chart.
                                class={if mark.position > 0.5 { "chart__mark chart__mark--end" } else { "chart__mark" }}
                                style=format!("left: {:.2}%", mark.position * 100.0)
                                tabindex="0"
                            >
                                <span class="chart__mark-text">
                                    <time>{mark.when}</time>
                                    {mark.text}
                                </span>
                            </li>
                        }).collect_view()}
                    </ul>
                })}
            </div>
            <details class="chart__table">
                <summary>"Table view"</summary>
                {table}
            </details>
        </figure>
    }
    .into_any()
}

/// The width given to each of `n` points.
fn band(n: usize) -> f64 {
    (WIDTH - LEFT - RIGHT) / n as f64
}

/// The middle of point `i` of `n`, where its label and line vertex sit.
fn x_center(i: usize, n: usize) -> f64 {
    LEFT + (i as f64 + 0.5) * band(n)
}

/// Grid, axis values and marks of some of a chart's series, scaled to their highest value.
fn plot(shape: Shape, shown: &[&Series], n: usize, format: fn(f64) -> String, empty: bool) -> impl IntoView + use<> {
    let band = band(n);
    let plot_height = HEIGHT - TOP - BOTTOM;
    let at = |s: &Series, i| s.value(i).unwrap_or(0.0);
    let max = (0..n)
        .map(|i| {
            let values = shown.iter().map(|s| at(s, i));
            match shape {
                Shape::StackedBars => values.sum::<f64>(),
                Shape::Lines => values.fold(0.0, f64::max),
            }
        })
        .fold(0.0, f64::max);
    let top = nice_ceiling(max);
    let y = |value: f64| TOP + plot_height * (1.0 - value / top);
    let grid = [0.0, 0.5, 1.0]
        .into_iter()
        .map(|f| {
            let value = top * f;
            view! {
                <line class="chart__grid" x1=LEFT x2=WIDTH - RIGHT y1=y(value) y2=y(value) />
                <text class="chart__axis" x=LEFT - 8.0 y=y(value) + 4.0 text-anchor="end">
                    {(!empty).then(|| format(value))}
                </text>
            }
        })
        .collect_view();
    let marks = match shape {
        Shape::StackedBars => (0..n)
            .flat_map(|i| {
                let mut base = 0.0;
                shown
                    .iter()
                    .map(|s| {
                        let value = at(s, i);
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
        Shape::Lines => shown
            .iter()
            .map(|s| {
                let mut path = String::new();
                let mut pen_down = false;
                for (i, value) in s.values.iter().enumerate() {
                    match value {
                        Some(v) => {
                            let command = if pen_down { 'L' } else { 'M' };
                            path.push_str(&format!("{command}{:.1},{:.1} ", x_center(i, n), y(*v)));
                            pen_down = true;
                        }
                        None => pen_down = false,
                    }
                }
                view! { <path class=format!("chart__line chart__series--{}", s.tone) d=path /> }
            })
            .collect_view()
            .into_any(),
    };
    view! {
        {grid}
        {marks}
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::{nice_ceiling, position_of};

    #[test]
    fn marks_stand_where_their_time_falls() {
        let start: DateTime<Utc> = "2026-11-16T00:00:00Z".parse().unwrap();
        let starts: Vec<_> = (0..4).map(|h| start + Duration::hours(h)).collect();
        let end = start + Duration::hours(4);
        assert_eq!(position_of(&starts, end, start), Some(0.0));
        assert_eq!(
            position_of(&starts, end, start + Duration::minutes(90)),
            Some(1.5 / 4.0)
        );
        assert_eq!(position_of(&starts, end, end), Some(1.0));
        assert_eq!(position_of(&starts, end, start - Duration::seconds(1)), None);
        assert_eq!(position_of(&starts, end, end + Duration::seconds(1)), None);
        // A last bucket cut short (the period ends at the end of the current hour, or a 23-hour day).
        let short = start + Duration::minutes(210);
        assert_eq!(
            position_of(&starts, short, start + Duration::minutes(195)),
            Some(3.5 / 4.0)
        );
        assert_eq!(position_of(&[], end, start), None);
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(12.0), 20.0);
        assert_eq!(nice_ceiling(480.0), 500.0);
        assert_eq!(nice_ceiling(5000.0), 5000.0);
    }
}
