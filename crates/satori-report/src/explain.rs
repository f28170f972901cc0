//! The explanation report of `satori explain --report`: one self-contained HTML page (inline
//! CSS and SVG, no scripts, no network) with the pictures of whatever was computed:
//!
//! - [`importance_svg`]: global importances as horizontal bars with their ± std whiskers
//!   (permutation importance may be negative: a column whose shuffling helps);
//! - [`pdp_svg`]: partial dependence, one column as a curve over thin ICE curves (categories as
//!   points), two columns as a heat map;
//! - from an [`Explanation`] (SHAP values): [`beeswarm_svg`] (every row's contribution per
//!   column, columns by mean |value|, dots coloured by the column's value from low (blue) to high
//!   (red)), [`waterfall_svg`] (one row: from the base value through each column's contribution
//!   to the prediction), [`force_svg`] (the same row as shap's force plot: one band from the base
//!   value to the prediction, up-pushers red, down-pushers blue) and [`dependence_svg`] (a column's value against its contribution,
//!   coloured by the column it interacts with most, [`strongest_interaction`]).
//!
//! The pictures are plain SVG written here (text is SVG text in the page's font), sized in
//! pixels, with every coordinate finite: input that cannot be drawn (no rows, no columns,
//! non-finite values) is an [`Error`], never a broken picture.

use std::fmt::Write as _;

use ndarray::Axis;
use satori_core::{Error, Result};
use satori_explain::{Explanation, Importances, PartialDependence};

/// Most columns a bar chart or beeswarm shows (the rest are summed or left out, as stated).
pub const TOP_COLUMNS: usize = 20;
/// Most ICE curves drawn under a partial-dependence curve (evenly spaced rows).
pub const MAX_ICE_CURVES: usize = 100;

const BLUE: (u8, u8, u8) = (0, 139, 251);
const RED: (u8, u8, u8) = (255, 0, 82);
const LINE: &str = "#1f77b4";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number for an axis or a label: short, no trailing zeros.
fn num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    let s = if !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.4}")
    };
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Blue → purple → red, shap's colour map, for `t` in [0, 1].
fn shade(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(BLUE.0, RED.0),
        mix(BLUE.1, RED.1),
        mix(BLUE.2, RED.2)
    )
}

/// A linear map from data to pixels.
#[derive(Clone, Copy)]
struct Scale {
    d0: f64,
    d1: f64,
    p0: f64,
    p1: f64,
}

impl Scale {
    fn new(lo: f64, hi: f64, p0: f64, p1: f64) -> Scale {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo - pad, hi + pad)
        };
        Scale {
            d0: lo,
            d1: hi,
            p0,
            p1,
        }
    }

    fn padded(lo: f64, hi: f64, p0: f64, p1: f64) -> Scale {
        let pad = (hi - lo) * 0.05;
        Scale::new(lo - pad, hi + pad, p0, p1)
    }

    fn at(&self, v: f64) -> f64 {
        self.p0 + (v - self.d0) / (self.d1 - self.d0) * (self.p1 - self.p0)
    }

    /// About `n` round tick values inside the domain.
    fn ticks(&self, n: usize) -> Vec<f64> {
        let span = self.d1 - self.d0;
        let raw = span / n.max(1) as f64;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        let mut t = (self.d0 / step).ceil() * step;
        let mut out = Vec::new();
        while t <= self.d1 + step * 1e-9 && out.len() < 50 {
            out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
            t += step;
        }
        out
    }
}

fn finite(what: &str, values: impl IntoIterator<Item = f64>) -> Result<()> {
    if values.into_iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidData(format!(
            "{what} holds a value that is not a finite number; nothing can be drawn"
        )));
    }
    Ok(())
}

fn open_svg(out: &mut String, w: f64, h: f64, title: &str) {
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" \
viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" \
font-size=\"13\" role=\"img\"><title>{}</title>",
        esc(title)
    );
    let _ = writeln!(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"22\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{}</text>",
        w / 2.0,
        esc(title)
    );
}

/// A horizontal axis at pixel `y` with ticks and a description.
fn x_axis(out: &mut String, s: &Scale, y: f64, label: &str) {
    let _ = writeln!(
        out,
        "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#333\"/>",
        s.p0, s.p1
    );
    for t in s.ticks(6) {
        let x = s.at(t);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#333\"/>\
<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            y + 4.0,
            y + 16.0,
            num(t)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (s.p0 + s.p1) / 2.0,
        y + 34.0,
        esc(label)
    );
}

/// A vertical axis at pixel `x` with ticks and a description.
fn y_axis(out: &mut String, s: &Scale, x: f64, label: &str) {
    let _ = writeln!(
        out,
        "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#333\"/>",
        s.p0, s.p1
    );
    for t in s.ticks(5) {
        let y = s.at(t);
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{y:.1}\" stroke=\"#333\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\">{}</text>",
            x - 4.0,
            x - 6.0,
            y + 4.0,
            num(t)
        );
    }
    let cy = (s.p0 + s.p1) / 2.0;
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{cy:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 {:.1} {cy:.1})\">{}</text>",
        x - 52.0,
        x - 52.0,
        esc(label)
    );
}

/// A colour bar from low (blue) to high (red) at the right edge.
fn color_bar(out: &mut String, x: f64, y0: f64, y1: f64, label: &str) {
    let _ = writeln!(
        out,
        "<defs><linearGradient id=\"shapgrad\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\
<stop offset=\"0\" stop-color=\"{}\"/><stop offset=\"1\" stop-color=\"{}\"/></linearGradient></defs>\
<rect x=\"{x:.1}\" y=\"{y0:.1}\" width=\"10\" height=\"{:.1}\" fill=\"url(#shapgrad)\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">high</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">low</text>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 {:.1} {:.1})\">{}</text>",
        shade(0.0),
        shade(1.0),
        y1 - y0,
        x + 14.0,
        y0 + 10.0,
        x + 14.0,
        y1,
        x + 44.0,
        (y0 + y1) / 2.0,
        x + 44.0,
        (y0 + y1) / 2.0,
        esc(label)
    );
}

/// Global importances as horizontal bars, most important on top, with ± std whiskers; at most
/// [`TOP_COLUMNS`] bars (the title says when some are left out).
pub fn importance_svg(imp: &Importances) -> Result<String> {
    if imp.columns.is_empty() {
        return Err(Error::InvalidData("no importances to draw".into()));
    }
    finite("the importances", imp.mean.iter().chain(&imp.std).copied())?;
    let order: Vec<usize> = imp.ranking().into_iter().take(TOP_COLUMNS).collect();
    let label_w = order
        .iter()
        .map(|&j| imp.columns[j].chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 30) as f64
        * 7.5
        + 16.0;
    let (w, row) = (720.0, 24.0);
    let h = 60.0 + row * order.len() as f64 + 56.0;
    let lo = order
        .iter()
        .map(|&j| imp.mean[j] - imp.std[j])
        .fold(0.0, f64::min);
    let hi = order
        .iter()
        .map(|&j| imp.mean[j] + imp.std[j])
        .fold(0.0, f64::max);
    let s = Scale::padded(lo, hi, label_w, w - 24.0);
    let mut title = format!("{} importance ({})", method_title(&imp.method), imp.metric);
    if order.len() < imp.columns.len() {
        title.push_str(&format!(", top {} of {}", order.len(), imp.columns.len()));
    }
    let mut out = String::new();
    open_svg(&mut out, w, h, &title);
    let zero = s.at(0.0);
    for (r, &j) in order.iter().enumerate() {
        let y = 44.0 + r as f64 * row;
        let m = imp.mean[j];
        let (x0, x1) = if m >= 0.0 {
            (zero, s.at(m))
        } else {
            (s.at(m), zero)
        };
        let _ = writeln!(
            out,
            "<g class=\"bar\" data-column=\"{}\"><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{LINE}\"/>\
<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#222\"/></g>",
            esc(&imp.columns[j]),
            label_w - 8.0,
            y + row * 0.65,
            esc(&imp.columns[j]),
            y + 3.0,
            (x1 - x0).max(0.5),
            row - 6.0,
            s.at(m - imp.std[j]),
            y + row / 2.0,
            s.at(m + imp.std[j]),
            y + row / 2.0
        );
    }
    let axis_y = 44.0 + row * order.len() as f64 + 4.0;
    let _ = writeln!(
        out,
        "<line x1=\"{zero:.1}\" y1=\"40\" x2=\"{zero:.1}\" y2=\"{axis_y:.1}\" stroke=\"#999\"/>"
    );
    let what = if imp.greater_is_better {
        format!("decrease in {} (mean ± std)", imp.metric)
    } else {
        format!("increase in {} (mean ± std)", imp.metric)
    };
    x_axis(&mut out, &s, axis_y, &what);
    out.push_str("</svg>\n");
    Ok(out)
}

fn method_title(method: &str) -> &'static str {
    match method {
        "drop_column" => "Drop-column",
        _ => "Permutation",
    }
}

/// Partial dependence of output `k`: one numeric column as a curve over at most
/// [`MAX_ICE_CURVES`] thin ICE curves, a categorical column as points, two columns as a heat map.
pub fn pdp_svg(pd: &PartialDependence, k: usize) -> Result<String> {
    if k >= pd.outputs.len() {
        return Err(Error::param(
            "output",
            format!("{k} is out of range ({} outputs)", pd.outputs.len()),
        ));
    }
    finite("the partial dependence", pd.average.iter().copied())?;
    let (w, h) = (640.0, 440.0);
    let (left, right, top, bottom) = (80.0, w - 90.0, 40.0, h - 60.0);
    let output = &pd.outputs[k];
    let mut out = String::new();
    match pd.columns.len() {
        1 => {
            let grid = &pd.grid[0];
            let avg: Vec<f64> = pd.average.row(k).to_vec();
            let ice: Vec<Vec<f64>> = match &pd.individual {
                Some(ind) => {
                    let rows = ind.shape()[1];
                    let step = rows.div_ceil(MAX_ICE_CURVES).max(1);
                    (0..rows)
                        .step_by(step)
                        .map(|i| ind.index_axis(Axis(0), k).row(i).to_vec())
                        .collect()
                }
                None => Vec::new(),
            };
            finite("the ICE curves", ice.iter().flatten().copied())?;
            let (lo, hi) = avg
                .iter()
                .chain(ice.iter().flatten())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            let ys = Scale::padded(lo, hi, bottom, top);
            let categorical = pd.grid_labels[0].is_some();
            let xs = if categorical {
                Scale::new(-0.5, grid.len() as f64 - 0.5, left, right)
            } else {
                Scale::padded(grid[0], grid[grid.len() - 1], left, right)
            };
            let xpos = |i: usize| {
                if categorical {
                    xs.at(i as f64)
                } else {
                    xs.at(grid[i])
                }
            };
            open_svg(
                &mut out,
                w,
                h,
                &format!("Partial dependence of {} on {}", output, pd.columns[0]),
            );
            let path = |vals: &[f64]| -> String {
                vals.iter()
                    .enumerate()
                    .map(|(i, v)| format!("{:.1},{:.1}", xpos(i), ys.at(*v)))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            for c in &ice {
                let _ = writeln!(
                    out,
                    "<polyline class=\"ice\" points=\"{}\" fill=\"none\" stroke=\"#9aa\" stroke-opacity=\"0.45\" stroke-width=\"0.8\"/>",
                    path(c)
                );
            }
            if !categorical {
                let _ = writeln!(
                    out,
                    "<polyline class=\"pd\" points=\"{}\" fill=\"none\" stroke=\"{LINE}\" stroke-width=\"2.5\"/>",
                    path(&avg)
                );
            }
            for (i, v) in avg.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "<circle class=\"pd-point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\" fill=\"{LINE}\"/>",
                    xpos(i),
                    ys.at(*v),
                    if categorical { 5 } else { 2 }
                );
            }
            if let Some(labels) = &pd.grid_labels[0] {
                let _ = writeln!(
                    out,
                    "<line x1=\"{left:.1}\" y1=\"{bottom:.1}\" x2=\"{right:.1}\" y2=\"{bottom:.1}\" stroke=\"#333\"/>"
                );
                for (i, code) in grid.iter().enumerate() {
                    let name = labels.get(*code as usize).map_or("?", String::as_str);
                    let _ = writeln!(
                        out,
                        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
                        xpos(i),
                        bottom + 16.0,
                        esc(name)
                    );
                }
                let _ = writeln!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    (left + right) / 2.0,
                    bottom + 34.0,
                    esc(&pd.columns[0])
                );
            } else {
                x_axis(&mut out, &xs, bottom, &pd.columns[0]);
            }
            y_axis(
                &mut out,
                &ys,
                left,
                &format!("partial dependence ({output})"),
            );
        }
        2 => {
            let (g0, g1) = (&pd.grid[0], &pd.grid[1]);
            let vals: Vec<f64> = pd.average.row(k).to_vec();
            let (lo, hi) = vals
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            open_svg(
                &mut out,
                w,
                h,
                &format!(
                    "Partial dependence of {} on {} × {}",
                    output, pd.columns[0], pd.columns[1]
                ),
            );
            let cw = (right - left) / g0.len() as f64;
            let ch = (bottom - top) / g1.len() as f64;
            for (a, _) in g0.iter().enumerate() {
                for (b, _) in g1.iter().enumerate() {
                    let v = vals[a * g1.len() + b];
                    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                    let _ = writeln!(
                        out,
                        "<rect class=\"cell\" x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{}\"><title>{}</title></rect>",
                        left + a as f64 * cw,
                        bottom - (b + 1) as f64 * ch,
                        cw + 0.3,
                        ch + 0.3,
                        shade(t),
                        num(v)
                    );
                }
            }
            let label_at = |j: usize, i: usize| -> String {
                match &pd.grid_labels[j] {
                    Some(l) => l.get(pd.grid[j][i] as usize).cloned().unwrap_or_default(),
                    None => num(pd.grid[j][i]),
                }
            };
            let every0 = g0.len().div_ceil(8).max(1);
            for i in (0..g0.len()).step_by(every0) {
                let _ = writeln!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
                    left + (i as f64 + 0.5) * cw,
                    bottom + 16.0,
                    esc(&label_at(0, i))
                );
            }
            let every1 = g1.len().div_ceil(8).max(1);
            for i in (0..g1.len()).step_by(every1) {
                let _ = writeln!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\">{}</text>",
                    left - 6.0,
                    bottom - (i as f64 + 0.5) * ch + 4.0,
                    esc(&label_at(1, i))
                );
            }
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 {:.1} {:.1})\">{}</text>",
                (left + right) / 2.0,
                bottom + 34.0,
                esc(&pd.columns[0]),
                left - 56.0,
                (top + bottom) / 2.0,
                left - 56.0,
                (top + bottom) / 2.0,
                esc(&pd.columns[1])
            );
            color_bar(
                &mut out,
                right + 14.0,
                top,
                bottom,
                &format!("{} … {}", num(lo), num(hi)),
            );
        }
        n => {
            return Err(Error::InvalidData(format!(
                "partial dependence of {n} columns cannot be drawn (one or two)"
            )));
        }
    }
    out.push_str("</svg>\n");
    Ok(out)
}

fn check_explanation(e: &Explanation, k: usize) -> Result<()> {
    let (rows, cols, outs) = e.values.dim();
    if rows == 0 || cols == 0 {
        return Err(Error::InvalidData(
            "the explanation has no rows or no columns to draw".into(),
        ));
    }
    if k >= outs {
        return Err(Error::param(
            "output",
            format!("{k} is out of range ({outs} outputs)"),
        ));
    }
    finite("the SHAP values", e.values.iter().copied())
}

/// Each column's values scaled to [0, 1] over the explained rows (NaN stays NaN): the colour of
/// a dot.
fn value_shades(e: &Explanation, j: usize) -> Vec<f64> {
    let col = e.data.column(j);
    let (lo, hi) = col
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    col.iter()
        .map(|&v| {
            if !v.is_finite() {
                f64::NAN
            } else if hi > lo {
                (v - lo) / (hi - lo)
            } else {
                0.5
            }
        })
        .collect()
}

fn dot_color(t: f64) -> String {
    if t.is_nan() {
        "#999999".into()
    } else {
        shade(t)
    }
}

/// The SHAP summary (beeswarm) of output `k`: one row of dots per column, columns ordered by
/// mean |SHAP value| (at most [`TOP_COLUMNS`]), each dot a row at its contribution, dots piled
/// up where they crowd, coloured by the column's value (grey where it is missing or text).
pub fn beeswarm_svg(e: &Explanation, k: usize) -> Result<String> {
    check_explanation(e, k)?;
    let mean_abs = e.mean_abs(k);
    let mut order: Vec<usize> = (0..e.columns.len()).collect();
    order.sort_by(|&a, &b| mean_abs[b].total_cmp(&mean_abs[a]));
    order.truncate(TOP_COLUMNS);
    let label_w = order
        .iter()
        .map(|&j| e.columns[j].chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 30) as f64
        * 7.5
        + 16.0;
    let (w, row) = (760.0, 34.0);
    let h = 50.0 + row * order.len() as f64 + 60.0;
    let vals = e.values.index_axis(Axis(2), k);
    let (lo, hi) = vals
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let s = Scale::padded(lo.min(0.0), hi.max(0.0), label_w, w - 90.0);
    let mut out = String::new();
    open_svg(
        &mut out,
        w,
        h,
        &format!("SHAP summary ({}, {} rows)", e.outputs[k], e.rows.len()),
    );
    let zero = s.at(0.0);
    let axis_y = 44.0 + row * order.len() as f64 + 4.0;
    let _ = writeln!(
        out,
        "<line x1=\"{zero:.1}\" y1=\"40\" x2=\"{zero:.1}\" y2=\"{axis_y:.1}\" stroke=\"#999\"/>"
    );
    for (r, &j) in order.iter().enumerate() {
        let cy = 44.0 + r as f64 * row + row / 2.0;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><g class=\"swarm\" data-column=\"{}\">",
            label_w - 8.0,
            cy + 4.0,
            esc(&e.columns[j]),
            esc(&e.columns[j])
        );
        let shades = value_shades(e, j);
        // Pile dots that fall in the same 3-pixel bin, alternating above and below the line.
        let mut bins: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
        let col = vals.column(j);
        let mut rows: Vec<usize> = (0..col.len()).collect();
        rows.sort_by(|&a, &b| col[a].total_cmp(&col[b]));
        for i in rows {
            let x = s.at(col[i]);
            let n = bins.entry((x / 3.0).round() as i64).or_insert(0);
            let level = *n as f64;
            *n += 1;
            let off = ((level + 1.0) / 2.0).floor()
                * if (*n).is_multiple_of(2) { 1.0 } else { -1.0 }
                * 2.2;
            let y = cy + off.clamp(-row / 2.0 + 2.0, row / 2.0 - 2.0);
            let _ = writeln!(
                out,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.2\" fill=\"{}\"/>",
                dot_color(shades[i])
            );
        }
        out.push_str("</g>\n");
    }
    x_axis(
        &mut out,
        &s,
        axis_y,
        &format!("SHAP value (contribution to {})", output_space_name(e)),
    );
    color_bar(&mut out, w - 76.0, 50.0, axis_y - 10.0, "column value");
    out.push_str("</svg>\n");
    Ok(out)
}

fn output_space_name(e: &Explanation) -> &'static str {
    match e.output_space {
        satori_explain::OutputSpace::Value => "the prediction",
        satori_explain::OutputSpace::Margin => "the margin (log-odds)",
        satori_explain::OutputSpace::Probability => "the probability",
    }
}

/// The waterfall of explained row `i` (an index into [`Explanation::rows`]) and output `k`: from
/// the base value, each column's contribution as a bar (largest |value| on top, at most
/// [`TOP_COLUMNS`] − 1, the rest summed as "other columns"), ending at the prediction.
pub fn waterfall_svg(e: &Explanation, i: usize, k: usize) -> Result<String> {
    check_explanation(e, k)?;
    if i >= e.rows.len() {
        return Err(Error::param(
            "row",
            format!("{i} is out of range ({} explained rows)", e.rows.len()),
        ));
    }
    let phi: Vec<f64> = (0..e.columns.len()).map(|j| e.values[[i, j, k]]).collect();
    let mut order: Vec<usize> = (0..phi.len()).collect();
    order.sort_by(|&a, &b| phi[b].abs().total_cmp(&phi[a].abs()));
    let shown = order.len().min(TOP_COLUMNS - 1);
    let mut items: Vec<(String, f64)> = order[..shown]
        .iter()
        .map(|&j| {
            let v = e.data[[i, j]];
            let label = if v.is_finite() {
                format!("{} = {}", e.columns[j], num(v))
            } else {
                e.columns[j].clone()
            };
            (label, phi[j])
        })
        .collect();
    if order.len() > shown {
        let rest: f64 = order[shown..].iter().map(|&j| phi[j]).sum();
        items.push((format!("{} other columns", order.len() - shown), rest));
    }
    // Bottom to top, as shap draws it: the smallest at the bottom starts from the base value.
    items.reverse();
    let base = e.base_values[k];
    let fx = base + phi.iter().sum::<f64>();
    let mut running = base;
    let mut spans = Vec::new();
    for (_, v) in &items {
        spans.push((running, running + v));
        running += v;
    }
    let (lo, hi) = spans
        .iter()
        .flat_map(|&(a, b)| [a, b])
        .chain([base, fx])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let label_w = items
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 36) as f64
        * 7.0
        + 16.0;
    let (w, row) = (760.0, 26.0);
    let h = 70.0 + row * items.len() as f64 + 60.0;
    let s = Scale::padded(lo, hi, label_w, w - 30.0);
    let mut out = String::new();
    open_svg(
        &mut out,
        w,
        h,
        &format!("Why row {} gets {} = {}", e.rows[i], e.outputs[k], num(fx)),
    );
    let n = items.len();
    for (r, ((label, v), (a, b))) in items.iter().zip(&spans).enumerate() {
        // Row 0 of the drawing is the top: the last item.
        let y = 50.0 + (n - 1 - r) as f64 * row;
        let (x0, x1) = (s.at(a.min(*b)), s.at(a.max(*b)));
        let color = if *v >= 0.0 { shade(1.0) } else { shade(0.0) };
        let _ = writeln!(
            out,
            "<g class=\"step\"><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}{}</text></g>",
            label_w - 8.0,
            y + row * 0.65,
            esc(label),
            y + 3.0,
            (x1 - x0).max(0.8),
            row - 6.0,
            x1 + 4.0,
            y + row * 0.65,
            if *v >= 0.0 { "+" } else { "" },
            num(*v)
        );
    }
    let axis_y = 50.0 + row * n as f64 + 4.0;
    for (v, name) in [(base, "E[f(x)]"), (fx, "f(x)")] {
        let x = s.at(v);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"40\" x2=\"{x:.1}\" y2=\"{axis_y:.1}\" stroke=\"#777\" stroke-dasharray=\"3,3\"/>\
<text x=\"{x:.1}\" y=\"38\" text-anchor=\"middle\" font-size=\"11\">{name} = {}</text>",
            num(v)
        );
    }
    x_axis(&mut out, &s, axis_y, output_space_name(e));
    out.push_str("</svg>\n");
    Ok(out)
}

/// The force plot of explained row `i` and output `k` (shap's `force_plot`): one horizontal band
/// from the base value to the prediction, the columns that push the prediction up (red, left of
/// f(x)) and down (blue, right of it) as arrows-like segments whose lengths are their
/// contributions, the strongest nearest to f(x); segments too short to name stay unnamed.
pub fn force_svg(e: &Explanation, i: usize, k: usize) -> Result<String> {
    check_explanation(e, k)?;
    if i >= e.rows.len() {
        return Err(Error::param(
            "row",
            format!("{i} is out of range ({} explained rows)", e.rows.len()),
        ));
    }
    let phi: Vec<f64> = (0..e.columns.len()).map(|j| e.values[[i, j, k]]).collect();
    let base = e.base_values[k];
    let fx = base + phi.iter().sum::<f64>();
    let label = |j: usize| {
        let v = e.data[[i, j]];
        if v.is_finite() {
            format!("{} = {}", e.columns[j], num(v))
        } else {
            e.columns[j].clone()
        }
    };
    // Up-pushers end at f(x) from the left, strongest nearest; down-pushers start at f(x).
    let mut up: Vec<usize> = (0..phi.len()).filter(|&j| phi[j] > 0.0).collect();
    let mut down: Vec<usize> = (0..phi.len()).filter(|&j| phi[j] < 0.0).collect();
    up.sort_by(|&a, &b| phi[b].total_cmp(&phi[a]));
    down.sort_by(|&a, &b| phi[a].total_cmp(&phi[b]));
    let total_up: f64 = up.iter().map(|&j| phi[j]).sum();
    let total_down: f64 = down.iter().map(|&j| -phi[j]).sum();
    let lo = (fx - total_up).min(base).min(fx);
    let hi = (fx + total_down).max(base).max(fx);
    let (w, h) = (900.0, 190.0);
    let s = Scale::padded(lo, hi, 30.0, w - 30.0);
    let mut out = String::new();
    open_svg(
        &mut out,
        w,
        h,
        &format!(
            "Force plot of row {}: {} = {}",
            e.rows[i],
            e.outputs[k],
            num(fx)
        ),
    );
    let (band_y, band_h) = (70.0, 26.0);
    let segment = |out: &mut String, a: f64, b: f64, j: usize, color: &str, above: bool| {
        let (x0, x1) = (s.at(a.min(b)), s.at(a.max(b)));
        let _ = writeln!(
            out,
            "<g class=\"force\"><rect x=\"{x0:.1}\" y=\"{band_y:.1}\" width=\"{:.1}\" \
height=\"{band_h:.1}\" fill=\"{color}\" stroke=\"white\" stroke-width=\"1\"><title>{} ({}{})</title></rect>",
            (x1 - x0).max(0.8),
            esc(&label(j)),
            if phi[j] >= 0.0 { "+" } else { "" },
            num(phi[j])
        );
        // Name a segment when there is room for its label.
        let text = label(j);
        if x1 - x0 >= 4.0 * text.chars().count() as f64 {
            let y = if above {
                band_y - 8.0
            } else {
                band_y + band_h + 16.0
            };
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" font-size=\"11\" \
fill=\"{color}\">{}</text>",
                (x0 + x1) / 2.0,
                esc(&text)
            );
        }
        out.push_str("</g>\n");
    };
    let mut right = fx;
    for &j in &up {
        segment(&mut out, right - phi[j], right, j, &shade(1.0), true);
        right -= phi[j];
    }
    let mut left = fx;
    for &j in &down {
        segment(&mut out, left, left - phi[j], j, &shade(0.0), false);
        left -= phi[j];
    }
    for (v, name, y) in [(base, "base value", 150.0), (fx, "f(x)", 40.0)] {
        let x = s.at(v);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#333\"/>\
<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\">{name} = {}</text>",
            band_y - 4.0,
            band_y + band_h + 30.0,
            num(v)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"30\" y=\"{:.1}\" font-size=\"11\" fill=\"#555\">red: pushes {} higher; blue: lower</text>",
        h - 12.0,
        output_space_name(e)
    );
    out.push_str("</svg>\n");
    Ok(out)
}

/// The column that interacts most with column `j` for output `k`: with interaction values, the
/// largest mean |interaction|; otherwise shap's `approximate_interactions` heuristic (rows sorted
/// by `j`'s value, cut into bins of about 10 % of the rows; within each bin, the |correlation|
/// of the other column's value with `j`'s SHAP value, summed over bins). `None` when there is
/// no other column with finite values.
pub fn strongest_interaction(e: &Explanation, j: usize, k: usize) -> Option<usize> {
    let n_cols = e.columns.len();
    if let Some(inter) = &e.interactions {
        let rows = inter.shape()[0] as f64;
        return (0..n_cols).filter(|&c| c != j).max_by(|&a, &b| {
            let m = |c: usize| {
                (0..inter.shape()[0])
                    .map(|i| inter[[i, j, c, k]].abs())
                    .sum::<f64>()
                    / rows
            };
            m(a).total_cmp(&m(b))
        });
    }
    let n = e.rows.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| e.data[[a, j]].total_cmp(&e.data[[b, j]]));
    let bin = (n / 10).max(2);
    let corr = |xs: &[f64], ys: &[f64]| -> f64 {
        let pairs: Vec<(f64, f64)> = xs
            .iter()
            .zip(ys)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| (*x, *y))
            .collect();
        if pairs.len() < 2 {
            return 0.0;
        }
        let m = pairs.len() as f64;
        let (mx, my) = pairs
            .iter()
            .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / m, b + y / m));
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (x, y) in &pairs {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
            syy += (y - my) * (y - my);
        }
        if sxx <= 0.0 || syy <= 0.0 {
            0.0
        } else {
            (sxy / (sxx * syy).sqrt()).abs()
        }
    };
    (0..n_cols)
        .filter(|&c| c != j && e.data.column(c).iter().any(|v| v.is_finite()))
        .map(|c| {
            let score: f64 = order
                .chunks(bin)
                .map(|chunk| {
                    let xs: Vec<f64> = chunk.iter().map(|&i| e.data[[i, c]]).collect();
                    let ys: Vec<f64> = chunk.iter().map(|&i| e.values[[i, j, k]]).collect();
                    corr(&xs, &ys)
                })
                .sum();
            (c, score)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

/// The dependence plot of column `j` for output `k`: each row's value of `j` against its SHAP
/// value, coloured by the value of the column it interacts with most
/// ([`strongest_interaction`]); rows whose `j` is missing are left out.
pub fn dependence_svg(e: &Explanation, j: usize, k: usize) -> Result<String> {
    check_explanation(e, k)?;
    if j >= e.columns.len() {
        return Err(Error::param(
            "column",
            format!("{j} is out of range ({} columns)", e.columns.len()),
        ));
    }
    let pts: Vec<(usize, f64, f64)> = (0..e.rows.len())
        .filter(|&i| e.data[[i, j]].is_finite())
        .map(|i| (i, e.data[[i, j]], e.values[[i, j, k]]))
        .collect();
    if pts.is_empty() {
        return Err(Error::InvalidData(format!(
            "`{}` has no numeric values among the explained rows (text or all missing)",
            e.columns[j]
        )));
    }
    let inter = strongest_interaction(e, j, k);
    let shades = inter.map(|c| value_shades(e, c));
    let (xlo, xhi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let (ylo, yhi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.2), b.max(p.2))
        });
    let (w, h) = (640.0, 440.0);
    let xs = Scale::padded(xlo, xhi, 80.0, w - 100.0);
    let ys = Scale::padded(ylo, yhi, h - 60.0, 40.0);
    let mut out = String::new();
    open_svg(
        &mut out,
        w,
        h,
        &format!("SHAP dependence of {} ({})", e.columns[j], e.outputs[k]),
    );
    for &(i, x, y) in &pts {
        let color = match &shades {
            Some(s) => dot_color(s[i]),
            None => LINE.to_string(),
        };
        let _ = writeln!(
            out,
            "<circle class=\"dot\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.6\" fill=\"{color}\" fill-opacity=\"0.85\"/>",
            xs.at(x),
            ys.at(y)
        );
    }
    x_axis(&mut out, &xs, h - 60.0, &e.columns[j]);
    y_axis(
        &mut out,
        &ys,
        80.0,
        &format!("SHAP value of {}", e.columns[j]),
    );
    if let Some(c) = inter {
        color_bar(&mut out, w - 86.0, 50.0, h - 70.0, &e.columns[c]);
    }
    out.push_str("</svg>\n");
    Ok(out)
}

/// What an explanation report shows; every part is optional and its section is left out when
/// missing.
#[derive(Debug, Default)]
pub struct ExplainReportInput<'a> {
    /// The page's title (e.g. the model file's name).
    pub title: String,
    /// Global importances.
    pub importances: Option<&'a Importances>,
    /// Partial dependence (and ICE) results.
    pub partial_dependence: Vec<&'a PartialDependence>,
    /// SHAP values: the beeswarm, the first row's waterfall and a dependence plot of the most
    /// important column.
    pub explanation: Option<&'a Explanation>,
    /// Lines of text stated under the title (what was computed, on which data).
    pub notes: Vec<String>,
}

/// The report as one self-contained HTML page.
pub fn render_explain_report(input: &ExplainReportInput<'_>) -> Result<String> {
    let mut sections: Vec<(String, String, Vec<String>)> = Vec::new();
    if let Some(imp) = input.importances {
        sections.push((
            "importance".into(),
            format!("{} importance", method_title(&imp.method)),
            vec![importance_svg(imp)?],
        ));
    }
    for (n, pd) in input.partial_dependence.iter().enumerate() {
        let pics = (0..pd.outputs.len())
            .map(|k| pdp_svg(pd, k))
            .collect::<Result<Vec<_>>>()?;
        sections.push((
            format!("pdp-{n}"),
            format!(
                "Partial dependence{}: {}",
                if pd.individual.is_some() && pd.columns.len() == 1 {
                    " and ICE"
                } else {
                    ""
                },
                pd.columns.join(" × ")
            ),
            pics,
        ));
    }
    if let Some(e) = input.explanation {
        let k = e.outputs.len().saturating_sub(1);
        let top = e
            .mean_abs(k)
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(j, _)| j);
        sections.push((
            "shap-summary".into(),
            "SHAP summary".into(),
            vec![beeswarm_svg(e, k)?],
        ));
        sections.push((
            "shap-waterfall".into(),
            format!("Waterfall and force plot of row {}", e.rows[0]),
            vec![waterfall_svg(e, 0, k)?, force_svg(e, 0, k)?],
        ));
        let dep = dependence_svg(e, top, k).or_else(|_| {
            // The most important column may be text: take the best numeric one.
            let mut order: Vec<usize> = (0..e.columns.len()).collect();
            let m = e.mean_abs(k);
            order.sort_by(|&a, &b| m[b].total_cmp(&m[a]));
            order
                .into_iter()
                .find_map(|j| dependence_svg(e, j, k).ok())
                .ok_or_else(|| Error::InvalidData("no numeric column to draw".into()))
        });
        if let Ok(svg) = dep {
            sections.push((
                "shap-dependence".into(),
                "SHAP dependence".into(),
                vec![svg],
            ));
        }
    }
    if sections.is_empty() {
        return Err(Error::InvalidData(
            "nothing to report: compute importances, partial dependence or SHAP values first"
                .into(),
        ));
    }
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:\">\
<title>{}</title>\
<style>body{{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px auto;max-width:1000px;color:#222}}\
h1{{font-size:22px}}h2{{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}}\
figure{{margin:12px 0}}svg{{max-width:100%;height:auto}}p.note{{color:#555;margin:2px 0}}</style></head><body>\n\
<h1>{}</h1>\n",
        esc(&input.title),
        esc(&input.title)
    );
    for note in &input.notes {
        let _ = writeln!(html, "<p class=\"note\">{}</p>", esc(note));
    }
    for (id, title, pics) in &sections {
        let _ = writeln!(html, "<section id=\"{id}\"><h2>{}</h2>", esc(title));
        for svg in pics {
            let _ = writeln!(html, "<figure>{svg}</figure>");
        }
        html.push_str("</section>\n");
    }
    html.push_str("</body></html>\n");
    Ok(html)
}
