//! The numerical kernels of PCA: deterministic parallel column means and centred Gram matrix,
//! faer's thin SVD and symmetric eigendecomposition, the randomized SVD, and `svd_flip`.
//!
//! Reductions over rows use fixed blocks (their boundaries depend only on the number of rows), and
//! the per-block partial results are added in block order, so the result is the same bit for bit
//! at any thread count.

use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatRef, Par, Side};
use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use rayon::prelude::*;
use satori_core::{Error, Result, rng};

/// Rows per block of the parallel reductions, at least.
const MIN_BLOCK_ROWS: usize = 4096;
/// Bytes per chunk of the Gram computation: a chunk's shifted copy stays in cache (L2/L3) while
/// it is multiplied by its transpose. (1 MiB measured a little faster than 256 KiB for 28
/// features: fewer, longer matrix products.)
const CHUNK_BYTES: usize = 1024 * 1024;

/// Rows per Gram chunk for `p` features.
fn chunk_rows(p: usize) -> usize {
    (CHUNK_BYTES / (8 * p.max(1))).max(64)
}
/// At most this many blocks (bounds the memory of the per-block partial results).
const MAX_BLOCKS: usize = 64;

/// Fixed row blocks `[start, end)` covering `0..n`.
fn row_blocks(n: usize) -> Vec<(usize, usize)> {
    let size = MIN_BLOCK_ROWS.max(n.div_ceil(MAX_BLOCKS)).max(1);
    (0..n.div_ceil(size))
        .map(|b| (b * size, ((b + 1) * size).min(n)))
        .collect()
}

/// The per-column mean (rows summed in order within a block, blocks added in order).
pub(crate) fn column_means(x: ArrayView2<'_, f64>) -> Array1<f64> {
    let partials: Vec<Array1<f64>> = row_blocks(x.nrows())
        .into_par_iter()
        .map(|(a, b)| {
            let mut acc = Array1::<f64>::zeros(x.ncols());
            for row in x.slice(s![a..b, ..]).rows() {
                acc += &row;
            }
            acc
        })
        .collect();
    let mut total = Array1::<f64>::zeros(x.ncols());
    for p in &partials {
        total += p;
    }
    total / x.nrows() as f64
}

/// The partial sums of one row block: the lower triangle of `Σ (x − s)(x − s)ᵀ`, `Σ x` and
/// `Σ (x − s)` for the shift `s`.
struct BlockSums {
    gram: Mat<f64>,
    sum: Vec<f64>,
    shifted_sum: Vec<f64>,
}

/// Copy the rows of `src` (`p` values each) into `dst` minus `shift`, adding them to the block's
/// sums.
fn shift_rows(src: &[f64], dst: &mut [f64], shift: &[f64], out: &mut BlockSums) {
    let p = shift.len();
    for (r, d) in src.chunks_exact(p).zip(dst.chunks_exact_mut(p)) {
        for j in 0..p {
            let v = r[j];
            let c = v - shift[j];
            out.sum[j] += v;
            out.shifted_sum[j] += c;
            d[j] = c;
        }
    }
}

/// [`BlockSums`] of rows `a..b` of `x`, in chunks of [`chunk_rows`] rows: each chunk is copied
/// shifted (one column per row, column-major, so the copy is a plain row copy) while the sums
/// accumulate, then multiplied by its transpose with faer's triangular product while in cache.
fn block_sums(x: ArrayView2<'_, f64>, (a, b): (usize, usize), shift: &[f64]) -> BlockSums {
    let p = x.ncols();
    let rows = chunk_rows(p);
    let mut out = BlockSums {
        gram: Mat::<f64>::zeros(p, p),
        sum: vec![0.0; p],
        shifted_sum: vec![0.0; p],
    };
    let mut buf = vec![0.0; rows * p];
    let mut row_buf = vec![0.0; p];
    let mut start = a;
    while start < b {
        let end = (start + rows).min(b);
        let nc = end - start;
        let chunk = x.slice(s![start..end, ..]);
        let dst = &mut buf[..nc * p];
        match chunk.as_slice() {
            // Row-major data: one contiguous run of `nc · p` values.
            Some(src) => shift_rows(src, dst, shift, &mut out),
            None => {
                for (row, d) in chunk.rows().into_iter().zip(dst.chunks_exact_mut(p)) {
                    row_buf
                        .iter_mut()
                        .zip(row.iter())
                        .for_each(|(b, v)| *b = *v);
                    shift_rows(&row_buf, d, shift, &mut out);
                }
            }
        }
        let ct = MatRef::from_column_major_slice(&buf[..nc * p], p, nc);
        triangular::matmul(
            out.gram.as_mut(),
            BlockStructure::TriangularLower,
            Accum::Add,
            ct,
            BlockStructure::Rectangular,
            ct.transpose(),
            BlockStructure::Rectangular,
            1.0,
            Par::Seq,
        );
        start = end;
    }
    out
}

/// The column means and the centred Gram matrix `(X − mean)ᵀ (X − mean)` in one pass over the
/// data. Rows are shifted by `s`, the mean of the first (up to) 1024 rows, so that the products
/// are taken near the centre; the exact centring follows as `G_s − n·d·dᵀ` with
/// `d = mean − s = Σ (x − s) / n`, which cancels little because `d` is small next to the spread
/// (unlike scikit-learn's `XᵀX − n·mean·meanᵀ`). Row blocks run in parallel and are added in
/// block order. `None` when `x` holds a non-finite value (it makes some sum non-finite).
pub(super) fn mean_and_centred_gram(x: ArrayView2<'_, f64>) -> Option<(Array1<f64>, Array2<f64>)> {
    let (n, p) = x.dim();
    let head = x.slice(s![..n.min(1024), ..]);
    let mut shift = vec![0.0; p];
    for row in head.rows() {
        shift.iter_mut().zip(row).for_each(|(s, v)| *s += v);
    }
    shift
        .iter_mut()
        .for_each(|s| *s /= head.nrows().max(1) as f64);
    if !shift.iter().all(|v| v.is_finite()) {
        return None;
    }
    let blocks: Vec<BlockSums> = row_blocks(n)
        .into_par_iter()
        .map(|range| block_sums(x, range, &shift))
        .collect();
    let mut sum = vec![0.0; p];
    let mut shifted_sum = vec![0.0; p];
    let mut gram = Array2::<f64>::zeros((p, p));
    for blk in &blocks {
        sum.iter_mut().zip(&blk.sum).for_each(|(a, b)| *a += b);
        shifted_sum
            .iter_mut()
            .zip(&blk.shifted_sum)
            .for_each(|(a, b)| *a += b);
        for i in 0..p {
            for j in 0..=i {
                gram[[i, j]] += blk.gram[(i, j)];
            }
        }
    }
    let mean = Array1::from(sum) / n as f64;
    let d: Vec<f64> = shifted_sum.iter().map(|v| v / n as f64).collect();
    for i in 0..p {
        for j in 0..=i {
            gram[[i, j]] -= n as f64 * d[i] * d[j];
        }
    }
    // The upper triangle mirrors the lower one.
    for i in 0..p {
        for j in 0..i {
            gram[[j, i]] = gram[[i, j]];
        }
    }
    let finite = gram.iter().all(|v| v.is_finite()) && mean.iter().all(|v| v.is_finite());
    finite.then_some((mean, gram))
}

/// The centred data as a faer matrix.
pub(super) fn centred_faer(x: ArrayView2<'_, f64>, mean: &Array1<f64>) -> Mat<f64> {
    Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[[i, j]] - mean[j])
}

fn to_ndarray(m: MatRef<'_, f64>) -> Array2<f64> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// Thin SVD of `a`: singular values (non-increasing) and `Vᵀ` (one right singular vector per
/// row).
pub(crate) fn thin_svd(a: MatRef<'_, f64>) -> Result<(Array1<f64>, Array2<f64>)> {
    let svd = a
        .thin_svd()
        .map_err(|e| Error::InvalidData(format!("the SVD did not converge ({e:?})")))?;
    let sv = svd.S().column_vector();
    let s = Array1::from_shape_fn(sv.nrows(), |i| sv[i]);
    Ok((s, to_ndarray(svd.V().transpose())))
}

/// Eigendecomposition of the symmetric `g`: eigenvalues in non-increasing order and the matching
/// eigenvectors as rows.
pub(crate) fn sym_eigh_desc(g: &Array2<f64>) -> Result<(Array1<f64>, Array2<f64>)> {
    let n = g.nrows();
    let m = Mat::from_fn(n, n, |i, j| g[[i, j]]);
    let evd = m.self_adjoint_eigen(Side::Lower).map_err(|e| {
        Error::InvalidData(format!("the eigendecomposition did not converge ({e:?})"))
    })?;
    let sv = evd.S().column_vector();
    let u = evd.U();
    // faer sorts eigenvalues in non-decreasing order; reverse, as scikit-learn flips eigh's.
    let vals = Array1::from_shape_fn(n, |k| sv[n - 1 - k]);
    let vecs = Array2::from_shape_fn((n, n), |(k, j)| u[(j, n - 1 - k)]);
    Ok((vals, vecs))
}

/// Orthonormal basis of the columns of `a` (thin Q of its QR decomposition).
fn orthonormalise(a: MatRef<'_, f64>) -> Mat<f64> {
    a.qr().compute_thin_Q()
}

/// Randomized truncated SVD of the (centred) `a` (Halko, Martinsson & Tropp 2011, algorithm 4.4
/// with QR re-orthonormalisation after every product): the top `k` singular values and right
/// singular vectors (as rows), from a Gaussian sketch of `k + n_oversamples` columns drawn from
/// `seed`.
pub(super) fn randomized_svd(
    a: MatRef<'_, f64>,
    k: usize,
    n_oversamples: usize,
    n_iter: usize,
    seed: u64,
) -> Result<(Array1<f64>, Array2<f64>)> {
    let l = (k + n_oversamples).min(a.ncols()).min(a.nrows());
    let mut r = rng::rng(seed);
    let mut omega = Mat::<f64>::zeros(a.ncols(), l);
    for j in 0..l {
        for i in 0..a.ncols() {
            omega[(i, j)] = rng::standard_normal(&mut r);
        }
    }
    let mut q = orthonormalise((a * &omega).as_ref());
    for _ in 0..n_iter {
        let z = orthonormalise((a.transpose() * &q).as_ref());
        q = orthonormalise((a * &z).as_ref());
    }
    let b = q.transpose() * a; // l × n_features
    let (s, vt) = thin_svd(b.as_ref())?;
    let k = k.min(s.len());
    Ok((
        s.slice(s![..k]).to_owned(),
        vt.slice(s![..k, ..]).to_owned(),
    ))
}

/// scikit-learn's `svd_flip(u, v, u_based_decision=False)` on `Vᵀ`: each row is negated when its
/// entry of largest magnitude (the first such on ties) is negative.
pub(crate) fn svd_flip_rows(vt: &mut Array2<f64>) {
    for mut row in vt.axis_iter_mut(Axis(0)) {
        let mut best = 0;
        for (j, v) in row.iter().enumerate() {
            if v.abs() > row[best].abs() {
                best = j;
            }
        }
        if row.get(best).is_some_and(|v| *v < 0.0) {
            row.mapv_inplace(|v| -v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn blocks_cover_rows_exactly() {
        for n in [0, 1, 4095, 4096, 4097, 1_000_000] {
            let b = row_blocks(n);
            assert!(b.len() <= MAX_BLOCKS);
            let mut next = 0;
            for (a, e) in b {
                assert_eq!(a, next);
                assert!(e > a);
                next = e;
            }
            assert_eq!(next, n);
        }
    }

    #[test]
    fn gram_matches_direct_product() {
        let x = array![[1.0, 2.0], [3.0, 5.0], [4.0, -1.0]];
        let m = column_means(x.view());
        assert_eq!(m.to_vec(), vec![8.0 / 3.0, 2.0]);
        let (m2, g) = mean_and_centred_gram(x.view()).unwrap();
        assert_eq!(m, m2);
        let c = &x - &m;
        let direct = c.t().dot(&c);
        for (a, b) in g.iter().zip(direct.iter()) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn gram_over_many_chunks_matches_direct_product() {
        let x = Array2::from_shape_fn((10_000, 3), |(i, j)| ((i * (j + 3)) % 17) as f64 + 1e3);
        let (m, g) = mean_and_centred_gram(x.view()).unwrap();
        let c = &x - &m;
        let direct = c.t().dot(&c);
        for (a, b) in g.iter().zip(direct.iter()) {
            assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} vs {b}");
        }
        // Column-major input takes the row-by-row path and gives the same bits.
        let mut f = Array2::<f64>::zeros((3, 10_000));
        f.assign(&x.t());
        let f = f.reversed_axes();
        assert!(f.as_slice().is_none());
        assert_eq!(
            mean_and_centred_gram(f.view()).unwrap(),
            (m.clone(), g.clone())
        );
        let mut bad = x.clone();
        bad[[9_000, 1]] = f64::NAN;
        assert!(mean_and_centred_gram(bad.view()).is_none());
        bad[[9_000, 1]] = f64::INFINITY;
        assert!(mean_and_centred_gram(bad.view()).is_none());
    }

    #[test]
    fn flip_makes_largest_entry_positive() {
        let mut v = array![[0.1, -0.9], [0.5, -0.5]];
        svd_flip_rows(&mut v);
        assert_eq!(v, array![[-0.1, 0.9], [0.5, -0.5]]);
    }

    #[test]
    fn eigh_is_descending() {
        let g = array![[2.0, 0.0], [0.0, 5.0]];
        let (vals, vecs) = sym_eigh_desc(&g).unwrap();
        assert_eq!(vals.to_vec(), vec![5.0, 2.0]);
        assert_eq!(vecs.row(0)[1].abs(), 1.0);
    }
}
