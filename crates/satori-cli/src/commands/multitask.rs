//! Multi-task models in `satori train --target a,b,c`, `predict`, `evaluate` and `inspect`.

use std::path::Path;

use satori_core::{Error, Progress};
use satori_pipeline::MetricSpec;
use satori_pipeline::model_file::{self, TaskHeader};
use satori_pipeline::multitask::{
    FittedMultiTask, MultiTaskHeader, MultiTaskRequest, TaskEvaluation, train_multitask,
};
use serde::Serialize;

use super::evaluate::{EvaluateArgs, print_evaluation};
use super::predict::PredictArgs;
use super::train::TrainArgs;
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;

/// Why `train` and `evaluate` refuse `--cost-matrix` with several targets.
const COST_MATRIX_WHY: &str = "a cost matrix belongs to one classification target";

/// Why `train` and `evaluate` refuse `--report` with several targets.
const REPORT_WHY: &str = "the HTML report covers one target; see the per-task tables";

/// Refuse a flag that multi-task training does not take.
fn refuse(given: bool, flag: &str, why: &str) -> anyhow::Result<()> {
    if given {
        return Err(
            Error::param(flag, format!("not available with several targets: {why}")).into(),
        );
    }
    Ok(())
}

/// The `--json` result of `satori train --target a,b,c` (schema in docs/cli.md).
#[derive(Debug, Serialize)]
struct TrainJson<'a> {
    command: &'static str,
    data: String,
    targets: &'a [String],
    model: &'a str,
    tasks: &'a [TaskHeader],
    n_rows: usize,
    n_train: u64,
    n_features: usize,
    dropped_missing_target: usize,
    missing_per_target: &'a [(String, usize)],
    excluded_columns: &'a [(String, String)],
    params: &'a serde_json::Value,
    stratified_on: Option<&'a str>,
    holdout: Option<&'a [TaskEvaluation]>,
    out: String,
}

/// `satori train` with several targets.
pub fn train(
    args: &TrainArgs,
    targets: Vec<String>,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    refuse(
        args.what.task.is_some(),
        "--task",
        "force a target's task with --set tasks.<target>.task=regression|binary|multiclass",
    )?;
    refuse(args.valid.is_some(), "--valid", "use --holdout")?;
    refuse(
        args.tune_threshold.is_some(),
        "--tune-threshold",
        "thresholds are tuned for one binary target",
    )?;
    refuse(args.cost_matrix.is_some(), "--cost-matrix", COST_MATRIX_WHY)?;
    refuse(
        args.init_from.is_some(),
        "--init-from",
        "transfer learning starts a single-target network",
    )?;
    refuse(
        args.continue_from.is_some(),
        "--continue-from",
        "continuing training takes a single-target model",
    )?;
    refuse(args.report.is_some(), "--report", REPORT_WHY)?;
    let opts = super::read_options(&args.read)?;
    let data = super::read_table(&args.data, &opts, progress)?;
    let mut request = MultiTaskRequest::new(targets);
    request.model = args.what.model.clone();
    request.overrides = args.what.overrides()?;
    request.pipeline = args
        .what
        .pipeline
        .as_deref()
        .map(satori_pipeline::multitask::load_params_file)
        .transpose()?;
    request.holdout = args.holdout;
    request.seed = args.seed;
    request.metrics = args.metrics.clone();
    request.data_source = Some(args.data.display().to_string());
    request.created_at = Some(super::now());
    let outcome = train_multitask(&data, &request, progress)?;
    super::ensure_parent(&args.out)?;
    model_file::save_multitask(&args.out, &outcome.header, &outcome.model)?;
    let h = &outcome.header;
    let summary = TrainJson {
        command: "train",
        data: args.data.display().to_string(),
        targets: &request.targets,
        model: &h.base.model_kind,
        tasks: &h.tasks,
        n_rows: outcome.rows.n_rows,
        n_train: h.base.n_train_samples,
        n_features: h.base.input_schema.len(),
        dropped_missing_target: outcome.rows.dropped,
        missing_per_target: &outcome.rows.missing_per_target,
        excluded_columns: &outcome.rows.excluded_columns,
        params: &h.base.params,
        stratified_on: outcome.stratified_on.as_deref(),
        holdout: outcome.holdout.as_deref(),
        out: args.out.display().to_string(),
    };
    if args.json {
        return print_json(&summary);
    }
    print_train(&summary, progress);
    Ok(())
}

fn task_line(t: &TaskHeader) -> String {
    let classes = t
        .classes
        .as_ref()
        .map(|c| format!(" ({})", c.join(", ")))
        .unwrap_or_default();
    format!("{}{classes}", t.task.name())
}

fn print_train(s: &TrainJson<'_>, progress: &TermProgress) {
    if s.dropped_missing_target > 0 {
        let per: Vec<String> = s
            .missing_per_target
            .iter()
            .map(|(n, m)| format!("`{n}` {m}"))
            .collect();
        progress.note(&format!(
            "dropped {} rows missing a target (missing per target: {})",
            s.dropped_missing_target,
            per.join(", ")
        ));
    }
    super::train::note_excluded(s.excluded_columns, progress);
    println!(
        "Trained {} on {} of {} rows, {} features; {} targets:",
        super::train::model_chain(s.params, s.model),
        s.n_train,
        s.n_rows,
        s.n_features,
        s.tasks.len()
    );
    for t in s.tasks {
        println!(
            "  `{}`: {}; loss weight {}",
            t.name,
            task_line(t),
            num(t.loss_weight)
        );
    }
    if let Some(evals) = s.holdout {
        let n = evals.first().map_or(0, |e| e.evaluation.n_rows);
        let how = match s.stratified_on {
            Some(t) => format!("stratified on `{t}`"),
            None => "not stratified".into(),
        };
        println!("Holdout scores ({n} rows, {how}):");
        println!(
            "{}",
            metrics_table(evals.iter().map(|e| (&e.target, &e.evaluation.metrics)))
        );
    }
    println!("Wrote {}", s.out);
}

fn metrics_table<'a>(
    tasks: impl Iterator<Item = (&'a String, &'a std::collections::BTreeMap<String, f64>)>,
) -> comfy_table::Table {
    let mut t = table(&["task", "metric", "value"]);
    for (task, metrics) in tasks {
        for (k, v) in metrics {
            t.add_row(vec![task.clone(), k.clone(), num(*v)]);
        }
    }
    t
}

/// `satori predict` with a multi-task model: one prediction column per task.
pub fn predict(
    args: &PredictArgs,
    model: &FittedMultiTask,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let opts = model.read_options(super::read_options(&args.read)?);
    let table = super::read_table(&args.data, &opts, progress)?;
    let predictions = model.predict_table(&table)?;
    let ids = super::predict::id_texts(args, &table)?;
    super::ensure_parent(&args.out)?;
    let columns = satori_pipeline::multitask::write_predictions(
        &args.out,
        model.tasks(),
        &predictions,
        args.id.as_deref().zip(ids.as_deref()),
        args.proba,
    )?;
    let what = format!(" of {} tasks", model.tasks().len());
    super::predict::print_summary(args, table.n_rows(), columns, &what)
}

#[derive(Debug, Serialize)]
struct EvaluateJson<'a> {
    command: &'static str,
    model: String,
    data: String,
    tasks: &'a [TaskEvaluation],
}

/// `satori evaluate` with a multi-task model: every task's metrics.
pub fn evaluate(
    args: &EvaluateArgs,
    model_path: &Path,
    data_path: &Path,
    model: &FittedMultiTask,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    refuse(args.cost_matrix.is_some(), "--cost-matrix", COST_MATRIX_WHY)?;
    refuse(args.report.is_some(), "--report", REPORT_WHY)?;
    let opts = model.read_options(super::read_options(&args.read)?);
    let table = super::read_table(data_path, &opts, progress)?;
    let spec = MetricSpec::from_names(&args.metrics, None)?;
    let evals = model.evaluate_table(&table, &spec)?;
    if args.json {
        return print_json(&EvaluateJson {
            command: "evaluate",
            model: model_path.display().to_string(),
            data: data_path.display().to_string(),
            tasks: &evals,
        });
    }
    for (i, e) in evals.iter().enumerate() {
        if i > 0 {
            println!();
        }
        println!("Task `{}`:", e.target);
        print_evaluation(&e.evaluation, &e.target, progress);
    }
    Ok(())
}

/// `satori inspect` of a multi-task model file.
pub fn print_header(path: &Path, h: &MultiTaskHeader) {
    let b = &h.base;
    println!(
        "{}: satori multi-task model file, format {}",
        path.display(),
        b.format_version
    );
    println!("  model     {}", b.model_kind);
    super::inspect::print_provenance(b);
    println!("Tasks ({}):", h.tasks.len());
    let mut t = table(&[
        "task",
        "kind",
        "classes",
        "loss weight",
        "missing in training file",
    ]);
    for task in &h.tasks {
        t.add_row(vec![
            task.name.clone(),
            task.task.name().to_string(),
            task.classes
                .as_ref()
                .map(|c| c.join(", "))
                .unwrap_or_default(),
            num(task.loss_weight),
            task.missing_in_training_file.to_string(),
        ]);
    }
    println!("{t}");
    if h.tasks.iter().any(|t| !t.metrics.is_empty()) {
        println!(
            "Metrics on {}:",
            b.metrics_on.as_deref().unwrap_or("training")
        );
        println!(
            "{}",
            metrics_table(h.tasks.iter().map(|t| (&t.name, &t.metrics)))
        );
    }
    super::inspect::print_model_details(b);
}
