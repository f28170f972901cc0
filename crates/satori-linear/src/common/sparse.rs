//! Sparse (CSR) input shared by the linear models: the checks of `fit_csr`, a row view over a
//! dense or CSR matrix for the row-wise solvers (logistic regression, SGD), and the two products
//! the iterative least-squares solvers need, `X·v` and `Xᵀ·r`, computed through the CSR
//! structure (never densified).
//!
//! The products run on rayon over fixed row chunks; `Xᵀ·r` sums the per-chunk partial vectors in
//! chunk order, so every result is the same bit for bit at any thread count.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;
use satori_core::{CsMat, Error, Result, Target, check_features_csr};

/// Rows per parallel chunk of the sparse products (fixed: reductions do not depend on threads).
pub(crate) const CSR_CHUNK: usize = 2048;

/// A feature matrix the row-wise solvers read: dense (row-major view) or CSR.
#[derive(Clone, Copy)]
pub(crate) enum XRef<'a> {
    /// A dense matrix.
    Dense(ArrayView2<'a, f64>),
    /// A CSR matrix (checked with [`check_fit_csr`] or [`check_features_csr`]).
    Csr(&'a CsMat<f64>),
}

impl XRef<'_> {
    /// Number of rows.
    pub fn nrows(&self) -> usize {
        match self {
            XRef::Dense(x) => x.nrows(),
            XRef::Csr(x) => x.rows(),
        }
    }

    /// Number of columns (features).
    pub fn ncols(&self) -> usize {
        match self {
            XRef::Dense(x) => x.ncols(),
            XRef::Csr(x) => x.cols(),
        }
    }
}

/// The stored entries of row `i` of a CSR matrix (or column `i` of a CSC one): indices and
/// values; empty out of range.
pub(crate) fn csr_row(x: &CsMat<f64>, i: usize) -> (&[usize], &[f64]) {
    if i >= x.outer_dims() {
        return (&[], &[]);
    }
    let r = x.indptr().outer_inds_sz(i);
    match (x.indices().get(r.clone()), x.data().get(r)) {
        (Some(idx), Some(val)) => (idx, val),
        _ => (&[], &[]),
    }
}

/// `Σ_k coef[idx_k] · val_k` in storage order (the sparse dot product of scikit-learn's kernels).
#[inline]
pub(crate) fn sparse_dot(idx: &[usize], val: &[f64], coef: &[f64]) -> f64 {
    let mut s = 0.0;
    for (&j, &v) in idx.iter().zip(val) {
        s += coef[j] * v;
    }
    s
}

/// `out[idx_k] += d · val_k`.
#[inline]
pub(crate) fn sparse_axpy(out: &mut [f64], d: f64, idx: &[usize], val: &[f64]) {
    for (&j, &v) in idx.iter().zip(val) {
        out[j] += d * v;
    }
}

/// The first entry of `x` whose column index is out of range (a malformed matrix), if any.
fn bad_index(x: &CsMat<f64>) -> Option<usize> {
    x.indices().iter().copied().find(|&j| j >= x.cols())
}

/// The checks every `fit_csr` shares: CSR storage, finite stored values, at least one row, a
/// target with one entry per row, and sample weights (one per row, finite, ≥ 0, positive sum).
/// Returns the weights as a vector, if any.
pub(crate) fn check_fit_csr(
    x: &CsMat<f64>,
    target: &Target,
    weights: Option<ArrayView1<'_, f64>>,
    model: &str,
) -> Result<Option<Vec<f64>>> {
    check_features_csr(x, None)?;
    if let Some(j) = bad_index(x) {
        return Err(Error::InvalidData(format!(
            "{model}: the CSR matrix holds column index {j} for {} columns",
            x.cols()
        )));
    }
    if x.rows() == 0 {
        return Err(Error::NotEnoughSamples {
            context: format!("fitting {model} on a sparse matrix"),
            needed: 1,
            got: 0,
        });
    }
    if target.len() != x.rows() {
        return Err(Error::ShapeMismatch {
            context: format!("{model}: target length (one value per row of the sparse matrix)"),
            expected: x.rows(),
            got: target.len(),
        });
    }
    let Some(w) = weights else {
        return Ok(None);
    };
    if w.len() != x.rows() {
        return Err(Error::ShapeMismatch {
            context: format!("{model}: sample weight length (one per row of the sparse matrix)"),
            expected: x.rows(),
            got: w.len(),
        });
    }
    if let Some(v) = w.iter().find(|v| !v.is_finite() || **v < 0.0) {
        return Err(Error::InvalidData(format!(
            "sample weights must be finite and non-negative, found {v}"
        )));
    }
    let sum: f64 = w.iter().sum();
    if sum.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(Error::InvalidData(format!(
            "{model} needs sample weights with a positive sum"
        )));
    }
    Ok(Some(w.to_vec()))
}

/// The checks of `predict_csr`: CSR storage, `expected` columns, finite values, valid indices.
pub(crate) fn check_predict_csr(x: &CsMat<f64>, expected: usize, model: &str) -> Result<()> {
    check_features_csr(x, Some(expected))?;
    if let Some(j) = bad_index(x) {
        return Err(Error::InvalidData(format!(
            "{model}: the CSR matrix holds column index {j} for {} columns",
            x.cols()
        )));
    }
    Ok(())
}

/// `X·v + b` for a CSR `x`, one value per row (rows in parallel; each row sums in storage order).
pub(crate) fn csr_matvec(x: &CsMat<f64>, v: &[f64], b: f64) -> Vec<f64> {
    let mut out = vec![0.0; x.rows()];
    out.par_chunks_mut(CSR_CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            for (r, o) in chunk.iter_mut().enumerate() {
                let (idx, val) = csr_row(x, c * CSR_CHUNK + r);
                *o = sparse_dot(idx, val, v) + b;
            }
        });
    out
}

/// Raw scores of linear functions on a CSR `x`: column `k` is [`csr_matvec`] with the `k`-th
/// `(coefficients, intercept)` pair.
pub(crate) fn csr_scores<'c>(
    x: &CsMat<f64>,
    coefs: impl ExactSizeIterator<Item = (&'c [f64], f64)>,
) -> Array2<f64> {
    let mut out = Array2::zeros((x.rows(), coefs.len()));
    for (k, (w, b)) in coefs.enumerate() {
        out.column_mut(k).assign(&Array1::from(csr_matvec(x, w, b)));
    }
    out
}

/// `Xᵀ·r` for a CSR `x` (`r` one value per row): each fixed row chunk scatters into its own
/// partial vector, and the partials are added in chunk order (deterministic at any thread count).
pub(crate) fn csr_t_matvec(x: &CsMat<f64>, r: &[f64]) -> Vec<f64> {
    let (n, p) = (x.rows(), x.cols());
    let n_chunks = n.div_ceil(CSR_CHUNK).max(1);
    let parts: Vec<Vec<f64>> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            let mut acc = vec![0.0; p];
            let start = c * CSR_CHUNK;
            let end = (start + CSR_CHUNK).min(n);
            for (i, &ri) in r.iter().enumerate().take(end).skip(start) {
                let (idx, val) = csr_row(x, i);
                sparse_axpy(&mut acc, ri, idx, val);
            }
            acc
        })
        .collect();
    let mut out = vec![0.0; p];
    for part in &parts {
        for (o, v) in out.iter_mut().zip(part) {
            *o += v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn example() -> CsMat<f64> {
        // [[1, 0, 2], [0, 0, 0], [0, 3, 0]]
        CsMat::new((3, 3), vec![0, 2, 2, 3], vec![0, 2, 1], vec![1.0, 2.0, 3.0])
    }

    #[test]
    fn products_match_hand_computation() {
        let x = example();
        assert_eq!(
            csr_matvec(&x, &[1.0, 10.0, 100.0], 0.5),
            vec![201.5, 0.5, 30.5]
        );
        assert_eq!(csr_t_matvec(&x, &[1.0, 5.0, 2.0]), vec![1.0, 6.0, 2.0]);
        assert_eq!(csr_row(&x, 1), (&[][..], &[][..]));
        assert_eq!(csr_row(&x, 7), (&[][..], &[][..]));
    }

    #[test]
    fn fit_checks() {
        let x = example();
        let t = Target::regression(array![1.0, 2.0, 3.0]);
        assert!(check_fit_csr(&x, &t, None, "M").unwrap().is_none());
        let short = Target::regression(array![1.0, 2.0]);
        assert!(check_fit_csr(&x, &short, None, "M").is_err());
        let w = array![1.0, -1.0, 1.0];
        assert!(check_fit_csr(&x, &t, Some(w.view()), "M").is_err());
        let w = array![0.0, 0.0, 0.0];
        assert!(check_fit_csr(&x, &t, Some(w.view()), "M").is_err());
        let w = array![1.0, 1.0];
        assert!(check_fit_csr(&x, &t, Some(w.view()), "M").is_err());
        assert!(check_fit_csr(&x.to_csc(), &t, None, "M").is_err());
        let empty: CsMat<f64> = CsMat::zero((0, 3));
        let none = Target::regression(array![]);
        assert!(check_fit_csr(&empty, &none, None, "M").is_err());
        assert!(check_predict_csr(&x, 4, "M").is_err());
    }
}
