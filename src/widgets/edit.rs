//! The changes a client makes to a layout, one at a time: each form of the customise panel
//! (and the drag-and-drop island's new order) is one [`Edit`].

use super::{Layout, MAX_WIDGETS, Widget, clean_title};
use crate::analytics::Range;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    Up(usize),
    Down(usize),
    Remove(usize),
    /// A new title, size and period (none: the view's).
    Change(usize, String, u8, Option<Range>),
    Add(Widget),
    /// Every widget at once, in a new order: the old positions, listed as they now stand.
    Order(Vec<usize>),
}

impl Edit {
    /// The one widget the edit is made to, if it is made to one.
    pub fn index(&self) -> Option<usize> {
        match self {
            Self::Up(i) | Self::Down(i) | Self::Remove(i) | Self::Change(i, ..) => Some(*i),
            Self::Add(_) | Self::Order(_) => None,
        }
    }
}

pub fn missing() -> AppError {
    AppError::field(
        "layout",
        "That widget is no longer there: the layout changed since this page was shown.",
    )
}

/// `layout` with `edit` made, or why it cannot be.
pub fn apply(mut layout: Layout, edit: Edit) -> Result<Layout, AppError> {
    let n = layout.widgets.len();
    let check = |i: usize| if i < n { Ok(i) } else { Err(missing()) };
    let widgets = &mut layout.widgets;
    match edit {
        // At the top (or the bottom) already, a move leaves the layout as it is.
        Edit::Up(i) => {
            let i = check(i)?;
            if i > 0 {
                widgets.swap(i, i - 1);
            }
        }
        Edit::Down(i) => {
            let i = check(i)?;
            if i + 1 < n {
                widgets.swap(i, i + 1);
            }
        }
        Edit::Remove(i) => {
            widgets.remove(check(i)?);
        }
        Edit::Change(i, title, size, range) => {
            let i = check(i)?;
            if !(1..=4).contains(&size) {
                return Err(AppError::field("size", "A widget is 1, 2, 3 or 4 columns wide."));
            }
            widgets[i].title = clean_title(&title)?;
            widgets[i].size = size;
            widgets[i].range = range;
        }
        Edit::Add(widget) => {
            if n >= MAX_WIDGETS {
                return Err(AppError::field(
                    "layout",
                    format!("A layout holds at most {MAX_WIDGETS} widgets: remove one first."),
                ));
            }
            widgets.push(widget);
        }
        Edit::Order(order) => {
            let mut sorted = order.clone();
            sorted.sort_unstable();
            if sorted != (0..n).collect::<Vec<_>>() {
                return Err(missing());
            }
            let old = std::mem::take(widgets);
            let mut old: Vec<Option<Widget>> = old.into_iter().map(Some).collect();
            *widgets = order.into_iter().filter_map(|i| old[i].take()).collect();
        }
    }
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::{Kind, Place, VERSION, default_layout};

    fn titles(layout: &Layout) -> Vec<&str> {
        layout.widgets.iter().map(|w| w.title.as_str()).collect()
    }

    fn three() -> Layout {
        let widget = |title: &str| Widget {
            title: title.into(),
            size: 4,
            range: None,
            kind: Kind::Alerts,
        };
        Layout {
            version: VERSION,
            widgets: vec![widget("a"), widget("b"), widget("c")],
        }
    }

    #[test]
    fn widgets_move_go_resize_and_rename() {
        assert_eq!(titles(&apply(three(), Edit::Up(1)).unwrap()), ["b", "a", "c"]);
        assert_eq!(titles(&apply(three(), Edit::Up(0)).unwrap()), ["a", "b", "c"]);
        assert_eq!(titles(&apply(three(), Edit::Down(1)).unwrap()), ["a", "c", "b"]);
        assert_eq!(titles(&apply(three(), Edit::Down(2)).unwrap()), ["a", "b", "c"]);
        assert_eq!(titles(&apply(three(), Edit::Remove(0)).unwrap()), ["b", "c"]);
        let changed = apply(
            three(),
            Edit::Change(0, "  Spend  ".into(), 1, Some(Range::Last24Hours)),
        )
        .unwrap();
        assert_eq!(titles(&changed), ["Spend", "b", "c"]);
        assert_eq!(changed.widgets[0].size, 1);
        assert_eq!(changed.widgets[0].range, Some(Range::Last24Hours));
        assert_eq!(
            titles(&apply(three(), Edit::Order(vec![2, 0, 1])).unwrap()),
            ["c", "a", "b"]
        );
    }

    #[test]
    fn impossible_edits_are_refused() {
        for edit in [
            Edit::Up(3),
            Edit::Remove(7),
            Edit::Order(vec![0, 0, 1]),
            Edit::Order(vec![0, 1]),
        ] {
            let error = apply(three(), edit).unwrap_err();
            assert!(error.field_message("layout").unwrap().contains("no longer there"));
        }
        let error = apply(three(), Edit::Change(0, "a".into(), 5, None)).unwrap_err();
        assert_eq!(
            error.field_message("size").unwrap(),
            "A widget is 1, 2, 3 or 4 columns wide."
        );
        assert!(apply(three(), Edit::Change(0, String::new(), 1, None)).is_err());
        let mut full = default_layout(Place::Dashboard);
        while full.widgets.len() < MAX_WIDGETS {
            full.widgets.push(full.widgets[0].clone());
        }
        let extra = full.widgets[0].clone();
        assert!(apply(full, Edit::Add(extra)).is_err());
    }
}
