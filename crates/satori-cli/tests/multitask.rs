//! `satori train --target a,b,c`: a multi-task network trained, saved, used and inspected from
//! the command line, its bad inputs, and its measured benefit over single-target networks.
//!
//! The generated data share a hidden representation `z = tanh(x · A)` of 10 inputs; the targets
//! are four values `v0..v3 = z · v_k` and a 3-class `kind = argmax(z · U)`.

mod common;
use common::*;

use std::path::Path;
use std::process::Output;

use ndarray::Array2;
use satori_core::rng::{rng, standard_normal};

const D: usize = 10;
const Z: usize = 6;

/// `satori train DATA --out MODEL` with `extra` arguments.
fn run_train(data: &str, model: &str, extra: &[&str]) -> Output {
    let mut args = vec!["train", data, "--out", model];
    args.extend_from_slice(extra);
    satori(&args)
}

fn ok_json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_str(&stdout(o)).expect("JSON on stdout")
}

fn matrix(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut r = rng(seed);
    Array2::from_shape_fn((rows, cols), |_| standard_normal(&mut r))
}

/// Write `n` generated rows to `dir/name`: x0..x9, `site`, v0..v3, `kind`, an `id`; every 9th
/// row misses `v1` when `gaps` is set.
fn write_csv(dir: &Path, name: &str, n: usize, seed: u64, gaps: bool) -> String {
    let x = matrix(n, D, seed);
    let a = matrix(D, Z, 100) / (D as f64).sqrt() * 2.0;
    let z = x.dot(&a).mapv(f64::tanh);
    let values = z.dot(&matrix(Z, 4, 300));
    let scores = z.dot(&matrix(Z, 3, 202));
    let xs: Vec<String> = (0..D).map(|j| format!("x{j}")).collect();
    let mut out = format!("id,{},site,v0,v1,v2,v3,kind\n", xs.join(","));
    for i in 0..n {
        let row: Vec<String> = x.row(i).iter().map(|v| format!("{v}")).collect();
        let v: Vec<String> = (0..4)
            .map(|k| {
                if k == 1 && gaps && i % 9 == 0 {
                    String::new()
                } else {
                    format!("{}", values[[i, k]])
                }
            })
            .collect();
        let s = scores.row(i);
        let best = (0..3).fold(0, |b, j| if s[j] > s[b] { j } else { b });
        out += &format!(
            "r{i},{},{},{},c{best}\n",
            row.join(","),
            ["north", "south", "east"][i % 3],
            v.join(",")
        );
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path.display().to_string()
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn train_predict_evaluate_inspect_a_multi_task_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = write_csv(d, "train.csv", 180, 1, true);
    let model = p(d, "multi.satori");
    let j = ok_json(&run_train(
        &data,
        &model,
        &[
            "--target",
            "kind,v1",
            "--model",
            "mlp",
            "--set",
            "model.hidden_layer_sizes=[16]",
            "--set",
            "model.max_iter=40",
            "--set",
            "tasks.v1.weight=2",
            "--json",
        ],
    ));
    assert_eq!(j["command"], "train");
    assert_eq!(j["targets"], serde_json::json!(["kind", "v1"]));
    assert_eq!(j["model"], "multitask_mlp");
    assert_eq!(j["n_rows"], 180);
    assert_eq!(j["dropped_missing_target"], 20);
    assert_eq!(j["missing_per_target"][1], serde_json::json!(["v1", 20]));
    assert_eq!(j["tasks"][0]["task"], "multiclass");
    assert_eq!(
        j["tasks"][0]["classes"],
        serde_json::json!(["c0", "c1", "c2"])
    );
    assert_eq!(j["tasks"][1]["task"], "regression");
    assert_eq!(j["tasks"][1]["loss_weight"], 2.0);
    assert_eq!(j["stratified_on"], "kind");
    assert_eq!(j["holdout"][0]["target"], "kind");
    assert_eq!(j["holdout"][0]["task"], "multiclass");
    assert!(j["holdout"][0]["metrics"]["accuracy"].as_f64().is_some());
    assert!(j["holdout"][1]["metrics"]["r2"].as_f64().is_some());
    // The other targets (v0, v2, v3 are features here) and the id column are not inputs.
    assert_eq!(j["n_features"], 14);
    assert_eq!(j["excluded_columns"][0][0], "id");

    // Human output: the per-task holdout table and the dropped rows per target.
    let human = p(d, "multi2.satori");
    let o = run_train(
        &data,
        &human,
        &[
            "--target",
            "kind,v1",
            "--model",
            "mlp",
            "--set",
            "model.max_iter=5",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("2 targets"), "{out}");
    assert!(
        out.contains("Holdout scores (32 rows, stratified on `kind`)"),
        "{out}"
    );
    assert!(out.contains("f1_macro") && out.contains("rmse"), "{out}");
    assert!(stderr(&o).contains("`v1` 20"), "{}", stderr(&o));

    // Predict on new rows: one column per task, probabilities per class, the id carried.
    let new = write_csv(d, "new.csv", 50, 2, false);
    let preds = p(d, "preds.csv");
    let j = ok_json(&satori(&[
        "predict", &model, &new, "--proba", "--id", "id", "--out", &preds, "--json",
    ]));
    assert_eq!(j["n_rows"], 50);
    let mut r = csv::Reader::from_path(&preds).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "prediction_kind",
            "prediction_v1",
            "proba_kind_c0",
            "proba_kind_c1",
            "proba_kind_c2"
        ]
    );
    assert_eq!(j["columns"], serde_json::json!(header));
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 50);
    assert_eq!(&rows[3][0], "r3");
    assert!(["c0", "c1", "c2"].contains(&&rows[3][1]));
    let p_sum: f64 = (3..6).map(|k| rows[3][k].parse::<f64>().unwrap()).sum();
    assert!((p_sum - 1.0).abs() < 1e-9);
    // The CLI's predictions are the library's, bit for bit.
    let (_, lib) = satori_pipeline::model_file::load(Path::new(&model)).unwrap();
    let table = satori_data::read_table(
        Path::new(&new),
        &lib.read_options(satori_data::ReadOptions::default()),
    )
    .unwrap();
    let lp = lib.predict_table_all(&table).unwrap();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[2].parse::<f64>().unwrap(), lp[1].values[i]);
        assert_eq!(row[1], lp[0].label(i));
    }

    // Evaluate on labelled data: metrics per task.
    let j = ok_json(&satori(&["evaluate", &model, &new, "--json"]));
    assert_eq!(j["tasks"][0]["target"], "kind");
    assert_eq!(j["tasks"][0]["task"], "multiclass");
    assert_eq!(j["tasks"][0]["n_rows"], 50);
    assert!(
        j["tasks"][0]["metrics"]["balanced_accuracy"]
            .as_f64()
            .is_some()
    );
    assert!(j["tasks"][0]["confusion_matrix"].is_array());
    assert!(j["tasks"][1]["metrics"]["mae"].as_f64().is_some());
    let o = satori(&["evaluate", &model, &new]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Target `kind`") && out.contains("Target `v1`"),
        "{out}"
    );
    assert!(out.contains("Confusion matrix"), "{out}");

    // Inspect: tasks, per-task metrics, the network with one head per task, the history.
    let o = satori(&["inspect", &model]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "(2 targets)",
        "Targets (2)",
        "c0, c1, c2",
        "Metrics on holdout",
        "head `kind`",
        "head `v1`",
        "total parameters",
        "Training history: 40 iterations",
        "Input columns (14)",
    ] {
        assert!(out.contains(needle), "expected `{needle}` in:\n{out}");
    }
    let j = ok_json(&satori(&["inspect", &model, "--json"]));
    assert_eq!(j["model_kind"], "multitask_mlp");
    assert_eq!(j["tasks"][1]["name"], "v1");
    assert_eq!(j["tasks"][1]["missing_in_training_file"], 20);
}

#[test]
fn bad_multi_task_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = write_csv(d, "train.csv", 60, 3, false);
    let model = p(d, "m.satori");
    let train = |extra: &[&str]| run_train(&data, &model, extra);
    let kind_v0_mlp = |extra: &[&str]| {
        let mut args = vec!["--target", "kind,v0", "--model", "mlp"];
        args.extend_from_slice(extra);
        train(&args)
    };
    assert_user_error(
        &train(&["--target", "kind,v0,kind", "--model", "mlp"]),
        &["`kind` is named twice"],
    );
    // Several targets need a model that learns several: the baseline does not (without
    // --model, several targets get the multi-task network).
    assert_user_error(
        &satori(&[
            "cv",
            data.as_str(),
            "--target",
            "kind,v0",
            "--model",
            "baseline",
        ]),
        &["learns one target", "--model mlp"],
    );
    assert_user_error(
        &train(&["--target", "kind,v9", "--model", "mlp"]),
        &["v9", "v0"],
    );
    assert_user_error(
        &train(&["--target", "kind,", "--model", "mlp"]),
        &["empty target name"],
    );
    assert_user_error(
        &train(&["--target", "kind,v0", "--model", "gbm"]),
        &["--model mlp", "learns one target"],
    );
    assert_user_error(
        &kind_v0_mlp(&["--task", "binary"]),
        &["--task", "tasks.<target>.task"],
    );
    assert_user_error(
        &kind_v0_mlp(&["--report", &p(d, "r.html")]),
        &["--report", "several targets"],
    );
    assert_user_error(
        &kind_v0_mlp(&["--set", "tasks.v0.weight=-2"]),
        &["tasks.v0.weight"],
    );
    assert_user_error(
        &kind_v0_mlp(&["--set", "model.loss_weights=[1,2]"]),
        &["tasks.<target>.weight"],
    );
    // Fewer than 2 rows with every target.
    let sparse = d.join("sparse.csv");
    std::fs::write(&sparse, "x,a,b\n0.5,1.5,\n1.5,,u\n2.5,3.5,v\n").unwrap();
    let o = run_train(
        &sparse.display().to_string(),
        &model,
        &["--target", "a,b", "--model", "mlp"],
    );
    assert_user_error(&o, &["`a` missing in 1", "`b` missing in 1"]);

    // A trained multi-task model: missing input / target columns name the column.
    let o = kind_v0_mlp(&["--set", "model.max_iter=3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&data).unwrap();
    let drop_col = |name: &str, col: usize| {
        let out: String = text
            .lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(',').collect();
                cells.remove(col);
                cells.join(",") + "\n"
            })
            .collect();
        let path = d.join(name);
        std::fs::write(&path, out).unwrap();
        path.display().to_string()
    };
    let no_x3 = drop_col("no_x3.csv", 4);
    let no_v0 = drop_col("no_v0.csv", 12);
    let preds = p(d, "p.csv");
    assert_user_error(
        &satori(&["predict", &model, &no_x3, "--out", &preds]),
        &["x3"],
    );
    assert!(
        satori(&["predict", &model, &no_v0, "--out", &preds])
            .status
            .success()
    );
    assert_user_error(
        &satori(&["evaluate", &model, &no_v0]),
        &["v0", "every target column"],
    );
    // --proba without a classification task.
    let o = train(&[
        "--target",
        "v0,v2",
        "--model",
        "mlp",
        "--set",
        "model.max_iter=3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_user_error(
        &satori(&["predict", &model, &data, "--proba", "--out", &preds]),
        &["--proba needs a classification target"],
    );
    // A parameter file (--pipeline) sets the network and per-task settings; a typo is named.
    let toml = d.join("multi.toml");
    std::fs::write(
        &toml,
        "[model]\nmax_iter = 4\nhidden_layer_sizes = [8]\n[tasks.v0]\nweight = 3.0\n",
    )
    .unwrap();
    let toml = toml.display().to_string();
    let j = ok_json(&kind_v0_mlp(&["--pipeline", &toml, "--json"]));
    assert_eq!(j["params"]["tasks"]["v0"]["weight"], 3.0);
    assert_eq!(j["params"]["model"]["max_iter"], 4);
    assert_eq!(j["tasks"][1]["loss_weight"], 3.0);
    let typo = d.join("typo.toml");
    std::fs::write(&typo, "[taks.v0]\nweight = 3.0\n").unwrap();
    assert_user_error(
        &kind_v0_mlp(&["--pipeline", &typo.display().to_string()]),
        &["taks", "`tasks`"],
    );
    // What belongs to one target refuses a model of several clearly.
    let next = p(d, "next.satori");
    assert_user_error(
        &run_train(
            &data,
            &next,
            &["--target", "kind", "--model", "mlp", "--init-from", &model],
        ),
        &["multitask_mlp", "single-target network"],
    );
}

/// Several targets take the same path as one: a validation file scores every target, and
/// cross-validation folds them all, writing one out-of-fold column per target.
#[test]
fn several_targets_take_the_one_path_valid_and_cv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = write_csv(d, "train.csv", 90, 3, false);
    let valid = write_csv(d, "valid.csv", 40, 4, false);
    let model = p(d, "m.satori");
    let o = run_train(
        &data,
        &model,
        &[
            "--target",
            "kind,v0",
            "--model",
            "mlp",
            "--set",
            "model.max_iter=5",
            "--valid",
            &valid,
            "--json",
        ],
    );
    let j = ok_json(&o);
    assert_eq!(j["holdout"][0]["n_rows"], 40);
    assert_eq!(j["holdout"][1]["target"], "v0");
    let oof = p(d, "oof.csv");
    let o = satori(&[
        "cv",
        &data,
        "--target",
        "kind,v0",
        "--model",
        "mlp",
        "--set",
        "model.max_iter=3",
        "--folds",
        "3",
        "--oof",
        &oof,
        "--json",
    ]);
    let j = ok_json(&o);
    assert_eq!(j["targets"], serde_json::json!(["kind", "v0"]));
    assert!(j["summary"]["kind:accuracy"]["mean"].as_f64().is_some());
    assert!(j["summary"]["v0:r2"]["mean"].as_f64().is_some());
    let text = std::fs::read_to_string(&oof).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("kind,v0,prediction_kind,prediction_v0,proba_kind_"),
        "{header}"
    );
    assert_eq!(text.lines().count(), 91);
}

/// The measured benefit through the CLI: 120 training rows, one network for the four related
/// values and the class against four single-target networks with the same settings, scored on
/// 2,000 new rows by `satori evaluate`.
#[test]
fn multi_task_beats_single_task_networks_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = write_csv(d, "train.csv", 120, 5, false);
    let test = write_csv(d, "test.csv", 2000, 6, false);
    let net = [
        "--set",
        "model.hidden_layer_sizes=[64,32]",
        "--set",
        "model.learning_rate_init=0.005",
        "--set",
        "model.max_iter=200",
        "--set",
        "model.batch_size=32",
        "--set",
        "model.seed=3",
        "--holdout",
        "0",
    ];
    let model = p(d, "multi.satori");
    let mut args = vec![
        "--target",
        "v0,v1,v2,v3,kind",
        "--model",
        "mlp",
        "--set",
        "tasks.kind.weight=0.5",
    ];
    args.extend_from_slice(&net);
    assert!(run_train(&data, &model, &args).status.success());
    let j = ok_json(&satori(&["evaluate", &model, &test, "--json"]));
    let multi: Vec<f64> = (0..4)
        .map(|k| j["tasks"][k]["metrics"]["r2"].as_f64().unwrap())
        .collect();
    let single: Vec<f64> = (0..4)
        .map(|k| {
            let target = format!("v{k}");
            let single = p(d, &format!("{target}.satori"));
            // The other targets are dropped so every model sees the same features.
            let others: Vec<String> = ["v0", "v1", "v2", "v3", "kind"]
                .iter()
                .filter(|t| **t != target)
                .map(|t| t.to_string())
                .collect();
            let mut args = vec!["--target", &target, "--model", "mlp"];
            let drops: Vec<String> = others.iter().map(|o| format!("--drop={o}")).collect();
            args.extend(drops.iter().map(String::as_str));
            args.extend_from_slice(&net);
            let o = run_train(&data, &single, &args);
            assert!(o.status.success(), "{}", stderr(&o));
            let j = ok_json(&satori(&["evaluate", &single, &test, "--json"]));
            j["metrics"]["r2"].as_f64().unwrap()
        })
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (m, s) = (mean(&multi), mean(&single));
    eprintln!(
        "CLI: multi-task r2 {multi:?} (mean {m:.3}); single-task r2 {single:?} (mean {s:.3})"
    );
    assert!(m > s + 0.015, "multi {m} vs single {s}");
}
