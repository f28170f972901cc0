//! Drawing a [`Chart`] with plotters on any backend (SVG or bitmap). The chart was validated when
//! it was built, so every coordinate here is finite and every range non-empty.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use satori_core::{Error, Result};

use plotters::coord::types::RangedCoordf64;

use crate::chart::{Chart, HeatmapPanel, LegendAt, Mark, Panel, XyPanel};
use crate::font::FAMILY;

const TITLE_PT: f64 = 20.0;
const SUBTITLE_PT: f64 = 16.0;
const AXIS_PT: f64 = 15.0;
const TICK_PT: f64 = 13.0;
const LEGEND_PT: f64 = 13.0;
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
    for (panel, area) in chart.panels.iter().zip(areas.iter()) {
        match panel {
            Panel::Xy(p) => {
                let caption = if single {
                    Some(chart.title.as_str())
                } else {
                    p.subtitle.as_deref()
                };
                xy(p, caption, single, area)?;
            }
            Panel::Heatmap(h) => heatmap(h, &chart.title, area)?,
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
    let mut named = false;
    for s in &p.series {
        let color = rgb(s.color);
        let line = ShapeStyle::from(&color).stroke_width(2);
        let bar = color.mix(0.45).filled();
        let dot = color.mix(0.55).filled();
        let anno = match &s.mark {
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
        }
        .map_err(fail)?;
        if let Some(name) = &s.name {
            named = true;
            let swatch = match s.mark {
                Mark::Bars(_) => 0,
                Mark::Scatter(_) => 1,
                _ => 2,
            };
            anno.label(name.as_str()).legend(
                move |(x, y)| -> DynElement<'static, DB, (i32, i32)> {
                    match swatch {
                        0 => Rectangle::new([(x, y - 5), (x + 18, y + 5)], bar).into_dyn(),
                        1 => Circle::new((x + 9, y), 3, dot).into_dyn(),
                        _ => PathElement::new(vec![(x, y), (x + 18, y)], line).into_dyn(),
                    }
                },
            );
        }
    }
    match (named, p.legend) {
        (true, Some(at)) => legend(&mut ctx, at),
        _ => Ok(()),
    }
}

/// Grid, ticks and axis descriptions.
fn axes<DB: DrawingBackend>(ctx: &mut XyContext<'_, DB>, p: &XyPanel) -> Result<()> {
    ctx.configure_mesh()
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .x_labels(6)
        .y_labels(6)
        .label_style((FAMILY, TICK_PT).into_font().color(&INK))
        .axis_desc_style((FAMILY, AXIS_PT).into_font().color(&INK))
        .bold_line_style(RGBColor(222, 222, 222))
        .light_line_style(RGBColor(244, 244, 244))
        .axis_style(RGBColor(120, 120, 120))
        .draw()
        .map_err(fail)
}

fn legend<'a, DB: DrawingBackend + 'a>(ctx: &mut XyContext<'a, DB>, at: LegendAt) -> Result<()> {
    let pos = match at {
        LegendAt::UpperLeft => SeriesLabelPosition::UpperLeft,
        LegendAt::UpperRight => SeriesLabelPosition::UpperRight,
        LegendAt::LowerRight => SeriesLabelPosition::LowerRight,
    };
    ctx.configure_series_labels()
        .position(pos)
        .margin(10)
        .label_font((FAMILY, LEGEND_PT).into_font().color(&INK))
        .background_style(WHITE.mix(0.88))
        .border_style(RGBColor(200, 200, 200))
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
    let left = 40 + (longest as i32 * 8).clamp(16, 140);
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
    let cell_pt = (f64::from(cell) / 4.2).clamp(8.0, 20.0);
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
            if cell < 22 {
                continue;
            }
            let ink: &'static RGBColor = if t > 0.5 { &WHITE } else { &INK };
            let [a, b] = &h.text[i];
            let mid = (cx + cell / 2, cy + cell / 2);
            let gap = (cell_pt * 0.62) as i32;
            let style = |pt: f64| text(pt, ink, HPos::Center, VPos::Center);
            area.draw(&Text::new(a.as_str(), (mid.0, mid.1 - gap), style(cell_pt)))
                .map_err(fail)?;
            area.draw(&Text::new(
                b.as_str(),
                (mid.0, mid.1 + gap),
                style(cell_pt * 0.85),
            ))
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
    let label_pt = (f64::from(cell) / 3.0).clamp(8.0, 15.0);
    let right = text(label_pt, &INK, HPos::Right, VPos::Center);
    for (r, l) in h.row_labels.iter().enumerate() {
        let y = g.y0 + r as i32 * cell + cell / 2;
        let label = shorten(l, HEATMAP_LABEL_CHARS);
        area.draw(&Text::new(label, (g.x0 - 6, y), right.clone()))
            .map_err(fail)?;
    }
    let below = text(label_pt, &INK, HPos::Center, VPos::Top);
    let col_chars = ((f64::from(cell) / (label_pt * 0.6)) as usize).clamp(3, HEATMAP_LABEL_CHARS);
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
