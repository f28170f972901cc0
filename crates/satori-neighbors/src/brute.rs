//! Brute-force search: every query against every indexed row, in blocks of queries × rows,
//! query blocks in parallel.
//!
//! **Euclidean** distances come from one matrix product per block, as scikit-learn's brute
//! force does: `‖q − x‖² = ‖q‖² + ‖x‖² − 2 q·x`, with the rows and queries first centred on the
//! rows' mean (distances do not change; the norms shrink, and so does the rounding), the
//! products by faer's matrix multiplication. That form is fast but rounds differently from the
//! direct sum of squared differences, so it is only used to *screen*: a row whose product-form
//! value `a` could still be among the `k` best (`a` within a rounding bound `e` of the square of
//! the current `k`-th best exact distance) has its exact distance computed directly, and only
//! exact distances enter the result. `e` bounds the error of the product form
//! (`8 (d + 4) ε (‖q‖² + max ‖x‖²)`: the dot product's, the norms', the centring's), so no row
//! that belongs to the answer is screened out, and the answer is exactly the direct formula's,
//! ties by row index included.
//!
//! **Manhattan** and **nan_euclidean** distances are computed directly (nan_euclidean's NaN
//! distances enter the heap too, ranked after every other).

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::distance::{Metric, Neighbors, collect, finish, rdist, reduced_bound};
use crate::heap::TopK;

/// Queries per parallel task (fixed, so the split does not depend on the thread count).
const QUERY_BLOCK: usize = 128;
/// Indexed rows per matrix product.
const ROW_BLOCK: usize = 1024;
/// Rows screened together, branch-free, before any is looked at alone (a divisor of
/// [`ROW_BLOCK`]).
const SCREEN: usize = 16;

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
        Metric::Manhattan | Metric::NanEuclidean => direct(x, queries, k, metric, exclude_self),
    }
}

/// Every distance computed directly ([`Metric::distance`]) and offered to the heap, which keeps
/// the `k` best in the crate's order (a NaN distance, nan_euclidean's, only while it has room).
fn direct(
    x: ArrayView2<'_, f64>,
    queries: ArrayView2<'_, f64>,
    k: usize,
    metric: Metric,
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
                        heap.push(metric.distance(q, &xs[r * d..(r + 1) * d]), r);
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
    let mean: Vec<f64> = x
        .mean_axis(ndarray::Axis(0))
        .map_or_else(|| vec![0.0; d], |m| m.to_vec());
    // The centred rows (row-major) and their squared norms, once per search.
    let mut xc = vec![0.0; n * d];
    let xnorm: Vec<f64> = if d == 0 {
        vec![0.0; n]
    } else {
        xc.par_chunks_mut(d)
            .zip(xs.par_chunks(d))
            .with_min_len(1024)
            .map(|(dst, src)| {
                let mut s = 0.0;
                for ((t, v), mu) in dst.iter_mut().zip(src).zip(&mean) {
                    *t = v - mu;
                    s += *t * *t;
                }
                s
            })
            .collect()
    };
    let xnorm_max = xnorm.iter().copied().fold(0.0, f64::max);
    let gamma = 8.0 * (d as f64 + 4.0) * f64::EPSILON;
    let chunks: Vec<Vec<(f64, usize)>> = (0..nq.div_ceil(QUERY_BLOCK))
        .into_par_iter()
        .map(|c| {
            let q0 = c * QUERY_BLOCK;
            let q1 = (q0 + QUERY_BLOCK).min(nq);
            let m = q1 - q0;
            // Row-major whatever the layout of `queries`, so each row is one slice.
            let qs: Vec<f64> = (q0..q1).flat_map(|i| queries.row(i).to_vec()).collect();
            let qc: Vec<f64> = qs
                .chunks(d.max(1))
                .flat_map(|r| {
                    r.iter()
                        .zip(&mean)
                        .map(|(v, mu)| v - mu)
                        .collect::<Vec<_>>()
                })
                .collect();
            let qnorm: Vec<f64> = (0..m)
                .map(|i| qc[i * d..(i + 1) * d].iter().map(|v| v * v).sum())
                .collect();
            let margin: Vec<f64> = qnorm.iter().map(|qn| gamma * (qn + xnorm_max)).collect();
            let mut heaps: Vec<TopK> = (0..m).map(|_| TopK::new(k)).collect();
            let rhs = MatRef::from_row_major_slice(&qc, m, d).transpose();
            // (rows of the block) × (queries), column-major: one query's products are contiguous.
            let mut gt = Mat::<f64>::zeros(ROW_BLOCK.min(n), m);
            for r0 in (0..n).step_by(ROW_BLOCK) {
                let r1 = (r0 + ROW_BLOCK).min(n);
                let lhs = MatRef::from_row_major_slice(&xc[r0 * d..r1 * d], r1 - r0, d);
                matmul(
                    gt.as_mut().subrows_mut(0, r1 - r0),
                    Accum::Replace,
                    lhs,
                    rhs,
                    1.0,
                    Par::Seq,
                );
                for (i, heap) in heaps.iter_mut().enumerate() {
                    let qi = q0 + i;
                    let q = &qs[i * d..(i + 1) * d];
                    let (qn, e) = (qnorm[i], margin[i]);
                    let products = &gt.col_as_slice(i)[..r1 - r0];
                    let mut bound = reduced_bound::<true>(heap) + e;
                    let xn = &xnorm[r0..r1];
                    // Screen SCREEN rows at a time without branches (vectorised); only a
                    // group with a row under the bound is walked row by row, in order, against
                    // the current bound. The bound only falls as rows enter the heap, so a row
                    // over the group's starting bound is over every later one too: the rows
                    // that reach the exact distance are the same as one row at a time.
                    for g0 in (0..r1 - r0).step_by(SCREEN) {
                        let g1 = (g0 + SCREEN).min(r1 - r0);
                        let (pg, xg) = (&products[g0..g1], &xn[g0..g1]);
                        let any = if pg.len() == SCREEN {
                            let mut hit = false;
                            for t in 0..SCREEN {
                                hit |= qn + xg[t] - 2.0 * pg[t] <= bound;
                            }
                            hit
                        } else {
                            true
                        };
                        if !any {
                            continue;
                        }
                        for (j, (&g, &xn)) in pg.iter().zip(xg).enumerate() {
                            let approx = qn + xn - 2.0 * g;
                            if approx <= bound {
                                let r = r0 + g0 + j;
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
