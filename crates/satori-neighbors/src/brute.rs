//! Brute-force search: every query against every indexed row, queries in parallel chunks.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use crate::index::{Metric, Neighbors};

/// Queries per parallel task (fixed, so the split does not depend on the thread count).
const CHUNK: usize = 64;

/// The `k` nearest rows of `x` for each query; with `exclude_self`, query `i` is row `i` of `x`
/// and skips it.
pub(crate) fn search(
    x: ArrayView2<'_, f64>,
    queries: ArrayView2<'_, f64>,
    k: usize,
    metric: Metric,
    exclude_self: Option<()>,
) -> Neighbors {
    let nq = queries.nrows();
    let rows: Vec<Vec<f64>> = x.outer_iter().map(|r| r.to_vec()).collect();
    let chunks: Vec<Vec<(f64, usize)>> = (0..nq.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut out = Vec::with_capacity(CHUNK * k);
            let mut cand: Vec<(f64, usize)> = Vec::with_capacity(rows.len());
            for qi in c * CHUNK..((c + 1) * CHUNK).min(nq) {
                let q = queries.row(qi).to_vec();
                cand.clear();
                for (i, row) in rows.iter().enumerate() {
                    if exclude_self.is_some() && i == qi {
                        continue;
                    }
                    cand.push((metric.distance(&q, row), i));
                }
                let by =
                    |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
                if k < cand.len() {
                    cand.select_nth_unstable_by(k - 1, by);
                    cand.truncate(k);
                }
                cand.sort_unstable_by(by);
                out.extend_from_slice(&cand[..k]);
            }
            out
        })
        .collect();
    let mut indices = Array2::<usize>::zeros((nq, k));
    let mut distances = Array2::<f64>::zeros((nq, k));
    for (n, &(d, i)) in chunks.iter().flatten().enumerate() {
        indices[[n / k, n % k]] = i;
        distances[[n / k, n % k]] = d;
    }
    Neighbors { indices, distances }
}
