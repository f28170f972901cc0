//! `satori tune`: a search by cross-validation, its leaderboard, the best parameters as a
//! pipeline file `train` accepts, the refitted model, reproducibility and clear errors.

mod common;

use common::{assert_user_error, data, satori, stderr, stdout};

fn json(args: &[&str]) -> serde_json::Value {
    let o = satori(args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("JSON on stdout")
}

#[test]
fn tune_finds_the_best_trial_writes_its_parameters_and_refits() {
    let dir = tempfile::tempdir().unwrap();
    let best_toml = dir.path().join("best.toml").display().to_string();
    let model = dir.path().join("best.satori").display().to_string();
    let file = data("breast_cancer.csv");
    let j = json(&[
        "tune",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--trials",
        "8",
        "--best-params",
        &best_toml,
        "--out",
        &model,
        "--json",
    ]);
    assert_eq!(j["metric"], "roc_auc");
    assert_eq!(j["direction"], "maximize");
    assert_eq!(j["stopped_by"], "trials");
    let trials = j["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 8);
    let top = trials
        .iter()
        .filter_map(|t| t["value"].as_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(j["best"]["value"].as_f64().unwrap(), top);
    assert!(top > 0.98, "logistic ROC-AUC on breast cancer {top}");
    let c = j["best"]["params"]["model.C"].as_f64().unwrap();

    // The best parameters are a pipeline file that train takes, with the same C.
    let text = std::fs::read_to_string(&best_toml).unwrap();
    assert!(text.contains("[model]"), "{text}");
    let t = json(&[
        "train",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--pipeline",
        &best_toml,
        "--json",
    ]);
    assert_eq!(t["params"]["model"]["C"].as_f64().unwrap(), c);
    // The refitted model holds every row and the best C.
    let h = json(&["inspect", &model, "--json"]);
    assert_eq!(h["n_train_samples"], 569);
    assert_eq!(h["params"]["model"]["C"].as_f64().unwrap(), c);

    // The table names the best trial.
    let o = satori(&[
        "tune",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--trials",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Best: trial") && out.contains("roc_auc"),
        "{out}"
    );
}

#[test]
fn a_seed_repeats_a_study_at_any_thread_count_and_another_seed_changes_it() {
    let file = data("wine.csv");
    let run = |seed: &str, threads: &str| {
        json(&[
            "--threads",
            threads,
            "tune",
            &file,
            "--target",
            "class",
            "--model",
            "logistic",
            "--trials",
            "12",
            "--seed",
            seed,
            "--json",
        ])["trials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["params"].clone(), t["value"].clone()))
            .collect::<Vec<_>>()
    };
    let a = run("3", "2");
    assert_eq!(a, run("3", "1"), "the same study on one thread");
    assert_ne!(a, run("4", "2"));
}

#[test]
fn a_grid_stops_when_exhausted_and_regression_maximises_r2() {
    let j = json(&[
        "tune",
        &data("diabetes.csv"),
        "--target",
        "progression",
        "--model",
        "ridge",
        "--sampler",
        "grid",
        "--search",
        "model.alpha=choice(0.01,1,100)",
        "--trials",
        "50",
        "--json",
    ]);
    assert_eq!(j["stopped_by"], "grid exhausted");
    assert_eq!(j["trials"].as_array().unwrap().len(), 3);
    assert_eq!(j["metric"], "r2");
    assert_eq!(j["direction"], "maximize");
}

#[test]
fn bad_tuning_input_is_a_clear_error() {
    let file = data("wine.csv");
    let base = ["tune", file.as_str(), "--target", "class"];
    let with = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        satori(&args)
    };
    assert_user_error(&with(&["--model", "baseline"]), &["nothing to tune"]);
    assert_user_error(
        &with(&["--model", "logistic", "--search", "model.C=float(0,1,log)"]),
        &["model.C", "log range"],
    );
    assert_user_error(
        &with(&["--model", "logistic", "--search", "model.nope=float(0.1,1)"]),
        &["model.nope", "no such parameter"],
    );
    assert_user_error(
        &with(&["--model", "logistic", "--time-budget", "10d"]),
        &["--time-budget", "90s"],
    );
    assert_user_error(
        &with(&["--model", "logistic", "--trials", "0"]),
        &["--trials"],
    );
    assert_user_error(
        &with(&["--model", "logistic", "--sampler", "annealing"]),
        &["samplers are"],
    );
    assert_user_error(
        &with(&["--model", "logistic", "--pruner", "sometimes"]),
        &["pruners are"],
    );
    assert_user_error(
        &with(&["--model", "logistic", "--batch", "0"]),
        &["--batch"],
    );
}

#[test]
fn a_pipeline_file_carries_its_search_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(
        &file,
        "[model]\nmax_iter = 300\n\n[search]\n\"model.C\" = \"choice(0.5,2)\"\n",
    )
    .unwrap();
    let p = file.display().to_string();
    let wine = data("wine.csv");
    let j = json(&[
        "tune",
        &wine,
        "--target",
        "class",
        "--model",
        "logistic",
        "--pipeline",
        &p,
        "--sampler",
        "grid",
        "--json",
    ]);
    assert_eq!(j["space"], serde_json::json!(["model.C=choice(0.5,2)"]));
    assert_eq!(j["trials"].as_array().unwrap().len(), 2);
    // train reads pipeline files too, but the search is tune's: a clear error, not "unknown".
    assert_user_error(
        &satori(&["train", &wine, "--target", "class", "--pipeline", &p]),
        &["[search]", "satori tune"],
    );
}

/// The trials of a tune JSON result as (number, state, value).
fn trial_rows(j: &serde_json::Value) -> Vec<(u64, String, Option<f64>)> {
    j["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["number"].as_u64().unwrap(),
                t["state"].as_str().unwrap().to_string(),
                t["value"].as_f64(),
            )
        })
        .collect()
}

#[test]
fn pruning_stops_poor_trials_after_a_fold_and_never_changes_a_complete_score() {
    let file = data("breast_cancer.csv");
    let run = |pruner: &str, batch: &str, threads: &str| {
        json(&[
            "--threads",
            threads,
            "tune",
            &file,
            "--target",
            "diagnosis",
            "--model",
            "tree",
            "--sampler",
            "random",
            "--trials",
            "20",
            "--pruner",
            pruner,
            "--batch",
            batch,
            "--seed",
            "5",
            "--json",
        ])
    };
    let full = run("none", "4", "2");
    let pruned = run("median", "4", "2");
    let (f, p) = (trial_rows(&full), trial_rows(&pruned));
    assert!(f.iter().all(|t| t.1 == "complete"), "{f:?}");
    let n_pruned = p.iter().filter(|t| t.1 == "pruned").count();
    assert!(n_pruned > 0, "median pruning stopped no tree: {p:?}");
    assert_eq!(
        pruned["counts"]["pruned"].as_u64().unwrap() as usize,
        n_pruned
    );
    // Random search asks the same parameters either way; a trial that ran every fold scores
    // exactly what it scores without a pruner (folds one by one or all at once).
    for (a, b) in f.iter().zip(&p) {
        if b.1 == "complete" {
            assert_eq!(a.2, b.2, "trial {}", a.0);
        }
    }
    // A pruned trial stopped before its last fold, and reported its first.
    for t in pruned["trials"].as_array().unwrap() {
        if t["state"] == "pruned" {
            let steps = t["intermediate_values"].as_array().unwrap();
            assert!(!steps.is_empty() && steps.len() < 3, "{t}");
        }
    }
    // The first trials (before five complete ones) are never pruned.
    assert!(p[..8].iter().all(|t| t.1 == "complete"), "{p:?}");
    // Batches make the study the same at any thread count; the batch size is part of it.
    assert_eq!(trial_rows(&run("median", "4", "1")), p);
    assert_eq!(
        trial_rows(&run("median", "1", "1")),
        trial_rows(&run("median", "1", "2"))
    );
    // The best trial's score is the best complete score.
    let best = pruned["best"]["value"].as_f64().unwrap();
    let top = p
        .iter()
        .filter_map(|t| t.2)
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(best, top);
}

#[test]
fn a_validation_file_scores_each_trial_as_train_would() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("breast_cancer.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let write = |name: &str, part: &[&str]| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("{header}\n{}\n", part.join("\n"))).unwrap();
        p.display().to_string()
    };
    let train = write("train.csv", &rows[..400]);
    let valid = write("valid.csv", &rows[400..]);
    let j = json(&[
        "tune",
        &train,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--trials",
        "6",
        "--valid",
        &valid,
        "--json",
    ]);
    assert_eq!(j["evaluated_by"], "the validation file");
    assert!(j["folds"].is_null(), "{j}");
    let best = j["best"]["value"].as_f64().unwrap();
    let c = j["best"]["params"]["model.C"].as_f64().unwrap();
    // satori train with the same C and validation file reports the same score.
    let t = json(&[
        "train",
        &train,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--set",
        &format!("model.C={c}"),
        "--valid",
        &valid,
        "--json",
    ]);
    assert_eq!(t["holdout"]["metrics"]["roc_auc"].as_f64().unwrap(), best);
    let o = satori(&[
        "tune",
        &train,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--valid",
        &valid,
        "--folds",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(1), "--valid and --folds conflict");
}

#[test]
fn model_auto_tries_the_portfolio_cheapest_first_then_searches_the_best_family() {
    let dir = tempfile::tempdir().unwrap();
    let best_toml = dir.path().join("best.toml").display().to_string();
    let model = dir.path().join("auto.satori").display().to_string();
    let file = data("wine.csv");
    let j = json(&[
        "tune",
        &file,
        "--target",
        "class",
        "--model",
        "auto",
        "--trials",
        "9",
        "--best-params",
        &best_toml,
        "--out",
        &model,
        "--json",
    ]);
    assert_eq!(j["metric"], "log_loss");
    let board = j["leaderboard"].as_array().unwrap();
    // Nine configurations, then the ensemble step over the best of each family.
    assert_eq!(board.len(), 10);
    let ensemble = &board[9];
    assert_eq!(ensemble["phase"], "ensemble");
    assert_eq!(ensemble["family"], "ensemble_selection");
    let members = ensemble["params"]["model.members"].as_array().unwrap();
    assert!((2..=4).contains(&members.len()), "{ensemble}");
    assert!(
        members.iter().all(|m| m["name"] != "baseline"),
        "{ensemble}"
    );
    let board = &board[..9];
    let families: Vec<&str> = board[..7]
        .iter()
        .map(|e| e["family"].as_str().unwrap())
        .collect();
    assert_eq!(
        families,
        [
            "baseline",
            "logistic",
            "gbm",
            "gbm",
            "extra_trees",
            "forest",
            "mlp"
        ]
    );
    assert!(board[..7].iter().all(|e| e["phase"] == "portfolio"));
    // The family searched is the portfolio's best (not the baseline), and its trials follow.
    let best_portfolio = board[1..7]
        .iter()
        .min_by(|a, b| {
            a["value"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["value"].as_f64().unwrap())
        })
        .unwrap();
    assert_eq!(j["searched_family"], best_portfolio["family"]);
    for e in &board[7..] {
        assert_eq!(e["phase"], "search");
        assert_eq!(e["family"], best_portfolio["family"]);
    }
    // Every complete entry records its costs; the baseline is the floor.
    for e in board.iter().filter(|e| e["state"] == "complete") {
        assert!(e["fit_seconds"].as_f64().unwrap() >= 0.0, "{e}");
        assert!(e["predict_seconds_per_1k"].as_f64().unwrap() >= 0.0, "{e}");
    }
    let best = j["best"]["value"].as_f64().unwrap();
    let top = j["leaderboard"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["value"].as_f64())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best, top);
    assert!(best < board[0]["value"].as_f64().unwrap());
    // The chosen kind is in the parameters file, which train takes without --model, and in the
    // refitted model.
    let kind = j["kind"].as_str().unwrap();
    let text = std::fs::read_to_string(&best_toml).unwrap();
    assert!(text.contains(&format!("kind = \"{kind}\"")), "{text}");
    let t = json(&[
        "train",
        &file,
        "--target",
        "class",
        "--pipeline",
        &best_toml,
        "--json",
    ]);
    assert_eq!(t["model"], kind);
    let h = json(&["inspect", &model, "--json"]);
    assert_eq!(h["model_kind"], kind);

    // A budget already spent still gives one model beyond the baseline, then stops.
    let quick = json(&[
        "tune",
        &file,
        "--target",
        "class",
        "--model",
        "auto",
        "--time-budget",
        "0.01s",
        "--json",
    ]);
    let families: Vec<&str> = quick["leaderboard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["family"].as_str().unwrap())
        .collect();
    assert_eq!(families, ["baseline", "logistic"]);
    assert_eq!(quick["stopped_by"], "time budget");
    assert_eq!(quick["best"]["family"], "logistic");
    assert_eq!(quick["skipped"], serde_json::json!([]));

    // With a budget, an entry is skipped only when its estimate exceeds a fifth of the time left,
    // and never the baseline, the linear model or boosting's defaults.
    let budgeted = json(&[
        "tune",
        &file,
        "--target",
        "class",
        "--model",
        "auto",
        "--time-budget",
        "2s",
        "--json",
    ]);
    for k in budgeted["skipped"].as_array().unwrap() {
        let (est, left) = (
            k["estimated_seconds"].as_f64().unwrap(),
            k["seconds_left"].as_f64().unwrap(),
        );
        assert!(est > 0.2 * left, "{k}");
        assert!(
            !["baseline", "logistic"].contains(&k["family"].as_str().unwrap()),
            "{k}"
        );
        assert!(
            k["family"] != "gbm" || !k["params"].as_object().unwrap().is_empty(),
            "{k}"
        );
    }

    // A space needs one model.
    assert_user_error(
        &satori(&[
            "tune",
            &file,
            "--target",
            "class",
            "--model",
            "auto",
            "--search",
            "model.C=float(0.1,1)",
        ]),
        &["--model auto", "--search"],
    );
}

#[test]
fn train_model_auto_chooses_on_the_training_rows_and_scores_the_holdout() {
    let file = data("wine.csv");
    let values = |j: &serde_json::Value| -> Vec<Option<f64>> {
        j["leaderboard"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["value"].as_f64())
            .collect()
    };
    let tuned = json(&[
        "tune", &file, "--target", "class", "--model", "auto", "--trials", "8", "--json",
    ]);
    // Without a holdout, train chooses exactly as tune does on the whole file.
    let all = json(&[
        "train",
        &file,
        "--target",
        "class",
        "--model",
        "auto",
        "--trials",
        "8",
        "--holdout",
        "0",
        "--json",
    ]);
    assert_eq!(values(&all["auto"]), values(&tuned));
    assert_eq!(all["model"], tuned["kind"]);
    // With a holdout, the choice is made on the other rows only (other scores), and the holdout
    // scores the chosen model.
    let held = json(&[
        "train", &file, "--target", "class", "--model", "auto", "--trials", "8", "--json",
    ]);
    assert_ne!(values(&held["auto"]), values(&tuned));
    assert_eq!(held["n_train"], 142);
    let chosen = held["auto"]["best"]["family"].as_str().unwrap();
    let kind = held["model"].as_str().unwrap();
    let expected = match chosen {
        "logistic" => "logistic_regression",
        "gbm" => "gbm_classifier",
        "forest" => "random_forest_classifier",
        "extra_trees" => "extra_trees_classifier",
        "mlp" => "mlp_classifier",
        "ensemble_selection" => "ensemble_selection_classifier",
        other => panic!("chose {other}"),
    };
    assert_eq!(kind, expected);
    assert!(held["holdout"]["metrics"]["log_loss"].as_f64().unwrap() < 0.5);

    let base = ["train", file.as_str(), "--target", "class"];
    let with = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        satori(&args)
    };
    assert_user_error(
        &with(&["--model", "auto", "--set", "model.C=2"]),
        &["--model auto", "--set model.*"],
    );
    assert_user_error(
        &with(&["--model", "gbm", "--time-budget", "1m"]),
        &["--time-budget", "--model auto"],
    );
}

/// `satori tune --sampler grid` scores every candidate exactly as scikit-learn's GridSearchCV
/// does (tests/golden/tune_grid) and picks the same best.
#[test]
fn a_grid_search_scores_every_candidate_as_grid_search_cv_does() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/tune_grid/expected.json"
    );
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("golden file")).unwrap();
    for case in golden["cases"].as_array().unwrap() {
        let s = &case["satori"];
        let values: Vec<String> = case["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].to_string())
            .collect();
        let search = format!(
            "{}=choice({})",
            s["path"].as_str().unwrap(),
            values.join(",")
        );
        let data_file = data(case["data"].as_str().unwrap());
        let folds = case["folds"].to_string();
        let mut args = vec![
            "tune",
            data_file.as_str(),
            "--target",
            case["target"].as_str().unwrap(),
            "--model",
            s["model"].as_str().unwrap(),
            "--sampler",
            "grid",
            "--search",
            &search,
            "--folds",
            &folds,
            "--no-shuffle",
            "--pruner",
            "none",
            "--metric",
            case["scoring"].as_str().unwrap(),
            "--json",
        ];
        for set in s["set"].as_array().unwrap() {
            args.extend(["--set", set.as_str().unwrap()]);
        }
        let j = json(&args);
        let path = s["path"].as_str().unwrap();
        let trials = j["trials"].as_array().unwrap();
        assert_eq!(trials.len(), values.len(), "{}", case["name"]);
        for c in case["candidates"].as_array().unwrap() {
            let want = c["value"].as_f64().unwrap();
            let t = trials
                .iter()
                .find(|t| t["params"][path].as_f64() == Some(want))
                .unwrap_or_else(|| panic!("{}: no trial with {want}", case["name"]));
            let got = t["value"].as_f64().unwrap();
            let expected = c["mean_test_score"].as_f64().unwrap();
            assert!(
                (got - expected).abs() <= 1e-9,
                "{} at {want}: satori {got}, scikit-learn {expected}",
                case["name"]
            );
        }
        assert_eq!(
            j["best"]["params"][path].as_f64(),
            case["best_value"].as_f64(),
            "{}",
            case["name"]
        );
    }
}

fn params_and_values(j: &serde_json::Value) -> Vec<(serde_json::Value, serde_json::Value)> {
    j["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["params"].clone(), t["value"].clone()))
        .collect()
}

#[test]
fn a_study_file_resumes_with_the_same_trials_as_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = data("breast_cancer.csv");
    let db = |n: &str| dir.path().join(n).display().to_string();
    let (one, split) = (db("one.db"), db("split.db"));
    let run = |db: &str, trials: &str, extra: &[&str]| {
        let mut args = vec![
            "tune",
            &file,
            "--target",
            "diagnosis",
            "--model",
            "logistic",
            "--trials",
            trials,
            "--batch",
            "2",
            "--seed",
            "4",
            "--study",
            db,
            "--json",
        ];
        args.extend_from_slice(extra);
        json(&args)
    };
    let whole = run(&one, "12", &[]);
    assert_eq!(whole["study_name"], "logistic");
    // Stopped after 6, resumed to 12: the same trials, numbered on.
    let first = run(&split, "6", &[]);
    assert_eq!(first["trials"].as_array().unwrap().len(), 6);
    let resumed = run(&split, "12", &["--resume"]);
    assert_eq!(params_and_values(&resumed), params_and_values(&whole));
    let numbers: Vec<u64> = resumed["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (0..12).collect::<Vec<_>>());

    // The file refuses what does not continue it.
    let o = satori(&[
        "tune",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--trials",
        "2",
        "--study",
        &split,
    ]);
    assert_user_error(&o, &["already holds a study named `logistic`", "--resume"]);
    let o = satori(&[
        "tune",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--trials",
        "14",
        "--study",
        &split,
        "--resume",
        "--metric",
        "accuracy",
    ]);
    assert_user_error(&o, &["another data set or target", "--study-name"]);
    let o = satori(&[
        "tune",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--trials",
        "14",
        "--study",
        &split,
        "--resume",
        "--seed",
        "5",
    ]);
    assert_user_error(&o, &["--study"]);
    // Another name in the same file is another study.
    let other = json(&[
        "tune",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--trials",
        "2",
        "--study",
        &split,
        "--study-name",
        "second",
        "--json",
    ]);
    assert_eq!(other["trials"].as_array().unwrap().len(), 2);
    // A file that is not a study file is left alone.
    let csv_copy = db("not_a_study.db");
    std::fs::copy(&file, &csv_copy).unwrap();
    let before = std::fs::read(&csv_copy).unwrap();
    let o = satori(&[
        "tune",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--trials",
        "2",
        "--study",
        &csv_copy,
    ]);
    assert_user_error(&o, &["not_a_study.db"]);
    assert_eq!(std::fs::read(&csv_copy).unwrap(), before);
}

#[test]
fn a_killed_study_loses_no_told_trial_and_resumes_numbered_on() {
    use satori_tune::{StudyStore, TrialState};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("killed.db");
    let file = data("breast_cancer.csv");
    let args = [
        "tune",
        file.as_str(),
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--trials",
        "400",
        "--batch",
        "1",
        "--study",
        db.to_str().unwrap(),
        "-q",
    ];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_satori"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let told = |db: &std::path::Path| -> Vec<satori_tune::TrialRecord> {
        let Ok(store) = StudyStore::open_read_only(db) else {
            return Vec::new();
        };
        store.load("logistic").map(|s| s.trials).unwrap_or_default()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while told(&db)
        .iter()
        .filter(|t| t.state != TrialState::Running)
        .count()
        < 3
    {
        assert!(std::time::Instant::now() < deadline, "no trials stored");
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = told(&db);
    let n = before.len();
    assert!(n >= 3);
    let j = json(&[
        "tune",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "logistic",
        "--trials",
        &(n + 2).to_string(),
        "--batch",
        "1",
        "--study",
        db.to_str().unwrap(),
        "--resume",
        "--json",
    ]);
    let after = j["trials"].as_array().unwrap();
    assert_eq!(after.len(), n + 2, "numbered on from the stored trials");
    for (i, (old, new)) in before.iter().zip(after).enumerate() {
        assert_eq!(new["number"].as_u64(), Some(i as u64));
        assert_eq!(serde_json::to_value(&old.params).unwrap(), new["params"]);
        match old.state {
            TrialState::Complete => assert_eq!(new["value"].as_f64(), old.value, "trial {i}"),
            // The trial running at the kill is failed, and says why.
            TrialState::Running => {
                assert_eq!(new["state"], "failed");
                assert!(new["fail_reason"].as_str().unwrap().contains("interrupted"));
            }
            _ => {}
        }
    }
}

#[test]
fn objectives_beside_the_metric_give_a_pareto_front() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("front.satori").display().to_string();
    let file = data("breast_cancer.csv");
    let run = |threads: &str| {
        json(&[
            "--threads",
            threads,
            "tune",
            &file,
            "--target",
            "diagnosis",
            "--model",
            "tree",
            "--objective",
            "size",
            "--trials",
            "24",
            "--out",
            &model,
            "--json",
        ])
    };
    let j = run("2");
    assert_eq!(
        j["objectives"],
        serde_json::json!(["roc_auc", "model_bytes"])
    );
    assert_eq!(j["directions"], serde_json::json!(["maximize", "minimize"]));
    let trials = j["trials"].as_array().unwrap();
    let point = |t: &serde_json::Value| {
        let v = t["values"].as_array().unwrap();
        (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
    };
    let front: Vec<u64> = j["pareto_front"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert!(!front.is_empty());
    // The front is exactly the trials no other beats in both (higher AUC, fewer bytes).
    for t in trials {
        let (auc, bytes) = point(t);
        let beaten = trials.iter().any(|o| {
            let (a, b) = point(o);
            a >= auc && b <= bytes && (a > auc || b < bytes)
        });
        let n = t["number"].as_u64().unwrap();
        assert_eq!(front.contains(&n), !beaten, "trial {n}");
    }
    // Size is measured, not timed: the same front at any thread count.
    assert_eq!(run("1")["pareto_front"], j["pareto_front"]);
    // --out refits the front's trial with the best metric.
    let best = &j["best"];
    let top = front
        .iter()
        .map(|&n| point(&trials[n as usize]).0)
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(point(best).0, top);
    let h = json(&["inspect", &model, "--json"]);
    assert_eq!(
        h["params"]["model"]["max_depth"],
        best["params"]["model.max_depth"]
    );

    let base = [
        "tune",
        file.as_str(),
        "--target",
        "diagnosis",
        "--model",
        "tree",
    ];
    let with = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        satori(&args)
    };
    assert_user_error(
        &with(&["--objective", "speed"]),
        &["latency, fit_time, size"],
    );
    assert_user_error(
        &with(&["--objective", "size", "--pruner", "median"]),
        &["--pruner", "one objective"],
    );
    assert_user_error(
        &with(&["--objective", "size", "--sampler", "tpe"]),
        &["nsga2"],
    );
}

#[test]
fn hyperband_and_successive_halving_prune_on_the_folds() {
    let file = data("breast_cancer.csv");
    let run = |pruner: &str| {
        json(&[
            "tune",
            &file,
            "--target",
            "diagnosis",
            "--model",
            "tree",
            "--sampler",
            "random",
            "--trials",
            "24",
            "--folds",
            "5",
            "--pruner",
            pruner,
            "--seed",
            "2",
            "--json",
        ])
    };
    let full = trial_rows(&run("none"));
    for pruner in ["hyperband", "successive-halving"] {
        let rows = trial_rows(&run(pruner));
        let pruned = rows.iter().filter(|t| t.1 == "pruned").count();
        assert!(pruned > 0, "{pruner} pruned nothing: {rows:?}");
        for (a, b) in full.iter().zip(&rows) {
            if b.1 == "complete" {
                assert_eq!(a.2, b.2, "{pruner}: trial {}", a.0);
            }
        }
    }
}

#[test]
fn the_search_report_and_its_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("search.html");
    let plots = dir.path().join("plots");
    std::fs::create_dir(&plots).unwrap();
    let file = data("breast_cancer.csv");
    let o = satori(&[
        "tune",
        &file,
        "--target",
        "diagnosis",
        "--model",
        "tree",
        "--trials",
        "16",
        "--report",
        html.to_str().unwrap(),
        "--plots",
        plots.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    for needle in [
        "Optimisation history",
        "model.max_depth",
        "model.min_samples_leaf",
        "roc_auc",
    ] {
        assert!(page.contains(needle), "the report lacks {needle}");
    }
    for name in ["history", "importance", "slice", "parallel", "intermediate"] {
        let svg = std::fs::read_to_string(plots.join(format!("{name}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") || svg.starts_with("<?xml"),
            "{name}"
        );
        assert!(plots.join(format!("{name}.png")).exists(), "{name}.png");
    }
    assert!(
        stdout(&o).contains("Wrote the report to") || stderr(&o).contains("Wrote the report to")
    );
    assert_user_error(
        &satori(&[
            "tune",
            &file,
            "--target",
            "diagnosis",
            "--model",
            "auto",
            "--report",
            html.to_str().unwrap(),
        ]),
        &["--report", "one model"],
    );
    let missing = dir.path().join("no-such-folder");
    assert_user_error(
        &satori(&[
            "tune",
            &file,
            "--target",
            "diagnosis",
            "--model",
            "tree",
            "--plots",
            missing.to_str().unwrap(),
        ]),
        &["no-such-folder"],
    );
}

#[test]
fn every_sampler_runs_from_the_command_line_and_repeats_at_any_thread_count() {
    let file = data("breast_cancer.csv");
    for sampler in [
        "sobol",
        "lhs",
        "gp",
        "cmaes",
        "ga",
        "tpe-multivariate",
        "random",
    ] {
        let run = |threads: &str| {
            json(&[
                "--threads",
                threads,
                "tune",
                &file,
                "--target",
                "diagnosis",
                "--model",
                "tree",
                "--sampler",
                sampler,
                "--trials",
                "14",
                "--pruner",
                "none",
                "--json",
            ])
        };
        let j = run("2");
        let rows = trial_rows(&j);
        assert_eq!(rows.len(), 14, "{sampler}");
        assert!(
            rows.iter().all(|t| t.1 == "complete"),
            "{sampler}: {rows:?}"
        );
        assert_eq!(
            params_and_values(&run("1")),
            params_and_values(&j),
            "{sampler}"
        );
    }
}
