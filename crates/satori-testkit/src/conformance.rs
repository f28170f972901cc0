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

use satori_core::{Estimator, PredictProba, Predictor};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::check::Check;
use crate::checks::{self, Api, ProbaApi, Setup, single_column};
use crate::harness::{Skips, add_skip};
use crate::report::{Report, Tolerance};

/// The conformance suite for one estimator configuration on one dataset.
#[derive(Debug, Clone)]
pub struct Conformance<E> {
    setup: Setup<E>,
}

impl<E> Conformance<E>
where
    E: Estimator,
{
    /// The suite for `params` fitted on `data` (which needs a target; weights are optional).
    ///
    /// Defaults: the fit-order tolerance is `rtol = atol = 1e-12` (floating-point sums depend on
    /// the order of the rows, in scikit-learn too), the subset tolerance is exact, and the
    /// permutation seed is 0.
    pub fn new(params: E, data: satori_core::Dataset) -> Self {
        Conformance {
            setup: Setup {
                params,
                data,
                skips: Skips::new(),
                fit_order_tol: Tolerance::FIT_ORDER,
                subset_tol: Tolerance::EXACT,
                seed: 0,
            },
        }
    }

    /// Skip `check`, for the written `reason` (printed in the report). Panics on an empty reason.
    pub fn skip(mut self, check: Check, reason: &str) -> Self {
        add_skip(&mut self.setup.skips, check, reason);
        self
    }

    /// The tolerance for [`Check::RowOrderFit`].
    pub fn fit_order_tolerance(mut self, rtol: f64, atol: f64) -> Self {
        self.setup.fit_order_tol = Tolerance { rtol, atol };
        self
    }

    /// The tolerance for [`Check::SubsetInvariance`] (exact by default).
    pub fn subset_tolerance(mut self, rtol: f64, atol: f64) -> Self {
        self.setup.subset_tol = Tolerance { rtol, atol };
        self
    }

    /// The seed of the row permutations.
    pub fn seed(mut self, seed: u64) -> Self {
        self.setup.seed = seed;
        self
    }
}

impl<E> Conformance<E>
where
    E: Estimator,
    E::Model: Predictor + Serialize + DeserializeOwned,
{
    /// Run every check except [`Check::Proba`] and return the report.
    pub fn run(&self) -> Report {
        let api = Api::<E::Model> {
            predict: single_column,
            proba: None,
        };
        checks::run(&self.setup, &api)
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
        let api = Api::<E::Model> {
            predict: single_column,
            proba: Some(ProbaApi {
                proba: |m, x| m.predict_proba(x),
                both: |m, x| m.predict_with_proba(x),
                n_classes: |m| m.classes().len(),
            }),
        };
        checks::run(&self.setup, &api)
    }

    /// [`Conformance::check`] with probabilities.
    pub fn check_proba(&self) {
        let report = self.run_proba();
        eprintln!("{report}");
        report.assert_ok();
    }
}

impl<E> Conformance<E>
where
    E: Estimator,
    E::Model: satori_core::MultiOutputPredictor + Serialize + DeserializeOwned,
{
    /// Run every check (but [`Check::Proba`]) on a model of several targets: `data` carries them
    /// ([`satori_core::Dataset::with_targets`]) and every check compares every output column.
    pub fn run_multi(&self) -> Report {
        let api = Api::<E::Model> {
            predict: |m, x| satori_core::MultiOutputPredictor::predict_outputs(m, x),
            proba: None,
        };
        checks::run(&self.setup, &api)
    }

    /// [`Conformance::run_multi`], panicking with the report if any check failed.
    pub fn check_multi(&self) {
        let report = self.run_multi();
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
