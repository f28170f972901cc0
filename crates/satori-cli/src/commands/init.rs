//! `satori init`: a cold-start model from configuration alone, before any row exists.

use std::path::PathBuf;

use clap::Args;
use satori_core::{ColumnSchema, Error, Schema};
use satori_pipeline::model_file;
use satori_workflow::update::{ColdStart, cold_start};

use crate::args::now;
use crate::progress::TermProgress;
use crate::stdio::check_output;

#[derive(Debug, Args)]
#[command(after_help = "\
The schema file lists the input columns a request will carry, in the format of --schema
(docs/data.md):

  [columns]
  tenure = \"integer\"
  plan = { kind = \"categorical\", categories = [\"basic\", \"pro\"] }
  monthly_fee = \"numeric\"

Examples:
  satori init --schema schema.toml --target churned --classes no,yes --priors 0.9,0.1 --out 1.satori
  satori init --schema schema.toml --target spend --constant 42.5 --out spend.satori

The model answers the priors (or the constant) for every row; `satori update --mode retrain`
(or `satori update --repository DIR`) replaces it by the first trained model that passes the
gate. See docs/updates.md, \"Cold start\".")]
pub struct InitArgs {
    /// The input columns and their kinds (a schema TOML file, as read by --schema).
    #[arg(long, value_name = "FILE")]
    pub schema: PathBuf,
    /// The target column's name.
    #[arg(long)]
    pub target: String,
    /// Classification: the class labels, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        required_unless_present = "constant",
        conflicts_with = "constant"
    )]
    pub classes: Vec<String>,
    /// Classification: each class's prior probability, comma-separated, in the order of
    /// --classes (normalised to sum to 1). Default: equal priors.
    #[arg(long, value_delimiter = ',', requires = "classes")]
    pub priors: Vec<f64>,
    /// Regression: the value predicted for every row.
    #[arg(long, allow_negative_numbers = true)]
    pub constant: Option<f64>,
    /// Where to write the model file.
    #[arg(long, short = 'o')]
    pub out: PathBuf,
}

pub fn run(args: InitArgs, _progress: &TermProgress) -> anyhow::Result<()> {
    check_output("--out", &args.out, &[args.schema.as_path()])?;
    let kinds = satori_data::load_schema_file(&args.schema)?;
    let schema = Schema::new(
        kinds
            .into_iter()
            .map(|(name, kind)| ColumnSchema { name, kind })
            .collect(),
    )?;
    let what = match args.constant {
        Some(v) => ColdStart::Constant(v),
        None => {
            let priors = if args.priors.is_empty() {
                vec![1.0; args.classes.len()]
            } else {
                args.priors.clone()
            };
            ColdStart::Priors {
                classes: args.classes.iter().map(|c| c.trim().to_string()).collect(),
                priors,
            }
        }
    };
    if args.target.trim().is_empty() {
        return Err(Error::param("--target", "must name the target column").into());
    }
    let (header, pipeline) = cold_start(schema, &args.target, &what, Some(now()))?;
    model_file::save(&args.out, &header, &pipeline)?;
    show!(
        "wrote {}: {} for `{}` on {} input columns ({})",
        args.out.display(),
        header.model_kind,
        header.target,
        header.input_schema.len(),
        header
            .provenance
            .data_source
            .as_deref()
            .unwrap_or("cold start")
    );
    Ok(())
}
