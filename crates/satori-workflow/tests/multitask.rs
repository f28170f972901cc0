//! Several targets through the one training path: training, the model file, prediction and
//! evaluation per target, bad input, and the measured benefit over separately trained
//! single-target networks.
//!
//! The data share a hidden representation (as in `satori-nn`'s own multi-task test):
//! `z = tanh(x · A)` of 10 inputs, four regression targets `v0..v3 = z · v_k` and a 3-class
//! target `kind = argmax(z · U)`.

use std::path::Path;

use ndarray::Array2;
use satori_core::rng::{rng, standard_normal};
use satori_core::{Error, NoProgress, Task};
use satori_data::{ReadOptions, Table, TargetSpec, read_csv_bytes};
use satori_pipeline::ModelParams;
use satori_pipeline::model_file;
use satori_pipeline::pipeline_file::parse_pipeline;
use satori_workflow::{MetricSpec, TrainRequest, evaluate_table, parse_targets, train};

const D: usize = 10;
const Z: usize = 6;

fn matrix(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut r = rng(seed);
    Array2::from_shape_fn((rows, cols), |_| standard_normal(&mut r))
}

/// CSV text of `n` rows: x0..x9, a categorical `site`, targets v0..v3 and `kind`; every
/// `missing_every`-th row (if > 0) misses `v1`, and every `missing_every + 1`-th misses `kind`.
fn csv(n: usize, seed: u64, missing_every: usize) -> String {
    let x = matrix(n, D, seed);
    let a = matrix(D, Z, 100) / (D as f64).sqrt() * 2.0;
    let z = x.dot(&a).mapv(f64::tanh);
    let values = z.dot(&matrix(Z, 4, 300));
    let scores = z.dot(&matrix(Z, 3, 202));
    let mut out = String::new();
    let xs: Vec<String> = (0..D).map(|j| format!("x{j}")).collect();
    out += &format!("{},site,v0,v1,v2,v3,kind\n", xs.join(","));
    for i in 0..n {
        let row: Vec<String> = x.row(i).iter().map(|v| format!("{v}")).collect();
        let site = ["north", "south", "east"][i % 3];
        let v: Vec<String> = (0..4)
            .map(|k| {
                if k == 1 && missing_every > 0 && i % missing_every == 0 {
                    String::new()
                } else {
                    format!("{}", values[[i, k]])
                }
            })
            .collect();
        let s = scores.row(i);
        let best = (0..3).fold(0, |b, j| if s[j] > s[b] { j } else { b });
        let kind = if missing_every > 0 && i % (missing_every + 1) == 0 {
            String::new()
        } else {
            format!("c{best}")
        };
        out += &format!("{},{site},{},{kind}\n", row.join(","), v.join(","));
    }
    out
}

fn table(n: usize, seed: u64, missing_every: usize) -> Table {
    read_csv_bytes(
        "related.csv",
        csv(n, seed, missing_every).as_bytes(),
        &ReadOptions::default(),
    )
    .unwrap()
}

fn names(list: &str) -> Vec<TargetSpec> {
    parse_targets(list)
        .unwrap()
        .into_iter()
        .map(|name| TargetSpec { name, task: None })
        .collect()
}

fn quick(targets: &str) -> TrainRequest {
    let mut r = TrainRequest::with_targets(names(targets));
    r.model = "mlp".into();
    r.overrides = vec![
        ("model.max_iter".into(), "30".into()),
        ("model.hidden_layer_sizes".into(), "[16]".into()),
    ];
    r
}

#[test]
fn trains_every_task_with_per_task_holdout_metrics_and_row_counts() {
    let t = table(200, 1, 10);
    let mut request = quick("kind,v0,v1");
    request
        .overrides
        .push(("tasks.v1.weight".into(), "2".into()));
    let out = train(&t, &request, &NoProgress).unwrap();
    // Rows 0,10,20,…,190 miss v1 (20); rows 0,11,…,198 miss kind (19); row 0, 110 miss both.
    assert_eq!(
        out.rows.missing_per_target,
        vec![("kind".into(), 19), ("v0".into(), 0), ("v1".into(), 20)]
    );
    assert_eq!(out.rows.dropped_missing_target, 37);
    let tasks = out.pipeline.targets();
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[0].task, Task::Multiclass);
    assert_eq!(
        tasks[0].classes.as_deref(),
        Some(&["c0".to_string(), "c1".into(), "c2".into()][..])
    );
    assert_eq!(tasks[1].task, Task::Regression);
    // The other targets are never features; the categorical column is one-hot encoded.
    let inputs: Vec<&str> = out.pipeline.input_schema().names().collect();
    assert!(!inputs.contains(&"v0") && !inputs.contains(&"v1") && !inputs.contains(&"kind"));
    assert!(inputs.contains(&"v2") && inputs.contains(&"site"));
    assert_eq!(out.stratified_on.as_deref(), Some("kind"));
    let holdout = out.evaluations.as_ref().unwrap();
    assert_eq!(holdout.len(), 3);
    assert_eq!(holdout[0].evaluation.n_rows, 33);
    assert!(holdout[0].evaluation.metrics.contains_key("f1_macro"));
    assert!(holdout[2].evaluation.metrics.contains_key("rmse"));
    let h = &out.header;
    assert_eq!(h.model_kind, "multitask_mlp");
    assert_eq!(h.target, "kind,v0,v1");
    assert_eq!(h.n_train_samples, 130);
    assert_eq!(h.tasks[2].loss_weight, 2.0);
    assert_eq!(h.tasks[2].missing_in_training_file, 20);
    assert_eq!(h.tasks[1].metrics, holdout[1].evaluation.metrics);
    assert!(h.metrics.is_empty());
    assert_eq!(h.params["tasks"]["v1"]["weight"], 2.0);
    assert_eq!(h.params["preprocessing"][0]["step"], "one_hot_encoder");
    assert!(h.model_summary.as_ref().unwrap().contains("head `v1`"));
    assert_eq!(h.training_history.as_ref().unwrap().train.len(), 30);
}

#[test]
fn model_file_round_trip_and_one_reader_for_every_model() {
    let t = table(120, 2, 0);
    let out = train(&t, &quick("v0,kind"), &NoProgress).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("multi.satori");
    model_file::save(&path, &out.header, &out.pipeline).unwrap();
    let (h2, m2) = model_file::load(&path).unwrap();
    assert_eq!(h2, out.header);
    assert!(h2.is_multi_target());
    let a = out.pipeline.predict_table_all(&t).unwrap();
    let b = m2.predict_table_all(&t).unwrap();
    assert_eq!(a, b);
    assert_eq!(model_file::read_header(&path).unwrap(), out.header);
    // A single-target call on a model of several targets says so.
    let e = m2.predict_table(&t).unwrap_err().to_string();
    assert!(e.contains("2 targets (v0, kind)"), "{e}");
    // The same reader reads a single-target file.
    let single = train(
        &t,
        &TrainRequest::new(TargetSpec {
            name: "kind".into(),
            task: None,
        }),
        &NoProgress,
    )
    .unwrap();
    let spath = dir.path().join("single.satori");
    model_file::save(&spath, &single.header, &single.pipeline).unwrap();
    assert!(!model_file::load(&spath).unwrap().0.is_multi_target());
    // A corrupted payload is an error, not a panic.
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    assert!(model_file::from_bytes(Path::new("x.satori"), &bytes).is_err());
}

#[test]
fn predicts_and_evaluates_from_tables_by_column_name() {
    let t = table(150, 3, 0);
    let out = train(&t, &quick("kind,v2"), &NoProgress).unwrap();
    let preds = out.pipeline.predict_table_all(&t).unwrap();
    assert_eq!(preds.len(), 2);
    let p = preds[0].proba.as_ref().unwrap();
    assert_eq!(p.ncols(), 3);
    for (i, row) in p.rows().into_iter().enumerate() {
        assert!((row.sum() - 1.0).abs() < 1e-9);
        let best = (0..3).fold(0, |b, j| if row[j] > row[b] { j } else { b });
        assert_eq!(preds[0].values[i], best as f64);
    }
    assert!(preds[1].proba.is_none() && preds[1].classes.is_none());

    // Evaluation on a new labelled table, columns in another order.
    let test = table(80, 4, 7);
    let evals = evaluate_table(&out.pipeline, &test, &MetricSpec::default()).unwrap();
    assert_eq!(evals[0].target, "kind");
    assert_eq!(evals[0].evaluation.dropped_missing_target, 10);
    assert_eq!(evals[1].evaluation.n_rows, 80);
    assert!(evals[1].evaluation.metrics["r2"].is_finite());

    // A missing target column or input column is a clear error naming it.
    let no_target = read_csv_bytes(
        "no_v2.csv",
        csv(20, 5, 0)
            .lines()
            .map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                let mut keep: Vec<&str> = cells[..13].to_vec();
                keep.extend(&cells[14..]);
                keep.join(",") + "\n"
            })
            .collect::<String>()
            .as_bytes(),
        &out.pipeline.read_options(ReadOptions::default()),
    )
    .unwrap();
    assert!(no_target.schema.get("v2").is_none());
    match evaluate_table(&out.pipeline, &no_target, &MetricSpec::default()) {
        Err(Error::MissingColumn { name, context, .. }) => {
            assert_eq!(name, "v2");
            assert!(context.contains("every target column"), "{context}");
        }
        other => panic!("expected a missing column, got {other:?}"),
    }
    assert!(out.pipeline.predict_table_all(&no_target).is_ok());
    let mut no_x3 = no_target.clone();
    let k = no_x3.schema.position("x3").unwrap();
    no_x3.schema.columns.remove(k);
    no_x3.columns.remove(k);
    match out.pipeline.predict_table_all(&no_x3) {
        Err(Error::MissingColumn { name, .. }) => assert_eq!(name, "x3"),
        other => panic!("expected a missing column, got {other:?}"),
    }
}

#[test]
fn bad_requests_are_clear_errors() {
    let t = table(60, 6, 0);
    let err = |r: &TrainRequest| train(&t, r, &NoProgress).unwrap_err().to_string();
    let mut r = quick("v0,kind");
    r.model = "gbm".into();
    r.overrides.clear();
    let e = err(&r);
    assert!(
        e.contains("--model mlp") && e.contains("learns one target"),
        "{e}"
    );
    let e = err(&quick("v0,knid"));
    assert!(e.contains("knid") && e.contains("kind"), "{e}");
    assert!(
        parse_targets("v0,kind,v0")
            .unwrap_err()
            .to_string()
            .contains("`v0` is named twice")
    );
    // `v0,kind` with one more override.
    let err_with = |path: &str, value: &str| {
        let mut r = quick("v0,kind");
        r.overrides.push((path.into(), value.into()));
        err(&r)
    };
    let e = err_with("tasks.v0.task", "binary");
    assert!(e.contains("v0") && e.contains("fractional"), "{e}");
    assert!(err_with("tasks.kind.task", "tree").contains("not a task"));
    let e = err_with("tasks.knid.weight", "2");
    assert!(e.contains("tasks.knid") && e.contains("kind"), "{e}");
    assert!(err_with("tasks.v0.weight", "-1").contains("tasks.v0.weight"));
    // What one target can do and several cannot is refused with the reason.
    let mut r = quick("v0,kind");
    r.threshold = Some(satori_workflow::ThresholdObjective::Metric("f1".into()));
    assert!(err(&r).contains("thresholds are tuned for one binary target"));
    // Fewer than 2 complete rows.
    let tiny = read_csv_bytes(
        "tiny.csv",
        b"x,a,b\n1,1.5,\n2,,x\n3,2.5,y\n",
        &ReadOptions::default(),
    )
    .unwrap();
    let e = train(&tiny, &quick("a,b"), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`a` missing in 1") && e.contains("`b` missing in 1"),
        "{e}"
    );
    // A forced task applies: whole numbers read as regression targets when asked.
    let ints = read_csv_bytes(
        "ints.csv",
        (0..40)
            .map(|i| format!("{}.5,{},{}\n", i % 7, i % 3, i % 2))
            .fold(String::from("x,a,b\n"), |s, l| s + &l)
            .as_bytes(),
        &ReadOptions::default(),
    )
    .unwrap();
    let mut r = quick("a,b");
    r.overrides
        .push(("tasks.a.task".into(), "regression".into()));
    let out = train(&ints, &r, &NoProgress).unwrap();
    assert_eq!(out.pipeline.targets()[0].task, Task::Regression);
    assert_eq!(out.pipeline.targets()[1].task, Task::Binary);
    assert_eq!(out.stratified_on.as_deref(), Some("b"));
}

#[test]
fn same_seed_gives_the_same_model_at_one_and_two_threads() {
    let t = table(120, 8, 0);
    let fit = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| train(&t, &quick("kind,v3"), &NoProgress).unwrap())
    };
    let (a, b) = (fit(1), fit(2));
    let bytes =
        |o: &satori_workflow::TrainOutcome| model_file::to_bytes(&o.header, &o.pipeline).unwrap();
    assert_eq!(bytes(&a), bytes(&b));
    assert_eq!(
        a.pipeline.predict_table_all(&t).unwrap(),
        b.pipeline.predict_table_all(&t).unwrap()
    );
}

#[test]
fn a_pipeline_file_sets_steps_network_and_tasks_and_overrides_win() {
    let t = table(100, 7, 0);
    let file = parse_pipeline(
        r#"
holdout = 0.25
[[preprocessing]]
step = "one_hot_encoder"
[[preprocessing]]
step = "standard_scaler"
[model]
hidden_layer_sizes = [8]
max_iter = 7
[tasks.v0]
weight = 3.0
[tasks.v2]
task = "regression"
"#,
        "mt.toml",
    )
    .unwrap();
    let mut r = TrainRequest::with_targets(names("v0,v2"));
    r.model = "mlp".into();
    r.pipeline = Some(file);
    r.overrides = vec![("tasks.v2.weight".into(), "0.5".into())];
    let out = train(&t, &r, &NoProgress).unwrap();
    let p = &out.params;
    assert_eq!(p.holdout, 0.25);
    assert_eq!(p.pipeline.preprocessing.len(), 2);
    let ModelParams::MultiTaskMlp(m) = &p.pipeline.model else {
        panic!(
            "expected the multi-task network, got {}",
            p.pipeline.model.kind()
        );
    };
    assert_eq!(m.hidden_layer_sizes, [8]);
    assert_eq!(m.max_iter, 7);
    assert_eq!(p.pipeline.tasks["v0"].weight, 3.0);
    assert_eq!(p.pipeline.tasks["v2"].weight, 0.5);
    assert_eq!(p.pipeline.tasks["v2"].task, Some(Task::Regression));
    assert_eq!(out.header.training_history.as_ref().unwrap().train.len(), 7);

    let bad = |text: &str| {
        let tree = parse_pipeline(text, "bad.toml")?;
        let mut r = TrainRequest::with_targets(names("v0,v2"));
        r.model = "mlp".into();
        r.pipeline = Some(tree);
        train(&t, &r, &NoProgress).map(|_| ())
    };
    let e = bad("holdot = 0.3").unwrap_err().to_string();
    assert!(e.contains("`holdout`"), "{e}");
    let e = bad("[tasks.v9]\nweight = 2").unwrap_err().to_string();
    assert!(e.contains("tasks.v9") && e.contains("v0, v2"), "{e}");
    let e = bad("[model]\nkind = \"gbm\"").unwrap_err().to_string();
    assert!(e.contains("model.kind") && e.contains("mlp"), "{e}");
    let e = bad("[tasks.v0]\ntask = \"tree\"").unwrap_err().to_string();
    assert!(e.contains("not a task"), "{e}");
    let e = bad("[model]\nmax_itr = 3").unwrap_err().to_string();
    assert!(e.contains("max_itr"), "{e}");
}

/// The measured benefit, through the one pipeline path: on 120 training rows (every task
/// data-poor), one network for the four related regression targets and the class beats four
/// separately trained single-target MLP pipelines on the regression tasks' mean R² over 2,000 new
/// rows.
#[test]
fn multi_task_pipeline_beats_single_task_pipelines_on_little_data() {
    let train_table = table(120, 5, 0);
    let net = [
        ("model.hidden_layer_sizes", "[64,32]"),
        ("model.learning_rate_init", "0.005"),
        ("model.max_iter", "200"),
        ("model.batch_size", "32"),
        ("model.seed", "3"),
    ];
    let sets: Vec<(String, String)> = net
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut request = TrainRequest::with_targets(names("v0,v1,v2,v3,kind"));
    request.model = "mlp".into();
    request.holdout = 0.0;
    request.overrides = sets.clone();
    request
        .overrides
        .push(("tasks.kind.weight".into(), "0.5".into()));
    let multi = train(&train_table, &request, &NoProgress).unwrap();
    let multi_read = multi.pipeline.read_options(ReadOptions::default());
    let test_multi = read_csv_bytes("test.csv", csv(2000, 6, 0).as_bytes(), &multi_read).unwrap();
    let scores = evaluate_table(&multi.pipeline, &test_multi, &MetricSpec::default()).unwrap();
    let multi_r2: Vec<f64> = scores[..4]
        .iter()
        .map(|s| s.evaluation.metrics["r2"])
        .collect();
    let single_r2: Vec<f64> = (0..4)
        .map(|k| {
            let mut r = TrainRequest::new(TargetSpec {
                name: format!("v{k}"),
                task: None,
            });
            r.model = "mlp".into();
            r.holdout = 0.0;
            r.overrides = sets.clone();
            // The single-target pipelines see the same features: the other targets dropped.
            let mut t = train_table.clone();
            for other in ["v0", "v1", "v2", "v3", "kind"] {
                if other != format!("v{k}") {
                    let j = t.schema.position(other).unwrap();
                    t.schema.columns.remove(j);
                    t.columns.remove(j);
                }
            }
            let out = train(&t, &r, &NoProgress).unwrap();
            let test = read_csv_bytes(
                "test.csv",
                csv(2000, 6, 0).as_bytes(),
                &out.pipeline.read_options(ReadOptions::default()),
            )
            .unwrap();
            evaluate_table(&out.pipeline, &test, &MetricSpec::default()).unwrap()[0]
                .evaluation
                .metrics["r2"]
        })
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (m, s) = (mean(&multi_r2), mean(&single_r2));
    eprintln!(
        "multi-task r2 {multi_r2:?} (mean {m:.3}); single-task r2 {single_r2:?} (mean {s:.3})"
    );
    assert!(m > s + 0.015, "multi {m} vs single {s}");
}
