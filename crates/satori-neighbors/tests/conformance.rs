//! Both knn models pass the shared conformance suite, with each weighting, algorithm and metric.

use satori_core::Dataset;
use satori_neighbors::{Algorithm, KNeighborsClassifierParams, KNeighborsRegressorParams, Weights};
use satori_testkit::generate::{self, Generator};
use satori_testkit::{Check, Conformance};

/// The datasets carry no NaN: knn refuses missing values (the pipeline imputes first); the
/// NanFeatures check still runs (a NaN to predict is a clean error).
fn class_sets() -> Vec<Dataset> {
    vec![
        generate::binary(60, 1),
        Generator::new(80, 4, 2)
            .weights(true)
            .categorical(1, 3)
            .classification(4),
    ]
}

fn reg_sets() -> Vec<Dataset> {
    vec![
        generate::regression(50, 3, 1),
        Generator::new(41, 2, 3)
            .weights(true)
            .categorical(1, 4)
            .regression(),
    ]
}

const SETTINGS: [(Weights, Algorithm, f64); 4] = [
    (Weights::Uniform, Algorithm::Auto, 2.0),
    (Weights::Distance, Algorithm::KdTree, 2.0),
    (Weights::Uniform, Algorithm::Brute, 1.0),
    (Weights::Distance, Algorithm::Brute, 2.0),
];

#[test]
fn classifier_conforms() {
    for data in class_sets() {
        for (weights, algorithm, p) in SETTINGS {
            let params = KNeighborsClassifierParams {
                n_neighbors: 4,
                weights,
                algorithm,
                leaf_size: 3,
                p,
            };
            let report = Conformance::new(params, data.clone()).run_proba();
            assert!(report.is_ok(), "{report}");
            assert!(report.passed(Check::Proba), "{report}");
            assert!(report.passed(Check::UnitWeights), "{report}");
        }
    }
}

#[test]
fn regressor_conforms() {
    for data in reg_sets() {
        for (weights, algorithm, p) in SETTINGS {
            let params = KNeighborsRegressorParams {
                n_neighbors: 3,
                weights,
                algorithm,
                leaf_size: 2,
                p,
            };
            Conformance::new(params, data.clone()).check();
        }
    }
}
