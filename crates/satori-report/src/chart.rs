//! A chart as data: one or more panels, each an x–y plot (lines, markers, bars) or a heatmap.
//! Chart functions build a [`Chart`] from validated input; the `render` module draws it (with
//! `draw`) to SVG or PNG, so the renderer only ever sees finite coordinates and non-empty ranges.
//! This module depends on no other module of the crate but `font` (to measure legend text): the
//! drawing code depends on it.

use satori_core::{Error, Result};

use crate::font::text_width;

/// Width and height of a one-panel chart, in pixels.
pub(crate) const SINGLE: (u32, u32) = (640, 480);
/// Width and height of each panel of a small-multiples chart, in pixels.
pub(crate) const PANEL: (u32, u32) = (420, 330);

/// The palette (matplotlib's `tab10`): series `i` gets colour `i % 10`.
pub(crate) const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// The grey of reference lines (chance, perfect calibration, zero residual).
pub(crate) const REFERENCE: (u8, u8, u8) = (120, 120, 120);

/// Text sizes, in pixels of em (what an SVG's `font-size` says), the same in every chart: a
/// half-width figure of the report (about 520 px for a 640 px chart) still shows tick labels and
/// legends at 11 px or more.
pub(crate) const TITLE_PX: f64 = 18.0;
/// Panel titles of small-multiples charts.
pub(crate) const SUBTITLE_PX: f64 = 16.0;
/// Axis descriptions.
pub(crate) const AXIS_PX: f64 = 16.0;
/// Tick labels, legends, heatmap cells and bar labels.
pub(crate) const TICK_PX: f64 = 14.0;

/// Height of one line of legend entries, in pixels.
pub(crate) const LEGEND_LINE: u32 = 22;
/// Room a legend entry takes besides its text: the swatch, the gap after it, and the space to
/// the next entry.
const LEGEND_ENTRY_EXTRA: f64 = 24.0 + 20.0;
/// Left edge of the legend and of the plotting area within a panel (margin + y label area).
pub(crate) const PLOT_LEFT: u32 = 14 + 68;
/// Height of one bar (and its gap) in a bar chart.
pub(crate) const BAR_ROW: u32 = 26;
/// Room above the first bar (the title) and below the last (the axis description).
pub(crate) const BAR_TOP: u32 = 52;
/// Room below the last bar of a bar chart.
pub(crate) const BAR_BOTTOM: u32 = 48;

/// A rendered-on-demand picture: build it with one of the chart functions, then call
/// [`Chart::svg`] or [`Chart::png`].
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub(crate) title: String,
    pub(crate) panels: Vec<Panel>,
    pub(crate) columns: usize,
    pub(crate) panel_size: (u32, u32),
}

/// One plotting area of a chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Panel {
    Xy(XyPanel),
    Heatmap(HeatmapPanel),
    Bars(BarPanel),
    Parallel(ParallelPanel),
}

/// An x–y plot. Its named series are listed in a legend below the plotting area, so a legend
/// never covers data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct XyPanel {
    pub subtitle: Option<String>,
    pub x_label: String,
    pub y_label: String,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub series: Vec<Series>,
    /// How the x axis' ticks read.
    pub x_axis: XAxis,
}

/// How an x axis' ticks read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum XAxis {
    /// Numbers.
    Plain,
    /// The axis counts (iterations, epochs, trials): ticks only on whole numbers, written
    /// without decimals.
    Integer,
    /// The coordinates are base-10 logarithms: ticks read as the values they stand for.
    Log10,
    /// Category `i` sits at `x = i`: ticks only on whole numbers, written as the category.
    Categories(Vec<String>),
}

/// Parallel coordinates: one vertical axis per variable, one polyline per record across them,
/// each coloured by a shade in [0, 1] (1 the best), and a colour bar explaining the shades.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParallelPanel {
    pub axes: Vec<ParallelAxis>,
    /// Per record, its position on each axis in [0, 1] (bottom to top); `None` where the record
    /// has no value (the line passes that axis by).
    pub lines: Vec<Vec<Option<f64>>>,
    /// Per record, its shade in [0, 1].
    pub shade: Vec<f64>,
    /// What the shades mean, and the texts at the colour bar's ends (shade 0, shade 1).
    pub shade_label: String,
    pub shade_ends: (String, String),
}

/// One axis of a parallel-coordinates panel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParallelAxis {
    pub label: String,
    /// Tick positions in [0, 1] and their texts.
    pub ticks: Vec<(f64, String)>,
}

/// Horizontal bars, one per labelled value, largest first (feature importances).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BarPanel {
    pub labels: Vec<String>,
    /// Finite and non-negative, one per label.
    pub values: Vec<f64>,
    pub x_label: String,
}

/// How a series is drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mark {
    /// A solid polyline.
    Line(Vec<(f64, f64)>),
    /// A dashed polyline (reference lines).
    Dashed(Vec<(f64, f64)>),
    /// A polyline with a circle on each point.
    LineMarkers(Vec<(f64, f64)>),
    /// Unconnected dots.
    Scatter(Vec<(f64, f64)>),
    /// Translucent bars `(left, right, height)`.
    Bars(Vec<(f64, f64, f64)>),
    /// Unconnected crosses (failed trials).
    Cross(Vec<(f64, f64)>),
}

/// One series of an x–y panel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    pub name: Option<String>,
    pub color: (u8, u8, u8),
    pub mark: Mark,
}

/// A matrix of cells, each with a colour intensity in [0, 1] and up to two lines of text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeatmapPanel {
    pub x_label: String,
    pub y_label: String,
    pub row_labels: Vec<String>,
    pub col_labels: Vec<String>,
    /// Row-major intensities in [0, 1].
    pub intensity: Vec<f64>,
    /// Row-major cell texts.
    pub text: Vec<[String; 2]>,
}

impl Series {
    /// A named series in palette colour `i`.
    pub(crate) fn new(name: Option<String>, i: usize, mark: Mark) -> Self {
        Series {
            name,
            color: PALETTE[i % PALETTE.len()],
            mark,
        }
    }

    /// An unnamed dashed grey reference line.
    pub(crate) fn reference(name: Option<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name,
            color: REFERENCE,
            mark: Mark::Dashed(points),
        }
    }

    fn coords(&self) -> Box<dyn Iterator<Item = (f64, f64)> + '_> {
        match &self.mark {
            Mark::Line(p)
            | Mark::Dashed(p)
            | Mark::LineMarkers(p)
            | Mark::Scatter(p)
            | Mark::Cross(p) => Box::new(p.iter().copied()),
            Mark::Bars(b) => Box::new(b.iter().flat_map(|&(l, r, h)| [(l, h), (r, 0.0)])),
        }
    }
}

impl Chart {
    /// A one-panel chart.
    pub(crate) fn single(title: impl Into<String>, panel: Panel) -> Result<Self> {
        Chart::grid(title, vec![panel], 1, SINGLE)
    }

    /// A grid of panels, `columns` wide, each `panel_size` pixels.
    pub(crate) fn grid(
        title: impl Into<String>,
        panels: Vec<Panel>,
        columns: usize,
        panel_size: (u32, u32),
    ) -> Result<Self> {
        let chart = Chart {
            title: title.into(),
            panels,
            columns: columns.max(1),
            panel_size,
        };
        chart.check()?;
        Ok(chart)
    }

    /// The chart's title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Width and height of the rendered picture, in pixels.
    pub fn size(&self) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(self.columns).max(1);
        let cols = self.columns.min(self.panels.len()).max(1);
        let title_h = if self.panels.len() > 1 { 40 } else { 0 };
        (
            self.panel_size.0 * cols as u32,
            (self.panel_size.1 + self.legend_height()) * rows as u32 + title_h,
        )
    }

    /// Height of the legend strip under each panel: the tallest legend of any panel, so that
    /// the panels of a grid keep one size.
    pub(crate) fn legend_height(&self) -> u32 {
        self.panels
            .iter()
            .map(|p| match p {
                Panel::Xy(xy) => legend_height(xy, self.panel_size.0),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    /// Every coordinate finite and every range non-empty: what the renderer relies on.
    fn check(&self) -> Result<()> {
        if self.panels.is_empty() {
            return Err(Error::Internal("a chart without panels".into()));
        }
        for panel in &self.panels {
            match panel {
                Panel::Xy(p) => {
                    let finite = |r: (f64, f64)| r.0.is_finite() && r.1.is_finite() && r.0 < r.1;
                    if !finite(p.x_range) || !finite(p.y_range) {
                        return Err(Error::Internal(format!(
                            "chart `{}`: empty or non-finite axis range",
                            self.title
                        )));
                    }
                    if p.series
                        .iter()
                        .flat_map(Series::coords)
                        .any(|(x, y)| !x.is_finite() || !y.is_finite())
                    {
                        return Err(Error::Internal(format!(
                            "chart `{}`: a non-finite coordinate reached the renderer",
                            self.title
                        )));
                    }
                }
                Panel::Bars(b) => {
                    if b.labels.is_empty()
                        || b.labels.len() != b.values.len()
                        || b.values.iter().any(|v| !v.is_finite() || *v < 0.0)
                    {
                        return Err(Error::Internal(format!(
                            "chart `{}`: bars without labels or with negative or non-finite values",
                            self.title
                        )));
                    }
                }
                Panel::Parallel(p) => {
                    let unit = |v: f64| (0.0..=1.0).contains(&v);
                    if p.axes.is_empty()
                        || p.lines.len() != p.shade.len()
                        || p.lines.iter().any(|l| l.len() != p.axes.len())
                        || !p.lines.iter().flatten().flatten().all(|v| unit(*v))
                        || !p.shade.iter().all(|v| unit(*v))
                        || !p.axes.iter().flat_map(|a| &a.ticks).all(|t| unit(t.0))
                    {
                        return Err(Error::Internal(format!(
                            "chart `{}`: parallel coordinates outside [0, 1] or of unequal length",
                            self.title
                        )));
                    }
                }
                Panel::Heatmap(h) => {
                    let n = h.row_labels.len() * h.col_labels.len();
                    if n == 0 || h.intensity.len() != n || h.text.len() != n {
                        return Err(Error::Internal(format!(
                            "chart `{}`: heatmap cells do not match its labels",
                            self.title
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The legend entries of an x–y panel `width` pixels wide, packed into lines: each line holds the
/// indices of the named series it lists, in order.
pub(crate) fn legend_lines(p: &XyPanel, width: u32) -> Vec<Vec<usize>> {
    let room = f64::from(width.saturating_sub(PLOT_LEFT + 14));
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut used = 0.0;
    for (i, s) in p.series.iter().enumerate() {
        let Some(name) = &s.name else { continue };
        let w = text_width(name, TICK_PX) + LEGEND_ENTRY_EXTRA;
        match lines.last_mut() {
            Some(line) if used + w <= room => {
                line.push(i);
                used += w;
            }
            _ => {
                lines.push(vec![i]);
                used = w;
            }
        }
    }
    lines
}

/// Height of the legend strip under an x–y panel (none without named series).
pub(crate) fn legend_height(p: &XyPanel, width: u32) -> u32 {
    let n = legend_lines(p, width).len() as u32;
    if n == 0 { 0 } else { n * LEGEND_LINE + 8 }
}

/// A padded axis range covering the finite `values` (and `include`), never empty (a constant
/// gets a margin around it); an error when the values span more than a float can hold.
pub(crate) fn padded_range(
    values: impl Iterator<Item = f64>,
    include: &[f64],
) -> Result<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values
        .chain(include.iter().copied())
        .filter(|v| v.is_finite())
    {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return Ok((0.0, 1.0));
    }
    let magnitude = lo.abs().max(hi.abs());
    // Spans below a millionth of the magnitude read as a constant: ticks need some room.
    let pad = ((hi - lo) * 0.05).max(magnitude * 1e-6);
    let pad = if pad > 0.0 { pad } else { 0.5 };
    let range = (lo - pad, hi + pad);
    if !(range.1 - range.0).is_finite() {
        return Err(Error::InvalidData(format!(
            "values from {lo:e} to {hi:e} span more than a chart axis can hold"
        )));
    }
    Ok(range)
}

/// The unit range with a small margin, for rates and probabilities.
pub(crate) const UNIT: (f64, f64) = (-0.02, 1.02);

/// At most about `max` points of a polyline, keeping its shape: a point is kept when it moves
/// at least 1/`max` of the axis span away from the last kept one; the ends are always kept.
pub(crate) fn thin_polyline(
    points: Vec<(f64, f64)>,
    x: (f64, f64),
    y: (f64, f64),
    max: usize,
) -> Vec<(f64, f64)> {
    if points.len() <= max {
        return points;
    }
    let (dx, dy) = ((x.1 - x.0) / max as f64, (y.1 - y.0) / max as f64);
    let last = points.len() - 1;
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(max);
    for (i, p) in points.iter().enumerate() {
        let keep = match out.last() {
            None => true,
            Some(q) => i == last || (p.0 - q.0).abs() >= dx || (p.1 - q.1).abs() >= dy,
        };
        if keep {
            out.push(*p);
        }
    }
    out
}

/// Every `k`-th point so that at most `max` remain (deterministic), and how many there were.
pub(crate) fn stride_sample<T: Copy>(items: &[T], max: usize) -> Vec<T> {
    if items.len() <= max || max == 0 {
        return items.to_vec();
    }
    let k = items.len().div_ceil(max);
    items.iter().step_by(k).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_range_is_never_empty() {
        let r = |v: &[f64], inc: &[f64]| padded_range(v.iter().copied(), inc).unwrap();
        assert_eq!(r(&[0.0, 0.0], &[]), (-0.5, 0.5));
        assert_eq!(r(&[], &[]), (0.0, 1.0));
        let (lo, hi) = r(&[0.0, 10.0], &[]);
        assert!((lo + 0.5).abs() < 1e-12 && (hi - 10.5).abs() < 1e-12);
        let (lo, hi) = r(&[f64::NAN], &[2.0]);
        assert!(lo < 2.0 && hi > 2.0 && hi - lo < 1e-4);
        let (lo, hi) = r(&[1.0, 1.0 + f64::EPSILON], &[]);
        assert!(hi - lo > 1e-6);
        assert!(padded_range([-1e308, 1e308].into_iter(), &[]).is_err());
        assert!(padded_range([1e308, 1.1e308].into_iter(), &[]).is_ok());
    }

    #[test]
    fn thinning_keeps_ends_and_shape() {
        let pts: Vec<(f64, f64)> = (0..10_000)
            .map(|i| (i as f64 / 9999.0, (i as f64 / 9999.0).sqrt()))
            .collect();
        let thin = thin_polyline(pts.clone(), (0.0, 1.0), (0.0, 1.0), 500);
        assert!(thin.len() <= 1001 && thin.len() > 100, "{}", thin.len());
        assert_eq!(thin.first(), pts.first());
        assert_eq!(thin.last(), pts.last());
        let short = thin_polyline(pts[..10].to_vec(), (0.0, 1.0), (0.0, 1.0), 500);
        assert_eq!(short.len(), 10);
    }

    #[test]
    fn stride_sample_caps_the_count() {
        let v: Vec<usize> = (0..10_001).collect();
        let s = stride_sample(&v, 1000);
        assert!(s.len() <= 1000 && s.len() > 900);
        assert_eq!(s[0], 0);
        assert_eq!(stride_sample(&v[..5], 1000).len(), 5);
    }

    #[test]
    fn non_finite_coordinates_are_rejected() {
        let panel = Panel::Xy(XyPanel {
            subtitle: None,
            x_label: "x".into(),
            y_label: "y".into(),
            x_range: UNIT,
            y_range: UNIT,
            series: vec![Series::new(None, 0, Mark::Line(vec![(0.0, f64::NAN)]))],
            x_axis: XAxis::Plain,
        });
        assert!(Chart::single("t", panel).is_err());
    }

    #[test]
    fn legends_wrap_into_lines_that_fit_the_panel() {
        let series = (0..12)
            .map(|i| {
                let name = format!("class number {i} (AUC = 0.9{i})");
                Series::new(Some(name), i, Mark::Line(vec![(0.0, 0.0), (1.0, 1.0)]))
            })
            .chain([Series::new(None, 0, Mark::Line(vec![(0.0, 0.5)]))])
            .collect();
        let panel = XyPanel {
            subtitle: None,
            x_label: "x".into(),
            y_label: "y".into(),
            x_range: UNIT,
            y_range: UNIT,
            series,
            x_axis: XAxis::Plain,
        };
        let lines = legend_lines(&panel, SINGLE.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(
            lines.iter().flatten().count(),
            12,
            "unnamed series are not listed"
        );
        for line in &lines {
            let w: f64 = line
                .iter()
                .map(|&i| text_width(panel.series[i].name.as_ref().unwrap(), TICK_PX) + 44.0)
                .sum();
            assert!(
                line.len() == 1 || w <= f64::from(SINGLE.0 - PLOT_LEFT - 14),
                "{w}"
            );
        }
        let chart = Chart::single("t", Panel::Xy(panel)).unwrap();
        assert_eq!(
            chart.size().1,
            SINGLE.1 + lines.len() as u32 * LEGEND_LINE + 8
        );
    }
}
