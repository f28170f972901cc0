//! `mutual_info_classif` and `mutual_info_regression`: scikit-learn's k-nearest-neighbour
//! estimates of the mutual information between each (continuous) feature and the target —
//! Ross (2014) for a discrete target, Kraskov, Stögbauer & Grassberger (2004) for a continuous
//! one.
//!
//! As in scikit-learn, each feature (and a continuous target) is divided by its standard
//! deviation and receives Gaussian noise of relative size 1e-10 (breaking ties), drawn here from
//! satori's seeded generator instead of numpy's; the neighbour counts are otherwise computed
//! exactly as scikit-learn's trees compute them (distances `≤ nextafter(r_k, 0)`), so on data
//! without near-ties the estimates agree with scikit-learn's to rounding.

use ndarray::{Array1, ArrayView1, ArrayView2};
use satori_core::rng::{self, SatoriRng};

use crate::stats::{digamma, pairwise_sum};

/// `x / std(x)` (ddof 0; a zero deviation leaves `x` as is) plus `1e-10 · max(1, mean|x|)`
/// times standard normal noise, as scikit-learn's `_estimate_mi` prepares continuous columns.
fn scaled_with_noise(x: ArrayView1<'_, f64>, r: &mut SatoriRng) -> Vec<f64> {
    let n = x.len() as f64;
    let v = x.to_vec();
    let mean = pairwise_sum(&v) / n;
    let var = pairwise_sum(
        &v.iter()
            .map(|a| (a - mean) * (a - mean))
            .collect::<Vec<_>>(),
    ) / n;
    let std = var.sqrt();
    let scale = if std == 0.0 { 1.0 } else { std };
    let scaled: Vec<f64> = v.iter().map(|a| a / scale).collect();
    let abs_mean = pairwise_sum(&scaled.iter().map(|a| a.abs()).collect::<Vec<_>>()) / n;
    let amp = 1e-10 * abs_mean.max(1.0);
    scaled
        .iter()
        .map(|a| a + amp * rng::standard_normal(r))
        .collect()
}

/// The largest float below `r` (toward 0), numpy's `nextafter(r, 0)` for `r ≥ 0`.
fn below(r: f64) -> f64 {
    if r > 0.0 {
        f64::from_bits(r.to_bits() - 1)
    } else {
        r
    }
}

/// How many of the ascending `sorted` values lie within `radius` of `v` (`|s − v| ≤ radius`).
fn count_within(sorted: &[f64], v: f64, radius: f64) -> usize {
    let lo = sorted.partition_point(|&s| s < v && v - s > radius);
    let hi = sorted.partition_point(|&s| s <= v || s - v <= radius);
    hi - lo
}

/// The distance from `sorted[i]` to its `k`-th nearest other value (1-D, `k < sorted.len()`).
fn kth_distance_1d(sorted: &[f64], i: usize, k: usize) -> f64 {
    let (mut l, mut r) = (i, i + 1); // candidates sorted[l - 1] and sorted[r]
    let mut d = 0.0;
    for _ in 0..k {
        let dl = if l > 0 {
            sorted[i] - sorted[l - 1]
        } else {
            f64::INFINITY
        };
        let dr = sorted.get(r).map_or(f64::INFINITY, |s| s - sorted[i]);
        if dl <= dr {
            d = dl;
            l -= 1;
        } else {
            d = dr;
            r += 1;
        }
    }
    d
}

/// scikit-learn's `_compute_mi_cd`: a continuous `c` against class codes `d`.
fn mi_continuous_discrete(c: &[f64], d: &[usize], n_classes: usize, n_neighbors: usize) -> f64 {
    let mut by_class: Vec<Vec<f64>> = vec![Vec::new(); n_classes];
    for (&v, &k) in c.iter().zip(d) {
        by_class[k].push(v);
    }
    // Points of classes with a single member are ignored.
    let mut kept = Vec::new();
    let (mut psi_k, mut psi_count) = (Vec::new(), Vec::new());
    let mut radii = Vec::new();
    for values in by_class.iter_mut().filter(|v| v.len() > 1) {
        values.sort_by(f64::total_cmp);
        let k = n_neighbors.min(values.len() - 1);
        for i in 0..values.len() {
            radii.push(below(kth_distance_1d(values, i, k)));
            kept.push(values[i]);
            psi_k.push(digamma(k as f64));
            psi_count.push(digamma(values.len() as f64));
        }
    }
    if kept.is_empty() {
        return 0.0;
    }
    let mut all = kept.clone();
    all.sort_by(f64::total_cmp);
    let psi_m: Vec<f64> = kept
        .iter()
        .zip(&radii)
        .map(|(&v, &r)| digamma(count_within(&all, v, r) as f64))
        .collect();
    let n = kept.len() as f64;
    let mi = digamma(n) + pairwise_sum(&psi_k) / n
        - pairwise_sum(&psi_count) / n
        - pairwise_sum(&psi_m) / n;
    mi.max(0.0)
}

/// The Chebyshev distance from point `i` to its `k`-th nearest other point of `(x, y)`, with
/// `order` the indices sorted by `x` and `pos[i]` the position of `i` in it.
fn kth_distance_2d(x: &[f64], y: &[f64], order: &[usize], pos: usize, k: usize) -> f64 {
    let i = order[pos];
    // The k smallest distances so far, ascending.
    let mut best: Vec<f64> = Vec::with_capacity(k + 1);
    let push = |d: f64, best: &mut Vec<f64>| {
        if best.len() < k || d < best[best.len() - 1] {
            let at = best.partition_point(|&b| b <= d);
            best.insert(at, d);
            best.truncate(k);
        }
    };
    let (mut l, mut r) = (pos, pos + 1);
    loop {
        let bound = if best.len() == k {
            best[k - 1]
        } else {
            f64::INFINITY
        };
        let dl = (l > 0)
            .then(|| x[i] - x[order[l - 1]])
            .filter(|d| *d <= bound);
        let dr = order.get(r).map(|&j| x[j] - x[i]).filter(|d| *d <= bound);
        match (dl, dr) {
            (None, None) => break,
            (Some(a), Some(b)) if a <= b => {
                let j = order[l - 1];
                push(a.max((y[j] - y[i]).abs()), &mut best);
                l -= 1;
            }
            (Some(_), None) => {
                let j = order[l - 1];
                push((x[i] - x[j]).max((y[j] - y[i]).abs()), &mut best);
                l -= 1;
            }
            (_, Some(b)) => {
                let j = order[r];
                push(b.max((y[j] - y[i]).abs()), &mut best);
                r += 1;
            }
        }
    }
    best.last().copied().unwrap_or(0.0)
}

/// scikit-learn's `_compute_mi_cc`: two continuous variables.
fn mi_continuous_continuous(x: &[f64], y: &[f64], n_neighbors: usize) -> f64 {
    let n = x.len();
    let k = n_neighbors.min(n - 1);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut xs = x.to_vec();
    xs.sort_by(f64::total_cmp);
    let mut ys = y.to_vec();
    ys.sort_by(f64::total_cmp);
    let mut psi_x = vec![0.0; n];
    let mut psi_y = vec![0.0; n];
    for pos in 0..n {
        let i = order[pos];
        let radius = below(kth_distance_2d(x, y, &order, pos, k));
        // nx = count − 1 (itself), and the estimator takes ψ(nx + 1).
        psi_x[i] = digamma(count_within(&xs, x[i], radius) as f64);
        psi_y[i] = digamma(count_within(&ys, y[i], radius) as f64);
    }
    let nf = n as f64;
    let mi =
        digamma(nf) + digamma(k as f64) - pairwise_sum(&psi_x) / nf - pairwise_sum(&psi_y) / nf;
    mi.max(0.0)
}

/// `mutual_info_classif(x, codes, n_neighbors, random_state=seed)` with every feature continuous.
pub(super) fn mutual_info_classif(
    x: ArrayView2<'_, f64>,
    codes: ArrayView1<'_, usize>,
    n_classes: usize,
    n_neighbors: usize,
    seed: u64,
) -> Array1<f64> {
    let mut r = rng::rng(seed);
    let columns: Vec<Vec<f64>> = x
        .columns()
        .into_iter()
        .map(|c| scaled_with_noise(c, &mut r))
        .collect();
    let d = codes.to_vec();
    columns
        .iter()
        .map(|c| mi_continuous_discrete(c, &d, n_classes, n_neighbors))
        .collect()
}

/// `mutual_info_regression(x, y, n_neighbors, random_state=seed)` with every feature continuous.
pub(super) fn mutual_info_regression(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    n_neighbors: usize,
    seed: u64,
) -> Array1<f64> {
    let mut r = rng::rng(seed);
    let columns: Vec<Vec<f64>> = x
        .columns()
        .into_iter()
        .map(|c| scaled_with_noise(c, &mut r))
        .collect();
    let y = scaled_with_noise(y, &mut r);
    columns
        .iter()
        .map(|c| mi_continuous_continuous(c, &y, n_neighbors))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbour_helpers() {
        let s = [0.0, 1.0, 1.5, 4.0];
        assert_eq!(kth_distance_1d(&s, 1, 1), 0.5);
        assert_eq!(kth_distance_1d(&s, 1, 2), 1.0);
        assert_eq!(kth_distance_1d(&s, 0, 3), 4.0);
        assert_eq!(count_within(&s, 1.0, 0.5), 2);
        assert_eq!(count_within(&s, 1.0, below(0.5)), 1);
        assert_eq!(count_within(&s, 2.0, 10.0), 4);
        let x = [0.0, 1.0, 2.0, 10.0];
        let y = [0.0, 5.0, 0.5, 0.0];
        let order = [0, 1, 2, 3];
        assert_eq!(kth_distance_2d(&x, &y, &order, 0, 1), 2.0);
        assert_eq!(kth_distance_2d(&x, &y, &order, 3, 1), 8.0);
    }
}
