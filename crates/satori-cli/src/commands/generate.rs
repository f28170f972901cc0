//! `satori generate`: synthetic datasets in the spirit of scikit-learn's make_classification and
//! make_regression.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use satori_core::{Params, Progress};
use satori_data::synth::{ClassificationParams, RegressionParams};
use satori_data::write::{write_dataset_csv, write_dataset_parquet};
use serde::Serialize;

use crate::output::print_json;
use crate::progress::TermProgress;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub kind: GenerateKind,
}

#[derive(Debug, Subcommand)]
pub enum GenerateKind {
    /// Classes from Gaussian clusters on hypercube vertices, with informative, redundant,
    /// repeated and noise features (scikit-learn's make_classification construction).
    Classification(ClassificationArgs),
    /// A linear target of a few informative features plus noise (make_regression).
    Regression(RegressionArgs),
}

#[derive(Debug, Args)]
pub struct Common {
    /// Number of rows.
    #[arg(long, default_value_t = 1000)]
    pub rows: usize,
    /// Number of features.
    #[arg(long, default_value_t = 20)]
    pub features: usize,
    /// Number of informative features.
    #[arg(long, default_value_t = 2)]
    pub informative: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output file.
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Output format (default: by extension, .parquet → parquet, else csv).
    #[arg(long, value_enum)]
    pub format: Option<OutFormat>,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ClassificationArgs {
    #[command(flatten)]
    pub common: Common,
    /// Redundant features (random linear combinations of the informative ones).
    #[arg(long, default_value_t = 2)]
    pub redundant: usize,
    /// Repeated features (copies of informative or redundant ones).
    #[arg(long, default_value_t = 0)]
    pub repeated: usize,
    /// Number of classes.
    #[arg(long, default_value_t = 2)]
    pub classes: usize,
    /// Clusters per class.
    #[arg(long, default_value_t = 2)]
    pub clusters_per_class: usize,
    /// Class proportions, comma-separated (n_classes values, or n_classes − 1).
    #[arg(long, value_delimiter = ',')]
    pub weights: Vec<f64>,
    /// Fraction of labels replaced at random (label noise).
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub flip_y: f64,
    /// Class separation (half the hypercube's side).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub class_sep: f64,
}

#[derive(Debug, Args)]
pub struct RegressionArgs {
    #[command(flatten)]
    pub common: Common,
    /// Standard deviation of the Gaussian noise on the target.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub noise: f64,
    /// Added to every target value.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub bias: f64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutFormat {
    Csv,
    Parquet,
}

#[derive(Debug, Serialize)]
struct GenerateJson {
    command: &'static str,
    kind: &'static str,
    rows: usize,
    features: usize,
    out: String,
    format: &'static str,
}

/// The memory generating `rows × features` takes: the matrix, its target and the written rows.
fn check_size(rows: usize, features: usize) -> anyhow::Result<()> {
    let cells = rows as f64 * (features as f64 + 1.0);
    satori_core::memory::check_fits(
        cells * 8.0 * 2.0,
        &format!("generating {rows} rows × {features} features"),
    )?;
    Ok(())
}

pub fn run(args: GenerateArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let common = match &args.kind {
        GenerateKind::Classification(a) => &a.common,
        GenerateKind::Regression(a) => &a.common,
    };
    crate::stdio::check_output("--out", &common.out, &[])?;
    check_size(common.rows, common.features)?;
    let (kind, common, data) = match args.kind {
        GenerateKind::Classification(a) => {
            let params = ClassificationParams {
                n_samples: a.common.rows,
                n_features: a.common.features,
                n_informative: a.common.informative,
                n_redundant: a.redundant,
                n_repeated: a.repeated,
                n_classes: a.classes,
                n_clusters_per_class: a.clusters_per_class,
                weights: (!a.weights.is_empty()).then_some(a.weights),
                flip_y: a.flip_y,
                class_sep: a.class_sep,
                seed: a.common.seed,
                ..ClassificationParams::default()
            };
            params.validate()?;
            progress.start("generating", None);
            let data = params.generate();
            progress.finish();
            ("classification", a.common, data?)
        }
        GenerateKind::Regression(a) => {
            let params = RegressionParams {
                n_samples: a.common.rows,
                n_features: a.common.features,
                n_informative: a.common.informative,
                noise: a.noise,
                bias: a.bias,
                seed: a.common.seed,
                ..RegressionParams::default()
            };
            params.validate()?;
            progress.start("generating", None);
            let data = params.generate();
            progress.finish();
            ("regression", a.common, data?)
        }
    };
    let format = common.format.unwrap_or_else(|| {
        if common
            .out
            .extension()
            .is_some_and(|e| e == "parquet" || e == "pq")
        {
            OutFormat::Parquet
        } else {
            OutFormat::Csv
        }
    });
    progress.start(&format!("writing {}", common.out.display()), None);
    let written = match format {
        OutFormat::Csv => write_dataset_csv(&data, &common.out),
        OutFormat::Parquet => write_dataset_parquet(&data, &common.out),
    };
    progress.finish();
    written?;
    let summary = GenerateJson {
        command: "generate",
        kind,
        rows: data.n_samples(),
        features: data.n_features(),
        out: common.out.display().to_string(),
        format: match format {
            OutFormat::Csv => "csv",
            OutFormat::Parquet => "parquet",
        },
    };
    if common.json {
        return print_json(&summary);
    }
    show!(
        "Wrote {} rows × {} features ({}, target column `target`) to {}",
        summary.rows,
        summary.features,
        kind,
        summary.out
    );
    Ok(())
}
