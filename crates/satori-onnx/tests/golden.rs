//! Golden test: ONNX Runtime gives satori's predictions from the exported models.
//!
//! Each case trains a pipeline deterministically on a bundled data set (`data/*.csv`), exports
//! it, and checks that
//!
//! 1. the exported bytes are exactly the committed `tests/golden/onnx/<case>.onnx`, the file that
//!    `tests/golden/onnx/generate.py` ran through ONNX Runtime (so a change to the export, or to
//!    the training it depends on, fails here until the file and its predictions are regenerated
//!    and reviewed);
//! 2. satori's own predictions on every row equal ONNX Runtime's predictions from that file
//!    (`expected.json`): the same labels, probabilities within 1e-5, values within 1e-5
//!    relative (the ONNX outputs are float32).
//!
//! `SATORI_WRITE_GOLDEN_ONNX=1 cargo test -p satori-onnx --test golden` writes the `.onnx` files
//! instead (generate.py does this first, then runs ONNX Runtime on them).

use std::path::PathBuf;

use satori_core::{Estimator, NoProgress};
use satori_data::{ReadOptions, Table, TargetSpec, read_csv_bytes};
use satori_pipeline::{FittedPipeline, ModelParams, PipelineParams};
use serde_json::Value;

/// (case, data file, target, model kind, parameter overrides)
const CASES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "mlp_classifier_wine",
        "wine.csv",
        "class",
        "mlp_classifier",
        r#"{"hidden_layer_sizes": [16], "max_iter": 40}"#,
    ),
    (
        "mlp_regressor_diabetes",
        "diabetes.csv",
        "progression",
        "mlp_regressor",
        r#"{"hidden_layer_sizes": [8], "max_iter": 30, "batch_norm": true, "activation": "gelu"}"#,
    ),
    (
        "random_forest_binary_breast_cancer",
        "breast_cancer.csv",
        "diagnosis",
        "random_forest_classifier",
        r#"{"n_estimators": 15, "max_depth": 6}"#,
    ),
    (
        "extra_trees_multiclass_wine",
        "wine.csv",
        "class",
        "extra_trees_classifier",
        r#"{"n_estimators": 10}"#,
    ),
    (
        "gbm_binary_breast_cancer",
        "breast_cancer.csv",
        "diagnosis",
        "gbm_classifier",
        r#"{"n_estimators": 25}"#,
    ),
    (
        "gbm_multiclass_wine",
        "wine.csv",
        "class",
        "gbm_classifier",
        r#"{"n_estimators": 15}"#,
    ),
    (
        "gbm_multiclass_penguins_categories",
        "palmer_penguins.csv",
        "species",
        "gbm_classifier",
        r#"{"n_estimators": 10}"#,
    ),
    (
        "gbm_regressor_diabetes",
        "diabetes.csv",
        "progression",
        "gbm_regressor",
        r#"{"n_estimators": 30}"#,
    ),
    (
        "random_forest_regressor_diabetes",
        "diabetes.csv",
        "progression",
        "random_forest_regressor",
        r#"{"n_estimators": 10, "max_depth": 8}"#,
    ),
    (
        "logistic_pipeline_penguins",
        "palmer_penguins.csv",
        "species",
        "logistic_regression",
        "{}",
    ),
    (
        "ridge_pipeline_penguins",
        "palmer_penguins.csv",
        "body_mass_g",
        "ridge",
        "{}",
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden_dir() -> PathBuf {
    root().join("tests/golden/onnx")
}

fn table(file: &str) -> Table {
    let path = root().join("data").join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    read_csv_bytes(file, &bytes, &ReadOptions::default()).unwrap()
}

/// The table without its target column (the rows ONNX Runtime also predicts).
fn fit(table: &Table, target: &str, kind: &str, overrides: &str) -> FittedPipeline {
    let (data, _) = table
        .to_dataset(&TargetSpec {
            name: target.into(),
            task: None,
        })
        .unwrap();
    let task = data.require_target().unwrap().task();
    let mut model = serde_json::to_value(ModelParams::from_name(kind, &[task]).unwrap()).unwrap();
    let extra: serde_json::Map<String, Value> = serde_json::from_str(overrides).unwrap();
    for (k, v) in extra {
        assert!(model.get(&k).is_some(), "{kind} has no parameter {k}");
        model[k] = v;
    }
    let params = PipelineParams {
        model: serde_json::from_value(model).unwrap(),
        ..Default::default()
    };
    params
        .fit_with_progress(&data, &NoProgress)
        .unwrap_or_else(|e| panic!("{kind} fits: {e}"))
}

fn close(a: f64, b: f64, rel: bool) -> bool {
    let scale = if rel { b.abs().max(1.0) } else { 1.0 };
    (a - b).abs() <= 1e-5 * scale
}

#[test]
fn onnx_runtime_reproduces_satori_predictions() {
    let write = std::env::var_os("SATORI_WRITE_GOLDEN_ONNX").is_some();
    let expected: Value = if write {
        Value::Null
    } else {
        let path = golden_dir().join("expected.json");
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
    };
    for &(case, file, target, kind, overrides) in CASES {
        let t = table(file);
        let pipeline = fit(&t, target, kind, overrides);
        let model = satori_onnx::export(&pipeline).unwrap_or_else(|e| panic!("{case}: {e}"));
        let onnx_path = golden_dir().join(format!("{case}.onnx"));
        if write {
            std::fs::write(&onnx_path, &model.bytes).unwrap();
            continue;
        }
        let committed = std::fs::read(&onnx_path).unwrap();
        assert!(
            committed == model.bytes,
            "{case}: the exported model differs from {} (ONNX Runtime's predictions were \
             computed on that file): regenerate with tests/golden/regenerate.sh onnx and review",
            onnx_path.display()
        );
        let exp = &expected["cases"][case];
        assert!(exp.is_object(), "{case}: not in expected.json");
        let pred = pipeline.predict_table(&t).unwrap();
        let n = pred.len();
        match &pred.proba {
            Some(proba) => {
                let labels = exp["label"].as_array().unwrap();
                let probs = exp["probabilities"].as_array().unwrap();
                assert_eq!(labels.len(), n, "{case}: rows");
                for i in 0..n {
                    assert_eq!(
                        pred.label(i),
                        labels[i].as_str().unwrap(),
                        "{case}: row {i}"
                    );
                    let row = probs[i].as_array().unwrap();
                    assert_eq!(row.len(), proba.ncols(), "{case}: classes");
                    for (c, v) in row.iter().enumerate() {
                        let (a, b) = (proba[[i, c]], v.as_f64().unwrap());
                        assert!(close(a, b, false), "{case}: row {i} class {c}: {a} vs {b}");
                    }
                }
            }
            None => {
                let values = exp["variable"].as_array().unwrap();
                assert_eq!(values.len(), n, "{case}: rows");
                for (i, v) in values.iter().enumerate() {
                    let (a, b) = (pred.values[i], v.as_f64().unwrap());
                    assert!(close(a, b, true), "{case}: row {i}: {a} vs {b}");
                }
            }
        }
    }
}
