//! Every tree model passes the shared conformance suite, on plain data and on data with
//! weights, NaNs and categorical codes.

use satori_core::Dataset;
use satori_testkit::generate::{self, Generator};
use satori_testkit::{Check, Conformance};
use satori_tree::{
    ClassCriterion, ClassWeight, DecisionTreeClassifierParams, DecisionTreeRegressorParams,
    ExtraTreesClassifierParams, ExtraTreesRegressorParams, FeatureSampling,
    RandomForestClassifierParams, RandomForestRegressorParams, RegCriterion, Splitter,
};

/// Why refitting a forest on permuted rows may change it: the bootstrap draws meet the rows in
/// another order, and near-equal splits (whose sums round differently in another row order) are
/// broken by the order features are tried in. A single decision tree draws nothing by row, so
/// its row-order check runs.
const ROW_ORDER: &str = "bootstrap rows are drawn by position, and near-equal splits (whose \
    sums round differently when the rows come in another order) are broken by the order the \
    features are drawn in, so a permuted training set grows a different (equally valid) forest, \
    as in scikit-learn";

fn class_sets() -> Vec<Dataset> {
    vec![
        generate::binary(80, 1),
        Generator::new(90, 4, 2)
            .weights(true)
            .nan_fraction(0.1)
            .categorical(1, 3)
            .classification(3),
    ]
}

fn reg_sets() -> Vec<Dataset> {
    vec![
        generate::regression(70, 3, 1),
        Generator::new(60, 3, 3)
            .weights(true)
            .nan_fraction(0.15)
            .categorical(1, 4)
            .regression(),
    ]
}

#[test]
fn decision_tree_classifier_conforms() {
    for data in class_sets() {
        for (criterion, splitter, class_weight) in [
            (ClassCriterion::Gini, Splitter::Best, None),
            (
                ClassCriterion::Entropy,
                Splitter::Best,
                Some(ClassWeight::Balanced),
            ),
            (ClassCriterion::LogLoss, Splitter::Random, None),
        ] {
            let params = DecisionTreeClassifierParams {
                criterion,
                splitter,
                class_weight,
                max_depth: Some(6),
                seed: 3,
                ..Default::default()
            };
            let report = Conformance::new(params, data.clone()).run_proba();
            assert!(report.is_ok(), "{report}");
        }
    }
}

#[test]
fn decision_tree_regressor_conforms() {
    for data in reg_sets() {
        for criterion in [RegCriterion::SquaredError, RegCriterion::AbsoluteError] {
            let params = DecisionTreeRegressorParams {
                criterion,
                min_samples_leaf: 2,
                ccp_alpha: 0.001,
                ..Default::default()
            };
            Conformance::new(params, data.clone()).check();
        }
    }
    // Poisson needs a non-negative target.
    let params = DecisionTreeRegressorParams {
        criterion: RegCriterion::Poisson,
        max_leaf_nodes: Some(8),
        ..Default::default()
    };
    let data = generate::regression(60, 3, 5);
    let y = data.target().unwrap().as_f64().mapv(|v| (v + 5.0).max(0.0));
    let data = Dataset::new(data.x().to_owned(), data.feature_names())
        .unwrap()
        .with_target(satori_core::Target::regression(y))
        .unwrap();
    Conformance::new(params, data).check();
}

#[test]
fn forest_classifiers_conform() {
    for data in class_sets() {
        let rf = RandomForestClassifierParams {
            n_estimators: 8,
            oob_score: true,
            class_weight: Some(ClassWeight::BalancedSubsample),
            seed: 11,
            ..Default::default()
        };
        let report = Conformance::new(rf, data.clone())
            .skip(Check::RowOrderFit, ROW_ORDER)
            .run_proba();
        assert!(report.is_ok(), "{report}");
        let et = ExtraTreesClassifierParams {
            n_estimators: 8,
            max_features: FeatureSampling::Fraction(0.5),
            seed: 11,
            ..Default::default()
        };
        let report = Conformance::new(et, data.clone())
            .skip(Check::RowOrderFit, ROW_ORDER)
            .run_proba();
        assert!(report.is_ok(), "{report}");
    }
}

#[test]
fn forest_regressors_conform() {
    for data in reg_sets() {
        let rf = RandomForestRegressorParams {
            n_estimators: 8,
            oob_score: true,
            max_samples: Some(satori_tree::SampleSize::Fraction(0.7)),
            ..Default::default()
        };
        Conformance::new(rf, data.clone())
            .skip(Check::RowOrderFit, ROW_ORDER)
            .check();
        let et = ExtraTreesRegressorParams {
            n_estimators: 8,
            bootstrap: true,
            ..Default::default()
        };
        Conformance::new(et, data.clone())
            .skip(Check::RowOrderFit, ROW_ORDER)
            .check();
    }
}

/// Why refitting a boosted or under-sampled model on permuted rows may change it: the
/// under-samples and bootstrap draws pick rows by position, and AdaBoost's reweighting makes
/// every later tree depend on which of two near-equal splits an earlier tree took.
const DRAWN_BY_POSITION: &str = "under-samples and bootstrap samples are drawn by row position, \
    and near-equal splits (whose sums round differently in another row order) change every \
    later boosting round, as in scikit-learn and imbalanced-learn";

#[test]
fn balanced_forest_and_boosting_classifiers_conform() {
    for data in class_sets() {
        let brf = satori_tree::BalancedRandomForestClassifierParams {
            n_estimators: 8,
            bootstrap: true,
            oob_score: true,
            seed: 5,
            ..Default::default()
        };
        let report = Conformance::new(brf, data.clone())
            .skip(Check::RowOrderFit, DRAWN_BY_POSITION)
            .run_proba();
        assert!(report.is_ok(), "{report}");
        let ada = satori_tree::AdaBoostClassifierParams {
            n_estimators: 10,
            max_depth: 2,
            ..Default::default()
        };
        let report = Conformance::new(ada, data.clone())
            .skip(Check::RowOrderFit, DRAWN_BY_POSITION)
            .run_proba();
        assert!(report.is_ok(), "{report}");
        let rus = satori_tree::RusBoostClassifierParams {
            n_estimators: 10,
            seed: 2,
            ..Default::default()
        };
        let report = Conformance::new(rus, data.clone())
            .skip(Check::RowOrderFit, DRAWN_BY_POSITION)
            .run_proba();
        assert!(report.is_ok(), "{report}");
    }
}

#[test]
fn adaboost_regressor_conforms() {
    for data in reg_sets() {
        let ada = satori_tree::AdaBoostRegressorParams {
            n_estimators: 10,
            loss: satori_tree::AdaBoostLoss::Square,
            seed: 4,
            ..Default::default()
        };
        Conformance::new(ada, data.clone())
            .skip(Check::RowOrderFit, DRAWN_BY_POSITION)
            .check();
    }
}
