//! The transformer conformance suite must pass a sound transformer and catch deliberately broken
//! ones: every check can fail.

use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{Array2, ArrayView2};
use satori_core::{
    Dataset, Error, Estimator, Params, Progress, Result, Transformer, check_features,
};
use satori_testkit::{
    NanPolicy, Status, TransformerCheck as T, TransformerConformance, check_transformer, generate,
};
use serde::{Deserialize, Serialize};

/// What the toy does with NaN.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
enum NanMode {
    /// An error that says to impute.
    #[default]
    Reject,
    /// NaN becomes 0 after centring.
    Impute,
    /// NaN stays NaN.
    Propagate,
}

/// What is wrong with the toy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
enum Flaw {
    #[default]
    None,
    /// The output depends on the row's position in the batch.
    RowOrder,
    /// The fit keeps the first row it sees.
    FitOrder,
    /// Reads the last fitted column without checking the column count.
    PanicOnColumns,
    /// A wrong column count is an error of the wrong kind.
    WrongColumnError,
    /// Each fit differs (a global counter leaks into the fitted state).
    Nondeterministic,
    /// The fit depends on the thread it runs on.
    ThreadDependent,
    /// Unit weights change the fitted state.
    WeightsMatter,
    /// Part of the fitted state is not serialised.
    LossySerde,
    /// One name short.
    TooFewNames,
    /// Two output columns share a name.
    DuplicateName,
    /// A one-row batch loses the extra column.
    WidthDependsOnBatch,
    /// Asserts there is no NaN.
    PanicOnNan,
    /// Accepts NaN although it says it refuses it.
    SilentNan,
    /// Leaves NaN where it says it imputes.
    NanLeaks,
    /// One NaN in the batch makes the whole output NaN.
    NanSpreads,
    /// A NaN input cell gives an infinite output.
    NanToInfinity,
    /// Asserts every value is finite.
    PanicOnInfinity,
    /// Indexes the second row at fit.
    PanicOnOneRow,
    /// Indexes the second column at fit.
    PanicOnOneColumn,
    /// Fitting always fails.
    FitFails,
}

/// Centres each column on its training mean and appends the count of missing values in the row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ToyParams {
    scale: f64,
    nan: NanMode,
    flaw: Flaw,
}

impl Default for ToyParams {
    fn default() -> Self {
        ToyParams {
            scale: 1.0,
            nan: NanMode::Reject,
            flaw: Flaw::None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Toy {
    means: Vec<f64>,
    scale: f64,
    nan: NanMode,
    flaw: Flaw,
    #[serde(skip, default)]
    offset: f64,
}

static FITS: AtomicU64 = AtomicU64::new(0);

fn refuse_nan(x: ArrayView2<'_, f64>, nan: NanMode, flaw: Flaw) -> Result<()> {
    let checks = !matches!(flaw, Flaw::SilentNan | Flaw::PanicOnNan);
    if nan == NanMode::Reject && checks && x.iter().any(|v| v.is_nan()) {
        return Err(Error::InvalidData(
            "the toy does not take missing values: impute them first".into(),
        ));
    }
    Ok(())
}

impl Params for ToyParams {
    fn validate(&self) -> Result<()> {
        if !(self.scale > 0.0 && self.scale.is_finite()) {
            return Err(Error::param("scale", "must be positive and finite"));
        }
        Ok(())
    }
}

impl Estimator for ToyParams {
    type Model = Toy;

    fn fit_with_progress(&self, data: &Dataset, _: &dyn Progress) -> Result<Toy> {
        let x = data.x();
        if self.flaw == Flaw::FitFails || x.ncols() == 0 || x.nrows() == 0 {
            return Err(Error::InvalidData("the toy cannot fit this".into()));
        }
        refuse_nan(x, self.nan, self.flaw)?;
        match self.flaw {
            Flaw::PanicOnOneRow => {
                let _second = x[[1, 0]];
            }
            Flaw::PanicOnOneColumn => {
                let _second = x[[0, 1]];
            }
            _ => {}
        }
        let w = data.weights_or_ones();
        let mut means: Vec<f64> = x
            .columns()
            .into_iter()
            .map(|c| {
                let (mut s, mut t) = (0.0, 0.0);
                for (v, w) in c.iter().zip(&w) {
                    if v.is_finite() {
                        s += w * v;
                        t += w;
                    }
                }
                if t > 0.0 { s / t } else { 0.0 }
            })
            .collect();
        match self.flaw {
            Flaw::Nondeterministic => means[0] += FITS.fetch_add(1, Ordering::Relaxed) as f64,
            Flaw::ThreadDependent if std::thread::current().name().is_none() => means[0] += 1.0,
            Flaw::WeightsMatter if data.weights().is_some() => means[0] += 1.0,
            Flaw::FitOrder => means[0] += x[[0, 0]],
            _ => {}
        }
        Ok(Toy {
            means,
            scale: self.scale,
            nan: self.nan,
            flaw: self.flaw,
            offset: if self.flaw == Flaw::LossySerde {
                0.75
            } else {
                0.0
            },
        })
    }
}

impl Transformer for Toy {
    fn n_features_in(&self) -> usize {
        self.means.len()
    }

    fn feature_names_out(&self, input: &[String]) -> Vec<String> {
        let mut names = input.to_vec();
        match self.flaw {
            Flaw::TooFewNames => {}
            Flaw::DuplicateName => names.push(input[0].clone()),
            _ => names.push("n_missing".into()),
        }
        names
    }

    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let p = self.means.len();
        match self.flaw {
            Flaw::PanicOnColumns => {
                let _last = x[[0, p - 1]];
            }
            Flaw::WrongColumnError if x.ncols() != p => {
                return Err(Error::InvalidData("wrong width".into()));
            }
            _ => check_features(x, p)?,
        }
        refuse_nan(x, self.nan, self.flaw)?;
        match self.flaw {
            Flaw::PanicOnNan => assert!(x.iter().all(|v| !v.is_nan()), "the toy found a NaN"),
            Flaw::PanicOnInfinity => {
                assert!(x.iter().all(|v| !v.is_infinite()), "the toy found an inf")
            }
            _ => {}
        }
        let any_nan = x.iter().any(|v| v.is_nan());
        let width = if self.flaw == Flaw::WidthDependsOnBatch && x.nrows() == 1 {
            p
        } else {
            p + 1
        };
        Ok(Array2::from_shape_fn((x.nrows(), width), |(i, j)| {
            if j == p {
                return x.row(i).iter().filter(|v| v.is_nan()).count() as f64;
            }
            let v = x[[i, j]];
            let mut out = (v - self.means[j]) / self.scale + self.offset;
            if self.flaw == Flaw::RowOrder {
                out += 0.37 * i as f64;
            }
            if self.flaw == Flaw::NanSpreads && any_nan {
                return f64::NAN;
            }
            if v.is_nan() && self.nan == NanMode::Impute && self.flaw != Flaw::NanLeaks {
                out = 0.0;
            }
            if v.is_nan() && self.flaw == Flaw::NanToInfinity {
                out = f64::INFINITY;
            }
            out
        }))
    }
}

fn clean() -> Dataset {
    generate::Generator::new(60, 3, 11)
        .weights(true)
        .regression()
}

fn with_nan() -> Dataset {
    generate::Generator::new(60, 3, 12)
        .nan_fraction(0.1)
        .weights(true)
        .regression()
}

fn toy(nan: NanMode, flaw: Flaw) -> ToyParams {
    ToyParams {
        nan,
        flaw,
        ..Default::default()
    }
}

/// The suite of the toy with its NaN mode's policy (Reject: say "impute").
fn suite(nan: NanMode, flaw: Flaw) -> TransformerConformance<ToyParams> {
    let (policy, data) = match nan {
        NanMode::Reject => (NanPolicy::RejectMentioning("impute"), clean()),
        NanMode::Impute => (NanPolicy::MissingToFinite, with_nan()),
        NanMode::Propagate => (NanPolicy::MissingPropagates, with_nan()),
    };
    TransformerConformance::new(toy(nan, flaw), data).nan_policy(policy)
}

#[test]
fn sound_toy_passes_every_check_under_every_policy() {
    for nan in [NanMode::Reject, NanMode::Impute, NanMode::Propagate] {
        let report = suite(nan, Flaw::None).run();
        assert!(report.is_ok(), "{nan:?}\n{report}");
        assert_eq!(report.outcomes.len(), T::ALL.len());
        assert!(T::ALL.iter().all(|c| report.passed(*c)), "{report}");
        suite(nan, Flaw::None).check();
    }
    // A toy that keeps NaN also passes the looser policy of transformers that introduce NaN.
    let report = suite(NanMode::Propagate, Flaw::None)
        .nan_policy(NanPolicy::MissingIntroduced)
        .run();
    assert!(report.is_ok(), "{report}");
    // The plain entry point refuses NaN, which the toy does.
    check_transformer(ToyParams::default(), &clean());
    // A rejecting toy passes the plain Reject policy too.
    let report = TransformerConformance::new(ToyParams::default(), clean())
        .nan_policy(NanPolicy::Reject)
        .run();
    assert!(report.is_ok(), "{report}");
}

fn assert_caught(nan: NanMode, flaw: Flaw, expected: &[T], still_passing: &[T]) {
    let report = suite(nan, flaw).run();
    for c in expected {
        assert!(report.failed(*c), "{flaw:?} should fail {c}:\n{report}");
    }
    for c in still_passing {
        assert!(
            report.passed(*c),
            "{flaw:?} should still pass {c}:\n{report}"
        );
    }
}

fn message(report: &satori_testkit::Report<T>, check: T) -> String {
    match report.status(check) {
        Some(Status::Failed(m)) => m.clone(),
        other => panic!("{check} did not fail: {other:?}\n{report}"),
    }
}

#[test]
fn catches_invalid_params() {
    let params = ToyParams {
        scale: -1.0,
        ..Default::default()
    };
    let report = TransformerConformance::new(params, clean()).run();
    assert!(report.failed(T::ParamsValidate), "{report}");
    assert!(
        message(&report, T::ParamsValidate).contains("scale"),
        "{report}"
    );
    assert!(report.passed(T::DefaultParamsValidate), "{report}");
}

/// Params whose default does not validate.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BadDefault(ToyParams);

impl Default for BadDefault {
    fn default() -> Self {
        BadDefault(ToyParams {
            scale: 0.0,
            ..Default::default()
        })
    }
}

impl Params for BadDefault {
    fn validate(&self) -> Result<()> {
        self.0.validate()
    }
}

impl Estimator for BadDefault {
    type Model = Toy;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<Toy> {
        self.0.fit_with_progress(data, progress)
    }
}

#[test]
fn catches_default_params_that_do_not_validate() {
    let report = TransformerConformance::new(BadDefault(ToyParams::default()), clean()).run();
    assert!(report.failed(T::DefaultParamsValidate), "{report}");
    assert!(report.passed(T::ParamsValidate), "{report}");
}

#[test]
fn catches_row_order_dependence_of_transform() {
    assert_caught(
        NanMode::Reject,
        Flaw::RowOrder,
        &[T::RowOrderTransform, T::SubsetInvariance],
        &[T::FitTwice, T::SerdeJson, T::RowOrderFit, T::UnitWeights],
    );
}

#[test]
fn catches_row_order_dependence_of_fit() {
    assert_caught(
        NanMode::Reject,
        Flaw::FitOrder,
        &[T::RowOrderFit],
        &[T::FitTwice, T::RowOrderTransform, T::SubsetInvariance],
    );
}

#[test]
fn catches_wrong_column_counts() {
    assert_caught(
        NanMode::Reject,
        Flaw::PanicOnColumns,
        &[T::WrongColumnCount],
        &[T::RowOrderTransform],
    );
    let report = suite(NanMode::Reject, Flaw::WrongColumnError).run();
    let msg = message(&report, T::WrongColumnCount);
    assert!(msg.contains("ShapeMismatch"), "{msg}");
}

#[test]
fn catches_nondeterministic_fits() {
    assert_caught(
        NanMode::Reject,
        Flaw::Nondeterministic,
        &[T::FitTwice, T::SameSeed],
        &[T::SerdePostcard, T::WrongColumnCount],
    );
    assert_caught(
        NanMode::Reject,
        Flaw::ThreadDependent,
        &[T::SameSeed],
        &[T::FitTwice, T::SerdeJson],
    );
}

#[test]
fn catches_weights_that_change_the_fit() {
    assert_caught(
        NanMode::Reject,
        Flaw::WeightsMatter,
        &[T::UnitWeights],
        &[T::FitTwice, T::RowOrderFit],
    );
}

#[test]
fn catches_a_lossy_serialisation() {
    assert_caught(
        NanMode::Reject,
        Flaw::LossySerde,
        &[T::SerdeJson, T::SerdePostcard],
        &[T::FitTwice, T::RowOrderTransform],
    );
}

#[test]
fn catches_wrong_feature_names() {
    assert_caught(
        NanMode::Reject,
        Flaw::TooFewNames,
        &[T::FeatureNames],
        &[T::OutputWidth],
    );
    let report = suite(NanMode::Reject, Flaw::DuplicateName).run();
    assert!(
        message(&report, T::FeatureNames).contains("names two columns"),
        "{report}"
    );
}

#[test]
fn catches_an_output_width_that_depends_on_the_batch() {
    assert_caught(
        NanMode::Reject,
        Flaw::WidthDependsOnBatch,
        &[T::OutputWidth, T::SubsetInvariance],
        &[T::FeatureNames, T::RowOrderTransform],
    );
}

#[test]
fn catches_nan_handled_against_the_policy() {
    // A panic on NaN, where NaN must be an error.
    assert_caught(
        NanMode::Reject,
        Flaw::PanicOnNan,
        &[T::NanInput],
        &[T::InfiniteInput],
    );
    let report = suite(NanMode::Reject, Flaw::PanicOnNan).run();
    assert!(
        message(&report, T::NanInput).contains("panicked"),
        "{report}"
    );
    // NaN accepted where it must be an error.
    assert_caught(NanMode::Reject, Flaw::SilentNan, &[T::NanInput], &[T::Fit]);
    // NaN left where the policy says it is imputed.
    assert_caught(NanMode::Impute, Flaw::NanLeaks, &[T::Fit, T::NanInput], &[]);
    // NaN spreading to rows without one, where the policy lets it through its own row only;
    // a transformer documented to introduce missing values may (the spreading still breaks
    // subset invariance: it depends on the batch).
    assert_caught(NanMode::Propagate, Flaw::NanSpreads, &[T::Fit], &[]);
    let report = suite(NanMode::Propagate, Flaw::NanSpreads)
        .nan_policy(NanPolicy::MissingIntroduced)
        .run();
    assert!(
        report.passed(T::Fit) && report.passed(T::NanInput),
        "{report}"
    );
    assert!(report.failed(T::SubsetInvariance), "{report}");
    // Infinity for a missing value, under any policy that accepts NaN.
    for policy in [NanPolicy::MissingPropagates, NanPolicy::MissingIntroduced] {
        let report = suite(NanMode::Propagate, Flaw::NanToInfinity)
            .nan_policy(policy)
            .run();
        assert!(message(&report, T::Fit).contains("inf"), "{report}");
    }
    // The error must say what the policy says.
    let report = TransformerConformance::new(ToyParams::default(), clean())
        .nan_policy(NanPolicy::RejectMentioning("interpolate"))
        .run();
    assert!(
        message(&report, T::NanInput).contains("interpolate"),
        "{report}"
    );
    // A transformer that refuses NaN fails a policy that says NaN means missing.
    let report = TransformerConformance::new(ToyParams::default(), clean())
        .nan_policy(NanPolicy::MissingPropagates)
        .run();
    assert!(report.failed(T::NanInput), "{report}");
    // A dataset with NaN under a rejecting policy: the fit check says why.
    let report = TransformerConformance::new(toy(NanMode::Propagate, Flaw::None), with_nan()).run();
    assert!(message(&report, T::Fit).contains("NaN policy"), "{report}");
}

#[test]
fn catches_panics_on_infinity_one_row_and_one_column() {
    assert_caught(
        NanMode::Reject,
        Flaw::PanicOnInfinity,
        &[T::InfiniteInput],
        &[T::NanInput, T::OneRowFit],
    );
    assert_caught(
        NanMode::Reject,
        Flaw::PanicOnOneRow,
        &[T::OneRowFit],
        &[T::OneColumnFit],
    );
    let report = suite(NanMode::Reject, Flaw::PanicOnOneRow).run();
    let msg = message(&report, T::OneRowFit);
    assert!(
        msg.contains("panicked") && msg.contains("out of bounds"),
        "{msg}"
    );
    assert_caught(
        NanMode::Reject,
        Flaw::PanicOnOneColumn,
        &[T::OneColumnFit],
        &[T::OneRowFit],
    );
}

#[test]
fn a_failed_fit_fails_every_fitted_check() {
    let report = suite(NanMode::Reject, Flaw::FitFails).run();
    assert!(
        report.failed(T::Fit) && report.failed(T::SerdeJson) && report.failed(T::SameSeed),
        "{report}"
    );
    assert!(report.passed(T::DefaultParamsValidate), "{report}");
    assert_eq!(report.outcomes.len(), T::ALL.len());
}

#[test]
fn check_panics_listing_every_failure() {
    let err =
        std::panic::catch_unwind(|| suite(NanMode::Reject, Flaw::RowOrder).check()).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("FAILED  row_order_transform"), "{msg}");
    assert!(msg.contains("FAILED  subset_invariance"), "{msg}");
    assert!(msg.contains("ok      fit_twice"), "{msg}");
    assert!(msg.contains("ToyParams"), "{msg}");
}

#[test]
fn skips_carry_their_reason_into_the_report() {
    let report = suite(NanMode::Reject, Flaw::RowOrder)
        .skip(
            T::RowOrderTransform,
            "the toy filters along the rows of the batch on purpose",
        )
        .skip(T::SubsetInvariance, "same reason")
        .run();
    assert!(report.is_ok(), "{report}");
    assert!(report.skipped(T::RowOrderTransform), "{report}");
    let text = report.to_string();
    assert!(
        text.contains(
            "skipped row_order_transform: the toy filters along the rows of the batch on purpose"
        ),
        "{text}"
    );
    assert!(text.contains("0 failed, 2 skipped"), "{text}");
}

#[test]
#[should_panic(expected = "needs a written reason")]
fn a_skip_without_reason_is_refused() {
    let _ = suite(NanMode::Reject, Flaw::None).skip(T::UnitWeights, " ");
}

#[test]
fn tolerances_are_honoured() {
    // The fit-order flaw moves the output by the first row's value: a loose enough tolerance
    // accepts it, the exact default does not.
    let loose = suite(NanMode::Reject, Flaw::FitOrder)
        .fit_order_tolerance(0.0, 100.0)
        .run();
    assert!(loose.passed(T::RowOrderFit), "{loose}");
    let loose = suite(NanMode::Reject, Flaw::RowOrder)
        .subset_tolerance(0.0, 100.0)
        .run();
    assert!(loose.passed(T::SubsetInvariance), "{loose}");
    assert!(loose.failed(T::RowOrderTransform), "{loose}");
}
