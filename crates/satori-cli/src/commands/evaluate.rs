//! `satori evaluate`: a model file on labelled data, or a file of predictions from any model.

use std::path::PathBuf;

use clap::Args;
use satori_core::Progress;
use satori_pipeline::multitask::MULTITASK_KIND;
use satori_pipeline::{
    Evaluation, Labelled, MetricSpec, PredictionColumns, cost::read_cost_matrix,
    evaluate_predictions, labelled_predictions, model_file, prediction_table_outcomes,
};
use satori_report::{ReportInput, render_report};
use serde::Serialize;

use crate::ReadArgs;
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  satori evaluate model.satori test.csv\n  \
satori evaluate --predictions preds.csv --target y --score proba_yes")]
pub struct EvaluateArgs {
    /// The model file (not with --predictions).
    #[arg(
        required_unless_present = "predictions",
        conflicts_with = "predictions"
    )]
    pub model: Option<PathBuf>,
    /// Labelled data: the model's input columns and its target column.
    #[arg(required_unless_present = "predictions")]
    pub data: Option<PathBuf>,
    /// Evaluate a file of predictions from any model instead (needs --target).
    #[arg(long, value_name = "FILE", requires = "target")]
    pub predictions: Option<PathBuf>,
    /// With --predictions: the column holding the truth.
    #[arg(long, short = 't')]
    pub target: Option<String>,
    /// With --predictions: the predicted label/value column (default `prediction`).
    #[arg(long = "pred", value_name = "COLUMN")]
    pub pred: Option<String>,
    /// With --predictions: a binary classifier's positive-class score column.
    #[arg(long, value_name = "COLUMN")]
    pub score: Option<String>,
    /// With --predictions: force the task.
    #[arg(long, value_enum)]
    pub task: Option<super::train::TaskArg>,
    /// Also compute this metric: a scikit-learn scorer name or a weighted combination such as
    /// "0.7*recall+0.3*precision" (repeatable).
    #[arg(long = "metric", value_name = "METRIC")]
    pub metrics: Vec<String>,
    /// A cost matrix CSV (rows = true class, columns = predicted): adds `expected_cost`.
    #[arg(long, value_name = "FILE")]
    pub cost_matrix: Option<PathBuf>,
    /// Also write a self-contained HTML report (metrics, ROC/PR/calibration/confusion pictures,
    /// data summary, parameters and provenance).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print a JSON result instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The `--json` result of `satori evaluate` (schema documented in docs/cli.md).
#[derive(Debug, Serialize)]
struct EvaluateJson<'a> {
    command: &'static str,
    model: Option<String>,
    data: String,
    target: &'a str,
    #[serde(flatten)]
    evaluation: &'a Evaluation,
}

pub fn run(args: EvaluateArgs, progress: &TermProgress) -> anyhow::Result<()> {
    if args.predictions.is_none()
        && let (Some(model), Some(data)) = (&args.model, &args.data)
        && model_file::read_header(model)?.model_kind == MULTITASK_KIND
    {
        let (_, multi) = model_file::load_multitask(model)?;
        return super::multitask::evaluate(&args, model, data, &multi, progress);
    }
    let (evaluation, target, data_path, labelled, table, header) =
        if let Some(preds) = &args.predictions {
            let opts = super::read_options(&args.read)?;
            let data = super::read_table(preds, &opts, progress)?;
            let target = args.target.clone().unwrap_or_default();
            let cols = PredictionColumns {
                target: target.clone(),
                prediction: args.pred.clone(),
                score: args.score.clone(),
                task: args.task.map(super::train::TaskArg::task),
            };
            let classes = cost_classes(&args, &data, &target)?;
            let spec = metric_spec(&args, classes.as_deref())?;
            let labelled = prediction_table_outcomes(&data, &cols)?;
            let evaluation = evaluate_labelled(&labelled, &data, &spec)?;
            (evaluation, target, preds.clone(), labelled, data, None)
        } else {
            let (Some(model), Some(data_path)) = (&args.model, &args.data) else {
                return Err(satori_core::Error::param(
                    "evaluate",
                    "give a model file and a data file, or --predictions",
                )
                .into());
            };
            let (header, pipeline) = model_file::load(model)?;
            let opts = pipeline.read_options(super::read_options(&args.read)?);
            let data = super::read_table(data_path, &opts, progress)?;
            let spec = metric_spec(&args, pipeline.classes())?;
            let labelled = labelled_predictions(&pipeline, &data)?;
            let evaluation = evaluate_labelled(&labelled, &data, &spec)?;
            (
                evaluation,
                pipeline.target().to_string(),
                data_path.clone(),
                labelled,
                data,
                Some(header),
            )
        };
    if let Some(out) = &args.report {
        let title = match &args.model {
            Some(m) => format!("{} on {}", m.display(), data_path.display()),
            None => format!("predictions in {}", data_path.display()),
        };
        write_report(out, &title, &evaluation, &labelled, &table, &target, header)?;
        if !args.json {
            progress.say(&format!("Wrote the report to {}", out.display()));
        }
    }
    if args.json {
        return print_json(&EvaluateJson {
            command: "evaluate",
            model: args.model.as_ref().map(|m| m.display().to_string()),
            data: data_path.display().to_string(),
            target: &target,
            evaluation: &evaluation,
        });
    }
    print_evaluation(&evaluation, &target, progress);
    Ok(())
}

fn evaluate_labelled(
    l: &Labelled,
    table: &satori_data::Table,
    spec: &MetricSpec,
) -> anyhow::Result<Evaluation> {
    let mut e = evaluate_predictions(&l.truth, &l.predictions, None, spec)?;
    e.dropped_missing_target = table.n_rows() - l.rows.len();
    Ok(e)
}

/// Write the HTML report of an evaluation.
pub fn write_report(
    out: &std::path::Path,
    title: &str,
    evaluation: &Evaluation,
    labelled: &Labelled,
    table: &satori_data::Table,
    target: &str,
    header: Option<satori_pipeline::ModelHeader>,
) -> anyhow::Result<()> {
    let mut input =
        ReportInput::from_predictions(title, &labelled.truth, &labelled.predictions, None)?;
    input.set_evaluation(evaluation);
    input.evaluated_on = Some(format!(
        "{} ({} rows with a target)",
        table.source,
        labelled.rows.len()
    ));
    input.profile = Some(satori_data::profile::profile(table, Some(target))?);
    if input.history.is_none() {
        input.history = header.as_ref().and_then(|h| h.training_history.clone());
    }
    input.model = header;
    let html = render_report(&input)?;
    super::ensure_parent(out)?;
    std::fs::write(out, html).map_err(|e| satori_core::Error::io(out, e))?;
    Ok(())
}

fn cost_classes(
    args: &EvaluateArgs,
    data: &satori_data::Table,
    target: &str,
) -> anyhow::Result<Option<Vec<String>>> {
    if args.cost_matrix.is_none() {
        return Ok(None);
    }
    let spec = satori_data::TargetSpec {
        name: target.to_string(),
        task: args.task.map(super::train::TaskArg::task),
    };
    let (d, _) = data.to_dataset(&spec)?;
    Ok(d.target().and_then(|t| t.labels()).map(<[String]>::to_vec))
}

fn metric_spec(args: &EvaluateArgs, classes: Option<&[String]>) -> anyhow::Result<MetricSpec> {
    let costs = match (&args.cost_matrix, classes) {
        (Some(path), Some(classes)) => Some(read_cost_matrix(path, classes)?),
        (Some(_), None) => {
            return Err(satori_core::Error::param(
                "--cost-matrix",
                "a cost matrix needs a classification target",
            )
            .into());
        }
        (None, _) => None,
    };
    Ok(MetricSpec::from_names(&args.metrics, costs)?)
}

/// Print an evaluation as tables.
pub fn print_evaluation(e: &Evaluation, target: &str, progress: &TermProgress) {
    if e.dropped_missing_target > 0 {
        progress.note(&format!(
            "left out {} rows whose target `{target}` is missing",
            e.dropped_missing_target
        ));
    }
    println!("{} rows, target `{target}` ({})", e.n_rows, e.task.name());
    let mut t = table(&["metric", "value"]);
    for (k, v) in &e.metrics {
        t.add_row(vec![k.clone(), num(*v)]);
    }
    for (k, why) in &e.undefined {
        t.add_row(vec![k.clone(), format!("undefined: {why}")]);
    }
    println!("{t}");
    if let (Some(cm), Some(classes)) = (&e.confusion_matrix, &e.classes) {
        println!("Confusion matrix (rows: true class, columns: predicted):");
        let mut header = vec![String::from("true \\ predicted")];
        header.extend(classes.iter().cloned());
        let mut t = table(&[]);
        t.set_header(header);
        for (label, row) in classes.iter().zip(cm) {
            let mut cells = vec![label.clone()];
            cells.extend(row.iter().map(|v| num(*v)));
            t.add_row(cells);
        }
        println!("{t}");
    }
}
