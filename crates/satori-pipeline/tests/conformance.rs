//! The pipeline is an estimator: `PipelineParams` → `FittedPipeline` passes the same conformance
//! suite as every single model, with automatic preprocessing, categorical columns and missing
//! values in front of the model.

use satori_core::Task;
use satori_pipeline::{ModelParams, PipelineParams};
use satori_testkit::generate::Generator;
use satori_testkit::{Check, Conformance};

fn pipeline(model: &str, task: Task, sets: &[(&str, serde_json::Value)]) -> PipelineParams {
    let mut tree = serde_json::to_value(ModelParams::from_name(model, &[task]).unwrap()).unwrap();
    for (k, v) in sets {
        tree[*k] = v.clone();
    }
    PipelineParams {
        model: serde_json::from_value(tree).unwrap(),
        ..Default::default()
    }
}

const ONE_HOT_SEES_ONE_ROW: &str = "the automatic one-hot encoder learns its categories from the \
    rows it is fitted on, so a pipeline fitted on a subset of rows has other columns (as in \
    scikit-learn's Pipeline)";

#[test]
fn logistic_regression_behind_automatic_preprocessing() {
    let data = Generator::new(120, 4, 1)
        .nan_fraction(0.1)
        .categorical(1, 3)
        .weights(true)
        .classification(3);
    Conformance::new(pipeline("logistic", Task::Multiclass, &[]), data)
        .fit_order_tolerance(1e-7, 1e-9)
        .skip(Check::OneRowFit, ONE_HOT_SEES_ONE_ROW)
        .check_proba();
}

#[test]
fn boosting_reads_raw_columns() {
    let data = Generator::new(120, 3, 2)
        .nan_fraction(0.1)
        .categorical(1, 4)
        .classification(2);
    let params = pipeline(
        "gbm",
        Task::Binary,
        &[("n_estimators", 10.into()), ("num_leaves", 7.into())],
    );
    Conformance::new(params, data).check_proba();
}

#[test]
fn forest_regressor_and_ridge() {
    let data = Generator::new(100, 3, 3)
        .nan_fraction(0.05)
        .weights(true)
        .regression();
    let forest = pipeline("forest", Task::Regression, &[("n_estimators", 8.into())]);
    Conformance::new(forest, data.clone())
        .skip(
            Check::RowOrderFit,
            "a forest's bootstrap draws rows by position from the seed, so permuted training rows \
             grow other trees (as the forest's own conformance test says)",
        )
        .check();
    Conformance::new(pipeline("ridge", Task::Regression, &[]), data)
        .fit_order_tolerance(1e-9, 1e-9)
        .check();
}

#[test]
fn default_pipeline_params_validate_and_fit() {
    let data = Generator::new(40, 2, 4).classification(2);
    Conformance::new(PipelineParams::default(), data).check_proba();
}

/// A pipeline of several targets — the automatic preprocessing in front of the multi-task
/// network — passes the suite on every output column.
#[test]
fn several_targets_through_the_pipeline() {
    let base = Generator::new(60, 3, 6)
        .nan_fraction(0.1)
        .categorical(1, 3)
        .classification(2);
    let value: ndarray::Array1<f64> = base
        .x()
        .rows()
        .into_iter()
        .map(|r| if r[0].is_nan() { 0.5 } else { r[0] * 2.0 })
        .collect();
    let data = base
        .clone()
        .with_targets(vec![
            ("kind".into(), base.target().unwrap().clone()),
            ("size".into(), satori_core::Target::regression(value)),
        ])
        .unwrap();
    let mut params = pipeline(
        "mlp",
        Task::Binary,
        &[
            ("max_iter", 10.into()),
            ("hidden_layer_sizes", serde_json::json!([6])),
        ],
    );
    let satori_pipeline::ModelParams::MlpClassifier(p) = params.model.clone() else {
        panic!("an mlp classifier");
    };
    params.model = satori_pipeline::ModelParams::MultiTaskMlp(satori_nn::MultiTaskMlpParams(p.0));
    params.tasks = ["kind", "size"]
        .into_iter()
        .map(|n| (n.to_string(), satori_pipeline::TargetSettings::default()))
        .collect();
    Conformance::new(params, data)
        .skip(
            Check::RowOrderFit,
            "mini-batch training visits the rows in a seeded order (as the network's own suite \
             says)",
        )
        .skip(Check::OneRowFit, ONE_HOT_SEES_ONE_ROW)
        .check_multi();
}

/// Ensembles whose members are pipelines: each member brings its own preprocessing (the
/// logistic member its encoding, imputation and scaling; the tree reads raw columns), behind
/// soft voting and stacking, for classification and regression.
#[test]
fn voting_and_stacking_ensembles() {
    let members = serde_json::json!(["logistic", {"model": {"kind": "decision_tree_classifier", "max_depth": 3}}]);
    let data = Generator::new(120, 3, 5)
        .nan_fraction(0.1)
        .categorical(1, 3)
        .weights(true)
        .classification(3);
    let voting = pipeline(
        "voting",
        Task::Multiclass,
        &[("members", members.clone()), ("voting", "soft".into())],
    );
    Conformance::new(voting, data.clone())
        .fit_order_tolerance(1e-7, 1e-9)
        .skip(Check::OneRowFit, ONE_HOT_SEES_ONE_ROW)
        .skip(
            Check::RowOrderFit,
            "a decision tree breaks ties between equally good splits by the rows' order",
        )
        .check_proba();
    let stacking = pipeline(
        "stacking",
        Task::Multiclass,
        &[
            ("members", members),
            (
                "cv",
                serde_json::json!({"kind": "stratified_k_fold", "n_splits": 3}),
            ),
        ],
    );
    Conformance::new(stacking, data)
        .skip(Check::OneRowFit, ONE_HOT_SEES_ONE_ROW)
        .skip(
            Check::RowOrderFit,
            "the out-of-fold predictions come from unshuffled folds, which are cut by row order \
             (as in scikit-learn's StackingClassifier)",
        )
        .check_proba();
    let regression = Generator::new(100, 3, 6)
        .nan_fraction(0.05)
        .weights(true)
        .regression();
    let members = serde_json::json!(["ridge", {"model": {"kind": "decision_tree_regressor", "max_depth": 3}}]);
    let voting = pipeline(
        "voting",
        Task::Regression,
        &[
            ("members", members.clone()),
            ("weights", serde_json::json!([2.0, 1.0])),
        ],
    );
    Conformance::new(voting, regression.clone())
        .fit_order_tolerance(1e-7, 1e-9)
        .skip(
            Check::RowOrderFit,
            "a decision tree breaks ties between equally good splits by the rows' order",
        )
        .check();
    let stacking = pipeline(
        "stacking",
        Task::Regression,
        &[
            ("members", members),
            ("passthrough", true.into()),
            // The input columns hold missing values: the final estimator imputes and scales.
            (
                "final_estimator",
                serde_json::json!({"model": "ridge", "auto_preprocessing": true}),
            ),
        ],
    );
    Conformance::new(stacking, regression)
        .skip(
            Check::RowOrderFit,
            "the out-of-fold predictions come from unshuffled folds, which are cut by row order",
        )
        .check();
}

/// Bagging of a member pipeline that needs encoding and imputation, on drawn rows and columns.
#[test]
fn bagging_of_a_pipeline() {
    let data = Generator::new(120, 4, 7)
        .nan_fraction(0.1)
        .categorical(1, 3)
        .classification(2);
    let bagging = pipeline(
        "bagging",
        Task::Binary,
        &[
            ("estimator", "logistic".into()),
            ("n_estimators", 4.into()),
            ("max_features", 0.75.into()),
        ],
    );
    Conformance::new(bagging, data)
        .skip(Check::OneRowFit, ONE_HOT_SEES_ONE_ROW)
        .skip(
            Check::RowOrderFit,
            "each copy draws rows by position from the seed, so permuted rows are other draws",
        )
        .check_proba();
}
