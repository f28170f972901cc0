//! `satori export`: a model file in another runtime's format (ONNX).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use satori_onnx::Port;
use satori_pipeline::model_file;
use serde::Serialize;

use crate::output::print_json;
use crate::progress::TermProgress;

/// The formats `satori export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// ONNX (opset 17, ai.onnx.ml 3), for ONNX Runtime and other ONNX runtimes.
    Onnx,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
satori export model.satori --format onnx --out model.onnx\n  \
satori export model.satori --out model.onnx --json\n\n\
The ONNX model takes one [N, 1] tensor per input column (double for numbers, string for \
categories) and gives `label` and `probabilities` (classifiers) or `variable` (regressors); a \
step or model without an ONNX equivalent is an error naming it. See docs/onnx.md.")]
pub struct ExportArgs {
    /// The model file.
    pub model: PathBuf,
    /// The format to write.
    #[arg(long, value_enum, default_value = "onnx")]
    pub format: ExportFormat,
    /// Where to write the exported model (written complete or not at all).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct PortJson {
    name: String,
    #[serde(rename = "type")]
    elem: &'static str,
    shape: Vec<Option<usize>>,
}

#[derive(Debug, Serialize)]
struct ExportJson {
    command: &'static str,
    model: String,
    format: &'static str,
    out: String,
    bytes: usize,
    opset: i64,
    ml_opset: i64,
    inputs: Vec<PortJson>,
    outputs: Vec<PortJson>,
}

fn ports(ports: &[Port]) -> Vec<PortJson> {
    ports
        .iter()
        .map(|p| PortJson {
            name: p.name.clone(),
            elem: p.elem.type_name(),
            shape: p.shape.clone(),
        })
        .collect()
}

pub fn run(args: ExportArgs, _progress: &TermProgress) -> anyhow::Result<()> {
    satori_core::fs::check_output_path(&args.out)?;
    satori_core::fs::refuse_overwriting_inputs("--out", &args.out, &[&args.model])?;
    let (_, pipeline) = model_file::load(&args.model)?;
    let ExportFormat::Onnx = args.format;
    let model = satori_onnx::export_to_file(&pipeline, &args.out)?;
    if args.json {
        return print_json(&ExportJson {
            command: "export",
            model: args.model.display().to_string(),
            format: "onnx",
            out: args.out.display().to_string(),
            bytes: model.bytes.len(),
            opset: satori_onnx::OPSET,
            ml_opset: satori_onnx::ML_OPSET,
            inputs: ports(&model.inputs),
            outputs: ports(&model.outputs),
        });
    }
    show!(
        "Wrote {} (ONNX, opset {}, ai.onnx.ml {}; {} bytes)",
        args.out.display(),
        satori_onnx::OPSET,
        satori_onnx::ML_OPSET,
        model.bytes.len()
    );
    show!("Inputs ({}):", model.inputs.len());
    for p in &model.inputs {
        show!("  {}", p.describe());
    }
    show!("Outputs:");
    for p in &model.outputs {
        show!("  {}", p.describe());
    }
    Ok(())
}
