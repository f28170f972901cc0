//! # satori-testkit
//!
//! Dev-only helpers shared by the tests of every satori crate (use it as a dev-dependency):
//!
//! - [`Conformance`] / [`check_estimator`] / [`check_classifier`]: the conformance suite of
//!   ARCHITECTURE.md §6 that every estimator passes — fit twice = same model, serde round trips
//!   (JSON and postcard) = identical predictions, row-order and subset invariance, unit weights =
//!   no weights, wrong column count → `Err`, NaN handling, one-row and one-feature fits, same seed
//!   = same model, valid probabilities. A panic anywhere is a failed check, and every skip carries
//!   a written reason that the report prints.
//! - [`TransformerConformance`] / [`check_transformer`]: the same suite in its transformer form
//!   (see [`TransformerCheck`]): fit twice = same fitted bytes, serde round trips = identical
//!   output, `feature_names_out` names every output column, a stable output width, row-order and
//!   subset invariance, unit weights = no weights, wrong column count → `ShapeMismatch`, NaN
//!   handled as the transformer's [`NanPolicy`] documents, infinities, one-row and one-column
//!   fits never panic, same seed = same transformer.
//! - [`generate`]: small seeded datasets (binary/multiclass with string labels, regression, with
//!   NaNs, categorical columns and weights on request).
//! - [`fuzz`]: a small deterministic mutation fuzzer for ordinary tests (seed files in, mutants
//!   run under `catch_unwind`, a report of errors and of bugs with minimised inputs).
//! - [`golden`]: the loader of `tests/golden/<case>/expected.json` and tolerance comparisons with
//!   readable failure messages.
//!
//! ```
//! use ndarray::{Array1, ArrayView2};
//! use satori_core::{Dataset, Estimator, Params, Predictor, Progress, Result, check_features};
//! use serde::{Deserialize, Serialize};
//! use satori_testkit::{check_estimator, generate};
//!
//! /// Predicts the training mean.
//! #[derive(Debug, Clone, Default, Serialize, Deserialize)]
//! struct MeanParams;
//! #[derive(Debug, Serialize, Deserialize)]
//! struct Mean { value: f64, n_features: usize }
//!
//! impl Params for MeanParams {
//!     fn validate(&self) -> Result<()> { Ok(()) }
//! }
//! impl Estimator for MeanParams {
//!     type Model = Mean;
//!     fn fit_with_progress(&self, d: &Dataset, _: &dyn Progress) -> Result<Mean> {
//!         let y = d.require_target()?.as_f64();
//!         Ok(Mean { value: y.mean().unwrap_or(0.0), n_features: d.n_features() })
//!     }
//! }
//! impl Predictor for Mean {
//!     fn n_features(&self) -> usize { self.n_features }
//!     fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
//!         check_features(x, self.n_features)?;
//!         Ok(Array1::from_elem(x.nrows(), self.value))
//!     }
//! }
//!
//! check_estimator(MeanParams, &generate::regression(40, 3, 1));
//! ```
#![warn(missing_docs)]

mod check;
mod checks;
mod conformance;
pub mod fuzz;
pub mod generate;
pub mod golden;
mod harness;
mod report;
mod transformer;
mod transformer_checks;

pub use check::{Check, NanPolicy, TransformerCheck};
pub use conformance::{Conformance, check_classifier, check_estimator};
pub use report::{Report, Status, Tolerance};
pub use transformer::{TransformerConformance, check_transformer};
