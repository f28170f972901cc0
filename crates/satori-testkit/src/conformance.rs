//! The conformance suite every estimator passes (ARCHITECTURE.md §6).
//!
//! [`Conformance`] takes the parameters to fit and a dataset to fit them on, runs every [`Check`],
//! and either returns a [`Report`] ([`Conformance::run`]) or panics with a message listing every
//! failed check ([`Conformance::check`]), for use inside `#[test]`s. Every call into the estimator
//! runs under `catch_unwind`, so a panic is reported as a failed check, not a crashed test. A check
//! that does not apply is skipped with [`Conformance::skip`] and a written reason, which the
//! report prints.
//!
//! The crate-level example runs the suite on a small estimator; a classifier whose draws depend
//! on the batch would run `Conformance::new(params, data).skip(Check::SubsetInvariance, "…")
//! .check_proba()`.

use std::collections::BTreeMap;
use std::fmt;

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{Estimator, PredictProba, Predictor, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::checks;

/// One property of the conformance suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// `Params::default()` passes `validate()`.
    DefaultParamsValidate,
    /// The given params pass `validate()` and survive a JSON round trip unchanged.
    ParamsValidate,
    /// The params fit on the dataset and predict one finite value per row.
    Fit,
    /// Fitting twice gives the same model, byte for byte (postcard).
    FitTwice,
    /// A JSON round trip of the model gives identical predictions, bit for bit.
    SerdeJson,
    /// A postcard round trip of the model gives identical predictions, bit for bit.
    SerdePostcard,
    /// Predictions on permuted rows are the permuted predictions.
    RowOrderPredict,
    /// Fitting on permuted rows gives the same predictions (within the fit-order tolerance).
    RowOrderFit,
    /// Predicting rows one at a time, or a subset of rows, gives the values of the full batch.
    SubsetInvariance,
    /// Unit sample weights give the same predictions as no weights.
    UnitWeights,
    /// Predicting with a wrong number of columns is an `Err`, never a panic.
    WrongColumnCount,
    /// NaN in the features is handled (finite predictions) or a clean `Err`, never a panic.
    NanFeatures,
    /// Fitting on one row is `Ok` or a clean `Err`, never a panic.
    OneRowFit,
    /// Fitting on one feature column is `Ok` or a clean `Err`, never a panic.
    OneFeatureFit,
    /// Params sent through JSON (as the CLI and model file carry them, seed included) and fitted
    /// on another thread give the same model, byte for byte.
    SameSeed,
    /// Probabilities: shape (rows, classes), values in [0, 1], rows summing to 1 within 1e-12;
    /// predictions are class codes.
    Proba,
}

impl Check {
    /// Every check, in the order they run.
    pub const ALL: [Check; 16] = [
        Check::DefaultParamsValidate,
        Check::ParamsValidate,
        Check::Fit,
        Check::FitTwice,
        Check::SerdeJson,
        Check::SerdePostcard,
        Check::RowOrderPredict,
        Check::RowOrderFit,
        Check::SubsetInvariance,
        Check::UnitWeights,
        Check::WrongColumnCount,
        Check::NanFeatures,
        Check::OneRowFit,
        Check::OneFeatureFit,
        Check::SameSeed,
        Check::Proba,
    ];

    /// The check's snake_case name, as printed in reports.
    pub fn name(self) -> &'static str {
        match self {
            Check::DefaultParamsValidate => "default_params_validate",
            Check::ParamsValidate => "params_validate",
            Check::Fit => "fit",
            Check::FitTwice => "fit_twice",
            Check::SerdeJson => "serde_json",
            Check::SerdePostcard => "serde_postcard",
            Check::RowOrderPredict => "row_order_predict",
            Check::RowOrderFit => "row_order_fit",
            Check::SubsetInvariance => "subset_invariance",
            Check::UnitWeights => "unit_weights",
            Check::WrongColumnCount => "wrong_column_count",
            Check::NanFeatures => "nan_features",
            Check::OneRowFit => "one_row_fit",
            Check::OneFeatureFit => "one_feature_fit",
            Check::SameSeed => "same_seed",
            Check::Proba => "proba",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How one check ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The property holds.
    Passed,
    /// The property does not hold; the message says where.
    Failed(String),
    /// Not run, for the written reason.
    Skipped(String),
}

/// The outcome of every check of one run.
#[derive(Debug, Clone)]
pub struct Report {
    /// What was checked: the params' type and their JSON.
    pub subject: String,
    /// Each check that was considered, in run order, with its status.
    pub outcomes: Vec<(Check, Status)>,
}

impl Report {
    /// The status of `check`, if it was considered.
    pub fn status(&self, check: Check) -> Option<&Status> {
        self.outcomes
            .iter()
            .find(|(c, _)| *c == check)
            .map(|(_, s)| s)
    }

    /// Whether `check` failed.
    pub fn failed(&self, check: Check) -> bool {
        matches!(self.status(check), Some(Status::Failed(_)))
    }

    /// Whether `check` passed.
    pub fn passed(&self, check: Check) -> bool {
        matches!(self.status(check), Some(Status::Passed))
    }

    /// The failed checks with their messages.
    pub fn failures(&self) -> Vec<(Check, &str)> {
        self.outcomes
            .iter()
            .filter_map(|(c, s)| match s {
                Status::Failed(m) => Some((*c, m.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Whether no check failed.
    pub fn is_ok(&self) -> bool {
        self.failures().is_empty()
    }

    /// Panic with the full report when any check failed.
    pub fn assert_ok(&self) {
        if !self.is_ok() {
            panic!("{self}");
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |p: fn(&Status) -> bool| self.outcomes.iter().filter(|(_, s)| p(s)).count();
        writeln!(
            f,
            "conformance of {}: {} passed, {} failed, {} skipped",
            self.subject,
            count(|s| matches!(s, Status::Passed)),
            count(|s| matches!(s, Status::Failed(_))),
            count(|s| matches!(s, Status::Skipped(_))),
        )?;
        for (check, status) in &self.outcomes {
            match status {
                Status::Passed => writeln!(f, "  ok      {check}")?,
                Status::Failed(m) => {
                    writeln!(f, "  FAILED  {check}: {}", m.replace('\n', "\n          "))?
                }
                Status::Skipped(r) => writeln!(f, "  skipped {check}: {r}")?,
            }
        }
        Ok(())
    }
}

/// An absolute and relative tolerance: `|a - b| <= atol + rtol * |b|`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

impl Tolerance {
    /// Bit-for-bit equality (NaN equal to NaN).
    pub const EXACT: Tolerance = Tolerance {
        rtol: 0.0,
        atol: 0.0,
    };
}

/// `predict_proba` and `classes().len()` as plain functions, so one runner serves models with
/// and without them.
pub(crate) struct ProbaApi<M> {
    pub proba: fn(&M, ArrayView2<'_, f64>) -> Result<Array2<f64>>,
    pub n_classes: fn(&M) -> usize,
}

/// What a model says about a matrix: predictions and, for proba models, probabilities.
#[derive(Debug, Clone)]
pub(crate) struct Outputs {
    pub predict: Array1<f64>,
    pub proba: Option<Array2<f64>>,
}

/// The conformance suite for one estimator configuration on one dataset.
#[derive(Debug, Clone)]
pub struct Conformance<E> {
    pub(crate) params: E,
    pub(crate) data: satori_core::Dataset,
    pub(crate) skips: BTreeMap<Check, String>,
    pub(crate) fit_order_tol: Tolerance,
    pub(crate) subset_tol: Tolerance,
    pub(crate) seed: u64,
}

impl<E> Conformance<E>
where
    E: Estimator,
    E::Model: Predictor + Serialize + DeserializeOwned,
{
    /// The suite for `params` fitted on `data` (which needs a target; weights are optional).
    ///
    /// Defaults: the fit-order tolerance is `rtol = atol = 1e-12` (floating-point sums depend on
    /// the order of the rows, in scikit-learn too), the subset tolerance is exact, and the
    /// permutation seed is 0.
    pub fn new(params: E, data: satori_core::Dataset) -> Self {
        Conformance {
            params,
            data,
            skips: BTreeMap::new(),
            fit_order_tol: Tolerance {
                rtol: 1e-12,
                atol: 1e-300,
            },
            subset_tol: Tolerance::EXACT,
            seed: 0,
        }
    }

    /// Skip `check`, for the written `reason` (printed in the report). Panics on an empty reason.
    pub fn skip(mut self, check: Check, reason: &str) -> Self {
        assert!(
            !reason.trim().is_empty(),
            "skipping {check} needs a written reason"
        );
        self.skips.insert(check, reason.to_string());
        self
    }

    /// The tolerance for [`Check::RowOrderFit`].
    pub fn fit_order_tolerance(mut self, rtol: f64, atol: f64) -> Self {
        self.fit_order_tol = Tolerance { rtol, atol };
        self
    }

    /// The tolerance for [`Check::SubsetInvariance`] (exact by default).
    pub fn subset_tolerance(mut self, rtol: f64, atol: f64) -> Self {
        self.subset_tol = Tolerance { rtol, atol };
        self
    }

    /// The seed of the row permutations.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Run every check except [`Check::Proba`] and return the report.
    pub fn run(&self) -> Report {
        checks::run(self, None)
    }

    /// Run every check and panic with the report if any failed; print the report (with the
    /// skip reasons) to stderr either way.
    pub fn check(&self) {
        let report = self.run();
        eprintln!("{report}");
        report.assert_ok();
    }
}

impl<E> Conformance<E>
where
    E: Estimator,
    E::Model: PredictProba + Serialize + DeserializeOwned,
{
    /// Run every check, probabilities included, and return the report.
    pub fn run_proba(&self) -> Report {
        let api = ProbaApi::<E::Model> {
            proba: |m, x| m.predict_proba(x),
            n_classes: |m| m.classes().len(),
        };
        checks::run(self, Some(&api))
    }

    /// [`Conformance::check`] with probabilities.
    pub fn check_proba(&self) {
        let report = self.run_proba();
        eprintln!("{report}");
        report.assert_ok();
    }
}

/// Run the suite on `params` fitted on `data`, panicking with a readable report on failure.
pub fn check_estimator<E>(params: E, data: &satori_core::Dataset)
where
    E: Estimator,
    E::Model: Predictor + Serialize + DeserializeOwned,
{
    Conformance::new(params, data.clone()).check();
}

/// [`check_estimator`] for a classifier, probabilities included.
pub fn check_classifier<E>(params: E, data: &satori_core::Dataset)
where
    E: Estimator,
    E::Model: PredictProba + Serialize + DeserializeOwned,
{
    Conformance::new(params, data.clone()).check_proba();
}
