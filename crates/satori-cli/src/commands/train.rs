//! `satori train`: one target or several, through the one training flow.

use std::path::{Path, PathBuf};

use clap::Args;
use satori_core::{Progress, Task};
use satori_pipeline::model_file;
use satori_pipeline::resume::ContinueFrom;
use satori_pipeline::transfer::{InitFrom, check_base};
use satori_pipeline::{ModelHeader, TaskHeader};
use satori_tune::{AutoOutcome, TuneRequest, auto_select};
use satori_workflow::{
    Evaluation, RowsReport, TargetEvaluation, ThresholdObjective, TrainOutcome, TrainRequest,
    train, training_rows, validation_read_options,
};
use serde::Serialize;

use crate::args::{ModelArgs, ReadArgs, now, read_options, read_table};
use crate::output::{num, print_json};
use crate::progress::TermProgress;
use crate::report::{ReportOf, ReportOutputs, check_plots, say_written};
use crate::show::{metrics_table, model_chain, note_excluded, task_line};
use crate::stdio::check_output;

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The training data (CSV, Parquet or LIBSVM).
    pub data: PathBuf,
    #[command(flatten)]
    pub what: ModelArgs,
    /// Fraction of rows held out for evaluation (0 trains on all rows).
    #[arg(long, default_value_t = 0.2, conflicts_with = "valid")]
    pub holdout: f64,
    /// A validation file (same columns) instead of a random holdout: the model trains on every
    /// row of DATA, models with early stopping stop on this file, and the scores are on it.
    #[arg(long, value_name = "FILE")]
    pub valid: Option<PathBuf>,
    /// Seed of everything random: the holdout split, threshold folds, and every stochastic step
    /// and model without a seed of its own (--set model.seed=N keeps its own).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the model file (its folder must exist; written complete or not at all).
    /// Without it the model is trained and scored but not saved.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Also report this metric on the holdout: a scikit-learn scorer name or a weighted
    /// combination such as "0.7*recall+0.3*precision" (repeatable).
    #[arg(long = "metric", value_name = "METRIC")]
    pub metrics: Vec<String>,
    /// A cost matrix CSV (rows = true class, columns = predicted): reports the expected cost and
    /// enables --tune-threshold cost.
    #[arg(long, value_name = "FILE")]
    pub cost_matrix: Option<PathBuf>,
    /// Binary classifiers: tune the decision threshold on out-of-fold training predictions to
    /// maximise METRIC (e.g. f1), or `cost` to minimise the expected cost; stored in the model
    /// and used by predict.
    #[arg(long, value_name = "METRIC|cost")]
    pub tune_threshold: Option<String>,
    /// Transfer learning: start the neural network (--model mlp) from this trained mlp model
    /// file: its preprocessing and hidden layers are reused, a new output head is fitted for the
    /// target, and the network is fine-tuned.
    #[arg(long, value_name = "MODEL")]
    pub init_from: Option<PathBuf>,
    /// With --init-from: how many of the base network's hidden layers stay frozen.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "init_from")]
    pub freeze: usize,
    /// Continue training a saved model (mlp or sgd) on these rows, from its weights, with its own
    /// preprocessing and parameters (scikit-learn's partial_fit); the result is a new model file.
    #[arg(long, value_name = "MODEL", conflicts_with = "init_from")]
    pub continue_from: Option<PathBuf>,
    /// With --continue-from: epochs (networks) or passes (SGD) over the new rows.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        requires = "continue_from"
    )]
    pub epochs: usize,
    /// Write a self-contained HTML report of the holdout (or --valid) evaluation.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write each picture of the report as SVG and PNG into this existing folder (roc.svg,
    /// roc.png, confusion.svg, importance.svg, learning-curve.svg, …).
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
    /// With --model auto: try at most this many configurations (the portfolio, then a search
    /// of the best family; see `satori tune --model auto`). Default 30; with --time-budget
    /// alone, the budget is the only bound.
    #[arg(long, value_name = "N")]
    pub trials: Option<usize>,
    /// With --model auto: stop trying configurations after this long (90s, 10m, 1h); a portfolio
    /// model estimated at more than a fifth of the time left is skipped.
    #[arg(long, value_name = "DURATION")]
    pub time_budget: Option<String>,
    /// Fit an input anomaly detector (an isolation forest on the training rows after
    /// preprocessing) and keep it in the model file: `satori predict --anomaly-score`, `satori
    /// serve` and `satori monitor` then score how unlike the training inputs new rows are.
    #[arg(long)]
    pub anomaly_detector: bool,
    /// With --anomaly-detector: the share of training rows flagged as anomalous (a fraction in
    /// (0, 0.5]), or `auto` (flag scores above 0.5).
    #[arg(
        long,
        value_name = "auto|FRACTION",
        default_value = "auto",
        requires = "anomaly_detector"
    )]
    pub anomaly_contamination: String,
    /// Train data-parallel on the ranks of an MPI job (`mpirun -np 4 satori train DATA
    /// --distributed …`, or `srun`): each rank reads only its shard of DATA — a folder's files
    /// dealt out by name, one CSV file's byte ranges or one Parquet file's row groups — and
    /// rank 0 writes the model and
    /// prints the report. Gradient boosting only, the same model as one process, bit for bit.
    /// Needs a binary built with `--features distributed` (docs/distributed.md).
    #[arg(long)]
    pub distributed: bool,
    /// Print a JSON result instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The `--json` result of `satori train` with one target (schema documented in docs/cli.md).
#[derive(Debug, Serialize)]
pub struct TrainJson {
    pub command: &'static str,
    pub data: String,
    pub target: String,
    pub task: Task,
    pub model: String,
    pub classes: Option<Vec<String>>,
    pub n_rows: usize,
    pub n_train: u64,
    pub n_features: usize,
    pub dropped_missing_target: usize,
    pub excluded_columns: Vec<(String, String)>,
    /// One line per free-text column: how it is vectorised and what reaches the model.
    pub text_columns: Vec<String>,
    pub params: serde_json::Value,
    pub holdout: Option<Evaluation>,
    pub threshold: Option<satori_metrics::DecisionThreshold>,
    /// Where training stopped, for models with a validation loss.
    pub early_stopping: Option<satori_workflow::EarlyStopReport>,
    /// The model file written, or `null` without `--out`.
    pub out: Option<String>,
    /// An ensemble's members, each scored alone on the same rows as `holdout` (absent for
    /// other models).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<satori_pipeline::MemberMetrics>,
    /// With `--model auto`: how the model was chosen (as `satori tune --model auto --json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto: Option<AutoOutcome>,
    /// The input anomaly detector kept in the model (`--anomaly-detector`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_anomaly: Option<satori_pipeline::InputAnomaly>,
}

/// The `--json` result of `satori train --target a,b,c` (schema in docs/cli.md).
#[derive(Debug, Serialize)]
struct MultiTrainJson<'a> {
    command: &'static str,
    data: String,
    targets: Vec<String>,
    model: &'a str,
    tasks: &'a [TaskHeader],
    n_rows: usize,
    n_train: u64,
    n_features: usize,
    dropped_missing_target: usize,
    missing_per_target: &'a [(String, usize)],
    excluded_columns: &'a [(String, String)],
    text_columns: Vec<String>,
    params: &'a serde_json::Value,
    stratified_on: Option<&'a str>,
    holdout: Option<&'a [TargetEvaluation]>,
    out: Option<String>,
}

/// Load a model file that `--init-from` / `--continue-from` names.
fn load_base(path: &Path) -> anyhow::Result<(ModelHeader, satori_pipeline::FittedPipeline)> {
    Ok(model_file::load(path)?)
}

pub fn run(args: TrainArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let specs = args.what.target_specs_kept(&args.read)?;
    let several = specs.len() > 1;
    let outputs = ReportOutputs {
        html: args.report.as_deref(),
        plots: args.plots.as_deref(),
    };
    if several && outputs.any() {
        return Err(satori_core::Error::param(
            outputs.flag(),
            "not available with several targets: the HTML report covers one target; the \
             per-target tables above, or `satori evaluate` of one target's predictions, do",
        )
        .into());
    }
    check_outputs(&args)?;
    let mut opts = read_options(&args.read)?;
    let init_from = match &args.init_from {
        Some(path) => {
            let (_, base) = load_base(path)?;
            let init = InitFrom {
                pipeline: base,
                source: path.display().to_string(),
                freeze: args.freeze,
            };
            // Before any data is read: a base that is not a network is the message.
            check_base(&init)?;
            opts = init.pipeline.read_options(opts);
            Some(init)
        }
        None => None,
    };
    let continue_from = match &args.continue_from {
        Some(path) => {
            let (header, base) = load_base(path)?;
            opts = base.read_options(opts);
            Some(ContinueFrom {
                pipeline: base,
                params: header.params,
                source: path.display().to_string(),
                epochs: args.epochs,
            })
        }
        None => None,
    };
    let data = read_table(&args.data, &opts, progress)?;
    warn_about_targets(&data, &specs, progress);
    let mut request = request_of(&args, specs)?;
    request.init_from = init_from;
    request.continue_from = continue_from;
    if let Some(path) = &args.valid {
        let vopts = validation_read_options(&data, &request.target_names(), opts.clone());
        request.validation = Some(read_table(path, &vopts, progress)?);
        request.holdout = 0.0;
    }
    let auto = if request.model == "auto" {
        Some(choose_model(&args, &data, &mut request, progress)?)
    } else {
        if args.trials.is_some() {
            return Err(satori_core::Error::param(
                "--trials",
                "only with --model auto (how many configurations to try); `satori tune` \
                 searches one model's settings",
            )
            .into());
        }
        if args.time_budget.is_some() {
            return Err(satori_core::Error::param(
                "--time-budget",
                "only with --model auto (a time budget for choosing the model); `satori tune` \
                 searches one model's settings with a budget",
            )
            .into());
        }
        None
    };
    let mut outcome = train(&data, &request, progress)?;
    if !crate::stdio::is_dash(&args.data) {
        // How `evaluate` recognises this file later (and warns that its scores are optimistic).
        outcome.header.provenance.data_checksum = Some(model_file::file_checksum(&args.data)?);
    }
    if let Some(out) = &args.out {
        model_file::save(out, &outcome.header, &outcome.pipeline)?;
    }
    let mut pictures = Vec::new();
    if outputs.any() {
        let (Some(eval), Some(labelled)) = (outcome.evaluation(), outcome.holdout_predictions())
        else {
            return Err(satori_core::Error::param(
                outputs.flag(),
                "a report needs a holdout (--holdout > 0) or a validation file (--valid)",
            )
            .into());
        };
        let kind = &outcome.header.model_kind;
        let (title, evaluated_on, evaluated) = match (&args.valid, &request.validation) {
            (Some(path), Some(table)) => (
                format!("{kind} on the validation file {}", path.display()),
                format!(
                    "the validation file {} ({} rows with a target)",
                    path.display(),
                    labelled.rows.len()
                ),
                table,
            ),
            _ => (
                format!("{kind} on the holdout of {}", args.data.display()),
                format!(
                    "the holdout: {} rows of {} kept out of training",
                    labelled.rows.len(),
                    args.data.display()
                ),
                &data,
            ),
        };
        pictures = crate::report::write_report(
            outputs,
            ReportOf {
                title: &title,
                evaluated_on: Some(evaluated_on),
                evaluation: eval,
                labelled,
                table: evaluated,
                target: outcome.pipeline.target(),
                header: Some(outcome.header.clone()),
                network: satori_explain::network_summary(outcome.pipeline.model()).ok(),
            },
        )?;
    }
    if several {
        return report_several(&args, &outcome, progress);
    }
    let summary = summary_of(&args, &outcome, auto);
    if args.json {
        return print_json(&summary);
    }
    if let Some(a) = &summary.auto {
        print_auto_choice(a, &request);
    }
    let extra = extra_inputs(outcome.pipeline.text());
    print_summary(&summary, &extra, progress);
    if let Some(a) = &summary.input_anomaly {
        show!(
            "Input anomaly detector: {} isolation trees on {} columns; a row is anomalous above              {:.4} ({:.1}% of the training rows)",
            a.n_estimators,
            a.columns.len(),
            a.threshold,
            100.0 * a.reference_share
        );
    }
    say_written(outputs, &pictures, progress);
    Ok(())
}

/// Check every output before any work: its folder exists, it is none of the inputs.
pub(crate) fn check_outputs(args: &TrainArgs) -> anyhow::Result<()> {
    let mut inputs: Vec<&Path> = vec![&args.data];
    inputs.extend(args.valid.as_deref());
    inputs.extend(args.init_from.as_deref());
    inputs.extend(args.continue_from.as_deref());
    inputs.extend(args.what.pipeline.as_deref());
    inputs.extend(args.cost_matrix.as_deref());
    if let Some(out) = &args.out {
        check_output("--out", out, &inputs)?;
    }
    if let Some(report) = &args.report {
        let mut all = inputs.clone();
        all.extend(args.out.as_deref());
        check_output("--report", report, &all)?;
    }
    if let Some(dir) = &args.plots {
        let mut all = inputs.clone();
        all.extend(args.out.as_deref());
        all.extend(args.report.as_deref());
        check_plots(dir, &all)?;
    }
    Ok(())
}

/// The request's settings that come straight from the flags (the inputs read, the validation
/// file and the model to start from are the caller's).
pub(crate) fn request_of(
    args: &TrainArgs,
    specs: Vec<satori_data::TargetSpec>,
) -> anyhow::Result<TrainRequest> {
    let mut request = TrainRequest::with_targets(specs);
    request.model = args.what.model_name();
    request.holdout = args.holdout;
    request.seed = args.seed;
    request.overrides = args.what.overrides()?;
    request.pipeline = args.what.pipeline_tree()?;
    request.metrics = args.metrics.clone();
    request.cost_matrix = args.cost_matrix.clone();
    request.threshold = args.tune_threshold.as_deref().map(|t| match t {
        "cost" => ThresholdObjective::Cost,
        metric => ThresholdObjective::Metric(metric.to_string()),
    });
    request.data_source = Some(args.data.display().to_string());
    request.created_at = Some(now());
    request.anomaly_detector = anomaly_params(args)?;
    Ok(request)
}

/// The `--json` summary (and the printed one's content) of one target's outcome.
pub(crate) fn summary_of(
    args: &TrainArgs,
    outcome: &TrainOutcome,
    auto: Option<AutoOutcome>,
) -> TrainJson {
    TrainJson {
        command: "train",
        data: args.data.display().to_string(),
        target: outcome.pipeline.target().to_string(),
        task: outcome.header.task,
        model: outcome.header.model_kind.clone(),
        classes: outcome.header.classes.clone(),
        n_rows: outcome.rows.n_rows,
        n_train: outcome.header.n_train_samples,
        n_features: outcome.header.input_schema.len(),
        dropped_missing_target: outcome.rows.dropped_missing_target,
        excluded_columns: outcome.rows.excluded_columns.clone(),
        text_columns: outcome.pipeline.text().describe(),
        params: outcome.header.params.clone(),
        holdout: outcome.evaluation().cloned(),
        members: outcome.header.member_metrics.clone(),
        threshold: outcome.header.threshold.clone(),
        early_stopping: outcome.early_stop.clone(),
        out: args.out.as_ref().map(|p| p.display().to_string()),
        auto,
        input_anomaly: outcome.header.input_anomaly.clone(),
    }
}

/// `--anomaly-detector`: the isolation forest's parameters (scikit-learn's defaults, the
/// training seed, the contamination given).
fn anomaly_params(
    args: &TrainArgs,
) -> anyhow::Result<Option<satori_workflow::anomalies::IsolationForestParams>> {
    if !args.anomaly_detector {
        return Ok(None);
    }
    let contamination = match args.anomaly_contamination.as_str() {
        "auto" => serde_json::json!("auto"),
        s => serde_json::json!(s.parse::<f64>().map_err(|_| satori_core::Error::param(
            "--anomaly-contamination",
            format!("must be `auto` or a fraction in (0, 0.5], got `{s}`")
        ))?),
    };
    let p: satori_workflow::anomalies::IsolationForestParams =
        serde_json::from_value(serde_json::json!({
            "contamination": contamination,
            "seed": args.seed,
        }))
        .map_err(|e| satori_core::Error::param("--anomaly-contamination", e.to_string()))?;
    satori_core::Params::validate(&p)?;
    Ok(Some(p))
}

/// `--model auto`: choose the family and its settings by cross-validation on the training rows
/// (never the holdout, which then scores the choice honestly), and set them in `request`.
fn choose_model(
    args: &TrainArgs,
    data: &satori_data::Table,
    request: &mut TrainRequest,
    progress: &TermProgress,
) -> anyhow::Result<AutoOutcome> {
    let refuse = |flag: &str, why: &str| -> anyhow::Result<AutoOutcome> {
        Err(satori_core::Error::param(flag, why).into())
    };
    if request.targets.len() > 1 {
        return refuse(
            "--model auto",
            "chooses a model for one target; give one --target",
        );
    }
    if request.init_from.is_some() || request.continue_from.is_some() {
        return refuse(
            "--model auto",
            "chooses a new model; --init-from and --continue-from start from a saved one",
        );
    }
    if request
        .overrides
        .iter()
        .any(|(p, _)| p == "model" || p.starts_with("model."))
        || request
            .pipeline
            .as_ref()
            .is_some_and(|t| t.get("model").is_some())
    {
        return refuse(
            "--model auto",
            "chooses the model and its settings itself; --set model.* and a pipeline file's \
             [model] need one model (--model gbm, logistic, …)",
        );
    }
    let rows = training_rows(data, request, "baseline")?;
    let training = data.select_rows(&rows)?;
    let tune = TuneRequest {
        overrides: request.overrides.clone(),
        pipeline: request.pipeline.clone(),
        seed: request.seed,
        trials: crate::commands::tune::trials_bound(args.trials, args.time_budget.as_deref()),
        time_budget: args
            .time_budget
            .as_deref()
            .map(satori_tune::cv_search::parse_duration)
            .transpose()?,
        validation: request.validation.clone(),
        ..TuneRequest::new(request.targets[0].clone(), "auto")
    };
    let outcome = auto_select(&training, &tune, progress)?;
    let kind = satori_pipeline::ModelParams::from_name(&outcome.best.family, &[outcome.task])?
        .kind()
        .to_string();
    request.model = outcome.best.family.clone();
    request.overrides = outcome.best_overrides(&tune, &kind);
    Ok(outcome)
}

/// The few lines that say which model `--model auto` chose and what it beat.
fn print_auto_choice(a: &AutoOutcome, request: &TrainRequest) {
    let mut ranked: Vec<&satori_tune::auto::AutoEntry> =
        a.leaderboard.iter().filter(|e| e.value.is_some()).collect();
    ranked.sort_by(|x, y| {
        let key = |e: &satori_tune::auto::AutoEntry| a.direction.loss(e.value.unwrap_or(f64::NAN));
        key(x).total_cmp(&key(y)).then(x.number.cmp(&y.number))
    });
    let mut seen = std::collections::BTreeSet::new();
    let best_per_family: Vec<String> = ranked
        .iter()
        .filter(|e| seen.insert(e.family.clone()))
        .map(|e| format!("{} {}", e.family, e.value.map_or("—".into(), num)))
        .collect();
    show!(
        "Chose {} by {} {} on {} (of {} configurations in {:.1} s, stopped by {}); best per family: {}",
        request.model,
        a.metric,
        a.best.value.map_or("—".into(), num),
        match a.evaluated_by.as_str() {
            "the validation file" => "the validation file".to_string(),
            other => format!("{other} of the training rows"),
        },
        a.leaderboard.len(),
        a.seconds,
        a.stopped_by,
        best_per_family.join(", ")
    );
}

/// Report a model of several targets.
fn report_several(
    args: &TrainArgs,
    outcome: &TrainOutcome,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let h = &outcome.header;
    let summary = MultiTrainJson {
        command: "train",
        data: args.data.display().to_string(),
        targets: h.target_names(),
        model: &h.model_kind,
        tasks: &h.tasks,
        n_rows: outcome.rows.n_rows,
        n_train: h.n_train_samples,
        n_features: h.input_schema.len(),
        dropped_missing_target: outcome.rows.dropped_missing_target,
        missing_per_target: &outcome.rows.missing_per_target,
        excluded_columns: &outcome.rows.excluded_columns,
        text_columns: outcome.pipeline.text().describe(),
        params: &h.params,
        stratified_on: outcome.stratified_on.as_deref(),
        holdout: outcome.evaluations.as_deref(),
        out: args.out.as_ref().map(|p| p.display().to_string()),
    };
    if args.json {
        return print_json(&summary);
    }
    print_several(&summary, &outcome.rows, progress);
    Ok(())
}

fn print_several(s: &MultiTrainJson<'_>, rows: &RowsReport, progress: &TermProgress) {
    if s.dropped_missing_target > 0 {
        let per: Vec<String> = rows
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
    note_excluded(s.excluded_columns, progress);
    show!(
        "Trained {} on {} of {} rows, {} features; {} targets:",
        model_chain(s.params, s.model),
        s.n_train,
        s.n_rows,
        s.n_features,
        s.tasks.len()
    );
    for line in &s.text_columns {
        show!("  text {line}");
    }
    for t in s.tasks {
        show!(
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
        show!("Holdout scores ({n} rows, {how}):");
        show!(
            "{}",
            metrics_table(evals.iter().map(|e| (&e.target, &e.evaluation.metrics)))
        );
    }
    wrote(s.out.as_deref());
}

/// " and 2 text columns", " and the sparse LIBSVM features", … for the training summary line.
pub(crate) fn extra_inputs(fitted: &satori_pipeline::text::FittedText) -> String {
    let sparse = fitted.reads_sparse_block();
    let text = fitted.text_column_names().len();
    let mut parts = Vec::new();
    match text {
        0 => {}
        1 => parts.push("1 text column".to_string()),
        n => parts.push(format!("{n} text columns")),
    }
    if sparse {
        parts.push("the sparse LIBSVM features".to_string());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" and {}", parts.join(" and "))
    }
}

pub(crate) fn print_summary(s: &TrainJson, extra: &str, progress: &TermProgress) {
    if s.dropped_missing_target > 0 {
        progress.note(&format!(
            "dropped {} rows whose target `{}` is missing",
            s.dropped_missing_target, s.target
        ));
    }
    note_excluded(&s.excluded_columns, progress);
    let classes = s
        .classes
        .as_ref()
        .map(|c| format!(" ({})", c.join(", ")))
        .unwrap_or_default();
    show!(
        "Trained {} on {} of {} rows, {} features{}; target `{}`: {}{}",
        model_chain(&s.params, &s.model),
        s.n_train,
        s.n_rows,
        s.n_features,
        extra,
        s.target,
        s.task.name(),
        classes
    );
    for line in &s.text_columns {
        show!("  text {line}");
    }
    if let Some(e) = &s.early_stopping {
        show!("{}", e.line());
    }
    if let Some(h) = &s.holdout {
        show!("Holdout scores ({} rows):", h.n_rows);
        show!(
            "{}",
            crate::show::ensemble_metrics_table(&h.metrics, &s.members)
        );
    }
    if let Some(t) = &s.threshold {
        show!(
            "Decision threshold {} on P({}) (out-of-fold {} {})",
            num(t.threshold),
            s.classes
                .as_ref()
                .and_then(|c| c.get(1))
                .map_or("class 1", String::as_str),
            t.metric,
            num(t.value)
        );
    }
    wrote(s.out.as_deref());
}

/// The last line of a training summary: where the model went, or how to keep it.
fn wrote(out: Option<&str>) {
    match out {
        Some(path) => show!("Wrote {path}"),
        None => show!("Not saved (add --out model.satori to keep the model)"),
    }
}

/// `inspect`'s warnings about the target, before training: columns that leak it, columns whose
/// missingness predicts it, and an imbalanced class target (a column that is another of the
/// targets is no leak).
fn warn_about_targets(
    table: &satori_data::Table,
    specs: &[satori_data::TargetSpec],
    progress: &TermProgress,
) {
    use satori_data::profile::WarningCode;
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    for spec in specs {
        // Advisory: a table the profile cannot take (the target is checked, with a clear
        // error, by training itself) gets no warnings rather than an error here.
        let Ok(profile) = satori_data::profile::profile(table, Some(&spec.name)) else {
            continue;
        };
        for w in &profile.warnings {
            let about_target = matches!(
                w.code,
                WarningCode::TargetLeak
                    | WarningCode::MissingnessPredictsTarget
                    | WarningCode::ImbalancedTarget
            );
            let other_target =
                w.code != WarningCode::ImbalancedTarget && names.contains(&w.column.as_str());
            if about_target && !other_target {
                progress.say(&format!("warning: {}", w.message));
            }
        }
    }
}
