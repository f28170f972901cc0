//! `satori train`.

use std::path::PathBuf;

use clap::Args;
use satori_core::Task;
use satori_pipeline::{Evaluation, ThresholdObjective, TrainRequest, model_file};
use serde::Serialize;

use crate::ReadArgs;
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;
use satori_core::Progress;

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The training data (CSV, Parquet or LIBSVM).
    pub data: PathBuf,
    #[command(flatten)]
    pub what: super::ModelArgs,
    /// Fraction of rows held out for evaluation (0 trains on all rows).
    #[arg(long, default_value_t = 0.2, conflicts_with = "valid")]
    pub holdout: f64,
    /// A validation file (same columns) instead of a random holdout: the model trains on every
    /// row of DATA, models with early stopping stop on this file, and the scores are on it.
    #[arg(long, value_name = "FILE")]
    pub valid: Option<PathBuf>,
    /// Seed for the split and stochastic models.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the model file.
    #[arg(long, short = 'o')]
    pub out: PathBuf,
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
    /// Write a self-contained HTML report of the holdout evaluation.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print a JSON result instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// `--task` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TaskArg {
    Regression,
    Binary,
    Multiclass,
}

impl TaskArg {
    /// The forced task.
    pub fn task(self) -> Task {
        match self {
            TaskArg::Regression => Task::Regression,
            TaskArg::Binary => Task::Binary,
            TaskArg::Multiclass => Task::Multiclass,
        }
    }
}

/// The `--json` result of `satori train` (schema documented in docs/cli.md).
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
    pub out: String,
}

pub fn run(args: TrainArgs, progress: &TermProgress) -> anyhow::Result<()> {
    if args.what.target.contains(',') {
        let targets = satori_pipeline::multitask::parse_targets(&args.what.target)?;
        if targets.len() > 1 {
            return super::multitask::train(&args, targets, progress);
        }
    }
    let mut opts = super::read_options(&args.read)?;
    let init_from = match &args.init_from {
        Some(path) => {
            let (_, base) = model_file::load(path)?;
            opts = base.read_options(opts);
            Some(satori_pipeline::transfer::InitFrom {
                pipeline: base,
                source: path.display().to_string(),
                freeze: args.freeze,
            })
        }
        None => None,
    };
    let continue_from = match &args.continue_from {
        Some(path) => {
            let (header, base) = model_file::load(path)?;
            opts = base.read_options(opts);
            Some(satori_pipeline::resume::ContinueFrom {
                pipeline: base,
                params: header.params,
                source: path.display().to_string(),
                epochs: args.epochs,
            })
        }
        None => None,
    };
    let data = super::read_table(&args.data, &opts, progress)?;
    let mut request = TrainRequest::new(args.what.target_spec());
    request.model = args.what.model.clone();
    request.holdout = args.holdout;
    request.init_from = init_from;
    request.continue_from = continue_from;
    if let Some(path) = &args.valid {
        let vopts =
            satori_pipeline::validation_read_options(&data, &args.what.target, opts.clone());
        request.validation = Some(super::read_table(path, &vopts, progress)?);
        request.holdout = 0.0;
    }
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
    request.created_at = Some(super::now());
    let outcome = satori_pipeline::train(&data, &request, progress)?;
    super::ensure_parent(&args.out)?;
    model_file::save(&args.out, &outcome.header, &outcome.pipeline)?;
    if let Some(report) = &args.report {
        let (Some(eval), Some(labelled)) = (&outcome.holdout, &outcome.holdout_predictions) else {
            return Err(satori_core::Error::param(
                "--report",
                "a report needs a holdout (--holdout > 0)",
            )
            .into());
        };
        let title = format!(
            "{} on the holdout of {}",
            outcome.header.model_kind,
            args.data.display()
        );
        super::evaluate::write_report(
            report,
            &title,
            eval,
            labelled,
            &data,
            &args.what.target,
            Some(outcome.header.clone()),
        )?;
    }

    let n_rows = data.n_rows();
    let summary = TrainJson {
        command: "train",
        data: args.data.display().to_string(),
        target: args.what.target.clone(),
        task: outcome.header.task,
        model: outcome.header.model_kind.clone(),
        classes: outcome.header.classes.clone(),
        n_rows,
        n_train: outcome.header.n_train_samples,
        n_features: outcome.header.input_schema.len(),
        dropped_missing_target: outcome.load.dropped_missing_target,
        excluded_columns: outcome.load.excluded_columns.clone(),
        text_columns: outcome.pipeline.text().describe(),
        params: outcome.header.params.clone(),
        holdout: outcome.holdout.clone(),
        threshold: outcome.header.threshold.clone(),
        out: args.out.display().to_string(),
    };
    if args.json {
        return print_json(&summary);
    }
    let extra = extra_inputs(outcome.pipeline.text());
    print_summary(&summary, &extra, progress);
    Ok(())
}

/// Notes on the columns that are not features, with the reason.
pub(super) fn note_excluded(columns: &[(String, String)], progress: &TermProgress) {
    for (col, why) in columns {
        progress.note(&format!("column `{col}` is not a feature: {why}"));
    }
}

/// The model with the preprocessing steps in front, from the parameter tree:
/// `one_hot_encoder → standard_scaler → mlp` (the model alone without steps).
pub(super) fn model_chain(params: &serde_json::Value, model: &str) -> String {
    let steps: Vec<&str> = params["preprocessing"]
        .as_array()
        .map(|a| a.iter().filter_map(|st| st["step"].as_str()).collect())
        .unwrap_or_default();
    if steps.is_empty() {
        model.to_string()
    } else {
        format!("{} → {model}", steps.join(" → "))
    }
}

/// " and 2 text columns", " and the sparse LIBSVM features", … for the training summary line.
fn extra_inputs(fitted: &satori_pipeline::text::FittedText) -> String {
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

fn print_summary(s: &TrainJson, extra: &str, progress: &TermProgress) {
    if s.dropped_missing_target > 0 {
        progress.note(&format!(
            "dropped {} rows whose target `{}` is missing",
            s.dropped_missing_target, s.target
        ));
    }
    note_excluded(&s.excluded_columns, progress);
    for line in &s.text_columns {
        progress.note(&format!("text {line}"));
    }
    let classes = s
        .classes
        .as_ref()
        .map(|c| format!(" ({})", c.join(", ")))
        .unwrap_or_default();
    println!(
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
    if let Some(h) = &s.holdout {
        println!("Holdout scores ({} rows):", h.n_rows);
        let mut t = table(&["metric", "value"]);
        for (k, v) in &h.metrics {
            t.add_row(vec![k.clone(), num(*v)]);
        }
        println!("{t}");
    }
    if let Some(t) = &s.threshold {
        println!(
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
    println!("Wrote {}", s.out);
}

#[cfg(test)]
mod tests {
    use super::model_chain;

    #[test]
    fn the_model_is_named_after_its_preprocessing_steps() {
        let params = serde_json::json!({
            "preprocessing": [{"step": "simple_imputer"}, {"step": "standard_scaler"}],
        });
        assert_eq!(
            model_chain(&params, "mlp"),
            "simple_imputer → standard_scaler → mlp"
        );
        let none = serde_json::json!({"preprocessing": []});
        assert_eq!(model_chain(&none, "gbm"), "gbm");
        assert_eq!(model_chain(&serde_json::json!({}), "gbm"), "gbm");
    }
}
