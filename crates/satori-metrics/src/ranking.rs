//! Ranking metrics: ROC-AUC (binary, one-vs-rest, one-vs-one), average precision and top-k
//! accuracy.

use ndarray::{ArrayView1, ArrayView2};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::curves::{ClfCurve, clf_curve, curve_inputs, drop_collinear};
use crate::probabilistic::contiguous;
use crate::util::{
    average, check_codes, check_lengths, check_weights, pairwise_sum, pairwise_sum_map,
};

/// How per-class scores of a one-vs-rest ranking metric are combined.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassAverage {
    /// The unweighted mean over classes.
    #[default]
    Macro,
    /// The mean weighted by each class's (weighted) number of true samples.
    Weighted,
    /// One binary problem over all (sample, class) pairs.
    Micro,
}

fn auc_from_curve(c: &ClfCurve) -> Result<f64> {
    if c.n_pos_total == 0 || c.n_neg_total == 0 {
        return Err(Error::InvalidData(
            "ROC AUC is undefined when only one class is present in y_true; it needs both \
             positive and negative samples"
                .into(),
        ));
    }
    // The ROC curve with scikit-learn's drop_intermediate, a (0, 0) point in front, and the
    // trapezoidal rule — evaluated point by point instead of materialising fpr and tpr, with the
    // same operations in the same (pairwise) order.
    let kept = drop_collinear(c);
    let (fp_last, tp_last) = match kept.last() {
        Some(&i) => (c.fps[i], c.tps[i]),
        None => return Err(Error::Internal("empty ROC curve".into())),
    };
    let point = |i: usize| -> (f64, f64) {
        if i == 0 {
            (0.0, 0.0)
        } else {
            let k = kept[i - 1];
            (c.fps[k] / fp_last, c.tps[k] / tp_last)
        }
    };
    let area = pairwise_sum_map(kept.len(), &|i| {
        let (x0, y0) = point(i);
        let (x1, y1) = point(i + 1);
        ((x1 - x0) * (y1 + y0)) / 2.0
    });
    Ok(area)
}

/// Area under the ROC curve of binary scores (samples of class `pos_label` are positive). An
/// error when only one class is present.
pub fn roc_auc(
    y_true: ArrayView1<'_, usize>,
    y_score: ArrayView1<'_, f64>,
    pos_label: usize,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let (s, w) = curve_inputs("roc_auc", y_true, y_score, sample_weight)?;
    let y = contiguous(y_true);
    auc_from_curve(&clf_curve(&|i| y[i] == pos_label, &s, w.as_deref())?)
}

fn ap_from_curve(c: &ClfCurve) -> f64 {
    // scikit-learn: -sum(diff(recall) * precision[:-1]) over the precision-recall curve in
    // increasing-threshold order with a final (precision 1, recall 0) point; evaluated point by
    // point in the same pairwise order.
    let m = c.tps.len();
    let last_tp = c.tps.last().copied().unwrap_or(0.0);
    let recall = |i: usize| -> f64 {
        if i == m {
            0.0
        } else if last_tp == 0.0 {
            1.0
        } else {
            c.tps[m - 1 - i] / last_tp
        }
    };
    let precision = |i: usize| -> f64 {
        let k = m - 1 - i;
        let ps = c.tps[k] + c.fps[k];
        if ps != 0.0 { c.tps[k] / ps } else { 0.0 }
    };
    let sum = pairwise_sum_map(m, &|i| (recall(i + 1) - recall(i)) * precision(i));
    f64::max(0.0, -sum)
}

/// Average precision of binary scores (the step-wise area under the precision-recall curve,
/// without interpolation); samples of class `pos_label` are positive. With no positive sample
/// it is 0, as in scikit-learn.
pub fn average_precision(
    y_true: ArrayView1<'_, usize>,
    y_score: ArrayView1<'_, f64>,
    pos_label: usize,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let (s, w) = curve_inputs("average_precision", y_true, y_score, sample_weight)?;
    let y = contiguous(y_true);
    let mut present: Vec<usize> = Vec::new();
    for &c in y.iter() {
        if !present.contains(&c) {
            present.push(c);
            if present.len() > 2 {
                break;
            }
        }
    }
    if present.len() == 2 && !present.contains(&pos_label) {
        return Err(Error::param(
            "pos_label",
            format!("class {pos_label} is not a valid label; it should be one of {present:?}"),
        ));
    }
    Ok(ap_from_curve(&clf_curve(
        &|i| y[i] == pos_label,
        &s,
        w.as_deref(),
    )?))
}

/// Validates multiclass score inputs: `n × n_classes`, finite, every class present in `y_true`.
fn multiclass_inputs(
    what: &str,
    y_true: ArrayView1<'_, usize>,
    y_score: ArrayView2<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<(Vec<usize>, Option<Vec<f64>>)> {
    check_lengths(what, y_true.len(), y_score.nrows())?;
    let k = y_score.ncols();
    check_codes("y_true", y_true, k)?;
    if y_score.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidData(format!(
            "{what}: y_score contains NaN or infinity; scores must be finite"
        )));
    }
    let mut counts = vec![0usize; k];
    for &c in y_true {
        counts[c] += 1;
    }
    if let Some(missing) = counts.iter().position(|&n| n == 0) {
        return Err(Error::InvalidData(format!(
            "{what}: class {missing} does not occur in y_true, so its one-vs-rest score is \
             undefined; every one of the {k} columns of y_score must have a class in y_true"
        )));
    }
    let w = check_weights(sample_weight, y_true.len())?;
    Ok((y_true.to_vec(), w))
}

fn check_rows_sum_to_one(y_score: ArrayView2<'_, f64>) -> Result<()> {
    for (i, row) in y_score.rows().into_iter().enumerate() {
        let s = pairwise_sum(&row.to_vec());
        if (1.0 - s).abs() > 1e-8 + 1e-5 * s.abs() {
            return Err(Error::InvalidData(format!(
                "row {i} of y_score sums to {s}; multiclass ROC AUC needs probabilities that \
                 sum to 1 over classes"
            )));
        }
    }
    Ok(())
}

/// Combines per-class binary scores as scikit-learn's `_average_binary_score`.
fn average_ovr(
    y: &[usize],
    y_score: ArrayView2<'_, f64>,
    avg: ClassAverage,
    w: Option<&[f64]>,
    metric: &dyn Fn(&ClfCurve) -> Result<f64>,
) -> Result<f64> {
    let k = y_score.ncols();
    let n = y.len();
    if avg == ClassAverage::Micro {
        let scores: Vec<f64> = y_score.iter().copied().collect();
        let weights: Option<Vec<f64>> = w.map(|w| (0..n * k).map(|j| w[j / k]).collect());
        let curve = clf_curve(&|j| y[j / k] == j % k, &scores, weights.as_deref())?;
        return metric(&curve);
    }
    let per_class = per_class_ovr(y, y_score, w, metric)?;
    match avg {
        ClassAverage::Macro => average(&per_class, None),
        _ => {
            let mut class_w = vec![0.0; k];
            for (i, &c) in y.iter().enumerate() {
                class_w[c] += w.map_or(1.0, |w| w[i]);
            }
            let total = pairwise_sum(&class_w);
            if (total - 0.0).abs() <= 1e-8 {
                return Ok(0.0);
            }
            let scores: Vec<f64> = per_class
                .iter()
                .zip(&class_w)
                .map(|(s, cw)| if *cw == 0.0 { 0.0 } else { *s })
                .collect();
            average(&scores, Some(&class_w))
        }
    }
}

fn per_class_ovr(
    y: &[usize],
    y_score: ArrayView2<'_, f64>,
    w: Option<&[f64]>,
    metric: &dyn Fn(&ClfCurve) -> Result<f64>,
) -> Result<Vec<f64>> {
    (0..y_score.ncols())
        .map(|c| {
            let col: Vec<f64> = y_score.column(c).to_vec();
            metric(&clf_curve(&|i| y[i] == c, &col, w)?)
        })
        .collect()
}

/// One-vs-rest ROC AUC of class probabilities (`n × n_classes`, rows summing to 1); every class
/// must occur in `y_true`, as scikit-learn requires.
pub fn roc_auc_ovr(
    y_true: ArrayView1<'_, usize>,
    y_proba: ArrayView2<'_, f64>,
    avg: ClassAverage,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let (y, w) = multiclass_inputs("roc_auc_ovr", y_true, y_proba, sample_weight)?;
    check_rows_sum_to_one(y_proba)?;
    average_ovr(&y, y_proba, avg, w.as_deref(), &auc_from_curve)
}

/// Per-class one-vs-rest ROC AUC (scikit-learn's `average=None`).
pub fn roc_auc_ovr_per_class(
    y_true: ArrayView1<'_, usize>,
    y_proba: ArrayView2<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<Vec<f64>> {
    let (y, w) = multiclass_inputs("roc_auc_ovr", y_true, y_proba, sample_weight)?;
    check_rows_sum_to_one(y_proba)?;
    per_class_ovr(&y, y_proba, w.as_deref(), &auc_from_curve)
}

/// One-vs-one ROC AUC (Hand & Till) of class probabilities, macro or prevalence-weighted
/// (`ClassAverage::Micro` is not defined for one-vs-one and is an error). scikit-learn takes
/// no sample weights here.
pub fn roc_auc_ovo(
    y_true: ArrayView1<'_, usize>,
    y_proba: ArrayView2<'_, f64>,
    avg: ClassAverage,
) -> Result<f64> {
    if avg == ClassAverage::Micro {
        return Err(Error::param(
            "average",
            "one-vs-one ROC AUC supports macro or weighted averaging, not micro",
        ));
    }
    let (y, _) = multiclass_inputs("roc_auc_ovo", y_true, y_proba, None)?;
    check_rows_sum_to_one(y_proba)?;
    let k = y_proba.ncols();
    let n = y.len();
    let mut pair_scores = Vec::new();
    let mut prevalence = Vec::new();
    for a in 0..k {
        for b in a + 1..k {
            let rows: Vec<usize> = (0..n).filter(|&i| y[i] == a || y[i] == b).collect();
            let sa: Vec<f64> = rows.iter().map(|&i| y_proba[[i, a]]).collect();
            let sb: Vec<f64> = rows.iter().map(|&i| y_proba[[i, b]]).collect();
            let auc_a = auc_from_curve(&clf_curve(&|j| y[rows[j]] == a, &sa, None)?)?;
            let auc_b = auc_from_curve(&clf_curve(&|j| y[rows[j]] == b, &sb, None)?)?;
            pair_scores.push((auc_a + auc_b) / 2.0);
            prevalence.push(rows.len() as f64 / n as f64);
        }
    }
    match avg {
        ClassAverage::Weighted => average(&pair_scores, Some(&prevalence)),
        _ => average(&pair_scores, None),
    }
}

/// One-vs-rest average precision of per-class scores (`n × n_classes`); every class must occur
/// in `y_true`, as scikit-learn requires.
pub fn average_precision_multiclass(
    y_true: ArrayView1<'_, usize>,
    y_score: ArrayView2<'_, f64>,
    avg: ClassAverage,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let (y, w) = multiclass_inputs("average_precision", y_true, y_score, sample_weight)?;
    average_ovr(&y, y_score, avg, w.as_deref(), &|c| Ok(ap_from_curve(c)))
}

/// Fraction (weighted) of samples whose true class is among the `k` highest-scored classes.
/// Ties rank the higher class code first, as scikit-learn's reversed stable argsort does. Scores
/// are `n × n_classes` (two columns for binary problems).
pub fn top_k_accuracy(
    y_true: ArrayView1<'_, usize>,
    y_score: ArrayView2<'_, f64>,
    k: usize,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    check_lengths("top_k_accuracy", y_true.len(), y_score.nrows())?;
    if k == 0 {
        return Err(Error::param("k", "must be at least 1"));
    }
    let n_classes = y_score.ncols();
    check_codes("y_true", y_true, n_classes)?;
    if y_score.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidData(
            "top_k_accuracy: y_score contains NaN or infinity; scores must be finite".into(),
        ));
    }
    let w = check_weights(sample_weight, y_true.len())?;
    let hits: Vec<f64> = y_true
        .iter()
        .zip(y_score.rows())
        .map(|(&t, row)| {
            let st = row[t];
            let ahead = (0..n_classes)
                .filter(|&j| row[j] > st || (row[j] == st && j > t))
                .count();
            if ahead < k { 1.0 } else { 0.0 }
        })
        .collect();
    average(&hits, w.as_deref())
}
