//! The flags of `satori explain`: those every view shares ([`ExplainArgs`]) and each view's own
//! (flattened into it). The views' code (`explain_shap`, `explain_insight`, `explain_attention`)
//! reads them from here, and `explain` dispatches, so no module imports its caller.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use satori_explain::RowRange;

use crate::args::ReadArgs;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
satori explain model.satori data.csv --rows 0:100 --out shap.csv\n  \
satori explain model.satori data.csv --global --out importance.csv\n  \
satori explain model.satori --tree 3 --format dot --out tree3.dot\n  \
satori explain mlp.satori --summary --format svg --out network.svg\n  \
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
    pub shap: ShapArgs,
    #[command(flatten)]
    pub insight: InsightArgs,
    #[command(flatten)]
    pub attention: AttentionArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The flags of per-row explanations.
#[derive(Debug, Args)]
pub struct ShapArgs {
    /// How to compute contributions: auto (tree for tree models, linear for linear models,
    /// permutation otherwise), tree, linear, kernel or permutation.
    #[arg(long, default_value = "auto")]
    pub method: satori_explain::Method,
    /// Rows that absent columns are drawn from (a CSV with the model's input columns):
    /// interventional TreeSHAP, linear SHAP's means, KernelSHAP and the permutation explainer.
    /// Default: rows of the data itself (path-dependent TreeSHAP needs none).
    #[arg(long, value_name = "FILE")]
    pub background: Option<PathBuf>,
    /// Rows drawn (seeded) from the background; default 100 for kernel, permutation and
    /// interventional TreeSHAP, every row for linear SHAP.
    #[arg(long, value_name = "N")]
    pub background_size: Option<usize>,
    /// Also write SHAP interaction values (TreeSHAP): one column `a*b` per pair of columns.
    #[arg(long)]
    pub interactions: bool,
    /// Coalitions evaluated per row by KernelSHAP (default 2·columns + 2048) or the permutation
    /// explainer (default about 500).
    #[arg(long, value_name = "N")]
    pub evaluations: Option<usize>,
    /// Columns listed in the summary of the strongest contributions.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
}

/// How `--tree` writes a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TreeFormat {
    /// Indented text, scikit-learn's `export_text`.
    Text,
    /// Graphviz DOT, scikit-learn's `export_graphviz`.
    Dot,
    /// A standalone SVG picture.
    Svg,
}

/// The flags of global explanations.
#[derive(Debug, Args)]
pub struct InsightArgs {
    /// Global importances: permutation importance of every input column on the data (which must
    /// hold the target), written as CSV column,importance_mean,importance_std.
    #[arg(long)]
    pub global: bool,
    /// Drop-column importance: cross-validate the model's settings with every input column,
    /// then without each column on the same folds, and report the score each one's absence
    /// costs (same CSV as --global; columns + 1 cross-validations).
    #[arg(long)]
    pub drop_column: bool,
    /// Folds of --drop-column's cross-validation.
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub folds: usize,
    /// The metric importances are measured in (any metric `satori evaluate` knows; default
    /// r2 for regression, accuracy for classification).
    #[arg(long, value_name = "NAME")]
    pub metric: Option<String>,
    /// Shuffles per column for --global.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub repeats: usize,
    /// Partial dependence of one input column or two (COL or COL1,COL2), written as CSV: the
    /// grid, then the averaged prediction per output.
    #[arg(long, value_name = "COL[,COL2]", value_delimiter = ',')]
    pub pdp: Vec<String>,
    /// With --pdp on one column: write the ICE curves (one per row) instead of the average.
    #[arg(long)]
    pub ice: bool,
    /// Grid points per numeric column for --pdp (fewer distinct values use those values).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub grid_resolution: usize,
    /// LIME: a local linear surrogate around each of --rows (default the first row), written as
    /// CSV row,output,column,condition,weight. LIME weights are not additive (unlike SHAP).
    #[arg(long)]
    pub lime: bool,
    /// Perturbed samples per row for --lime.
    #[arg(long, default_value_t = 5000, value_name = "N")]
    pub lime_samples: usize,
    /// Export tree N (0-based) of a tree model: a decision tree (tree 0), or one tree of a
    /// forest, boosting or AdaBoost model.
    #[arg(long, value_name = "N")]
    pub tree: Option<usize>,
    /// How --tree (text, dot or svg) or --summary (text, or svg: a diagram of the network) is
    /// written.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TreeFormat,
    /// With --tree: fill DOT and SVG nodes with scikit-learn's colours.
    #[arg(long)]
    pub filled: bool,
    /// With --tree: the deepest level written (deeper nodes are elided).
    #[arg(long, value_name = "DEPTH")]
    pub max_depth: Option<usize>,
    /// A neural network's layers, output shapes and parameter counts (Keras' `summary()`);
    /// with `--format svg`, a diagram of the network (Keras' `plot_model`).
    #[arg(long)]
    pub summary: bool,
}

impl InsightArgs {
    /// Whether the user asked for a global view (else the per-row contributions run).
    pub fn requested(&self) -> bool {
        !self.views().is_empty()
    }

    pub(crate) fn views(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.global {
            v.push("--global");
        }
        if !self.pdp.is_empty() {
            v.push("--pdp");
        }
        if self.tree.is_some() {
            v.push("--tree");
        }
        if self.drop_column {
            v.push("--drop-column");
        }
        if self.lime {
            v.push("--lime");
        }
        if self.summary {
            v.push("--summary");
        }
        v
    }
}

/// The flags of attention maps.
#[derive(Debug, Args)]
pub struct AttentionArgs {
    /// Write the attention maps of an ft_transformer model: with `--out FILE.csv` (or `-`) every
    /// row's maps and their mean (columns row, block, head, query, key, attention), with `--out
    /// FILE.svg` the heat map averaged over rows, blocks and heads, with `--report FILE.html` a
    /// page of heat maps (averaged, and per block and head).
    #[arg(long)]
    pub attention: bool,
}

impl AttentionArgs {
    /// Whether the user asked for attention maps.
    pub fn requested(&self) -> bool {
        self.attention
    }
}
