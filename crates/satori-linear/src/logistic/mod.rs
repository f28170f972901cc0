//! [`LogisticRegression`]: scikit-learn's `LogisticRegression`, binary and multinomial.
//!
//! The penalty is set as in scikit-learn 1.9 (where `penalty` is deprecated) by `C` and
//! `l1_ratio`: `l1_ratio = 0` is the L2 penalty (default), `l1_ratio = 1` the L1 penalty, values in
//! between the elastic net `l1_ratio · ‖w‖₁ + (1 - l1_ratio) · ½‖w‖²`, and `C = inf` no penalty.
//! The objective (minimised over coefficients and intercepts; intercepts are not penalised) is
//!
//! `Σ_i s_i loss_i / Σ_i s_i + (1 / (C Σ_i s_i)) · penalty(w)`
//!
//! with `s_i` the sample weight times the class weight: the binomial log loss with one coefficient
//! vector for two classes, the multinomial (softmax) loss with one vector per class for three or
//! more.
//!
//! **Solvers.** L2 and no penalty: L-BFGS (as scikit-learn's default `lbfgs`, stopping when the
//! largest gradient entry is at most `tol` or the objective stops decreasing). L1 and elastic net:
//! accelerated proximal gradient (FISTA), stopping when the largest entry of the minimum-norm
//! subgradient is at most `tol`; scikit-learn uses SAGA there, a different path to the same
//! optimum (the objective is convex, strictly for `l1_ratio < 1`). `max_iter` bounds the
//! iterations of either; a fit that hits it is kept and reports `converged() == false`.
//!
//! **Classes.** The model is fitted on the classes that have training rows (as scikit-learn's
//! `classes_`); a label of the target with no rows gets probability 0. `coef()` has one row per
//! fitted class (one row in all for two classes, for the second class), `predict_proba` one
//! column per label of the target.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
//! use satori_linear::LogisticRegressionParams;
//!
//! let x = array![[0.0, 1.0], [1.0, 0.5], [2.0, 0.0], [3.0, 1.0], [4.0, 0.2], [5.0, 0.7]];
//! let y = Target::classes(array![0, 0, 1, 0, 1, 1], vec!["no".into(), "yes".into()]).unwrap();
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()])
//!     .unwrap()
//!     .with_target(y)
//!     .unwrap();
//! let model = LogisticRegressionParams::default().fit(&data).unwrap();
//! assert!(model.converged());
//! assert_eq!(model.coef().dim(), (1, 2));
//! let proba = model.predict_proba(x.view()).unwrap();
//! assert!(proba[[5, 1]] > proba[[0, 1]]);
//! assert!(LogisticRegressionParams { c: -1.0, ..Default::default() }.fit(&data).is_err());
//! ```

mod model;
mod objective;
mod prox;
mod sparse;

use ndarray::{Array2, ArrayView1};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result};
use serde::{Deserialize, Serialize};

pub use model::LogisticRegression;

use crate::common::classes::{
    ClassWeight, c_value, dense_class_input, present_classes, require_two_classes,
};
use crate::common::sparse::XRef;
use crate::solvers::lbfgs::{LbfgsOptions, minimize};
use objective::Problem;

const NAME: &str = "LogisticRegression";

/// Parameters of a [`LogisticRegression`], with scikit-learn 1.9's names and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct LogisticRegressionParams {
    /// Inverse regularisation strength: smaller is stronger. Default 1.0; must be > 0; `inf` (the
    /// string `"inf"` in JSON) means no penalty.
    #[serde(rename = "C", with = "c_value")]
    pub c: f64,
    /// Elastic-net mixing: 0 is the L2 penalty (default, L-BFGS solver), 1 the L1 penalty, in
    /// between the elastic net (both proximal solver). Must be in [0, 1].
    pub l1_ratio: f64,
    /// Whether to fit an intercept (unpenalised). Default true.
    pub fit_intercept: bool,
    /// Maximum solver iterations. Default 100; must be ≥ 1.
    pub max_iter: usize,
    /// Stopping tolerance on the largest gradient (L-BFGS) or minimum-norm subgradient
    /// (proximal) entry of the objective. Default 1e-4; must be > 0 and finite.
    pub tol: f64,
    /// Class weights multiplied into the sample weights. Default none; `"balanced"` weighs each
    /// class by `Σ s / (n_classes · Σ_class s)` over the sample weights `s`.
    pub class_weight: ClassWeight,
}

impl Default for LogisticRegressionParams {
    fn default() -> Self {
        LogisticRegressionParams {
            c: 1.0,
            l1_ratio: 0.0,
            fit_intercept: true,
            max_iter: 100,
            tol: 1e-4,
            class_weight: ClassWeight::None,
        }
    }
}

impl Params for LogisticRegressionParams {
    fn validate(&self) -> Result<()> {
        if self.c.is_nan() || self.c <= 0.0 {
            return Err(Error::param(
                "C",
                format!("must be > 0 (or inf for no penalty), got {}", self.c),
            ));
        }
        if !(0.0..=1.0).contains(&self.l1_ratio) {
            return Err(Error::param(
                "l1_ratio",
                format!("must be in [0, 1], got {}", self.l1_ratio),
            ));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", "must be >= 1, got 0"));
        }
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(Error::param(
                "tol",
                format!("must be > 0 and finite, got {}", self.tol),
            ));
        }
        self.class_weight.validate()
    }
}

impl Estimator for LogisticRegressionParams {
    type Model = LogisticRegression;

    fn fit_with_progress(
        &self,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<LogisticRegression> {
        self.validate()?;
        let (codes, labels) = dense_class_input(data, NAME)?;
        let x = data.x();
        let xs = x.as_standard_layout();
        self.fit_rows(
            XRef::Dense(xs.view()),
            codes,
            labels,
            data.weights(),
            progress,
        )
    }
}

impl LogisticRegressionParams {
    /// The fit on checked features (dense or CSR), class codes and sample weights.
    pub(crate) fn fit_rows(
        &self,
        x: XRef<'_>,
        codes: ArrayView1<'_, usize>,
        labels: &[String],
        weights: Option<ArrayView1<'_, f64>>,
        progress: &dyn Progress,
    ) -> Result<LogisticRegression> {
        let present = present_classes(codes, labels.len());
        require_two_classes(&present, labels, NAME)?;
        let class_w = self
            .class_weight
            .resolve(labels, codes, &present, weights)?;
        let (sw, sw_sum) = combined_weights(codes, weights, &class_w)?;
        // Index of each label among the fitted classes.
        let mut index = vec![0usize; labels.len()];
        for (k, &c) in present.iter().enumerate() {
            index[c] = k;
        }
        let n_features = x.ncols();
        let binary = present.len() == 2;
        let problem = Problem {
            x,
            y: codes.iter().map(|&c| index[c]).collect(),
            sw,
            sw_sum,
            k: if binary { 1 } else { present.len() },
            p: n_features,
            fit_intercept: self.fit_intercept,
        };
        let strength = 1.0 / (self.c * sw_sum);
        let (l1, l2) = (self.l1_ratio * strength, (1.0 - self.l1_ratio) * strength);
        progress.start("logistic regression", Some(self.max_iter as u64));
        let (w, n_iter, converged) = if l1 > 0.0 {
            let r = prox::fista(&problem, l1, l2, self.max_iter, self.tol, || {
                progress.advance(1)
            });
            (r.w, r.n_iter, r.converged)
        } else {
            let opts = LbfgsOptions {
                max_iter: self.max_iter,
                gtol: self.tol,
                ..Default::default()
            };
            let r = minimize(
                |w, g| problem.objective(w, g, l2),
                vec![0.0; problem.n_params()],
                opts,
                || progress.advance(1),
            );
            (r.x, r.n_iter, r.converged)
        };
        progress.finish();
        if !converged {
            progress.note(&format!(
                "LogisticRegression did not converge in {n_iter} iterations (max_iter = {}); \
                 increase max_iter or scale the features",
                self.max_iter
            ));
        }
        if w.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidData(
                "LogisticRegression diverged to non-finite coefficients; scale the features".into(),
            ));
        }
        let (coef, intercept) = unpack(&problem, &w);
        Ok(LogisticRegression::new(
            coef,
            intercept,
            labels.to_vec(),
            present,
            n_iter,
            converged,
        ))
    }
}

/// Sample weight × class weight per row, and their sum (which must be positive and finite).
fn combined_weights(
    codes: ArrayView1<'_, usize>,
    weights: Option<ArrayView1<'_, f64>>,
    class_w: &[f64],
) -> Result<(Vec<f64>, f64)> {
    let sw: Vec<f64> = codes
        .iter()
        .enumerate()
        .map(|(i, &c)| weights.map_or(1.0, |w| w[i]) * class_w[c])
        .collect();
    let sw_sum: f64 = sw.iter().sum();
    if !(sw_sum > 0.0 && sw_sum.is_finite()) {
        return Err(Error::InvalidData(format!(
            "the sample weights (times the class weights) sum to {sw_sum}; they must sum to a \
             positive finite number"
        )));
    }
    Ok((sw, sw_sum))
}

/// The coefficient matrix and intercepts from the solver's parameter vector.
fn unpack(problem: &Problem<'_>, w: &[f64]) -> (Array2<f64>, Vec<f64>) {
    let (p, stride) = (problem.p, problem.stride());
    let mut coef = Array2::zeros((problem.k, p));
    let mut intercept = vec![0.0; problem.k];
    for k in 0..problem.k {
        for j in 0..p {
            coef[[k, j]] = w[k * stride + j];
        }
        if problem.fit_intercept {
            intercept[k] = w[k * stride + p];
        }
    }
    (coef, intercept)
}
