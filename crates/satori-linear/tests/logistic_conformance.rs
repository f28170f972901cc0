//! LogisticRegression passes the shared conformance suite (binary and multinomial, L2 and
//! elastic net, with and without weights and class weights).

use satori_core::Dataset;
use satori_linear::{ClassWeight, LogisticRegressionParams};
use satori_testkit::Conformance;
use satori_testkit::generate::{self, Generator};

fn sets() -> Vec<Dataset> {
    vec![
        generate::binary(60, 1),
        generate::multiclass(90, 3, 2),
        Generator::new(80, 4, 3)
            .weights(true)
            .categorical(1, 3)
            .classification(4),
    ]
}

#[test]
fn logistic_regression_passes() {
    let variants = [
        LogisticRegressionParams::default(),
        LogisticRegressionParams {
            c: 0.5,
            l1_ratio: 0.5,
            max_iter: 1000,
            class_weight: ClassWeight::Balanced,
            ..Default::default()
        },
        LogisticRegressionParams {
            fit_intercept: false,
            l1_ratio: 1.0,
            max_iter: 1000,
            ..Default::default()
        },
    ];
    for data in sets() {
        for params in variants.clone() {
            // An iterative solver stopped at tol: permuting the rows changes the rounding of every
            // gradient sum, so the stopping point may move within the solver tolerance (as in
            // scikit-learn); the fit on permuted rows is compared at rtol 1e-6.
            let report = Conformance::new(params.clone(), data.clone())
                .fit_order_tolerance(1e-6, 1e-8)
                .run_proba();
            assert!(report.is_ok(), "{params:?}\n{report}");
        }
    }
}
