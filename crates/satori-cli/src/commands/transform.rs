//! `satori transform`: the preprocessing layer on its own, for users who want the cleaned data.

use std::path::PathBuf;

use clap::Args;
use satori_data::Column;
use satori_data::write::write_csv_columns;
use satori_pipeline::model_file::{
    FORMAT_VERSION, PreprocessorHeader, load_preprocessor, save_preprocessor,
};
use satori_pipeline::pipeline_file::load_pipeline_file;
use satori_pipeline::preprocessor::{steps_from_tree, transform_dataset};
use satori_pipeline::{FittedPreprocessor, Provenance};
use satori_workflow::output;
use serde::Serialize;

use crate::args::{ReadArgs, check_output, now, read_options, read_table};
use crate::output::print_json;
use crate::progress::TermProgress;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  satori transform train.csv --pipeline pipeline.toml --out clean.csv --save prep.satori\n  \
satori transform new.csv --using prep.satori --out clean_new.csv"
)]
pub struct TransformArgs {
    /// The data to transform (CSV, Parquet or LIBSVM).
    pub data: PathBuf,
    /// Fit the [[preprocessing]] steps of this TOML pipeline file on the data.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "using",
        conflicts_with = "using"
    )]
    pub pipeline: Option<PathBuf>,
    /// Apply a preprocessor saved earlier with --save (fitted on other data).
    #[arg(long, value_name = "FILE")]
    pub using: Option<PathBuf>,
    /// The target column: supervised steps (target encoding, univariate selection) fit with it;
    /// rows without a target are dropped; it is written beside the transformed columns.
    #[arg(long, short = 't')]
    pub target: Option<String>,
    /// Save the fitted steps to a preprocessor file (with --pipeline).
    #[arg(long, value_name = "FILE", requires = "pipeline")]
    pub save: Option<PathBuf>,
    /// A column to carry through to the output (e.g. a row id; without --target).
    #[arg(long, value_name = "COLUMN", conflicts_with = "target")]
    pub id: Option<String>,
    /// Where to write the transformed data (CSV).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// With --using on a CSV file: transform this many rows at a time, so files larger than
    /// memory work (when every step is row-wise; otherwise the whole file is read).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub chunk_rows: usize,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Serialize)]
struct TransformJson {
    command: &'static str,
    data: String,
    n_rows: usize,
    steps: Vec<String>,
    columns: Vec<String>,
    out: String,
    saved: Option<String>,
}

/// Whether a file is read as CSV (the format the chunked reader handles).
fn is_csv(path: &std::path::Path, read: &ReadArgs) -> anyhow::Result<bool> {
    let opts = read_options(read)?;
    Ok(match opts.format {
        Some(f) => f == satori_data::Format::Csv,
        None => satori_data::Format::from_path(path) == satori_data::Format::Csv,
    })
}

/// `--using` on a CSV file with row-wise steps: read, transform and write a chunk at a time.
fn run_chunked(
    args: &TransformArgs,
    prep: &FittedPreprocessor,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    use satori_core::Progress;
    let opts = prep.read_options(read_options(&args.read)?);
    let mut headers: Vec<String> = args.id.iter().cloned().collect();
    headers.extend(prep.output_names().iter().cloned());
    let mut writer = satori_data::write::CsvChunkWriter::create(&args.out, headers.clone())?;
    let chunks = satori_data::chunks::CsvChunks::open(&args.data, &opts, args.chunk_rows)?;
    progress.start(&format!("transforming {}", args.data.display()), None);
    for table in chunks {
        let table = table?;
        let x = prep.transform_table(&table)?;
        let mut columns: Vec<Column> = Vec::with_capacity(headers.len());
        if let Some(id) = &args.id {
            columns.push(Column::Strings(
                output::column_text(&table, id)?
                    .into_iter()
                    .map(Some)
                    .collect(),
            ));
        }
        columns.extend(x.columns().into_iter().map(|c| Column::Values(c.to_vec())));
        writer.write(&columns)?;
        progress.advance(table.n_rows() as u64);
    }
    progress.finish();
    let n_rows = writer.finish()? as usize;
    let summary = TransformJson {
        command: "transform",
        data: args.data.display().to_string(),
        n_rows,
        steps: prep.steps().iter().map(|s| s.name().to_string()).collect(),
        columns: headers,
        out: args.out.display().to_string(),
        saved: None,
    };
    if args.json {
        return print_json(&summary);
    }
    println!(
        "Transformed {} rows through {} into {} columns → {} ({} rows at a time)",
        summary.n_rows,
        summary.steps.join(" → "),
        prep.output_names().len(),
        summary.out,
        args.chunk_rows
    );
    Ok(())
}

pub fn run(args: TransformArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let mut inputs = vec![args.data.as_path()];
    inputs.extend(args.pipeline.as_deref());
    inputs.extend(args.using.as_deref());
    check_output("--out", &args.out, &inputs)?;
    if let Some(save) = &args.save {
        inputs.push(&args.out);
        check_output("--save", save, &inputs)?;
    }
    if let Some(path) = &args.using {
        let (_, prep) = load_preprocessor(path)?;
        if prep.row_wise() && is_csv(&args.data, &args.read)? {
            return run_chunked(&args, &prep, progress);
        }
    }
    let (prep, table, x, target_values) = if let Some(path) = &args.using {
        let (_, prep) = load_preprocessor(path)?;
        let opts = prep.read_options(read_options(&args.read)?);
        let table = read_table(&args.data, &opts, progress)?;
        let x = prep.transform_table(&table)?;
        (prep, table, x, None)
    } else {
        let tree =
            load_pipeline_file(args.pipeline.as_deref().unwrap_or(std::path::Path::new("")))?;
        let steps = steps_from_tree(&tree)?;
        let opts = read_options(&args.read)?;
        let table = read_table(&args.data, &opts, progress)?;
        let spec = args.target.as_ref().map(|t| satori_data::TargetSpec {
            name: t.clone(),
            task: None,
        });
        let data = transform_dataset(&table, spec.as_ref())?;
        let (prep, out) = FittedPreprocessor::fit(&data, &steps, progress)?;
        let target_values = data.target().map(|t| match t.labels() {
            Some(labels) => Column::Strings(
                t.as_f64()
                    .iter()
                    .map(|c| Some(labels[*c as usize].clone()))
                    .collect(),
            ),
            None => Column::Values(t.as_f64().to_vec()),
        });
        if let Some(save) = &args.save {
            let header = PreprocessorHeader {
                format_version: FORMAT_VERSION,
                steps: steps.iter().map(|s| s.name().to_string()).collect(),
                params: tree["preprocessing"].clone(),
                input_schema: prep.input_schema().clone(),
                output_columns: prep.output_names().to_vec(),
                target: args.target.clone(),
                n_train_samples: data.n_samples() as u64,
                provenance: Provenance {
                    library_version: satori_core::VERSION.to_string(),
                    created_at: Some(now()),
                    data_source: Some(args.data.display().to_string()),
                    data_fingerprint: format!("{}x{}", data.n_samples(), data.n_features()),
                    seed: 0,
                },
            };
            save_preprocessor(save, &header, &prep)?;
        }
        (prep, table, out.x().to_owned(), target_values)
    };

    let mut headers: Vec<String> = Vec::new();
    let mut columns: Vec<Column> = Vec::new();
    if let Some(id) = &args.id {
        headers.push(id.clone());
        columns.push(Column::Strings(
            output::column_text(&table, id)?
                .into_iter()
                .map(Some)
                .collect(),
        ));
    }
    for (j, name) in prep.output_names().iter().enumerate() {
        headers.push(name.clone());
        columns.push(Column::Values(x.column(j).to_vec()));
    }
    if let (Some(t), Some(values)) = (&args.target, target_values) {
        headers.push(t.clone());
        columns.push(values);
    }
    write_csv_columns(&args.out, &headers, &columns)?;
    let summary = TransformJson {
        command: "transform",
        data: args.data.display().to_string(),
        n_rows: x.nrows(),
        steps: prep.steps().iter().map(|s| s.name().to_string()).collect(),
        columns: headers,
        out: args.out.display().to_string(),
        saved: args.save.as_ref().map(|p| p.display().to_string()),
    };
    if args.json {
        return print_json(&summary);
    }
    println!(
        "Transformed {} rows through {} into {} columns → {}",
        summary.n_rows,
        summary.steps.join(" → "),
        prep.output_names().len(),
        summary.out
    );
    if let Some(s) = &summary.saved {
        println!("Saved the fitted steps to {s} (apply them with --using {s})");
    }
    Ok(())
}
