//! [`SgdClassifier`] and [`SgdRegressor`]: scikit-learn's `SGDClassifier` and `SGDRegressor`,
//! linear models fitted by stochastic gradient descent, one row at a time, with `partial_fit`.
//!
//! Each update follows scikit-learn's `_plain_sgd`: the learning rate `eta` is `eta0`
//! (`constant`), `1 / (alpha (t0 + t - 1))` (`optimal`, with scikit-learn's `t0`),
//! `eta0 / t^power_t` (`invscaling`), or `eta0` divided by 5 each time `n_iter_no_change` epochs
//! bring no improvement of `tol` (`adaptive`); the L2 part of the penalty shrinks the weights by
//! `1 - (1 - l1_ratio) eta alpha`, the L1 part is the cumulative penalty of Tsuruoka et al.; the
//! intercept is updated with the same step and not penalised; with `average = n > 0` the
//! coefficients are the average of the iterates from update `n` on. Training stops after
//! `max_iter` epochs, or earlier when the mean training objective of `n_iter_no_change`
//! consecutive epochs improves by less than `tol` on the best so far (`converged() == true`).
//!
//! With `shuffle = false` the rows are visited in order and the coefficients and intercepts equal
//! scikit-learn's bit for bit in every golden case, after the same number of epochs (with the
//! same libm: both call the platform's `exp` and `pow`). With `shuffle = true`
//! each epoch permutes the rows with satori's seeded generator (not scikit-learn's), so results
//! match scikit-learn's in distribution only.
//!
//! **`partial_fit`** makes exactly one pass over a batch, in row order (no shuffling), and
//! continues from the full state of the previous pass (update counter, weight scale, cumulative
//! L1 penalty, averages): passes over batches A then B give bit for bit the model of one pass over
//! A followed by B. (scikit-learn restarts the L1 accumulators and folds the weight scale at each
//! call, so its partial fits differ from ours by rounding.) A first `partial_fit` takes the class
//! list from the target's full label list, so later batches may hold any subset of the classes.
//!
//! Classification is one-vs-rest for more than two classes, as scikit-learn: one binary problem
//! per class (that class +1, the others -1; 1/0 for `log_loss`).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Predictor, Target};
//! use satori_linear::{SgdClassifierParams, SgdRegressorParams};
//!
//! let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0], [5.0, 0.0]];
//! let y = Target::classes(array![0, 0, 0, 1, 1, 1], vec!["a".into(), "b".into()]).unwrap();
//! let data = Dataset::new(x.clone(), vec!["u".into(), "v".into()])
//!     .unwrap()
//!     .with_target(y)
//!     .unwrap();
//! let params = SgdClassifierParams { shuffle: false, ..Default::default() };
//! let clf = params.fit(&data).unwrap();
//! assert_eq!(clf.predict(x.view()).unwrap().to_vec(), vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
//!
//! // Online: a model from the first batch, updated with the next.
//! let mut online = params.partial_fit(&data.select_rows(&[0, 1, 2]).unwrap()).unwrap();
//! online.partial_fit(&data.select_rows(&[3, 4, 5]).unwrap()).unwrap();
//! let once = params.partial_fit(&data).unwrap();
//! assert_eq!(online.coef(), once.coef());
//!
//! let reg = SgdRegressorParams::default()
//!     .fit(&Dataset::new(x.clone(), vec!["u".into(), "v".into()]).unwrap()
//!         .with_target(Target::regression(array![0.0, 1.0, 2.0, 3.0, 4.0, 5.0])).unwrap())
//!     .unwrap();
//! assert!(reg.n_iter() >= 1);
//! ```

mod classifier;
mod kernel;
mod regressor;

use ndarray::ArrayView1;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

pub use classifier::{SgdClassifier, SgdClassifierLoss, SgdClassifierParams};
pub use regressor::{SgdRegressor, SgdRegressorLoss, SgdRegressorParams};

/// The penalty of an SGD model (scikit-learn's `penalty`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Penalty {
    /// No penalty (scikit-learn's `None`).
    None,
    /// `alpha · ½‖w‖²` (default).
    #[default]
    L2,
    /// `alpha · ‖w‖₁`.
    L1,
    /// `alpha · (l1_ratio ‖w‖₁ + (1 - l1_ratio) ½‖w‖²)`.
    Elasticnet,
}

/// The learning-rate schedule of an SGD model (scikit-learn's `learning_rate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LearningRate {
    /// `eta0` throughout.
    Constant,
    /// `1 / (alpha (t0 + t - 1))`, Bottou's schedule with scikit-learn's `t0` (needs `alpha > 0`).
    Optimal,
    /// `eta0 / t^power_t`.
    Invscaling,
    /// `eta0`, divided by 5 whenever `n_iter_no_change` epochs fail to improve by `tol`.
    Adaptive,
}

/// The options the classifier and the regressor share, checked in one place.
#[allow(clippy::too_many_arguments)]
pub(crate) fn validate_common(
    penalty: Penalty,
    alpha: f64,
    l1_ratio: f64,
    learning_rate: LearningRate,
    eta0: f64,
    power_t: f64,
    max_iter: usize,
    tol: Option<f64>,
    n_iter_no_change: usize,
) -> Result<()> {
    let _ = penalty;
    if !(alpha >= 0.0 && alpha.is_finite()) {
        return Err(Error::param(
            "alpha",
            format!("must be >= 0 and finite, got {alpha}"),
        ));
    }
    if learning_rate == LearningRate::Optimal && alpha == 0.0 {
        return Err(Error::param(
            "alpha",
            "must be > 0 with learning_rate = \"optimal\" (its step is 1 / (alpha t)), got 0",
        ));
    }
    if !(0.0..=1.0).contains(&l1_ratio) {
        return Err(Error::param(
            "l1_ratio",
            format!("must be in [0, 1], got {l1_ratio}"),
        ));
    }
    if !(eta0 > 0.0 && eta0.is_finite()) {
        return Err(Error::param(
            "eta0",
            format!(
                "must be > 0 and finite (the initial learning rate of the constant, invscaling \
                 and adaptive schedules), got {eta0}"
            ),
        ));
    }
    if !power_t.is_finite() {
        return Err(Error::param(
            "power_t",
            format!("must be finite, got {power_t}"),
        ));
    }
    if max_iter == 0 {
        return Err(Error::param("max_iter", "must be >= 1 (epochs), got 0"));
    }
    if let Some(tol) = tol
        && !(tol >= 0.0 && tol.is_finite())
    {
        return Err(Error::param(
            "tol",
            format!("must be >= 0 and finite (or absent for no stopping rule), got {tol}"),
        ));
    }
    if n_iter_no_change == 0 {
        return Err(Error::param("n_iter_no_change", "must be >= 1, got 0"));
    }
    Ok(())
}

/// The row order of each epoch: in order, or shuffled cumulatively (as scikit-learn shuffles its
/// index array in place each epoch) by a generator seeded from `seed`.
pub(crate) fn epoch_orders(n: usize, shuffle: bool, seed: u64) -> impl FnMut(usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = satori_core::rng::rng(seed);
    move |_| {
        if shuffle {
            satori_core::rng::shuffle(&mut order, &mut rng);
        }
        order.clone()
    }
}

/// The L1 share of the penalty the kernel uses: 0 for `l2`, 1 for `l1`, `l1_ratio` otherwise.
pub(crate) fn kernel_l1_ratio(penalty: Penalty, l1_ratio: f64) -> f64 {
    match penalty {
        Penalty::L2 => 0.0,
        Penalty::L1 => 1.0,
        Penalty::Elasticnet | Penalty::None => l1_ratio,
    }
}

/// `row · w + b`, summed in feature order (the dense prediction of both SGD models).
pub(crate) fn dense_score(row: ArrayView1<'_, f64>, w: &[f64], b: f64) -> f64 {
    let mut s = 0.0;
    for (a, v) in w.iter().zip(row) {
        s += a * v;
    }
    s + b
}

/// Checks `epsilon` of the losses that use it.
pub(crate) fn validate_epsilon(epsilon: f64) -> Result<()> {
    if !(epsilon >= 0.0 && epsilon.is_finite()) {
        return Err(Error::param(
            "epsilon",
            format!("must be >= 0 and finite, got {epsilon}"),
        ));
    }
    Ok(())
}
