//! `satori predict`: one prediction column per target, rows in input order.

use std::path::PathBuf;

use clap::Args;
use satori_core::Progress;
use satori_pipeline::model_file;
use satori_workflow::output::{column_text, write_predictions_with};
use serde::Serialize;

use crate::args::{ReadArgs, read_options, read_table};
use crate::output::print_json;
use crate::progress::TermProgress;
use crate::stdio::Output;

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model file.
    pub model: PathBuf,
    /// The data to predict on; its columns are matched to the model's by name, in any order.
    pub data: PathBuf,
    /// Also write one probability column per class (classifiers).
    #[arg(long)]
    pub proba: bool,
    /// Columns to carry through to the output (e.g. a row id; comma-separated or repeated).
    #[arg(long, value_name = "COLUMN", value_delimiter = ',')]
    pub id: Vec<String>,
    /// Where to write the predictions (CSV; `-` for standard output).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
    /// Refuse (exit 1) categories the model never saw in training, instead of warning about
    /// them and predicting them with the model's own rule.
    #[arg(long)]
    pub strict: bool,
    /// Add each row's strongest SHAP contributions (`satori explain --method auto`) to the
    /// predictions: columns `explain_1_column, explain_1_value, …` (for a multiclass model, of
    /// the predicted class; for several targets, per target: `explain_<target>_1_column, …`).
    #[arg(long)]
    pub explain: bool,
    /// How many contributions per row `--explain` adds.
    #[arg(long, default_value_t = 3, value_name = "K", requires = "explain")]
    pub top_k: usize,
    /// Add each row's input anomaly score and flag (columns `anomaly_score`, `is_anomaly`) from
    /// the detector the model was trained with (`satori train --anomaly-detector`): how unlike
    /// the training rows the row is, higher is more anomalous.
    #[arg(long)]
    pub anomaly_score: bool,
    /// Batch scoring on the ranks of an MPI job (`mpirun -np 4 satori predict MODEL DATA/
    /// --distributed --out PREDS/`): DATA is split among the ranks as `train --distributed`
    /// splits it, and each input file gets its prediction file of the same name in the folder
    /// --out (one CSV file's byte ranges, or one Parquet file's row groups, give
    /// `part-00000.csv`, … in rank order). Needs a
    /// binary built with `--features distributed` (docs/distributed.md).
    #[arg(long)]
    pub distributed: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Serialize)]
struct PredictJson {
    command: &'static str,
    model: String,
    data: String,
    n_rows: usize,
    out: String,
    columns: Vec<String>,
}

pub fn run(args: PredictArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let out = Output::new("--out", &args.out, &[&args.model, &args.data])?;
    let (header, pipeline) = model_file::load(&args.model)?;
    let anomaly = anomaly_detector(&args, &header)?;
    let opts = pipeline.read_options(read_options(&args.read)?);
    let table = read_table(&args.data, &opts, progress)?;
    let columns = predict_table(&args, &pipeline, anomaly, &table, out.path(), progress)?;
    let summary = PredictJson {
        command: "predict",
        model: args.model.display().to_string(),
        data: args.data.display().to_string(),
        n_rows: table.n_rows(),
        out: if out.is_stdout() {
            "standard output".into()
        } else {
            args.out.display().to_string()
        },
        columns,
    };
    let to_stdout = out.is_stdout();
    out.finish()?;
    if args.json && !to_stdout {
        return print_json(&summary);
    }
    let what = match pipeline.targets().len() {
        1 => String::new(),
        n => format!(" of {n} targets"),
    };
    let line = format!(
        "Wrote {} predictions{what} to {}",
        summary.n_rows, summary.out
    );
    if to_stdout {
        progress.say(&line);
    } else {
        show!("{line}");
    }
    Ok(())
}

/// The model's input anomaly detector when `--anomaly-score` asks for it (an error when it
/// has none).
pub(crate) fn anomaly_detector<'a>(
    args: &PredictArgs,
    header: &'a satori_pipeline::ModelHeader,
) -> anyhow::Result<Option<&'a satori_pipeline::InputAnomaly>> {
    match (&header.input_anomaly, args.anomaly_score) {
        (Some(a), true) => Ok(Some(a)),
        (None, true) => Err(satori_core::Error::param(
            "--anomaly-score",
            format!(
                "{} has no input anomaly detector; train it with --anomaly-detector",
                args.model.display()
            ),
        )
        .into()),
        (_, false) => Ok(None),
    }
}

/// Predict every row of `table` and write the prediction file `out` (complete or not at all);
/// returns its columns.
pub(crate) fn predict_table(
    args: &PredictArgs,
    pipeline: &satori_pipeline::FittedPipeline,
    anomaly: Option<&satori_pipeline::InputAnomaly>,
    table: &satori_data::Table,
    out: &std::path::Path,
    progress: &TermProgress,
) -> anyhow::Result<Vec<String>> {
    crate::show::check_unseen(table, pipeline.input_schema(), args.strict, progress)?;
    let predictions = pipeline.predict_table_all(table)?;
    let ids = args
        .id
        .iter()
        .map(|name| Ok((name.clone(), column_text(table, name)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut extra = if args.explain {
        explain_columns(pipeline, table, &predictions, args.top_k, progress)?
    } else {
        Vec::new()
    };
    if let Some(a) = anomaly {
        let scores = a.score_table(pipeline, table)?;
        extra.push((
            "anomaly_score".into(),
            scores.scores.iter().map(|s| s.to_string()).collect(),
        ));
        extra.push((
            "is_anomaly".into(),
            scores.flags().map(|f| f.to_string()).collect(),
        ));
    }
    Ok(write_predictions_with(
        out,
        pipeline.targets(),
        &predictions,
        &ids,
        args.proba,
        &extra,
    )?)
}

/// `--explain`: the `k` strongest contributions of each row, as extra prediction columns.
fn explain_columns(
    pipeline: &satori_pipeline::FittedPipeline,
    table: &satori_data::Table,
    predictions: &[satori_pipeline::Predictions],
    k: usize,
    progress: &TermProgress,
) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    if k == 0 {
        anyhow::bail!("--top-k must be at least 1");
    }
    progress.start("explaining predictions", None);
    let e = satori_explain::explain(
        pipeline,
        table,
        None,
        &satori_explain::ExplainParams::default(),
    );
    progress.finish();
    let e = e?;
    let n = e.rows.len();
    let k = k.min(e.columns.len());
    // Which output each block explains: the only one; a multiclass model's predicted class; or,
    // for several targets, every output under its own prefix.
    let blocks: Vec<(String, Vec<usize>)> = if e.outputs.len() == 1 {
        vec![(String::new(), vec![0; n])]
    } else if predictions.len() == 1 {
        let pred = &predictions[0];
        let per_row = (0..n)
            .map(|i| {
                let label = pred.label(i);
                e.outputs.iter().position(|o| *o == label).unwrap_or(0)
            })
            .collect();
        vec![(String::new(), per_row)]
    } else {
        (0..e.outputs.len())
            .map(|o| (format!("{}_", e.outputs[o]), vec![o; n]))
            .collect()
    };
    let mut out = Vec::new();
    for (prefix, per_row) in &blocks {
        let mut cols = vec![(Vec::with_capacity(n), Vec::with_capacity(n)); k];
        for (i, &o) in per_row.iter().enumerate() {
            let top = e.top(i, o, k);
            for (r, (names, values)) in cols.iter_mut().enumerate() {
                match top.get(r) {
                    Some(&(j, v)) => {
                        names.push(e.columns[j].clone());
                        values.push(format!("{v}"));
                    }
                    None => {
                        names.push(String::new());
                        values.push(String::new());
                    }
                }
            }
        }
        for (r, (names, values)) in cols.into_iter().enumerate() {
            out.push((format!("explain_{prefix}{}_column", r + 1), names));
            out.push((format!("explain_{prefix}{}_value", r + 1), values));
        }
    }
    Ok(out)
}
