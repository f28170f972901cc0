//! Drawing a [`Chart`] with plotters on any backend (SVG or bitmap). The chart was validated when
//! it was built, so every coordinate here is finite and every range non-empty.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use satori_core::{Error, Result};

use plotters::coord::types::RangedCoordf64;

use crate::chart::{
    AXIS_PX, BAR_ROW, BAR_TOP, BarPanel, Chart, HeatmapPanel, LEGEND_LINE, Mark, PLOT_LEFT, Panel,
    SUBTITLE_PX, Series, TICK_PX, TITLE_PX, XyPanel, legend_lines,
};
use crate::font::{FAMILY, text_width};
use crate::format::metric;

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

/// Grid, ticks and axis descriptions.
fn axes<DB: DrawingBackend>(ctx: &mut XyContext<'_, DB>, p: &XyPanel) -> Result<()> {
    let mut mesh = ctx.configure_mesh();
    if p.x_integer {
        // At most one tick per unit, so that plotters' round steps are whole numbers.
        let span = (p.x_range.1 - p.x_range.0).floor().max(0.0) as usize;
        mesh.x_labels(span.clamp(1, 5) + 1)
            .x_label_formatter(&integer_tick);
    } else {
        mesh.x_labels(6);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("ééééééé", 4), "ééé…");
    }

    #[test]
    fn blues_runs_from_light_to_dark() {
        assert_eq!(blues(0.0), RGBColor(247, 251, 255));
        assert_eq!(blues(1.0), RGBColor(8, 48, 107));
        assert_eq!(blues(7.0), blues(1.0));
    }
}
