//! `satori explain`: why a model predicts what it does.
//!
//! The flags live in `explain_args`; the per-row SHAP values are `explain_shap`, the global views
//! (importances, partial dependence, LIME, tree export, network summary) `explain_insight`, the
//! attention maps `explain_attention`. This module only dispatches.

pub use crate::commands::explain_args::ExplainArgs;
use crate::commands::{explain_attention, explain_insight, explain_shap};
use crate::progress::TermProgress;

pub fn run(args: ExplainArgs, progress: &TermProgress) -> anyhow::Result<()> {
    if args.attention.requested() {
        return explain_attention::run(&args, progress);
    }
    if args.insight.requested() {
        explain_insight::run(&args, progress)
    } else {
        explain_shap::run(&args, progress)
    }
}
