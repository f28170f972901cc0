//! Both baselines pass the shared conformance suite with every strategy.

use satori_baseline::{
    ClassifierStrategy, DummyClassifierParams, DummyRegressorParams, RegressorStrategy,
};
use satori_core::Dataset;
use satori_testkit::generate::{self, Generator};
use satori_testkit::{Check, Conformance};

const PER_CALL_DRAWS: &str = "stratified and uniform draw one value per row from a generator \
    restarted from the seed at each call, so a row's prediction depends on its position in the \
    batch (as scikit-learn's with an integer random_state)";

const SKLEARN_WEIGHTED_MEDIAN: &str = "scikit-learn computes the weighted median/quantile with \
    _weighted_percentile (inverted CDF) and the unweighted one with numpy's linear interpolation, \
    so unit weights differ from no weights; we match scikit-learn";

fn classification_sets() -> Vec<Dataset> {
    vec![
        generate::binary(60, 1),
        Generator::new(80, 4, 2)
            .weights(true)
            .nan_fraction(0.1)
            .categorical(1, 3)
            .classification(4),
    ]
}

#[test]
fn classifier_passes_with_every_strategy() {
    for data in classification_sets() {
        for strategy in [
            ClassifierStrategy::MostFrequent,
            ClassifierStrategy::Prior,
            ClassifierStrategy::Constant,
            ClassifierStrategy::Stratified,
            ClassifierStrategy::Uniform,
        ] {
            let params = DummyClassifierParams {
                strategy,
                constant: Some("bee".into()),
                seed: 42,
            };
            let mut suite = Conformance::new(params, data.clone());
            if matches!(
                strategy,
                ClassifierStrategy::Stratified | ClassifierStrategy::Uniform
            ) {
                suite = suite
                    .skip(Check::RowOrderPredict, PER_CALL_DRAWS)
                    .skip(Check::SubsetInvariance, PER_CALL_DRAWS);
            }
            let report = suite.run_proba();
            assert!(report.is_ok(), "{report}");
            assert!(report.passed(Check::Proba), "{report}");
        }
    }
}

#[test]
fn random_strategies_really_depend_on_the_batch() {
    // The skips above are needed: without them the suite catches the position dependence.
    let params = DummyClassifierParams {
        strategy: ClassifierStrategy::Stratified,
        ..Default::default()
    };
    let report = Conformance::new(params, generate::multiclass(60, 3, 5)).run_proba();
    assert!(report.failed(Check::SubsetInvariance), "{report}");
}

#[test]
fn regressor_passes_with_every_strategy() {
    let sets = [
        generate::regression(50, 3, 1),
        Generator::new(41, 2, 3)
            .weights(true)
            .nan_fraction(0.2)
            .categorical(2, 4)
            .regression(),
    ];
    for data in sets {
        for (strategy, quantile) in [
            (RegressorStrategy::Mean, None),
            (RegressorStrategy::Median, None),
            (RegressorStrategy::Quantile, Some(0.3)),
            (RegressorStrategy::Constant, None),
        ] {
            let params = DummyRegressorParams {
                strategy,
                quantile,
                constant: Some(-1.25),
            };
            let mut suite = Conformance::new(params, data.clone());
            if matches!(
                strategy,
                RegressorStrategy::Median | RegressorStrategy::Quantile
            ) {
                suite = suite.skip(Check::UnitWeights, SKLEARN_WEIGHTED_MEDIAN);
            }
            suite.check();
        }
    }
}

#[test]
fn weighted_median_differs_from_unweighted_as_in_sklearn() {
    // The reason for the UnitWeights skip above is real: the suite sees it.
    let params = DummyRegressorParams {
        strategy: RegressorStrategy::Median,
        ..Default::default()
    };
    let report = Conformance::new(params, generate::regression(50, 3, 1)).run();
    assert!(report.failed(Check::UnitWeights), "{report}");
}
