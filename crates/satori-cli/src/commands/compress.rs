//! `satori compress`: a smaller or faster model from a trained one (int8 or f16 networks,
//! pruned networks, compacted tree ensembles), with the size, latency and metric change measured
//! on a holdout and recorded in the new model's header.

use std::path::PathBuf;

use clap::Args;
use satori_pipeline::model_file;
use satori_workflow::compress::{Budget, CompressOptions, Method, compress, report_lines};

use crate::args::{ReadArgs, now, read_options, read_table};
use crate::output::print_json;
use crate::progress::TermProgress;
use crate::stdio::check_output;

/// `--method` values.
#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
pub enum MethodArg {
    /// Neural networks: int8 weights per output channel (activations calibrated on the tuning
    /// rows, or per row with --dynamic).
    Quantize,
    /// Neural networks: half-precision weights.
    F16,
    /// Neural networks: remove the weakest hidden units (--sparsity), then fine-tune.
    Prune,
    /// Tree ensembles: keep the trees that matter most under --budget or --max-metric-drop.
    Compact,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
satori compress net.satori --data holdout.csv --out net-int8.satori\n  \
satori compress net.satori --data holdout.csv --method prune --sparsity 0.5 --out small.satori\n  \
satori compress gbm.satori --data holdout.csv --budget latency=20us --out fast.satori\n  \
satori compress forest.satori --data holdout.csv --budget size=2MB --max-metric-drop 0.002 --out small.satori\n\n\
The holdout (--data, with the target column) is split in two by a seeded draw: one half \
calibrates, fine-tunes or chooses trees, the other measures the metric. See docs/compression.md.")]
pub struct CompressArgs {
    /// The model file to compress (left unchanged).
    pub model: PathBuf,
    /// Labelled rows (the model's input columns and its target) to measure on.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Where to write the compressed model file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The method (default: quantize for neural networks, compact for tree ensembles).
    #[arg(long, value_enum)]
    pub method: Option<MethodArg>,
    /// With quantize: quantise each row's activations with its own scale instead of scales
    /// calibrated on the tuning rows.
    #[arg(long)]
    pub dynamic: bool,
    /// With prune: the fraction of each hidden layer's units to remove, in (0, 1).
    #[arg(long, value_name = "FRACTION", default_value_t = 0.5)]
    pub sparsity: f64,
    /// With prune: fine-tuning epochs on the tuning rows after pruning (0: none).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub fine_tune_epochs: usize,
    /// A budget the result must meet: size=2MB (model file bytes; KB, MB, GB, KiB, MiB) or
    /// latency=20us (median single-row prediction time; ns, us, ms).
    #[arg(long, value_name = "BUDGET")]
    pub budget: Option<String>,
    /// Refuse (exit 1, nothing written) a result whose metric drops more than this (the task's
    /// default metric: roc_auc, accuracy or r2, on the evaluation half of --data).
    #[arg(long, value_name = "X")]
    pub max_metric_drop: Option<f64>,
    /// Seed of the tuning/evaluation split.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print a JSON result (the compression record) instead of lines.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(args: CompressArgs, progress: &TermProgress) -> anyhow::Result<()> {
    check_output("--out", &args.out, &[&args.model, &args.data])?;
    let method = match args.method {
        None => None,
        Some(MethodArg::Quantize) => Some(Method::Quantize {
            dynamic: args.dynamic,
        }),
        Some(MethodArg::F16) => Some(Method::F16),
        Some(MethodArg::Prune) => {
            if !(args.sparsity > 0.0 && args.sparsity < 1.0) {
                return Err(satori_core::Error::param(
                    "--sparsity",
                    format!("must be in (0, 1), got {}", args.sparsity),
                )
                .into());
            }
            Some(Method::Prune {
                sparsity: args.sparsity,
                epochs: args.fine_tune_epochs,
            })
        }
        Some(MethodArg::Compact) => Some(Method::Compact),
    };
    if args.dynamic && !matches!(method, None | Some(Method::Quantize { .. })) {
        return Err(
            satori_core::Error::param("--dynamic", "applies to --method quantize only").into(),
        );
    }
    let method = match (method, args.dynamic) {
        (None, true) => Some(Method::Quantize { dynamic: true }),
        (m, _) => m,
    };
    let budget = args.budget.as_deref().map(Budget::parse).transpose()?;
    let (header, pipeline) = model_file::load(&args.model)?;
    let opts = pipeline.read_options(read_options(&args.read)?);
    let table = read_table(&args.data, &opts, progress)?;
    let options = CompressOptions {
        method,
        budget,
        max_metric_drop: args.max_metric_drop,
        seed: args.seed,
        created_at: Some(now()),
        ..CompressOptions::default()
    };
    let out = compress(&header, &pipeline, &args.model, &table, &options, progress)?;
    model_file::save(&args.out, &out.header, &out.pipeline)?;
    if args.json {
        return print_json(&serde_json::json!({
            "command": "compress",
            "model": args.model.display().to_string(),
            "out": args.out.display().to_string(),
            "compression": out.record,
            "metric_drop": out.record.metric_drop(),
        }));
    }
    show!(
        "Compressed {} ({}) into {}",
        args.model.display(),
        header.model_kind,
        args.out.display()
    );
    for line in report_lines(&out.record) {
        show!("  {line}");
    }
    Ok(())
}
