//! The report of a hyperparameter search (`satori tune`): one self-contained HTML page with the
//! search's facts, the leaderboard, and five pictures after Optuna's visualisations:
//!
//! - `history`: every trial's value by trial number and the best value so far
//!   (`plot_optimization_history`);
//! - `importance`: the parameters' fANOVA importances ([`satori_tune::param_importances`],
//!   `plot_param_importances`);
//! - `slice`: the value against each parameter, one small panel per parameter (`plot_slice`);
//! - `parallel`: one polyline per complete trial across the parameters' axes, coloured by its
//!   value (`plot_parallel_coordinate`);
//! - `intermediate`: each trial's per-step reports, when any trial reported any
//!   (`plot_intermediate_values`).
//!
//! A picture the trials cannot support (no complete trial, importances that could not be
//! computed) is replaced on the page by a sentence saying why, never a panic.

use std::collections::BTreeMap;

use minijinja::{Environment, value::Serde};
use satori_core::{Error, Result};
use satori_tune::{
    Direction, Distribution, SearchSpace, TrialRecord, TrialState, TuneOutcome, param_importances,
    value_eq,
};
use serde::Serialize;
use serde_json::Value;

use crate::chart::{
    BAR_BOTTOM, BAR_ROW, BAR_TOP, BarPanel, Chart, Mark, PANEL, Panel, ParallelAxis, ParallelPanel,
    SINGLE, Series, XAxis, XyPanel, padded_range, stride_sample, thin_polyline,
};
use crate::format::{fixed, metric, short_number};
use crate::{ReportChart, TOP_IMPORTANCES};

/// The stable names of the search report's pictures, in page order: the anchors of the page
/// and the file stems that [`tune_report_charts`]' callers write (`history.svg`, …).
pub const TUNE_PICTURE_NAMES: &[&str] =
    &["history", "importance", "slice", "parallel", "intermediate"];

/// Rows of the search report's leaderboard.
pub const TOP_TRIALS: usize = 10;

/// Most polylines the parallel-coordinates picture and the intermediate-values picture draw
/// (more trials: every k-th one).
pub const MAX_TRIAL_LINES: usize = 2000;

const TEMPLATE: &str = include_str!("tuning.html");

/// Everything the search report shows. [`TuneReportInput::new`] fills the importances; the data,
/// target and model descriptions are optional (left out of the header when missing).
#[derive(Debug, Clone)]
pub struct TuneReportInput {
    /// The page's title (e.g. `satori tune: gbm_classifier on breast_cancer`).
    pub title: String,
    /// The search: its metric, direction, space, trials, best trial and why it stopped.
    pub outcome: TuneOutcome,
    /// What data was searched on (e.g. `breast_cancer.csv (569 rows)`).
    pub data: Option<String>,
    /// The target column.
    pub target: Option<String>,
    /// The model searched (e.g. `gbm_classifier`).
    pub model: Option<String>,
    /// The parameter importances as `(path, share)` pairs, or why there are none (the page
    /// shows the reason in their place).
    pub importances: std::result::Result<Vec<(String, f64)>, String>,
}

impl TuneReportInput {
    /// The report of `outcome`, with the importances computed by [`tune_importances`] with
    /// `seed` (or the reason they could not be).
    pub fn new(title: impl Into<String>, outcome: TuneOutcome, seed: u64) -> Self {
        let importances = tune_importances(&outcome, seed).map_err(|e| e.to_string());
        TuneReportInput {
            title: title.into(),
            outcome,
            data: None,
            target: None,
            model: None,
            importances,
        }
    }
}

/// The fANOVA importances of a search's parameters: [`satori_tune::param_importances`] over the
/// outcome's trials and space (parsed from its spec strings), with `seed` for the surrogate
/// forest.
pub fn tune_importances(outcome: &TuneOutcome, seed: u64) -> Result<Vec<(String, f64)>> {
    let space = SearchSpace::parse_specs(outcome.space.iter().map(String::as_str))?;
    param_importances(&outcome.trials, &space, seed)
}

/// How a parameter's values sit on an axis.
#[derive(Debug, Clone)]
enum Kind {
    /// Numbers, in log space when `log`, within the searched range when known; `integer` for an
    /// integer range (whole-number ticks).
    Numeric {
        log: bool,
        integer: bool,
        range: Option<(f64, f64)>,
    },
    /// One of these values, each at its index.
    Categories(Vec<Value>),
}

/// A parameter as the pictures show it.
#[derive(Debug, Clone)]
struct ParamAxis {
    path: String,
    kind: Kind,
}

impl ParamAxis {
    /// The axis coordinate of a trial's value of the parameter (its base-10 log for a log
    /// range, its index for a choice), `None` when it has none or it cannot be placed.
    fn coordinate(&self, trial: &TrialRecord) -> Option<f64> {
        let v = trial.params.get(&self.path)?;
        match &self.kind {
            Kind::Numeric { log: true, .. } => v.as_f64().filter(|x| *x > 0.0).map(f64::log10),
            Kind::Numeric { log: false, .. } => v.as_f64(),
            Kind::Categories(c) => c.iter().position(|x| value_eq(x, v)).map(|i| i as f64),
        }
        .filter(|x| x.is_finite())
    }

    /// The searched range in axis coordinates, when known.
    fn range(&self) -> Option<(f64, f64)> {
        match &self.kind {
            Kind::Numeric {
                log: true,
                range: Some((lo, hi)),
                ..
            } => Some((lo.log10(), hi.log10())),
            Kind::Numeric { range, .. } => *range,
            Kind::Categories(c) => Some((0.0, c.len().saturating_sub(1) as f64)),
        }
        .filter(|(lo, hi)| lo.is_finite() && hi.is_finite() && lo <= hi)
    }
}

/// The parameters of a search: those of its space, in the space's order (when the spec strings
/// parse), then any other parameter a trial holds (numbers, or categories in order of first
/// appearance).
fn param_axes(outcome: &TuneOutcome) -> Vec<ParamAxis> {
    let mut axes: Vec<ParamAxis> = Vec::new();
    if let Ok(space) = SearchSpace::parse_specs(outcome.space.iter().map(String::as_str)) {
        for p in space.params() {
            let kind = match &p.distribution {
                Distribution::Float { low, high, log, .. } => Kind::Numeric {
                    log: *log,
                    integer: false,
                    range: Some((*low, *high)),
                },
                Distribution::Int { low, high, log, .. } => Kind::Numeric {
                    log: *log,
                    integer: true,
                    range: Some((*low as f64, *high as f64)),
                },
                Distribution::Choice { choices } => Kind::Categories(choices.clone()),
            };
            axes.push(ParamAxis {
                path: p.path.clone(),
                kind,
            });
        }
    }
    let mut others: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for t in &outcome.trials {
        for (k, v) in &t.params {
            if !axes.iter().any(|a| &a.path == k) {
                others.entry(k).or_default().push(v);
            }
        }
    }
    for (path, values) in others {
        let kind = if values.iter().all(|v| v.is_number()) {
            Kind::Numeric {
                log: false,
                integer: false,
                range: None,
            }
        } else {
            let mut cats: Vec<Value> = Vec::new();
            for v in values {
                if !cats.iter().any(|c| value_eq(c, v)) {
                    cats.push(v.clone());
                }
            }
            Kind::Categories(cats)
        };
        axes.push(ParamAxis {
            path: path.to_string(),
            kind,
        });
    }
    axes
}

/// A choice's value as the pictures write it (strings without quotes).
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), short_value),
        other => other.to_string(),
    }
}

/// A parameter's number: whole numbers as integers, others in at most six significant digits.
fn short_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6e}");
        let parsed: f64 = s.parse().unwrap_or(v);
        format!("{parsed}")
    }
}

/// The complete trials with a finite value: `(trial, value)`.
fn complete(outcome: &TuneOutcome) -> Vec<(&TrialRecord, f64)> {
    outcome
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .filter_map(|t| t.value.filter(|v| v.is_finite()).map(|v| (t, v)))
        .collect()
}

/// Whether `a` is better than `b` in `direction`.
fn better(direction: Direction, a: f64, b: f64) -> bool {
    match direction {
        Direction::Minimize => a < b,
        Direction::Maximize => a > b,
    }
}

/// The optimisation history: each complete trial's value by trial number, the best value so
/// far as a step line, pruned trials at their last reported value, and trials without a value
/// (failed, or pruned before any finite report) as crosses at the worst edge.
pub fn optimization_history_chart(outcome: &TuneOutcome) -> Result<Chart> {
    if outcome.trials.is_empty() {
        return Err(Error::InvalidData("the search has no trials".into()));
    }
    let done = complete(outcome);
    let mut pruned = Vec::new();
    let mut no_value = Vec::new();
    for t in &outcome.trials {
        let x = t.number as f64;
        match t.state {
            TrialState::Complete if t.value.is_some_and(f64::is_finite) => {}
            TrialState::Running => {}
            TrialState::Pruned => match t.last_intermediate().filter(|(_, v)| v.is_finite()) {
                Some((_, v)) => pruned.push((x, v)),
                None => no_value.push(x),
            },
            _ => no_value.push(x),
        }
    }
    let values = done
        .iter()
        .map(|(_, v)| *v)
        .chain(pruned.iter().map(|p| p.1));
    let y_range = padded_range(values, &[])?;
    let numbers = outcome.trials.iter().map(|t| t.number as f64);
    let (lo, hi) = numbers.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), n| {
        (lo.min(n), hi.max(n))
    });
    let x_range = (lo - 0.5, hi + 0.5);
    let mut series = Vec::new();
    if !done.is_empty() {
        let points: Vec<(f64, f64)> = done.iter().map(|(t, v)| (t.number as f64, *v)).collect();
        let mut best: Vec<(f64, f64)> = Vec::new();
        let mut so_far = f64::NAN;
        for &(x, v) in &points {
            if so_far.is_nan() || better(outcome.direction, v, so_far) {
                if !so_far.is_nan() {
                    best.push((x, so_far));
                }
                so_far = v;
                best.push((x, v));
            }
        }
        best.push((hi, so_far));
        series.push(Series::new(
            Some("objective value".into()),
            0,
            Mark::Scatter(points),
        ));
        series.push(Series::new(Some("best so far".into()), 3, Mark::Line(best)));
    }
    if !pruned.is_empty() {
        series.push(Series::new(
            Some("pruned (last report)".into()),
            1,
            Mark::Scatter(pruned),
        ));
    }
    if !no_value.is_empty() {
        let span = y_range.1 - y_range.0;
        let edge = match outcome.direction {
            Direction::Minimize => y_range.1 - 0.03 * span,
            Direction::Maximize => y_range.0 + 0.03 * span,
        };
        series.push(Series::new(
            Some("failed, no value (worst edge)".into()),
            7,
            Mark::Cross(no_value.into_iter().map(|x| (x, edge)).collect()),
        ));
    }
    Chart::single(
        "Optimisation history",
        Panel::Xy(XyPanel {
            subtitle: None,
            x_label: "Trial".into(),
            y_label: outcome.metric.clone(),
            x_range,
            y_range,
            series,
            x_axis: XAxis::Integer,
        }),
    )
}

/// The parameters' importances as horizontal bars, largest on top (the `TOP_IMPORTANCES`
/// largest). The shares must be finite and non-negative.
pub fn param_importance_chart(importances: &[(String, f64)]) -> Result<Chart> {
    if importances.is_empty() {
        return Err(Error::InvalidData(
            "no parameter has an importance (none varied among the complete trials)".into(),
        ));
    }
    if let Some((name, v)) = importances.iter().find(|(_, v)| !v.is_finite() || *v < 0.0) {
        return Err(Error::InvalidData(format!(
            "importances must be finite and non-negative; `{name}` has {v}"
        )));
    }
    let mut sorted: Vec<&(String, f64)> = importances.iter().collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    sorted.truncate(TOP_IMPORTANCES);
    let n = sorted.len();
    let title = if n < importances.len() {
        format!("Parameter importance (top {n} of {})", importances.len())
    } else {
        "Parameter importance".to_string()
    };
    let height = BAR_TOP + BAR_ROW * n as u32 + BAR_BOTTOM;
    Chart::grid(
        title,
        vec![Panel::Bars(BarPanel {
            labels: sorted.iter().map(|(l, _)| l.clone()).collect(),
            values: sorted.iter().map(|(_, v)| *v).collect(),
            x_label: "Share of the value's variance (fANOVA)".into(),
        })],
        1,
        (SINGLE.0, height),
    )
}

/// A small deterministic horizontal offset for trial `number` on a category axis, so that
/// trials of one category do not hide each other.
fn jitter(number: u64) -> f64 {
    ((number as f64 * 0.618_033_988_749_895).fract() - 0.5) * 0.3
}

/// The slice plots: for each parameter, the complete trials' values against the parameter's
/// value (a log axis for a log range, one column per category for a choice), the best trial
/// marked. A parameter no complete trial holds gets no panel.
pub fn slice_chart(outcome: &TuneOutcome) -> Result<Chart> {
    let done = complete(outcome);
    if done.is_empty() {
        return Err(Error::InvalidData(
            "no complete trial has a finite value".into(),
        ));
    }
    let y_range = padded_range(done.iter().map(|(_, v)| *v), &[])?;
    let best = best_trial(outcome, &done);
    let mut panels = Vec::new();
    for axis in param_axes(outcome) {
        let mut points = Vec::new();
        let mut best_point = Vec::new();
        for (t, v) in &done {
            let Some(mut x) = axis.coordinate(t) else {
                continue;
            };
            if let Kind::Categories(_) = axis.kind {
                x += jitter(t.number);
            }
            if Some(t.number) == best {
                best_point.push((x, *v));
            } else {
                points.push((x, *v));
            }
        }
        if points.is_empty() && best_point.is_empty() {
            continue;
        }
        let xs = points.iter().chain(&best_point).map(|p| p.0);
        let (x_range, x_axis, x_label) = match &axis.kind {
            Kind::Categories(c) => (
                (-0.5, c.len() as f64 - 0.5),
                XAxis::Categories(c.iter().map(value_text).collect()),
                "choice",
            ),
            Kind::Numeric { log, integer, .. } => {
                let include: Vec<f64> = axis.range().map(|r| vec![r.0, r.1]).unwrap_or_default();
                let range = padded_range(xs, &include)?;
                if *log {
                    (range, XAxis::Log10, "value (log scale)")
                } else if *integer {
                    (range, XAxis::Integer, "value")
                } else {
                    (range, XAxis::Plain, "value")
                }
            }
        };
        let mut series = vec![Series::new(Some("trial".into()), 0, Mark::Scatter(points))];
        if !best_point.is_empty() {
            series.push(Series::new(
                Some("best trial".into()),
                3,
                Mark::Scatter(best_point),
            ));
        }
        panels.push(Panel::Xy(XyPanel {
            subtitle: Some(axis.path.clone()),
            x_label: x_label.into(),
            y_label: outcome.metric.clone(),
            x_range,
            y_range,
            series,
            x_axis,
        }));
    }
    if panels.is_empty() {
        return Err(Error::InvalidData(
            "no complete trial holds a searched parameter".into(),
        ));
    }
    let columns = panels.len().min(3);
    Chart::grid(
        "Slice plots: value against each parameter",
        panels,
        columns,
        PANEL,
    )
}

/// The best complete trial's number: the outcome's best when it is complete, else the best of
/// the complete trials.
fn best_trial(outcome: &TuneOutcome, done: &[(&TrialRecord, f64)]) -> Option<u64> {
    if done.iter().any(|(t, _)| t.number == outcome.best.number) {
        return Some(outcome.best.number);
    }
    done.iter()
        .copied()
        .reduce(|a, b| {
            if better(outcome.direction, b.1, a.1) {
                b
            } else {
                a
            }
        })
        .map(|(t, _)| t.number)
}

/// Five evenly spaced ticks of a numeric axis from `lo` to `hi` (coordinates; base-10 logs when
/// `log`), positioned in [0, 1]; on an `integer` axis, whole numbers only.
fn numeric_ticks(lo: f64, hi: f64, log: bool, integer: bool) -> Vec<(f64, String)> {
    if lo == hi {
        let v = if log { 10f64.powf(lo) } else { lo };
        return vec![(0.5, short_number(v))];
    }
    let mut ticks: Vec<(f64, String)> = Vec::with_capacity(5);
    for i in 0..5 {
        let mut x = lo + f64::from(i) / 4.0 * (hi - lo);
        if integer && !log {
            x = x.round();
        }
        let t = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
        let label = short_number(if log { 10f64.powf(x) } else { x });
        if ticks.last().is_none_or(|(_, l)| *l != label) {
            ticks.push((t, label));
        }
    }
    ticks
}

/// The parallel-coordinates picture: the value's axis first, then one axis per parameter; one
/// polyline per complete trial, darker the better its value (the best on top). A conditional
/// parameter a trial does not have is passed by.
pub fn parallel_coordinate_chart(outcome: &TuneOutcome) -> Result<Chart> {
    let done = complete(outcome);
    if done.is_empty() {
        return Err(Error::InvalidData(
            "no complete trial has a finite value".into(),
        ));
    }
    let done = stride_sample(&done, MAX_TRIAL_LINES);
    let (vlo, vhi) = done
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, v)| {
            (lo.min(*v), hi.max(*v))
        });
    if !(vhi - vlo).is_finite() {
        return Err(Error::InvalidData(format!(
            "values from {vlo:e} to {vhi:e} span more than a chart axis can hold"
        )));
    }
    let unit = |x: f64, lo: f64, hi: f64| {
        if hi > lo {
            ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            0.5
        }
    };
    let mut axes = vec![ParallelAxis {
        label: outcome.metric.clone(),
        ticks: numeric_ticks(vlo, vhi, false, false),
    }];
    let mut lines: Vec<Vec<Option<f64>>> = done
        .iter()
        .map(|(_, v)| vec![Some(unit(*v, vlo, vhi))])
        .collect();
    for axis in param_axes(outcome) {
        let coords: Vec<Option<f64>> = done.iter().map(|(t, _)| axis.coordinate(t)).collect();
        let seen = coords.iter().flatten().copied();
        let (dlo, dhi) = seen.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        if !dlo.is_finite() {
            continue;
        }
        let (lo, hi) = match axis.range() {
            Some((a, b)) => (a.min(dlo), b.max(dhi)),
            None => (dlo, dhi),
        };
        let ticks = match &axis.kind {
            Kind::Categories(c) => {
                let every = c.len().div_ceil(12).max(1);
                c.iter()
                    .enumerate()
                    .step_by(every)
                    .map(|(i, v)| (unit(i as f64, lo, hi), value_text(v)))
                    .collect()
            }
            Kind::Numeric { log, integer, .. } => numeric_ticks(lo, hi, *log, *integer),
        };
        axes.push(ParallelAxis {
            label: axis.path.clone(),
            ticks,
        });
        for (line, x) in lines.iter_mut().zip(coords) {
            line.push(x.map(|x| unit(x, lo, hi)));
        }
    }
    let shade = done
        .iter()
        .map(|(_, v)| match outcome.direction {
            Direction::Minimize => 1.0 - unit(*v, vlo, vhi),
            Direction::Maximize => unit(*v, vlo, vhi),
        })
        .map(|s| if vhi > vlo { s } else { 1.0 })
        .collect();
    let (best, worst) = match outcome.direction {
        Direction::Minimize => (vlo, vhi),
        Direction::Maximize => (vhi, vlo),
    };
    let width = (180 + 150 * axes.len() as u32).clamp(SINGLE.0, 1260);
    Chart::grid(
        "Parallel coordinates",
        vec![Panel::Parallel(ParallelPanel {
            axes,
            lines,
            shade,
            shade_label: outcome.metric.clone(),
            shade_ends: (metric(worst), metric(best)),
        })],
        1,
        (width, SINGLE.1),
    )
}

/// The intermediate values: each trial's reports by step, coloured by the trial's state
/// (non-finite reports left out). An error when no trial reported a finite value.
pub fn intermediate_values_chart(outcome: &TuneOutcome) -> Result<Chart> {
    let reporting: Vec<&TrialRecord> = outcome
        .trials
        .iter()
        .filter(|t| t.intermediate_values.values().any(|v| v.is_finite()))
        .collect();
    if reporting.is_empty() {
        return Err(Error::InvalidData(
            "no trial reported an intermediate value".into(),
        ));
    }
    let mut reporting = stride_sample(&reporting, MAX_TRIAL_LINES);
    // Complete trials first, so that the pruned and failed ones are drawn over them.
    reporting.sort_by_key(|t| t.state != TrialState::Complete);
    let finite = |t: &TrialRecord| -> Vec<(f64, f64)> {
        t.intermediate_values
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(s, v)| (*s as f64, *v))
            .collect()
    };
    let all: Vec<(f64, f64)> = reporting.iter().flat_map(|&t| finite(t)).collect();
    let y_range = padded_range(all.iter().map(|p| p.1), &[])?;
    let (lo, hi) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.0), hi.max(p.0))
        });
    let x_range = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let mut named = [false; 4];
    let mut series = Vec::with_capacity(reporting.len());
    for t in reporting {
        let (slot, name, color) = match t.state {
            TrialState::Complete => (0, "complete", 0),
            TrialState::Pruned => (1, "pruned", 1),
            TrialState::Failed => (2, "failed", 3),
            TrialState::Running => (3, "running", 7),
        };
        let name = (!named[slot]).then(|| name.to_string());
        named[slot] = true;
        let points = thin_polyline(finite(t), x_range, y_range, 500);
        let mark = if points.len() <= 30 {
            Mark::LineMarkers(points)
        } else {
            Mark::Line(points)
        };
        series.push(Series::new(name, color, mark));
    }
    Chart::single(
        "Intermediate values",
        Panel::Xy(XyPanel {
            subtitle: None,
            x_label: "Step".into(),
            y_label: "Intermediate value".into(),
            x_range,
            y_range,
            series,
            x_axis: XAxis::Integer,
        }),
    )
}

/// One picture of the search report, or why it is not drawn.
struct Planned {
    id: &'static str,
    what: &'static str,
    caption: &'static str,
    chart: Result<Chart>,
}

/// Every picture of the search report, in page order. The intermediate values are planned only
/// when some trial reported any.
fn plan(
    outcome: &TuneOutcome,
    importances: std::result::Result<&[(String, f64)], &str>,
) -> Vec<Planned> {
    let mut out = vec![
        Planned {
            id: "history",
            what: "Optimisation history",
            caption: "Each trial's value by trial number, and the best value found so far. \
                      Pruned trials sit at their last reported value; failed trials are crosses \
                      at the worst edge.",
            chart: optimization_history_chart(outcome),
        },
        Planned {
            id: "importance",
            what: "Parameter importance",
            caption: "The share of the value's variation each parameter explains on its own \
                      (fANOVA over a random forest fitted to the complete trials).",
            chart: match importances {
                Ok(v) => param_importance_chart(v),
                Err(why) => Err(Error::InvalidData(why.to_string())),
            },
        },
        Planned {
            id: "slice",
            what: "Slice plots",
            caption: "The value of each complete trial against each parameter; the best trial \
                      in red. Log ranges have a log axis, choices one column per value.",
            chart: slice_chart(outcome),
        },
        Planned {
            id: "parallel",
            what: "Parallel coordinates",
            caption: "One line per complete trial through its value and its parameters, darker \
                      the better its value; a conditional parameter a trial lacks is passed by.",
            chart: parallel_coordinate_chart(outcome),
        },
    ];
    if outcome
        .trials
        .iter()
        .any(|t| !t.intermediate_values.is_empty())
    {
        out.push(Planned {
            id: "intermediate",
            what: "Intermediate values",
            caption: "What each trial reported step by step (to the pruner), coloured by how the \
                      trial ended.",
            chart: intermediate_values_chart(outcome),
        });
    }
    out
}

/// Every picture that [`render_tune_report`] shows, as charts of their own, in page order
/// (names from [`TUNE_PICTURE_NAMES`]); pictures the trials cannot support are left out, as the
/// page leaves them out (with a sentence). `importances` as [`tune_importances`] gives them;
/// `None` leaves the importance picture out.
pub fn tune_report_charts(
    outcome: &TuneOutcome,
    importances: Option<&[(String, f64)]>,
) -> Result<Vec<ReportChart>> {
    let imp = importances.ok_or("no importances were given");
    Ok(plan(outcome, imp)
        .into_iter()
        .filter_map(|p| p.chart.ok().map(|chart| ReportChart { name: p.id, chart }))
        .collect())
}

#[derive(Debug, Serialize)]
struct Pair {
    name: String,
    value: String,
}

fn pair(name: impl Into<String>, value: impl Into<String>) -> Pair {
    Pair {
        name: name.into(),
        value: value.into(),
    }
}

#[derive(Debug, Serialize)]
struct Picture {
    id: &'static str,
    what: &'static str,
    svg: String,
    caption: &'static str,
    wide: bool,
}

#[derive(Debug, Serialize)]
struct Row {
    rank: usize,
    number: u64,
    value: String,
    params: Vec<String>,
    duration: String,
    best: bool,
}

#[derive(Debug, Serialize)]
struct Context {
    title: String,
    version: &'static str,
    subtitle: String,
    facts: Vec<Pair>,
    best_value: String,
    best_params: Vec<Pair>,
    space: Vec<String>,
    columns: Vec<String>,
    leaderboard: Vec<Row>,
    leaderboard_note: Option<String>,
    importances: Vec<Pair>,
    importance_note: Option<String>,
    pictures: Vec<Picture>,
    notes: Vec<Pair>,
    failures: Vec<Pair>,
}

/// A chart's SVG ready to sit inside HTML (as the evaluation report inlines it).
fn inline_svg(svg: &str) -> String {
    let svg = svg.replacen(r#" xmlns="http://www.w3.org/2000/svg""#, "", 1);
    svg.replacen("<svg ", r#"<svg role="img" "#, 1)
}

fn count_states(trials: &[TrialRecord]) -> String {
    let n = |s: TrialState| trials.iter().filter(|t| t.state == s).count();
    let mut parts = vec![format!("{} complete", n(TrialState::Complete))];
    for (s, name) in [
        (TrialState::Pruned, "pruned"),
        (TrialState::Failed, "failed"),
        (TrialState::Running, "running"),
    ] {
        let k = n(s);
        if k > 0 {
            parts.push(format!("{k} {name}"));
        }
    }
    format!("{} ({})", trials.len(), parts.join(", "))
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Minimize => "minimise",
        Direction::Maximize => "maximise",
    }
}

fn build(input: &TuneReportInput) -> Result<Context> {
    let o = &input.outcome;
    let axes = param_axes(o);
    let columns: Vec<String> = axes.iter().map(|a| a.path.clone()).collect();
    let mut done = complete(o);
    done.sort_by(|a, b| match o.direction {
        Direction::Minimize => a.1.total_cmp(&b.1),
        Direction::Maximize => b.1.total_cmp(&a.1),
    });
    let best_number = best_trial(o, &done);
    let leaderboard = done
        .iter()
        .take(TOP_TRIALS)
        .enumerate()
        .map(|(i, (t, v))| Row {
            rank: i + 1,
            number: t.number,
            value: metric(*v),
            params: columns
                .iter()
                .map(|c| {
                    t.params
                        .get(c)
                        .map(value_text)
                        .unwrap_or_else(|| "–".into())
                })
                .collect(),
            duration: t.duration_s.map_or_else(String::new, |d| fixed(d, 1)),
            best: Some(t.number) == best_number,
        })
        .collect();
    let leaderboard_note = match done.len() {
        0 => Some("No trial completed with a finite value.".to_string()),
        n if n > TOP_TRIALS => Some(format!("The best {TOP_TRIALS} of {n} complete trials.")),
        _ => None,
    };
    let best = &o.best;
    let best_value = match best.value {
        Some(v) => format!("{} (trial {})", metric(v), best.number),
        None => format!("none (trial {} has no value)", best.number),
    };
    let mut facts = Vec::new();
    for (name, v) in [
        ("data", &input.data),
        ("target", &input.target),
        ("model", &input.model),
    ] {
        if let Some(v) = v {
            facts.push(pair(name, v.clone()));
        }
    }
    facts.push(pair("metric", o.metric.clone()));
    facts.push(pair("direction", direction_name(o.direction)));
    facts.push(pair("trials", count_states(&o.trials)));
    facts.push(pair("stopped by", o.stopped_by.clone()));
    facts.push(pair("best value", best_value.clone()));
    let imp_ref = input.importances.as_deref().map_err(String::as_str);
    let mut pictures = Vec::new();
    let mut notes = Vec::new();
    for p in plan(o, imp_ref) {
        match p.chart.and_then(|c| Ok((c.size().0 > 700, c.svg()?))) {
            Ok((wide, svg)) => pictures.push(Picture {
                id: p.id,
                what: p.what,
                svg: inline_svg(&svg),
                caption: p.caption,
                wide,
            }),
            // Importances that could not be computed are explained in their own section.
            Err(_) if p.id == "importance" && input.importances.is_err() => {}
            Err(e) => notes.push(pair(p.what, reason(&e))),
        }
    }
    let (importances, importance_note) = match &input.importances {
        Ok(v) if v.is_empty() => (
            Vec::new(),
            Some("No parameter varied among the complete trials.".to_string()),
        ),
        Ok(v) => (v.iter().map(|(k, s)| pair(k, fixed(*s, 3))).collect(), None),
        Err(why) => (Vec::new(), Some(format!("Not computed: {why}."))),
    };
    let failures = o
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Failed)
        .take(20)
        .map(|t| {
            pair(
                format!("trial {}", t.number),
                t.fail_reason
                    .clone()
                    .unwrap_or_else(|| "no reason recorded".into()),
            )
        })
        .collect();
    Ok(Context {
        title: input.title.clone(),
        version: satori_core::VERSION,
        subtitle: format!(
            "{} · {} {} · {} trials",
            input.model.as_deref().unwrap_or("hyperparameter search"),
            direction_name(o.direction),
            o.metric,
            o.trials.len()
        ),
        facts,
        best_value,
        best_params: best
            .params
            .iter()
            .map(|(k, v)| pair(k, value_text(v)))
            .collect(),
        space: o.space.clone(),
        columns,
        leaderboard,
        leaderboard_note,
        importances,
        importance_note,
        pictures,
        notes,
        failures,
    })
}

/// An error as the page's sentence: the message without the error kind's prefix.
fn reason(e: &Error) -> String {
    match e {
        Error::InvalidData(s) => s.clone(),
        other => other.to_string(),
    }
}

fn template_error(e: minijinja::Error) -> Error {
    Error::Internal(format!("the search report template failed: {e:#}"))
}

/// Render the search report as one self-contained HTML document (inline CSS and inline SVG, no
/// scripts, nothing loaded from anywhere; every user text escaped): the search's facts and the
/// best trial, the space, the leaderboard, the importances, and the pictures of
/// [`TUNE_PICTURE_NAMES`]. A picture the trials cannot support is replaced by a sentence saying
/// why.
pub fn render_tune_report(input: &TuneReportInput) -> Result<String> {
    let ctx = build(input)?;
    let mut env = Environment::new();
    env.add_template("tune.html", TEMPLATE)
        .map_err(template_error)?;
    let template = env.get_template("tune.html").map_err(template_error)?;
    template.render(Serde(&ctx)).map_err(template_error)
}
