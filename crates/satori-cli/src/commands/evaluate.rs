//! `satori evaluate`.

use std::path::PathBuf;

use clap::Args;
use satori_pipeline::{Evaluation, evaluate_table, model_file};
use serde::Serialize;

use crate::ReadArgs;
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;
use satori_core::Progress;

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The model file.
    pub model: PathBuf,
    /// Labelled data: the model's input columns and its target column.
    pub data: PathBuf,
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
    model: String,
    data: String,
    target: &'a str,
    #[serde(flatten)]
    evaluation: &'a Evaluation,
}

pub fn run(args: EvaluateArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let (_, pipeline) = model_file::load(&args.model)?;
    let opts = pipeline.read_options(super::read_options(&args.read)?);
    let data = super::read_table(&args.data, &opts, progress)?;
    let evaluation = evaluate_table(&pipeline, &data)?;
    if args.json {
        return print_json(&EvaluateJson {
            command: "evaluate",
            model: args.model.display().to_string(),
            data: args.data.display().to_string(),
            target: pipeline.target(),
            evaluation: &evaluation,
        });
    }
    print_evaluation(&evaluation, pipeline.target(), progress);
    Ok(())
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
