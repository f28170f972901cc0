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
//!
//! ## Sparse (CSR) input
//!
//! Every model fits and predicts on a `sprs` CSR matrix without densifying it, through
//! [`satori_core::SparseEstimator::fit_csr`] and [`satori_core::SparsePredictor::predict_csr`] /
//! `predict_proba_csr` (text features: TF-IDF and hashing vectorizers). `X·w` and `Xᵀ·r` go
//! through the stored entries, on rayon over fixed row chunks whose partial results are added in
//! chunk order (bit-identical at any thread count). Per model:
//!
//! - [`LogisticRegressionParams`]: the dense objective and solvers (L-BFGS; FISTA for L1 and
//!   elastic net), no centring (as scikit-learn): the dense fit's coefficients to the solver
//!   tolerance.
//! - [`SgdClassifierParams`] / [`SgdRegressorParams`]: `fit_csr`, `partial_fit_csr` and
//!   `SgdClassifier::partial_fit_csr` with scikit-learn's sparse SGD update for update: the L1
//!   penalty and the weight norms of the stopping rule are applied on the current row's stored
//!   features, and intercept updates are scaled by 0.01 (`SPARSE_INTERCEPT_DECAY`), so a sparse
//!   fit with an intercept differs from the dense one, exactly as in scikit-learn.
//! - [`RidgeParams`] and [`LinearRegressionParams`]: conjugate gradients on the implicitly
//!   centred normal equations (`X·w − x̄·w`; scikit-learn's `sparse_cg` / `lsqr`) to a relative
//!   residual of 1e-13; the minimum-norm solution for least squares. `solver` must be `auto`;
//!   `positive` is dense only.
//! - [`ElasticNetParams`] / [`LassoParams`]: coordinate descent on a CSC copy of the stored
//!   entries with implicit centring and the dense duality-gap rule.
//! - [`TweedieRegressorParams`] / [`PoissonRegressorParams`]: the dense objective with L-BFGS, or
//!   Newton–Cholesky up to 5000 features (it forms the `p × p` Hessian).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{CsMat, SparseEstimator, SparsePredictor, Target};
//! use satori_linear::LogisticRegressionParams;
//!
//! // [[1, 0, 0], [0, 2, 0], [0, 0, 3], [1, 1, 0]] as CSR.
//! let x = CsMat::new((4, 3), vec![0, 1, 2, 3, 5], vec![0, 1, 2, 0, 1], vec![1.0, 2.0, 3.0, 1.0, 1.0]);
//! let y = Target::classes(array![0, 1, 1, 0], vec!["a".into(), "b".into()]).unwrap();
//! let model = LogisticRegressionParams::default().fit_csr(&x, &y, None).unwrap();
//! let proba = model.predict_proba_csr(&x).unwrap().unwrap();
//! assert_eq!(proba.dim(), (4, 2));
//! assert!(model.predict_csr(&x.to_csc()).is_err()); // CSR storage only
//! ```
#![warn(missing_docs)]

mod common;
mod elastic_net;
mod glm;
mod least_squares;
mod logistic;
mod ridge;
mod sgd;
mod solvers;

pub use common::classes::ClassWeight;
pub use elastic_net::{
    ElasticNet, ElasticNetParams, Lasso, LassoParams, PathParams, RegularizationPath, Selection,
    enet_path, lasso_path,
};
pub use glm::{
    GlmSolver, Link, PoissonRegressor, PoissonRegressorParams, TweedieRegressor,
    TweedieRegressorParams,
};
pub use least_squares::{LinearRegression, LinearRegressionParams};
pub use logistic::{LogisticRegression, LogisticRegressionParams};
pub use ridge::{Ridge, RidgeParams, RidgeSolver};
pub use sgd::{
    LearningRate, Penalty, SgdClassifier, SgdClassifierLoss, SgdClassifierParams, SgdRegressor,
    SgdRegressorLoss, SgdRegressorParams,
};
