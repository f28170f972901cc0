//! [`LdaParams`] → [`Lda`]: scikit-learn's `LinearDiscriminantAnalysis`, a supervised
//! projection onto the directions that best separate the classes, and a linear classifier.
//!
//! Solvers (`solver`):
//!
//! - `svd` (default): scikit-learn's `_solve_svd`: the within-class centred data, scaled by
//!   each feature's within-class standard deviation, are decomposed by SVD (directions with a
//!   singular value ≤ `tol` are dropped), then the class centres are decomposed in that space.
//!   No covariance matrix is formed, so it works with collinear features. Transform:
//!   `(X − xbar_) · scalings_`.
//! - `eigen`: the generalized symmetric eigenproblem `Sb·v = λ·Sw·v` of the between-class and
//!   within-class covariances, with optional `shrinkage` of the covariances (`auto` =
//!   Ledoit-Wolf on standardized features, or a fixed value in [0, 1]). `Sw` must be positive
//!   definite (else use `svd` or shrinkage). Transform: `X · scalings_`.
//!
//! Both give scikit-learn's `explained_variance_ratio_`, `means_`, `priors_`, `coef_` and
//! `intercept_` (for two classes a single row: class 1 minus class 0), and the transform up to
//! the sign of each component: satori makes each column of `scalings_` have its
//! largest-magnitude entry positive, where scikit-learn keeps LAPACK's sign.
//!
//! As a classifier, `predict_proba` is the logistic function of the decision value for two
//! classes and the softmax of the decision values for more (scikit-learn's), and `predict` the
//! most probable class code.
//!
//! **Classes**: the target's full label list is [`PredictProba::classes`]; a label without
//! training rows gets probability 0 and is never predicted (scikit-learn's `classes_` holds only
//! the labels present). `priors`, when given, has one entry per label (entries of absent labels
//! are ignored) and is renormalised when it does not sum to 1 (within 1e-5, as scikit-learn).
//! Sample weights are not supported (as in scikit-learn): weights other than all equal are an
//! error. NaN and infinities are rejected (impute first).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target, Transformer};
//! use satori_features::LdaParams;
//!
//! let x = array![[1.0, 2.0], [2.0, 1.0], [1.5, 1.6], [6.0, 5.0], [5.0, 6.0], [5.5, 5.4]];
//! let y = Target::classes(array![0, 0, 0, 1, 1, 1], vec!["a".into(), "b".into()]).unwrap();
//! let data = Dataset::new(x.clone(), vec!["u".into(), "v".into()]).unwrap().with_target(y).unwrap();
//! let lda = LdaParams::default().fit(&data).unwrap();
//! assert_eq!(lda.transform(x.view()).unwrap().ncols(), 1); // n_classes − 1 components
//! assert_eq!(lda.predict(x.view()).unwrap().to_vec(), vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
//! assert!(lda.predict_proba(x.view()).unwrap()[[5, 1]] > 0.99);
//! ```

mod fit;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use satori_core::{Error, Params, PredictProba, Predictor, Result, Transformer};
use serde::{Deserialize, Serialize};

use crate::check::check_transform_input;

/// The LDA solver (scikit-learn's `solver`; `lsqr` is not provided: it cannot transform).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LdaSolver {
    /// SVD of the scaled within-class data (no covariance matrix; no shrinkage).
    #[default]
    Svd,
    /// Generalized eigendecomposition of the between- and within-class covariances.
    Eigen,
}

/// Covariance shrinkage of the `eigen` solver: `"auto"` (Ledoit-Wolf) or a value in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shrinkage {
    /// The Ledoit-Wolf shrinkage of the standardized features.
    Auto,
    /// A fixed shrinkage towards `trace(S)/p · I`, in [0, 1].
    Value(f64),
}

impl Serialize for Shrinkage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Shrinkage::Auto => s.serialize_str("auto"),
            Shrinkage::Value(v) => s.serialize_f64(*v),
        }
    }
}

impl<'de> Deserialize<'de> for Shrinkage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Word(String),
            Value(f64),
        }
        match Repr::deserialize(d)? {
            Repr::Word(w) if w == "auto" => Ok(Shrinkage::Auto),
            Repr::Word(w) => Err(serde::de::Error::custom(format!(
                "shrinkage must be \"auto\" or a number in [0, 1], got \"{w}\""
            ))),
            Repr::Value(v) => Ok(Shrinkage::Value(v)),
        }
    }
}

/// Parameters of [`Lda`], with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct LdaParams {
    /// `svd` or `eigen`. Default `svd`.
    pub solver: LdaSolver,
    /// Covariance shrinkage of the `eigen` solver: none, `"auto"` or a value in [0, 1]. Not
    /// allowed with `svd`. Default none.
    pub shrinkage: Option<Shrinkage>,
    /// Class prior probabilities, one per label of the target, non-negative; none estimates
    /// them from the class proportions. Default none.
    pub priors: Option<Vec<f64>>,
    /// Number of components of the transform, at least 1 and at most
    /// `min(n_classes − 1, n_features)` (checked at fit); none keeps that maximum. Default none.
    pub n_components: Option<usize>,
    /// `svd` solver: singular values at or below this are treated as zero (rank detection);
    /// at least 0. Default 1e-4.
    pub tol: f64,
}

impl Default for LdaParams {
    fn default() -> Self {
        LdaParams {
            solver: LdaSolver::Svd,
            shrinkage: None,
            priors: None,
            n_components: None,
            tol: 1e-4,
        }
    }
}

impl Params for LdaParams {
    fn validate(&self) -> Result<()> {
        match (self.solver, self.shrinkage) {
            (LdaSolver::Svd, Some(_)) => {
                return Err(Error::param(
                    "shrinkage",
                    "is not supported by the `svd` solver; use solver = \"eigen\"",
                ));
            }
            (_, Some(Shrinkage::Value(v))) if !(0.0..=1.0).contains(&v) => {
                return Err(Error::param(
                    "shrinkage",
                    format!("must be \"auto\" or in [0, 1], got {v}"),
                ));
            }
            _ => {}
        }
        if let Some(p) = &self.priors
            && let Some(v) = p.iter().find(|v| !(v.is_finite() && **v >= 0.0))
        {
            return Err(Error::param(
                "priors",
                format!("must be finite and non-negative, got {v}"),
            ));
        }
        if self.n_components == Some(0) {
            return Err(Error::param("n_components", "must be at least 1, got 0"));
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return Err(Error::param(
                "tol",
                format!("must be finite and at least 0, got {}", self.tol),
            ));
        }
        Ok(())
    }
}

/// A fitted linear discriminant analysis: scikit-learn's fitted attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lda {
    solver: LdaSolver,
    labels: Vec<String>,
    /// The label codes with training rows (scikit-learn's `classes_`), increasing.
    present: Vec<usize>,
    means: Array2<f64>,
    priors: Array1<f64>,
    xbar: Array1<f64>,
    scalings: Array2<f64>,
    coef: Array2<f64>,
    intercept: Array1<f64>,
    explained_variance_ratio: Array1<f64>,
    n_components: usize,
}

impl Lda {
    /// `scalings_`: the projection (`n_features × rank`); the transform uses its first
    /// `n_components` columns.
    pub fn scalings(&self) -> ArrayView2<'_, f64> {
        self.scalings.view()
    }

    /// `explained_variance_ratio_`: each component's share of the between-class variance.
    pub fn explained_variance_ratio(&self) -> ArrayView1<'_, f64> {
        self.explained_variance_ratio.view()
    }

    /// `means_`: the class means (one row per class with training rows, in code order).
    pub fn means(&self) -> ArrayView2<'_, f64> {
        self.means.view()
    }

    /// `priors_`: the class priors (classes with training rows, in code order).
    pub fn priors(&self) -> ArrayView1<'_, f64> {
        self.priors.view()
    }

    /// `xbar_`: the prior-weighted mean of the class means (`svd` solver; zeros for `eigen`).
    pub fn xbar(&self) -> ArrayView1<'_, f64> {
        self.xbar.view()
    }

    /// `coef_`: one row per class with training rows, or one row (class 1 − class 0) for two.
    pub fn coef(&self) -> ArrayView2<'_, f64> {
        self.coef.view()
    }

    /// `intercept_`, matching [`Lda::coef`].
    pub fn intercept(&self) -> ArrayView1<'_, f64> {
        self.intercept.view()
    }

    /// The label codes with training rows (scikit-learn's `classes_`).
    pub fn present_classes(&self) -> &[usize] {
        &self.present
    }

    /// The number of components of the transform.
    pub fn n_components(&self) -> usize {
        self.n_components
    }

    /// scikit-learn's `decision_function`: `X · coef_ᵀ + intercept_` (one column for two
    /// classes).
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_transform_input(x, self.means.ncols(), "LinearDiscriminantAnalysis")?;
        let mut d = x.dot(&self.coef.t());
        d += &self.intercept;
        Ok(d)
    }

    /// Probabilities over the present classes (scikit-learn's `predict_proba`).
    fn proba_present(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let d = self.decision_function(x)?;
        if self.present.len() == 2 {
            let mut out = Array2::<f64>::zeros((x.nrows(), 2));
            for (i, v) in d.column(0).iter().enumerate() {
                let p = 1.0 / (1.0 + (-v).exp());
                out[[i, 0]] = 1.0 - p;
                out[[i, 1]] = p;
            }
            return Ok(out);
        }
        let mut out = d;
        for mut row in out.axis_iter_mut(Axis(0)) {
            let max = row.fold(f64::NEG_INFINITY, |m, v| m.max(*v));
            row.mapv_inplace(|v| (v - max).exp());
            let sum = row.sum();
            row.mapv_inplace(|v| v / sum);
        }
        Ok(out)
    }
}

impl Transformer for Lda {
    fn n_features_in(&self) -> usize {
        self.means.ncols()
    }

    /// scikit-learn's names: `lineardiscriminantanalysis0`, …
    fn feature_names_out(&self, _input: &[String]) -> Vec<String> {
        (0..self.n_components)
            .map(|i| format!("lineardiscriminantanalysis{i}"))
            .collect()
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_transform_input(x, self.means.ncols(), "LinearDiscriminantAnalysis")?;
        let s = self.scalings.slice(ndarray::s![.., ..self.n_components]);
        Ok(match self.solver {
            LdaSolver::Svd => (&x - &self.xbar).dot(&s),
            LdaSolver::Eigen => x.dot(&s),
        })
    }
}

impl Predictor for Lda {
    fn n_features(&self) -> usize {
        self.means.ncols()
    }

    /// The class code of the largest decision value (for two classes: class 1 when the decision
    /// value is positive).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let d = self.decision_function(x)?;
        Ok(d.rows()
            .into_iter()
            .map(|row| {
                let k = if self.present.len() == 2 {
                    usize::from(row[0] > 0.0)
                } else {
                    let mut best = 0;
                    for (c, v) in row.iter().enumerate() {
                        if *v > row[best] {
                            best = c;
                        }
                    }
                    best
                };
                self.present[k] as f64
            })
            .collect())
    }
}

impl PredictProba for Lda {
    fn classes(&self) -> &[String] {
        &self.labels
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let p = self.proba_present(x)?;
        let mut out = Array2::<f64>::zeros((x.nrows(), self.labels.len()));
        for (k, &code) in self.present.iter().enumerate() {
            out.column_mut(code).assign(&p.column(k));
        }
        Ok(out)
    }
}
