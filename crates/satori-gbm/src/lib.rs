//! # satori-gbm
//!
//! Histogram gradient boosting, LightGBM's algorithm with scikit-learn's parameter names:
//! [`GbmClassifierParams`] → [`GbmClassifier`] (binary log-loss, or multiclass softmax with one
//! tree per class per round) and [`GbmRegressorParams`] → [`GbmRegressor`] (squared error,
//! absolute error, Huber, quantile, Poisson; see [`RegressionLoss`]).
//!
//! **How it trains.** Every feature is binned once (at most `max_bin` quantile bins, one bin
//! per value when there are few, plus a missing-value bin) into a column-major `u8` matrix.
//! Each round computes gradients and hessians of the loss and grows a tree leaf-wise: the leaf
//! whose best split gains most is split next, until `num_leaves` leaves; split search reads
//! gradient histograms, the smaller child's built from its rows and the larger's by
//! subtraction from the parent's. Missing values learn their direction at every split;
//! categorical features (listed in `categorical_features`, or categorical in the schema) get
//! LightGBM's category-set splits; `monotonic_constraints` bound leaf values. Trees are stored
//! as [`satori_tree::FlatTree`]s and compiled into a packed layout for prediction.
//!
//! **Parameters** (every field of the params structs documents its default and range):
//! `n_estimators` (100), `learning_rate` (0.1), `num_leaves` (31), `max_depth` (none),
//! `min_samples_leaf` (20), `min_child_weight` (1e-3), `l1_regularization`,
//! `l2_regularization`, `min_split_gain` (0), `max_bin` (255), `subsample`,
//! `colsample_bytree`, `colsample_bynode` (1), `categorical_features`, `max_cat_to_onehot`
//! (4), `cat_smooth` (10), `max_cat_threshold` (32), `monotonic_constraints`,
//! `early_stopping` (`auto`: on above 10 000 rows), `validation_fraction` (0.1),
//! `n_iter_no_change` (10), `tol` (1e-7), `seed`; the classifier adds `class_weight` and
//! `scale_pos_weight`, the regressor `loss`, `huber_alpha` and `quantile_alpha`.
//!
//! **What a model offers.** `n_iter()` (the best round with early stopping),
//! `training_history()` (the loss per round on training and validation rows),
//! `feature_importances(ImportanceKind::Split | Gain)`, `trees()`, `init_score()`,
//! `decision_function()` (raw scores), `predict`, `predict_proba` for the classifier, single-row
//! `predict_proba_one` / `predict_one`; `fit_with_validation` trains against a given validation
//! set and `continue_training` adds rounds to a fitted model. The same seed gives the same
//! model, bit for bit, at any thread count. `docs/gbm.md` is the user guide.
//!
//! ```
//! use satori_core::{Estimator, PredictProba, Predictor};
//! use satori_gbm::{GbmClassifierParams, ImportanceKind};
//!
//! let data = satori_testkit::generate::binary(300, 7);
//! let params: GbmClassifierParams = toml::from_str("n_estimators = 25\nnum_leaves = 7").unwrap();
//! let model = params.fit(&data).unwrap();
//! let p = model.predict_proba(data.x()).unwrap();
//! assert_eq!(p.ncols(), 2);
//! assert_eq!(model.training_history().train.len(), 25);
//! let gain = model.feature_importances(ImportanceKind::Gain);
//! assert_eq!(gain.len(), data.n_features());
//! // A wrong column count is an error, not a panic.
//! assert!(model.predict(ndarray::Array2::zeros((1, 99)).view()).is_err());
//! ```
#![warn(missing_docs)]

mod binning;
mod boost;
mod booster;
mod classifier;
mod fit;
mod grow;
mod kernels;
mod loss;
mod params;
mod regressor;
mod select;
mod update;

pub use booster::ImportanceKind;
pub use classifier::GbmClassifier;
pub use params::{
    ClassWeight, EarlyStopping, GbmClassifierParams, GbmRegressorParams, RegressionLoss,
};
pub use regressor::GbmRegressor;
