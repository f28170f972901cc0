//! # satori-baseline
//!
//! Baselines that ignore the features, for comparing real models against: scikit-learn's
//! `DummyClassifier` ([`DummyClassifierParams`] → [`DummyClassifier`]) and `DummyRegressor`
//! ([`DummyRegressorParams`] → [`DummyRegressor`]), with the same results as scikit-learn 1.9
//! for the deterministic strategies, to the last bit, with and without sample weights. The
//! [`stats`] module holds the numpy-ordered statistics they are built on.
//!
//! ```
//! use ndarray::array;
//! use satori_baseline::DummyRegressorParams;
//! use satori_core::{Dataset, Estimator, Predictor, Target};
//!
//! let data = Dataset::new(array![[0.0], [0.0]], vec!["f".into()])
//!     .unwrap()
//!     .with_target(Target::regression(array![1.0, 2.0]))
//!     .unwrap();
//! let model = DummyRegressorParams::default().fit(&data).unwrap();
//! assert_eq!(model.predict(array![[7.0]].view()).unwrap()[0], 1.5);
//! ```
#![warn(missing_docs)]

pub mod classifier;
pub mod regressor;
pub mod stats;

pub use classifier::{ClassifierStrategy, DummyClassifier, DummyClassifierParams};
pub use regressor::{DummyRegressor, DummyRegressorParams, RegressorStrategy};
