//! Both models pass the shared conformance suite, with NaNs, categorical columns and weights.

use satori_gbm::{GbmClassifierParams, GbmRegressorParams, RegressionLoss};
use satori_testkit::generate::{self, Generator};
use satori_testkit::{Check, Conformance};

const SUBSAMPLE_BY_POSITION: &str = "subsample and colsample draw rows and features by \
    position from the seed, so permuted training rows give different trees (as in LightGBM)";

fn small_classifier() -> GbmClassifierParams {
    GbmClassifierParams {
        n_estimators: 15,
        num_leaves: 7,
        min_samples_leaf: 3,
        ..Default::default()
    }
}

#[test]
fn classifier_binary_and_multiclass() {
    let sets = [
        generate::binary(120, 1),
        Generator::new(150, 4, 2)
            .weights(true)
            .nan_fraction(0.1)
            .categorical(1, 3)
            .classification(3),
    ];
    for data in sets {
        Conformance::new(small_classifier(), data).check_proba();
    }
}

#[test]
fn classifier_with_subsampling_and_column_sampling() {
    let params = GbmClassifierParams {
        subsample: 0.7,
        colsample_bytree: 0.8,
        colsample_bynode: 0.6,
        seed: 3,
        ..small_classifier()
    };
    let data = Generator::new(100, 5, 4)
        .nan_fraction(0.05)
        .classification(2);
    Conformance::new(params, data)
        .skip(Check::RowOrderFit, SUBSAMPLE_BY_POSITION)
        .check_proba();
}

#[test]
fn regressor_every_loss() {
    let data = Generator::new(120, 3, 5)
        .weights(true)
        .nan_fraction(0.1)
        .categorical(1, 4)
        .regression();
    for loss in [
        RegressionLoss::SquaredError,
        RegressionLoss::AbsoluteError,
        RegressionLoss::Huber,
        RegressionLoss::Quantile,
    ] {
        let params = GbmRegressorParams {
            loss,
            n_estimators: 15,
            num_leaves: 7,
            min_samples_leaf: 3,
            ..Default::default()
        };
        Conformance::new(params, data.clone()).check();
    }
}

#[test]
fn regressor_poisson() {
    // A non-negative count-like target.
    let base = generate::regression(100, 3, 6);
    let y = base
        .target()
        .unwrap()
        .as_f64()
        .mapv(|v| (v + 3.0).max(0.0).floor());
    let data = satori_core::Dataset::new(base.x().to_owned(), base.feature_names())
        .unwrap()
        .with_target(satori_core::Target::regression(y))
        .unwrap();
    let params = GbmRegressorParams {
        loss: RegressionLoss::Poisson,
        n_estimators: 15,
        min_samples_leaf: 3,
        ..Default::default()
    };
    Conformance::new(params, data).check();
}
