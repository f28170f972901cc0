//! Classification pictures: ROC and precision-recall curves, the calibration curve (reliability
//! diagram), score distributions and the confusion-matrix heatmap.
//!
//! A binary problem is drawn for its positive class (code 1, the second label); a multiclass
//! problem one-vs-rest, one curve (or panel) per class.

use ndarray::{Array1, ArrayView1, ArrayView2};
use satori_core::{Error, Result};
use satori_metrics::{
    Normalize, auc, average_precision, confusion_matrix, precision_recall_curve, roc_curve,
};

use crate::chart::{
    Chart, HeatmapPanel, Mark, PANEL, Panel, Series, UNIT, XAxis, XyPanel, thin_polyline,
};
use crate::format::{count, fixed};

/// Most points drawn per curve; longer curves are thinned to the same shape.
const MAX_CURVE_POINTS: usize = 1500;

/// The truth and predicted class probabilities behind the classification charts.
#[derive(Debug, Clone, Copy)]
pub struct ClassScores<'a> {
    /// True class codes, each below the number of classes.
    pub y_true: ArrayView1<'a, usize>,
    /// Predicted probabilities, rows × classes (finite, in [0, 1]).
    pub proba: ArrayView2<'a, f64>,
    /// The class labels, in code order (at least two).
    pub classes: &'a [String],
    /// Optional non-negative sample weights (used by the ROC and precision-recall curves).
    pub sample_weight: Option<ArrayView1<'a, f64>>,
}

impl ClassScores<'_> {
    /// Checks shapes, codes, probabilities and weights; every chart calls it first.
    pub fn validate(&self) -> Result<()> {
        let k = self.classes.len();
        if k < 2 {
            return Err(Error::InvalidData(format!(
                "classification charts need at least two class labels, got {k}"
            )));
        }
        if self.y_true.is_empty() {
            return Err(Error::NotEnoughSamples {
                context: "a classification chart".into(),
                needed: 1,
                got: 0,
            });
        }
        if self.proba.ncols() != k {
            return Err(Error::ShapeMismatch {
                context: "probability columns vs class labels".into(),
                expected: k,
                got: self.proba.ncols(),
            });
        }
        if self.proba.nrows() != self.y_true.len() {
            return Err(Error::ShapeMismatch {
                context: "probability rows vs true labels".into(),
                expected: self.y_true.len(),
                got: self.proba.nrows(),
            });
        }
        if let Some(i) = self.y_true.iter().position(|&c| c >= k) {
            return Err(Error::InvalidData(format!(
                "true class code {} at row {i} is not below the {k} classes",
                self.y_true[i]
            )));
        }
        if let Some(((r, c), v)) = self
            .proba
            .indexed_iter()
            .find(|(_, v)| !(0.0..=1.0).contains(*v))
        {
            return Err(Error::InvalidData(format!(
                "probabilities must be finite and within [0, 1]; row {r}, class `{}` holds {v}",
                self.classes[c]
            )));
        }
        if let Some(w) = self.sample_weight {
            if w.len() != self.y_true.len() {
                return Err(Error::ShapeMismatch {
                    context: "sample weights vs true labels".into(),
                    expected: self.y_true.len(),
                    got: w.len(),
                });
            }
            if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
                return Err(Error::InvalidData(format!(
                    "sample weights must be finite and non-negative; row {i} holds {}",
                    w[i]
                )));
            }
        }
        Ok(())
    }

    /// The classes drawn: the positive class for binary problems, every class otherwise.
    fn drawn_classes(&self) -> Vec<usize> {
        if self.classes.len() == 2 {
            vec![1]
        } else {
            (0..self.classes.len()).collect()
        }
    }

    /// One-vs-rest truth for class `k` (1 = class `k`).
    fn one_vs_rest(&self, k: usize) -> Array1<usize> {
        self.y_true.mapv(|c| usize::from(c == k))
    }

    /// Whether class `k` has both positive and negative samples.
    fn has_both(&self, k: usize) -> bool {
        let pos = self.y_true.iter().filter(|&&c| c == k).count();
        pos > 0 && pos < self.y_true.len()
    }

    /// Legend name of class `k`'s curve.
    fn curve_name(&self, k: usize, what: &str, value: f64) -> String {
        if self.classes.len() == 2 {
            format!("{what} = {}", fixed(value, 3))
        } else {
            format!("{} ({what} = {})", self.classes[k], fixed(value, 3))
        }
    }

    /// The classes that can be drawn, or a clear error when none can.
    fn drawable(&self, chart: &str) -> Result<Vec<usize>> {
        let ks: Vec<usize> = self
            .drawn_classes()
            .into_iter()
            .filter(|&k| self.has_both(k))
            .collect();
        if ks.is_empty() {
            let present: Vec<&str> = (0..self.classes.len())
                .filter(|&k| self.y_true.iter().any(|&c| c == k))
                .map(|k| self.classes[k].as_str())
                .collect();
            return Err(Error::InvalidData(format!(
                "the {chart} needs samples of the positive class and of another class; the truth holds only {}",
                present.join(", ")
            )));
        }
        Ok(ks)
    }
}

fn title_for(s: &ClassScores<'_>, base: &str) -> String {
    if s.classes.len() == 2 {
        format!("{base} (positive class: {})", s.classes[1])
    } else {
        format!("{base} (one-vs-rest)")
    }
}

/// The ROC curve with its AUC in the legend (one curve per class, one-vs-rest, for multiclass)
/// and the chance diagonal. Classes without both positive and negative samples are left out; an
/// error when no class can be drawn.
pub fn roc_chart(s: &ClassScores<'_>) -> Result<Chart> {
    s.validate()?;
    let mut series = vec![Series::reference(
        Some("chance".into()),
        vec![(0.0, 0.0), (1.0, 1.0)],
    )];
    for k in s.drawable("ROC curve")? {
        let y = s.one_vs_rest(k);
        let roc = roc_curve(y.view(), s.proba.column(k), 1, true, s.sample_weight)?;
        let area = auc(&roc.fpr, &roc.tpr)?;
        let pts: Vec<(f64, f64)> = roc
            .fpr
            .iter()
            .copied()
            .zip(roc.tpr.iter().copied())
            .collect();
        let pts = thin_polyline(pts, (0.0, 1.0), (0.0, 1.0), MAX_CURVE_POINTS);
        series.push(Series::new(
            Some(s.curve_name(k, "AUC", area)),
            k,
            Mark::Line(pts),
        ));
    }
    Chart::single(
        title_for(s, "ROC curve"),
        Panel::Xy(XyPanel {
            subtitle: None,
            x_label: "False positive rate".into(),
            y_label: "True positive rate".into(),
            x_range: UNIT,
            y_range: UNIT,
            series,
            x_axis: XAxis::Plain,
        }),
    )
}

/// `steps-post` drawing of a curve, as scikit-learn's `PrecisionRecallDisplay`.
fn steps_post(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(pts.len() * 2);
    for w in pts.windows(2) {
        out.push(w[0]);
        out.push((w[1].0, w[0].1));
    }
    if let Some(&last) = pts.last() {
        out.push(last);
    }
    out
}

/// The precision-recall curve with its average precision in the legend (one-vs-rest for
/// multiclass); for binary problems a dashed line marks the prevalence (a random classifier's
/// precision).
pub fn precision_recall_chart(s: &ClassScores<'_>) -> Result<Chart> {
    s.validate()?;
    let mut series = Vec::new();
    let ks = s.drawable("precision-recall curve")?;
    for &k in &ks {
        let y = s.one_vs_rest(k);
        let pr = precision_recall_curve(y.view(), s.proba.column(k), 1, false, s.sample_weight)?;
        let ap = average_precision(y.view(), s.proba.column(k), 1, s.sample_weight)?;
        let pts: Vec<(f64, f64)> = pr
            .recall
            .iter()
            .copied()
            .zip(pr.precision.iter().copied())
            .collect();
        let pts = thin_polyline(steps_post(&pts), (0.0, 1.0), (0.0, 1.0), MAX_CURVE_POINTS);
        series.push(Series::new(
            Some(s.curve_name(k, "AP", ap)),
            k,
            Mark::Line(pts),
        ));
    }
    if s.classes.len() == 2 {
        let w = |i: usize| s.sample_weight.map_or(1.0, |w| w[i]);
        let total: f64 = (0..s.y_true.len()).map(w).sum();
        let pos: f64 = (0..s.y_true.len())
            .filter(|&i| s.y_true[i] == 1)
            .map(w)
            .sum();
        if total > 0.0 {
            let p = pos / total;
            series.push(Series::reference(
                Some(format!("chance (prevalence = {})", fixed(p, 3))),
                vec![(0.0, p), (1.0, p)],
            ));
        }
    }
    Chart::single(
        title_for(s, "Precision-recall curve"),
        Panel::Xy(XyPanel {
            subtitle: None,
            x_label: "Recall".into(),
            y_label: "Precision".into(),
            x_range: UNIT,
            y_range: UNIT,
            series,
            x_axis: XAxis::Plain,
        }),
    )
}

/// The points of a reliability diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationCurve {
    /// Fraction of positive samples in each non-empty bin.
    pub prob_true: Vec<f64>,
    /// Mean predicted probability in each non-empty bin.
    pub prob_pred: Vec<f64>,
    /// Number of samples in each non-empty bin.
    pub counts: Vec<usize>,
}

/// scikit-learn's `calibration_curve(y_true, y_prob, n_bins, strategy="uniform")`: `n_bins`
/// equal-width bins over [0, 1] (a probability on an inner edge falls in the lower bin), empty
/// bins left out. `y_prob` must lie in [0, 1]; samples of class `pos_label` are positive.
pub fn calibration_curve(
    y_true: ArrayView1<'_, usize>,
    y_prob: ArrayView1<'_, f64>,
    pos_label: usize,
    n_bins: usize,
) -> Result<CalibrationCurve> {
    if n_bins == 0 {
        return Err(Error::param("n_bins", "must be at least 1, got 0"));
    }
    if y_true.len() != y_prob.len() {
        return Err(Error::ShapeMismatch {
            context: "calibration curve: y_prob vs y_true".into(),
            expected: y_true.len(),
            got: y_prob.len(),
        });
    }
    if y_true.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: "a calibration curve".into(),
            needed: 1,
            got: 0,
        });
    }
    if let Some(i) = y_prob.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(Error::InvalidData(format!(
            "calibration curve: y_prob must be within [0, 1]; row {i} holds {}",
            y_prob[i]
        )));
    }
    let step = 1.0 / n_bins as f64;
    let mut sum_prob = vec![0.0; n_bins];
    let mut sum_true = vec![0.0; n_bins];
    let mut total = vec![0usize; n_bins];
    for (&y, &p) in y_true.iter().zip(y_prob.iter()) {
        // numpy.searchsorted(bins[1:-1], p, side="left") with bins = numpy.linspace(0, 1,
        // n_bins + 1), whose inner edges are j * (1 / n_bins): the number of inner edges below p.
        let (mut lo, mut hi) = (1usize, n_bins);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if (mid as f64 * step) < p {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let b = lo - 1;
        sum_prob[b] += p;
        sum_true[b] += if y == pos_label { 1.0 } else { 0.0 };
        total[b] += 1;
    }
    let mut c = CalibrationCurve {
        prob_true: Vec::new(),
        prob_pred: Vec::new(),
        counts: Vec::new(),
    };
    for b in (0..n_bins).filter(|&b| total[b] > 0) {
        c.prob_true.push(sum_true[b] / total[b] as f64);
        c.prob_pred.push(sum_prob[b] / total[b] as f64);
        c.counts.push(total[b]);
    }
    Ok(c)
}

/// The reliability diagram: per bin, the fraction of positives against the mean predicted
/// probability ([`calibration_curve`], uniform bins), with the perfectly calibrated diagonal.
/// One-vs-rest per class for multiclass. Sample weights are not used (as in scikit-learn).
pub fn calibration_chart(s: &ClassScores<'_>, n_bins: usize) -> Result<Chart> {
    s.validate()?;
    let mut series = vec![Series::reference(
        Some("perfectly calibrated".into()),
        vec![(0.0, 0.0), (1.0, 1.0)],
    )];
    for k in s.drawn_classes() {
        let c = calibration_curve(s.y_true, s.proba.column(k), k, n_bins)?;
        let pts: Vec<(f64, f64)> = c.prob_pred.into_iter().zip(c.prob_true).collect();
        let name = if s.classes.len() == 2 {
            "model".to_string()
        } else {
            s.classes[k].clone()
        };
        series.push(Series::new(Some(name), k, Mark::LineMarkers(pts)));
    }
    Chart::single(
        title_for(s, &format!("Calibration curve ({n_bins} bins)")),
        Panel::Xy(XyPanel {
            subtitle: None,
            x_label: "Mean predicted probability".into(),
            y_label: "Fraction of positives".into(),
            x_range: UNIT,
            y_range: UNIT,
            series,
            x_axis: XAxis::Plain,
        }),
    )
}

/// Histogram of `values` (in [0, 1]) over `n_bins` equal bins, as fractions of the values.
fn unit_histogram(values: impl Iterator<Item = f64>, n_bins: usize) -> Vec<(f64, f64, f64)> {
    let mut counts = vec![0usize; n_bins];
    let mut n = 0usize;
    for v in values {
        let b = ((v * n_bins as f64).floor() as usize).min(n_bins - 1);
        counts[b] += 1;
        n += 1;
    }
    let width = 1.0 / n_bins as f64;
    counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(b, &c)| {
            (
                b as f64 * width,
                (b + 1) as f64 * width,
                c as f64 / n as f64,
            )
        })
        .collect()
}

/// Score distributions: for a binary problem, histograms of the positive-class probability for
/// the samples of each true class; for multiclass, one panel per class with its probability for
/// the samples of that class and of the other classes. Bars are the share of each group's
/// samples, so groups of different sizes compare.
pub fn score_distribution_chart(s: &ClassScores<'_>, n_bins: usize) -> Result<Chart> {
    s.validate()?;
    if n_bins == 0 {
        return Err(Error::param("n_bins", "must be at least 1, got 0"));
    }
    let n = s.y_true.len();
    let panel = |k: usize, groups: Vec<(String, usize, Vec<usize>)>, subtitle: Option<String>| {
        let mut series = Vec::new();
        let mut top = 0.0f64;
        for (name, color, rows) in groups.into_iter().filter(|g| !g.2.is_empty()) {
            let bars = unit_histogram(rows.iter().map(|&i| s.proba[[i, k]]), n_bins);
            top = bars.iter().fold(top, |m, b| m.max(b.2));
            series.push(Series::new(
                Some(format!("{name} (n = {})", rows.len())),
                color,
                Mark::Bars(bars),
            ));
        }
        Panel::Xy(XyPanel {
            subtitle,
            x_label: format!("P({})", s.classes[k]),
            y_label: "Share of samples".into(),
            x_range: UNIT,
            y_range: (0.0, (top * 1.12).max(0.05)),
            series,
            x_axis: XAxis::Plain,
        })
    };
    let rows_of =
        |pred: &dyn Fn(usize) -> bool| (0..n).filter(|&i| pred(s.y_true[i])).collect::<Vec<_>>();
    if s.classes.len() == 2 {
        let groups = (0..2)
            .map(|c| (format!("true {}", s.classes[c]), c, rows_of(&|t| t == c)))
            .collect();
        return Chart::single(
            format!("Score distribution: P({}) by true class", s.classes[1]),
            panel(1, groups, None),
        );
    }
    let panels = (0..s.classes.len())
        .map(|k| {
            let groups = vec![
                (s.classes[k].clone(), k, rows_of(&|t| t == k)),
                ("other classes".to_string(), 7, rows_of(&|t| t != k)),
            ];
            panel(k, groups, Some(format!("class {}", s.classes[k])))
        })
        .collect();
    Chart::grid(
        "Score distribution per class (one-vs-rest)",
        panels,
        3,
        PANEL,
    )
}

/// The confusion matrix as a heatmap: rows are true classes, columns predicted classes; each
/// cell shows its (weighted) count and its share of the row (the true class's recall on the
/// diagonal), and its colour is that share.
pub fn confusion_matrix_chart(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    classes: &[String],
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<Chart> {
    let k = classes.len();
    if k == 0 {
        return Err(Error::InvalidData(
            "a confusion matrix needs at least one class label".into(),
        ));
    }
    if y_true.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: "a confusion matrix".into(),
            needed: 1,
            got: 0,
        });
    }
    let cm = confusion_matrix(y_true, y_pred, k, Normalize::None, sample_weight)?;
    let mut intensity = Vec::with_capacity(k * k);
    let mut text = Vec::with_capacity(k * k);
    for row in cm.rows() {
        let total: f64 = row.sum();
        for &v in row {
            let rate = if total > 0.0 { v / total } else { 0.0 };
            intensity.push(rate);
            let share = if total > 0.0 {
                format!("{}%", fixed(rate * 100.0, 1))
            } else {
                "–".to_string()
            };
            text.push([count(v), share]);
        }
    }
    // Keep cells readable for many classes: about 56 px per class, within sane bounds.
    let side = |base: u32| (base + 56 * k as u32).clamp(base.max(480), 1400);
    Chart::grid(
        "Confusion matrix (count and share of the true class)",
        vec![Panel::Heatmap(HeatmapPanel {
            x_label: "Predicted class".into(),
            y_label: "True class".into(),
            row_labels: classes.to_vec(),
            col_labels: classes.to_vec(),
            intensity,
            text,
        })],
        1,
        (side(220).max(640), side(180)),
    )
}
