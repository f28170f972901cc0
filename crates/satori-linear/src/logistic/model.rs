//! The fitted [`LogisticRegression`] and its predictions.

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{Error, PredictProba, Predictor, Result, check_features};
use serde::{Deserialize, Serialize};

use super::objective::dot_row;
use crate::common::classes::{check_finite, expit, labels_from_scores};

/// A fitted logistic regression: coefficients and intercepts per fitted class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Row-major `(rows, n_features)` coefficients; one row for two classes.
    coef: Vec<f64>,
    rows: usize,
    intercept: Vec<f64>,
    classes: Vec<String>,
    /// The label codes of the fitted classes (those with training rows), ascending.
    fitted: Vec<usize>,
    n_features: usize,
    n_iter: usize,
    converged: bool,
}

impl LogisticRegression {
    pub(super) fn new(
        coef: Array2<f64>,
        intercept: Vec<f64>,
        classes: Vec<String>,
        fitted: Vec<usize>,
        n_iter: usize,
        converged: bool,
    ) -> Self {
        let (rows, n_features) = coef.dim();
        LogisticRegression {
            coef: coef.iter().copied().collect(),
            rows,
            intercept,
            classes,
            fitted,
            n_features,
            n_iter,
            converged,
        }
    }

    /// The coefficients: `(n_classes, n_features)` for the multinomial model, `(1, n_features)`
    /// (those of the second fitted class) for two classes — scikit-learn's `coef_`.
    pub fn coef(&self) -> Array2<f64> {
        Array2::from_shape_vec((self.rows, self.n_features), self.coef.clone())
            .unwrap_or_else(|_| Array2::zeros((0, self.n_features)))
    }

    /// The intercepts, one per row of [`coef`](Self::coef) (zeros without `fit_intercept`).
    pub fn intercept(&self) -> &[f64] {
        &self.intercept
    }

    /// Solver iterations done.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the solver met its tolerance within `max_iter` iterations.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The label codes of the classes the model was fitted on (those with training rows).
    pub fn fitted_classes(&self) -> &[usize] {
        &self.fitted
    }

    /// The most probable class's code per row of raw scores (the first on a tie).
    pub(super) fn labels_of(&self, scores: &Array2<f64>) -> Array1<f64> {
        labels_from_scores(scores, &self.fitted)
    }

    /// Class probabilities from raw scores: the logistic function of the score for two classes,
    /// the softmax of the scores otherwise; 0 for labels without training rows.
    pub(super) fn proba_of(&self, scores: &Array2<f64>) -> Array2<f64> {
        let mut out = Array2::zeros((scores.nrows(), self.classes.len()));
        for (i, s) in scores.outer_iter().enumerate() {
            if self.rows == 1 {
                let p1 = expit(s[0]);
                out[[i, self.fitted[0]]] = 1.0 - p1;
                out[[i, self.fitted[1]]] = p1;
            } else {
                let max = s.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
                let e: Vec<f64> = s.iter().map(|v| (v - max).exp()).collect();
                let sum: f64 = e.iter().sum();
                for (k, v) in e.iter().enumerate() {
                    out[[i, self.fitted[k]]] = v / sum;
                }
            }
        }
        out
    }

    /// Class `k`'s coefficients.
    pub(super) fn coef_row(&self, k: usize) -> &[f64] {
        &self.coef[k * self.n_features..(k + 1) * self.n_features]
    }

    /// Number of features.
    pub(super) fn n_features_in(&self) -> usize {
        self.n_features
    }

    /// Rows of [`coef`](Self::coef).
    pub(super) fn n_rows(&self) -> usize {
        self.rows
    }

    pub(super) fn check_model(&self) -> Result<()> {
        let ok = self.coef.len() == self.rows * self.n_features
            && self.intercept.len() == self.rows
            && self.fitted.len() >= 2
            && (self.rows == 1 && self.fitted.len() == 2 || self.rows == self.fitted.len())
            && self.fitted.iter().all(|&c| c < self.classes.len());
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidData(
                "this LogisticRegression is inconsistent (coefficient, intercept and class \
                 counts disagree); was the model file altered?"
                    .into(),
            ))
        }
    }

    /// The raw scores: `(n, 1)` for two classes (positive = second class), else `(n, n_classes)`
    /// — scikit-learn's `decision_function` (a column vector instead of a flat one for binary).
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_features(x, self.n_features)?;
        check_finite(x, "LogisticRegression")?;
        self.check_model()?;
        let mut out = Array2::zeros((x.nrows(), self.rows));
        for (i, row) in x.outer_iter().enumerate() {
            for k in 0..self.rows {
                let w = &self.coef[k * self.n_features..(k + 1) * self.n_features];
                out[[i, k]] = dot_row(row, w) + self.intercept[k];
            }
        }
        Ok(out)
    }
}

impl Predictor for LogisticRegression {
    fn n_features(&self) -> usize {
        self.n_features
    }

    /// The most probable class's code (as `f64`), the first on a tie.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let scores = self.decision_function(x)?;
        Ok(self.labels_of(&scores))
    }
}

impl PredictProba for LogisticRegression {
    fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Class probabilities: the logistic function of the score for two classes, the softmax of
    /// the scores otherwise; 0 for labels without training rows.
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let scores = self.decision_function(x)?;
        Ok(self.proba_of(&scores))
    }
}
