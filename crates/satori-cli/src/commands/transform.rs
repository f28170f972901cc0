//! `satori transform`: the preprocessing layer on its own, for users who want the cleaned data.

use std::path::PathBuf;

use clap::Args;
use ndarray::ArrayView2;
use satori_core::Schema;
use satori_data::write::write_csv_columns;
use satori_data::{Column, Table};
use satori_pipeline::model_file::{
    FORMAT_VERSION, PreprocessorHeader, load_preprocessor, save_preprocessor,
};
use satori_pipeline::pipeline_file::load_pipeline_file;
use satori_pipeline::preprocessor::{steps_from_tree, transform_dataset};
use satori_pipeline::{FittedPreprocessor, Provenance};
use satori_workflow::output;
use serde::Serialize;

use crate::args::{ReadArgs, now, read_options, read_table};
use crate::output::print_json;
use crate::progress::TermProgress;
use crate::stdio::Output;
use crate::stdio::check_output;

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
    /// Columns to carry through to the output (e.g. a row id; comma-separated or repeated;
    /// without --target).
    #[arg(
        long,
        value_name = "COLUMN",
        value_delimiter = ',',
        conflicts_with = "target"
    )]
    pub id: Vec<String>,
    /// Where to write the transformed data (CSV; `-` for standard output).
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
    let path = &crate::stdio::input(path)?;
    Ok(match opts.format {
        Some(f) => f == satori_data::Format::Csv,
        None => satori_data::Format::from_path(path) == satori_data::Format::Csv,
    })
}

/// `--using` on a CSV file with row-wise steps: read, transform and write a chunk at a time.
fn run_chunked(
    args: &TransformArgs,
    out: Output,
    prep: &FittedPreprocessor,
    schema: Option<&Schema>,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    use satori_core::Progress;
    let opts = prep.read_options(read_options(&args.read)?);
    let mut headers: Vec<String> = args.id.clone();
    headers.extend(prep.output_names().iter().cloned());
    let mut writer = satori_data::write::CsvChunkWriter::create(out.path(), headers.clone())?;
    let data = crate::stdio::input(&args.data)?;
    let chunks = satori_data::chunks::CsvChunks::open(&data, &opts, args.chunk_rows)?;
    progress.start(&format!("transforming {}", args.data.display()), None);
    for table in chunks {
        let table = table?;
        let x = prep.transform_table(&table)?;
        let columns = output_columns(&table, &args.id, x.view(), schema)?;
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
        out: out_name(&out, &args.out),
        saved: None,
    };
    let line = format!(
        "Transformed {} rows through {} into {} columns → {} ({} rows at a time)",
        summary.n_rows,
        summary.steps.join(" → "),
        prep.output_names().len(),
        summary.out,
        args.chunk_rows
    );
    finish(out, &summary, &line, args.json, progress)
}

pub fn run(args: TransformArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let mut inputs = vec![args.data.as_path()];
    inputs.extend(args.pipeline.as_deref());
    inputs.extend(args.using.as_deref());
    let out = Output::new("--out", &args.out, &inputs)?;
    if let Some(save) = &args.save {
        inputs.push(&args.out);
        check_output("--save", save, &inputs)?;
    }
    if let Some(path) = &args.using {
        let (header, prep) = load_preprocessor(path)?;
        if prep.row_wise() && is_csv(&args.data, &args.read)? {
            return run_chunked(&args, out, &prep, header.output_schema.as_ref(), progress);
        }
    }
    let (prep, table, x, target_values, schema) = if let Some(path) = &args.using {
        let (header, prep) = load_preprocessor(path)?;
        let opts = prep.read_options(read_options(&args.read)?);
        let table = read_table(&args.data, &opts, progress)?;
        let x = prep.transform_table(&table)?;
        (prep, table, x, None, header.output_schema)
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
                output_schema: Some(out.features().clone()),
                target: args.target.clone(),
                n_train_samples: data.n_samples() as u64,
                provenance: Provenance {
                    library_version: satori_core::VERSION.to_string(),
                    created_at: Some(now()),
                    data_source: Some(args.data.display().to_string()),
                    data_fingerprint: format!("{}x{}", data.n_samples(), data.n_features()),
                    seed: 0,
                    data_checksum: None,
                },
            };
            save_preprocessor(save, &header, &prep)?;
        }
        let schema = out.features().clone();
        (prep, table, out.x().to_owned(), target_values, Some(schema))
    };

    let mut headers: Vec<String> = args.id.clone();
    headers.extend(prep.output_names().iter().cloned());
    let mut columns = output_columns(&table, &args.id, x.view(), schema.as_ref())?;
    if let (Some(t), Some(values)) = (&args.target, target_values) {
        headers.push(t.clone());
        columns.push(values);
    }
    write_csv_columns(out.path(), &headers, &columns)?;
    let summary = TransformJson {
        command: "transform",
        data: args.data.display().to_string(),
        n_rows: x.nrows(),
        steps: prep.steps().iter().map(|s| s.name().to_string()).collect(),
        columns: headers,
        out: out_name(&out, &args.out),
        saved: args.save.as_ref().map(|p| p.display().to_string()),
    };
    let mut line = format!(
        "Transformed {} rows through {} into {} columns → {}",
        summary.n_rows,
        summary.steps.join(" → "),
        prep.output_names().len(),
        summary.out
    );
    if let Some(s) = &summary.saved {
        line.push_str(&format!(
            "\nSaved the fitted steps to {s} (apply them with --using {s})"
        ));
    }
    finish(out, &summary, &line, args.json, progress)
}

/// The columns written for the rows of `table`: the id columns, then the transformed ones, a
/// categorical column (one that passes through the steps unencoded) written as its labels, as
/// the input file had them, when the output's kinds are known.
fn output_columns(
    table: &Table,
    ids: &[String],
    x: ArrayView2<'_, f64>,
    schema: Option<&Schema>,
) -> anyhow::Result<Vec<Column>> {
    let mut columns: Vec<Column> = Vec::with_capacity(ids.len() + x.ncols());
    for id in ids {
        columns.push(Column::Strings(
            output::column_text(table, id)?
                .into_iter()
                .map(Some)
                .collect(),
        ));
    }
    let schema = schema.filter(|s| s.len() == x.ncols());
    for (j, values) in x.columns().into_iter().enumerate() {
        let labels = schema.and_then(|s| s.columns[j].kind.categories());
        columns.push(match labels {
            Some(labels) => Column::Strings(
                values
                    .iter()
                    .map(|v| {
                        (!v.is_nan()).then(|| {
                            labels
                                .get(*v as usize)
                                .cloned()
                                .unwrap_or_else(|| format!("{v}"))
                        })
                    })
                    .collect(),
            ),
            None => Column::Values(values.to_vec()),
        });
    }
    Ok(columns)
}

/// How the summary names the output.
fn out_name(out: &Output, path: &std::path::Path) -> String {
    if out.is_stdout() {
        "standard output".into()
    } else {
        path.display().to_string()
    }
}

/// Send a standard-output result, then the summary: JSON or a line on stdout, or on stderr when
/// stdout carries the data.
fn finish(
    out: Output,
    summary: &TransformJson,
    line: &str,
    json: bool,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let to_stdout = out.is_stdout();
    out.finish()?;
    if to_stdout {
        progress.say(line);
    } else if json {
        print_json(summary)?;
    } else {
        show!("{line}");
    }
    Ok(())
}
