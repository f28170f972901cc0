//! Binary curves as data: the ROC curve and the precision-recall curve, and the trapezoidal
//! area under a curve.
//!
//! Scores are sorted once, in parallel, on `(score descending, sample index)` — exactly the
//! order of scikit-learn's stable descending argsort — and one pass accumulates true and false
//! positives at each distinct score.

use ndarray::ArrayView1;
use rayon::prelude::*;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::probabilistic::contiguous;
use crate::util::{check_finite, check_lengths, check_weights, pairwise_sum_map};

/// Below this many samples the sort runs on one thread.
const PAR_SORT_MIN: usize = 1 << 15;

/// A ROC curve: false and true positive rates at decreasing thresholds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    /// False positive rate at each threshold (NaN everywhere if there are no negatives).
    pub fpr: Vec<f64>,
    /// True positive rate at each threshold (NaN everywhere if there are no positives).
    pub tpr: Vec<f64>,
    /// Decreasing thresholds; the first is `+inf` (nothing predicted positive), as in
    /// scikit-learn ≥ 1.3.
    pub thresholds: Vec<f64>,
}

/// A precision-recall curve, in scikit-learn's order: increasing thresholds, with a final point
/// (precision 1, recall 0) that has no threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrecisionRecallCurve {
    /// Precision at each threshold, then 1.
    pub precision: Vec<f64>,
    /// Recall at each threshold, then 0.
    pub recall: Vec<f64>,
    /// Increasing thresholds (one fewer than the points).
    pub thresholds: Vec<f64>,
}

/// Cumulative weighted false and true positives at each distinct score, highest score first.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClfCurve {
    pub fps: Vec<f64>,
    pub tps: Vec<f64>,
    pub thresholds: Vec<f64>,
    /// Unweighted cumulative (negatives, positives) at each point; only kept for weighted
    /// curves built with counts (without weights they equal `fps` and `tps`).
    counts: Option<(Vec<usize>, Vec<usize>)>,
    /// Total unweighted numbers of negatives and positives.
    pub n_neg_total: usize,
    pub n_pos_total: usize,
}

impl ClfCurve {
    /// Unweighted cumulative (negatives, positives) at point `i`.
    pub fn counts_at(&self, i: usize) -> (usize, usize) {
        match &self.counts {
            Some((neg, pos)) => (neg[i], pos[i]),
            None => (self.fps[i] as usize, self.tps[i] as usize),
        }
    }
}

#[derive(Clone, Copy)]
struct Item {
    key: u64,
    idx: u32,
    pos: bool,
}

/// A key whose ascending order is descending score order; -0.0 and 0.0 share a key.
fn desc_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits();
    let ordered = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    !ordered
}

/// The score of a key (zero comes back as +0.0).
fn key_score(key: u64) -> f64 {
    let ordered = !key;
    let bits = if ordered >> 63 == 1 {
        ordered & !(1 << 63)
    } else {
        !ordered
    };
    f64::from_bits(bits)
}

fn sort_keys(v: &mut [u64]) {
    if v.len() >= PAR_SORT_MIN {
        v.par_sort_unstable();
    } else {
        v.sort_unstable();
    }
}

/// The counts behind every binary curve: `is_pos(i)` says whether sample `i` is positive.
/// Zero-weight samples are left out, as in scikit-learn.
pub(crate) fn clf_curve(
    is_pos: &(dyn Fn(usize) -> bool + Sync),
    scores: &[f64],
    weights: Option<&[f64]>,
) -> Result<ClfCurve> {
    clf_curve_opts(is_pos, scores, weights, true)
}

/// [`clf_curve`], optionally keeping zero-weight samples (they still decide which classes are
/// present, as in scikit-learn's label metrics) and then with per-point unweighted counts.
pub(crate) fn clf_curve_opts(
    is_pos: &(dyn Fn(usize) -> bool + Sync),
    scores: &[f64],
    weights: Option<&[f64]>,
    drop_zero_weight: bool,
) -> Result<ClfCurve> {
    let n = scores.len();
    if u32::try_from(n).is_err() {
        return Err(Error::InvalidData(format!(
            "{n} samples is more than the {} a curve supports",
            u32::MAX
        )));
    }
    match weights {
        None => Ok(unweighted_curve(is_pos, scores)),
        Some(w) => Ok(weighted_curve(is_pos, scores, w, drop_zero_weight)),
    }
}

/// Without weights the order within a group of tied scores cannot matter (counts are exact
/// integers), so positives and negatives are sorted apart on 8-byte keys and merged in one pass.
fn unweighted_curve(is_pos: &(dyn Fn(usize) -> bool + Sync), scores: &[f64]) -> ClfCurve {
    let n = scores.len();
    let split = |want: bool| -> Vec<u64> {
        if n >= PAR_SORT_MIN {
            (0..n)
                .into_par_iter()
                .filter(|&i| is_pos(i) == want)
                .map(|i| desc_key(scores[i]))
                .collect()
        } else {
            (0..n)
                .filter(|&i| is_pos(i) == want)
                .map(|i| desc_key(scores[i]))
                .collect()
        }
    };
    let (mut pos, mut neg) = (split(true), split(false));
    sort_keys(&mut pos);
    sort_keys(&mut neg);
    let mut c = ClfCurve {
        fps: Vec::with_capacity(n),
        tps: Vec::with_capacity(n),
        thresholds: Vec::with_capacity(n),
        counts: None,
        n_neg_total: neg.len(),
        n_pos_total: pos.len(),
    };
    let (mut i, mut j) = (0usize, 0usize);
    while i < pos.len() || j < neg.len() {
        let key = match (pos.get(i), neg.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        while pos.get(i) == Some(&key) {
            i += 1;
        }
        while neg.get(j) == Some(&key) {
            j += 1;
        }
        c.tps.push(i as f64);
        c.fps.push(j as f64);
        c.thresholds.push(key_score(key));
    }
    c
}

fn weighted_curve(
    is_pos: &(dyn Fn(usize) -> bool + Sync),
    scores: &[f64],
    weights: &[f64],
    drop_zero_weight: bool,
) -> ClfCurve {
    let n = scores.len();
    let make = |i: usize| Item {
        key: desc_key(scores[i]),
        idx: i as u32,
        pos: is_pos(i),
    };
    let keep = |i: &usize| !drop_zero_weight || weights[*i] != 0.0;
    let mut items: Vec<Item> = if n >= PAR_SORT_MIN {
        (0..n).into_par_iter().filter(keep).map(make).collect()
    } else {
        (0..n).filter(keep).map(make).collect()
    };
    // Ties keep sample order, as scikit-learn's stable argsort: weighted sums within a group
    // then accumulate in the same order.
    if items.len() >= PAR_SORT_MIN {
        items.par_sort_unstable_by_key(|it| (it.key, it.idx));
    } else {
        items.sort_unstable_by_key(|it| (it.key, it.idx));
    }
    let m = items.len();
    let mut c = ClfCurve {
        fps: Vec::with_capacity(m),
        tps: Vec::with_capacity(m),
        thresholds: Vec::with_capacity(m),
        counts: Some((Vec::with_capacity(m), Vec::with_capacity(m))),
        n_neg_total: 0,
        n_pos_total: 0,
    };
    let (mut tp, mut fp) = (0.0f64, 0.0f64);
    let (mut n_tp, mut n_fp) = (0usize, 0usize);
    for (j, it) in items.iter().enumerate() {
        let w = weights[it.idx as usize];
        if it.pos {
            tp += w;
            n_tp += 1;
        } else {
            fp += w;
            n_fp += 1;
        }
        if items.get(j + 1).is_none_or(|next| next.key != it.key) {
            c.tps.push(tp);
            c.fps.push(fp);
            c.thresholds.push(scores[it.idx as usize]);
            if let Some((neg, pos)) = c.counts.as_mut() {
                neg.push(n_fp);
                pos.push(n_tp);
            }
        }
    }
    c.n_neg_total = n_fp;
    c.n_pos_total = n_tp;
    c
}

/// Contiguous scores and validated weights.
pub(crate) type CurveInputs<'a> = (std::borrow::Cow<'a, [f64]>, Option<Vec<f64>>);

/// Validates binary-curve inputs and returns contiguous scores and weights.
pub(crate) fn curve_inputs<'a>(
    what: &str,
    y_true: ArrayView1<'a, usize>,
    y_score: ArrayView1<'a, f64>,
    sample_weight: Option<ArrayView1<'a, f64>>,
) -> Result<CurveInputs<'a>> {
    check_lengths(what, y_true.len(), y_score.len())?;
    let s = contiguous(y_score);
    let bad = if s.len() >= PAR_SORT_MIN {
        s.par_iter().position_first(|v| !v.is_finite())
    } else {
        s.iter().position(|v| !v.is_finite())
    };
    if bad.is_some() {
        check_finite("y_score", y_score)?;
    }
    let w = check_weights(sample_weight, y_true.len())?;
    Ok((s, w))
}

/// Keeps the points where the second difference of `fps` or `tps` is non-zero (corners), plus
/// the ends — scikit-learn's `drop_intermediate` for ROC curves.
pub(crate) fn drop_collinear(c: &ClfCurve) -> Vec<usize> {
    let m = c.fps.len();
    if m <= 2 {
        return (0..m).collect();
    }
    let second = |x: &[f64], i: usize| (x[i + 2] - x[i + 1]) - (x[i + 1] - x[i]);
    let mut keep = vec![0];
    for i in 0..m - 2 {
        if second(&c.fps, i) != 0.0 || second(&c.tps, i) != 0.0 {
            keep.push(i + 1);
        }
    }
    keep.push(m - 1);
    keep
}

/// The ROC curve of binary scores: samples whose class is `pos_label` are positive.
/// `drop_intermediate` (scikit-learn's default: true) drops collinear points.
pub fn roc_curve(
    y_true: ArrayView1<'_, usize>,
    y_score: ArrayView1<'_, f64>,
    pos_label: usize,
    drop_intermediate: bool,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<RocCurve> {
    let (s, w) = curve_inputs("roc_curve", y_true, y_score, sample_weight)?;
    let y = contiguous(y_true);
    let c = clf_curve(&|i| y[i] == pos_label, &s, w.as_deref())?;
    Ok(roc_from_counts(&c, drop_intermediate))
}

pub(crate) fn roc_from_counts(c: &ClfCurve, drop_intermediate: bool) -> RocCurve {
    let idx: Vec<usize> = if drop_intermediate {
        drop_collinear(c)
    } else {
        (0..c.fps.len()).collect()
    };
    let mut fps = Vec::with_capacity(idx.len() + 1);
    let mut tps = Vec::with_capacity(idx.len() + 1);
    let mut thresholds = Vec::with_capacity(idx.len() + 1);
    fps.push(0.0);
    tps.push(0.0);
    thresholds.push(f64::INFINITY);
    for &i in &idx {
        fps.push(c.fps[i]);
        tps.push(c.tps[i]);
        thresholds.push(c.thresholds[i]);
    }
    let rate = |x: Vec<f64>| {
        let last = x.last().copied().unwrap_or(0.0);
        if last <= 0.0 {
            vec![f64::NAN; x.len()]
        } else {
            x.into_iter().map(|v| v / last).collect()
        }
    };
    RocCurve {
        fpr: rate(fps),
        tpr: rate(tps),
        thresholds,
    }
}

/// The precision-recall curve of binary scores: samples whose class is `pos_label` are
/// positive. With no positive samples recall is 1 everywhere, as in scikit-learn.
/// `drop_intermediate` (scikit-learn's default: false) keeps only the first and last point of
/// each run of equal true positives.
pub fn precision_recall_curve(
    y_true: ArrayView1<'_, usize>,
    y_score: ArrayView1<'_, f64>,
    pos_label: usize,
    drop_intermediate: bool,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<PrecisionRecallCurve> {
    let (s, w) = curve_inputs("precision_recall_curve", y_true, y_score, sample_weight)?;
    let y = contiguous(y_true);
    let c = clf_curve(&|i| y[i] == pos_label, &s, w.as_deref())?;
    Ok(pr_from_counts(&c, drop_intermediate))
}

pub(crate) fn pr_from_counts(c: &ClfCurve, drop_intermediate: bool) -> PrecisionRecallCurve {
    let m = c.tps.len();
    let idx: Vec<usize> = if drop_intermediate && m > 2 {
        let t = &c.tps;
        let mut keep = vec![0];
        for i in 1..m - 1 {
            if (t[i] - t[i - 1]) != 0.0 || (t[i + 1] - t[i]) != 0.0 {
                keep.push(i);
            }
        }
        keep.push(m - 1);
        keep
    } else {
        (0..m).collect()
    };
    let last_tp = idx.last().map_or(0.0, |&i| c.tps[i]);
    let mut precision = Vec::with_capacity(idx.len() + 1);
    let mut recall = Vec::with_capacity(idx.len() + 1);
    let mut thresholds = Vec::with_capacity(idx.len());
    for &i in idx.iter().rev() {
        let ps = c.tps[i] + c.fps[i];
        precision.push(if ps != 0.0 { c.tps[i] / ps } else { 0.0 });
        recall.push(if last_tp == 0.0 {
            1.0
        } else {
            c.tps[i] / last_tp
        });
        thresholds.push(c.thresholds[i]);
    }
    precision.push(1.0);
    recall.push(0.0);
    PrecisionRecallCurve {
        precision,
        recall,
        thresholds,
    }
}

/// Area under a curve by the trapezoidal rule (`x` monotonic, either direction), as
/// scikit-learn's `auc`.
pub fn auc(x: &[f64], y: &[f64]) -> Result<f64> {
    check_lengths("auc", x.len(), y.len())?;
    if x.len() < 2 {
        return Err(Error::NotEnoughSamples {
            context: "area under a curve".into(),
            needed: 2,
            got: x.len(),
        });
    }
    if x.iter().chain(y).any(|v| v.is_nan()) {
        return Err(Error::InvalidData(
            "auc: x and y must not contain NaN".into(),
        ));
    }
    let any_dec = x.windows(2).any(|w| w[1] - w[0] < 0.0);
    let direction = if any_dec {
        if x.windows(2).all(|w| w[1] - w[0] <= 0.0) {
            -1.0
        } else {
            return Err(Error::InvalidData(
                "auc: x is neither increasing nor decreasing".into(),
            ));
        }
    } else {
        1.0
    };
    let area = pairwise_sum_map(x.len() - 1, &|i| {
        ((x[i + 1] - x[i]) * (y[i + 1] + y[i])) / 2.0
    });
    Ok(direction * area)
}
