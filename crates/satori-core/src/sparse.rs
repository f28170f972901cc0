//! Sparse (CSR) input: the traits a model implements to fit and predict without densifying.
//!
//! Text vectorisers, feature hashing and sparse one-hot encoding produce compressed sparse row
//! matrices (`sprs::CsMat<f64>` in CSR storage, explicit zeros allowed, no `NaN`). A model that
//! can learn from them implements [`SparseEstimator`] for its parameters and [`SparsePredictor`]
//! for the fitted model; the pipeline then feeds it the sparse matrix directly.

use ndarray::{Array1, Array2, ArrayView1};
pub use sprs::CsMat;

use crate::{Error, Estimator, Result, Target};

/// Parameters that can fit on a sparse CSR feature matrix.
pub trait SparseEstimator: Estimator {
    /// Fit on `x` (CSR, `n_samples × n_features`) with `target` and optional per-row `weights`;
    /// the same model as [`Estimator::fit`] on the densified matrix, to the solver's tolerance.
    fn fit_csr(
        &self,
        x: &CsMat<f64>,
        target: &Target,
        weights: Option<ArrayView1<'_, f64>>,
    ) -> Result<Self::Model>;
}

/// A fitted model that predicts from a sparse CSR feature matrix.
pub trait SparsePredictor {
    /// One prediction per row of `x`: class codes (as `f64`) for classifiers, values for
    /// regressors.
    fn predict_csr(&self, x: &CsMat<f64>) -> Result<Array1<f64>>;

    /// Class probabilities per row, for classifiers that give them; `None` otherwise.
    fn predict_proba_csr(&self, x: &CsMat<f64>) -> Result<Option<Array2<f64>>> {
        let _ = x;
        Ok(None)
    }
}

/// Check that `x` is CSR with `expected` columns and finite stored values; the shared first line
/// of every `predict_csr`/`fit_csr`.
pub fn check_features_csr(x: &CsMat<f64>, expected: Option<usize>) -> Result<()> {
    if !x.is_csr() {
        return Err(Error::InvalidData(
            "sparse input must be in CSR storage (convert with `to_csr()`)".into(),
        ));
    }
    if let Some(expected) = expected
        && x.cols() != expected
    {
        return Err(Error::ShapeMismatch {
            context: "number of feature columns".into(),
            expected,
            got: x.cols(),
        });
    }
    if x.data().iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidData(
            "sparse input holds a NaN or infinite value; impute before a sparse model".into(),
        ));
    }
    Ok(())
}

/// The rows `rows` of a CSR matrix, in that order (repeats allowed); every row must be in range
/// (callers check it, as [`crate::Dataset::select_rows`] does).
pub fn select_rows(m: &CsMat<f64>, rows: &[usize]) -> CsMat<f64> {
    let mut indptr = Vec::with_capacity(rows.len() + 1);
    let mut indices = Vec::new();
    let mut data = Vec::new();
    indptr.push(0);
    for &r in rows {
        if let Some(row) = m.outer_view(r) {
            indices.extend_from_slice(row.indices());
            data.extend_from_slice(row.data());
        }
        indptr.push(indices.len());
    }
    CsMat::new((rows.len(), m.cols()), indptr, indices, data)
}
