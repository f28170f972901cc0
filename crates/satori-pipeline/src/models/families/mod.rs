//! Each model family's place in the pipeline: its [`Family`] capabilities, how it fits with a
//! validation set or on sparse input, and what its fitted model gives ([`FittedFamily`]). One file
//! per model crate; every item of both traits is written out for every model.

mod baseline;
mod ensemble;
mod ftt;
mod gbm;
mod linear;
mod neighbors;
mod nn;
mod tree;

use ndarray::{Array2, ArrayView2};
use satori_core::{CsMat, Dataset, Error, PredictProba, Predictor, Result, SparsePredictor};

use super::{Capabilities, InputNeeds, Output, Role, single};

/// The capabilities of a single-target model that is not a network: every field given, the
/// rest of the list `false` (no history, no continuation, no transfer unless said).
#[allow(clippy::too_many_arguments)]
pub(crate) const fn caps(
    role: Role,
    needs: InputNeeds,
    sparse_input: bool,
    probabilities: bool,
    importances: bool,
    coefficients: bool,
    history: bool,
    stops_on_validation: bool,
) -> Capabilities {
    Capabilities {
        role,
        needs,
        sparse_input,
        probabilities,
        importances,
        coefficients,
        history,
        stops_on_validation,
        continues: false,
        transfers: false,
    }
}

/// Predictions and probabilities of a classifier that gives them.
pub(crate) fn with_proba<M: PredictProba>(m: &M, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
    let (predicted, proba) = m.predict_with_proba(x)?;
    Ok(single(predicted, Some(proba)))
}

/// Predictions of a model without probabilities (regressors).
pub(crate) fn values_only<M: Predictor>(m: &M, x: ArrayView2<'_, f64>) -> Result<Vec<Output>> {
    Ok(single(m.predict(x)?, None))
}

/// Outputs of a model that predicts from a sparse CSR matrix.
pub(crate) fn sparse_outputs<M: SparsePredictor>(m: &M, x: &CsMat<f64>) -> Result<Vec<Output>> {
    Ok(single(m.predict_csr(x)?, m.predict_proba_csr(x)?))
}

/// The error of a sparse matrix given to a dense-only model.
pub(crate) fn dense_only() -> Error {
    Error::InvalidData(
        "this model takes dense input only, and was given sparse text features".into(),
    )
}

/// The error of a sparse fit asked of a dense-only family (the pipeline never asks: it checks
/// [`Capabilities::sparse_input`] first).
pub(crate) fn no_sparse_fit<T>(_x: &CsMat<f64>, _data: &Dataset) -> Result<T> {
    Err(Error::Internal(
        "this model family takes dense input only".into(),
    ))
}

/// The error of a continuation asked of a family without one (the pipeline never asks: it checks
/// [`Capabilities::continues`] first).
pub(crate) fn no_continuation<T>() -> Result<T> {
    Err(Error::Internal(
        "this model family has no incremental update".into(),
    ))
}

/// Importances scaled to sum to 1 (all zero stays all zero).
pub(crate) fn normalised(v: Vec<f64>) -> Vec<f64> {
    let total: f64 = v.iter().sum();
    if total > 0.0 {
        v.into_iter().map(|x| x / total).collect()
    } else {
        v
    }
}

/// `|coef|` summed over classes (rows of a classes × features matrix).
pub(crate) fn column_magnitudes(coef: &Array2<f64>) -> Vec<f64> {
    coef.columns()
        .into_iter()
        .map(|c| c.iter().map(|v| v.abs()).sum())
        .collect()
}

#[cfg(test)]
mod tests;
