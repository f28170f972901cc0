//! Drift of a stream of rows against the training reference: [`DriftWindow`] keeps the last `N`
//! rows and, per monitored column, the histogram the PSI and χ² tests read, updated as rows come
//! and go; [`DriftWindow::report`] computes every column's statistics and verdict.
//!
//! A monitored column is a model input (numeric or categorical) or one of the model's outputs (a
//! predicted value or probability is numeric, a predicted class categorical). Rows are pushed as
//! one number per monitored column, in the order the window was built with: a numeric value, or
//! a category's code (`NaN` is missing; a code outside the categories, as
//! `Table::features_keeping_unseen` gives an unseen label, counts as unseen).

use std::collections::VecDeque;

use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::reference::{ColumnReference, NumericSketch};
use crate::stats::{TestResult, chi2_contingency, ks_sketch, psi};

/// What a monitored column holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MonitoredKind {
    /// Numbers (an input column, a predicted value or probability).
    Numeric,
    /// Category codes into `labels` (an input column, a predicted class).
    Categorical {
        /// The category labels, in code order.
        labels: Vec<String>,
    },
}

/// Whether a monitored column is read by the model or produced by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A model input.
    Input,
    /// One of the model's outputs.
    Prediction,
}

/// One column a [`DriftWindow`] watches, with its training reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitored {
    /// The column's name (`prediction(y)`, `P(y=yes)` for outputs).
    pub name: String,
    /// Input or output.
    pub role: Role,
    /// Numeric or categorical.
    pub kind: MonitoredKind,
    /// The training reference.
    pub reference: ColumnReference,
}

/// Where the verdicts change: each statistic at or beyond its warning threshold makes a column a
/// warning, at or beyond its drift threshold a drift; the worst of them is the column's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// PSI from which a column is a warning.
    pub psi_warning: f64,
    /// PSI from which a column drifts.
    pub psi_drift: f64,
    /// Test p-value (Kolmogorov–Smirnov or χ²) below which a column is a warning.
    pub p_warning: f64,
    /// Test p-value below which a column drifts.
    pub p_drift: f64,
    /// Change of the missing share (absolute, e.g. 0.05 = five points) from which a column is a
    /// warning.
    pub missing_warning: f64,
    /// Change of the missing share from which a column drifts.
    pub missing_drift: f64,
    /// Share of unseen categories from which a column is a warning.
    pub unseen_warning: f64,
    /// Share of unseen categories from which a column drifts.
    pub unseen_drift: f64,
    /// Fewest non-missing current values for a verdict; with fewer a column's verdict is
    /// `unknown`.
    pub min_rows: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            psi_warning: 0.1,
            psi_drift: 0.25,
            p_warning: 0.01,
            p_drift: 0.001,
            missing_warning: 0.05,
            missing_drift: 0.2,
            unseen_warning: 0.01,
            unseen_drift: 0.05,
            min_rows: 30,
        }
    }
}

impl Thresholds {
    /// Check that every pair is ordered (a warning comes before a drift) and in range.
    pub fn check(&self) -> Result<()> {
        let pair = |name: &str, w: f64, d: f64, upper: Option<f64>| -> Result<()> {
            let in_range = w >= 0.0 && d >= 0.0 && upper.is_none_or(|u| w <= u && d <= u);
            if !w.is_finite() || !d.is_finite() || !in_range {
                return Err(Error::param(
                    name,
                    format!("thresholds must be finite and non-negative (got {w} and {d})"),
                ));
            }
            Ok(())
        };
        pair("psi", self.psi_warning, self.psi_drift, None)?;
        pair("p", self.p_warning, self.p_drift, Some(1.0))?;
        pair(
            "missing",
            self.missing_warning,
            self.missing_drift,
            Some(1.0),
        )?;
        pair("unseen", self.unseen_warning, self.unseen_drift, Some(1.0))?;
        let order = |name: &str, ok: bool, w: f64, d: f64| -> Result<()> {
            if ok {
                Ok(())
            } else {
                Err(Error::param(
                    name,
                    format!("the warning threshold ({w}) must come before the drift one ({d})"),
                ))
            }
        };
        order(
            "psi",
            self.psi_warning <= self.psi_drift,
            self.psi_warning,
            self.psi_drift,
        )?;
        order(
            "p",
            self.p_warning >= self.p_drift,
            self.p_warning,
            self.p_drift,
        )?;
        order(
            "missing",
            self.missing_warning <= self.missing_drift,
            self.missing_warning,
            self.missing_drift,
        )?;
        order(
            "unseen",
            self.unseen_warning <= self.unseen_drift,
            self.unseen_warning,
            self.unseen_drift,
        )
    }
}

/// A column's verdict, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Too few current values, or no training reference to compare with.
    Unknown,
    /// Every statistic below its warning threshold.
    Stable,
    /// Some statistic at or beyond its warning threshold.
    Warning,
    /// Some statistic at or beyond its drift threshold.
    Drift,
}

impl Verdict {
    /// `stable`, `warning`, `drift` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Unknown => "unknown",
            Verdict::Stable => "stable",
            Verdict::Warning => "warning",
            Verdict::Drift => "drift",
        }
    }
}

/// One bin of a column's histogram: its label and the share of the reference's and the current
/// values in it (missing values excluded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BinShare {
    /// `≤ 1.5`, `(1.5, 2]`, `> 9`, or a category label (`(unseen)` for unseen ones).
    pub label: String,
    /// Share of the reference's non-missing values.
    pub reference: f64,
    /// Share of the current non-missing values.
    pub current: f64,
}

/// The drift of one monitored column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDrift {
    /// The column.
    pub name: String,
    /// Input or output.
    pub role: Role,
    /// `numeric` or `categorical`.
    pub kind: &'static str,
    /// Rows of the reference (training or holdout rows).
    pub reference_rows: u64,
    /// Rows in the window.
    pub current_rows: usize,
    /// Share of missing values in the reference.
    pub reference_missing: f64,
    /// Share of missing values in the window.
    pub current_missing: f64,
    /// Share of the window's non-missing values that are categories never seen in training
    /// (categorical columns).
    pub unseen: Option<f64>,
    /// The population stability index over [`ColumnDrift::bins`].
    pub psi: Option<f64>,
    /// The Kolmogorov–Smirnov test against the reference sketch (numeric columns).
    pub ks: Option<TestResult>,
    /// The χ² test of the reference and window counts per category, unseen ones pooled
    /// (categorical columns).
    pub chi2: Option<TestResult>,
    /// The χ² test's degrees of freedom.
    pub chi2_dof: Option<usize>,
    /// The histogram the PSI is computed on.
    pub bins: Vec<BinShare>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why: every statistic past a threshold (`PSI 0.31 ≥ 0.25`), or why there is no verdict.
    pub reasons: Vec<String>,
}

/// The state of one monitored column.
#[derive(Debug, Clone)]
struct ColumnState {
    monitored: Monitored,
    sketch: Option<NumericSketch>,
    /// Reference counts per bin (categorical: the categories, then unseen = 0).
    reference_bins: Vec<f64>,
    /// Window counts per bin.
    counts: Vec<u64>,
    missing: u64,
}

impl ColumnState {
    fn new(monitored: Monitored) -> Self {
        let (sketch, reference_bins) = match &monitored.kind {
            MonitoredKind::Numeric => {
                let sketch = monitored.reference.numeric_sketch();
                let bins = sketch
                    .as_ref()
                    .map(|s| s.bin_counts.iter().map(|&c| c as f64).collect())
                    .unwrap_or_default();
                (sketch, bins)
            }
            MonitoredKind::Categorical { labels } => {
                let mut bins = monitored.reference.category_weights();
                bins.resize(labels.len(), 0.0);
                bins.push(0.0);
                (None, bins)
            }
        };
        let counts = vec![0; reference_bins.len()];
        ColumnState {
            monitored,
            sketch,
            reference_bins,
            counts,
            missing: 0,
        }
    }

    /// The bin of a value; `None` for a missing one (or where there is no reference).
    fn bin(&self, v: f64) -> Option<usize> {
        if v.is_nan() || self.counts.is_empty() {
            return None;
        }
        match &self.monitored.kind {
            MonitoredKind::Numeric => self.sketch.as_ref().map(|s| s.bin(v)),
            MonitoredKind::Categorical { labels } => {
                let known = v >= 0.0 && v.fract() == 0.0 && (v as usize) < labels.len();
                Some(if known { v as usize } else { labels.len() })
            }
        }
    }

    fn add(&mut self, v: f64, sign: i64) {
        match self.bin(v) {
            Some(b) => self.counts[b] = self.counts[b].wrapping_add_signed(sign),
            None if v.is_nan() => self.missing = self.missing.wrapping_add_signed(sign),
            None => {}
        }
    }
}

/// The last `capacity` rows of a stream and their drift against the training reference.
///
/// ```
/// use satori_monitor::{DriftWindow, Monitored, MonitoredKind, Role, Thresholds, Verdict};
///
/// let training: Vec<f64> = (0..1000).map(|i| (i % 100) as f64).collect();
/// let column = Monitored {
///     name: "x".into(),
///     role: Role::Input,
///     kind: MonitoredKind::Numeric,
///     reference: satori_monitor::numeric_reference("x", &training),
/// };
/// let mut window = DriftWindow::new(vec![column], 500, Thresholds::default()).unwrap();
/// for i in 0..1000 {
///     window.push(&[(i % 100) as f64 + 50.0]).unwrap(); // shifted by half the range
/// }
/// assert_eq!(window.len(), 500);
/// let drift = window.report();
/// assert_eq!(drift[0].verdict, Verdict::Drift);
/// ```
#[derive(Debug, Clone)]
pub struct DriftWindow {
    columns: Vec<ColumnState>,
    rows: VecDeque<Box<[f64]>>,
    capacity: usize,
    thresholds: Thresholds,
    seen: u64,
}

impl DriftWindow {
    /// A window of the last `capacity` rows over `columns`.
    pub fn new(columns: Vec<Monitored>, capacity: usize, thresholds: Thresholds) -> Result<Self> {
        if capacity == 0 {
            return Err(Error::param(
                "window",
                "the window must hold at least one row",
            ));
        }
        thresholds.check()?;
        Ok(DriftWindow {
            columns: columns.into_iter().map(ColumnState::new).collect(),
            rows: VecDeque::new(),
            capacity,
            thresholds,
            seen: 0,
        })
    }

    /// The monitored columns, in row order.
    pub fn columns(&self) -> impl Iterator<Item = &Monitored> {
        self.columns.iter().map(|c| &c.monitored)
    }

    /// Rows in the window.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the window holds no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Rows pushed since the window was made (including those that have left it).
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The thresholds the verdicts use.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// Add a row (one value per monitored column), dropping the oldest when the window is full.
    pub fn push(&mut self, row: &[f64]) -> Result<()> {
        if row.len() != self.columns.len() {
            return Err(Error::InvalidData(format!(
                "a monitored row needs {} values (one per monitored column), got {}",
                self.columns.len(),
                row.len()
            )));
        }
        if self.rows.len() == self.capacity
            && let Some(old) = self.rows.pop_front()
        {
            for (c, &v) in self.columns.iter_mut().zip(old.iter()) {
                c.add(v, -1);
            }
        }
        for (c, &v) in self.columns.iter_mut().zip(row) {
            c.add(v, 1);
        }
        self.rows.push_back(row.into());
        self.seen += 1;
        Ok(())
    }

    /// Every column's drift over the rows in the window.
    pub fn report(&self) -> Vec<ColumnDrift> {
        (0..self.columns.len()).map(|j| self.column(j)).collect()
    }

    /// Column `j`'s drift over the rows in the window.
    pub fn column(&self, j: usize) -> ColumnDrift {
        let c = &self.columns[j];
        let t = &self.thresholds;
        let m = &c.monitored;
        let rows = self.rows.len();
        let present: u64 = c.counts.iter().sum();
        let current_missing = if rows == 0 {
            0.0
        } else {
            (rows as u64 - present) as f64 / rows as f64
        };
        let counts: Vec<f64> = c.counts.iter().map(|&n| n as f64).collect();
        let ref_total: f64 = c.reference_bins.iter().sum();
        let share = |v: f64, total: f64| if total > 0.0 { v / total } else { 0.0 };
        let psi_value = psi(&c.reference_bins, &counts);
        let mut out = ColumnDrift {
            name: m.name.clone(),
            role: m.role,
            kind: match m.kind {
                MonitoredKind::Numeric => "numeric",
                MonitoredKind::Categorical { .. } => "categorical",
            },
            reference_rows: m.reference.count,
            current_rows: rows,
            reference_missing: m.reference.missing_rate(),
            current_missing,
            unseen: None,
            psi: psi_value,
            ks: None,
            chi2: None,
            chi2_dof: None,
            bins: Vec::new(),
            verdict: Verdict::Stable,
            reasons: Vec::new(),
        };
        let labels: Vec<String> = match &m.kind {
            MonitoredKind::Numeric => match &c.sketch {
                Some(s) => bin_labels(&s.bin_edges),
                None => Vec::new(),
            },
            MonitoredKind::Categorical { labels } => {
                let mut l = labels.clone();
                l.push("(unseen)".into());
                l
            }
        };
        out.bins = labels
            .into_iter()
            .zip(c.reference_bins.iter().zip(&counts))
            .map(|(label, (&r, &n))| BinShare {
                label,
                reference: share(r, ref_total),
                current: share(n, present as f64),
            })
            .collect();
        match &m.kind {
            MonitoredKind::Numeric => {
                if let Some(s) = &c.sketch
                    && present > 0
                {
                    let values: Vec<f64> = self.rows.iter().map(|r| r[j]).collect();
                    out.ks = ks_sketch(s, &values);
                }
            }
            MonitoredKind::Categorical { labels } => {
                if present > 0 {
                    out.unseen = Some(share(counts[labels.len()], present as f64));
                }
                if let Some((test, dof)) = chi2_contingency(&c.reference_bins, &counts) {
                    out.chi2 = Some(test);
                    out.chi2_dof = Some(dof);
                }
            }
        }
        // The verdict.
        if ref_total <= 0.0 {
            out.verdict = Verdict::Unknown;
            out.reasons
                .push("the model file keeps no training distribution for this column".into());
            return out;
        }
        if (present as usize) < t.min_rows {
            out.verdict = Verdict::Unknown;
            out.reasons.push(format!(
                "{present} non-missing values in the window, fewer than the {} a verdict needs",
                t.min_rows
            ));
            return out;
        }
        let mut worst = Verdict::Stable;
        let mut judge =
            |value: f64, warning: f64, drift: f64, higher_is_worse: bool, what: &str| {
                let past = |limit: f64| {
                    if higher_is_worse {
                        value >= limit
                    } else {
                        value < limit
                    }
                };
                let (level, limit) = if past(drift) {
                    (Verdict::Drift, drift)
                } else if past(warning) {
                    (Verdict::Warning, warning)
                } else {
                    return;
                };
                let op = if higher_is_worse { "≥" } else { "<" };
                out.reasons
                    .push(format!("{what} {} {op} {}", short(value), short(limit)));
                worst = worst.max(level);
            };
        if let Some(p) = psi_value {
            judge(p, t.psi_warning, t.psi_drift, true, "PSI");
        }
        if let Some(ks) = out.ks {
            judge(ks.p_value, t.p_warning, t.p_drift, false, "KS p-value");
        }
        if let Some(chi2) = out.chi2 {
            judge(chi2.p_value, t.p_warning, t.p_drift, false, "χ² p-value");
        }
        let missing_change = (current_missing - out.reference_missing).abs();
        judge(
            missing_change,
            t.missing_warning,
            t.missing_drift,
            true,
            "missing-share change",
        );
        if let Some(u) = out.unseen {
            judge(
                u,
                t.unseen_warning,
                t.unseen_drift,
                true,
                "unseen-category share",
            );
        }
        out.verdict = worst;
        out
    }
}

/// `≤ a`, `(a, b]`, …, `> z` for the bins of these edges.
fn bin_labels(edges: &[f64]) -> Vec<String> {
    if edges.is_empty() {
        return vec!["all".into()];
    }
    let mut labels = Vec::with_capacity(edges.len() + 1);
    labels.push(format!("≤ {}", short(edges[0])));
    for w in edges.windows(2) {
        labels.push(format!("({}, {}]", short(w[0]), short(w[1])));
    }
    labels.push(format!("> {}", short(edges[edges.len() - 1])));
    labels
}

/// A number in at most four significant digits (`0.1234`, `12.35`, `1.235e+06`).
pub fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.3e}");
    }
    let digits = (3 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{categorical_reference, numeric_reference};

    fn numeric(values: &[f64]) -> Monitored {
        Monitored {
            name: "x".into(),
            role: Role::Input,
            kind: MonitoredKind::Numeric,
            reference: numeric_reference("x", values),
        }
    }

    #[test]
    fn the_same_distribution_is_stable_and_a_shift_drifts() {
        let train: Vec<f64> = (0..2000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let mut w = DriftWindow::new(vec![numeric(&train)], 1000, Thresholds::default()).unwrap();
        for i in 0..1000 {
            w.push(&[((i * 7919) % 1000) as f64]).unwrap();
        }
        let d = w.column(0);
        assert_eq!(d.verdict, Verdict::Stable, "{d:?}");
        assert!(d.psi.unwrap() < 0.01);
        assert!(d.ks.unwrap().statistic < 0.01);
        // Slide the window over shifted rows: the old rows leave it.
        for i in 0..1000 {
            w.push(&[((i * 7919) % 1000) as f64 + 400.0]).unwrap();
        }
        assert_eq!(w.len(), 1000);
        assert_eq!(w.seen(), 2000);
        let d = w.column(0);
        assert_eq!(d.verdict, Verdict::Drift);
        assert!((d.ks.unwrap().statistic - 0.4).abs() < 0.01, "{d:?}");
        assert!(d.reasons.iter().any(|r| r.starts_with("PSI")));
    }

    #[test]
    fn the_window_counts_match_a_fresh_window_over_its_rows() {
        let train: Vec<f64> = (0..100).map(f64::from).collect();
        let mut sliding =
            DriftWindow::new(vec![numeric(&train)], 50, Thresholds::default()).unwrap();
        let stream: Vec<f64> = (0..180)
            .map(|i| {
                if i % 9 == 0 {
                    f64::NAN
                } else {
                    (i * 37 % 150) as f64
                }
            })
            .collect();
        for &v in &stream {
            sliding.push(&[v]).unwrap();
        }
        let mut fresh = DriftWindow::new(vec![numeric(&train)], 50, Thresholds::default()).unwrap();
        for &v in &stream[130..] {
            fresh.push(&[v]).unwrap();
        }
        assert_eq!(sliding.report(), fresh.report());
    }

    #[test]
    fn unseen_categories_and_missing_values_are_counted() {
        let codes: Vec<f64> = (0..300).map(|i| (i % 3) as f64).collect();
        let labels = vec!["a".to_string(), "b".into(), "c".into()];
        let col = Monitored {
            name: "c".into(),
            role: Role::Input,
            kind: MonitoredKind::Categorical {
                labels: labels.clone(),
            },
            reference: categorical_reference("c", &codes, 3, None),
        };
        let mut w = DriftWindow::new(vec![col], 1000, Thresholds::default()).unwrap();
        for i in 0..100 {
            let v = match i % 10 {
                0 => 3.0,      // an unseen label's code
                1 => f64::NAN, // missing
                k => (k % 3) as f64,
            };
            w.push(&[v]).unwrap();
        }
        let d = w.column(0);
        assert!((d.unseen.unwrap() - 10.0 / 90.0).abs() < 1e-12);
        assert!((d.current_missing - 0.1).abs() < 1e-12);
        assert_eq!(d.verdict, Verdict::Drift);
        assert!(
            d.reasons.iter().any(|r| r.contains("unseen")),
            "{:?}",
            d.reasons
        );
        assert_eq!(d.bins.last().unwrap().label, "(unseen)");
        assert_eq!(d.chi2_dof, Some(3));
    }

    #[test]
    fn few_rows_give_no_verdict_and_bad_rows_are_refused() {
        let train: Vec<f64> = (0..100).map(f64::from).collect();
        let mut w = DriftWindow::new(vec![numeric(&train)], 10, Thresholds::default()).unwrap();
        w.push(&[1000.0]).unwrap();
        assert_eq!(w.column(0).verdict, Verdict::Unknown);
        assert!(w.push(&[1.0, 2.0]).is_err());
        assert!(DriftWindow::new(vec![], 0, Thresholds::default()).is_err());
        let bad = Thresholds {
            psi_warning: 0.3,
            psi_drift: 0.2,
            ..Thresholds::default()
        };
        assert!(DriftWindow::new(vec![], 5, bad).is_err());
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.123456), "0.1235");
        assert_eq!(short(12.0), "12");
        assert_eq!(short(1234.5678), "1235");
        assert_eq!(short(2.5e7), "2.500e7");
    }
}
