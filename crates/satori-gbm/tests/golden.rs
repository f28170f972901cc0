//! Statistical agreement with LightGBM 4.7.0 on pre-binned data (tests/golden/gbm_lightgbm,
//! written by its generate.py), in the spirit of scikit-learn's `test_compare_lightgbm.py`.
//!
//! Every feature holds fewer distinct integers than `max_bin`, so both libraries bin each value
//! alone and grow trees on the same histograms with matched parameters. Split ties and
//! LightGBM's hessian-estimated leaf counts can still make a few trees differ, so the test is
//! statistical: raw scores must agree within `ATOL + RTOL·|score|` on at least `MIN_SHARE` of
//! the test rows, and predicted classes on at least 99 %. A drifted model (another learning
//! rate) must fail the same comparison, so the tolerance is tight enough to catch drift.

use ndarray::Array2;
use satori_core::{Dataset, Estimator, PredictProba, Target};
use satori_gbm::{EarlyStopping, GbmClassifierParams, GbmRegressorParams};
use satori_testkit::golden;
use serde_json::Value;

const RTOL: f64 = 1e-3;
const ATOL: f64 = 1e-3;
const MIN_SHARE: f64 = 0.95;

fn load() -> Value {
    let g = golden::load("gbm_lightgbm");
    assert_eq!(
        g["versions"]["lightgbm"], "4.7.0",
        "golden file from another LightGBM"
    );
    g
}

fn matrix(g: &Value, key: &str) -> Array2<f64> {
    golden::f64_matrix(g, &format!("/{key}"))
}

fn case<'a>(g: &'a Value, name: &str) -> &'a Value {
    g["cases"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("golden case {name} missing"))
}

fn data(x: Array2<f64>, target: Target) -> Dataset {
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    Dataset::new(x, names).unwrap().with_target(target).unwrap()
}

/// The share of entries where `a` and `b` agree within the tolerance.
fn agreement(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    let close = a
        .iter()
        .zip(b.iter())
        .filter(|(x, y)| (*x - *y).abs() <= ATOL + RTOL * y.abs())
        .count();
    close as f64 / a.len() as f64
}

fn rounds(c: &Value) -> usize {
    c["params"]["n_estimators"].as_u64().unwrap_or(0) as usize
}

fn regressor(lr: f64, n_estimators: usize) -> GbmRegressorParams {
    GbmRegressorParams {
        n_estimators,
        learning_rate: lr,
        num_leaves: 15,
        min_samples_leaf: 1,
        min_child_weight: 1e-3,
        max_bin: 255,
        early_stopping: EarlyStopping::Off,
        ..Default::default()
    }
}

fn classifier(lr: f64, n_estimators: usize) -> GbmClassifierParams {
    GbmClassifierParams {
        n_estimators,
        learning_rate: lr,
        num_leaves: 15,
        min_samples_leaf: 1,
        min_child_weight: 1e-3,
        max_bin: 255,
        early_stopping: EarlyStopping::Off,
        ..Default::default()
    }
}

fn class_target(y: &[f64], k: usize) -> Target {
    let labels = (0..k).map(|c| format!("c{c}")).collect();
    Target::classes(y.iter().map(|&v| v as usize).collect(), labels).unwrap()
}

fn argmax_agreement(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let am = |r: ndarray::ArrayView1<'_, f64>| {
        if r.len() == 1 {
            usize::from(r[0] > 0.0)
        } else {
            (0..r.len()).fold(0, |m, i| if r[i] > r[m] { i } else { m })
        }
    };
    let same = a
        .rows()
        .into_iter()
        .zip(b.rows())
        .filter(|(x, y)| am(*x) == am(*y))
        .count();
    same as f64 / a.nrows() as f64
}

#[test]
fn regression_matches_lightgbm() {
    let g = load();
    let c = case(&g, "regression");
    let train = data(
        matrix(&g, "x_train"),
        Target::regression(golden::f64_vec(c, "/y_train").into()),
    );
    let expected = golden::f64_matrix(c, "/raw_test");
    let x_test = matrix(&g, "x_test");
    let raw = regressor(0.1, rounds(c))
        .fit(&train)
        .unwrap()
        .decision_function(x_test.view())
        .unwrap();
    let share = agreement(&raw, &expected);
    eprintln!("regression: {share:.4} of test rows within tolerance");
    assert!(
        share >= MIN_SHARE,
        "only {share} of rows agree with LightGBM"
    );
    let drifted = regressor(0.11, rounds(c))
        .fit(&train)
        .unwrap()
        .decision_function(x_test.view())
        .unwrap();
    let drift_share = agreement(&drifted, &expected);
    assert!(
        drift_share < MIN_SHARE,
        "a drifted model still agrees on {drift_share}"
    );
}

#[test]
fn binary_matches_lightgbm() {
    let g = load();
    let c = case(&g, "binary");
    let train = data(
        matrix(&g, "x_train"),
        class_target(&golden::f64_vec(c, "/y_train"), 2),
    );
    let expected = golden::f64_matrix(c, "/raw_test");
    let x_test = matrix(&g, "x_test");
    let model = classifier(0.1, rounds(c)).fit(&train).unwrap();
    let raw = model.decision_function(x_test.view()).unwrap();
    let share = agreement(&raw, &expected);
    let classes = argmax_agreement(&raw, &expected);
    eprintln!("binary: {share:.4} of raw scores within tolerance, classes agree on {classes:.4}");
    assert!(
        share >= MIN_SHARE,
        "only {share} of rows agree with LightGBM"
    );
    assert!(classes >= 0.99, "classes agree on {classes}");
    assert_eq!(model.predict_proba(x_test.view()).unwrap().ncols(), 2);
    let drifted = classifier(0.11, rounds(c))
        .fit(&train)
        .unwrap()
        .decision_function(x_test.view())
        .unwrap();
    assert!(agreement(&drifted, &expected) < MIN_SHARE);
}

#[test]
fn multiclass_matches_lightgbm() {
    // LightGBM does not boost softmax from the class prior; generate.py gives it satori's
    // starting scores (the log prior) as init_score and adds them to its raw scores.
    let g = load();
    let c = case(&g, "multiclass");
    let train = data(
        matrix(&g, "x_train"),
        class_target(&golden::f64_vec(c, "/y_train"), 3),
    );
    let expected = golden::f64_matrix(c, "/raw_test");
    let x_test = matrix(&g, "x_test");
    let raw = classifier(0.1, rounds(c))
        .fit(&train)
        .unwrap()
        .decision_function(x_test.view())
        .unwrap();
    let share = agreement(&raw, &expected);
    let classes = argmax_agreement(&raw, &expected);
    eprintln!(
        "multiclass: {share:.4} of raw scores within tolerance, classes agree on {classes:.4}"
    );
    assert!(
        share >= MIN_SHARE,
        "only {share} of scores agree with LightGBM"
    );
    assert!(classes >= 0.99, "classes agree on {classes}");
    let drifted = classifier(0.11, rounds(c))
        .fit(&train)
        .unwrap()
        .decision_function(x_test.view())
        .unwrap();
    assert!(agreement(&drifted, &expected) < MIN_SHARE);
}
