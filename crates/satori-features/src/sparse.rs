//! Sparse (CSR) helpers: conversions between [`sprs::CsMat`] and ndarray, the sparse-dense
//! products the randomized truncated SVD needs, column statistics without densifying, and
//! [`SparseMaxAbsScaler`] (scikit-learn's `MaxAbsScaler` on sparse input). The score functions
//! on CSR input live with the dense ones in [`crate::select`] ([`chi2_csr`] is re-exported here).
//!
//! Every function takes CSR or CSC matrices (a CSC input is converted to CSR first) and rejects
//! NaN and infinite stored values with [`Error::InvalidData`].
//!
//! ```
//! use ndarray::array;
//! use satori_features::sparse::{csr_from_dense, csr_to_dense};
//!
//! let x = array![[0.0, 2.0], [1.5, 0.0]];
//! let m = csr_from_dense(x.view());
//! assert_eq!(m.nnz(), 2);
//! assert_eq!(csr_to_dense(&m), x);
//! ```

use std::borrow::Cow;

use ndarray::{Array1, Array2, ArrayView2};
use rayon::prelude::*;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};
use sprs::CsMat;

/// Rows per parallel chunk of the sparse products (fixed, so results do not depend on threads).
const ROW_CHUNK: usize = 1024;

/// The CSR form of `m` (borrowed when it already is CSR).
pub fn as_csr(m: &CsMat<f64>) -> Cow<'_, CsMat<f64>> {
    if m.is_csr() {
        Cow::Borrowed(m)
    } else {
        Cow::Owned(m.to_csr())
    }
}

/// A CSR matrix holding the non-zero entries of `x` (explicit zeros dropped, NaN kept).
pub fn csr_from_dense(x: ArrayView2<'_, f64>) -> CsMat<f64> {
    let mut indptr = Vec::with_capacity(x.nrows() + 1);
    let mut indices = Vec::new();
    let mut data = Vec::new();
    indptr.push(0);
    for row in x.rows() {
        for (j, &v) in row.iter().enumerate() {
            if v != 0.0 {
                indices.push(j);
                data.push(v);
            }
        }
        indptr.push(indices.len());
    }
    CsMat::new((x.nrows(), x.ncols()), indptr, indices, data)
}

/// The dense form of a sparse matrix (duplicate entries are added).
pub fn csr_to_dense(m: &CsMat<f64>) -> Array2<f64> {
    let m = as_csr(m);
    let mut out = Array2::<f64>::zeros((m.rows(), m.cols()));
    for (i, row) in m.outer_iterator().enumerate() {
        for (j, &v) in row.iter() {
            out[[i, j]] += v;
        }
    }
    out
}

/// Build a CSR matrix from parts whose structure this crate guarantees (sorted, in-range
/// indices); a violation is an internal error, never a panic.
pub(crate) fn csr_from_parts(
    shape: (usize, usize),
    indptr: Vec<usize>,
    indices: Vec<usize>,
    data: Vec<f64>,
) -> Result<CsMat<f64>> {
    CsMat::try_new(shape, indptr, indices, data)
        .map_err(|(_, _, _, e)| Error::Internal(format!("invalid CSR structure: {e}")))
}

/// Reject NaN and infinite stored values of a sparse matrix (impute first).
pub(crate) fn require_finite_csr(m: &CsMat<f64>, step: &str) -> Result<()> {
    let m = as_csr(m);
    for (i, row) in m.outer_iterator().enumerate() {
        if let Some((j, v)) = row.iter().find(|(_, v)| !v.is_finite()) {
            let what = if v.is_nan() {
                format!(
                    "{step} does not accept missing values: row {i}, column {j} is NaN; impute \
                     them first"
                )
            } else {
                format!(
                    "{step} needs finite values: row {i}, column {j} is {v}; clip or remove \
                     infinite values first"
                )
            };
            return Err(Error::InvalidData(what));
        }
    }
    Ok(())
}

/// `A · B` for a CSR `a` (`n × p`) and a row-major dense `b` (`p × l`), as a row-major `n × l`
/// vector. Rows are computed in parallel, each independently (deterministic).
pub(crate) fn csr_dot_dense(a: &CsMat<f64>, b: &[f64], l: usize) -> Vec<f64> {
    let mut out = vec![0.0; a.rows() * l];
    if l == 0 {
        return out;
    }
    out.par_chunks_mut(ROW_CHUNK * l)
        .enumerate()
        .for_each(|(c, chunk)| {
            for (r, dst) in chunk.chunks_exact_mut(l).enumerate() {
                let Some(row) = a.outer_view(c * ROW_CHUNK + r) else {
                    continue;
                };
                for (j, &v) in row.iter() {
                    let src = &b[j * l..(j + 1) * l];
                    dst.iter_mut().zip(src).for_each(|(d, s)| *d += v * s);
                }
            }
        });
    out
}

/// `Aᵀ · B` for a CSR `a` (`n × p`) and a row-major dense `b` (`n × l`), as a row-major `p × l`
/// vector. Row blocks (a fixed number that depends only on the shape) scatter into their own
/// partial results, which are added in block order: the same bits at any thread count.
pub(crate) fn csr_t_dot_dense(a: &CsMat<f64>, b: &[f64], l: usize) -> Vec<f64> {
    let (n, p) = (a.rows(), a.cols());
    let size = p * l;
    // At most 8 blocks, and at most 2^24 values of partial results in all.
    let blocks = n
        .div_ceil(4 * ROW_CHUNK)
        .min(8)
        .min((1 << 24) / size.max(1))
        .max(1);
    let rows_per = n.div_ceil(blocks).max(1);
    let partials: Vec<Vec<f64>> = (0..blocks)
        .into_par_iter()
        .map(|blk| {
            let mut acc = vec![0.0; size];
            for i in blk * rows_per..((blk + 1) * rows_per).min(n) {
                let Some(row) = a.outer_view(i) else {
                    continue;
                };
                let src = &b[i * l..(i + 1) * l];
                for (j, &v) in row.iter() {
                    let dst = &mut acc[j * l..(j + 1) * l];
                    dst.iter_mut().zip(src).for_each(|(d, s)| *d += v * s);
                }
            }
            acc
        })
        .collect();
    let mut iter = partials.into_iter();
    let mut total = iter.next().unwrap_or_else(|| vec![0.0; size]);
    for part in iter {
        total.iter_mut().zip(&part).for_each(|(t, v)| *t += v);
    }
    total
}

/// Per-column mean and variance (ddof = 0) of a CSR matrix, counting the implicit zeros, as
/// scikit-learn's `mean_variance_axis(X, axis=0)`: the squared deviations of the stored values
/// plus `(n − nnz_j) · mean_j²` for the zeros.
pub(crate) fn csr_column_mean_var(a: &CsMat<f64>) -> (Array1<f64>, Array1<f64>) {
    let (n, p) = (a.rows(), a.cols());
    let mut sum = vec![0.0; p];
    let mut count = vec![0usize; p];
    for row in a.outer_iterator() {
        for (j, &v) in row.iter() {
            sum[j] += v;
            count[j] += 1;
        }
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / n.max(1) as f64).collect();
    let mut sq = vec![0.0; p];
    for row in a.outer_iterator() {
        for (j, &v) in row.iter() {
            let d = v - mean[j];
            sq[j] += d * d;
        }
    }
    let var = (0..p)
        .map(|j| (sq[j] + (n - count[j]) as f64 * mean[j] * mean[j]) / n.max(1) as f64)
        .collect::<Vec<_>>();
    (Array1::from(mean), Array1::from(var))
}

/// A fitted max-abs scaler for sparse input: scikit-learn's `MaxAbsScaler` on a CSR matrix.
/// Each column is divided by its largest absolute value (1 for an all-zero column), which keeps
/// zeros zero, so the output stays sparse with the same structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SparseMaxAbsScaler {
    max_abs: Vec<f64>,
    scale: Vec<f64>,
}

impl SparseMaxAbsScaler {
    /// Fit on a sparse matrix (at least one row; finite values).
    pub fn fit(x: &CsMat<f64>) -> Result<Self> {
        require_finite_csr(x, "MaxAbsScaler")?;
        if x.rows() == 0 {
            return Err(Error::NotEnoughSamples {
                context: "fitting MaxAbsScaler".into(),
                needed: 1,
                got: 0,
            });
        }
        let x = as_csr(x);
        let mut max_abs = vec![0.0f64; x.cols()];
        for row in x.outer_iterator() {
            for (j, &v) in row.iter() {
                max_abs[j] = max_abs[j].max(v.abs());
            }
        }
        let scale = max_abs
            .iter()
            .map(|&m| if m == 0.0 { 1.0 } else { m })
            .collect();
        Ok(SparseMaxAbsScaler { max_abs, scale })
    }

    /// `max_abs_`: the largest absolute value of each column.
    pub fn max_abs(&self) -> &[f64] {
        &self.max_abs
    }

    /// `scale_`: the divisor of each column (`max_abs_`, with 0 replaced by 1).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Divide each stored value by its column's scale; the result has `x`'s structure.
    pub fn transform(&self, x: &CsMat<f64>) -> Result<CsMat<f64>> {
        if x.cols() != self.scale.len() {
            return Err(Error::ShapeMismatch {
                context: "number of columns for MaxAbsScaler".into(),
                expected: self.scale.len(),
                got: x.cols(),
            });
        }
        require_finite_csr(x, "MaxAbsScaler")?;
        let mut out = as_csr(x).into_owned();
        for mut row in out.outer_iterator_mut() {
            for (j, v) in row.iter_mut() {
                *v /= self.scale[j];
            }
        }
        Ok(out)
    }

    /// Undo [`SparseMaxAbsScaler::transform`].
    pub fn inverse_transform(&self, x: &CsMat<f64>) -> Result<CsMat<f64>> {
        if x.cols() != self.scale.len() {
            return Err(Error::ShapeMismatch {
                context: "number of columns for MaxAbsScaler inverse_transform".into(),
                expected: self.scale.len(),
                got: x.cols(),
            });
        }
        let mut out = as_csr(x).into_owned();
        for mut row in out.outer_iterator_mut() {
            for (j, v) in row.iter_mut() {
                *v *= self.scale[j];
            }
        }
        Ok(out)
    }
}

/// `sklearn.feature_selection.chi2` on a sparse count matrix; defined beside the dense score
/// functions as [`crate::select::chi2_csr`].
pub use crate::select::chi2_csr;

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn products_match_dense() {
        let x = array![
            [0.0, 2.0, 0.0],
            [1.0, 0.0, -3.0],
            [0.0, 0.0, 0.0],
            [4.0, 5.0, 6.0]
        ];
        let m = csr_from_dense(x.view());
        let b = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let got = csr_dot_dense(&m, b.as_slice().unwrap(), 2);
        assert_eq!(got, x.dot(&b).into_raw_vec_and_offset().0);
        let c = array![[1.0], [2.0], [3.0], [4.0]];
        let got = csr_t_dot_dense(&m, c.as_slice().unwrap(), 1);
        assert_eq!(got, x.t().dot(&c).into_raw_vec_and_offset().0);
        let (mean, var) = csr_column_mean_var(&m);
        for j in 0..3 {
            let col = x.column(j);
            let mu = col.mean().unwrap();
            assert!((mean[j] - mu).abs() < 1e-15);
            assert!((var[j] - col.var(0.0)).abs() < 1e-12);
        }
    }

    #[test]
    fn non_finite_is_rejected() {
        let m = csr_from_dense(array![[0.0, f64::NAN]].view());
        let e = require_finite_csr(&m, "X").unwrap_err().to_string();
        assert!(e.contains("impute"), "{e}");
    }
}
