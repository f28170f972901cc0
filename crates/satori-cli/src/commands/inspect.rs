//! `satori inspect`: a data file's profile, or a model file's header.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use satori_data::profile::{Profile, profile};
use satori_nn::Network;
use satori_pipeline::model_file;

use crate::args::{ReadArgs, read_options, read_table};
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;
use crate::show::print_header;
use crate::stdio::check_output;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A data file (CSV, Parquet, LIBSVM) or a model file (.satori).
    pub path: PathBuf,
    /// The target column: adds its distribution, imbalance ratio and leakage warnings.
    #[arg(long, short = 't')]
    pub target: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Write the network's weights of a neural-network model file (mlp_classifier,
    /// mlp_regressor, multi-task) to this path as safetensors, named as PyTorch's state dict.
    #[arg(long, value_name = "PATH")]
    pub export_weights: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
}

fn is_model_file(path: &Path) -> bool {
    if path.extension().is_some_and(|e| e == "satori") {
        return true;
    }
    let mut magic = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == model_file::MAGIC
}

fn is_preprocessor_file(path: &Path) -> bool {
    let mut magic = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == model_file::PREPROCESSOR_MAGIC
}

pub fn run(args: InspectArgs, progress: &TermProgress) -> anyhow::Result<()> {
    if let Some(out) = &args.export_weights {
        return export_weights(&args.path, out, args.json);
    }
    if is_preprocessor_file(&args.path) {
        let h = model_file::read_preprocessor_header(&args.path)?;
        if args.json {
            return print_json(&h);
        }
        show!(
            "{}: satori preprocessor file, format {}",
            args.path.display(),
            h.format_version
        );
        show!("  steps     {}", h.steps.join(" → "));
        show!(
            "  fitted    on {} rows{}",
            h.n_train_samples,
            h.target
                .as_ref()
                .map(|t| format!(" with target `{t}`"))
                .unwrap_or_default()
        );
        show!(
            "  reads     {}",
            h.input_schema.names().collect::<Vec<_>>().join(", ")
        );
        show!("  writes    {}", h.output_columns.join(", "));
        return Ok(());
    }
    if is_model_file(&args.path) {
        let header = model_file::read_header(&args.path)?;
        if args.json {
            return print_json(&header);
        }
        print_header(&args.path, &header);
        return Ok(());
    }
    let opts = read_options(&args.read)?;
    let data = read_table(&args.path, &opts, progress)?;
    let p = profile(&data, args.target.as_deref())?;
    if args.json {
        return print_json(&p);
    }
    print_profile(&p);
    Ok(())
}

/// `--export-weights`: the network of a neural-network model file as safetensors, written
/// complete or not at all.
fn export_weights(path: &Path, out: &Path, json: bool) -> anyhow::Result<()> {
    if !is_model_file(path) {
        anyhow::bail!(
            "{}: --export-weights needs a satori model file (.satori) holding a neural network",
            path.display()
        );
    }
    check_output("--export-weights", out, &[path])?;
    let (header, pipeline) = model_file::load(path)?;
    let kind = header.model_kind;
    let network = match pipeline.model().network() {
        Some(n) => n.clone(),
        None => anyhow::bail!(
            "{} holds a {kind}; only neural networks (mlp_classifier, mlp_regressor, \
             multitask_mlp) have weights to export",
            path.display()
        ),
    };
    let bytes = network.to_safetensors()?;
    satori_core::fs::write_atomic(out, &bytes)?;
    let n_tensors = safetensors_count(&network);
    if json {
        return print_json(&serde_json::json!({
            "weights": out.display().to_string(),
            "model_kind": kind,
            "tensors": n_tensors,
            "parameters": network.n_parameters(),
            "bytes": bytes.len(),
        }));
    }
    show!(
        "wrote {} tensors ({} parameters, {} bytes) of the {kind} network to {}",
        n_tensors,
        network.n_parameters(),
        bytes.len(),
        out.display()
    );
    Ok(())
}

/// How many tensors the safetensors file of `net` holds.
fn safetensors_count(net: &Network) -> usize {
    if let Some(c) = &net.compressed {
        // weight and bias per layer; int8 adds the weight scales and, when static, the input
        // scale
        return c
            .hidden
            .iter()
            .chain(&c.heads)
            .map(|d| match &d.weights {
                satori_nn::quant::QuantWeights::F16 { .. } => 2,
                satori_nn::quant::QuantWeights::Int8 { input_scale, .. } => {
                    3 + usize::from(input_scale.is_some())
                }
            })
            .sum();
    }
    let bn = net.hidden.iter().filter(|h| h.batch_norm.is_some()).count();
    2 * net.hidden.len() + 4 * bn + 2 * net.heads.len()
}

fn print_profile(p: &Profile) {
    show!("{}: {} rows, {} columns", p.source, p.n_rows, p.n_columns);
    let mut t = table(&["column", "kind", "missing", "distinct", "summary"]);
    for c in &p.columns {
        let summary = if let Some(n) = &c.numeric {
            format!(
                "min {} · mean {} · max {}",
                num(n.min),
                num(n.mean),
                num(n.max)
            )
        } else if let Some(top) = &c.top {
            top.iter()
                .take(4)
                .map(|v| format!("{} ({})", satori_core::clip(&v.value, 24), v.count))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            String::new()
        };
        t.add_row(vec![
            c.name.clone(),
            c.kind.clone(),
            format!("{:.1}%", c.missing_pct),
            c.distinct.to_string(),
            summary,
        ]);
    }
    show!("{t}");
    if let Some(target) = &p.target {
        let mut line = format!("Target `{}`: {}", target.name, target.task.name());
        if target.missing > 0 {
            line.push_str(&format!(
                ", {} rows without a target (dropped when training)",
                target.missing
            ));
        }
        show!("{line}");
        if let Some(classes) = &target.classes {
            let list: Vec<String> = classes
                .iter()
                .map(|v| format!("{} {}", satori_core::clip(&v.value, 24), v.count))
                .collect();
            show!("  classes: {}", list.join(", "));
        }
        if let Some(r) = target.imbalance_ratio {
            show!("  imbalance ratio (largest / smallest class): {}", num(r));
        }
        if let Some(imb) = target.imbalance.as_ref().filter(|i| i.imbalanced) {
            show!(
                "  imbalanced: the smallest class `{}` ({}) is {:.1}% of the largest `{}` ({}); \
                 see the warning below",
                satori_core::clip(&imb.minority.value, 24),
                imb.minority.count,
                100.0 * imb.minority.count as f64 / imb.majority.count as f64,
                satori_core::clip(&imb.majority.value, 24),
                imb.majority.count
            );
        }
        if let Some(n) = &target.numeric {
            show!(
                "  min {} · mean {} · max {}",
                num(n.min),
                num(n.mean),
                num(n.max)
            );
        }
    }
    if !p.warnings.is_empty() {
        show!("Warnings:");
        for w in &p.warnings {
            show!("  - {}", w.message);
        }
    }
}
