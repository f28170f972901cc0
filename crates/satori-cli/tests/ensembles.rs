//! Ensembles from the command line: `--model voting|stacking` with members in short, each
//! member's holdout score beside the ensemble's, and the saved ensemble through `predict`,
//! `evaluate`, `inspect` and `cv`.

mod common;

use common::{assert_user_error, data, satori, stderr, stdout};

fn run(args: &[&str]) -> String {
    let o = satori(args);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn stacking_trains_scores_its_members_and_predicts() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("stack.satori").display().to_string();
    let preds = dir.path().join("preds.csv").display().to_string();
    let file = data("breast_cancer.csv");
    let out = run(&[
        "train",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "stacking",
        "--set",
        "model.members=[logistic,tree]",
        "--set",
        "model.members.1.model.max_depth=3",
        "--out",
        &model,
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["model"], "stacking_classifier");
    let members = j["members"].as_array().unwrap();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["logistic", "tree"]);
    assert_eq!(members[1]["kind"], "decision_tree_classifier");
    assert!(members[0]["metrics"]["roc_auc"].as_f64().unwrap() > 0.9);
    assert_eq!(j["params"]["model"]["members"][1]["model"]["max_depth"], 3);
    // inspect lists the members and their scores beside the ensemble's.
    let text = run(&["inspect", &model]);
    assert!(text.contains("stacking classifier of 2 members"), "{text}");
    assert!(
        text.contains("ensemble") && text.contains("logistic"),
        "{text}"
    );
    // The saved ensemble predicts and evaluates like any model.
    run(&["predict", &model, &file, "--out", &preds]);
    let csv = std::fs::read_to_string(&preds).unwrap();
    assert_eq!(csv.lines().count(), 570, "a header and one line per row");
    let eval = run(&["evaluate", &model, &file]);
    assert!(eval.contains("roc_auc"), "{eval}");
}

#[test]
fn voting_cross_validates_and_bad_members_are_named() {
    let file = data("diabetes.csv");
    let text = run(&[
        "cv",
        &file,
        "--target",
        "progression",
        "--model",
        "voting",
        "--set",
        "model.members=[ridge,tree]",
        "--folds",
        "3",
    ]);
    assert!(text.contains("r2"), "{text}");
    let o = satori(&[
        "train",
        &file,
        "--target",
        "progression",
        "--model",
        "voting",
        "--set",
        "model.members=[ridge,forrest]",
    ]);
    assert_user_error(&o, &["unknown model `forrest`"]);
}
