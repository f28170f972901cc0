//! `satori explain` (global views): importances, partial dependence, tree export, summaries.

use clap::Args;

use crate::commands::explain::ExplainArgs;
use crate::progress::TermProgress;

/// The flags of global explanations.
#[derive(Debug, Args)]
pub struct InsightArgs {
    /// Write global importances (permutation importance) instead of per-row contributions.
    #[arg(long)]
    pub global: bool,
}

impl InsightArgs {
    /// Whether the user asked for a global view (else the per-row contributions run).
    pub fn requested(&self) -> bool {
        self.global
    }
}

pub fn run(_args: &ExplainArgs, _progress: &TermProgress) -> anyhow::Result<()> {
    anyhow::bail!("--global is not available in this build of `satori explain`")
}
