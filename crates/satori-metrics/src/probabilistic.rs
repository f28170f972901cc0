//! Probabilistic metrics: log loss and the Brier score.

use std::borrow::Cow;

use ndarray::{ArrayView1, ArrayView2};
use rayon::prelude::*;
use satori_core::{Error, Result};

use crate::util::{
    check_codes, check_lengths, check_proba, check_unit_interval, check_weights, pairwise_sum_map,
};

/// Below this many samples validation runs on one thread.
const PAR_CHECK_MIN: usize = 1 << 16;

fn clip(p: f64) -> f64 {
    p.clamp(f64::EPSILON, 1.0 - f64::EPSILON)
}

pub(crate) fn contiguous<T: Clone>(a: ArrayView1<'_, T>) -> Cow<'_, [T]> {
    match a.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(a.to_vec()),
    }
}

/// Sum of `f(i)` (NumPy's pairwise order) divided as `np.average` does.
/// The shared checks of a metric on class probabilities: matching lengths, at least two columns,
/// codes below the column count, valid probabilities and weights. Returns `(n, k, weights)`.
fn check_class_proba(
    metric: &str,
    y_true: ArrayView1<'_, usize>,
    y_proba: ArrayView2<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<(usize, usize, Option<Vec<f64>>)> {
    let n = y_true.len();
    check_lengths(metric, n, y_proba.nrows())?;
    let k = y_proba.ncols();
    if k < 2 {
        return Err(Error::param(
            "y_proba",
            format!("needs at least two columns (one per class), got {k}"),
        ));
    }
    check_codes("y_true", y_true, k)?;
    check_proba(metric, y_proba, n, k)?;
    Ok((n, k, check_weights(sample_weight, n)?))
}

fn mean_of(n: usize, f: impl Fn(usize) -> f64 + Sync, w: Option<&[f64]>) -> Result<f64> {
    match w {
        None => Ok(pairwise_sum_map(n, &f) / n as f64),
        Some(w) => {
            let scl = pairwise_sum_map(n, &|i| w[i]);
            if scl == 0.0 {
                return Err(Error::InvalidData("sample weights sum to zero".into()));
            }
            Ok(pairwise_sum_map(n, &|i| f(i) * w[i]) / scl)
        }
    }
}

/// Log loss (cross-entropy) of class probabilities `y_proba` (`n × n_classes`, columns in class
/// order) against class codes, averaged over samples. Probabilities are clipped to
/// `[eps, 1 - eps]` (machine epsilon) and not renormalised, as in scikit-learn 1.9 with
/// `labels=range(n_classes)`.
pub fn log_loss(
    y_true: ArrayView1<'_, usize>,
    y_proba: ArrayView2<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let (n, _, w) = check_class_proba("log_loss", y_true, y_proba, sample_weight)?;
    mean_of(n, |i| -clip(y_proba[[i, y_true[i]]]).ln(), w.as_deref())
}

/// Log loss of binary probabilities: `y_prob[i]` is the probability of class 1 and `y_true`
/// holds codes 0 and 1. Parallel over samples with NumPy's pairwise summation, so the result
/// does not depend on the number of threads.
pub fn log_loss_binary(
    y_true: ArrayView1<'_, usize>,
    y_prob: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let n = y_true.len();
    check_lengths("log_loss", n, y_prob.len())?;
    let y = contiguous(y_true);
    let p = contiguous(y_prob);
    check_binary_inputs(&y, &p)?;
    let w = check_weights(sample_weight, n)?;
    let loss = |i: usize| {
        if y[i] == 1 {
            -clip(p[i]).ln()
        } else {
            -clip(1.0 - p[i]).ln()
        }
    };
    mean_of(n, loss, w.as_deref())
}

fn check_binary_inputs(y: &[usize], p: &[f64]) -> Result<()> {
    let bad_code = if y.len() >= PAR_CHECK_MIN {
        y.par_iter().position_first(|c| *c > 1)
    } else {
        y.iter().position(|c| *c > 1)
    };
    if let Some(i) = bad_code {
        return Err(Error::InvalidData(format!(
            "y_true[{i}] is {}; binary labels must be 0 or 1",
            y[i]
        )));
    }
    let bad_prob = if p.len() >= PAR_CHECK_MIN {
        p.par_iter().position_first(|v| !(0.0..=1.0).contains(v))
    } else {
        p.iter().position(|v| !(0.0..=1.0).contains(v))
    };
    if let Some(i) = bad_prob {
        check_unit_interval("y_prob", std::iter::once(p[i]))?;
    }
    Ok(())
}

/// Brier score of binary probabilities `y_prob` (probability of `pos_label`): the mean squared
/// difference between the probability and the outcome, computed over both columns and halved
/// as scikit-learn 1.9 does. At most two classes may occur in `y_true`.
pub fn brier_score_binary(
    y_true: ArrayView1<'_, usize>,
    y_prob: ArrayView1<'_, f64>,
    pos_label: usize,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let n = y_true.len();
    check_lengths("brier_score", n, y_prob.len())?;
    let mut seen: Vec<usize> = Vec::new();
    for &c in y_true {
        if !seen.contains(&c) {
            seen.push(c);
            if seen.len() > 2 {
                return Err(Error::InvalidData(format!(
                    "y_true has more than two classes ({seen:?}…) but y_prob is one column; \
                     pass an n × n_classes probability matrix to brier_score"
                )));
            }
        }
    }
    check_unit_interval("brier_score", y_prob.iter().copied())?;
    let w = check_weights(sample_weight, n)?;
    let row = |i: usize| {
        let t1 = f64::from(u8::from(y_true[i] == pos_label));
        let t0 = 1.0 - t1;
        let p = y_prob[i];
        let a = t0 - (1.0 - p);
        let b = t1 - p;
        a * a + b * b
    };
    Ok(mean_of(n, row, w.as_deref())? * 0.5)
}

/// Brier score of class probabilities `y_proba` (`n × n_classes`): the mean over samples of the
/// squared distance between the probability row and the one-hot outcome; halved when there are
/// two classes (scikit-learn 1.9's `scale_by_half="auto"`), with `labels=range(n_classes)`.
pub fn brier_score(
    y_true: ArrayView1<'_, usize>,
    y_proba: ArrayView2<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let (n, k, w) = check_class_proba("brier_score", y_true, y_proba, sample_weight)?;
    let row = |i: usize| {
        let mut s = 0.0;
        let vals: Vec<f64> = (0..k)
            .map(|j| {
                let t = f64::from(u8::from(y_true[i] == j));
                let d = t - y_proba[[i, j]];
                d * d
            })
            .collect();
        if k < 8 {
            for v in vals {
                s += v;
            }
            s
        } else {
            crate::util::pairwise_sum(&vals)
        }
    };
    let score = mean_of(n, row, w.as_deref())?;
    Ok(if k < 3 { score * 0.5 } else { score })
}
