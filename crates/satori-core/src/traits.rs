//! The estimator traits: unfitted parameters fit into fitted models.

use std::fmt::Debug;

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Serialize, de::DeserializeOwned};

use crate::{Dataset, Error, NoProgress, Progress, Result};

/// Hyperparameters: plain data with documented defaults, validated in one place.
pub trait Params: Clone + Debug + Default + Serialize + DeserializeOwned + Send + Sync {
    /// Check every field against its documented range; the error names the field.
    fn validate(&self) -> Result<()>;
}

/// Parameters that fit into a model. `fit` never mutates the parameters.
pub trait Estimator: Params {
    /// The fitted model.
    type Model;

    /// Fit on a dataset.
    fn fit(&self, data: &Dataset) -> Result<Self::Model> {
        self.fit_with_progress(data, &NoProgress)
    }

    /// Fit on a dataset, reporting progress.
    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<Self::Model>;
}

/// A fitted model that predicts one value per row: a class code (as `f64`) for classifiers, the
/// predicted value for regressors. Never panics on bad input.
pub trait Predictor {
    /// The number of feature columns the model expects.
    fn n_features(&self) -> usize;

    /// Predict one value per row of `x`.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>>;
}

/// A fitted classifier that gives class probabilities.
pub trait PredictProba: Predictor {
    /// The class labels, in column order of [`PredictProba::predict_proba`].
    fn classes(&self) -> &[String];

    /// One row of class probabilities per input row; each row sums to 1.
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>>;

    /// [`Predictor::predict`] and [`PredictProba::predict_proba`] of the same rows in one call,
    /// equal to calling each. The default calls each; a model whose prediction is read off its
    /// probabilities (the most probable class) overrides it to compute them once — half the
    /// work where both are wanted, as in scoring a validation fold.
    fn predict_with_proba(&self, x: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array2<f64>)> {
        Ok((self.predict(x)?, self.predict_proba(x)?))
    }
}

/// A fitted model that predicts several targets at once (scikit-learn's 2-D `y`): one column per
/// target, in the order of the dataset's targets. Never panics on bad input.
pub trait MultiOutputPredictor {
    /// The number of feature columns the model expects.
    fn n_features(&self) -> usize;

    /// The number of targets it predicts.
    fn n_outputs(&self) -> usize;

    /// One row of predictions per input row, one column per target: the class code (as `f64`)
    /// for a classification target, the value for a regression target.
    fn predict_outputs(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>>;
}

/// A fitted transformation of feature matrices.
pub trait Transformer {
    /// The number of columns it takes.
    fn n_features_in(&self) -> usize;

    /// The names of the columns it produces, given the names of those it takes.
    fn feature_names_out(&self, input: &[String]) -> Vec<String>;

    /// Transform `x`.
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>>;
}

/// Check that `x` has `expected` columns; the shared first line of every `predict`.
pub fn check_features(x: ArrayView2<'_, f64>, expected: usize) -> Result<()> {
    if x.ncols() != expected {
        return Err(Error::ShapeMismatch {
            context: "number of feature columns".into(),
            expected,
            got: x.ncols(),
        });
    }
    Ok(())
}
