//! The statistics behind the baselines, computed in the same floating-point order as numpy and
//! scikit-learn so that results agree to the last bit:
//!
//! - [`pairwise_sum`]: numpy's summation of a float array (`np.sum`, `np.mean`, `np.average`).
//! - [`median`]: `np.median` (the mean of the two middle values for an even count).
//! - [`percentile_linear`]: `np.percentile(y, q)` with the default `method="linear"`.
//! - [`weighted_percentile`]: scikit-learn's `sklearn.utils.stats._weighted_percentile` (the
//!   "inverted_cdf" method, `average=False`), as `DummyRegressor` calls it with sample weights.
//!
//! The first three are the workspace's shared routines of [`satori_core::numeric`], re-exported
//! here. Inputs must be finite (the callers check); the functions never panic, and return `None`
//! where numpy or scikit-learn would return NaN or raise (no values, weights that sum to zero).

pub use satori_core::numeric::{median, pairwise_sum, percentile_linear};

/// [`pairwise_sum`] of the products `a[i] * b[i]` (numpy's `np.multiply(a, b).sum()`), without
/// allocating the products. `None` when the lengths differ.
pub fn pairwise_dot(a: &[f64], b: &[f64]) -> Option<f64> {
    (a.len() == b.len()).then(|| satori_core::numeric::pairwise_dot(a, b))
}

/// scikit-learn's `_weighted_percentile(values, weights, percentile_rank)` with `average=False`:
/// sort by value, accumulate the weights in that order, and return the first value whose
/// cumulative weight reaches `percentile_rank / 100 * total` (a rank of exactly 0 is nudged up to
/// the smallest positive float, so leading zero-weight values are skipped). `None` when the
/// lengths differ, there are no values, `percentile_rank` is outside `[0, 100]`, or the weights
/// sum to zero (scikit-learn returns NaN there).
///
/// Ties are ordered by position; they hold equal values, so this only matters for the rounding of
/// the cumulative weights within a run of ties.
pub fn weighted_percentile(values: &[f64], weights: &[f64], percentile_rank: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 || weights.len() != n || !(0.0..=100.0).contains(&percentile_rank) {
        return None;
    }
    if weights.iter().all(|w| *w == 0.0) {
        return None;
    }
    // (value, position) keys are unique, so an unstable sort gives one deterministic order.
    let mut order: Vec<(f64, usize)> = values.iter().copied().zip(0..n).collect();
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut cdf = Vec::with_capacity(n);
    let mut acc = 0.0;
    for &(_, i) in &order {
        acc += weights[i];
        cdf.push(acc);
    }
    let mut adjusted = percentile_rank / 100.0 * acc;
    if adjusted == 0.0 {
        adjusted = f64::from_bits(1); // nextafter(0, 1)
    }
    // searchsorted(cdf, adjusted, side="left"), clipped to the last index.
    let k = cdf.partition_point(|c| *c < adjusted).min(n - 1);
    Some(order[k].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_numpy_grouping() {
        assert_eq!(pairwise_sum(&[]), 0.0);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
        // With 8 values numpy pairs the accumulators: ((a0+a1)+(a2+a3))+((a4+a5)+(a6+a7)).
        let v = [1e16, 1.0, -1e16, 1.0, 1.0, 1.0, 1.0, 1.0];
        let numpy = ((1e16 + 1.0) + (-1e16 + 1.0)) + ((1.0 + 1.0) + (1.0 + 1.0));
        assert_eq!(pairwise_sum(&v), numpy);
        let naive: f64 = v.iter().sum();
        assert_ne!(numpy, naive);
        assert_eq!(pairwise_dot(&v, &[1.0; 8]), Some(numpy));
        assert_eq!(pairwise_dot(&v, &[1.0; 7]), None);
        // Above 128 values it splits at n/2 rounded down to a multiple of 8.
        let big: Vec<f64> = (0..300).map(|i| 0.1 * i as f64).collect();
        assert_eq!(
            pairwise_sum(&big),
            pairwise_sum(&big[..144]) + pairwise_sum(&big[144..])
        );
    }

    #[test]
    fn weighted_percentile_is_inverted_cdf() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // Unit weights: rank 50 lies exactly on 2 (not the 2.5 of np.median).
        assert_eq!(weighted_percentile(&v, &[1.0; 4], 50.0), Some(2.0));
        assert_eq!(
            weighted_percentile(&v, &[1.0, 1.0, 1.0, 5.0], 50.0),
            Some(4.0)
        );
        // Leading zero weights are skipped at rank 0, trailing ones never reached at rank 100.
        assert_eq!(
            weighted_percentile(&v, &[0.0, 0.0, 1.0, 1.0], 0.0),
            Some(3.0)
        );
        assert_eq!(
            weighted_percentile(&v, &[1.0, 1.0, 0.0, 0.0], 100.0),
            Some(2.0)
        );
        assert_eq!(weighted_percentile(&v, &[0.0; 4], 50.0), None);
        assert_eq!(weighted_percentile(&v, &[1.0; 3], 50.0), None);
        // Unsorted input.
        assert_eq!(
            weighted_percentile(&[4.0, 1.0, 3.0, 2.0], &[1.0; 4], 75.0),
            Some(3.0)
        );
    }
}
