//! Metrics for imbalanced classification, as imbalanced-learn 0.14.2's `imblearn.metrics`:
//! sensitivity, specificity, the geometric mean of the per-class recalls, the index balanced
//! accuracy and the imbalanced classification report.
//!
//! The arithmetic follows imbalanced-learn step by step so that results agree to the last digit,
//! including one quirk: the true negatives of a class are `n - (predicted + true - tp)` where `n`
//! is the *unweighted* number of samples even when sample weights are given (imbalanced-learn
//! uses `y_true.size`), so weighted specificities are imbalanced-learn's, not
//! `tn_w / (tn_w + fp_w)`: with weights whose mean is far from 1 they can leave [0, 1] (and the
//! geometric means built on them can be NaN). The `multiclass` geometric mean uses recalls only
//! and is unaffected; prefer it (the default) with sample weights.
//!
//! Labels are class codes. Scalar metrics consider the classes that occur in `y_true` or
//! `y_pred` (imbalanced-learn's default label set); per-class outputs cover all `n_classes`
//! classes (imbalanced-learn with `labels=range(n_classes)`).

use ndarray::ArrayView1;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::classification::{Average, ZeroDivision};
use crate::confusion::ConfusionCounts;
use crate::util::pairwise_sum;

/// How [`geometric_mean_score`] combines the classes, as imbalanced-learn's `average`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeometricMeanAverage {
    /// The geometric mean of the per-class recalls of the classes that occur (imbalanced-learn's
    /// default `"multiclass"`); a zero recall is replaced by `correction`.
    #[default]
    Multiclass,
    /// `sqrt(sensitivity × specificity)` of one positive class; at most two classes may occur.
    Binary {
        /// The positive class.
        pos_label: usize,
    },
    /// `sqrt` of the micro-averaged sensitivity times the micro-averaged specificity.
    Micro,
    /// `sqrt` of the macro-averaged sensitivity times the macro-averaged specificity.
    Macro,
    /// `sqrt` of the support-weighted sensitivity times the support-weighted specificity.
    Weighted,
}

impl GeometricMeanAverage {
    /// The sensitivity/specificity average this one uses (`Multiclass` → macro, as
    /// imbalanced-learn's index balanced accuracy does).
    fn as_average(self) -> Average {
        match self {
            GeometricMeanAverage::Multiclass | GeometricMeanAverage::Macro => Average::Macro,
            GeometricMeanAverage::Binary { pos_label } => Average::Binary { pos_label },
            GeometricMeanAverage::Micro => Average::Micro,
            GeometricMeanAverage::Weighted => Average::Weighted,
        }
    }
}

impl From<Average> for GeometricMeanAverage {
    fn from(a: Average) -> Self {
        match a {
            Average::Binary { pos_label } => GeometricMeanAverage::Binary { pos_label },
            Average::Micro => GeometricMeanAverage::Micro,
            Average::Macro => GeometricMeanAverage::Macro,
            Average::Weighted => GeometricMeanAverage::Weighted,
        }
    }
}

/// Per-class sensitivity, specificity and support for all `n_classes` classes
/// (imbalanced-learn's `sensitivity_specificity_support` with `average=None`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SensitivitySpecificity {
    /// `tp / (tp + fn)` of each class (0 where the class has no true samples).
    pub sensitivity: Vec<f64>,
    /// `tn / (tn + fp)` of each class (0 where undefined).
    pub specificity: Vec<f64>,
    /// Weighted number of true samples of each class.
    pub support: Vec<f64>,
}

/// Sensitivity, specificity and support over `labels` (one value each, or one micro value).
fn sens_spec_for_labels(
    c: &ConfusionCounts,
    labels: &[usize],
    micro: bool,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = c.n_samples() as f64;
    let mut tp: Vec<f64> = labels.iter().map(|&l| c.get(l, l)).collect();
    let mut pred: Vec<f64> = labels.iter().map(|&l| c.pred_sum()[l]).collect();
    let mut truth: Vec<f64> = labels.iter().map(|&l| c.true_sum()[l]).collect();
    let mut tn: Vec<f64> = (0..labels.len())
        .map(|i| n - (pred[i] + truth[i] - tp[i]))
        .collect();
    if micro {
        tp = vec![pairwise_sum(&tp)];
        pred = vec![pairwise_sum(&pred)];
        truth = vec![pairwise_sum(&truth)];
        tn = vec![pairwise_sum(&tn)];
    }
    let divide = |num: f64, den: f64| if den == 0.0 { 0.0 } else { num / den };
    let specificity = (0..tp.len())
        .map(|i| divide(tn[i], tn[i] + pred[i] - tp[i]))
        .collect();
    let sensitivity = (0..tp.len()).map(|i| divide(tp[i], truth[i])).collect();
    (sensitivity, specificity, truth)
}

/// `np.average(values, weights)` without the zero-sum error (callers check it).
fn np_average(values: &[f64], weights: Option<&[f64]>) -> f64 {
    match weights {
        None => pairwise_sum(values) / values.len() as f64,
        Some(w) => {
            let prod: Vec<f64> = values.iter().zip(w).map(|(v, w)| v * w).collect();
            pairwise_sum(&prod) / pairwise_sum(w)
        }
    }
}

/// Averaged `(sensitivity, specificity)` from confusion counts, as imbalanced-learn's
/// `sensitivity_specificity_support` with `average` set.
pub fn sensitivity_specificity_from_counts(
    c: &ConfusionCounts,
    avg: Average,
) -> Result<(f64, f64)> {
    let present = c.present_classes();
    let labels = match avg {
        Average::Binary { pos_label } => {
            if present.len() > 2 {
                return Err(Error::param(
                    "average",
                    format!(
                        "`binary` needs at most two classes but {} occur; choose micro, macro, \
                         weighted or multiclass",
                        present.len()
                    ),
                ));
            }
            if pos_label >= c.n_classes() {
                return Err(Error::param(
                    "pos_label",
                    format!(
                        "class {pos_label} does not exist (n_classes = {})",
                        c.n_classes()
                    ),
                ));
            }
            if !c.is_present(pos_label) {
                if present.len() < 2 {
                    // Only negative labels: imbalanced-learn returns zeros.
                    return Ok((0.0, 0.0));
                }
                return Err(Error::param(
                    "pos_label",
                    format!(
                        "class {pos_label} is not a valid label; it should be one of {present:?}"
                    ),
                ));
            }
            vec![pos_label]
        }
        _ => present,
    };
    let (sens, spec, truth) = sens_spec_for_labels(c, &labels, avg == Average::Micro);
    let weights = if avg == Average::Weighted {
        if pairwise_sum(&truth) == 0.0 {
            return Ok((0.0, 0.0));
        }
        Some(truth.as_slice())
    } else {
        None
    };
    Ok((np_average(&sens, weights), np_average(&spec, weights)))
}

/// Averaged `(sensitivity, specificity)` (imbalanced-learn's `sensitivity_specificity_support`
/// with `average` set; the support is `None` there).
pub fn sensitivity_specificity(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    avg: Average,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<(f64, f64)> {
    let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
    sensitivity_specificity_from_counts(&c, avg)
}

/// Per-class sensitivity, specificity and support for all `n_classes` classes.
pub fn sensitivity_specificity_support(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<SensitivitySpecificity> {
    let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
    let labels: Vec<usize> = (0..n_classes).collect();
    let (sensitivity, specificity, support) = sens_spec_for_labels(&c, &labels, false);
    Ok(SensitivitySpecificity {
        sensitivity,
        specificity,
        support,
    })
}

/// Sensitivity (the recall `tp / (tp + fn)`), averaged as `avg` (imbalanced-learn's
/// `sensitivity_score`; its default is binary with positive class 1).
pub fn sensitivity_score(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    avg: Average,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    sensitivity_specificity(y_true, y_pred, n_classes, avg, sample_weight).map(|s| s.0)
}

/// Specificity (`tn / (tn + fp)`), averaged as `avg` (imbalanced-learn's `specificity_score`).
pub fn specificity_score(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    avg: Average,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    sensitivity_specificity(y_true, y_pred, n_classes, avg, sample_weight).map(|s| s.1)
}

fn check_correction(correction: f64) -> Result<()> {
    if correction.is_nan() || correction < 0.0 || correction.is_infinite() {
        return Err(Error::param(
            "correction",
            format!("must be a finite number >= 0 (default 0), got {correction}"),
        ));
    }
    Ok(())
}

/// [`geometric_mean_score`] from confusion counts.
pub fn geometric_mean_from_counts(
    c: &ConfusionCounts,
    avg: GeometricMeanAverage,
    correction: f64,
) -> Result<f64> {
    check_correction(correction)?;
    if avg != GeometricMeanAverage::Multiclass {
        let (sens, spec) = sensitivity_specificity_from_counts(c, avg.as_average())?;
        return Ok((sens * spec).sqrt());
    }
    let labels = c.present_classes();
    let logs: Vec<f64> = labels
        .iter()
        .map(|&l| {
            let truth = c.true_sum()[l];
            let recall = if truth == 0.0 {
                0.0
            } else {
                c.get(l, l) / truth
            };
            let recall = if recall == 0.0 { correction } else { recall };
            recall.ln()
        })
        .collect();
    // scipy.stats.gmean: exp(mean(log(a))).
    Ok((pairwise_sum(&logs) / logs.len() as f64).exp())
}

/// The geometric mean of sensitivity and specificity (imbalanced-learn's
/// `geometric_mean_score`). With [`GeometricMeanAverage::Multiclass`] (the default) it is the
/// geometric mean of the recalls of the classes that occur, a zero recall replaced by
/// `correction` (≥ 0, default 0, which makes one missed class zero the score); otherwise
/// `sqrt(sensitivity × specificity)` under the chosen average.
pub fn geometric_mean_score(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    avg: GeometricMeanAverage,
    correction: f64,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
    geometric_mean_from_counts(&c, avg, correction)
}

/// Per-class geometric means `sqrt(sensitivity × specificity)` for all `n_classes` classes
/// (imbalanced-learn's `geometric_mean_score` with `average=None`).
pub fn geometric_mean_per_class(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<Vec<f64>> {
    let s = sensitivity_specificity_support(y_true, y_pred, n_classes, sample_weight)?;
    Ok(s.sensitivity
        .iter()
        .zip(&s.specificity)
        .map(|(a, b)| (a * b).sqrt())
        .collect())
}

/// The index balanced accuracy correction (García et al. 2009) of imbalanced-learn's
/// `make_index_balanced_accuracy`: `(1 + alpha × (sensitivity − specificity)) × score`, with the
/// score squared first when `squared` (imbalanced-learn's defaults: `alpha` 0.1, `squared`
/// true).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexBalancedAccuracy {
    /// Weight of the dominance `sensitivity − specificity`; default 0.1, any finite number.
    pub alpha: f64,
    /// Whether the score is squared before weighting; default true.
    pub squared: bool,
}

impl Default for IndexBalancedAccuracy {
    fn default() -> Self {
        IndexBalancedAccuracy {
            alpha: 0.1,
            squared: true,
        }
    }
}

impl IndexBalancedAccuracy {
    /// Checks that `alpha` is finite.
    pub fn validate(&self) -> Result<()> {
        if !self.alpha.is_finite() {
            return Err(Error::param(
                "alpha",
                format!("must be a finite number (default 0.1), got {}", self.alpha),
            ));
        }
        Ok(())
    }

    /// Applies the correction to `score` given the sensitivity and specificity computed with
    /// the same average.
    pub fn apply(&self, score: f64, sensitivity: f64, specificity: f64) -> f64 {
        let score = if self.squared { score * score } else { score };
        let dominance = sensitivity - specificity;
        (1.0 + self.alpha * dominance) * score
    }

    /// The index balanced accuracy of the geometric mean from confusion counts
    /// (`make_index_balanced_accuracy(alpha, squared)(geometric_mean_score)`); the
    /// sensitivity and specificity use `avg` (macro for `Multiclass`).
    pub fn geometric_mean_from_counts(
        &self,
        c: &ConfusionCounts,
        avg: GeometricMeanAverage,
        correction: f64,
    ) -> Result<f64> {
        self.validate()?;
        let g = geometric_mean_from_counts(c, avg, correction)?;
        let (sens, spec) = sensitivity_specificity_from_counts(c, avg.as_average())?;
        Ok(self.apply(g, sens, spec))
    }

    /// The index balanced accuracy of the geometric mean.
    pub fn geometric_mean(
        &self,
        y_true: ArrayView1<'_, usize>,
        y_pred: ArrayView1<'_, usize>,
        n_classes: usize,
        avg: GeometricMeanAverage,
        correction: f64,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<f64> {
        let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
        self.geometric_mean_from_counts(&c, avg, correction)
    }

    /// The per-class index balanced accuracy of the per-class geometric means, for all
    /// `n_classes` classes.
    pub fn geometric_mean_per_class(
        &self,
        y_true: ArrayView1<'_, usize>,
        y_pred: ArrayView1<'_, usize>,
        n_classes: usize,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<Vec<f64>> {
        self.validate()?;
        let s = sensitivity_specificity_support(y_true, y_pred, n_classes, sample_weight)?;
        Ok(s.sensitivity
            .iter()
            .zip(&s.specificity)
            .map(|(&a, &b)| self.apply((a * b).sqrt(), a, b))
            .collect())
    }
}

/// One row of an [`ImbalancedReport`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImbalancedReportRow {
    /// Precision (`pre`).
    pub pre: f64,
    /// Recall, i.e. sensitivity (`rec`).
    pub rec: f64,
    /// Specificity (`spe`).
    pub spe: f64,
    /// F1 score (`f1`).
    pub f1: f64,
    /// Geometric mean of sensitivity and specificity (`geo`).
    pub geo: f64,
    /// Index balanced accuracy of the geometric mean (`iba`).
    pub iba: f64,
    /// Weighted number of true samples (`sup`).
    pub sup: f64,
}

/// The data of imbalanced-learn's `classification_report_imbalanced`: one row per class that
/// occurs in `y_true` or `y_pred`, and the support-weighted averages (`avg / total`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImbalancedReport {
    /// `(class code, row)` for each class that occurs, ascending.
    pub classes: Vec<(usize, ImbalancedReportRow)>,
    /// Support-weighted means of every column; `sup` is the total support.
    pub avg: ImbalancedReportRow,
    /// Whether sample weights were given (the support is then printed as a float).
    pub weighted: bool,
}

/// imbalanced-learn's `classification_report_imbalanced` as data; `alpha` is the index balanced
/// accuracy's weight (default 0.1) and `zero_division` applies to precision, recall and F1.
pub fn classification_report_imbalanced(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    alpha: f64,
    zero_division: ZeroDivision,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<ImbalancedReport> {
    let iba = IndexBalancedAccuracy {
        alpha,
        squared: true,
    };
    iba.validate()?;
    let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
    let labels = c.present_classes();
    let (sens, spec, _) = sens_spec_for_labels(&c, &labels, false);
    let zd = match zero_division {
        ZeroDivision::Warn | ZeroDivision::Zero => 0.0,
        ZeroDivision::One => 1.0,
        ZeroDivision::Nan => f64::NAN,
    };
    let divide = |num: f64, den: f64| if den == 0.0 { zd } else { num / den };
    let mut rows = Vec::with_capacity(labels.len());
    for (i, &l) in labels.iter().enumerate() {
        // scikit-learn's precision_recall_fscore_support rebuilds the sums as tp + fp, tp + fn.
        let tp = c.get(l, l);
        let pred = tp + (c.pred_sum()[l] - tp);
        let truth = tp + (c.true_sum()[l] - tp);
        let geo = (sens[i] * spec[i]).sqrt();
        rows.push(ImbalancedReportRow {
            pre: divide(tp, pred),
            rec: divide(tp, truth),
            spe: spec[i],
            f1: divide(2.0 * tp, truth + pred),
            geo,
            iba: iba.apply(geo, sens[i], spec[i]),
            sup: truth,
        });
    }
    let support: Vec<f64> = rows.iter().map(|r| r.sup).collect();
    let total = pairwise_sum(&support);
    let col = |f: fn(&ImbalancedReportRow) -> f64| -> Result<f64> {
        if total == 0.0 {
            return Err(Error::InvalidData(
                "the imbalanced classification report's averages are undefined: the support \
                 sums to zero"
                    .into(),
            ));
        }
        let v: Vec<f64> = rows.iter().map(f).collect();
        Ok(np_average(&v, Some(&support)))
    };
    let avg = ImbalancedReportRow {
        pre: col(|r| r.pre)?,
        rec: col(|r| r.rec)?,
        spe: col(|r| r.spe)?,
        f1: col(|r| r.f1)?,
        geo: col(|r| r.geo)?,
        iba: col(|r| r.iba)?,
        sup: total,
    };
    Ok(ImbalancedReport {
        classes: labels.into_iter().zip(rows).collect(),
        avg,
        weighted: sample_weight.is_some(),
    })
}

/// Python's `format(x, f".{digits}f")`: like Rust's, but NaN and infinities spelled `nan`, `inf`.
fn py_fixed(x: f64, digits: usize) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x:.digits$}")
    }
}

/// Python's `str()` of a support value: an integer without weights, a float repr with them.
fn support_text(v: f64, weighted: bool) -> String {
    if !weighted {
        format!("{}", v as u64)
    } else if v.fract() == 0.0 && v.abs() < 1e16 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

impl ImbalancedReport {
    /// The report as imbalanced-learn prints it: columns `pre rec spe f1 geo iba sup`, values
    /// with `digits` decimals, classes named by `target_names` (default: the class codes), and
    /// an `avg / total` line.
    pub fn to_text(&self, digits: usize, target_names: Option<&[String]>) -> Result<String> {
        let names: Vec<String> = match target_names {
            Some(n) => {
                if n.len() != self.classes.len() {
                    return Err(Error::ShapeMismatch {
                        context: "target_names (one per class in the report)".into(),
                        expected: self.classes.len(),
                        got: n.len(),
                    });
                }
                n.to_vec()
            }
            None => self.classes.iter().map(|(c, _)| c.to_string()).collect(),
        };
        let heading = "avg / total";
        let name_width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let width = name_width.max(heading.len()).max(digits);
        let line = |first: &str, cells: &[String]| -> String {
            let mut s = format!("{first:>width$}  ");
            let cells: Vec<String> = cells.iter().map(|c| format!("{c:>9}")).collect();
            s.push_str(&cells.join(" "));
            s.push('\n');
            s
        };
        let headers: Vec<String> = ["pre", "rec", "spe", "f1", "geo", "iba", "sup"]
            .iter()
            .map(|h| h.to_string())
            .collect();
        let mut out = line("", &headers);
        out.push('\n');
        let cells = |r: &ImbalancedReportRow, sup: String| -> Vec<String> {
            let mut v: Vec<String> = [r.pre, r.rec, r.spe, r.f1, r.geo, r.iba]
                .iter()
                .map(|&x| py_fixed(x, digits))
                .collect();
            v.push(sup);
            v
        };
        for ((_, r), name) in self.classes.iter().zip(&names) {
            out.push_str(&line(name, &cells(r, support_text(r.sup, self.weighted))));
        }
        out.push('\n');
        out.push_str(&line(
            heading,
            &cells(&self.avg, support_text(self.avg.sup, self.weighted)),
        ));
        Ok(out)
    }
}
