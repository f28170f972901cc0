//! `--resample NAME`: an imbalanced-learn sampler as a fit-time step of train, cv and tune.

mod common;
use common::*;

#[test]
fn resample_flag_adds_the_sampler_after_the_automatic_steps() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.satori");
    let bc = data("breast_cancer.csv");
    let o = satori(&[
        "train",
        &bc,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--resample",
        "smote",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = satori(&["inspect", model.to_str().unwrap(), "--json"]);
    let header = stdout(&o);
    assert!(header.contains("\"smote\""), "{header}");
    // After the automatic scaling, right before the model.
    let scaler = header
        .find("standard_scaler")
        .expect("the automatic scaler");
    assert!(scaler < header.find("\"smote\"").unwrap(), "{header}");
    let o = satori(&[
        "cv",
        &bc,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--resample",
        "near_miss",
        "--folds",
        "3",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Predictions cover every row.
    let preds = dir.path().join("p.csv");
    let o = satori(&[
        "predict",
        model.to_str().unwrap(),
        &bc,
        "--out",
        preds.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = std::fs::read_to_string(&preds).unwrap().lines().count();
    assert_eq!(lines, 570);
}

#[test]
fn a_wrong_sampler_or_a_regression_target_is_a_user_error() {
    let o = satori(&[
        "train",
        &data("breast_cancer.csv"),
        "--target",
        "diagnosis",
        "--resample",
        "smoot",
    ]);
    assert_user_error(
        &o,
        &[
            "did you mean `smote`",
            "random_over_sampler",
            "kmeans_smote",
        ],
    );
    let o = satori(&[
        "cv",
        &data("diabetes.csv"),
        "--target",
        "progression",
        "--resample",
        "smote",
        "--folds",
        "3",
    ]);
    assert_user_error(&o, &["regression"]);
}
