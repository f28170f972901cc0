//! Label metrics: accuracy, balanced accuracy, precision / recall / F-beta, Matthews
//! correlation, Cohen's kappa, the confusion matrix and the classification report.
//!
//! Labels are class codes (`usize` below `n_classes`). Scalar metrics follow scikit-learn called
//! without `labels`: they consider the classes that occur in `y_true` or `y_pred`. Per-class
//! outputs cover all `n_classes` classes (scikit-learn with `labels=range(n_classes)`): a class's
//! own value is the same either way, and an absent class gets support 0 and the
//! `zero_division` value.

use ndarray::{Array2, ArrayView1};
use satori_core::numeric::pairwise_dot;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::confusion::ConfusionCounts;
use crate::util::{average, check_codes, check_lengths, check_weights, nanaverage, pairwise_sum};

/// The value a precision, recall or F-score takes when its denominator is zero, as
/// scikit-learn's `zero_division`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroDivision {
    /// 0 (scikit-learn's default `"warn"`, which also warns).
    #[default]
    Warn,
    /// 0.
    Zero,
    /// 1.
    One,
    /// NaN; averages then ignore the class.
    Nan,
}

impl ZeroDivision {
    fn value(self) -> f64 {
        match self {
            ZeroDivision::Warn | ZeroDivision::Zero => 0.0,
            ZeroDivision::One => 1.0,
            ZeroDivision::Nan => f64::NAN,
        }
    }
}

/// How per-class precision, recall and F-scores are combined, as scikit-learn's `average`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Average {
    /// The score of one positive class; at most two classes may occur.
    Binary {
        /// The positive class.
        pos_label: usize,
    },
    /// Global counts of true positives, false positives and false negatives.
    Micro,
    /// The unweighted mean over the classes that occur.
    Macro,
    /// The mean over the classes that occur, weighted by their support.
    Weighted,
}

/// Normalisation of a confusion matrix, as scikit-learn's `normalize`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalize {
    /// Counts (weighted sums).
    #[default]
    None,
    /// Each row (true class) sums to one.
    True,
    /// Each column (predicted class) sums to one.
    Pred,
    /// The whole matrix sums to one.
    All,
}

/// Weighting of disagreements in Cohen's kappa.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KappaWeights {
    /// Every disagreement costs 1.
    #[default]
    Unweighted,
    /// A disagreement costs the distance between the class positions.
    Linear,
    /// A disagreement costs the squared distance between the class positions.
    Quadratic,
}

/// Per-class precision, recall, F-score and support for all `n_classes` classes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerClassScores {
    /// Precision of each class.
    pub precision: Vec<f64>,
    /// Recall of each class.
    pub recall: Vec<f64>,
    /// F-beta score of each class.
    pub fscore: Vec<f64>,
    /// Weighted number of true samples of each class.
    pub support: Vec<f64>,
}

/// One row of a [`ClassificationReport`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1 score.
    pub f1: f64,
    /// Weighted number of true samples.
    pub support: f64,
}

/// The data of scikit-learn's `classification_report`: one row per class that occurs in
/// `y_true` or `y_pred`, accuracy, and the macro and weighted averages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// `(class code, row)` for each class that occurs, ascending.
    pub classes: Vec<(usize, ReportRow)>,
    /// Accuracy (the micro average).
    pub accuracy: f64,
    /// Unweighted means over the rows.
    pub macro_avg: ReportRow,
    /// Support-weighted means over the rows.
    pub weighted_avg: ReportRow,
}

/// Fraction (weighted) of samples whose predicted class equals the true class.
pub fn accuracy(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    check_lengths("accuracy", y_true.len(), y_pred.len())?;
    check_codes("y_true", y_true, n_classes)?;
    check_codes("y_pred", y_pred, n_classes)?;
    let w = check_weights(sample_weight, y_true.len())?;
    let hits: Vec<f64> = y_true
        .iter()
        .zip(y_pred.iter())
        .map(|(a, b)| if a == b { 1.0 } else { 0.0 })
        .collect();
    average(&hits, w.as_deref())
}

/// Accuracy from confusion counts (sum of the diagonal over the total).
pub fn accuracy_from_counts(c: &ConfusionCounts) -> Result<f64> {
    let k = c.n_classes();
    let diag: Vec<f64> = (0..k).map(|i| c.get(i, i)).collect();
    let total = pairwise_sum(c.true_sum());
    if total == 0.0 {
        return Err(Error::InvalidData("accuracy of zero total weight".into()));
    }
    Ok(pairwise_sum(&diag) / total)
}

/// Mean per-class recall over the classes that occur in `y_true`; `adjusted` rescales it so that
/// chance scores 0 and perfect scores 1.
pub fn balanced_accuracy(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    adjusted: bool,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
    balanced_accuracy_from_counts(&c, adjusted)
}

/// [`balanced_accuracy`] from confusion counts.
pub fn balanced_accuracy_from_counts(c: &ConfusionCounts, adjusted: bool) -> Result<f64> {
    let labels = c.present_classes();
    let m = c.submatrix(&labels);
    let k = labels.len();
    let per_class: Vec<f64> = (0..k)
        .map(|i| m[i * k + i] / pairwise_sum(&m[i * k..(i + 1) * k]))
        .filter(|v| !v.is_nan())
        .collect();
    if per_class.is_empty() {
        return Err(Error::InvalidData(
            "balanced accuracy is undefined: no class has positive true weight".into(),
        ));
    }
    let mut score = pairwise_sum(&per_class) / per_class.len() as f64;
    if adjusted {
        let chance = 1.0 / per_class.len() as f64;
        score -= chance;
        score /= 1.0 - chance;
    }
    Ok(score)
}

/// Per-class precision, recall and F-beta for all `n_classes` classes.
pub fn precision_recall_fscore_per_class(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    beta: f64,
    zero_division: ZeroDivision,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<PerClassScores> {
    check_beta(beta)?;
    let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
    let labels: Vec<usize> = (0..n_classes).collect();
    let (precision, recall, fscore) = prf_for_labels(&c, &labels, beta, zero_division, false);
    Ok(PerClassScores {
        precision,
        recall,
        fscore,
        support: c.true_sum().to_vec(),
    })
}

fn check_beta(beta: f64) -> Result<()> {
    if beta.is_nan() || beta < 0.0 {
        return Err(Error::param(
            "beta",
            format!("must be a non-negative number (infinity gives recall), got {beta}"),
        ));
    }
    Ok(())
}

fn divide(num: f64, den: f64, zero_division: ZeroDivision) -> f64 {
    if den == 0.0 {
        zero_division.value()
    } else {
        num / den
    }
}

/// Precision, recall and F-beta over `labels` (one value each, or one micro value).
fn prf_for_labels(
    c: &ConfusionCounts,
    labels: &[usize],
    beta: f64,
    zd: ZeroDivision,
    micro: bool,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut tp: Vec<f64> = labels.iter().map(|&l| c.get(l, l)).collect();
    let mut pred: Vec<f64> = labels.iter().map(|&l| c.pred_sum()[l]).collect();
    let mut truth: Vec<f64> = labels.iter().map(|&l| c.true_sum()[l]).collect();
    if micro {
        tp = vec![pairwise_sum(&tp)];
        pred = vec![pairwise_sum(&pred)];
        truth = vec![pairwise_sum(&truth)];
    }
    let beta2 = beta * beta;
    let precision: Vec<f64> = tp
        .iter()
        .zip(&pred)
        .map(|(t, p)| divide(*t, *p, zd))
        .collect();
    let recall: Vec<f64> = tp
        .iter()
        .zip(&truth)
        .map(|(t, s)| divide(*t, *s, zd))
        .collect();
    let fscore: Vec<f64> = if beta.is_infinite() {
        recall.clone()
    } else if beta == 0.0 {
        precision.clone()
    } else {
        (0..tp.len())
            .map(|i| divide((1.0 + beta2) * tp[i], beta2 * truth[i] + pred[i], zd))
            .collect()
    };
    (precision, recall, fscore)
}

/// The labels an average runs over, checking the binary case as scikit-learn does.
fn average_labels(c: &ConfusionCounts, avg: Average) -> Result<Vec<usize>> {
    let present = c.present_classes();
    match avg {
        Average::Binary { pos_label } => {
            if present.len() > 2 {
                return Err(Error::param(
                    "average",
                    format!(
                        "`binary` needs at most two classes but {} occur; choose micro, macro \
                         or weighted",
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
            if !c.is_present(pos_label) && present.len() >= 2 {
                return Err(Error::param(
                    "pos_label",
                    format!(
                        "class {pos_label} is not a valid label; it should be one of {present:?}"
                    ),
                ));
            }
            Ok(vec![pos_label])
        }
        _ => Ok(present),
    }
}

/// Averaged precision, recall and F-beta from confusion counts.
pub fn precision_recall_fscore_from_counts(
    c: &ConfusionCounts,
    beta: f64,
    avg: Average,
    zero_division: ZeroDivision,
) -> Result<(f64, f64, f64)> {
    check_beta(beta)?;
    let labels = average_labels(c, avg)?;
    let micro = avg == Average::Micro;
    let (p, r, f) = prf_for_labels(c, &labels, beta, zero_division, micro);
    let weights: Option<Vec<f64>> =
        (avg == Average::Weighted).then(|| labels.iter().map(|&l| c.true_sum()[l]).collect());
    let w = weights.as_deref();
    Ok((nanaverage(&p, w), nanaverage(&r, w), nanaverage(&f, w)))
}

/// Averaged precision, recall and F-beta (scikit-learn's `precision_recall_fscore_support`).
pub fn precision_recall_fscore(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    beta: f64,
    avg: Average,
    zero_division: ZeroDivision,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<(f64, f64, f64)> {
    let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
    precision_recall_fscore_from_counts(&c, beta, avg, zero_division)
}

/// Precision: of the samples predicted positive, the fraction truly positive.
pub fn precision(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    avg: Average,
    zero_division: ZeroDivision,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    precision_recall_fscore(
        y_true,
        y_pred,
        n_classes,
        1.0,
        avg,
        zero_division,
        sample_weight,
    )
    .map(|t| t.0)
}

/// Recall: of the truly positive samples, the fraction predicted positive.
pub fn recall(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    avg: Average,
    zero_division: ZeroDivision,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    precision_recall_fscore(
        y_true,
        y_pred,
        n_classes,
        1.0,
        avg,
        zero_division,
        sample_weight,
    )
    .map(|t| t.1)
}

/// F1: the harmonic mean of precision and recall.
pub fn f1(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    avg: Average,
    zero_division: ZeroDivision,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    fbeta(
        y_true,
        y_pred,
        n_classes,
        1.0,
        avg,
        zero_division,
        sample_weight,
    )
}

/// F-beta: recall weighted `beta` times as much as precision.
pub fn fbeta(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    beta: f64,
    avg: Average,
    zero_division: ZeroDivision,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    precision_recall_fscore(
        y_true,
        y_pred,
        n_classes,
        beta,
        avg,
        zero_division,
        sample_weight,
    )
    .map(|t| t.2)
}

/// Matthews correlation coefficient (multiclass by Gorodkin's R_K); 0 when undefined, as in
/// scikit-learn.
pub fn matthews_corrcoef(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
    Ok(matthews_corrcoef_from_counts(&c))
}

fn row_sums(m: &[f64], k: usize) -> Vec<f64> {
    (0..k)
        .map(|i| pairwise_sum(&m[i * k..(i + 1) * k]))
        .collect()
}

fn col_sums(m: &[f64], k: usize) -> Vec<f64> {
    let mut out = vec![0.0; k];
    for i in 0..k {
        for j in 0..k {
            out[j] += m[i * k + j];
        }
    }
    out
}

/// [`matthews_corrcoef`] from confusion counts.
pub fn matthews_corrcoef_from_counts(c: &ConfusionCounts) -> f64 {
    let labels = c.present_classes();
    let k = labels.len();
    let m = c.submatrix(&labels);
    let t_sum = row_sums(&m, k);
    let p_sum = col_sums(&m, k);
    let mut n_correct = 0.0;
    for i in 0..k {
        n_correct += m[i * k + i];
    }
    let n_samples = pairwise_sum(&p_sum);
    let cov_ytyp = n_correct * n_samples - pairwise_dot(&t_sum, &p_sum);
    let cov_ypyp = n_samples * n_samples - pairwise_dot(&p_sum, &p_sum);
    let cov_ytyt = n_samples * n_samples - pairwise_dot(&t_sum, &t_sum);
    let prod = cov_ypyp * cov_ytyt;
    if prod == 0.0 {
        0.0
    } else {
        cov_ytyp / prod.sqrt()
    }
}

/// Cohen's kappa between two labelings, over the classes that occur in either (their positions
/// in ascending order give the distances of the linear and quadratic weights, as in
/// scikit-learn). An error where scikit-learn reports it undefined (it returns NaN).
pub fn cohen_kappa(
    y1: ArrayView1<'_, usize>,
    y2: ArrayView1<'_, usize>,
    n_classes: usize,
    weights: KappaWeights,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let c = ConfusionCounts::from_labels(y1, y2, n_classes, sample_weight)?;
    cohen_kappa_from_counts(&c, weights)
}

/// [`cohen_kappa`] from confusion counts.
pub fn cohen_kappa_from_counts(c: &ConfusionCounts, weights: KappaWeights) -> Result<f64> {
    let labels = c.present_classes();
    let k = labels.len();
    let m = c.submatrix(&labels);
    let sum0 = col_sums(&m, k);
    let sum1 = row_sums(&m, k);
    let total = pairwise_sum(&sum0);
    if total == 0.0 {
        return Err(Error::InvalidData(
            "Cohen's kappa is undefined for zero total weight".into(),
        ));
    }
    let mut wm = vec![0.0; k * k];
    let mut expected = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            expected[i * k + j] = sum0[i] * sum1[j] / total;
            let d = i.abs_diff(j) as f64;
            wm[i * k + j] = match weights {
                KappaWeights::Unweighted => f64::from(u8::from(i != j)),
                KappaWeights::Linear => d,
                KappaWeights::Quadratic => d * d,
            };
        }
    }
    let num = pairwise_sum(&wm.iter().zip(&m).map(|(a, b)| a * b).collect::<Vec<_>>());
    let den = pairwise_sum(
        &wm.iter()
            .zip(&expected)
            .map(|(a, b)| a * b)
            .collect::<Vec<_>>(),
    );
    if den == 0.0 {
        return Err(Error::InvalidData(
            "Cohen's kappa is undefined: both labelings use a single, common class".into(),
        ));
    }
    Ok(1.0 - num / den)
}

/// The `n_classes × n_classes` confusion matrix (rows true, columns predicted), optionally
/// normalised; rows or columns that sum to zero stay zero.
pub fn confusion_matrix(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    normalize: Normalize,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<Array2<f64>> {
    let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
    let k = n_classes;
    let labels: Vec<usize> = (0..k).collect();
    let mut m = c.submatrix(&labels);
    match normalize {
        Normalize::None => {}
        Normalize::True => {
            let s = row_sums(&m, k);
            for i in 0..k {
                for j in 0..k {
                    m[i * k + j] /= s[i];
                }
            }
        }
        Normalize::Pred => {
            let s = col_sums(&m, k);
            for i in 0..k {
                for j in 0..k {
                    m[i * k + j] /= s[j];
                }
            }
        }
        Normalize::All => {
            let s = pairwise_sum(&m);
            m.iter_mut().for_each(|v| *v /= s);
        }
    }
    m.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = 0.0);
    Array2::from_shape_vec((k, k), m).map_err(|e| Error::Internal(e.to_string()))
}

/// The data of scikit-learn's `classification_report` (F1, over the classes that occur).
pub fn classification_report(
    y_true: ArrayView1<'_, usize>,
    y_pred: ArrayView1<'_, usize>,
    n_classes: usize,
    zero_division: ZeroDivision,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<ClassificationReport> {
    let c = ConfusionCounts::from_labels(y_true, y_pred, n_classes, sample_weight)?;
    let labels = c.present_classes();
    let (p, r, f) = prf_for_labels(&c, &labels, 1.0, zero_division, false);
    let support: Vec<f64> = labels.iter().map(|&l| c.true_sum()[l]).collect();
    let total_support = pairwise_sum(&support);
    let classes = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            let row = ReportRow {
                precision: p[i],
                recall: r[i],
                f1: f[i],
                support: support[i],
            };
            (l, row)
        })
        .collect();
    let row = |avg: Average| -> Result<ReportRow> {
        let (precision, recall, f1) =
            precision_recall_fscore_from_counts(&c, 1.0, avg, zero_division)?;
        Ok(ReportRow {
            precision,
            recall,
            f1,
            support: total_support,
        })
    };
    Ok(ClassificationReport {
        classes,
        accuracy: row(Average::Micro)?.precision,
        macro_avg: row(Average::Macro)?,
        weighted_avg: row(Average::Weighted)?,
    })
}
