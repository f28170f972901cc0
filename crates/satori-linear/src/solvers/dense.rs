//! Dense solvers of the regression family, all on one thread per call (faer with `Par::Seq`) or
//! over fixed row blocks, so results are the same bit for bit at any thread count:
//!
//! - [`tall_qr`]: the `R` factor of `[X | y]` by a two-level (TSQR) Householder QR: each fixed
//!   block of rows is reduced to its `R`, the stacked `R`s are reduced once more. `Qᵀy` comes out
//!   as the last column, so the least-squares problem shrinks to a `(p+1) × (p+1)` one without
//!   ever forming `XᵀX` (whose condition number is the square of `X`'s).
//! - [`lstsq`]: LAPACK `gelsd`'s minimum-norm least squares (singular values below
//!   `cond · s_max` count as zero), as `scipy.linalg.lstsq`.
//! - [`ridge_svd`] and [`solve_spd`]: the SVD and Cholesky solvers of ridge regression.

use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::ComputeSvdVectors;
use faer::{Mat, MatRef, Par, Side};
use rayon::prelude::*;
use satori_core::{Error, Result};

use crate::common::data::{BLOCK_ROWS, Design};

/// The `R` factor (upper trapezoidal, `min(rows, cols)` rows) of a Householder QR of `a`.
fn qr_r(a: MatRef<'_, f64>) -> Mat<f64> {
    use faer::linalg::qr::no_pivoting::factor;
    let (m, n) = a.shape();
    let size = m.min(n);
    if size == 0 {
        return Mat::zeros(0, n);
    }
    let mut qr = a.to_owned();
    let bs = factor::recommended_block_size::<f64>(m, n);
    let mut coeff = Mat::<f64>::zeros(bs, size);
    let mut buf = MemBuffer::new(factor::qr_in_place_scratch::<f64>(
        m,
        n,
        bs,
        Par::Seq,
        Default::default(),
    ));
    factor::qr_in_place(
        qr.as_mut(),
        coeff.as_mut(),
        Par::Seq,
        MemStack::new(&mut buf),
        Default::default(),
    );
    Mat::from_fn(size, n, |i, j| if j >= i { qr[(i, j)] } else { 0.0 })
}

/// The `R` factor of `[x | y]` (`y` optional) by a two-level QR over fixed row blocks.
pub(crate) fn tall_qr(x: &Design, y: Option<&[f64]>) -> Mat<f64> {
    let n = x.n;
    let cols = x.p + usize::from(y.is_some());
    let block = |a: usize, b: usize| {
        Mat::from_fn(b - a, cols, |i, j| {
            if j < x.p {
                x.col(j)[a + i]
            } else {
                y.map_or(0.0, |y| y[a + i])
            }
        })
    };
    if n <= BLOCK_ROWS {
        return qr_r(block(0, n).as_ref());
    }
    let rs: Vec<Mat<f64>> = (0..n.div_ceil(BLOCK_ROWS))
        .into_par_iter()
        .map(|b| {
            let (a, e) = (b * BLOCK_ROWS, ((b + 1) * BLOCK_ROWS).min(n));
            qr_r(block(a, e).as_ref())
        })
        .collect();
    let total: usize = rs.iter().map(|r| r.nrows()).sum();
    let mut stacked = Mat::<f64>::zeros(total, cols);
    let mut row = 0;
    for r in &rs {
        stacked
            .as_mut()
            .subrows_mut(row, r.nrows())
            .copy_from(r.as_ref());
        row += r.nrows();
    }
    qr_r(stacked.as_ref())
}

/// A thin SVD on one thread: `(U, s, V)`.
pub(crate) fn svd(a: MatRef<'_, f64>) -> Result<(Mat<f64>, Vec<f64>, Mat<f64>)> {
    let (m, n) = a.shape();
    let size = m.min(n);
    let mut u = Mat::<f64>::zeros(m, size);
    let mut v = Mat::<f64>::zeros(n, size);
    let mut s = Diag::<f64>::zeros(size);
    if size > 0 {
        let mut buf = MemBuffer::new(faer::linalg::svd::svd_scratch::<f64>(
            m,
            n,
            ComputeSvdVectors::Thin,
            ComputeSvdVectors::Thin,
            Par::Seq,
            Default::default(),
        ));
        faer::linalg::svd::svd(
            a,
            s.as_mut(),
            Some(u.as_mut()),
            Some(v.as_mut()),
            Par::Seq,
            MemStack::new(&mut buf),
            Default::default(),
        )
        .map_err(|e| Error::InvalidData(format!("the SVD did not converge ({e:?})")))?;
    }
    let sv = s.column_vector();
    let s = (0..size).map(|i| sv[i]).collect();
    Ok((u, s, v))
}

/// The factors of a least-squares problem reduced by [`tall_qr`]: `X = Q·R`, `z = Qᵀy`.
pub(crate) struct Reduced {
    /// `R`, `k × p` with `k = min(rows, p)`.
    pub r: Mat<f64>,
    /// `Qᵀy`, `k` values.
    pub z: Vec<f64>,
}

/// Reduce `min ‖y − X w‖` to `min ‖z − R w‖` (same minimisers).
pub(crate) fn reduce(x: &Design, y: &[f64]) -> Reduced {
    let raug = tall_qr(x, Some(y));
    let k = raug.nrows().min(x.p);
    let r = Mat::from_fn(k, x.p, |i, j| raug[(i, j)]);
    let z = (0..k).map(|i| raug[(i, x.p)]).collect();
    Reduced { r, z }
}

/// The result of [`lstsq`].
pub(crate) struct Lstsq {
    /// The minimum-norm solution.
    pub coef: Vec<f64>,
    /// The effective rank.
    pub rank: usize,
    /// The singular values of `X`, non-increasing.
    pub singular: Vec<f64>,
}

/// `w = V · diag(f(s)) · Uᵀ z` for the SVD `R = U·diag(s)·Vᵀ`.
fn svd_apply(red: &Reduced, f: impl Fn(f64) -> f64) -> Result<(Vec<f64>, Vec<f64>)> {
    let (u, s, v) = svd(red.r.as_ref())?;
    let p = red.r.ncols();
    let mut coef = vec![0.0; p];
    for (k, &sk) in s.iter().enumerate() {
        let d = f(sk);
        if d == 0.0 {
            continue;
        }
        let utz: f64 = (0..u.nrows()).map(|i| u[(i, k)] * red.z[i]).sum();
        let c = d * utz;
        for (j, w) in coef.iter_mut().enumerate() {
            *w += v[(j, k)] * c;
        }
    }
    Ok((coef, s))
}

/// Minimum-norm least squares as `scipy.linalg.lstsq(X, y, cond)`: singular values
/// `≤ cond · s_max` are treated as zero.
pub(crate) fn lstsq(x: &Design, y: &[f64], cond: f64) -> Result<Lstsq> {
    let red = reduce(x, y);
    let (_, s0, _) = svd(red.r.as_ref())?;
    let smax = s0.first().copied().unwrap_or(0.0);
    let cut = cond * smax;
    let (coef, singular) = svd_apply(&red, |s| if s > cut { 1.0 / s } else { 0.0 })?;
    let rank = singular.iter().filter(|&&s| s > cut).count();
    Ok(Lstsq {
        coef,
        rank,
        singular,
    })
}

/// Ridge by SVD, as scikit-learn's `_solve_svd`: `w = V · diag(s / (s² + α)) · Uᵀ y` over the
/// singular values `s > 1e-15`.
pub(crate) fn ridge_svd(x: &Design, y: &[f64], alpha: f64) -> Result<Vec<f64>> {
    let red = reduce(x, y);
    Ok(svd_apply(&red, |s| if s > 1e-15 { s / (s * s + alpha) } else { 0.0 })?.0)
}

/// Solve `A w = b` for a symmetric positive definite `A` by Cholesky; `None` when `A` is not
/// numerically positive definite.
pub(crate) fn solve_spd(a: &Mat<f64>, b: &[f64]) -> Option<Vec<f64>> {
    use faer::linalg::solvers::Solve;
    let llt = a.llt(Side::Lower).ok()?;
    let rhs = Mat::from_fn(b.len(), 1, |i, _| b[i]);
    let sol = llt.solve(rhs.as_ref());
    let w: Vec<f64> = (0..b.len()).map(|i| sol[(i, 0)]).collect();
    w.iter().all(|v| v.is_finite()).then_some(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::data::design_from;
    use ndarray::Array2;

    #[test]
    fn lstsq_solves_exact_system() {
        let x = ndarray::array![[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]];
        let d = design_from(x.view());
        let y = [1.0, 4.0, 3.0];
        let s = lstsq(&d, &y, 1e-12).unwrap();
        assert!((s.coef[0] - 1.0).abs() < 1e-12 && (s.coef[1] - 2.0).abs() < 1e-12);
        assert_eq!(s.rank, 2);
    }

    #[test]
    fn lstsq_minimum_norm_on_duplicated_column() {
        // y = 2·x, x duplicated: the minimum-norm solution splits the weight evenly.
        let x = Array2::from_shape_fn((5, 2), |(i, _)| i as f64 + 1.0);
        let d = design_from(x.view());
        let y: Vec<f64> = (1..=5).map(|i| 2.0 * i as f64).collect();
        let s = lstsq(&d, &y, 1e-6).unwrap();
        assert_eq!(s.rank, 1);
        assert!((s.coef[0] - 1.0).abs() < 1e-12 && (s.coef[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn tall_qr_blocks_agree_with_one_qr() {
        let n = BLOCK_ROWS * 2 + 17;
        let x = Array2::from_shape_fn((n, 3), |(i, j)| ((i * (j + 3)) % 11) as f64 - 5.0);
        let d = design_from(x.view());
        let y: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
        let a = lstsq(&d, &y, 1e-12).unwrap().coef;
        let direct = Mat::from_fn(n, 3, |i, j| x[[i, j]]);
        let xtx = direct.transpose() * &direct;
        let xty: Vec<f64> = (0..3)
            .map(|j| (0..n).map(|i| x[[i, j]] * y[i]).sum())
            .collect();
        let b = solve_spd(&xtx, &xty).unwrap();
        for (u, v) in a.iter().zip(&b) {
            assert!((u - v).abs() < 1e-9 * v.abs().max(1.0), "{u} vs {v}");
        }
    }
}
