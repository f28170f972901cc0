//! Regression metrics, matching scikit-learn's definitions for one output.

use ndarray::ArrayView1;
use satori_core::numeric::median_in_place;
use satori_core::{Error, Result};

use crate::util::{average, check_finite, check_lengths, check_weights, pairwise_sum_map};

/// Validated, contiguous regression inputs.
struct Reg {
    t: Vec<f64>,
    p: Vec<f64>,
    w: Option<Vec<f64>>,
}

fn inputs(
    what: &str,
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<Reg> {
    check_lengths(what, y_true.len(), y_pred.len())?;
    check_finite("y_true", y_true)?;
    check_finite("y_pred", y_pred)?;
    Ok(Reg {
        t: y_true.to_vec(),
        p: y_pred.to_vec(),
        w: check_weights(sample_weight, y_true.len())?,
    })
}

impl Reg {
    fn avg(&self, f: impl Fn(usize) -> f64 + Sync) -> Result<f64> {
        let n = self.t.len();
        match &self.w {
            None => Ok(pairwise_sum_map(n, &f) / n as f64),
            Some(w) => {
                let vals: Vec<f64> = (0..n).map(f).collect();
                average(&vals, Some(w))
            }
        }
    }
}

/// Mean squared error.
pub fn mean_squared_error(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let r = inputs("mean_squared_error", y_true, y_pred, sample_weight)?;
    r.avg(|i| (r.t[i] - r.p[i]).powi(2))
}

/// Root mean squared error.
pub fn root_mean_squared_error(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    mean_squared_error(y_true, y_pred, sample_weight).map(f64::sqrt)
}

/// Mean absolute error.
pub fn mean_absolute_error(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let r = inputs("mean_absolute_error", y_true, y_pred, sample_weight)?;
    r.avg(|i| (r.p[i] - r.t[i]).abs())
}

/// Mean absolute percentage error, as a fraction: `|pred - true| / max(|true|, eps)`; huge,
/// not infinite, where the truth is zero (scikit-learn's convention).
pub fn mean_absolute_percentage_error(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let r = inputs(
        "mean_absolute_percentage_error",
        y_true,
        y_pred,
        sample_weight,
    )?;
    r.avg(|i| (r.p[i] - r.t[i]).abs() / r.t[i].abs().max(f64::EPSILON))
}

/// Median absolute error; with weights, scikit-learn's weighted median (averaging the two
/// middle values when the cumulative weight hits one half exactly).
pub fn median_absolute_error(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let r = inputs("median_absolute_error", y_true, y_pred, sample_weight)?;
    let mut e: Vec<f64> = (0..r.t.len()).map(|i| (r.p[i] - r.t[i]).abs()).collect();
    match &r.w {
        // np.median; `inputs` has checked that there is at least one row.
        None => Ok(median_in_place(&mut e).unwrap_or(f64::NAN)),
        Some(w) => Ok(weighted_median(&e, w)),
    }
}

/// scikit-learn's `_weighted_percentile(array, w, 50, average=True)` for one column.
fn weighted_median(a: &[f64], w: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..a.len()).collect();
    order.sort_by(|&i, &j| a[i].total_cmp(&a[j]).then(i.cmp(&j)));
    let mut cdf = Vec::with_capacity(a.len());
    let mut acc = 0.0;
    for &i in &order {
        acc += w[i];
        cdf.push(acc);
    }
    let total = acc;
    let mut rank = 0.5 * total;
    if rank == 0.0 {
        rank = f64::from_bits(1);
    }
    let max_idx = order.len() - 1;
    let idx = cdf.partition_point(|&c| c < rank).min(max_idx);
    let above = cdf[idx] - rank > f64::EPSILON;
    if above {
        return a[order[idx]];
    }
    let mut plus_one = (idx + 1).min(max_idx);
    if w[order[plus_one]] == 0.0 {
        let next = cdf.partition_point(|&c| c <= cdf[idx]);
        plus_one = if next > max_idx { idx } else { next };
    }
    (a[order[idx]] + a[order[plus_one]]) / 2.0
}

fn explained_fraction(num: f64, den: f64) -> f64 {
    if den != 0.0 && num != 0.0 {
        1.0 - num / den
    } else if num != 0.0 {
        0.0
    } else {
        1.0
    }
}

/// Coefficient of determination R². A constant truth gives 1 for a perfect prediction and 0
/// otherwise (scikit-learn's `force_finite=True`); fewer than two samples is an error
/// (scikit-learn returns NaN with a warning).
pub fn r2_score(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let r = inputs("r2_score", y_true, y_pred, sample_weight)?;
    let n = r.t.len();
    if n < 2 {
        return Err(Error::NotEnoughSamples {
            context: "R² (it is not well-defined for fewer than two samples)".into(),
            needed: 2,
            got: n,
        });
    }
    let w = |i: usize| r.w.as_ref().map_or(1.0, |w| w[i]);
    let num = pairwise_sum_map(n, &|i| w(i) * (r.t[i] - r.p[i]).powi(2));
    let mean = match &r.w {
        None => pairwise_sum_map(n, &|i| r.t[i]) / n as f64,
        Some(ws) => average(&r.t, Some(ws))?,
    };
    let den = pairwise_sum_map(n, &|i| w(i) * (r.t[i] - mean).powi(2));
    Ok(explained_fraction(num, den))
}

/// Explained variance score, with the same constant-truth convention as [`r2_score`].
pub fn explained_variance(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let r = inputs("explained_variance", y_true, y_pred, sample_weight)?;
    let diff_avg = r.avg(|i| r.t[i] - r.p[i])?;
    let num = r.avg(|i| (r.t[i] - r.p[i] - diff_avg).powi(2))?;
    let true_avg = r.avg(|i| r.t[i])?;
    let den = r.avg(|i| (r.t[i] - true_avg).powi(2))?;
    Ok(explained_fraction(num, den))
}

/// The largest absolute error.
pub fn max_error(y_true: ArrayView1<'_, f64>, y_pred: ArrayView1<'_, f64>) -> Result<f64> {
    let r = inputs("max_error", y_true, y_pred, None)?;
    Ok((0..r.t.len())
        .map(|i| (r.t[i] - r.p[i]).abs())
        .fold(f64::NEG_INFINITY, f64::max))
}

/// Mean Tweedie deviance with the given `power`: 0 is the squared error, 1 Poisson, 2 Gamma;
/// powers in (0, 1) are not defined. Domain: `power < 0` needs positive predictions; `1 ≤ power
/// < 2` non-negative truth and positive predictions; `power ≥ 2` positive truth and predictions.
pub fn mean_tweedie_deviance(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    power: f64,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    if !power.is_finite() || (power > 0.0 && power < 1.0) {
        return Err(Error::param(
            "power",
            format!("must be ≤ 0 or ≥ 1 (Tweedie distributions exist there), got {power}"),
        ));
    }
    let r = inputs("mean_tweedie_deviance", y_true, y_pred, sample_weight)?;
    let any = |v: &[f64], f: fn(f64) -> bool| v.iter().any(|x| f(*x));
    let msg = |what: &str| {
        Error::InvalidData(format!(
            "mean Tweedie deviance with power={power} can only be used on {what}"
        ))
    };
    if power < 0.0 {
        if any(&r.p, |x| x <= 0.0) {
            return Err(msg("strictly positive y_pred"));
        }
    } else if power == 0.0 {
    } else if power < 2.0 {
        if any(&r.t, |x| x < 0.0) || any(&r.p, |x| x <= 0.0) {
            return Err(msg("non-negative y and strictly positive y_pred"));
        }
    } else if any(&r.t, |x| x <= 0.0) || any(&r.p, |x| x <= 0.0) {
        return Err(msg("strictly positive y and y_pred"));
    }
    let p = power;
    let dev = |i: usize| {
        let (t, m) = (r.t[i], r.p[i]);
        if p < 0.0 {
            let tp = if t > 0.0 { t } else { 0.0 };
            2.0 * (tp.powf(2.0 - p) / ((1.0 - p) * (2.0 - p)) - t * m.powf(1.0 - p) / (1.0 - p)
                + m.powf(2.0 - p) / (2.0 - p))
        } else if p == 0.0 {
            (t - m).powi(2)
        } else if p == 1.0 {
            let xlogy = if t == 0.0 { 0.0 } else { t * (t / m).ln() };
            2.0 * (xlogy - t + m)
        } else if p == 2.0 {
            2.0 * ((m / t).ln() + t / m - 1.0)
        } else {
            2.0 * (t.powf(2.0 - p) / ((1.0 - p) * (2.0 - p)) - t * m.powf(1.0 - p) / (1.0 - p)
                + m.powf(2.0 - p) / (2.0 - p))
        }
    };
    r.avg(dev)
}

/// Mean Poisson deviance (Tweedie power 1).
pub fn mean_poisson_deviance(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    mean_tweedie_deviance(y_true, y_pred, 1.0, sample_weight)
}

/// Mean Gamma deviance (Tweedie power 2).
pub fn mean_gamma_deviance(
    y_true: ArrayView1<'_, f64>,
    y_pred: ArrayView1<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    mean_tweedie_deviance(y_true, y_pred, 2.0, sample_weight)
}
