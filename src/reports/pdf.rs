//! A4 pages drawn with krilla. A report is laid out first as a list of shapes per page (text in
//! DejaVu Sans, lines, rectangles, polylines), then written: layout can open a new page
//! whenever the next block does not fit, and every page gets its footer once the count is known.

use std::sync::LazyLock;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use crate::error::AppError;

pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;
pub const MARGIN: f32 = 48.0;
/// The width between the margins.
pub const CONTENT: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Room kept at the bottom of every page for its footer.
const FOOTER: f32 = 28.0;

#[derive(Clone, Copy, PartialEq)]
pub struct Rgb(pub u8, pub u8, pub u8);

pub const INK: Rgb = Rgb(0x1d, 0x1d, 0x2b);
pub const MUTED: Rgb = Rgb(0x6b, 0x6b, 0x80);
pub const RULE: Rgb = Rgb(0xd9, 0xd9, 0xe3);
pub const PANEL: Rgb = Rgb(0xf4, 0xf4, 0xf8);
pub const SUCCESS: Rgb = Rgb(0x10, 0x9e, 0x6e);
pub const DANGER: Rgb = Rgb(0xdc, 0x3c, 0x3c);
pub const PRIMARY: Rgb = Rgb(0x7c, 0x3a, 0xed);
pub const ACCENT: Rgb = Rgb(0x08, 0x91, 0xb2);
pub const WARNING: Rgb = Rgb(0xd9, 0x8e, 0x04);

/// A column of a table: its heading, its share of the width, and whether it holds numbers
/// (right-aligned).
pub struct Column(pub &'static str, pub f32, pub bool);

#[derive(Clone, Copy, PartialEq)]
pub enum Weight {
    Regular,
    Bold,
}

enum Shape {
    Text {
        at: (f32, f32),
        size: f32,
        weight: Weight,
        color: Rgb,
        text: String,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        color: Rgb,
        dashed: bool,
    },
    Rect {
        at: (f32, f32),
        size: (f32, f32),
        color: Rgb,
    },
    Polyline {
        points: Vec<(f32, f32)>,
        width: f32,
        color: Rgb,
    },
}

struct Face {
    data: &'static [u8],
    parsed: ttf_parser::Face<'static>,
}

impl Face {
    fn load(data: &'static [u8]) -> Self {
        Self {
            data,
            parsed: ttf_parser::Face::parse(data, 0).expect("DejaVu Sans parses"),
        }
    }
}

static REGULAR: LazyLock<Face> = LazyLock::new(|| Face::load(dejavu::sans::regular()));
static BOLD: LazyLock<Face> = LazyLock::new(|| Face::load(dejavu::sans::bold()));

fn face(weight: Weight) -> &'static Face {
    match weight {
        Weight::Regular => &REGULAR,
        Weight::Bold => &BOLD,
    }
}

/// The width of `text` at `size` points.
pub fn text_width(text: &str, size: f32, weight: Weight) -> f32 {
    let face = &face(weight).parsed;
    let units: u32 = text
        .chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|glyph| face.glyph_hor_advance(glyph))
                .unwrap_or(face.units_per_em() / 2) as u32
        })
        .sum();
    units as f32 * size / f32::from(face.units_per_em())
}

/// `text` cut to fit `width`, ending in an ellipsis when cut.
pub fn fit(text: &str, width: f32, size: f32, weight: Weight) -> String {
    if text_width(text, size, weight) <= width {
        return text.to_owned();
    }
    let mut cut: String = text.to_owned();
    while !cut.is_empty() && text_width(&format!("{cut}…"), size, weight) > width {
        cut.pop();
    }
    format!("{}…", cut.trim_end())
}

/// A document being laid out: its pages' shapes and where the next block goes on the last.
pub struct Layout {
    pages: Vec<Vec<Shape>>,
    /// The top of the free space on the current page.
    pub y: f32,
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }
}

impl Layout {
    /// Opens a new page unless `height` more points fit on this one.
    pub fn room_for(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - MARGIN - FOOTER && !self.page().is_empty() {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn page(&mut self) -> &mut Vec<Shape> {
        self.pages.last_mut().expect("a page")
    }

    /// Text whose baseline starts at `at`.
    pub fn text(&mut self, at: (f32, f32), size: f32, weight: Weight, color: Rgb, text: impl Into<String>) {
        let text = text.into();
        if !text.is_empty() {
            self.page().push(Shape::Text {
                at,
                size,
                weight,
                color,
                text,
            });
        }
    }

    /// Text whose baseline ends at `at`.
    pub fn text_right(&mut self, at: (f32, f32), size: f32, weight: Weight, color: Rgb, text: impl Into<String>) {
        let text = text.into();
        let x = at.0 - text_width(&text, size, weight);
        self.text((x, at.1), size, weight, color, text);
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: Rgb) {
        self.page().push(Shape::Line {
            from,
            to,
            width,
            color,
            dashed: false,
        });
    }

    pub fn dashed_line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: Rgb) {
        self.page().push(Shape::Line {
            from,
            to,
            width,
            color,
            dashed: true,
        });
    }

    pub fn rect(&mut self, at: (f32, f32), size: (f32, f32), color: Rgb) {
        if size.0 > 0.0 && size.1 > 0.0 {
            self.page().push(Shape::Rect { at, size, color });
        }
    }

    pub fn polyline(&mut self, points: Vec<(f32, f32)>, width: f32, color: Rgb) {
        if points.len() > 1 {
            self.page().push(Shape::Polyline { points, width, color });
        }
    }

    /// The first lines of a document: the brand, its title, and labelled lines under it.
    pub fn title_block(&mut self, title: &str, lines: &[(&str, String)]) {
        self.text((MARGIN, self.y + 10.0), 9.0, Weight::Bold, PRIMARY, "◆ RagSites Portal");
        self.y += 34.0;
        self.text(
            (MARGIN, self.y),
            20.0,
            Weight::Bold,
            INK,
            fit(title, CONTENT, 20.0, Weight::Bold),
        );
        self.y += 20.0;
        for (label, value) in lines {
            self.text((MARGIN, self.y), 9.0, Weight::Bold, MUTED, *label);
            let value = fit(value, CONTENT - 76.0, 9.0, Weight::Regular);
            self.text((MARGIN + 76.0, self.y), 9.0, Weight::Regular, INK, value);
            self.y += 14.0;
        }
        self.y += 8.0;
        self.line((MARGIN, self.y), (MARGIN + CONTENT, self.y), 0.75, RULE);
        self.y += 18.0;
    }

    /// A section's heading, on the page where `height` more points of it fit.
    pub fn section(&mut self, name: &str, height: f32) {
        self.room_for(height + 24.0);
        self.text((MARGIN, self.y + 10.0), 12.0, Weight::Bold, INK, name);
        self.y += 24.0;
    }

    /// A table that goes on over pages, its heading repeated on each.
    pub fn table(&mut self, name: &str, columns: &[Column], rows: Vec<Vec<String>>) {
        let row_height = 15.0;
        self.section(name, 2.0 * row_height);
        self.table_heading(columns);
        if rows.is_empty() {
            self.text(
                (MARGIN, self.y + 10.0),
                9.0,
                Weight::Regular,
                MUTED,
                "Nothing in this period.",
            );
            self.y += row_height;
        }
        for row in rows {
            let before = self.y;
            self.room_for(row_height);
            if self.y < before {
                self.table_heading(columns);
            }
            let mut x = MARGIN;
            for (Column(_, share, numeric), cell) in columns.iter().zip(row) {
                let width = share * CONTENT;
                let cell = fit(&cell, width - 8.0, 9.0, Weight::Regular);
                if *numeric {
                    self.text_right((x + width - 4.0, self.y + 10.0), 9.0, Weight::Regular, INK, cell);
                } else {
                    self.text((x, self.y + 10.0), 9.0, Weight::Regular, INK, cell);
                }
                x += width;
            }
            self.y += row_height;
        }
        self.y += 14.0;
    }

    fn table_heading(&mut self, columns: &[Column]) {
        let mut x = MARGIN;
        for Column(title, share, numeric) in columns {
            let width = share * CONTENT;
            if *numeric {
                self.text_right((x + width - 4.0, self.y + 10.0), 8.0, Weight::Bold, MUTED, *title);
            } else {
                self.text((x, self.y + 10.0), 8.0, Weight::Bold, MUTED, *title);
            }
            x += width;
        }
        self.y += 15.0;
        self.line((MARGIN, self.y - 3.0), (MARGIN + CONTENT, self.y - 3.0), 0.5, RULE);
    }

    /// The PDF: every page with `footer` and its number, and `title` in the metadata.
    pub fn finish(mut self, title: &str, footer: &str) -> Result<Vec<u8>, AppError> {
        let total = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            let baseline = PAGE_HEIGHT - MARGIN + 12.0;
            page.push(Shape::Text {
                at: (MARGIN, baseline),
                size: 8.0,
                weight: Weight::Regular,
                color: MUTED,
                text: fit(footer, CONTENT - 80.0, 8.0, Weight::Regular),
            });
            let number = format!("Page {} of {total}", i + 1);
            let x = PAGE_WIDTH - MARGIN - text_width(&number, 8.0, Weight::Regular);
            page.push(Shape::Text {
                at: (x, baseline),
                size: 8.0,
                weight: Weight::Regular,
                color: MUTED,
                text: number,
            });
        }
        let fonts = [Weight::Regular, Weight::Bold].map(|weight| {
            Font::new(face(weight).data.into(), 0).ok_or_else(|| AppError::internal("pdf", "the font does not load"))
        });
        let [regular, bold] = fonts;
        let (regular, bold) = (regular?, bold?);
        let mut document = Document::new();
        document.set_metadata(
            Metadata::new()
                .title(title.to_owned())
                .creator("RagSites Portal".to_owned()),
        );
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).expect("A4 is a valid size");
        for shapes in &self.pages {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            for shape in shapes {
                draw(&mut surface, shape, &regular, &bold);
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|e| AppError::internal("pdf", format!("{e:?}")))
    }
}

fn color(color: Rgb) -> rgb::Color {
    rgb::Color::new(color.0, color.1, color.2)
}

fn draw(surface: &mut Surface, shape: &Shape, regular: &Font, bold: &Font) {
    match shape {
        Shape::Text {
            at,
            size,
            weight,
            color: ink,
            text,
        } => {
            surface.set_stroke(None);
            surface.set_fill(Some(Fill {
                paint: color(*ink).into(),
                ..Fill::default()
            }));
            let font = match weight {
                Weight::Regular => regular.clone(),
                Weight::Bold => bold.clone(),
            };
            surface.draw_text(
                Point::from_xy(at.0, at.1),
                font,
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Shape::Line {
            from,
            to,
            width,
            color: ink,
            dashed,
        } => stroke(surface, &[*from, *to], *width, *ink, *dashed),
        Shape::Polyline {
            points,
            width,
            color: ink,
        } => stroke(surface, points, *width, *ink, false),
        Shape::Rect { at, size, color: ink } => {
            let Some(rect) = Rect::from_xywh(at.0, at.1, size.0, size.1) else {
                return;
            };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(Fill {
                    paint: color(*ink).into(),
                    ..Fill::default()
                }));
                surface.draw_path(&path);
            }
        }
    }
}

fn stroke(surface: &mut Surface, points: &[(f32, f32)], width: f32, ink: Rgb, dashed: bool) {
    let mut path = PathBuilder::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i == 0 {
            path.move_to(*x, *y);
        } else {
            path.line_to(*x, *y);
        }
    }
    let Some(path) = path.finish() else {
        return;
    };
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: color(ink).into(),
        width,
        opacity: NormalizedF32::ONE,
        dash: dashed.then(|| StrokeDash {
            array: vec![3.0, 2.0],
            offset: 0.0,
        }),
        ..Stroke::default()
    }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_measured_and_cut_to_fit() {
        let wide = text_width("Requests", 10.0, Weight::Regular);
        assert!(wide > 35.0 && wide < 55.0, "{wide}");
        assert!(text_width("Requests", 10.0, Weight::Bold) > wide);
        assert_eq!(fit("Support bot", 200.0, 10.0, Weight::Regular), "Support bot");
        let cut = fit("A very long service name indeed", 60.0, 10.0, Weight::Regular);
        assert!(
            cut.ends_with('…') && text_width(&cut, 10.0, Weight::Regular) <= 60.0,
            "{cut}"
        );
    }

    #[test]
    fn a_document_opens_pages_as_it_fills_and_numbers_them() {
        let mut layout = Layout::default();
        for i in 0..120 {
            layout.room_for(14.0);
            layout.text(
                (MARGIN, layout.y + 10.0),
                10.0,
                Weight::Regular,
                INK,
                format!("Line {i}"),
            );
            layout.y += 14.0;
        }
        assert_eq!(layout.pages.len(), 3);
        let pdf = layout.finish("Test", "RagSites Portal").unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
