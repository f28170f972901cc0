//! Agreement with LightGBM 4.7.0's `Booster.refit` (tests/golden/gbm_refit, written by its
//! generate.py): a model trained on pre-binned rows with matched parameters, its leaf values
//! refitted on drifted rows with a decay rate, compared by raw scores on test rows. Tolerances
//! and the statistical share follow the training golden test (`golden.rs`); a refit with another
//! decay rate must fail the comparison, so it is tight enough to notice a wrong update.

use ndarray::{Array1, Array2};
use satori_core::{Dataset, Estimator, Target};
use satori_gbm::{EarlyStopping, GbmClassifierParams, GbmRegressorParams};
use satori_testkit::golden;
use serde_json::Value;

const RTOL: f64 = 1e-3;
const ATOL: f64 = 1e-3;
const MIN_SHARE: f64 = 0.95;

fn load() -> Value {
    let g = golden::load("gbm_refit");
    assert_eq!(g["versions"]["lightgbm"], "4.7.0");
    g
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

fn share(a: &Array1<f64>, b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let close = a
        .iter()
        .zip(b)
        .filter(|(x, y)| (*x - *y).abs() <= ATOL + RTOL * y.abs())
        .count();
    close as f64 / a.len() as f64
}

fn regressor(rounds: usize) -> GbmRegressorParams {
    GbmRegressorParams {
        n_estimators: rounds,
        learning_rate: 0.1,
        num_leaves: 15,
        min_samples_leaf: 1,
        min_child_weight: 1e-3,
        max_bin: 255,
        early_stopping: EarlyStopping::Off,
        ..Default::default()
    }
}

fn binary(y: &[f64]) -> Target {
    Target::classes(
        y.iter().map(|&v| v as usize).collect(),
        vec!["c0".into(), "c1".into()],
    )
    .unwrap()
}

fn regression_case(name: &str) {
    let g = load();
    let c = case(&g, name);
    let rounds = c["rounds"].as_u64().unwrap() as usize;
    let decay = c["decay_rate"].as_f64().unwrap();
    let train = data(
        golden::f64_matrix(&g, "/x_train"),
        Target::regression(golden::f64_vec(c, "/y_train").into()),
    );
    let new = data(
        golden::f64_matrix(&g, "/x_new"),
        Target::regression(golden::f64_vec(c, "/y_new").into()),
    );
    let x_test = golden::f64_matrix(&g, "/x_test");
    let params = regressor(rounds);
    let model = params.fit(&train).unwrap();
    let before = model
        .decision_function(x_test.view())
        .unwrap()
        .column(0)
        .to_owned();
    let s = share(&before, &golden::f64_vec(c, "/raw_before"));
    assert!(s >= MIN_SHARE, "{name}: trained model agrees on {s}");
    let refitted = params.refit(&model, &new, decay).unwrap();
    let after = refitted
        .decision_function(x_test.view())
        .unwrap()
        .column(0)
        .to_owned();
    let expected = golden::f64_vec(c, "/raw_after");
    let s = share(&after, &expected);
    assert!(s >= MIN_SHARE, "{name}: refitted model agrees on {s}");
    // A different decay rate is told apart.
    let other = params.refit(&model, &new, (decay + 0.3) % 1.0).unwrap();
    let wrong = other
        .decision_function(x_test.view())
        .unwrap()
        .column(0)
        .to_owned();
    assert!(share(&wrong, &expected) < 0.5);
    // The structure is kept: same trees, same splits.
    assert_eq!(refitted.trees().len(), model.trees().len());
    for (a, b) in refitted.trees().iter().zip(model.trees()) {
        assert_eq!(a.n_leaves(), b.n_leaves());
    }
}

#[test]
fn regression_refit_matches_lightgbm() {
    regression_case("regression");
}

#[test]
fn regression_refit_without_decay_matches_lightgbm() {
    regression_case("regression_decay0");
}

#[test]
fn binary_refit_matches_lightgbm() {
    let g = load();
    let c = case(&g, "binary");
    let rounds = c["rounds"].as_u64().unwrap() as usize;
    let decay = c["decay_rate"].as_f64().unwrap();
    let train = data(
        golden::f64_matrix(&g, "/x_train"),
        binary(&golden::f64_vec(c, "/y_train")),
    );
    let new = data(
        golden::f64_matrix(&g, "/x_new"),
        binary(&golden::f64_vec(c, "/y_new")),
    );
    let x_test = golden::f64_matrix(&g, "/x_test");
    let params = GbmClassifierParams {
        n_estimators: rounds,
        learning_rate: 0.1,
        num_leaves: 15,
        min_samples_leaf: 1,
        min_child_weight: 1e-3,
        max_bin: 255,
        early_stopping: EarlyStopping::Off,
        ..Default::default()
    };
    let model = params.fit(&train).unwrap();
    assert_eq!(model.init_score(), &[0.0]);
    let refitted = params.refit(&model, &new, decay).unwrap();
    let after = refitted
        .decision_function(x_test.view())
        .unwrap()
        .column(0)
        .to_owned();
    let expected = golden::f64_vec(c, "/raw_after");
    let s = share(&after, &expected);
    assert!(s >= MIN_SHARE, "binary: refitted model agrees on {s}");
    let before = model
        .decision_function(x_test.view())
        .unwrap()
        .column(0)
        .to_owned();
    assert!(share(&before, &expected) < 0.5, "the refit changed nothing");
}

#[test]
fn refit_refuses_a_decay_outside_0_1_and_other_columns() {
    let data = satori_testkit::generate::regression(200, 3, 1);
    let params = regressor(5);
    let model = params.fit(&data).unwrap();
    let e = params.refit(&model, &data, 1.5).unwrap_err().to_string();
    assert!(e.contains("decay_rate"), "{e}");
    let other = satori_testkit::generate::regression(50, 4, 2);
    assert!(params.refit(&model, &other, 0.5).is_err());
    // decay 1 keeps the model exactly.
    let same = params.refit(&model, &data, 1.0).unwrap();
    assert_eq!(same.trees(), model.trees());
}

#[test]
fn scaled_rounds_are_the_old_model_plus_weighted_new_trees() {
    let data = satori_testkit::generate::regression(300, 3, 4);
    let params = regressor(10);
    let old = params.fit(&data).unwrap();
    let cont = params.continue_training(&old, &data, None).unwrap();
    assert_eq!(cont.n_iter(), 20);
    let x = data.x();
    let raw = |m: &satori_gbm::GbmRegressor| m.decision_function(x).unwrap().column(0).to_owned();
    let zero = cont.scale_rounds_from(10, 0.0).unwrap();
    let d = (&raw(&zero) - &raw(&old)).mapv(f64::abs);
    assert!(d.iter().all(|&v| v < 1e-12));
    let half = cont.scale_rounds_from(10, 0.5).unwrap();
    let expect = &raw(&old) + &((&raw(&cont) - &raw(&old)) * 0.5);
    let d = (&raw(&half) - &expect).mapv(f64::abs);
    assert!(d.iter().all(|&v| v < 1e-9));
    assert!(cont.scale_rounds_from(21, 1.0).is_err());
    assert!(cont.scale_rounds_from(10, f64::NAN).is_err());
}
