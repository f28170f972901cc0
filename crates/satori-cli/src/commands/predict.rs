//! `satori predict`: one prediction column per target, rows in input order.

use std::path::PathBuf;

use clap::Args;
use satori_pipeline::model_file;
use satori_workflow::output::{column_text, write_predictions};
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
    let (_, pipeline) = model_file::load(&args.model)?;
    let opts = pipeline.read_options(read_options(&args.read)?);
    let table = read_table(&args.data, &opts, progress)?;
    crate::show::check_unseen(&table, pipeline.input_schema(), args.strict, progress)?;
    let predictions = pipeline.predict_table_all(&table)?;
    let ids = args
        .id
        .iter()
        .map(|name| Ok((name.clone(), column_text(&table, name)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let columns = write_predictions(
        out.path(),
        pipeline.targets(),
        &predictions,
        &ids,
        args.proba,
    )?;
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
