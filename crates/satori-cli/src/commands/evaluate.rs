//! `satori evaluate`: a model file on labelled data (every target), or a file of predictions
//! from any model.

use std::path::{Path, PathBuf};

use clap::Args;
use satori_pipeline::{FittedPipeline, ModelHeader, model_file};
use satori_workflow::cost::read_cost_matrix;
use satori_workflow::{
    Evaluation, Labelled, MetricSpec, PredictionColumns, TargetEvaluation, evaluate_predictions,
    labelled_predictions, prediction_table_outcomes,
};
use serde::Serialize;

use crate::args::{ReadArgs, TaskArg, read_options, read_table};
use crate::output::print_json;
use crate::progress::TermProgress;
use crate::report::{ReportOf, ReportOutputs, check_plots, say_written};
use crate::show::print_evaluations;
use crate::stdio::check_output;

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
    pub task: Option<TaskArg>,
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
    /// Write each picture of the report as SVG and PNG into this existing folder (roc.svg,
    /// roc.png, confusion.svg, importance.svg, …).
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
    /// Print a JSON result instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Refuse (exit 1) categories the model never saw in training, instead of warning about
    /// them and predicting them with the model's own rule.
    #[arg(long, conflicts_with = "predictions")]
    pub strict: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The `--json` result of `satori evaluate` with one target (schema documented in docs/cli.md).
#[derive(Debug, Serialize)]
struct EvaluateJson<'a> {
    command: &'static str,
    model: Option<String>,
    data: String,
    target: &'a str,
    #[serde(flatten)]
    evaluation: &'a Evaluation,
}

/// The `--json` result of `satori evaluate` of a model with several targets.
#[derive(Debug, Serialize)]
struct MultiEvaluateJson<'a> {
    command: &'static str,
    model: String,
    data: String,
    tasks: &'a [TargetEvaluation],
}

/// What was evaluated, for the report.
struct Evaluated {
    evaluations: Vec<TargetEvaluation>,
    labelled: Vec<Labelled>,
    data_path: PathBuf,
    table: satori_data::Table,
    header: Option<ModelHeader>,
}

pub fn run(args: EvaluateArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let outputs = ReportOutputs {
        html: args.report.as_deref(),
        plots: args.plots.as_deref(),
    };
    let mut inputs: Vec<&Path> = [
        &args.model,
        &args.data,
        &args.predictions,
        &args.cost_matrix,
    ]
    .into_iter()
    .flatten()
    .map(PathBuf::as_path)
    .collect();
    if let Some(out) = &args.report {
        check_output("--report", out, &inputs)?;
        inputs.push(out);
    }
    if let Some(dir) = &args.plots {
        check_plots(dir, &inputs)?;
    }
    let mut network = None;
    let e = match &args.predictions {
        Some(preds) => from_predictions(&args, preds, progress)?,
        None => {
            let (Some(model), Some(data_path)) = (&args.model, &args.data) else {
                return Err(satori_core::Error::param(
                    "evaluate",
                    "give a model file and a data file, or --predictions",
                )
                .into());
            };
            let (header, pipeline) = model_file::load(model)?;
            network = satori_explain::network_summary(pipeline.model()).ok();
            from_model(&args, header, &pipeline, data_path, progress)?
        }
    };
    let several = e.evaluations.len() > 1;
    if outputs.any() {
        let title = match &args.model {
            Some(m) => format!("{} on {}", m.display(), e.data_path.display()),
            None => format!("predictions in {}", e.data_path.display()),
        };
        let first = &e.evaluations[0];
        let pictures = crate::report::write_report(
            outputs,
            ReportOf {
                title: &title,
                evaluated_on: None,
                evaluation: &first.evaluation,
                labelled: &e.labelled[0],
                table: &e.table,
                target: &first.target,
                header: e.header.clone(),
                network,
            },
        )?;
        if !args.json {
            say_written(outputs, &pictures, progress);
        }
    }
    if args.json {
        if several {
            return print_json(&MultiEvaluateJson {
                command: "evaluate",
                model: args
                    .model
                    .as_ref()
                    .map(|m| m.display().to_string())
                    .unwrap_or_default(),
                data: e.data_path.display().to_string(),
                tasks: &e.evaluations,
            });
        }
        let first = &e.evaluations[0];
        return print_json(&EvaluateJson {
            command: "evaluate",
            model: args.model.as_ref().map(|m| m.display().to_string()),
            data: e.data_path.display().to_string(),
            target: &first.target,
            evaluation: &first.evaluation,
        });
    }
    print_evaluations(&e.evaluations, progress);
    Ok(())
}

/// Evaluate a file of predictions from any model.
fn from_predictions(
    args: &EvaluateArgs,
    preds: &Path,
    progress: &TermProgress,
) -> anyhow::Result<Evaluated> {
    let opts = read_options(&args.read)?;
    let table = read_table(preds, &opts, progress)?;
    let target = args.target.clone().unwrap_or_default();
    let cols = PredictionColumns {
        target: target.clone(),
        prediction: args.pred.clone(),
        score: args.score.clone(),
        task: args.task.map(TaskArg::task),
    };
    let classes = cost_classes(args, &table, &target)?;
    let spec = metric_spec(args, classes.as_deref())?;
    let labelled = prediction_table_outcomes(&table, &cols)?;
    let evaluation = evaluate_labelled(&labelled, &table, &spec)?;
    Ok(Evaluated {
        evaluations: vec![TargetEvaluation { target, evaluation }],
        labelled: vec![labelled],
        data_path: preds.to_path_buf(),
        table,
        header: None,
    })
}

/// Evaluate a model file on labelled data: every target it predicts.
fn from_model(
    args: &EvaluateArgs,
    header: ModelHeader,
    pipeline: &FittedPipeline,
    data_path: &Path,
    progress: &TermProgress,
) -> anyhow::Result<Evaluated> {
    let several = pipeline.targets().len() > 1;
    if several && args.cost_matrix.is_some() {
        return Err(satori_core::Error::param(
            "--cost-matrix",
            "not available with several targets: a cost matrix belongs to one classification \
             target",
        )
        .into());
    }
    if several && (args.report.is_some() || args.plots.is_some()) {
        let flag = if args.report.is_some() {
            "--report"
        } else {
            "--plots"
        };
        return Err(satori_core::Error::param(
            flag,
            "not available with several targets: the HTML report covers one target; see the \
             per-target tables",
        )
        .into());
    }
    let opts = pipeline.read_options(read_options(&args.read)?);
    let table = read_table(data_path, &opts, progress)?;
    warn_if_training_file(&header, data_path, args.model.as_deref(), progress);
    crate::show::check_unseen(&table, pipeline.input_schema(), args.strict, progress)?;
    let spec = metric_spec(args, pipeline.classes())?;
    let labelled = labelled_predictions(pipeline, &table)?;
    let evaluations = pipeline
        .targets()
        .iter()
        .zip(&labelled)
        .map(|(t, l)| {
            Ok(TargetEvaluation {
                target: t.name.clone(),
                evaluation: evaluate_labelled(l, &table, &spec)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Evaluated {
        evaluations,
        labelled,
        data_path: data_path.to_path_buf(),
        table,
        header: Some(header),
    })
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
        task: args.task.map(TaskArg::task),
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

/// Warn when the data is the very file the model was trained on (its checksum is in the model's
/// provenance): the scores include the rows it was fitted on.
fn warn_if_training_file(
    header: &ModelHeader,
    data_path: &Path,
    model: Option<&Path>,
    progress: &TermProgress,
) {
    let Some(expected) = &header.provenance.data_checksum else {
        return;
    };
    if crate::stdio::is_dash(data_path) {
        return;
    }
    // A file of another size is another file: no need to read it again.
    let same_len = std::fs::metadata(data_path)
        .is_ok_and(|m| Some(m.len()) == model_file::checksum_len(expected));
    if !same_len || model_file::file_checksum(data_path).ok().as_ref() != Some(expected) {
        return;
    }
    let honest = if header.metrics.is_empty() {
        "hold rows out when training (--holdout) or evaluate on other data for an honest \
         estimate"
            .to_string()
    } else {
        format!(
            "the model's {} scores (`satori inspect {}`) are the honest estimate",
            header.metrics_on.as_deref().unwrap_or("holdout"),
            model.map_or("MODEL".into(), |m| m.display().to_string())
        )
    };
    progress.say(&format!(
        "warning: {} is the file this model was trained on ({} of its rows were used to fit \
         it): these scores are optimistic; {honest}",
        data_path.display(),
        header.n_train_samples
    ));
}
