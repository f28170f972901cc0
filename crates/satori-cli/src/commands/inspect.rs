//! `satori inspect`: a data file's profile, or a model file's header.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use satori_data::profile::{Profile, profile};
use satori_nn::{Network, NeuralNet};
use satori_pipeline::model_file::LoadedModel;
use satori_pipeline::{AnyModel, ModelHeader, model_file};

use crate::ReadArgs;
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;

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
        println!(
            "{}: satori preprocessor file, format {}",
            args.path.display(),
            h.format_version
        );
        println!("  steps     {}", h.steps.join(" → "));
        println!(
            "  fitted    on {} rows{}",
            h.n_train_samples,
            h.target
                .as_ref()
                .map(|t| format!(" with target `{t}`"))
                .unwrap_or_default()
        );
        println!(
            "  reads     {}",
            h.input_schema.names().collect::<Vec<_>>().join(", ")
        );
        println!("  writes    {}", h.output_columns.join(", "));
        return Ok(());
    }
    if is_model_file(&args.path) {
        let header = model_file::read_header(&args.path)?;
        if header.model_kind == satori_pipeline::multitask::MULTITASK_KIND {
            let header = model_file::read_multitask_header(&args.path)?;
            if args.json {
                return print_json(&header);
            }
            super::multitask::print_header(&args.path, &header);
            return Ok(());
        }
        if args.json {
            return print_json(&header);
        }
        print_header(&args.path, &header);
        return Ok(());
    }
    let opts = super::read_options(&args.read)?;
    let data = super::read_table(&args.path, &opts, progress)?;
    let p = profile(&data, args.target.as_deref())?;
    if args.json {
        return print_json(&p);
    }
    print_profile(&p);
    Ok(())
}

/// `--export-weights`: the network of a neural-network model file as safetensors, written
/// atomically (a temporary file beside `out`, then a rename).
fn export_weights(path: &Path, out: &Path, json: bool) -> anyhow::Result<()> {
    if !is_model_file(path) {
        anyhow::bail!(
            "{}: --export-weights needs a satori model file (.satori) holding a neural network",
            path.display()
        );
    }
    let kind = model_file::read_header(path)?.model_kind;
    let network = match model_file::load_any(path)? {
        LoadedModel::MultiTask(m) => m.1.model().network().clone(),
        LoadedModel::Single(m) => match m.1.model() {
            AnyModel::MlpClassifier(m) => m.network().clone(),
            AnyModel::MlpRegressor(m) => m.network().clone(),
            _ => anyhow::bail!(
                "{} holds a {kind}; only neural networks (mlp_classifier, mlp_regressor, \
                 multi-task models) have weights to export",
                path.display()
            ),
        },
    };
    let bytes = network.to_safetensors()?;
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let written = std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, out));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(satori_core::Error::io(out, e).into());
    }
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
    println!(
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
    let bn = net.hidden.iter().filter(|h| h.batch_norm.is_some()).count();
    2 * net.hidden.len() + 4 * bn + 2 * net.heads.len()
}

fn print_header(path: &Path, h: &ModelHeader) {
    println!(
        "{}: satori model file, format {}",
        path.display(),
        h.format_version
    );
    println!("  model     {}", h.model_kind);
    println!("  task      {} (target `{}`)", h.task.name(), h.target);
    if let Some(c) = &h.classes {
        println!("  classes   {}", c.join(", "));
    }
    print_provenance(h);
    if !h.metrics.is_empty() {
        println!(
            "Metrics on {}:",
            h.metrics_on.as_deref().unwrap_or("training")
        );
        let mut t = table(&["metric", "value"]);
        for (k, v) in &h.metrics {
            t.add_row(vec![k.clone(), num(*v)]);
        }
        println!("{t}");
    }
    print_model_details(h);
}

/// The header's training, provenance, steps and parameter lines.
pub(crate) fn print_provenance(h: &ModelHeader) {
    println!(
        "  trained   on {} rows; seed {}",
        h.n_train_samples, h.provenance.seed
    );
    println!(
        "  by        satori {}{}",
        h.provenance.library_version,
        h.provenance
            .created_at
            .as_ref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default()
    );
    if let Some(src) = &h.provenance.data_source {
        println!(
            "  data      {src} (fingerprint {})",
            h.provenance.data_fingerprint
        );
    }
    if let Some(steps) = h.params["preprocessing"]
        .as_array()
        .filter(|s| !s.is_empty())
    {
        let names: Vec<&str> = steps.iter().filter_map(|s| s["step"].as_str()).collect();
        println!("  steps     {} → {}", names.join(" → "), h.model_kind);
    }
    if let Some(base) = &h.init_from {
        println!("  from      {base}");
    }
    if let Some(t) = &h.threshold {
        println!(
            "  threshold {} (tuned for {} = {})",
            num(t.threshold),
            t.metric,
            num(t.value)
        );
    }
    println!("  params    {}", h.params);
}

/// The model summary, training history, feature importances and input columns of a header.
pub(crate) fn print_model_details(h: &ModelHeader) {
    if let Some(summary) = &h.model_summary {
        println!("Model:");
        for line in summary.lines() {
            println!("  {line}");
        }
    }
    if let Some(hist) = &h.training_history {
        let last = |v: &[f64]| v.last().copied().map(num).unwrap_or_default();
        let valid = hist
            .valid
            .as_ref()
            .map(|v| format!(", validation {}", last(v)))
            .unwrap_or_default();
        println!(
            "Training history: {} iterations; final {} training {}{valid}",
            hist.train.len(),
            hist.metric,
            last(&hist.train)
        );
    }
    if !h.feature_importances.is_empty() {
        let shown = h.feature_importances.len().min(15);
        println!(
            "Feature importances (top {shown} of {}):",
            h.feature_importances.len()
        );
        let mut t = table(&["feature", "importance"]);
        for (name, v) in &h.feature_importances[..shown] {
            t.add_row(vec![name.clone(), num(*v)]);
        }
        println!("{t}");
    }
    println!("Input columns ({}):", h.input_schema.len());
    let mut t = table(&["column", "kind", "categories"]);
    for c in &h.input_schema.columns {
        let cats = c
            .kind
            .categories()
            .map(|c| c.join(", "))
            .unwrap_or_default();
        t.add_row(vec![c.name.clone(), c.kind.name().to_string(), cats]);
    }
    println!("{t}");
}

fn print_profile(p: &Profile) {
    println!("{}: {} rows, {} columns", p.source, p.n_rows, p.n_columns);
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
                .map(|v| format!("{} ({})", v.value, v.count))
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
    println!("{t}");
    if let Some(target) = &p.target {
        print!("Target `{}`: {}", target.name, target.task.name());
        if target.missing > 0 {
            print!(
                ", {} rows without a target (dropped when training)",
                target.missing
            );
        }
        println!();
        if let Some(classes) = &target.classes {
            let list: Vec<String> = classes
                .iter()
                .map(|v| format!("{} {}", v.value, v.count))
                .collect();
            println!("  classes: {}", list.join(", "));
        }
        if let Some(r) = target.imbalance_ratio {
            println!("  imbalance ratio (largest / smallest class): {}", num(r));
        }
        if let Some(n) = &target.numeric {
            println!(
                "  min {} · mean {} · max {}",
                num(n.min),
                num(n.mean),
                num(n.max)
            );
        }
    }
    if !p.warnings.is_empty() {
        println!("Warnings:");
        for w in &p.warnings {
            println!("  - {}", w.message);
        }
    }
}
