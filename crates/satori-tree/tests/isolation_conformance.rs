//! IsolationForest passes the shared conformance suite (the target is ignored; the suite needs
//! one to build its datasets).

use satori_testkit::generate::{self, Generator};
use satori_testkit::{Check, Conformance};
use satori_tree::{
    Contamination, IsolationForestParams, IsolationMaxFeatures, IsolationMaxSamples,
};

const SUBSAMPLE_BY_POSITION: &str = "with more rows than max_samples (or with bootstrap) each \
    tree draws rows by position, so permuted training rows give different trees, as in \
    scikit-learn";

#[test]
fn passes_on_small_data_where_every_row_is_used() {
    // With max_samples = "auto" and at most 256 rows, every tree sees every row, so the model
    // depends on the set of rows only: row-order invariance of the fit holds exactly.
    let sets = [
        generate::binary(60, 1),
        Generator::new(80, 4, 2)
            .weights(true)
            .nan_fraction(0.1)
            .categorical(1, 3)
            .regression(),
    ];
    for data in sets {
        for contamination in [Contamination::Auto, Contamination::Fraction(0.1)] {
            let params = IsolationForestParams {
                n_estimators: 25,
                contamination,
                seed: 3,
                ..Default::default()
            };
            Conformance::new(params, data.clone()).check();
        }
    }
}

#[test]
fn passes_with_subsampling_and_bootstrap() {
    let data = Generator::new(120, 3, 4).nan_fraction(0.05).regression();
    let params = IsolationForestParams {
        n_estimators: 20,
        max_samples: IsolationMaxSamples::Count(50),
        max_features: IsolationMaxFeatures::Fraction(0.7),
        bootstrap: true,
        contamination: Contamination::Fraction(0.2),
        seed: 11,
    };
    Conformance::new(params, data)
        .skip(Check::RowOrderFit, SUBSAMPLE_BY_POSITION)
        .check();
}

#[test]
fn subsampling_really_depends_on_row_order() {
    // The RowOrderFit skip above is needed: the suite sees the dependence.
    let params = IsolationForestParams {
        n_estimators: 20,
        max_samples: IsolationMaxSamples::Count(50),
        ..Default::default()
    };
    let report = Conformance::new(params, generate::regression(120, 3, 4)).run();
    assert!(report.failed(Check::RowOrderFit), "{report}");
}
