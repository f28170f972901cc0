//! # satori-linear
//!
//! Linear models with scikit-learn's parameter names and results: least squares, ridge, lasso,
//! elastic net, logistic regression, Poisson and Tweedie regression, and SGD learners.
//!
//! Regression: [`LinearRegressionParams`] (least squares by blocked QR + SVD with scipy's
//! minimum-norm `lstsq` rule; `positive` for NNLS), [`RidgeParams`] (`alpha`; Cholesky or SVD),
//! [`LassoParams`] and [`ElasticNetParams`] (`alpha`, `l1_ratio`, `max_iter`, `tol`,
//! `selection`: scikit-learn's coordinate descent with its duality-gap rule, `n_iter`,
//! `dual_gap`, `converged` and warm starts), [`enet_path`] / [`lasso_path`] (the regularisation
//! path over scikit-learn's `α` grid), and [`PoissonRegressorParams`] /
//! [`TweedieRegressorParams`] (`power`, `alpha`, `link`; L-BFGS or Newton–Cholesky). Sample
//! weights everywhere; NaN features are an error asking to impute first. Each fitted model has
//! `coef()` and `intercept()`.
//!
//! Classification and online learning: [`LogisticRegressionParams`] (binary and multinomial; L2
//! by L-BFGS, L1 and elastic net by a proximal method; `C`, `l1_ratio`, class and sample
//! weights), [`SgdClassifierParams`] and [`SgdRegressorParams`] (scikit-learn's SGD, update for
//! update, with `partial_fit`). See each module's documentation and docs/linear.md.
#![warn(missing_docs)]

mod clf_common;
mod coordinate_descent;
mod glm;
mod lbfgs;
mod least_squares;
mod lin_cd;
mod lin_data;
mod lin_glm;
mod lin_lbfgs;
mod lin_nnls;
mod lin_solve;
mod logistic;
mod path;
mod ridge;
mod sgd;

pub use clf_common::ClassWeight;
pub use coordinate_descent::{ElasticNet, ElasticNetParams, Lasso, LassoParams, Selection};
pub use glm::{
    GlmSolver, Link, PoissonRegressor, PoissonRegressorParams, TweedieRegressor,
    TweedieRegressorParams,
};
pub use least_squares::{LinearRegression, LinearRegressionParams};
pub use logistic::{LogisticRegression, LogisticRegressionParams};
pub use path::{PathParams, RegularizationPath, enet_path, lasso_path};
pub use ridge::{Ridge, RidgeParams, RidgeSolver};
pub use sgd::{
    LearningRate, Penalty, SgdClassifier, SgdClassifierLoss, SgdClassifierParams, SgdRegressor,
    SgdRegressorLoss, SgdRegressorParams,
};
