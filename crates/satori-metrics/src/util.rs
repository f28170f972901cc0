//! Shared numerical helpers and input validation.
//!
//! Sums follow NumPy's pairwise summation exactly (blocks of 8 accumulators up to 128 elements,
//! halving above), so reductions give scikit-learn's results to the last bit where scikit-learn
//! sums a contiguous array; large sums split their top levels over rayon, which keeps the result
//! identical at any thread count because the split points are those of the sequential recursion.

use ndarray::{ArrayView1, ArrayView2};
use satori_core::{Error, Result};

/// The sum of `f(0) + … + f(n-1)` in NumPy's pairwise order, parallel for large `n`.
pub(crate) fn pairwise_sum_map<F>(n: usize, f: &F) -> f64
where
    F: Fn(usize) -> f64 + Sync,
{
    satori_core::numeric::par_pairwise_sum_map(n, f)
}

pub(crate) use satori_core::numeric::pairwise_sum;

/// `np.average(values, weights=weights)`: the plain mean without weights, else
/// `sum(values * weights) / sum(weights)`; an error when the weights sum to zero.
pub(crate) fn average(values: &[f64], weights: Option<&[f64]>) -> Result<f64> {
    match weights {
        None => {
            if values.is_empty() {
                return Err(Error::NotEnoughSamples {
                    context: "an average".into(),
                    needed: 1,
                    got: 0,
                });
            }
            Ok(pairwise_sum(values) / values.len() as f64)
        }
        Some(w) => {
            let scl = pairwise_sum(w);
            if scl == 0.0 {
                return Err(Error::InvalidData(
                    "the weights of an average sum to zero; at least one weight must be positive"
                        .into(),
                ));
            }
            Ok(pairwise_sum_map(values.len(), &|i| values[i] * w[i]) / scl)
        }
    }
}

/// `np.nanmean`: the mean of the non-NaN values (NaN when all are NaN or there are none).
pub(crate) fn nanmean(values: &[f64]) -> f64 {
    let count = values.iter().filter(|v| !v.is_nan()).count();
    if count == 0 {
        return f64::NAN;
    }
    let total = pairwise_sum_map(values.len(), &|i| {
        if values[i].is_nan() { 0.0 } else { values[i] }
    });
    total / count as f64
}

/// scikit-learn's `_nanaverage`: a (weighted) average that ignores NaN values; with weights that
/// sum to zero it falls back to the unweighted mean.
pub(crate) fn nanaverage(values: &[f64], weights: Option<&[f64]>) -> f64 {
    if values.is_empty() || values.iter().all(|v| v.is_nan()) {
        return f64::NAN;
    }
    match weights {
        None => nanmean(values),
        Some(w) => {
            let (a, ww): (Vec<f64>, Vec<f64>) = values
                .iter()
                .zip(w)
                .filter(|(v, _)| !v.is_nan())
                .map(|(v, w)| (*v, *w))
                .unzip();
            average(&a, Some(&ww)).unwrap_or_else(|_| pairwise_sum(&a) / a.len() as f64)
        }
    }
}

/// Checks that a sample-weight vector has `n` finite, non-negative entries with a positive sum
/// and returns it as a contiguous vector.
pub(crate) fn check_weights(w: Option<ArrayView1<'_, f64>>, n: usize) -> Result<Option<Vec<f64>>> {
    let Some(w) = w else { return Ok(None) };
    if w.len() != n {
        return Err(Error::ShapeMismatch {
            context: "number of sample weights (one per sample)".into(),
            expected: n,
            got: w.len(),
        });
    }
    let v: Vec<f64> = w.iter().copied().collect();
    if let Some((i, x)) = v
        .iter()
        .enumerate()
        .find(|(_, x)| !x.is_finite() || **x < 0.0)
    {
        return Err(Error::InvalidData(format!(
            "sample weight {i} is {x}; sample weights must be finite and non-negative"
        )));
    }
    if n > 0 && v.iter().all(|x| *x == 0.0) {
        return Err(Error::InvalidData(
            "all sample weights are zero; at least one must be positive".into(),
        ));
    }
    Ok(Some(v))
}

/// Checks that two arrays have the same length and are not empty.
pub(crate) fn check_lengths(what: &str, n_true: usize, n_other: usize) -> Result<()> {
    if n_true != n_other {
        return Err(Error::ShapeMismatch {
            context: format!("{what}: length of the predictions (one per sample of y_true)"),
            expected: n_true,
            got: n_other,
        });
    }
    if n_true == 0 {
        return Err(Error::NotEnoughSamples {
            context: what.into(),
            needed: 1,
            got: 0,
        });
    }
    Ok(())
}

/// Checks that every class code is below `n_classes`.
pub(crate) fn check_codes(name: &str, y: ArrayView1<'_, usize>, n_classes: usize) -> Result<()> {
    if let Some((i, c)) = y.iter().enumerate().find(|(_, c)| **c >= n_classes) {
        return Err(Error::InvalidData(format!(
            "{name}[{i}] is class {c}, but there are only {n_classes} classes (codes 0..{n_classes})"
        )));
    }
    Ok(())
}

/// Checks that every value is finite.
pub(crate) fn check_finite(name: &str, x: ArrayView1<'_, f64>) -> Result<()> {
    if let Some((i, v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::InvalidData(format!(
            "{name}[{i}] is {v}; values must be finite (no NaN or infinity)"
        )));
    }
    Ok(())
}

/// Checks that a probability matrix has `n` rows, `n_classes` columns and finite values in
/// [0, 1].
pub(crate) fn check_proba(
    what: &str,
    p: ArrayView2<'_, f64>,
    n: usize,
    n_classes: usize,
) -> Result<()> {
    if p.nrows() != n {
        return Err(Error::ShapeMismatch {
            context: format!("{what}: rows of the probability matrix (one per sample)"),
            expected: n,
            got: p.nrows(),
        });
    }
    if p.ncols() != n_classes {
        return Err(Error::ShapeMismatch {
            context: format!("{what}: columns of the probability matrix (one per class)"),
            expected: n_classes,
            got: p.ncols(),
        });
    }
    check_unit_interval(what, p.iter().copied())
}

/// Checks that all values are finite and within [0, 1].
pub(crate) fn check_unit_interval(what: &str, values: impl Iterator<Item = f64>) -> Result<()> {
    for v in values {
        if !v.is_finite() {
            return Err(Error::InvalidData(format!(
                "{what}: a probability is {v}; probabilities must be finite"
            )));
        }
        if v > 1.0 {
            return Err(Error::InvalidData(format!(
                "{what}: y_prob contains values greater than 1 ({v}); pass probabilities in [0, 1]"
            )));
        }
        if v < 0.0 {
            return Err(Error::InvalidData(format!(
                "{what}: y_prob contains values lower than 0 ({v}); pass probabilities in [0, 1]"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_matches_hand_sums() {
        assert_eq!(pairwise_sum(&[]), 0.0);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
        let v: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(pairwise_sum(&v), 499_500.0);
        let big: Vec<f64> = (0..300_000).map(|i| f64::from(i % 7)).collect();
        let expect: f64 = big.iter().sum();
        assert_eq!(pairwise_sum(&big), expect);
    }

    #[test]
    fn averages() {
        assert_eq!(average(&[1.0, 3.0], None).unwrap(), 2.0);
        assert_eq!(average(&[1.0, 3.0], Some(&[3.0, 1.0])).unwrap(), 1.5);
        assert!(average(&[1.0], Some(&[0.0])).is_err());
        assert_eq!(nanmean(&[1.0, f64::NAN, 3.0]), 2.0);
        assert!(nanaverage(&[f64::NAN], None).is_nan());
        assert_eq!(nanaverage(&[1.0, 3.0], Some(&[0.0, 0.0])), 2.0);
    }

    #[test]
    fn weight_checks() {
        let w = ndarray::array![1.0, -1.0];
        assert!(check_weights(Some(w.view()), 2).is_err());
        let w = ndarray::array![0.0, 0.0];
        assert!(check_weights(Some(w.view()), 2).is_err());
        let w = ndarray::array![1.0];
        assert!(check_weights(Some(w.view()), 2).is_err());
    }
}
