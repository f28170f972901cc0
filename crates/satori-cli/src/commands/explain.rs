//! `satori explain`: why a model predicts what it does.
//!
//! The arguments every explanation shares live here; the SHAP side (per-row contributions,
//! `--method`) is `explain_shap`, the global side (importances, partial dependence, tree export,
//! network summary) is `explain_insight`. Each owns its flags through a flattened struct.

use std::path::PathBuf;

use clap::Args;
use satori_explain::RowRange;

use crate::args::ReadArgs;
use crate::commands::{explain_insight, explain_shap};
use crate::progress::TermProgress;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
satori explain model.satori data.csv --rows 0:100 --out shap.csv\n  \
satori explain model.satori data.csv --global --out importance.csv\n  \
satori explain model.satori --tree 3 --format dot --out tree3.dot\n  \
satori explain ftt.satori data.csv --attention --rows 0:100 --out attention.csv --report attention.html")]
pub struct ExplainArgs {
    /// The model file.
    pub model: PathBuf,
    /// The data whose predictions to explain (columns matched to the model's by name). Not needed
    /// for `--tree` or `--summary`.
    pub data: Option<PathBuf>,
    /// The rows to explain, START:END (0-based, END excluded), e.g. 0:100; default every row.
    #[arg(long, value_name = "START:END")]
    pub rows: Option<RowRange>,
    /// Where to write the result (CSV, or the `--format` of a tree; `-` or nothing for standard
    /// output where the result is text).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Also draw the explanation as an HTML report with pictures.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
    /// Seed of every random draw: the background sample and the sampling explainers, --global's
    /// shuffles, --drop-column's folds, --lime's samples.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub shap: explain_shap::ShapArgs,
    #[command(flatten)]
    pub insight: explain_insight::InsightArgs,
    #[command(flatten)]
    pub attention: crate::commands::explain_attention::AttentionArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(args: ExplainArgs, progress: &TermProgress) -> anyhow::Result<()> {
    if args.attention.requested() {
        return crate::commands::explain_attention::run(&args, progress);
    }
    if args.insight.requested() {
        explain_insight::run(&args, progress)
    } else {
        explain_shap::run(&args, progress)
    }
}
