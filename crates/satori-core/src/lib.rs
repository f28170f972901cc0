//! # satori-core
//!
//! The types every other satori crate speaks: the one library [`Error`], the [`Dataset`] a model is
//! fitted on, the [`Schema`] of raw input columns, the estimator traits ([`Params`], [`Estimator`],
//! [`Predictor`], [`PredictProba`], [`Transformer`]), seeded RNG helpers ([`rng`]) and the
//! [`Progress`] callback through which long work reports without depending on a terminal, and
//! the one way every output file is written ([`fs`]: complete or not at all).
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Target};
//!
//! let x = array![[1.0, 2.0], [3.0, f64::NAN]];
//! let data = Dataset::new(x, vec!["a".into(), "b".into()])
//!     .unwrap()
//!     .with_target(Target::regression(array![0.5, 1.5]))
//!     .unwrap();
//! assert_eq!(data.n_samples(), 2);
//! assert_eq!(data.n_features(), 2);
//! ```
#![warn(missing_docs)]

pub mod class_weight;
pub mod collective;
mod dataset;
mod error;
pub mod fs;
mod history;
pub mod memory;
pub mod numeric;
mod progress;
pub mod rng;
mod schema;
pub mod sparse;
mod traits;

pub use dataset::{Dataset, Target, Task, TextColumn};
pub use error::{Error, Result, SNIPPET_CHARS, clip, closest_names, snippet};
pub use history::TrainingHistory;
pub use progress::{NoProgress, Progress};
pub use schema::{ColumnKind, ColumnSchema, Schema};
pub use sparse::{CsMat, SparseEstimator, SparsePredictor, check_features_csr};
pub use traits::{
    Estimator, MultiOutputPredictor, Params, PredictProba, Predictor, Transformer, check_features,
};

/// The library version, recorded in model files as provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
