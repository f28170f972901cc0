//! Brute-force search: every query against every indexed row, in blocks of queries × rows that
//! stay in cache, query blocks in parallel.
//!
//! **Euclidean** distances come from one matrix product per block, as scikit-learn's brute
//! force does: `‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x`, with the rows and queries first centred on the
//! rows' mean (distances do not change; the norms shrink, and so does the rounding). That form
//! is fast but rounds differently from the direct sum of squared differences, so it is only used
//! to *screen*: a row whose product-form value `a` could still be among the `k` best (`a` within
//! a rounding bound `e` of the square of the current `k`-th best exact distance) has its exact distance
//! computed directly, and only exact distances enter the result. `e` bounds the error of the
//! product form (`8 (d + 4) ε (‖q‖² + max ‖x‖²)`: the dot product's, the norms', the centring's),
//! so no row that belongs to the answer is screened out, and the answer is exactly the direct
//! formula's, ties by row index included.
//!
//! **Manhattan** distances are computed directly.

use ndarray::{Array1, Array2, ArrayView2, s};
use rayon::prelude::*;

use crate::heap::TopK;
use crate::index::{Metric, Neighbors};
use crate::kdtree::{finish, rdist, reduced_bound};

/// Queries per parallel task (fixed, so the split does not depend on the thread count).
const QUERY_BLOCK: usize = 128;
/// Indexed rows per matrix product.
const ROW_BLOCK: usize = 512;

/// The `k` nearest rows of `x` for each query; with `exclude_self`, query `i` is row `i` of `x`
/// and skips it.
pub(crate) fn search(
    x: ArrayView2<'_, f64>,
    queries: ArrayView2<'_, f64>,
    k: usize,
    metric: Metric,
    exclude_self: bool,
) -> Neighbors {
    match metric {
        Metric::Euclidean => euclidean(x, queries, k, exclude_self),
        Metric::Manhattan => manhattan(x, queries, k, exclude_self),
    }
}

/// The per-query results of the parallel chunks, in query order, as a [`Neighbors`].
pub(crate) fn collect(chunks: Vec<Vec<(f64, usize)>>, nq: usize, k: usize) -> Neighbors {
    let mut indices = Array2::<usize>::zeros((nq, k));
    let mut distances = Array2::<f64>::zeros((nq, k));
    for (n, &(d, i)) in chunks.iter().flatten().enumerate() {
        indices[[n / k, n % k]] = i;
        distances[[n / k, n % k]] = d;
    }
    Neighbors { indices, distances }
}

fn manhattan(
    x: ArrayView2<'_, f64>,
    queries: ArrayView2<'_, f64>,
    k: usize,
    exclude_self: bool,
) -> Neighbors {
    let (n, d) = x.dim();
    let nq = queries.nrows();
    let xs = x.as_standard_layout();
    let xs = xs.as_slice().unwrap_or(&[]);
    let chunks: Vec<Vec<(f64, usize)>> = (0..nq.div_ceil(QUERY_BLOCK))
        .into_par_iter()
        .map(|c| {
            let q0 = c * QUERY_BLOCK;
            let q1 = (q0 + QUERY_BLOCK).min(nq);
            let qs: Vec<Vec<f64>> = (q0..q1).map(|i| queries.row(i).to_vec()).collect();
            let mut heaps: Vec<TopK> = (q0..q1).map(|_| TopK::new(k)).collect();
            for r0 in (0..n).step_by(ROW_BLOCK) {
                let r1 = (r0 + ROW_BLOCK).min(n);
                for (qi, (q, heap)) in qs.iter().zip(&mut heaps).enumerate() {
                    let qi = q0 + qi;
                    for r in r0..r1 {
                        if exclude_self && r == qi {
                            continue;
                        }
                        let rd = rdist::<false>(q, &xs[r * d..(r + 1) * d]);
                        if rd <= reduced_bound::<false>(heap) {
                            heap.push(rd, r);
                        }
                    }
                }
            }
            let mut out = Vec::with_capacity((q1 - q0) * k);
            for heap in &mut heaps {
                heap.drain_sorted_into(&mut out);
            }
            out
        })
        .collect();
    collect(chunks, nq, k)
}

fn euclidean(
    x: ArrayView2<'_, f64>,
    queries: ArrayView2<'_, f64>,
    k: usize,
    exclude_self: bool,
) -> Neighbors {
    let (n, d) = x.dim();
    let nq = queries.nrows();
    let xs = x.as_standard_layout();
    let xs = xs.as_slice().unwrap_or(&[]);
    let mean: Array1<f64> = x
        .mean_axis(ndarray::Axis(0))
        .unwrap_or_else(|| Array1::zeros(d));
    let centred_norm = |row: &[f64]| -> f64 {
        row.iter()
            .zip(&mean)
            .map(|(v, m)| (v - m) * (v - m))
            .sum::<f64>()
    };
    let xnorm: Vec<f64> = (0..n)
        .into_par_iter()
        .with_min_len(4096)
        .map(|r| centred_norm(&xs[r * d..(r + 1) * d]))
        .collect();
    let xnorm_max = xnorm.iter().copied().fold(0.0, f64::max);
    let gamma = 8.0 * (d as f64 + 4.0) * f64::EPSILON;
    let chunks: Vec<Vec<(f64, usize)>> = (0..nq.div_ceil(QUERY_BLOCK))
        .into_par_iter()
        .map(|c| {
            let q0 = c * QUERY_BLOCK;
            let q1 = (q0 + QUERY_BLOCK).min(nq);
            let m = q1 - q0;
            // Row-major whatever the layout of `queries`, so each row is one slice.
            let qs = Array2::from_shape_fn((m, d), |(i, j)| queries[[q0 + i, j]]);
            let mut qc = qs.clone();
            for mut row in qc.rows_mut() {
                row -= &mean;
            }
            let qnorm: Vec<f64> = qc.rows().into_iter().map(|r| r.dot(&r)).collect();
            let margin: Vec<f64> = qnorm.iter().map(|qn| gamma * (qn + xnorm_max)).collect();
            let mut heaps: Vec<TopK> = (0..m).map(|_| TopK::new(k)).collect();
            let mut xb = Array2::<f64>::zeros((ROW_BLOCK.min(n), d));
            for r0 in (0..n).step_by(ROW_BLOCK) {
                let r1 = (r0 + ROW_BLOCK).min(n);
                let mut xb = xb.slice_mut(s![..r1 - r0, ..]);
                for (mut dst, r) in xb.rows_mut().into_iter().zip(r0..r1) {
                    for ((t, v), mu) in dst.iter_mut().zip(&xs[r * d..(r + 1) * d]).zip(&mean) {
                        *t = v - mu;
                    }
                }
                let g = qc.dot(&xb.t());
                for (i, heap) in heaps.iter_mut().enumerate() {
                    let qi = q0 + i;
                    let q = &qs.as_slice().unwrap_or(&[])[i * d..(i + 1) * d];
                    let (qn, e) = (qnorm[i], margin[i]);
                    let grow = g.row(i);
                    let mut bound = reduced_bound::<true>(heap) + e;
                    for (j, &gij) in grow.iter().enumerate() {
                        let approx = qn + xnorm[r0 + j] - 2.0 * gij;
                        if approx <= bound {
                            let r = r0 + j;
                            if exclude_self && r == qi {
                                continue;
                            }
                            let rd = rdist::<true>(q, &xs[r * d..(r + 1) * d]);
                            heap.push(finish::<true>(rd), r);
                            bound = reduced_bound::<true>(heap) + e;
                        }
                    }
                }
            }
            let mut out = Vec::with_capacity(m * k);
            for heap in &mut heaps {
                heap.drain_sorted_into(&mut out);
            }
            out
        })
        .collect();
    collect(chunks, nq, k)
}
