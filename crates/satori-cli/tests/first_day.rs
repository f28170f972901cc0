//! A new user's first day (issue 13): the defaults, warnings and plumbing a data scientist
//! expects from scikit-learn, LightGBM and pandas. Each test failed on the binary before.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{data, satori, stderr, stdout};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

/// Run the binary in `cwd` with `stdin` piped in and extra environment variables.
fn run_with(cwd: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_satori"))
        .args(args)
        .current_dir(cwd)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// A table with an identifier, a column whose *missingness* gives the target away, a column that
/// copies it, a category and free text: what `train` should warn about and note once each.
fn mixed_csv(dir: &tempfile::TempDir) -> String {
    let mut text = String::from("id,age,copy,city,comment,income,churn\n");
    let words = ["good", "bad", "slow", "fast", "price", "support"];
    for i in 0..240usize {
        let churn = i % 3 == 0;
        let age = if churn && i % 9 != 0 {
            String::new()
        } else {
            (20 + i % 50).to_string()
        };
        let comment: Vec<&str> = (0..5).map(|k| words[(i * 7 + k * 3) % 6]).collect();
        text.push_str(&format!(
            "{i},{age},{},{},{},{},{}\n",
            if churn { "c1" } else { "c0" },
            ["paris", "lyon", "nice"][i % 3],
            comment.join(" "),
            40 + (i * 13) % 30,
            if churn { "yes" } else { "no" }
        ));
    }
    let file = path(dir, "mixed.csv");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn cv_defaults_to_boosting_and_compares_with_the_baseline() {
    let o = satori(&[
        "cv",
        &data("wine.csv"),
        "--target",
        "class",
        "--folds",
        "3",
        "--set",
        "model.n_estimators=20",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["model"], "gbm_classifier", "{j}");
    let ours = j["summary"]["accuracy"]["mean"].as_f64().unwrap();
    let baseline = j["baseline"]["summary"]["accuracy"]["mean"]
        .as_f64()
        .unwrap();
    assert!(ours > 0.8, "boosting accuracy {ours}");
    assert!(baseline < 0.5, "the prior's accuracy {baseline}");

    // The table has the baseline's column and says what it is.
    let o = satori(&[
        "cv",
        &data("wine.csv"),
        "--target",
        "class",
        "--folds",
        "3",
        "--set",
        "model.n_estimators=20",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("baseline") && out.contains("dummy_classifier"),
        "{out}"
    );
}

#[test]
fn train_without_out_scores_and_writes_nothing() {
    let dir = tmp();
    let o = run_with(
        dir.path(),
        &[
            "train",
            &data("wine.csv"),
            "--target",
            "class",
            "--model",
            "logistic",
        ],
        b"",
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Holdout scores") && out.contains("Not saved"),
        "{out}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let o = run_with(
        dir.path(),
        &[
            "train",
            &data("wine.csv"),
            "--target",
            "class",
            "--model",
            "logistic",
            "--json",
        ],
        b"",
        &[],
    );
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(j["out"].is_null(), "{j}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn cv_out_of_fold_file_carries_the_truth_and_several_ids() {
    let dir = tmp();
    let oof = path(&dir, "oof.csv");
    let o = satori(&[
        "cv",
        &data("breast_cancer.csv"),
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--folds",
        "3",
        "--oof",
        &oof,
        "--id",
        "mean_radius,mean_texture",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&oof).unwrap();
    assert_eq!(
        text.lines().next(),
        Some("mean_radius,mean_texture,diagnosis,prediction,proba_benign,proba_malignant")
    );
    // Scored as it is, no join needed.
    let o = satori(&[
        "evaluate",
        "--predictions",
        &oof,
        "--target",
        "diagnosis",
        "--score",
        "proba_malignant",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["n_rows"], 569);
    assert!(j["metrics"]["roc_auc"].as_f64().unwrap() > 0.95, "{j}");
}

#[test]
fn standard_input_and_output() {
    let dir = tmp();
    let model = path(&dir, "m.satori");
    let o = satori(&[
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--model",
        "logistic",
        "--out",
        &model,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let wine = std::fs::read(data("wine.csv")).unwrap();
    let o = run_with(
        dir.path(),
        &[
            "predict",
            &model,
            "-",
            "--out",
            "-",
            "--id",
            "class,alcohol",
        ],
        &wine,
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("class,alcohol,prediction"));
    assert_eq!(lines.count(), 178);
    assert!(stderr(&o).contains("standard output"), "{}", stderr(&o));
    // Nothing but the data on stdout, nothing at all on stderr with -q.
    let o = run_with(
        dir.path(),
        &["-q", "predict", &model, "-", "--out", "-"],
        &wine,
        &[],
    );
    assert!(o.status.success());
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 179);
    // Empty standard input is a clear error, and a bad one names standard input.
    let o = run_with(dir.path(), &["inspect", "-"], b"", &[]);
    common::assert_user_error(&o, &["standard input"]);
    let o = run_with(dir.path(), &["inspect", "-"], b"x,y\n", &[]);
    common::assert_user_error(&o, &["standard input"]);
    assert!(!stderr(&o).contains("satori-stdin"), "{}", stderr(&o));
}

#[test]
fn quiet_silences_tables_but_not_what_was_asked_for() {
    let dir = tmp();
    let args = [
        "-q",
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--model",
        "baseline",
    ];
    let o = run_with(dir.path(), &args, b"", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let o = run_with(dir.path(), &with_json, b"", &[]);
    serde_json::from_str::<serde_json::Value>(&stdout(&o)).expect("--json is still printed");
}

#[test]
fn transform_writes_categories_as_their_labels() {
    let dir = tmp();
    let pipeline = path(&dir, "p.toml");
    std::fs::write(
        &pipeline,
        "[[preprocessing]]\nstep = \"simple_imputer\"\nstrategy = \"most_frequent\"\n",
    )
    .unwrap();
    let (out, prep, again) = (
        path(&dir, "out.csv"),
        path(&dir, "prep.satori"),
        path(&dir, "again.csv"),
    );
    let penguins = data("palmer_penguins.csv");
    let o = satori(&[
        "transform",
        &penguins,
        "--pipeline",
        &pipeline,
        "--out",
        &out,
        "--save",
        &prep,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = satori(&["transform", &penguins, "--using", &prep, "--out", &again]);
    assert!(o.status.success(), "{}", stderr(&o));
    for file in [&out, &again] {
        let text = std::fs::read_to_string(file).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let island = header.iter().position(|h| *h == "island").unwrap();
        let first = text.lines().nth(1).unwrap().split(',').nth(island).unwrap();
        assert_eq!(
            first,
            "Torgersen",
            "{file}: {}",
            text.lines().nth(1).unwrap()
        );
    }
}

#[test]
fn evaluate_on_the_training_file_warns_that_scores_are_optimistic() {
    let dir = tmp();
    let model = path(&dir, "m.satori");
    let o = satori(&[
        "train",
        &data("wine.csv"),
        "--target",
        "class",
        "--model",
        "logistic",
        "--out",
        &model,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = satori(&["evaluate", &model, &data("wine.csv")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("is the file this model was trained on") && err.contains("optimistic"),
        "{err}"
    );
    // Other data (one row less): no warning.
    let wine = std::fs::read_to_string(data("wine.csv")).unwrap();
    let fewer: Vec<&str> = wine.lines().take(150).collect();
    let other = path(&dir, "other.csv");
    std::fs::write(&other, fewer.join("\n") + "\n").unwrap();
    let o = satori(&["evaluate", &model, &other]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("trained on"), "{}", stderr(&o));
}

#[test]
fn train_warns_about_leaks_and_telling_missingness_and_notes_once() {
    let dir = tmp();
    let file = mixed_csv(&dir);
    let o = satori(&["train", &file, "--target", "churn", "--model", "logistic"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: whether column `age` is missing predicts the target `churn`"),
        "{err}"
    );
    assert!(
        err.contains("column `copy`") && err.contains("leak"),
        "{err}"
    );
    // The identifier is noted once, not by the reader and again by training.
    assert_eq!(err.matches("`id`").count(), 1, "{err}");
    assert_eq!(err.matches("`comment`").count(), 1, "{err}");
}

#[test]
fn piped_runs_print_progress_lines() {
    let dir = tmp();
    let o = run_with(
        dir.path(),
        &[
            "train",
            &data("breast_cancer.csv"),
            "--target",
            "diagnosis",
            "--set",
            "model.n_estimators=10",
        ],
        b"",
        &[("SATORI_PROGRESS_EVERY", "0")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("[satori] boosting: 10/10 (100%)"), "{err}");
    assert!(err.contains("[satori] boosting: done in"), "{err}");
}

#[test]
fn long_values_are_cut_in_tables() {
    let dir = tmp();
    let long = "a very long category value that would stretch any table far too wide";
    let mut text = String::from("kind,x\n");
    for i in 0..20 {
        text.push_str(&format!("{long} {},{i}\n", i % 2));
    }
    let file = path(&dir, "long.csv");
    std::fs::write(&file, text).unwrap();
    let o = satori(&["inspect", &file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains(long) && out.contains('…'), "{out}");
}

#[test]
fn anomalies_carry_several_id_columns() {
    let dir = tmp();
    let out = path(&dir, "scores.csv");
    let o = satori(&[
        "anomalies",
        &data("wine.csv"),
        "--id",
        "class,alcohol",
        "--out",
        &out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text.lines().next(),
        Some("rank,row,class,alcohol,anomaly_score,is_anomaly")
    );
    assert!(stdout(&o).contains("alcohol"), "{}", stdout(&o));
}
