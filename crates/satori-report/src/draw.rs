//! Drawing a [`Chart`] with plotters on any backend (SVG or bitmap). The chart was validated when
//! it was built, so every coordinate here is finite and every range non-empty.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use satori_core::{Error, Result};

use plotters::coord::types::RangedCoordf64;

use crate::chart::{
    AXIS_PX, BAR_ROW, BAR_TOP, BarPanel, Chart, HeatmapPanel, LEGEND_LINE, Mark, PLOT_LEFT, Panel,
    ParallelPanel, SUBTITLE_PX, Series, TICK_PX, TITLE_PX, XAxis, XyPanel, legend_lines,
};
use crate::font::{FAMILY, text_width};
use crate::format::{metric, short_number};

// Plotters' text sizes for the charts' pixel sizes: both backends draw a size `s` at `s / 1.24`
// pixels of em.
const TITLE_PT: f64 = TITLE_PX * 1.24;
const SUBTITLE_PT: f64 = SUBTITLE_PX * 1.24;
const AXIS_PT: f64 = AXIS_PX * 1.24;
const TICK_PT: f64 = TICK_PX * 1.24;
const INK: RGBColor = RGBColor(40, 40, 40);

/// A drawing failure as an internal error (the input was validated before drawing).
pub(crate) fn fail<E: std::fmt::Debug>(e: E) -> Error {
    Error::Internal(format!("drawing a chart failed: {e:?}"))
}

/// Draw every panel of `chart` on `root`.
pub(crate) fn chart<DB: DrawingBackend>(
    chart: &Chart,
    root: &DrawingArea<DB, Shift>,
) -> Result<()> {
    root.fill(&WHITE).map_err(fail)?;
    let single = chart.panels.len() == 1;
    let body = if single {
        root.clone()
    } else {
        let (top, rest) = root.split_vertically(40);
        let (w, _) = top.dim_in_pixel();
        let style = TextStyle::from((FAMILY, TITLE_PT).into_font())
            .color(&INK)
            .pos(Pos::new(HPos::Center, VPos::Center));
        top.draw(&Text::new(chart.title.as_str(), (w as i32 / 2, 22), style))
            .map_err(fail)?;
        rest
    };
    let cols = chart.columns.min(chart.panels.len()).max(1);
    let rows = chart.panels.len().div_ceil(cols);
    let areas = body.split_evenly((rows, cols));
    let legend_h = chart.legend_height();
    for (panel, area) in chart.panels.iter().zip(areas.iter()) {
        match panel {
            Panel::Xy(p) => {
                let caption = if single {
                    Some(chart.title.as_str())
                } else {
                    p.subtitle.as_deref()
                };
                let (_, h) = area.dim_in_pixel();
                let (plot, strip) = area.split_vertically(h.saturating_sub(legend_h));
                xy(p, caption, single, &plot)?;
                legend(p, &strip)?;
            }
            Panel::Heatmap(h) => heatmap(h, &chart.title, area)?,
            Panel::Bars(b) => bars(b, &chart.title, area)?,
            Panel::Parallel(p) => parallel(p, &chart.title, area)?,
        }
    }
    Ok(())
}

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

type XyContext<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn xy<DB: DrawingBackend>(
    p: &XyPanel,
    caption: Option<&str>,
    single: bool,
    area: &DrawingArea<DB, Shift>,
) -> Result<()> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(14)
        .x_label_area_size(52)
        .y_label_area_size(68);
    if let Some(c) = caption {
        let pt = if single { TITLE_PT } else { SUBTITLE_PT };
        builder.caption(c, (FAMILY, pt).into_font().color(&INK));
    }
    let mut ctx = builder
        .build_cartesian_2d(p.x_range.0..p.x_range.1, p.y_range.0..p.y_range.1)
        .map_err(fail)?;
    axes(&mut ctx, p)?;
    for s in &p.series {
        let color = rgb(s.color);
        let line = ShapeStyle::from(&color).stroke_width(2);
        let bar = color.mix(0.45).filled();
        let dot = color.mix(0.55).filled();
        let drawn = match &s.mark {
            Mark::Line(pts) => ctx.draw_series(LineSeries::new(pts.iter().copied(), line)),
            Mark::Dashed(pts) => ctx.draw_series(DashedLineSeries::new(
                pts.iter().copied(),
                7,
                5,
                ShapeStyle::from(&color).stroke_width(1),
            )),
            Mark::LineMarkers(pts) => {
                ctx.draw_series(LineSeries::new(pts.iter().copied(), line).point_size(3))
            }
            Mark::Scatter(pts) => ctx.draw_series(pts.iter().map(|&q| Circle::new(q, 2, dot))),
            Mark::Cross(pts) => ctx.draw_series(
                pts.iter()
                    .map(|&q| Cross::new(q, 4, ShapeStyle::from(&color).stroke_width(2))),
            ),
            Mark::Bars(bars) => ctx.draw_series(
                bars.iter()
                    .map(|&(l, r, h)| Rectangle::new([(l, 0.0), (r, h)], bar)),
            ),
        };
        drawn.map_err(fail)?;
    }
    Ok(())
}

/// The legend of an x–y panel, in the strip below its plotting area (so that it never covers
/// data): a swatch drawn as the series is, then its name; entries wrap into lines.
fn legend<DB: DrawingBackend>(p: &XyPanel, strip: &DrawingArea<DB, Shift>) -> Result<()> {
    let (w, _) = strip.dim_in_pixel();
    let style = text(TICK_PT, &INK, HPos::Left, VPos::Center);
    for (row, line) in legend_lines(p, w).iter().enumerate() {
        let y = (row as u32 * LEGEND_LINE + LEGEND_LINE / 2) as i32;
        let mut x = PLOT_LEFT as i32;
        for &i in line {
            let s: &Series = &p.series[i];
            let name = s.name.as_deref().unwrap_or_default();
            swatch(s, (x, y), strip)?;
            strip
                .draw(&Text::new(name, (x + 24, y), style.clone()))
                .map_err(fail)?;
            x += 24 + text_width(name, TICK_PX).ceil() as i32 + 20;
        }
    }
    Ok(())
}

/// A series' legend mark, 18 pixels wide, starting at `(x, y)`.
fn swatch<DB: DrawingBackend>(
    s: &Series,
    (x, y): (i32, i32),
    area: &DrawingArea<DB, Shift>,
) -> Result<()> {
    let color = rgb(s.color);
    match s.mark {
        Mark::Bars(_) => area.draw(&Rectangle::new(
            [(x, y - 6), (x + 18, y + 6)],
            color.mix(0.45).filled(),
        )),
        Mark::Scatter(_) => area.draw(&Circle::new((x + 9, y), 3, color.mix(0.55).filled())),
        Mark::Cross(_) => area.draw(&Cross::new(
            (x + 9, y),
            4,
            ShapeStyle::from(&color).stroke_width(2),
        )),
        Mark::Dashed(_) => {
            let style = ShapeStyle::from(&color).stroke_width(1);
            area.draw(&PathElement::new(vec![(x, y), (x + 7, y)], style))
                .and_then(|_| area.draw(&PathElement::new(vec![(x + 11, y), (x + 18, y)], style)))
        }
        Mark::Line(_) | Mark::LineMarkers(_) => area.draw(&PathElement::new(
            vec![(x, y), (x + 18, y)],
            ShapeStyle::from(&color).stroke_width(2),
        )),
    }
    .map_err(fail)
}

/// A whole-number tick as an integer; any other tick of an integer axis stays blank.
fn integer_tick(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        String::new()
    }
}

/// A tick of a log axis: the value its coordinate (a base-10 logarithm) stands for. Over a
/// span of more than a decade and a half only whole powers of ten are written.
fn log_tick(v: f64, span: f64) -> String {
    let whole = (v - v.round()).abs() < 1e-9;
    if span > 1.5 && !whole {
        return String::new();
    }
    short_number(10f64.powf(if whole { v.round() } else { v }))
}

/// The category at a whole-number tick, shortened to `chars`; blank between categories.
fn category_tick(categories: &[String], v: f64, chars: usize) -> String {
    let i = v.round();
    if (v - i).abs() > 1e-9 || i < 0.0 {
        return String::new();
    }
    categories
        .get(i as usize)
        .map(|c| shorten(c, chars))
        .unwrap_or_default()
}

/// Grid, ticks and axis descriptions.
fn axes<DB: DrawingBackend>(ctx: &mut XyContext<'_, DB>, p: &XyPanel) -> Result<()> {
    let span = p.x_range.1 - p.x_range.0;
    let log = |v: &f64| log_tick(*v, span);
    let (width, _) = ctx.plotting_area().dim_in_pixel();
    let categories = match &p.x_axis {
        XAxis::Categories(c) => c.as_slice(),
        _ => &[],
    };
    let chars = ((f64::from(width) / categories.len().max(1) as f64) / (TICK_PX * 0.6)) as usize;
    let category = |v: &f64| category_tick(categories, *v, chars.clamp(3, 24));
    let mut mesh = ctx.configure_mesh();
    match &p.x_axis {
        XAxis::Plain => {
            mesh.x_labels(6);
        }
        XAxis::Integer => {
            // At most one tick per unit, so that plotters' round steps are whole numbers.
            let span = span.floor().max(0.0) as usize;
            mesh.x_labels(span.clamp(1, 5) + 1)
                .x_label_formatter(&integer_tick);
        }
        XAxis::Log10 => {
            mesh.x_labels(if span > 1.5 { 12 } else { 6 })
                .x_label_formatter(&log);
        }
        XAxis::Categories(c) => {
            mesh.x_labels(c.len().clamp(1, 12) + 1)
                .x_label_formatter(&category);
        }
    }
    mesh.x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .y_labels(6)
        .label_style((FAMILY, TICK_PT).into_font().color(&INK))
        .axis_desc_style((FAMILY, AXIS_PT).into_font().color(&INK))
        .bold_line_style(RGBColor(222, 222, 222))
        .light_line_style(RGBColor(244, 244, 244))
        .axis_style(RGBColor(120, 120, 120))
        .draw()
        .map_err(fail)
}

/// Shorten a label to `max` characters, ending in an ellipsis when cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// White to dark blue as `t` goes from 0 to 1.
fn blues(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(mix(247, 8), mix(251, 48), mix(255, 107))
}

/// A text style of `pt` points in `color`, anchored at `h`, `v`.
fn text(pt: f64, color: &'static RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FAMILY, pt).into_font())
        .color(color)
        .pos(Pos::new(h, v))
}

/// Where a heatmap's cells lie, in pixels.
struct Grid {
    x0: i32,
    y0: i32,
    cell: i32,
    rows: i32,
    cols: i32,
}

const HEATMAP_LABEL_CHARS: usize = 16;

fn heatmap<DB: DrawingBackend>(
    h: &HeatmapPanel,
    title: &str,
    area: &DrawingArea<DB, Shift>,
) -> Result<()> {
    let (w, ht) = area.dim_in_pixel();
    let (w, ht) = (w as i32, ht as i32);
    let (rows, cols) = (h.row_labels.len() as i32, h.col_labels.len() as i32);
    let longest = h
        .row_labels
        .iter()
        .map(|l| shorten(l, HEATMAP_LABEL_CHARS).chars().count())
        .max()
        .unwrap_or(1);
    let (top, bottom, right) = (48, 64, 20);
    let left = 40 + (longest as i32 * 9).clamp(16, 150);
    let cell = ((w - left - right) / cols.max(1))
        .min((ht - top - bottom) / rows.max(1))
        .max(4);
    let x0 = left + ((w - left - right) - cell * cols).max(0) / 2;
    let grid = Grid {
        x0,
        y0: top,
        cell,
        rows,
        cols,
    };
    area.draw(&Text::new(
        title,
        (w / 2, 22),
        text(TITLE_PT, &INK, HPos::Center, VPos::Center),
    ))
    .map_err(fail)?;
    heatmap_cells(h, &grid, area)?;
    heatmap_labels(h, &grid, area)
}

fn heatmap_cells<DB: DrawingBackend>(
    h: &HeatmapPanel,
    g: &Grid,
    area: &DrawingArea<DB, Shift>,
) -> Result<()> {
    let cell = g.cell;
    for r in 0..g.rows {
        for c in 0..g.cols {
            let i = (r * g.cols + c) as usize;
            let t = h.intensity.get(i).copied().unwrap_or(0.0);
            let (cx, cy) = (g.x0 + c * cell, g.y0 + r * cell);
            let corners = [(cx, cy), (cx + cell, cy + cell)];
            area.draw(&Rectangle::new(corners, blues(t).filled()))
                .map_err(fail)?;
            area.draw(&Rectangle::new(corners, WHITE.stroke_width(1)))
                .map_err(fail)?;
            // Two lines of tick-sized text ("1,234" and "100.0%") need about 52 pixels; the
            // table beside the picture has the numbers of smaller cells.
            if cell < 52 {
                continue;
            }
            let ink: &'static RGBColor = if t > 0.5 { &WHITE } else { &INK };
            let [a, b] = &h.text[i];
            let mid = (cx + cell / 2, cy + cell / 2);
            let gap = (TICK_PX * 0.62) as i32;
            let style = text(TICK_PT, ink, HPos::Center, VPos::Center);
            area.draw(&Text::new(a.as_str(), (mid.0, mid.1 - gap), style.clone()))
                .map_err(fail)?;
            area.draw(&Text::new(b.as_str(), (mid.0, mid.1 + gap), style))
                .map_err(fail)?;
        }
    }
    Ok(())
}

fn heatmap_labels<DB: DrawingBackend>(
    h: &HeatmapPanel,
    g: &Grid,
    area: &DrawingArea<DB, Shift>,
) -> Result<()> {
    let cell = g.cell;
    let right = text(TICK_PT, &INK, HPos::Right, VPos::Center);
    for (r, l) in h.row_labels.iter().enumerate() {
        let y = g.y0 + r as i32 * cell + cell / 2;
        let label = shorten(l, HEATMAP_LABEL_CHARS);
        area.draw(&Text::new(label, (g.x0 - 6, y), right.clone()))
            .map_err(fail)?;
    }
    let below = text(TICK_PT, &INK, HPos::Center, VPos::Top);
    let col_chars = ((f64::from(cell) / (TICK_PX * 0.6)) as usize).clamp(3, HEATMAP_LABEL_CHARS);
    let grid_bottom = g.y0 + g.rows * cell;
    for (c, l) in h.col_labels.iter().enumerate() {
        let x = g.x0 + c as i32 * cell + cell / 2;
        area.draw(&Text::new(
            shorten(l, col_chars),
            (x, grid_bottom + 6),
            below.clone(),
        ))
        .map_err(fail)?;
    }
    let x_desc = text(AXIS_PT, &INK, HPos::Center, VPos::Top);
    let x_mid = g.x0 + g.cols * cell / 2;
    area.draw(&Text::new(
        h.x_label.as_str(),
        (x_mid, grid_bottom + 34),
        x_desc,
    ))
    .map_err(fail)?;
    let rotated = TextStyle::from(
        (FAMILY, AXIS_PT)
            .into_font()
            .transform(FontTransform::Rotate270),
    )
    .color(&INK)
    .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(
        h.y_label.as_str(),
        (14, g.y0 + g.rows * cell / 2),
        rotated,
    ))
    .map_err(fail)?;
    Ok(())
}

/// Longest bar label drawn, in characters.
const BAR_LABEL_CHARS: usize = 32;

/// Horizontal bars, largest on top: each label right-aligned before its bar, each value after it.
fn bars<DB: DrawingBackend>(
    b: &BarPanel,
    title: &str,
    area: &DrawingArea<DB, Shift>,
) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    area.draw(&Text::new(
        title,
        (w / 2, 24),
        text(TITLE_PT, &INK, HPos::Center, VPos::Center),
    ))
    .map_err(fail)?;
    let labels: Vec<String> = b
        .labels
        .iter()
        .map(|l| shorten(l, BAR_LABEL_CHARS))
        .collect();
    let widest = labels
        .iter()
        .map(|l| text_width(l, TICK_PX))
        .fold(0.0, f64::max);
    let x0 = 16 + (widest.ceil() as i32).clamp(20, (w / 2).max(20)) + 10;
    let values: Vec<String> = b.values.iter().map(|v| metric(*v)).collect();
    let value_w = values
        .iter()
        .map(|v| text_width(v, TICK_PX))
        .fold(0.0, f64::max)
        .ceil() as i32;
    let bar_w = (w - x0 - value_w - 24).max(20);
    let top = b.values.iter().copied().fold(0.0, f64::max);
    let row = BAR_ROW as i32;
    let y0 = BAR_TOP as i32;
    let fill = rgb(crate::chart::PALETTE[0]).mix(0.8).filled();
    let left = text(TICK_PT, &INK, HPos::Left, VPos::Center);
    let right = text(TICK_PT, &INK, HPos::Right, VPos::Center);
    for (i, ((label, v), shown)) in labels.iter().zip(&b.values).zip(&values).enumerate() {
        let y = y0 + i as i32 * row;
        let len = if top > 0.0 {
            (v / top * f64::from(bar_w)).round() as i32
        } else {
            0
        };
        area.draw(&Rectangle::new(
            [(x0, y + 3), (x0 + len, y + row - 3)],
            fill,
        ))
        .map_err(fail)?;
        area.draw(&Text::new(
            label.as_str(),
            (x0 - 8, y + row / 2),
            right.clone(),
        ))
        .map_err(fail)?;
        area.draw(&Text::new(
            shown.as_str(),
            (x0 + len + 6, y + row / 2),
            left.clone(),
        ))
        .map_err(fail)?;
    }
    let bottom = y0 + b.values.len() as i32 * row;
    area.draw(&PathElement::new(
        vec![(x0, y0 - 2), (x0, bottom + 2)],
        RGBColor(120, 120, 120).stroke_width(1),
    ))
    .map_err(fail)?;
    area.draw(&Text::new(
        b.x_label.as_str(),
        (x0 + bar_w / 2, (bottom + 12).min(h - 24)),
        text(AXIS_PT, &INK, HPos::Center, VPos::Top),
    ))
    .map_err(fail)?;
    Ok(())
}

/// Room right of the plotting area of parallel coordinates: the colour bar and its texts.
const PARALLEL_RIGHT: i32 = 150;

/// Parallel coordinates: evenly spaced vertical axes, one polyline per record coloured by its
/// shade (the best drawn last, on top), and a colour bar at the right.
fn parallel<DB: DrawingBackend>(
    p: &ParallelPanel,
    title: &str,
    area: &DrawingArea<DB, Shift>,
) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    area.draw(&Text::new(
        title,
        (w / 2, 24),
        text(TITLE_PT, &INK, HPos::Center, VPos::Center),
    ))
    .map_err(fail)?;
    let n = p.axes.len() as i32;
    let (left, right) = (80, w - PARALLEL_RIGHT);
    let (top, bottom) = (64, h - 78);
    let spacing = if n > 1 {
        (right - left) / (n - 1)
    } else {
        right - left
    };
    let axis_x = |i: usize| {
        if n > 1 {
            left + i as i32 * spacing
        } else {
            (left + right) / 2
        }
    };
    let y_of = |v: f64| bottom - (v * f64::from(bottom - top)).round() as i32;
    let mut order: Vec<usize> = (0..p.lines.len()).collect();
    order.sort_by(|&a, &b| p.shade[a].total_cmp(&p.shade[b]));
    for i in order {
        let points: Vec<(i32, i32)> = p.lines[i]
            .iter()
            .enumerate()
            .filter_map(|(k, v)| v.map(|v| (axis_x(k), y_of(v))))
            .collect();
        let color = blues(0.25 + 0.75 * p.shade[i]).mix(0.85);
        if points.len() == 1 {
            area.draw(&Circle::new(points[0], 2, color.filled()))
                .map_err(fail)?;
        } else {
            area.draw(&PathElement::new(points, color.stroke_width(1)))
                .map_err(fail)?;
        }
    }
    let axis_style = RGBColor(90, 90, 90).stroke_width(1);
    let tick_chars = ((f64::from(spacing.max(60)) - 16.0) / (TICK_PX * 0.62)) as usize;
    let label_chars = ((f64::from(spacing.max(60)) * 2.0 - 10.0) / (AXIS_PX * 0.62)) as usize;
    let right_text = text(TICK_PT, &INK, HPos::Right, VPos::Center);
    let below = text(AXIS_PT, &INK, HPos::Center, VPos::Top);
    for (k, axis) in p.axes.iter().enumerate() {
        let x = axis_x(k);
        area.draw(&PathElement::new(vec![(x, top), (x, bottom)], axis_style))
            .map_err(fail)?;
        for (pos, label) in &axis.ticks {
            let y = y_of(*pos);
            area.draw(&PathElement::new(vec![(x - 4, y), (x, y)], axis_style))
                .map_err(fail)?;
            let label = shorten(label, tick_chars.clamp(3, 14));
            // A light backdrop keeps the label legible over the lines.
            let half = (TICK_PX * 0.6) as i32;
            let wide = text_width(&label, TICK_PX).ceil() as i32;
            area.draw(&Rectangle::new(
                [(x - 8 - wide, y - half), (x - 5, y + half)],
                WHITE.mix(0.8).filled(),
            ))
            .map_err(fail)?;
            area.draw(&Text::new(label, (x - 6, y), right_text.clone()))
                .map_err(fail)?;
        }
        // Neighbouring labels alternate between two lines when they are too wide for one.
        let stagger = if k % 2 == 1 && n > 2 { 24 } else { 0 };
        area.draw(&Text::new(
            shorten(&axis.label, label_chars.clamp(4, 40)),
            (x, bottom + 12 + stagger),
            below.clone(),
        ))
        .map_err(fail)?;
    }
    // The colour bar: shade 1 at the top.
    let bar_x = w - PARALLEL_RIGHT + 40;
    let steps = 40;
    for s in 0..steps {
        let y0 = top + (bottom - top) * s / steps;
        let y1 = top + (bottom - top) * (s + 1) / steps;
        let shade = 1.0 - (f64::from(s) + 0.5) / f64::from(steps);
        area.draw(&Rectangle::new(
            [(bar_x, y0), (bar_x + 14, y1)],
            blues(0.25 + 0.75 * shade).filled(),
        ))
        .map_err(fail)?;
    }
    let left_text = text(TICK_PT, &INK, HPos::Left, VPos::Center);
    area.draw(&Text::new(
        shorten(&p.shade_ends.1, 12),
        (bar_x + 20, top + 6),
        left_text.clone(),
    ))
    .map_err(fail)?;
    area.draw(&Text::new(
        shorten(&p.shade_ends.0, 12),
        (bar_x + 20, bottom - 6),
        left_text,
    ))
    .map_err(fail)?;
    area.draw(&Text::new(
        shorten(&p.shade_label, 18),
        (w - 8, top - 20),
        text(TICK_PT, &INK, HPos::Right, VPos::Center),
    ))
    .map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("ééééééé", 4), "ééé…");
    }

    #[test]
    fn ticks_of_log_and_category_axes() {
        assert_eq!(short_number(0.001), "0.001");
        assert_eq!(short_number(0.012345), "0.0123");
        assert_eq!(short_number(250.0), "250");
        assert_eq!(short_number(1e-5), "1e-5");
        assert_eq!(short_number(3.0e6), "3e6");
        assert_eq!(log_tick(-2.0, 3.0), "0.01");
        assert_eq!(log_tick(-2.5, 3.0), "");
        assert_eq!(log_tick(0.5, 1.0), "3.16");
        let c = vec!["gbdt".to_string(), "dart".to_string()];
        assert_eq!(category_tick(&c, 1.0, 10), "dart");
        assert_eq!(category_tick(&c, 0.5, 10), "");
        assert_eq!(category_tick(&c, 2.0, 10), "");
        assert_eq!(category_tick(&c, -1.0, 10), "");
    }

    #[test]
    fn blues_runs_from_light_to_dark() {
        assert_eq!(blues(0.0), RGBColor(247, 251, 255));
        assert_eq!(blues(1.0), RGBColor(8, 48, 107));
        assert_eq!(blues(7.0), blues(1.0));
    }
}
