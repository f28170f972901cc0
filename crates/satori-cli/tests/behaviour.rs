//! What a user expects on a first day (issue 13): a validation file stops boosting early, a
//! network stops early by default, pipeline files add to the automatic steps, dates are expanded,
//! unseen categories are warned about (or refused with --strict), and class weights have one
//! syntax for every model family.

mod common;
use common::*;

use std::fmt::Write as _;

use serde_json::Value;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

/// Run `satori` and parse its `--json` output, asserting success.
fn json(args: &[&str]) -> Value {
    let o = satori(args);
    assert!(o.status.success(), "{:?}: {}", args, stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

/// The bundled breast-cancer data cut into a training file (the first `n` rows) and a
/// validation file (the rest).
fn breast_cancer_split(dir: &tempfile::TempDir, n: usize) -> (String, String) {
    let text = std::fs::read_to_string(data("breast_cancer.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let (train, valid) = (path(dir, "train.csv"), path(dir, "valid.csv"));
    let write = |p: &str, rows: &[&str]| {
        std::fs::write(p, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    };
    write(&train, &rows[..n]);
    write(&valid, &rows[n..]);
    (train, valid)
}

#[test]
fn a_validation_file_stops_boosting_early_and_says_where() {
    let dir = tmp();
    let (train, valid) = breast_cancer_split(&dir, 400);
    let model = path(&dir, "m.satori");
    let base = [
        "train",
        &train,
        "--target",
        "diagnosis",
        "--model",
        "gbm",
        "--valid",
        &valid,
        "--out",
        &model,
        "--set",
        "model.n_estimators=150",
        "--set",
        "model.learning_rate=0.5",
    ];
    let mut args = base.to_vec();
    args.push("--json");
    let j = json(&args);
    let stop = &j["early_stopping"];
    assert_eq!(stop["early_stopping"], true, "{j}");
    assert_eq!(stop["monitored_on"], "validation file");
    let trained = stop["trained"].as_u64().unwrap();
    let best = stop["best_iteration"].as_u64().unwrap();
    assert!(trained < 150, "stopped early: {stop}");
    assert!(best < trained, "{stop}");
    assert_eq!(j["params"]["model"]["early_stopping"], "on");
    // The text output names the stopping round.
    let o = satori(&base);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "stopped after round {trained} of 150, keeping round {best}"
        )),
        "{out}"
    );
    // Turned off explicitly, every round runs and the report says so.
    let mut args = base.to_vec();
    args.extend(["--set", "model.early_stopping=false", "--json"]);
    let j = json(&args);
    assert_eq!(j["params"]["model"]["early_stopping"], "off");
    assert_eq!(j["early_stopping"]["early_stopping"], false);
    assert_eq!(j["early_stopping"]["trained"], 150);
}

#[test]
fn a_network_stops_early_by_default_on_a_fraction_or_the_validation_file() {
    let dir = tmp();
    let (train, valid) = breast_cancer_split(&dir, 450);
    let model = path(&dir, "m.satori");
    let small = ["--set", "model.hidden_layer_sizes=[8]"];
    let mut args = vec![
        "train",
        &train,
        "--target",
        "diagnosis",
        "--model",
        "mlp",
        "--out",
        &model,
        "--json",
    ];
    args.extend(small);
    let j = json(&args);
    assert_eq!(j["params"]["model"]["early_stopping"], true, "{j}");
    assert_eq!(j["early_stopping"]["monitored_on"], "validation fraction");
    assert!(j["early_stopping"]["trained"].as_u64().unwrap() <= 200);
    // With --valid the network stops on the file.
    let mut args = vec![
        "train",
        &train,
        "--target",
        "diagnosis",
        "--model",
        "mlp",
        "--valid",
        &valid,
        "--out",
        &model,
        "--json",
    ];
    args.extend(small);
    let j = json(&args);
    assert_eq!(
        j["early_stopping"]["monitored_on"], "validation file",
        "{j}"
    );
    // Off when asked: no validation loss, so no stopping report.
    let mut args = vec![
        "train",
        &train,
        "--target",
        "diagnosis",
        "--model",
        "mlp",
        "--out",
        &model,
        "--json",
        "--set",
        "model.early_stopping=false",
        "--set",
        "model.max_iter=5",
    ];
    args.extend(small);
    let j = json(&args);
    assert_eq!(j["params"]["model"]["early_stopping"], false);
    assert!(j["early_stopping"].is_null(), "{j}");
    // The help says what the defaults are.
    let help = stdout(&satori(&["train", "--help"]));
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("mlp holds out 10% of the training rows and stops after 10 epochs"),
        "{help}"
    );
}

/// A small table with a date, a date-time, a category, a number and a binary target.
fn dated_csv(dir: &tempfile::TempDir) -> String {
    let mut text = String::from("day,stamp,colour,x,y\n");
    let colours = ["red", "green", "blue"];
    for i in 0..60 {
        let _ = writeln!(
            text,
            "2024-{:02}-{:02},2024-03-{:02}T{:02}:30:00,{},{},{}",
            i % 12 + 1,
            i % 28 + 1,
            i % 28 + 1,
            i % 24,
            colours[i % 3],
            i as f64 * 0.5,
            if (i % 12) < 6 { "no" } else { "yes" }
        );
    }
    let p = path(dir, "dated.csv");
    std::fs::write(&p, text).unwrap();
    p
}

fn step_names(j: &Value) -> Vec<String> {
    j["params"]["preprocessing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn date_columns_are_expanded_into_calendar_features_automatically() {
    let dir = tmp();
    let csv = dated_csv(&dir);
    let model = path(&dir, "m.satori");
    let j = json(&[
        "train",
        &csv,
        "--target",
        "y",
        "--model",
        "gbm",
        "--out",
        &model,
        "--json",
        "--set",
        "model.n_estimators=5",
    ]);
    assert_eq!(step_names(&j), ["datetime_features"], "{j}");
    let parts = j["params"]["preprocessing"][0]["features"].clone();
    // `stamp` has times of day, so the hour is kept.
    assert_eq!(
        parts,
        serde_json::json!(["year", "month", "day", "day_of_week", "day_of_year", "hour"])
    );
    let preds = path(&dir, "p.csv");
    let o = satori(&["predict", &model, &csv, "--out", &preds]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Dates without times: no hour column.
    let only_days = path(&dir, "days.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let cut: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(1);
            f.join(",") + "\n"
        })
        .collect();
    std::fs::write(&only_days, cut).unwrap();
    let j = json(&[
        "train", &only_days, "--target", "y", "--model", "logistic", "--out", &model, "--json",
    ]);
    assert_eq!(
        step_names(&j),
        [
            "datetime_features",
            "one_hot_encoder",
            "simple_imputer",
            "standard_scaler"
        ]
    );
    assert_eq!(
        j["params"]["preprocessing"][0]["features"],
        serde_json::json!(["year", "month", "day", "day_of_week", "day_of_year"])
    );
}

#[test]
fn a_pipeline_file_adds_steps_before_and_after_the_automatic_ones() {
    let dir = tmp();
    let csv = dated_csv(&dir);
    let model = path(&dir, "m.satori");
    let pipeline = path(&dir, "p.toml");
    std::fs::write(
        &pipeline,
        "[[preprocessing]]\nstep = \"datetime_features\"\nfeatures = [\"month\", \"day_of_week\"]\n\
         cyclical = true\n\n[[preprocessing]]\nstep = \"auto\"\n\n\
         [[preprocessing]]\nstep = \"variance_threshold\"\n",
    )
    .unwrap();
    let j = json(&[
        "train",
        &csv,
        "--target",
        "y",
        "--model",
        "logistic",
        "--pipeline",
        &pipeline,
        "--out",
        &model,
        "--json",
    ]);
    assert_eq!(
        step_names(&j),
        [
            "datetime_features",
            "one_hot_encoder",
            "simple_imputer",
            "standard_scaler",
            "variance_threshold"
        ],
        "{j}"
    );
    let preds = path(&dir, "p.csv");
    let o = satori(&["predict", &model, &csv, "--out", &preds]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A pipeline file without `auto` still replaces the automatic steps.
    std::fs::write(
        &pipeline,
        "[[preprocessing]]\nstep = \"datetime_features\"\n[[preprocessing]]\nstep = \"ordinal_encoder\"\n",
    )
    .unwrap();
    let j = json(&[
        "train",
        &csv,
        "--target",
        "y",
        "--model",
        "gbm",
        "--pipeline",
        &pipeline,
        "--out",
        &model,
        "--json",
        "--set",
        "model.n_estimators=5",
    ]);
    assert_eq!(step_names(&j), ["datetime_features", "ordinal_encoder"]);
}

/// Train on the penguins without the island `Biscoe`, then predict rows with islands the model
/// never saw.
fn penguins_with_new_islands(dir: &tempfile::TempDir) -> (String, String) {
    let text = std::fs::read_to_string(data("palmer_penguins.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let rows: Vec<&str> = lines.collect();
    let train: Vec<&str> = rows
        .iter()
        .copied()
        .filter(|l| !l.contains(",Biscoe,"))
        .collect();
    let mut new = vec![header.clone()];
    for (i, l) in rows.iter().take(5).enumerate() {
        let island = if i < 3 { "Atlantis" } else { "Mu" };
        new.push(l.replacen(",Torgersen,", &format!(",{island},"), 1));
    }
    new.push(rows[10].to_string());
    let (t, n) = (path(dir, "train.csv"), path(dir, "new.csv"));
    std::fs::write(&t, format!("{header}\n{}\n", train.join("\n"))).unwrap();
    std::fs::write(&n, new.join("\n") + "\n").unwrap();
    (t, n)
}

#[test]
fn unseen_categories_are_warned_about_once_per_column_and_refused_with_strict() {
    let dir = tmp();
    let (train, new) = penguins_with_new_islands(&dir);
    let preds = path(&dir, "p.csv");
    for model_name in ["gbm", "logistic"] {
        let model = path(&dir, &format!("{model_name}.satori"));
        let mut args = vec![
            "train", &train, "--target", "species", "--model", model_name, "--out", &model,
        ];
        if model_name == "gbm" {
            args.extend(["--set", "model.n_estimators=5"]);
        }
        let o = satori(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = satori(&["predict", &model, &new, "--out", &preds]);
        assert!(o.status.success(), "{}", stderr(&o));
        let err = stderr(&o);
        let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
        assert_eq!(warnings.len(), 1, "once per column: {err}");
        assert!(
            warnings[0].contains("`island`")
                && warnings[0].contains("`Atlantis` (3 rows)")
                && warnings[0].contains("`Mu` (2 rows)"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&preds).unwrap().lines().count(), 7);
        // -q silences the warning.
        let o = satori(&["-q", "predict", &model, &new, "--out", &preds]);
        assert!(
            o.status.success() && !stderr(&o).contains("warning"),
            "{}",
            stderr(&o)
        );
        // --strict refuses, with the same information.
        let o = satori(&["predict", &model, &new, "--out", &preds, "--strict"]);
        assert_user_error(&o, &["`island`", "`Atlantis` (3 rows)", "--strict"]);
        let o = satori(&["evaluate", &model, &new, "--strict"]);
        assert_user_error(&o, &["`island`", "`Mu` (2 rows)"]);
        let o = satori(&["evaluate", &model, &new]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("warning: column `island`"),
            "{}",
            stderr(&o)
        );
    }
}

/// A small imbalanced binary table (`yes` is rare).
fn imbalanced_csv(dir: &tempfile::TempDir) -> String {
    let mut text = String::from("a,b,y\n");
    for i in 0..66 {
        let y = if i % 11 == 0 { "yes" } else { "no" };
        let _ = writeln!(text, "{},{},{y}", i % 7, (i * 3) % 5);
    }
    let p = path(dir, "imb.csv");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn class_weights_have_one_syntax_for_every_model_family() {
    let dir = tmp();
    let csv = imbalanced_csv(&dir);
    let model = path(&dir, "m.satori");
    let pipeline = path(&dir, "p.toml");
    std::fs::write(
        &pipeline,
        "[model]\nclass_weight = { yes = 3.0, no = 1.0 }\n",
    )
    .unwrap();
    for name in ["logistic", "sgd", "tree", "forest", "gbm", "mlp"] {
        let train = |extra: &[&str]| {
            let mut args = vec![
                "train", &csv, "--target", "y", "--model", name, "--out", &model, "--json",
            ];
            match name {
                "forest" => args.extend(["--set", "model.n_estimators=5"]),
                "gbm" => args.extend(["--set", "model.n_estimators=5"]),
                "mlp" => args.extend([
                    "--set",
                    "model.hidden_layer_sizes=[4]",
                    "--set",
                    "model.max_iter=5",
                ]),
                _ => {}
            }
            args.extend_from_slice(extra);
            satori(&args)
        };
        let o = train(&["--set", "model.class_weight=balanced"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let j: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(j["params"]["model"]["class_weight"], "balanced", "{name}");
        let o = train(&["--set", "model.class_weight.yes=3"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let j: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            j["params"]["model"]["class_weight"],
            serde_json::json!({"yes": 3.0}),
            "{name}"
        );
        let o = train(&["--pipeline", &pipeline]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let j: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            j["params"]["model"]["class_weight"],
            serde_json::json!({"yes": 3.0, "no": 1.0}),
            "{name}"
        );
        let o = train(&["--set", "model.class_weight.maybe=3"]);
        assert_user_error(
            &o,
            &[
                "class_weight",
                "names class `maybe`, which is not a class of the target; the classes are: no, yes",
            ],
        );
    }
}

/// A generated binary table with `pos` rows of the rare class `yes` among `n`.
fn class_csv(dir: &tempfile::TempDir, name: &str, n: usize, pos: usize) -> String {
    let mut text = String::from("a,b,y\n");
    for i in 0..n {
        let y = if i < pos { "yes" } else { "no" };
        let _ = writeln!(text, "{},{},{y}", i % 7, (i * 3) % 5);
    }
    let p = path(dir, name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn inspect_warns_about_imbalance_with_counts_and_options_and_not_on_balanced_data() {
    let dir = tmp();
    // 15 of 200 (ratio 185/15 = 12.3): imbalanced.
    let csv = class_csv(&dir, "imb.csv", 200, 15);
    let o = satori(&["inspect", &csv, "--target", "y"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for needle in [
        "smallest class `yes` has 15 rows against 185 of `no`",
        "--set model.class_weight=balanced",
        "--resample smote",
        "random_under_sampler",
        "--tune-threshold f1",
        "average_precision (PR AUC)",
        "geometric_mean",
        "is 8.1% of the largest `no` (185)",
    ] {
        assert!(out.contains(needle), "missing `{needle}` in:\n{out}");
    }
    let o = satori(&["inspect", &csv, "--target", "y", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let imb = &j["target"]["imbalance"];
    assert_eq!(imb["imbalanced"], true, "{j}");
    assert_eq!(imb["threshold"], 4.0);
    assert_eq!(
        imb["minority"],
        serde_json::json!({"value": "yes", "count": 15})
    );
    assert_eq!(
        imb["majority"],
        serde_json::json!({"value": "no", "count": 185})
    );
    assert!(
        j["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "imbalanced_target"),
        "{j}"
    );

    // 90 of 200 (ratio 1.2): balanced, no warning, `imbalanced` false.
    let csv = class_csv(&dir, "bal.csv", 200, 90);
    let o = satori(&["inspect", &csv, "--target", "y"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains("imbalanced"), "{out}");
    assert!(!out.contains("class_weight"), "{out}");
    let o = satori(&["inspect", &csv, "--target", "y", "--json"]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["target"]["imbalance"]["imbalanced"], false, "{j}");
    assert_eq!(j["target"]["imbalance"]["minority"]["count"], 90);
    assert!(j["warnings"].as_array().unwrap().is_empty(), "{j}");
}

#[test]
fn the_imbalance_warning_names_the_remedies() {
    let dir = tmp();
    let csv = imbalanced_csv(&dir);
    let o = satori(&["inspect", &csv, "--target", "y"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("--set model.class_weight=balanced") && out.contains("--tune-threshold f1"),
        "{out}"
    );
}
