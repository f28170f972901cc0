//! The `satori` binary run on real files: outputs, exit codes and error messages.

mod common;
use common::*;

use std::path::{Path, PathBuf};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

#[test]
fn train_predict_evaluate_inspect_end_to_end() {
    let dir = tmp();
    let model = path(&dir, "model.satori");
    let o = satori(&[
        "train",
        &data("breast_cancer.csv"),
        "--target",
        "diagnosis",
        "--model",
        "baseline",
        "--out",
        &model,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["command"], "train");
    assert_eq!(j["task"], "binary");
    assert_eq!(j["n_rows"], 569);
    assert_eq!(j["classes"], serde_json::json!(["benign", "malignant"]));
    let acc = j["holdout"]["metrics"]["accuracy"].as_f64().unwrap();
    assert!((0.55..0.7).contains(&acc), "prior baseline accuracy {acc}");

    let preds = path(&dir, "preds.csv");
    let o = satori(&[
        "predict",
        &model,
        &data("breast_cancer.csv"),
        "--proba",
        "--id",
        "diagnosis",
        "--out",
        &preds,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&preds).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("diagnosis,prediction,proba_benign,proba_malignant")
    );
    assert_eq!(lines.count(), 569);

    let o = satori(&["evaluate", &model, &data("breast_cancer.csv"), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["command"], "evaluate");
    assert_eq!(j["n_rows"], 569);
    let cm = j["confusion_matrix"].as_array().unwrap();
    assert_eq!(cm.len(), 2);
    let total: f64 = cm
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert_eq!(total, 569.0);

    let o = satori(&["inspect", &model]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("dummy_classifier"), "{}", stdout(&o));
    let o = satori(&["inspect", &model, "--json"]);
    let h: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(h["target"], "diagnosis");
    assert_eq!(
        h["format_version"],
        satori_pipeline::model_file::FORMAT_VERSION
    );
}

#[test]
fn library_cli_and_reloaded_model_predict_identically() {
    let dir = tmp();
    let model = path(&dir, "m.satori");
    let preds = path(&dir, "p.csv");
    let file = data("palmer_penguins.csv");
    assert!(
        satori(&[
            "train",
            &file,
            "--target",
            "species",
            "--model",
            "baseline",
            "--set",
            "model.strategy=stratified",
            "--seed",
            "7",
            "--out",
            &model
        ])
        .status
        .success()
    );
    let o = satori(&["predict", &model, &file, "--proba", "--out", &preds]);
    assert!(o.status.success(), "{}", stderr(&o));

    let (_, pipeline) = satori_pipeline::model_file::load(Path::new(&model)).unwrap();
    let opts = pipeline.read_options(satori_data::ReadOptions::default());
    let table = satori_data::read_table(Path::new(&file), &opts).unwrap();
    let lib = pipeline.predict_table(&table).unwrap();
    let classes = pipeline.classes().unwrap();
    let mut rdr = csv::Reader::from_path(&preds).unwrap();
    let mut n = 0;
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.unwrap();
        assert_eq!(&rec[0], classes[lib.values[i] as usize], "row {i}");
        let proba = lib.proba.as_ref().unwrap();
        for k in 0..classes.len() {
            let v: f64 = rec[1 + k].parse().unwrap();
            assert_eq!(v.to_bits(), proba[[i, k]].to_bits(), "row {i} class {k}");
        }
        n += 1;
    }
    assert_eq!(n, table.n_rows());
}

#[test]
fn inspect_profiles_a_data_file() {
    let o = satori(&[
        "inspect",
        &data("palmer_penguins.csv"),
        "--target",
        "species",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(p["target"]["task"], "multiclass");
    let island = p["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "island")
        .unwrap();
    assert_eq!(island["kind"], "categorical");
    let o = satori(&[
        "inspect",
        &data("palmer_penguins.csv"),
        "--target",
        "species",
    ]);
    assert!(stdout(&o).contains("island"));
}

#[test]
fn generate_writes_csv_and_parquet_that_read_back() {
    let dir = tmp();
    for (name, extra) in [
        ("g.csv", vec![]),
        ("g.parquet", vec![]),
        ("r.csv", vec!["regression"]),
    ] {
        let out = path(&dir, name);
        let kind = if extra.is_empty() {
            "classification"
        } else {
            "regression"
        };
        let o = satori(&[
            "generate",
            kind,
            "--rows",
            "500",
            "--features",
            "6",
            "--informative",
            "3",
            "--seed",
            "1",
            "-o",
            &out,
            "--json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = satori(&["inspect", &out, "--target", "target", "--json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let p: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(p["n_rows"], 500);
        assert_eq!(p["n_columns"], 7);
    }
}

#[test]
fn demo_runs_every_layer() {
    let dir = tmp();
    let out = dir.path().join("demo");
    let o = satori(&["demo", "--out-dir", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "model.satori",
        "predictions.csv",
        "evaluation.json",
        "profile.json",
        "breast_cancer.csv",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p: PathBuf = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn malformed_input_gives_exit_code_1_and_a_clear_message() {
    let dir = tmp();
    let model = path(&dir, "m.satori");
    // A target column that does not exist, with the closest names.
    let o = satori(&[
        "train",
        &data("breast_cancer.csv"),
        "--target",
        "diagnosys",
        "--out",
        &model,
    ]);
    assert_user_error(&o, &["diagnosys", "diagnosis"]);
    // A ragged row, naming the file and line.
    let ragged = write(&dir, "ragged.csv", "a,b,y\n1,2,0\n3,4\n5,6,1\n");
    let o = satori(&["train", &ragged, "--target", "y", "--out", &model]);
    assert_user_error(&o, &["ragged.csv", "3"]);
    // An empty file.
    let empty = write(&dir, "empty.csv", "");
    assert_user_error(&satori(&["inspect", &empty]), &["empty.csv"]);
    // A non-numeric value in a column the schema forces numeric.
    let bad = write(&dir, "bad.csv", "a,y\n1,0\n2,1\nx,0\n");
    let schema = write(&dir, "schema.toml", "[columns]\na = \"numeric\"\n");
    let o = satori(&["inspect", &bad, "--schema", &schema]);
    assert_user_error(&o, &["bad.csv", "4", "a"]);
    // A missing file.
    assert_user_error(
        &satori(&["inspect", "/nonexistent/x.csv"]),
        &["/nonexistent/x.csv"],
    );
    // A bad flag and a bad flag value.
    assert_user_error(&satori(&["train", "--frobnicate"]), &[]);
    assert_user_error(
        &satori(&["--threads", "0", "inspect", &data("wine.csv")]),
        &["threads"],
    );
    assert_user_error(
        &satori(&[
            "train",
            &data("wine.csv"),
            "--target",
            "class",
            "--model",
            "gbmm",
            "--out",
            &model,
        ]),
        &["gbmm"],
    );
    assert_user_error(
        &satori(&[
            "train",
            &data("wine.csv"),
            "--target",
            "class",
            "--set",
            "model.nope=1",
            "--out",
            &model,
        ]),
        &["nope"],
    );
    // A file that is not a model, and a truncated model.
    assert_user_error(
        &satori(&[
            "predict",
            &data("wine.csv"),
            &data("wine.csv"),
            "--out",
            &path(&dir, "p.csv"),
        ]),
        &["not a satori model file"],
    );
    assert!(
        satori(&[
            "train",
            &data("wine.csv"),
            "--target",
            "class",
            "--out",
            &model
        ])
        .status
        .success()
    );
    let bytes = std::fs::read(&model).unwrap();
    let cut = write(&dir, "cut.satori", "");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_user_error(
        &satori(&["evaluate", &cut, &data("wine.csv")]),
        &["truncated"],
    );
    // Predicting on data with text in a numeric column, naming the line and column.
    let typed = write(
        &dir,
        "typed.csv",
        &std::fs::read_to_string(data("wine.csv"))
            .unwrap()
            .replacen("14.23", "abc", 1),
    );
    assert_user_error(
        &satori(&["predict", &model, &typed, "--out", &path(&dir, "p.csv")]),
        &["typed.csv", "alcohol", "abc"],
    );
    // Predicting on data without one of the model's columns.
    let partial = write(&dir, "partial.csv", "alcohol,class\n13.2,1\n");
    assert_user_error(
        &satori(&["predict", &model, &partial, "--out", &path(&dir, "p.csv")]),
        &["malic_acid"],
    );
}

#[test]
fn help_and_version_exit_0() {
    let o = satori(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    for cmd in [
        "inspect", "train", "predict", "evaluate", "generate", "demo",
    ] {
        assert!(stdout(&o).contains(cmd), "{cmd} missing from --help");
    }
    assert_eq!(satori(&["--version"]).status.code(), Some(0));
    assert_eq!(satori(&["train", "--help"]).status.code(), Some(0));
}

#[test]
fn cv_prints_fold_scores_and_writes_out_of_fold_predictions() {
    let dir = tmp();
    let oof = path(&dir, "oof.csv");
    let o = satori(&[
        "cv",
        &data("wine.csv"),
        "--target",
        "class",
        "--folds",
        "4",
        "--metric",
        "f1_micro",
        "--oof",
        &oof,
        "--id",
        "alcohol",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["folds"].as_array().unwrap().len(), 4);
    assert_eq!(j["strategy"]["kind"], "stratified_k_fold");
    assert!(j["summary"]["f1_micro"]["mean"].is_number());
    let text = std::fs::read_to_string(&oof).unwrap();
    assert!(
        text.starts_with("alcohol,class,prediction,proba_class_0,proba_class_1,proba_class_2\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 179);
    let o = satori(&[
        "cv",
        &data("diabetes.csv"),
        "--target",
        "progression",
        "--folds",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("mean ± std"));
    assert_user_error(
        &satori(&["cv", &data("wine.csv"), "--target", "class", "--folds", "1"]),
        &["--folds", "at least 2"],
    );
    assert_user_error(
        &satori(&[
            "cv",
            &data("wine.csv"),
            "--target",
            "class",
            "--repeats",
            "2",
            "--oof",
            &oof,
        ]),
        &["--oof"],
    );
}

#[test]
fn evaluate_a_predictions_file_from_any_model() {
    let dir = tmp();
    let preds = write(
        &dir,
        "p.csv",
        "y,prediction,proba_no,proba_yes\nyes,yes,0.2,0.8\nno,no,0.9,0.1\nyes,no,0.6,0.4\nno,no,0.7,0.3\n",
    );
    let o = satori(&[
        "evaluate",
        "--predictions",
        &preds,
        "--target",
        "y",
        "--metric",
        "f1_macro",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["metrics"]["accuracy"], 0.75);
    assert_eq!(j["metrics"]["roc_auc"], 1.0);
    assert_eq!(j["metrics"]["recall"], 0.5);
    assert!(j["metrics"]["f1_macro"].is_number());
    // A single score column.
    let scores = write(&dir, "s.csv", "y,s\n1,0.9\n0,0.2\n1,0.35\n0,0.4\n");
    let o = satori(&[
        "evaluate",
        "--predictions",
        &scores,
        "--target",
        "y",
        "--score",
        "s",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["metrics"]["roc_auc"], 0.75);
    // Regression.
    let reg = write(&dir, "r.csv", "y,prediction\n1.5,1\n2.5,3\n4,4\n");
    let o = satori(&["evaluate", "--predictions", &reg, "--target", "y", "--json"]);
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["metrics"]["max_error"], 0.5);
    // Errors: a label the target does not have, probability columns for other classes, an
    // unknown metric, a cost matrix of the wrong shape, a malformed file.
    let bad = write(&dir, "b.csv", "y,prediction\nyes,yes\nno,maybe\n");
    assert_user_error(
        &satori(&["evaluate", "--predictions", &bad, "--target", "y"]),
        &["maybe"],
    );
    let bad = write(
        &dir,
        "b2.csv",
        "y,proba_a,proba_b\nyes,0.2,0.8\nno,0.9,0.1\n",
    );
    assert_user_error(
        &satori(&["evaluate", "--predictions", &bad, "--target", "y"]),
        &["proba", "classes"],
    );
    assert_user_error(
        &satori(&[
            "evaluate",
            "--predictions",
            &preds,
            "--target",
            "y",
            "--metric",
            "f1_macr",
        ]),
        &["f1_macro"],
    );
    let costs = write(&dir, "c.csv", "0,1,2\n1,0,2\n");
    assert_user_error(
        &satori(&[
            "evaluate",
            "--predictions",
            &preds,
            "--target",
            "y",
            "--cost-matrix",
            &costs,
        ]),
        &["cost matrix"],
    );
    let ragged = write(&dir, "rg.csv", "y,prediction\nyes,yes,1\n");
    assert_user_error(
        &satori(&["evaluate", "--predictions", &ragged, "--target", "y"]),
        &["rg.csv"],
    );
    assert_user_error(
        &satori(&["evaluate", "--predictions", &preds]),
        &["--target"],
    );
}

#[test]
fn a_tuned_threshold_is_stored_and_used_by_predict() {
    let dir = tmp();
    let model = path(&dir, "t.satori");
    let costs = write(
        &dir,
        "costs.csv",
        "true,benign,malignant\nbenign,0,1\nmalignant,10,0\n",
    );
    let o = satori(&[
        "train",
        &data("breast_cancer.csv"),
        "--target",
        "diagnosis",
        "--model",
        "baseline",
        "--set",
        "model.strategy=stratified",
        "--cost-matrix",
        &costs,
        "--tune-threshold",
        "cost",
        "--out",
        &model,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["threshold"]["greater_is_better"], false);
    assert!(j["holdout"]["metrics"]["expected_cost"].is_number());
    let t = j["threshold"]["threshold"].as_f64().unwrap();
    let preds = path(&dir, "p.csv");
    assert!(
        satori(&[
            "predict",
            &model,
            &data("breast_cancer.csv"),
            "--proba",
            "--out",
            &preds
        ])
        .status
        .success()
    );
    let mut rdr = csv::Reader::from_path(&preds).unwrap();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let p: f64 = rec[2].parse().unwrap();
        assert_eq!(&rec[0], if p >= t { "malignant" } else { "benign" });
    }
    let h: serde_json::Value =
        serde_json::from_str(&stdout(&satori(&["inspect", &model, "--json"]))).unwrap();
    assert_eq!(h["threshold"]["threshold"].as_f64(), Some(t));
    assert_user_error(
        &satori(&[
            "train",
            &data("wine.csv"),
            "--target",
            "class",
            "--tune-threshold",
            "f1",
            "--out",
            &model,
        ]),
        &["binary"],
    );
    assert_user_error(
        &satori(&[
            "train",
            &data("breast_cancer.csv"),
            "--target",
            "diagnosis",
            "--tune-threshold",
            "cost",
            "--out",
            &model,
        ]),
        &["cost matrix"],
    );
}

#[test]
fn reports_are_self_contained_html() {
    let dir = tmp();
    let model = path(&dir, "m.satori");
    let train_report = path(&dir, "train.html");
    let o = satori(&[
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--model",
        "baseline",
        "--out",
        &model,
        "--report",
        &train_report,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let eval_report = path(&dir, "eval.html");
    let o = satori(&[
        "evaluate",
        &model,
        &data("wine.csv"),
        "--report",
        &eval_report,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str::<serde_json::Value>(&stdout(&o))
        .expect("--json stays pure JSON with --report");
    for p in [&train_report, &eval_report] {
        let html = std::fs::read_to_string(p).unwrap();
        assert!(
            html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
            "{p}"
        );
        assert!(html.contains("<svg"), "pictures inlined in {p}");
        assert!(html.contains("class_1") && html.contains("dummy_classifier"));
        assert!(
            !html.contains("<script src") && !html.contains("src=\"http"),
            "{p} loads nothing"
        );
    }
    let preds = write(&dir, "p.csv", "y,s\n1,0.9\n0,0.2\n1,0.35\n0,0.4\n");
    let r = path(&dir, "p.html");
    let o = satori(&[
        "evaluate",
        "--predictions",
        &preds,
        "--target",
        "y",
        "--score",
        "s",
        "--report",
        &r,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&r).unwrap().contains("ROC"));
    let o = satori(&[
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--holdout",
        "0",
        "--out",
        &model,
        "--report",
        &r,
    ]);
    assert_user_error(&o, &["holdout"]);
}

#[test]
fn a_pipeline_file_preprocesses_inside_the_model() {
    let dir = tmp();
    let pipeline = write(
        &dir,
        "p.toml",
        "[[preprocessing]]\nstep = \"one_hot_encoder\"\n\n[[preprocessing]]\nstep = \"simple_imputer\"\nstrategy = \"median\"\n\n[[preprocessing]]\nstep = \"standard_scaler\"\n\n[model]\nstrategy = \"most_frequent\"\n",
    );
    let model = path(&dir, "m.satori");
    let o = satori(&[
        "train",
        &data("palmer_penguins.csv"),
        "--target",
        "species",
        "--model",
        "baseline",
        "--pipeline",
        &pipeline,
        "--out",
        &model,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["params"]["preprocessing"].as_array().unwrap().len(), 3);
    assert_eq!(j["params"]["model"]["strategy"], "most_frequent");
    let preds = path(&dir, "p.csv");
    assert!(
        satori(&[
            "predict",
            &model,
            &data("palmer_penguins.csv"),
            "--out",
            &preds
        ])
        .status
        .success()
    );
    let o = satori(&[
        "cv",
        &data("palmer_penguins.csv"),
        "--target",
        "species",
        "--model",
        "baseline",
        "--pipeline",
        &pipeline,
        "--folds",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let typo = write(
        &dir,
        "t.toml",
        "[[preprocessing]]\nstep = \"standard_scalar\"\n",
    );
    assert_user_error(
        &satori(&[
            "train",
            &data("wine.csv"),
            "--target",
            "class",
            "--pipeline",
            &typo,
            "--out",
            &model,
        ]),
        &["t.toml", "standard_scaler"],
    );
    let bad_param = write(
        &dir,
        "b.toml",
        "[[preprocessing]]\nstep = \"standard_scaler\"\nwith_men = false\n",
    );
    assert_user_error(
        &satori(&[
            "train",
            &data("wine.csv"),
            "--target",
            "class",
            "--pipeline",
            &bad_param,
            "--out",
            &model,
        ]),
        &["with_men", "with_mean"],
    );
}

#[test]
fn transform_fits_saves_and_replays_the_preprocessing() {
    let dir = tmp();
    let pipeline = write(
        &dir,
        "p.toml",
        "[[preprocessing]]\nstep = \"one_hot_encoder\"\n\n[[preprocessing]]\nstep = \"simple_imputer\"\nstrategy = \"median\"\n\n[[preprocessing]]\nstep = \"standard_scaler\"\n",
    );
    let (fitted, replayed, prep) = (
        path(&dir, "t.csv"),
        path(&dir, "t2.csv"),
        path(&dir, "prep.satori"),
    );
    let file = data("palmer_penguins.csv");
    let o = satori(&[
        "transform",
        &file,
        "--pipeline",
        &pipeline,
        "--out",
        &fitted,
        "--save",
        &prep,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["n_rows"], 344);
    assert_eq!(j["steps"].as_array().unwrap().len(), 3);
    let o = satori(&["transform", &file, "--using", &prep, "--out", &replayed]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (
        std::fs::read_to_string(&fitted).unwrap(),
        std::fs::read_to_string(&replayed).unwrap(),
    );
    assert_eq!(
        a, b,
        "replaying the saved steps on the same data gives the same file"
    );
    // A few rows at a time (files larger than memory): the same file, whatever the chunk size.
    let chunked = path(&dir, "t3.csv");
    let o = satori(&[
        "transform",
        &file,
        "--using",
        &prep,
        "--out",
        &chunked,
        "--chunk-rows",
        "7",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("7 rows at a time"), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&chunked).unwrap(), a);
    assert!(a.lines().next().unwrap().contains("island_Dream"));
    assert!(
        a.lines().skip(1).all(|l| l
            .split(',')
            .all(|v| v.parse::<f64>().is_ok_and(f64::is_finite))),
        "imputed and scaled"
    );
    let h: serde_json::Value =
        serde_json::from_str(&stdout(&satori(&["inspect", &prep, "--json"]))).unwrap();
    assert_eq!(h["steps"][2], "standard_scaler");
    // A supervised step needs the target; the target is written beside the columns.
    let select = write(
        &dir,
        "s.toml",
        "[[preprocessing]]\nstep = \"select_k_best\"\nk = 3\n",
    );
    let o = satori(&[
        "transform",
        &data("wine.csv"),
        "--pipeline",
        &select,
        "--target",
        "class",
        "--out",
        &fitted,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let header = std::fs::read_to_string(&fitted)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(header.split(',').count(), 4, "{header}");
    assert!(header.ends_with(",class"));
    // Errors: a model where a preprocessor is expected and the other way round, no steps.
    let model = path(&dir, "m.satori");
    assert!(
        satori(&["train", &file, "--target", "species", "--out", &model])
            .status
            .success()
    );
    assert_user_error(
        &satori(&["transform", &file, "--using", &model, "--out", &replayed]),
        &["not a preprocessor"],
    );
    assert_user_error(
        &satori(&["predict", &prep, &file, "--out", &replayed]),
        &["preprocessor", "not a model"],
    );
    let empty = write(&dir, "e.toml", "seed = 1\n");
    assert_user_error(
        &satori(&["transform", &file, "--pipeline", &empty, "--out", &replayed]),
        &["preprocessing"],
    );
    assert_user_error(&satori(&["transform", &file, "--out", &replayed]), &[]);
}

#[test]
fn anomalies_ranks_injected_outliers_first() {
    let dir = tmp();
    // 300 rows on a smooth pattern, and three far-away rows (ids x1..x3).
    let mut csv = String::from("id,a,b,color\n");
    for i in 0..300 {
        let t = i as f64 / 300.0;
        let color = ["red", "green", "blue"][i % 3];
        csv.push_str(&format!("r{i},{:.4},{:.4},{color}\n", t, (t * 6.0).sin()));
    }
    for (k, (a, b)) in [(9.0, 9.0), (-7.0, 5.0), (0.5, -30.0)].iter().enumerate() {
        csv.push_str(&format!("x{},{a},{b},red\n", k + 1));
    }
    let file = write(&dir, "d.csv", &csv);
    let out = path(&dir, "scores.csv");
    let o = satori(&[
        "anomalies",
        &file,
        "--id",
        "id",
        "--contamination",
        "0.01",
        "--out",
        &out,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["n_rows"], 303);
    assert_eq!(j["columns"], serde_json::json!(["a", "b", "color"]));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("rank,row,id,anomaly_score,is_anomaly"));
    let top: Vec<&str> = lines
        .clone()
        .take(3)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    let mut sorted = top.clone();
    sorted.sort();
    assert_eq!(sorted, ["x1", "x2", "x3"], "{text}");
    let flagged = lines.filter(|l| l.ends_with(",1")).count();
    assert!(
        (2..=5).contains(&flagged),
        "about 1% flagged, got {flagged}"
    );

    // Score new rows against the reference: a normal-looking row and an unseen category.
    let new = write(
        &dir,
        "n.csv",
        "id,a,b,color\nn1,0.5,0.1,green\nn2,50,50,purple\n",
    );
    let o = satori(&[
        "anomalies",
        &new,
        "--fit-on",
        &file,
        "--id",
        "id",
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.lines().nth(1).unwrap().starts_with("1,2,n2,"),
        "{text}"
    );

    // Bad input: clear errors.
    let o = satori(&["anomalies", &file, "--contamination", "0.9", "--out", &out]);
    assert_user_error(&o, &["contamination", "0.5"]);
    let o = satori(&["anomalies", &file, "--contamination", "lots", "--out", &out]);
    assert_user_error(&o, &["--contamination", "lots"]);
    let o = satori(&["anomalies", &file, "--set", "n_estimators=0", "--out", &out]);
    assert_user_error(&o, &["n_estimators"]);
    let o = satori(&["anomalies", &file, "--id", "idd", "--out", &out]);
    assert_user_error(&o, &["idd"]);
}

#[test]
fn linear_models_train_through_the_automatic_preprocessing() {
    let dir = tmp();
    let model = path(&dir, "m.satori");
    let file = data("palmer_penguins.csv");
    let o = satori(&[
        "train", &file, "--target", "species", "--model", "logistic", "--out", &model, "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["model"], "logistic_regression");
    let steps: Vec<&str> = j["params"]["preprocessing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["one_hot_encoder", "simple_imputer", "standard_scaler"]
    );
    let acc = j["holdout"]["metrics"]["accuracy"].as_f64().unwrap();
    assert!(acc > 0.95, "logistic regression on penguins: {acc}");
    let o = satori(&["inspect", &model]);
    assert!(
        stdout(&o).contains("logistic regression (3 × "),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("converged"), "{}", stdout(&o));
    // New rows with a missing value and an island never seen in training still predict.
    let new = write(
        &dir,
        "new.csv",
        "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n\
         Atlantis,39.1,18.7,181,3750,male,2007\nDream,,17.0,195,,female,2008\n",
    );
    let preds = path(&dir, "p.csv");
    let o = satori(&["predict", &model, &new, "--out", &preds]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&preds).unwrap().lines().count(), 3);
    // Turning the automatic steps off leaves raw categories and NaN, which logistic rejects.
    let o = satori(&[
        "train",
        &file,
        "--target",
        "species",
        "--model",
        "logistic",
        "--set",
        "auto_preprocessing=false",
        "--out",
        &model,
    ]);
    assert_user_error(&o, &["impute"]);

    // Regression with a validation file instead of a holdout.
    let diabetes = data("diabetes.csv");
    let o = satori(&[
        "train",
        &diabetes,
        "--target",
        "progression",
        "--model",
        "ridge",
        "--valid",
        &diabetes,
        "--out",
        &model,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(j["holdout"]["metrics"]["r2"].as_f64().unwrap() > 0.4);
    let o = satori(&[
        "train",
        &diabetes,
        "--target",
        "progression",
        "--model",
        "ridge",
        "--valid",
        &diabetes,
        "--holdout",
        "0.3",
        "--out",
        &model,
    ]);
    assert_eq!(o.status.code(), Some(1), "--valid and --holdout conflict");
    // A classifier on a regression target names the problem and the sibling.
    let o = satori(&[
        "train",
        &diabetes,
        "--target",
        "progression",
        "--model",
        "logistic",
        "--out",
        &model,
    ]);
    assert_user_error(&o, &["logistic_regression needs a classification target"]);
}

#[test]
fn tree_models_train_with_importances_history_and_validation() {
    let dir = tmp();
    let model = path(&dir, "m.satori");
    let cancer = data("breast_cancer.csv");
    // Boosting with a validation file: early stopping on it, the learning curve and the
    // importances in the model file, and a report with the learning curve.
    let report = path(&dir, "r.html");
    let o = satori(&[
        "train",
        &cancer,
        "--target",
        "diagnosis",
        "--model",
        "gbm",
        "--valid",
        &cancer,
        "--set",
        "model.n_estimators=30",
        "--out",
        &model,
        "--report",
        &report,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["model"], "gbm_classifier");
    assert!(
        j["params"]["preprocessing"].as_array().unwrap().is_empty(),
        "trees take raw columns"
    );
    assert!(j["holdout"]["metrics"]["roc_auc"].as_f64().unwrap() > 0.97);
    let h: serde_json::Value =
        serde_json::from_str(&stdout(&satori(&["inspect", &model, "--json"]))).unwrap();
    let hist = &h["training_history"];
    assert_eq!(hist["train"].as_array().unwrap().len(), 30);
    assert_eq!(hist["valid"].as_array().unwrap().len(), 30);
    let imp = h["feature_importances"].as_array().unwrap();
    assert_eq!(imp.len(), 30, "one per input column");
    let total: f64 = imp.iter().map(|p| p[1].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-9);
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("Learning curve")
    );
    let o = satori(&["inspect", &model]);
    assert!(stdout(&o).contains("Feature importances"), "{}", stdout(&o));

    // Forest on a multiclass target, tree on a regression target.
    let o = satori(&[
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--model",
        "forest",
        "--set",
        "model.n_estimators=20",
        "--out",
        &model,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(j["holdout"]["metrics"]["accuracy"].as_f64().unwrap() > 0.85);
    let o = satori(&[
        "train",
        &data("diabetes.csv"),
        "--target",
        "progression",
        "--model",
        "tree",
        "--set",
        "model.max_depth=3",
        "--out",
        &model,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&satori(&["inspect", &model])).contains("decision tree: depth 3"));
    // Bad parameter: named, with its range.
    let o = satori(&[
        "train",
        &cancer,
        "--target",
        "diagnosis",
        "--model",
        "gbm",
        "--set",
        "model.learning_rate=0",
        "--out",
        &model,
    ]);
    assert_user_error(&o, &["learning_rate"]);
}

#[test]
fn mlp_trains_and_fine_tunes_from_a_base_model() {
    let dir = tmp();
    let base = path(&dir, "base.satori");
    let tuned = path(&dir, "tuned.satori");
    let penguins = data("palmer_penguins.csv");
    let o = satori(&[
        "train",
        &penguins,
        "--target",
        "species",
        "--model",
        "mlp",
        "--drop",
        "body_mass_g",
        "--set",
        "model.hidden_layer_sizes=[16,8]",
        "--set",
        "model.max_iter=60",
        "--set",
        "model.learning_rate_init=0.01",
        "--out",
        &base,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(j["holdout"]["metrics"]["accuracy"].as_f64().unwrap() > 0.8);
    let summary = stdout(&satori(&["inspect", &base]));
    assert!(
        summary.contains("Model:") && summary.contains("Training history"),
        "{summary}"
    );
    // A regression target on the same inputs, from the trained trunk.
    let o = satori(&[
        "train",
        &penguins,
        "--target",
        "body_mass_g",
        "--model",
        "mlp",
        "--drop",
        "species",
        "--init-from",
        &base,
        "--freeze",
        "1",
        "--set",
        "model.max_iter=20",
        "--out",
        &tuned,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let h: serde_json::Value =
        serde_json::from_str(&stdout(&satori(&["inspect", &tuned, "--json"]))).unwrap();
    assert!(h["init_from"].as_str().unwrap().contains("1 frozen"), "{h}");
    assert_eq!(h["task"], "regression");
    // Errors: columns the base never saw, a freeze deeper than the network, a non-mlp model.
    let o = satori(&[
        "train",
        &penguins,
        "--target",
        "body_mass_g",
        "--model",
        "mlp",
        "--init-from",
        &base,
        "--out",
        &tuned,
    ]);
    assert_user_error(&o, &["species", "never saw"]);
    let o = satori(&[
        "train",
        &penguins,
        "--target",
        "body_mass_g",
        "--model",
        "mlp",
        "--drop",
        "species",
        "--init-from",
        &base,
        "--freeze",
        "5",
        "--out",
        &tuned,
    ]);
    assert_user_error(&o, &["freeze"]);
    let o = satori(&[
        "train",
        &penguins,
        "--target",
        "body_mass_g",
        "--model",
        "ridge",
        "--drop",
        "species",
        "--init-from",
        &base,
        "--out",
        &tuned,
    ]);
    assert_user_error(&o, &["--model mlp"]);
    let o = satori(&[
        "train",
        &penguins,
        "--target",
        "species",
        "--model",
        "mlp",
        "--set",
        "model.learning_rate_init=0",
        "--out",
        &tuned,
    ]);
    assert_user_error(&o, &["learning_rate_init"]);
}

#[test]
fn continue_from_trains_a_saved_network_further() {
    let dir = tmp();
    let (base, more) = (path(&dir, "base.satori"), path(&dir, "more.satori"));
    let d = data("breast_cancer.csv");
    let o = satori(&[
        "train",
        &d,
        "--target",
        "diagnosis",
        "--model",
        "mlp",
        "--set",
        "model.max_iter=2",
        "--out",
        &base,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = satori(&[
        "train",
        &d,
        "--target",
        "diagnosis",
        "--continue-from",
        &base,
        "--epochs",
        "3",
        "--out",
        &more,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("mlp_classifier"), "{}", stdout(&o));
    let o = satori(&["inspect", &more]);
    assert!(
        stdout(&o).contains("continued for 3 more epochs"),
        "{}",
        stdout(&o)
    );
    assert_user_error(
        &satori(&[
            "train",
            &d,
            "--target",
            "diagnosis",
            "--continue-from",
            &base,
            "--set",
            "model.alpha=1",
            "--out",
            &more,
        ]),
        &["--set"],
    );
    assert_user_error(
        &satori(&[
            "train",
            &d,
            "--target",
            "diagnosis",
            "--epochs",
            "3",
            "--out",
            &more,
        ]),
        &["--continue-from"],
    );
}

/// A pipeline file whose steps leave missing values in a column (here `sex`, passed through by a
/// column transformer) for a linear model: a user error naming the column and the fix, not the
/// model's "row 23, column 8".
#[test]
fn missing_values_left_for_a_linear_model_name_the_column() {
    let dir = tmp();
    let pipeline = path(&dir, "columns.toml");
    std::fs::write(
        &pipeline,
        "[[preprocessing]]\nstep = \"column_transformer\"\n\n\
         [[preprocessing.transformers]]\nkinds = [\"numeric\", \"integer\"]\n\
         steps = [{ step = \"simple_imputer\", strategy = \"median\" }]\n\n\
         [[preprocessing.transformers]]\ncolumns = [\"island\"]\n\
         steps = [{ step = \"one_hot_encoder\" }]\n",
    )
    .unwrap();
    let penguins = data("palmer_penguins.csv");
    let out = path(&dir, "m.satori");
    let o = satori(&[
        "train",
        &penguins,
        "--target",
        "species",
        "--model",
        "logistic",
        "--pipeline",
        &pipeline,
        "--out",
        &out,
    ]);
    assert_user_error(
        &o,
        &[
            "column `sex`",
            "missing values",
            "one_hot_encoder",
            "--drop sex",
        ],
    );
    // Trees take missing values and codes as they are: the same file trains a forest.
    let o = satori(&[
        "train",
        &penguins,
        "--target",
        "species",
        "--model",
        "tree",
        "--pipeline",
        &pipeline,
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}
