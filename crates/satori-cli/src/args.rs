//! The flags several commands share, and reading their inputs: the read options, the
//! target-and-model flags of `train` and `cv`, and the output rule.

use std::path::Path;

use clap::Args;
use satori_core::{Error, Progress, Task};
use satori_data::{ReadOptions, Table, TargetSpec};

use crate::progress::TermProgress;

/// Options for reading a data file, shared by every command that reads one.
#[derive(Debug, Clone, Args, Default)]
pub struct ReadArgs {
    /// Field delimiter (default: detected among , ; tab |). Use `tab` for a tab.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// Strings read as missing, comma-separated (default: "",NA,N/A,NaN,null,?).
    #[arg(long, value_name = "LIST")]
    pub missing: Option<String>,
    /// Columns to treat as categorical, comma-separated.
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Columns to drop, comma-separated.
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub drop: Vec<String>,
    /// A TOML file forcing column kinds (see docs/data.md).
    #[arg(long, value_name = "FILE")]
    pub schema: Option<std::path::PathBuf>,
    /// Read a LIBSVM file's features as one sparse matrix (default: only when a dense table would
    /// exceed 2^28 cells); linear models learn from it without densifying.
    #[arg(long)]
    pub sparse: bool,
}

/// `--task` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TaskArg {
    Regression,
    Binary,
    Multiclass,
}

impl TaskArg {
    /// The forced task.
    pub fn task(self) -> Task {
        match self {
            TaskArg::Regression => Task::Regression,
            TaskArg::Binary => Task::Binary,
            TaskArg::Multiclass => Task::Multiclass,
        }
    }
}

/// What to learn and with which model: shared by `train` and `cv`.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// The target column, or several comma-separated (`--target a,b,c`): one multi-task network
    /// (--model mlp) learns them all, with per-target settings under
    /// `--set tasks.<target>.weight=2` and `tasks.<target>.task=regression` (docs/cli.md).
    #[arg(long, short = 't')]
    pub target: String,
    /// Force the task instead of inferring it from the target (one target).
    #[arg(long, value_enum)]
    pub task: Option<TaskArg>,
    /// The model: a family name that picks the task's variant (gbm, baseline, linear, ridge,
    /// lasso, elastic_net, logistic, poisson, tweedie, sgd, tree, forest, extra_trees, mlp) or a
    /// full kind such as random_forest_classifier (see docs/models.md). Default: gbm (histogram
    /// gradient boosting); mlp (one multi-task network) for several targets.
    /// Early stopping defaults: mlp holds out 10% of the training rows and stops after 10 epochs
    /// without improvement (of at most 200); with --valid, gbm and mlp stop on that file. Turn it
    /// off with --set model.early_stopping=false.
    #[arg(long)]
    pub model: Option<String>,
    /// Override a parameter: path=value, e.g. --set model.strategy=median (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// A TOML pipeline file: preprocessing steps and model (see docs/preprocessing.md).
    #[arg(long, value_name = "FILE")]
    pub pipeline: Option<std::path::PathBuf>,
    /// Resample the training rows for imbalanced classes with an imbalanced-learn sampler, at
    /// its defaults (smote, random_over_sampler, random_under_sampler, tomek_links, near_miss, …;
    /// docs/imbalance.md): a step after the automatic preprocessing, right before the model.
    /// Fit time only: predictions cover every row, and cross-validation resamples only the
    /// training folds.
    #[arg(long, value_name = "SAMPLER")]
    pub resample: Option<String>,
}

impl ModelArgs {
    /// The `--model` name, or the default: boosting for one target, the multi-task network for
    /// several (the only model that learns several at once).
    pub fn model_name(&self) -> String {
        match &self.model {
            Some(m) => m.clone(),
            None if self.target.contains(',') => "mlp".into(),
            None => "gbm".into(),
        }
    }

    /// The target columns (one or several) with the forced task.
    pub fn target_specs(&self) -> anyhow::Result<Vec<TargetSpec>> {
        let names = satori_workflow::parse_targets(&self.target)?;
        let task = self.task.map(TaskArg::task);
        Ok(names
            .into_iter()
            .map(|name| TargetSpec { name, task })
            .collect())
    }

    /// [`ModelArgs::target_specs`], refusing a target that `--drop` removes.
    pub fn target_specs_kept(&self, read: &ReadArgs) -> anyhow::Result<Vec<TargetSpec>> {
        let specs = self.target_specs()?;
        if let Some(t) = specs.iter().find(|t| read.drop.contains(&t.name)) {
            return Err(Error::param(
                "--drop",
                format!(
                    "`{}` is the target (--target), so it cannot be dropped; drop other columns",
                    t.name
                ),
            )
            .into());
        }
        Ok(specs)
    }

    /// The `--set` assignments, parsed.
    pub fn overrides(&self) -> anyhow::Result<Vec<(String, String)>> {
        Ok(self
            .sets
            .iter()
            .map(|s| satori_pipeline::overrides::parse_assignment(s))
            .collect::<Result<_, _>>()?)
    }

    /// The pipeline file's parameter tree, if one was given.
    pub fn pipeline_tree(&self) -> anyhow::Result<Option<serde_json::Value>> {
        let tree = self
            .pipeline
            .as_deref()
            .map(satori_pipeline::pipeline_file::load_pipeline_file)
            .transpose()?;
        self.with_resample(tree)
    }

    /// The parameter tree with the `--resample` sampler appended to its steps, if one was given.
    pub fn with_resample(
        &self,
        tree: Option<serde_json::Value>,
    ) -> anyhow::Result<Option<serde_json::Value>> {
        match &self.resample {
            Some(name) => Ok(Some(satori_pipeline::steps::resample::add_to_tree(
                tree,
                name,
                &self.overrides()?,
            )?)),
            None => Ok(tree),
        }
    }
}

/// Turn the read flags into reader options.
pub fn read_options(args: &ReadArgs) -> anyhow::Result<ReadOptions> {
    let mut opts = ReadOptions::default();
    if let Some(d) = &args.delimiter {
        let byte = match d.as_str() {
            "tab" | "\\t" | "\t" => b'\t',
            s if s.len() == 1 && s.is_ascii() => s.as_bytes()[0],
            s => {
                return Err(Error::param(
                    "--delimiter",
                    format!("`{s}` is not a single ASCII character (use `tab` for a tab)"),
                )
                .into());
            }
        };
        opts.delimiter = Some(byte);
    }
    if let Some(m) = &args.missing {
        opts.missing_markers = m.split(',').map(|s| s.trim().to_string()).collect();
    }
    opts.categorical = args.categorical.clone();
    opts.drop = args.drop.clone();
    if let Some(path) = &args.schema {
        opts.kinds = satori_data::load_schema_file(path)?;
    }
    if args.sparse {
        opts.sparse = Some(true);
    }
    Ok(opts)
}

/// Read a table, with a stage shown as progress.
pub fn read_table(
    path: &Path,
    opts: &ReadOptions,
    progress: &TermProgress,
) -> anyhow::Result<Table> {
    let file = crate::stdio::input(path)?;
    let name = if crate::stdio::is_dash(path) {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    progress.start(&format!("reading {name}"), None);
    let table = satori_data::read_table(&file, opts);
    progress.finish();
    let table = match table {
        Err(e) if crate::stdio::is_dash(path) => {
            // Name standard input, not its temporary copy.
            let text = e.to_string();
            return Err(anyhow::anyhow!(
                "{}",
                text.replace(&file.display().to_string(), "standard input")
            ));
        }
        other => other?,
    };
    for note in &table.notes {
        progress.note(note);
    }
    Ok(table)
}

/// The current time (RFC 3339, UTC) for provenance.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
