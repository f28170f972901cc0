//! `satori predict`.

use std::path::PathBuf;

use clap::Args;
use satori_data::Table;
use satori_pipeline::multitask::MULTITASK_KIND;
use satori_pipeline::{model_file, output};
use serde::Serialize;

use crate::ReadArgs;
use crate::output::print_json;
use crate::progress::TermProgress;

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model file.
    pub model: PathBuf,
    /// The data to predict on; its columns are matched to the model's by name, in any order.
    pub data: PathBuf,
    /// Also write one probability column per class (classifiers).
    #[arg(long)]
    pub proba: bool,
    /// A column to carry through to the output (e.g. a row id).
    #[arg(long, value_name = "COLUMN")]
    pub id: Option<String>,
    /// Where to write the predictions (CSV).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
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

/// The text of the `--id` column to carry through to the output, if one is named.
pub(super) fn id_texts(args: &PredictArgs, table: &Table) -> anyhow::Result<Option<Vec<String>>> {
    Ok(args
        .id
        .as_deref()
        .map(|name| output::column_text(table, name))
        .transpose()?)
}

/// Report a finished prediction: the JSON summary with `--json`, else the line "Wrote N
/// predictions{what} to OUT".
pub(super) fn print_summary(
    args: &PredictArgs,
    n_rows: usize,
    columns: Vec<String>,
    what: &str,
) -> anyhow::Result<()> {
    let summary = PredictJson {
        command: "predict",
        model: args.model.display().to_string(),
        data: args.data.display().to_string(),
        n_rows,
        out: args.out.display().to_string(),
        columns,
    };
    if args.json {
        return print_json(&summary);
    }
    println!(
        "Wrote {} predictions{what} to {}",
        summary.n_rows, summary.out
    );
    Ok(())
}

pub fn run(args: PredictArgs, progress: &TermProgress) -> anyhow::Result<()> {
    if model_file::read_header(&args.model)?.model_kind == MULTITASK_KIND {
        let (_, multi) = model_file::load_multitask(&args.model)?;
        return super::multitask::predict(&args, &multi, progress);
    }
    let (_, pipeline) = model_file::load(&args.model)?;
    let opts = pipeline.read_options(super::read_options(&args.read)?);
    let table = super::read_table(&args.data, &opts, progress)?;
    let predictions = pipeline.predict_table(&table)?;
    let ids = id_texts(&args, &table)?;
    super::ensure_parent(&args.out)?;
    output::write_predictions(
        &args.out,
        &predictions,
        args.id.as_deref().zip(ids.as_deref()),
        args.proba,
    )?;
    let mut columns: Vec<String> = args.id.iter().cloned().collect();
    columns.push("prediction".into());
    if args.proba
        && let Some(c) = pipeline.classes()
    {
        columns.extend(c.iter().map(|c| format!("proba_{c}")));
    }
    print_summary(&args, predictions.len(), columns, "")
}
