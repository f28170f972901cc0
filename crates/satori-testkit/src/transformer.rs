//! The conformance suite every transformer passes: the estimator suite of ARCHITECTURE.md §6 in
//! its transformer form.
//!
//! [`TransformerConformance`] takes the params of a transformer (an `Estimator` whose model
//! implements `Transformer`) and a dataset to fit them on, runs every [`TransformerCheck`], and
//! either returns a [`Report`] ([`TransformerConformance::run`]) or panics with a message listing
//! every failed check ([`TransformerConformance::check`]). Every call into the transformer runs
//! under `catch_unwind`, so a panic is a failed check. A check that does not apply is skipped with
//! [`TransformerConformance::skip`] and a written reason, which the report prints; a signal filter
//! along the rows of the batch, say, skips [`TransformerCheck::RowOrderTransform`] and
//! [`TransformerCheck::SubsetInvariance`].
//!
//! What NaN means is the transformer's to document and the suite's to hold it to: see
//! [`NanPolicy`] ([`NanPolicy::Reject`] unless [`TransformerConformance::nan_policy`] says
//! otherwise).
//!
//! ```
//! use ndarray::{Array2, ArrayView2};
//! use satori_core::{Dataset, Estimator, Params, Progress, Result, Transformer, check_features};
//! use serde::{Deserialize, Serialize};
//! use satori_testkit::{NanPolicy, TransformerConformance, generate};
//!
//! /// Subtracts the training mean of each column; NaN (missing) stays NaN.
//! #[derive(Debug, Clone, Default, Serialize, Deserialize)]
//! struct CenterParams;
//! #[derive(Debug, Serialize, Deserialize)]
//! struct Center { means: Vec<f64> }
//!
//! impl Params for CenterParams {
//!     fn validate(&self) -> Result<()> { Ok(()) }
//! }
//! impl Estimator for CenterParams {
//!     type Model = Center;
//!     fn fit_with_progress(&self, d: &Dataset, _: &dyn Progress) -> Result<Center> {
//!         let x = d.x();
//!         let means = x.columns().into_iter().map(|c| {
//!             let seen: Vec<f64> = c.iter().copied().filter(|v| !v.is_nan()).collect();
//!             if seen.is_empty() { 0.0 } else { seen.iter().sum::<f64>() / seen.len() as f64 }
//!         });
//!         Ok(Center { means: means.collect() })
//!     }
//! }
//! impl Transformer for Center {
//!     fn n_features_in(&self) -> usize { self.means.len() }
//!     fn feature_names_out(&self, input: &[String]) -> Vec<String> { input.to_vec() }
//!     fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
//!         check_features(x, self.means.len())?;
//!         Ok(Array2::from_shape_fn(x.dim(), |(i, j)| x[[i, j]] - self.means[j]))
//!     }
//! }
//!
//! let data = generate::Generator::new(40, 3, 1).nan_fraction(0.1).regression();
//! TransformerConformance::new(CenterParams, data)
//!     .nan_policy(NanPolicy::MissingPropagates)
//!     // The mean sums the rows in their order.
//!     .fit_order_tolerance(1e-12, 1e-12)
//!     .check();
//! // On clean data with the default policy (NaN refused), the step fails the suite: it accepts
//! // NaN without saying so.
//! let report = TransformerConformance::new(CenterParams, generate::regression(40, 3, 1)).run();
//! assert!(report.failed(satori_testkit::TransformerCheck::NanInput));
//! ```

use satori_core::{Dataset, Estimator, Transformer};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::check::{NanPolicy, TransformerCheck};
use crate::harness::{Skips, add_skip};
use crate::report::{Report, Tolerance};
use crate::transformer_checks::{self, Setup};

/// The conformance suite for one transformer configuration on one dataset.
#[derive(Debug, Clone)]
pub struct TransformerConformance<P> {
    setup: Setup<P>,
}

impl<P> TransformerConformance<P>
where
    P: Estimator,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    /// The suite for `params` fitted on `data` (with a target when the transformer needs one;
    /// weights are optional).
    ///
    /// Defaults: NaN is refused ([`NanPolicy::Reject`]), the fit-order tolerance is
    /// `rtol = 1e-12` (floating-point sums depend on the order of the rows), the subset tolerance
    /// is exact, and the permutation seed is 0.
    pub fn new(params: P, data: Dataset) -> Self {
        TransformerConformance {
            setup: Setup {
                params,
                data,
                skips: Skips::new(),
                nan: NanPolicy::Reject,
                fit_order_tol: Tolerance::FIT_ORDER,
                subset_tol: Tolerance::EXACT,
                seed: 0,
            },
        }
    }

    /// What the transformer does with NaN, as documented.
    pub fn nan_policy(mut self, policy: NanPolicy) -> Self {
        self.setup.nan = policy;
        self
    }

    /// Skip `check`, for the written `reason` (printed in the report). Panics on an empty reason.
    pub fn skip(mut self, check: TransformerCheck, reason: &str) -> Self {
        add_skip(&mut self.setup.skips, check, reason);
        self
    }

    /// The tolerance of [`TransformerCheck::RowOrderFit`] and [`TransformerCheck::UnitWeights`].
    pub fn fit_order_tolerance(mut self, rtol: f64, atol: f64) -> Self {
        self.setup.fit_order_tol = Tolerance { rtol, atol };
        self
    }

    /// The tolerance of [`TransformerCheck::SubsetInvariance`] (exact by default).
    pub fn subset_tolerance(mut self, rtol: f64, atol: f64) -> Self {
        self.setup.subset_tol = Tolerance { rtol, atol };
        self
    }

    /// The seed of the row permutations.
    pub fn seed(mut self, seed: u64) -> Self {
        self.setup.seed = seed;
        self
    }

    /// Run every check and return the report.
    pub fn run(&self) -> Report<TransformerCheck> {
        transformer_checks::run(&self.setup)
    }

    /// Run every check and panic with the report if any failed; print the report (with the
    /// skip reasons) to stderr either way.
    pub fn check(&self) {
        let report = self.run();
        eprintln!("{report}");
        report.assert_ok();
    }
}

/// Run the transformer suite on `params` fitted on `data` with NaN refused
/// ([`NanPolicy::Reject`]), panicking with a readable report on failure.
pub fn check_transformer<P>(params: P, data: &Dataset)
where
    P: Estimator,
    P::Model: Transformer + Serialize + DeserializeOwned,
{
    TransformerConformance::new(params, data.clone()).check();
}
