//! The conformance suite must pass a sound estimator and catch deliberately broken ones.

use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{
    Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result, Target,
    check_features,
};
use satori_testkit::{Check, Conformance, Status, generate};
use serde::{Deserialize, Serialize};

/// What is wrong with the toy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
enum Flaw {
    #[default]
    None,
    /// Predictions depend on the row's position in the batch.
    RowOrder,
    /// Reads the last expected column without checking the column count.
    PanicOnColumns,
    /// Each fit differs (a global counter leaks into the model).
    Nondeterministic,
    /// Unit weights change the model.
    WeightsMatter,
    /// Part of the model is not serialised.
    LossySerde,
    /// Asserts there is no NaN.
    PanicOnNan,
    /// Indexes the second row.
    PanicOnOneRow,
    /// Probabilities are not normalised.
    BadProba,
    /// Fitting always fails.
    FitFails,
}

/// Nearest class mean on the first feature.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ToyParams {
    flaw: Flaw,
}

#[derive(Debug, Serialize, Deserialize)]
struct Toy {
    means: Vec<f64>,
    labels: Vec<String>,
    n_features: usize,
    flaw: Flaw,
    #[serde(skip, default)]
    offset: f64,
}

static FITS: AtomicU64 = AtomicU64::new(0);

impl Params for ToyParams {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

impl Estimator for ToyParams {
    type Model = Toy;

    fn fit_with_progress(&self, data: &Dataset, _: &dyn Progress) -> Result<Toy> {
        let Target::Classes { codes, labels } = data.require_target()? else {
            return Err(Error::InvalidData("toy needs classes".into()));
        };
        if self.flaw == Flaw::FitFails || data.n_features() == 0 {
            return Err(Error::InvalidData("toy cannot fit this".into()));
        }
        if self.flaw == Flaw::PanicOnOneRow {
            let _second = codes[1];
        }
        let w = data.weights_or_ones();
        let (mut sums, mut totals) = (vec![0.0; labels.len()], vec![0.0; labels.len()]);
        for (i, &c) in codes.iter().enumerate() {
            let v = data.x()[[i, 0]];
            if self.flaw == Flaw::PanicOnNan {
                assert!(!v.is_nan(), "toy found a NaN");
            }
            if !v.is_nan() {
                sums[c] += w[i] * v;
                totals[c] += w[i];
            }
        }
        let mut means: Vec<f64> = sums
            .iter()
            .zip(&totals)
            .map(|(s, t)| if *t > 0.0 { s / t } else { 0.0 })
            .collect();
        match self.flaw {
            Flaw::Nondeterministic => means[0] += FITS.fetch_add(1, Ordering::Relaxed) as f64,
            Flaw::WeightsMatter if data.weights().is_some() => means[0] += 1.0,
            _ => {}
        }
        Ok(Toy {
            means,
            labels: labels.clone(),
            n_features: data.n_features(),
            flaw: self.flaw,
            offset: if self.flaw == Flaw::LossySerde {
                0.75
            } else {
                0.0
            },
        })
    }
}

impl Toy {
    fn scores(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if self.flaw == Flaw::PanicOnColumns {
            let _last = x[[0, self.n_features - 1]];
        } else {
            check_features(x, self.n_features)?;
        }
        if self.flaw == Flaw::PanicOnNan {
            assert!(x.iter().all(|v| !v.is_nan()), "toy found a NaN");
        }
        let k = self.means.len();
        Ok(Array2::from_shape_fn((x.nrows(), k), |(i, c)| {
            let mut v = x[[i, 0]];
            if self.flaw == Flaw::RowOrder {
                v += 0.37 * i as f64;
            }
            if v.is_nan() {
                1.0
            } else {
                let d = (v - self.means[c]).abs() + self.offset * c as f64;
                1.0 / (1.0 + d)
            }
        }))
    }
}

impl Predictor for Toy {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let s = self.scores(x)?;
        Ok(s.rows()
            .into_iter()
            .map(|r| {
                let mut best = 0;
                for (c, v) in r.iter().enumerate() {
                    if *v > r[best] {
                        best = c;
                    }
                }
                best as f64
            })
            .collect())
    }
}

impl PredictProba for Toy {
    fn classes(&self) -> &[String] {
        &self.labels
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let mut s = self.scores(x)?;
        if self.flaw != Flaw::BadProba {
            for mut row in s.rows_mut() {
                let t = row.sum();
                row.mapv_inplace(|v| v / t);
            }
        }
        Ok(s)
    }
}

fn suite(flaw: Flaw) -> Conformance<ToyParams> {
    let data = generate::Generator::new(60, 3, 11)
        .weights(true)
        .classification(3);
    Conformance::new(ToyParams { flaw }, data)
}

#[test]
fn sound_toy_passes_every_check() {
    let report = suite(Flaw::None).run_proba();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.outcomes.len(), Check::ALL.len());
    assert!(Check::ALL.iter().all(|c| report.passed(*c)), "{report}");
    suite(Flaw::None).check_proba();
    // Without probabilities the proba check is not part of the run.
    let report = suite(Flaw::None).run();
    assert!(
        report.is_ok() && report.status(Check::Proba).is_none(),
        "{report}"
    );
}

fn assert_caught(flaw: Flaw, expected: &[Check], still_passing: &[Check]) {
    let report = suite(flaw).run_proba();
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

#[test]
fn catches_row_order_dependence() {
    assert_caught(
        Flaw::RowOrder,
        &[Check::RowOrderPredict, Check::SubsetInvariance],
        &[Check::FitTwice, Check::SerdeJson, Check::UnitWeights],
    );
}

#[test]
fn catches_a_panic_on_wrong_column_count_and_names_it() {
    let report = suite(Flaw::PanicOnColumns).run_proba();
    assert!(report.failed(Check::WrongColumnCount), "{report}");
    let Some(Status::Failed(msg)) = report.status(Check::WrongColumnCount) else {
        unreachable!()
    };
    assert!(
        msg.contains("accepted") || msg.contains("panicked"),
        "{msg}"
    );
    assert!(report.passed(Check::RowOrderPredict), "{report}");
}

#[test]
fn catches_nondeterministic_fits() {
    assert_caught(
        Flaw::Nondeterministic,
        &[Check::FitTwice, Check::SameSeed],
        &[Check::SerdePostcard, Check::WrongColumnCount],
    );
}

#[test]
fn catches_weights_that_change_the_model() {
    assert_caught(
        Flaw::WeightsMatter,
        &[Check::UnitWeights],
        &[Check::FitTwice],
    );
}

#[test]
fn catches_a_lossy_serialisation() {
    assert_caught(
        Flaw::LossySerde,
        &[Check::SerdeJson, Check::SerdePostcard],
        &[Check::FitTwice, Check::RowOrderPredict],
    );
}

#[test]
fn catches_panics_on_nan_and_one_row() {
    assert_caught(Flaw::PanicOnNan, &[Check::NanFeatures], &[Check::OneRowFit]);
    assert_caught(
        Flaw::PanicOnOneRow,
        &[Check::OneRowFit],
        &[Check::NanFeatures],
    );
    let report = suite(Flaw::PanicOnOneRow).run_proba();
    let Some(Status::Failed(msg)) = report.status(Check::OneRowFit) else {
        unreachable!()
    };
    assert!(
        msg.contains("panicked") && msg.contains("out of bounds"),
        "{msg}"
    );
}

#[test]
fn catches_unnormalised_probabilities() {
    assert_caught(Flaw::BadProba, &[Check::Proba], &[Check::FitTwice]);
    // The suite without probabilities cannot see it.
    assert!(suite(Flaw::BadProba).run().is_ok());
}

#[test]
fn a_failed_fit_fails_every_model_check() {
    let report = suite(Flaw::FitFails).run_proba();
    assert!(
        report.failed(Check::Fit) && report.failed(Check::SerdeJson),
        "{report}"
    );
    assert!(report.passed(Check::DefaultParamsValidate), "{report}");
}

#[test]
fn check_panics_listing_every_failure() {
    let err = std::panic::catch_unwind(|| suite(Flaw::RowOrder).check_proba()).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("FAILED  row_order_predict"), "{msg}");
    assert!(msg.contains("FAILED  subset_invariance"), "{msg}");
    assert!(msg.contains("ok      fit_twice"), "{msg}");
    assert!(msg.contains("ToyParams"), "{msg}");
}

#[test]
fn skips_carry_their_reason_into_the_report() {
    let report = suite(Flaw::RowOrder)
        .skip(
            Check::RowOrderPredict,
            "the toy reads row positions on purpose",
        )
        .skip(Check::SubsetInvariance, "same reason")
        .run_proba();
    assert!(report.is_ok(), "{report}");
    assert_eq!(
        report.status(Check::RowOrderPredict),
        Some(&Status::Skipped(
            "the toy reads row positions on purpose".into()
        ))
    );
    let text = report.to_string();
    assert!(
        text.contains("skipped row_order_predict: the toy reads row positions on purpose"),
        "{text}"
    );
    assert!(text.contains("0 failed, 2 skipped"), "{text}");
}

#[test]
#[should_panic(expected = "needs a written reason")]
fn a_skip_without_reason_is_refused() {
    let _ = suite(Flaw::None).skip(Check::UnitWeights, "  ");
}

#[test]
fn regression_datasets_work_without_probabilities() {
    // The toy refuses a continuous target: every model check fails cleanly, nothing panics.
    let report = Conformance::new(ToyParams::default(), generate::regression(20, 2, 1)).run();
    assert!(report.failed(Check::Fit), "{report}");
}
