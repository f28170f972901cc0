//! `satori explain` (per-row contributions): SHAP values per input column.

use clap::Args;

use crate::commands::explain::ExplainArgs;
use crate::progress::TermProgress;

/// The flags of per-row explanations.
#[derive(Debug, Args)]
pub struct ShapArgs {
    /// How to compute contributions: auto, tree, linear, kernel, permutation or lime.
    #[arg(long, default_value = "auto")]
    pub method: satori_explain::Method,
}

pub fn run(args: &ExplainArgs, _progress: &TermProgress) -> anyhow::Result<()> {
    anyhow::bail!(
        "--method {} is not available in this build of `satori explain`",
        args.shap.method
    )
}
