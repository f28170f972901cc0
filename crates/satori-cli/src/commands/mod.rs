//! One module per subcommand.

pub mod anomalies;
pub mod cv;
pub mod demo;
pub mod evaluate;
pub mod generate;
pub mod inspect;
pub mod multitask;
pub mod predict;
pub mod train;
pub mod transform;

use std::path::Path;

use anyhow::Context;
use satori_data::{ReadOptions, Table};

use crate::progress::{TermProgress, Verbosity};
use crate::{Command, ReadArgs};

/// Run a subcommand.
pub fn run(command: Command, verbosity: Verbosity) -> anyhow::Result<()> {
    let progress = TermProgress::new(verbosity);
    match command {
        Command::Inspect(a) => inspect::run(a, &progress),
        Command::Train(a) => train::run(a, &progress),
        Command::Predict(a) => predict::run(a, &progress),
        Command::Evaluate(a) => evaluate::run(a, &progress),
        Command::Generate(a) => generate::run(a, &progress),
        Command::Cv(a) => cv::run(a, &progress),
        Command::Transform(a) => transform::run(a, &progress),
        Command::Demo(a) => demo::run(a, &progress),
        Command::Anomalies(a) => anomalies::run(a, &progress),
    }
}

/// What to learn and with which model: shared by `train` and `cv`.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// The target column. `train` also takes several, comma-separated (`--target a,b,c`): one
    /// multi-task network (--model mlp) learns them all, with per-target settings under
    /// `--set tasks.<target>.weight=2` and `tasks.<target>.task=regression` (docs/cli.md).
    #[arg(long, short = 't')]
    pub target: String,
    /// Force the task instead of inferring it from the target.
    #[arg(long, value_enum)]
    pub task: Option<train::TaskArg>,
    /// The model: a family name that picks the task's variant (baseline, linear, ridge, lasso,
    /// elastic_net, logistic, poisson, tweedie, sgd, tree, forest, extra_trees, gbm, mlp) or a
    /// full kind such as random_forest_classifier (see docs/models.md).
    #[arg(long, default_value = "baseline")]
    pub model: String,
    /// Override a parameter: path=value, e.g. --set model.strategy=median (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// A TOML pipeline file: preprocessing steps and model (see docs/preprocessing.md).
    #[arg(long, value_name = "FILE")]
    pub pipeline: Option<std::path::PathBuf>,
}

impl ModelArgs {
    /// The target column and forced task.
    pub fn target_spec(&self) -> satori_data::TargetSpec {
        satori_data::TargetSpec {
            name: self.target.clone(),
            task: self.task.map(train::TaskArg::task),
        }
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
        Ok(self
            .pipeline
            .as_deref()
            .map(satori_pipeline::pipeline_file::load_pipeline_file)
            .transpose()?)
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
                return Err(satori_core::Error::param(
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
    use satori_core::Progress;
    progress.start(&format!("reading {}", path.display()), None);
    let table = satori_data::read_table(path, opts);
    progress.finish();
    let table = table?;
    for note in &table.notes {
        progress.note(note);
    }
    Ok(table)
}

/// The current time (RFC 3339, UTC) for provenance.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Make sure an output's parent directory exists.
pub fn ensure_parent(path: &Path) -> anyhow::Result<()> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    Ok(())
}
