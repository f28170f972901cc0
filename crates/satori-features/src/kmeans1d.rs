//! One-dimensional k-means as scikit-learn's `KMeans(n_clusters, init=init, n_init=1)` runs it
//! for `KBinsDiscretizer(strategy="kmeans")`: Lloyd's algorithm on the data centred on their
//! mean, at most 300 iterations, stopping when the labels no longer change or the squared
//! centre shift falls to `1e-4 · var(x)`; squared distances as `c² − 2·x·c`, ties to the first
//! centre; an empty cluster takes the point farthest from its centre.
//!
//! scikit-learn sums each cluster's points per thread (in blocks of 256 rows) and adds the
//! threads' sums in arrival order; here the sums run over the rows in order, which is what
//! scikit-learn does with one thread (or up to 256 rows). Elsewhere the centres can differ from
//! scikit-learn's in the last bits.

use crate::stats::pairwise_sum;

/// The maximum number of Lloyd iterations (scikit-learn's `max_iter`).
const MAX_ITER: usize = 300;

/// One Lloyd iteration: new labels, and (sums, weights) per cluster before averaging.
fn assign(x: &[f64], centers: &[f64], labels: &mut [usize]) -> (Vec<f64>, Vec<f64>) {
    let k = centers.len();
    let squares: Vec<f64> = centers.iter().map(|c| c * c).collect();
    let mut sums = vec![0.0; k];
    let mut weights = vec![0.0; k];
    for (v, label) in x.iter().zip(labels.iter_mut()) {
        let mut best = 0;
        let mut best_d = squares[0] + -2.0 * (v * centers[0]);
        for j in 1..k {
            let d = squares[j] + -2.0 * (v * centers[j]);
            if d < best_d {
                best_d = d;
                best = j;
            }
        }
        *label = best;
        weights[best] += 1.0;
        sums[best] += v;
    }
    (sums, weights)
}

/// scikit-learn's `_relocate_empty_clusters_dense` with unit weights: each empty cluster takes
/// one of the points farthest from their centres (farthest first).
fn relocate_empty(x: &[f64], old: &[f64], labels: &[usize], sums: &mut [f64], weights: &mut [f64]) {
    let empty: Vec<usize> = (0..weights.len()).filter(|&j| weights[j] == 0.0).collect();
    if empty.is_empty() {
        return;
    }
    let dist: Vec<f64> = x
        .iter()
        .zip(labels)
        .map(|(v, &l)| (v - old[l]) * (v - old[l]))
        .collect();
    if dist.iter().all(|d| *d == 0.0) {
        return;
    }
    let mut far: Vec<usize> = (0..x.len()).collect();
    far.sort_by(|&a, &b| dist[b].total_cmp(&dist[a]));
    for (&new_id, &idx) in empty.iter().zip(&far) {
        let old_id = labels[idx];
        sums[old_id] -= x[idx];
        sums[new_id] = x[idx];
        weights[new_id] = 1.0;
        weights[old_id] -= 1.0;
    }
}

/// scikit-learn's `_average_centers`: `sum · (1 / weight)`, and an empty cluster placed at the
/// (current value of the) heaviest cluster, in cluster order.
fn average(sums: &mut [f64], weights: &[f64]) {
    let mut heaviest = 0;
    for (j, w) in weights.iter().enumerate() {
        if *w > weights[heaviest] {
            heaviest = j;
        }
    }
    for j in 0..sums.len() {
        if weights[j] > 0.0 {
            sums[j] *= 1.0 / weights[j];
        } else {
            sums[j] = sums[heaviest];
        }
    }
}

/// The sorted cluster centres of `x` (non-empty) from the initial centres `init`.
pub(crate) fn kmeans_1d(x: &[f64], init: &[f64]) -> Vec<f64> {
    let n = x.len() as f64;
    let mean = pairwise_sum(x) / n;
    let centred: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let var = pairwise_sum(&centred.iter().map(|v| v * v).collect::<Vec<_>>()) / n;
    let tol = var * 1e-4;
    let mut centers: Vec<f64> = init.iter().map(|c| c - mean).collect();
    let mut labels = vec![usize::MAX; x.len()];
    let mut labels_old = labels.clone();
    for _ in 0..MAX_ITER {
        let (mut sums, mut weights) = assign(&centred, &centers, &mut labels);
        relocate_empty(&centred, &centers, &labels, &mut sums, &mut weights);
        average(&mut sums, &weights);
        let shift: f64 = centers
            .iter()
            .zip(&sums)
            .map(|(a, b)| {
                let s = ((a - b) * (a - b)).sqrt();
                s * s
            })
            .sum();
        centers = sums;
        if labels == labels_old || shift <= tol {
            break;
        }
        labels_old.copy_from_slice(&labels);
    }
    let mut out: Vec<f64> = centers.iter().map(|c| c + mean).collect();
    out.sort_by(f64::total_cmp);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_clear_groups() {
        let x = [0.0, 0.1, 0.2, 10.0, 10.1, 10.2, 20.0];
        let c = kmeans_1d(&x, &[2.0, 8.0, 15.0]);
        assert!((c[0] - 0.1).abs() < 1e-12 && (c[1] - 10.1).abs() < 1e-12 && c[2] == 20.0);
    }

    #[test]
    fn empty_cluster_takes_the_farthest_point() {
        // No point is nearest to the middle centre at first.
        let x = [0.0, 0.0, 1.0, 9.0, 10.0, 10.0];
        let c = kmeans_1d(&x, &[0.0, 100.0, 10.0]);
        assert_eq!(c.len(), 3);
        assert!(c.windows(2).all(|w| w[0] <= w[1]));
    }
}
