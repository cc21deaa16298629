//! Charts for answers: a PNG next to the table when a picture says more.
//!
//! [`chart_for`] looks at an [`Answer`]'s column types and values and
//! decides whether there is something worth drawing: a time series (a
//! timestamp or date column plus numeric columns, or plus one text column
//! whose values become the series) is a line chart; a grouped count (one
//! text column and one numeric column) is a horizontal bar chart. Anything
//! else (a single value, text only, listings of raw events, no rows, only
//! nulls) gets no chart. [`Chart::render_png`] draws it in process with
//! `plotters` and an embedded font (DejaVu Sans, `bot/assets/`), so no
//! system fonts or fontconfig are needed, and encodes the PNG itself.
//!
//! Nothing here knows about Slack or Discord: adapters call [`chart_for`],
//! render, and upload the bytes their own way.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use plotters::backend::{BitMapBackend, RGBPixel};
use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;

use crate::backend::Answer;

/// A chart drawn for an answer: the PNG and how to describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The chart's title (the interpretation, clipped).
    pub title: String,
    /// A description for screen readers.
    pub alt: String,
    /// The image.
    pub png: Vec<u8>,
}

/// The chart of `answer`, if it has one ([`chart_for`]), rendered on the
/// blocking pool. A failure (or a panic in the plotting library) is logged
/// and gives `None`: the text answer always stands alone.
pub async fn render_for(answer: &Answer) -> Option<Rendered> {
    let chart = chart_for(answer)?;
    let title = chart.title.clone();
    let alt = chart.alt_text();
    match tokio::task::spawn_blocking(move || chart.render_png()).await {
        Ok(Ok(png)) => Some(Rendered { title, alt, png }),
        Ok(Err(e)) => {
            tracing::warn!(message = "Chart rendering failed.", error = %e);
            None
        }
        Err(e) => {
            tracing::warn!(message = "Chart rendering panicked.", error = %e);
            None
        }
    }
}

/// Default image width in pixels (readable at Slack's preview size).
pub const DEFAULT_WIDTH: u32 = 1000;
/// Default image height in pixels.
pub const DEFAULT_HEIGHT: u32 = 500;
/// Most lines in a line chart; further series are left out (and counted).
pub const MAX_SERIES: usize = 6;
/// Most bars in a bar chart: the largest values are kept.
pub const MAX_BARS: usize = 20;
/// Most characters of a bar label; longer ones keep both ends around a `…`.
pub const MAX_LABEL: usize = 28;
/// Image sides accepted by [`Chart::with_size`] / [`Chart::render_png`].
pub const SIDES: std::ops::RangeInclusive<u32> = 100..=4000;

/// The embedded font (DejaVu Sans 2.37; licence in `bot/assets/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Line colours, distinguishable and colour-blind friendly (Tableau 10).
const PALETTE: [RGBColor; MAX_SERIES] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Why a chart could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The embedded font did not load.
    #[error(
        "the embedded chart font cannot be loaded; this is a bug in Mantissa Log; please report it"
    )]
    Font,
    /// The requested size is outside [`SIDES`].
    #[error(
        "chart size {width}x{height} is out of range; each side must be within 100..=4000 pixels"
    )]
    Size {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
    },
    /// Plotting failed.
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("cannot encode the chart as PNG: {0}")]
    Encode(#[from] std::io::Error),
}

/// A chart to draw, decided by [`chart_for`].
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Title: the interpretation (or the question), clipped at render time.
    pub title: String,
    /// What to draw.
    pub kind: ChartKind,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
}

/// The two kinds of chart.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartKind {
    /// Lines over time (x sorted), one per series, with a legend when more than one.
    Lines {
        /// The time column's name.
        x_label: String,
        /// The value column's name (or the names joined, for several).
        y_label: String,
        /// At most [`MAX_SERIES`] series, each with at least one point.
        series: Vec<Series>,
        /// Series left out (beyond [`MAX_SERIES`]).
        omitted: usize,
    },
    /// Horizontal bars, largest first.
    Bars {
        /// The label column's name.
        label: String,
        /// The value column's name.
        value_label: String,
        /// At most [`MAX_BARS`] bars: (label, value).
        bars: Vec<(String, f64)>,
        /// Bars left out (beyond [`MAX_BARS`]).
        omitted: usize,
    },
}

/// A point of a line: time and value.
pub type Point = (DateTime<Utc>, f64);

/// One line of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry: a column name or a value of the pivoted text column.
    pub name: String,
    /// Points sorted by time.
    pub points: Vec<Point>,
}

/// How a result column can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Time,
    Number,
    Text,
    Other,
}

/// The role of a column from the type name the engine reports: Athena
/// style (`timestamp`, `bigint`, `varchar`, `decimal(10,2)`) or Arrow style
/// (`Timestamp(Microsecond, None)`, `Int64`, `Utf8`).
fn role(data_type: &str) -> Role {
    let t = data_type.trim().to_ascii_lowercase();
    let base = t
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default();
    match base {
        "timestamp" | "timestamptz" | "date" | "date32" | "date64" => Role::Time,
        "tinyint" | "smallint" | "integer" | "int" | "bigint" | "real" | "double" | "float"
        | "decimal" | "numeric" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16"
        | "uint32" | "uint64" | "float16" | "float32" | "float64" | "decimal128" | "decimal256" => {
            Role::Number
        }
        "varchar" | "char" | "string" | "text" | "utf8" | "largeutf8" | "utf8view" => Role::Text,
        _ => Role::Other,
    }
}

/// A time cell: RFC 3339 (`mantissa` JSON rows), a bare date, or
/// `YYYY-MM-DD HH:MM:SS[.fff]` (Athena).
fn time_of(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// A numeric cell (numbers, or numeric text such as big decimals); finite only.
fn number_of(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    x.is_finite().then_some(x)
}

/// A label cell: text as is, null and empty named so they read as such.
fn label_of(v: &Value) -> String {
    match v {
        Value::Null => "(null)".into(),
        Value::String(s) if s.trim().is_empty() => "(empty)".into(),
        Value::String(s) => s.replace(['\n', '\r', '\t'], " "),
        other => other.to_string(),
    }
}

/// Decides whether an answer gets a chart, and which.
///
/// - A **time series**: one timestamp/date column and one or more numeric
///   columns (each a line), or one text column and one numeric column in
///   long form (each text value a line, the [`MAX_SERIES`] largest kept).
///   Each line's times must be distinct (a listing of raw events is not a
///   series), and at least two distinct times must carry a value.
/// - A **grouped count**: exactly one text column and one numeric column,
///   at least two rows with a value; bars sorted largest first, the
///   [`MAX_BARS`] largest kept.
///
/// `None` when there is nothing worth drawing: fewer than two rows, no
/// numeric column, only nulls, or columns that fit neither shape.
pub fn chart_for(answer: &Answer) -> Option<Chart> {
    if answer.rows.len() < 2 {
        return None;
    }
    let roles: Vec<Role> = answer.columns.iter().map(|c| role(&c.data_type)).collect();
    let find = |r: Role| -> Vec<usize> {
        roles
            .iter()
            .enumerate()
            .filter(|(_, x)| **x == r)
            .map(|(i, _)| i)
            .collect()
    };
    let (times, numbers, texts) = (find(Role::Time), find(Role::Number), find(Role::Text));
    if numbers.is_empty() || roles.contains(&Role::Other) {
        return None;
    }
    let title = if answer.interpretation.trim().is_empty() {
        answer.question.trim().to_string()
    } else {
        answer.interpretation.trim().to_string()
    };
    let kind = match (times.as_slice(), texts.as_slice(), numbers.as_slice()) {
        ([t], [], ys) => wide_series(answer, *t, ys)?,
        ([t], [g], [y]) => long_series(answer, *t, *g, *y)?,
        ([], [g], [y]) => bars(answer, *g, *y)?,
        _ => return None,
    };
    Some(Chart {
        title,
        kind,
        width: DEFAULT_WIDTH,
        height: DEFAULT_HEIGHT,
    })
}

fn name(answer: &Answer, i: usize) -> String {
    answer
        .columns
        .get(i)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

fn cell(row: &[Value], i: usize) -> &Value {
    row.get(i).unwrap_or(&Value::Null)
}

/// Sorted points; `None` when a time repeats (not a series).
fn finish(mut points: Vec<Point>) -> Option<Vec<Point>> {
    points.sort_by_key(|p| p.0);
    if points.windows(2).any(|w| w[0].0 == w[1].0) {
        return None;
    }
    Some(points)
}

/// At least two distinct times with a value across all series.
fn enough_times(series: &[Series]) -> bool {
    let distinct: HashSet<DateTime<Utc>> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    distinct.len() >= 2
}

/// One time column, one line per numeric column.
fn wide_series(answer: &Answer, t: usize, ys: &[usize]) -> Option<ChartKind> {
    let mut series = Vec::new();
    for &y in ys {
        let points: Vec<_> = answer
            .rows
            .iter()
            .filter_map(|r| Some((time_of(cell(r, t))?, number_of(cell(r, y))?)))
            .collect();
        if points.is_empty() {
            continue; // an all-null column draws nothing
        }
        series.push(Series {
            name: name(answer, y),
            points: finish(points)?,
        });
    }
    if !enough_times(&series) {
        return None;
    }
    let omitted = series.len().saturating_sub(MAX_SERIES);
    series.truncate(MAX_SERIES);
    let y_label = series
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Some(ChartKind::Lines {
        x_label: name(answer, t),
        y_label,
        series,
        omitted,
    })
}

/// Long form (time, group, value): one line per group, largest totals first.
fn long_series(answer: &Answer, t: usize, g: usize, y: usize) -> Option<ChartKind> {
    let mut groups: Vec<(String, Vec<Point>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for r in &answer.rows {
        let (Some(at), Some(v)) = (time_of(cell(r, t)), number_of(cell(r, y))) else {
            continue;
        };
        let key = label_of(cell(r, g));
        let i = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(i) {
            group.1.push((at, v));
        }
    }
    let mut series = Vec::with_capacity(groups.len());
    for (name, points) in groups {
        series.push(Series {
            name,
            points: finish(points)?,
        });
    }
    if !enough_times(&series) {
        return None;
    }
    let total = |s: &Series| s.points.iter().map(|p| p.1.abs()).sum::<f64>();
    series.sort_by(|a, b| total(b).total_cmp(&total(a)));
    let omitted = series.len().saturating_sub(MAX_SERIES);
    series.truncate(MAX_SERIES);
    Some(ChartKind::Lines {
        x_label: name(answer, t),
        y_label: name(answer, y),
        series,
        omitted,
    })
}

/// One text column and one numeric column.
fn bars(answer: &Answer, g: usize, y: usize) -> Option<ChartKind> {
    let mut bars: Vec<(String, f64)> = answer
        .rows
        .iter()
        .filter_map(|r| Some((label_of(cell(r, g)), number_of(cell(r, y))?)))
        .collect();
    if bars.len() < 2 {
        return None;
    }
    bars.sort_by(|a, b| b.1.total_cmp(&a.1));
    let omitted = bars.len().saturating_sub(MAX_BARS);
    bars.truncate(MAX_BARS);
    Some(ChartKind::Bars {
        label: name(answer, g),
        value_label: name(answer, y),
        bars,
        omitted,
    })
}

/// Cuts `s` to `max` characters, ending with `…` when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Cuts `s` to `max` characters keeping both ends (`arn:aws:iam::1…/alice`):
/// the end of an ARN, path or host name tells values apart.
fn clip_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let tail = max.saturating_sub(1) * 3 / 5;
    let head = max.saturating_sub(1 + tail);
    let mut out: String = s.chars().take(head).collect();
    out.push('…');
    out.extend(s.chars().skip(n - tail));
    out
}

/// A compact axis/bar number: `950`, `12.5`, `12.3k`, `4.1M`.
fn compact(x: f64) -> String {
    let a = x.abs();
    let (v, unit) = if a >= 1e9 {
        (x / 1e9, "G")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e4 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let s = if v.fract() == 0.0 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    format!("{s}{unit}")
}

/// Registers the embedded font once for the whole process.
fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok()
    });
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

fn draw_error<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

impl Chart {
    /// The same chart at another size (each side within [`SIDES`]).
    pub fn with_size(self, width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            ..self
        }
    }

    /// One line describing the chart, for screen readers (Slack `alt_txt`,
    /// at most 1000 characters).
    pub fn alt_text(&self) -> String {
        let text = match &self.kind {
            ChartKind::Lines {
                x_label,
                y_label,
                series,
                omitted,
            } => {
                let points: usize = series.iter().map(|s| s.points.len()).sum();
                let first = series
                    .iter()
                    .filter_map(|s| s.points.first())
                    .map(|p| p.0)
                    .min();
                let last = series
                    .iter()
                    .filter_map(|s| s.points.last())
                    .map(|p| p.0)
                    .max();
                let span = match (first, last) {
                    (Some(a), Some(b)) => format!(
                        " from {} to {} UTC",
                        a.format("%Y-%m-%d %H:%M"),
                        b.format("%Y-%m-%d %H:%M")
                    ),
                    _ => String::new(),
                };
                let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
                format!(
                    "Line chart of {y_label} by {x_label}: {} series ({}{}), {points} points{span}.",
                    series.len(),
                    names.join(", "),
                    if *omitted > 0 {
                        format!("; {omitted} more not shown")
                    } else {
                        String::new()
                    },
                )
            }
            ChartKind::Bars {
                label,
                value_label,
                bars,
                omitted,
            } => {
                let top: Vec<String> = bars
                    .iter()
                    .take(5)
                    .map(|(l, v)| format!("{} {}", clip(l, 60), compact(*v)))
                    .collect();
                format!(
                    "Bar chart of {value_label} by {label}, {} bars{}: {}{}.",
                    bars.len(),
                    if *omitted > 0 {
                        format!(" (top {} of {})", bars.len(), bars.len() + omitted)
                    } else {
                        String::new()
                    },
                    top.join(", "),
                    if bars.len() > 5 { ", …" } else { "" },
                )
            }
        };
        clip(&format!("{} {text}", clip(&self.title, 300)), 1000)
    }

    /// Draws the chart and encodes it as a PNG of `width` × `height` pixels.
    pub fn render_png(&self) -> Result<Vec<u8>, ChartError> {
        if !SIDES.contains(&self.width) || !SIDES.contains(&self.height) {
            return Err(ChartError::Size {
                width: self.width,
                height: self.height,
            });
        }
        ensure_font()?;
        let (w, h) = (self.width, self.height);
        let mut rgb = vec![255u8; w as usize * h as usize * 3];
        {
            let backend = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut rgb, (w, h))
                .map_err(draw_error)?;
            let root = backend.into_drawing_area();
            root.fill(&WHITE).map_err(draw_error)?;
            match &self.kind {
                ChartKind::Lines {
                    x_label,
                    y_label,
                    series,
                    omitted,
                } => self.draw_lines(&root, x_label, y_label, series, *omitted)?,
                ChartKind::Bars {
                    label,
                    value_label,
                    bars,
                    omitted,
                } => self.draw_bars(&root, label, value_label, bars, *omitted)?,
            }
            root.present().map_err(draw_error)?;
        }
        encode_png(&rgb, w, h)
    }

    /// The title clipped to the width, with a note about what was left out.
    fn caption(&self, omitted: usize, what: &str, shown: usize) -> String {
        let note = if omitted > 0 {
            format!(" (top {shown} of {} {what})", shown + omitted)
        } else {
            String::new()
        };
        // DejaVu Sans at 22 px averages ~11 px per character.
        let room = (self.width as usize / 11).saturating_sub(note.chars().count());
        format!("{}{note}", clip(&self.title, room.max(10)))
    }

    fn draw_lines<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        x_label: &str,
        y_label: &str,
        series: &[Series],
        omitted: usize,
    ) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        let secs = |t: &DateTime<Utc>| t.timestamp();
        let all = || series.iter().flat_map(|s| s.points.iter());
        let (mut x0, mut x1) = (i64::MAX, i64::MIN);
        let (mut y0, mut y1) = (0f64, 0f64);
        for (t, v) in all() {
            x0 = x0.min(secs(t));
            x1 = x1.max(secs(t));
            y0 = y0.min(*v);
            y1 = y1.max(*v);
        }
        if x0 > x1 {
            return Err(ChartError::Draw("no points to draw".into()));
        }
        if x1 == x0 {
            x1 = x0.saturating_add(60);
        }
        if y1 <= y0 {
            y1 = y0 + 1.0;
        }
        let y_pad = (y1 - y0) * 0.06;
        let x_pad = (x1 - x0) / 50;
        let (step, ticks) = time_ticks(x0, x1);
        let fmt = time_format(step, x0, x1);
        let x_range = ((x0 - x_pad)..(x1 + x_pad)).with_key_points(ticks);
        let y_range = (if y0 < 0.0 { y0 - y_pad } else { 0.0 })..(y1 + y_pad);

        let mut chart = ChartBuilder::on(root)
            .caption(
                self.caption(omitted, "series", series.len()),
                ("sans-serif", 22).into_font(),
            )
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(72)
            .build_cartesian_2d(x_range, y_range)
            .map_err(draw_error)?;
        let x_fmt = |x: &i64| {
            DateTime::from_timestamp(*x, 0)
                .map(|t| t.format(fmt).to_string())
                .unwrap_or_default()
        };
        let y_fmt = |y: &f64| compact(*y);
        chart
            .configure_mesh()
            .x_desc(format!("{x_label} (UTC)"))
            .y_desc(clip(y_label, 60))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .y_labels(8)
            .label_style(("sans-serif", 14).into_font())
            .axis_desc_style(("sans-serif", 16).into_font())
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()
            .map_err(draw_error)?;
        let markers = series.iter().map(|s| s.points.len()).sum::<usize>() <= 200;
        for (i, s) in series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let line = s.points.iter().map(|(t, v)| (secs(t), *v));
            chart
                .draw_series(LineSeries::new(line, color.stroke_width(2)))
                .map_err(draw_error)?
                .label(clip(&s.name, 40))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
            if markers || s.points.len() == 1 {
                chart
                    .draw_series(
                        s.points
                            .iter()
                            .map(|(t, v)| Circle::new((secs(t), *v), 3, color.filled())),
                    )
                    .map_err(draw_error)?;
            }
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(200, 200, 200))
                .label_font(("sans-serif", 14).into_font())
                .draw()
                .map_err(draw_error)?;
        }
        Ok(())
    }

    fn draw_bars<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        label: &str,
        value_label: &str,
        bars: &[(String, f64)],
        omitted: usize,
    ) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        let n = bars.len();
        if n == 0 {
            return Err(ChartError::Draw("no bars to draw".into()));
        }
        let labels: Vec<String> = bars
            .iter()
            .map(|(l, _)| clip_middle(l, MAX_LABEL))
            .collect();
        let (lo, hi) = bars
            .iter()
            .fold((0f64, 0f64), |(lo, hi), (_, v)| (lo.min(*v), hi.max(*v)));
        let hi = if hi <= lo { lo + 1.0 } else { hi };
        // Room on the right for the value printed after the longest bar.
        let x_range = (if lo < 0.0 { lo * 1.15 } else { 0.0 })..(hi + (hi - lo) * 0.12);
        let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let label_area = (longest as u32 * 8 + 16).clamp(40, self.width * 2 / 5);
        let n_i32 = i32::try_from(n).map_err(draw_error)?;

        let mut chart = ChartBuilder::on(root)
            .caption(
                self.caption(omitted, "values", n),
                ("sans-serif", 22).into_font(),
            )
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(label_area)
            .build_cartesian_2d(x_range, (0..n_i32).into_segmented())
            .map_err(draw_error)?;
        // Largest bar on top: row i of the data sits at segment n-1-i.
        let at = |i: usize| n_i32 - 1 - i32::try_from(i).unwrap_or(n_i32 - 1);
        let y_fmt = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(k) | SegmentValue::Exact(k) => usize::try_from(n_i32 - 1 - k)
                .ok()
                .and_then(|i| labels.get(i))
                .cloned()
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        let x_fmt = |x: &f64| compact(*x);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(clip(value_label, 60))
            .y_desc(clip(label, 60))
            .y_labels(n)
            .y_label_formatter(&y_fmt)
            .x_label_formatter(&x_fmt)
            .label_style(("sans-serif", 14).into_font())
            .axis_desc_style(("sans-serif", 16).into_font())
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()
            .map_err(draw_error)?;
        let color = PALETTE[0];
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                let mut r = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(at(i))),
                        (*v, SegmentValue::Exact(at(i) + 1)),
                    ],
                    color.filled(),
                );
                r.set_margin(3, 3, 0, 0);
                r
            }))
            .map_err(draw_error)?;
        let value_style = ("sans-serif", 13)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                Text::new(
                    format!(" {}", compact(*v)),
                    (v.max(0.0), SegmentValue::CenterOf(at(i))),
                    value_style.clone(),
                )
            }))
            .map_err(draw_error)?;
        Ok(())
    }
}

/// Tick positions on "round" times: the smallest step giving at most 8 ticks.
fn time_ticks(x0: i64, x1: i64) -> (i64, Vec<i64>) {
    const STEPS: [i64; 20] = [
        1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800,
        604_800, 2_592_000, 31_536_000,
    ];
    const MONDAY: i64 = 4 * 86400; // 1970-01-05 was a Monday
    let span = (x1 - x0).max(1);
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / s < 8)
        .unwrap_or(span / 8 + 1);
    let offset = if step == 604_800 { MONDAY } else { 0 };
    let mut t = (x0 - offset).div_euclid(step) * step + offset;
    if t < x0 {
        t += step;
    }
    let mut ticks = Vec::new();
    while t <= x1 && ticks.len() < 64 {
        ticks.push(t);
        t += step;
    }
    (step, ticks)
}

/// Tick label format for a step and span.
fn time_format(step: i64, x0: i64, x1: i64) -> &'static str {
    let same_day = x0.div_euclid(86400) == x1.div_euclid(86400);
    if step < 60 {
        "%H:%M:%S"
    } else if step < 86400 {
        if same_day { "%H:%M" } else { "%m-%d %H:%M" }
    } else {
        "%Y-%m-%d"
    }
}

/// A PNG (8-bit RGB, not interlaced) of an RGB buffer: signature, IHDR,
/// one zlib IDAT with the Up filter on every row, IEND. Written here rather
/// than through plotters' `bitmap_encoder` (the `image` crate): see
/// `Cargo.toml`.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let stride = width as usize * 3;
    if rgb.len() != stride * height as usize {
        return Err(ChartError::Draw(format!(
            "buffer of {} bytes for {width}x{height}",
            rgb.len()
        )));
    }
    let mut filtered = Vec::with_capacity((stride + 1) * height as usize);
    let mut previous: Option<&[u8]> = None;
    for row in rgb.chunks_exact(stride) {
        match previous {
            None => {
                filtered.push(0); // None
                filtered.extend_from_slice(row);
            }
            Some(up) => {
                filtered.push(2); // Up
                filtered.extend(row.iter().zip(up).map(|(a, b)| a.wrapping_sub(*b)));
            }
        }
        previous = Some(row);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&filtered)?;
    let idat = z.finish()?;

    let mut out = Vec::with_capacity(idat.len() + 64);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, adaptive, no interlace
    chunk(&mut out, b"IHDR", &ihdr)?;
    chunk(&mut out, b"IDAT", &idat)?;
    chunk(&mut out, b"IEND", &[])?;
    Ok(out)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Result<(), ChartError> {
    let len =
        u32::try_from(data.len()).map_err(|_| ChartError::Draw("PNG chunk over 4 GiB".into()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests;
