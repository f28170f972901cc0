//! `satori update`: a saved model learns from new rows; the champion/challenger gate decides
//! whether the result is written.

use std::path::{Path, PathBuf};

use clap::Args;
use satori_core::Error;
use satori_pipeline::model_file;
use satori_workflow::update::{
    Blend, HalfLife, UpdateKind, UpdateOutcome, UpdateRequest, sha256_hex, update,
};
use satori_workflow::validation_read_options;
use serde::Serialize;

use crate::args::{ReadArgs, now, read_options, read_table};
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;
use crate::show::print_evaluation;
use crate::stdio::check_output;

/// The exit code of an update the gate rejected (the command worked; the model was not
/// replaced).
pub const REJECTED_EXIT_CODE: u8 = 4;

#[derive(Debug, Args)]
#[command(after_help = "\
Modes (--mode; the default is the model's first):
  add-trees    boosting: more rounds on the new rows, from the model's own scores
  refit        boosting: the trees keep their splits, leaf values refitted (--decay-rate)
  window       random forest, extra trees: trees grown on the new rows replace the oldest
  partial-fit  mlp, sgd: more epochs/passes from the current weights (--epochs)
  retrain      any model, e.g. the first real model after a cold start: a new model (--model)
               trained on the new rows, gated against the parent

Exit codes: 0 accepted (written), 4 rejected by the gate (nothing written, or --keep-rejected),
1 bad input, 2 internal error.

Examples:
  satori update churn.satori march.csv --out churn-march.satori
  satori update churn.satori march.csv --out next.satori --mode refit --decay-rate 0.8
  satori update churn.satori march.csv --out next.satori --valid gate.csv --tolerance 0.005
  satori update churn.satori march.csv --out next.satori --time-column day --half-life 30d
  satori update --repository models/churn march.csv     # writes models/churn/<next>.satori")]
pub struct UpdateArgs {
    /// The model file and the new rows (CSV, Parquet): `MODEL DATA`, or `DATA` alone with
    /// --repository (the parent is the repository's highest version).
    #[arg(num_args = 1..=2, required = true, value_name = "MODEL DATA")]
    pub paths: Vec<PathBuf>,
    /// Where to write the updated model if the gate accepts it.
    #[arg(long, short = 'o', required_unless_present = "repository")]
    pub out: Option<PathBuf>,
    /// A model folder of a served repository (`models/churn`): the parent is its highest
    /// version, and an accepted update is written as the next version, which `satori serve
    /// --repository` swaps in.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub repository: Option<PathBuf>,
    /// add-trees, refit, window, partial-fit or retrain.
    #[arg(long)]
    pub mode: Option<String>,
    /// add-trees: rounds to add (default: a tenth of the model's rounds, at least 10).
    #[arg(long, value_name = "N")]
    pub rounds: Option<usize>,
    /// refit: the weight of the old leaf values, in [0, 1] (LightGBM's refit decay_rate).
    #[arg(long, value_name = "RATE", default_value_t = 0.9)]
    pub decay_rate: f64,
    /// window: trees to replace (default: a quarter of the forest).
    #[arg(long, value_name = "N")]
    pub trees: Option<usize>,
    /// partial-fit: epochs (networks) or passes (SGD) over the new rows.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub epochs: usize,
    /// retrain: the model to train (a --model name of `satori train`; default gbm).
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// A gate file (same columns, with the target) scored instead of a holdout of the new rows.
    #[arg(long, value_name = "FILE")]
    pub valid: Option<PathBuf>,
    /// Fraction of the new rows held out for the gate (the most recent with --time-column).
    #[arg(long, default_value_t = 0.2, conflicts_with = "valid")]
    pub holdout: f64,
    /// The largest loss on the gate metric the update may have against its parent.
    #[arg(long, default_value_t = 0.002)]
    pub tolerance: f64,
    /// The gate metric (default: roc_auc binary, log_loss multiclass, rmse regression).
    #[arg(long, value_name = "METRIC")]
    pub metric: Option<String>,
    /// auto: weigh the added trees (parent + w · new, w chosen on half the gate rows); none.
    #[arg(long, default_value = "none", value_parser = ["auto", "none"])]
    pub blend: String,
    /// Learn from the most recent N new rows only (a sliding window).
    #[arg(long, value_name = "N")]
    pub window: Option<usize>,
    /// A column ordering the rows in time (numbers or dates); need not be a model input.
    #[arg(long, value_name = "COL")]
    pub time_column: Option<String>,
    /// Weigh rows by age: 0.5^(age / half-life); 30d, 12h (dates), or a number (the time
    /// column's units, or rows without one).
    #[arg(long, value_name = "AGE")]
    pub half_life: Option<String>,
    /// Seed of the holdout and of new trees.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write a rejected update here (for inspection); the exit code is still 4.
    #[arg(long, value_name = "PATH")]
    pub keep_rejected: Option<PathBuf>,
    /// Print a JSON result instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The gate rejected the update: the command worked, and the process exits with
/// [`REJECTED_EXIT_CODE`].
#[derive(Debug)]
pub struct UpdateRejected {
    pub message: String,
}

impl std::fmt::Display for UpdateRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UpdateRejected {}

#[derive(Serialize)]
struct UpdateJson<'a> {
    command: &'static str,
    parent: String,
    data: String,
    mode: String,
    n_train: usize,
    n_gate: usize,
    blend_weight: Option<f64>,
    gate: &'a satori_pipeline::model_file::GateRecord,
    accepted: bool,
    written: Option<String>,
    lineage: Option<&'a satori_pipeline::model_file::Lineage>,
}

/// The highest `<N>.satori` version of a repository model folder and the next path.
fn repository_paths(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let Some((n, latest)) = satori_serve::repository::latest_version(dir) else {
        return Err(Error::InvalidData(format!(
            "{} holds no model version (<N>.satori); put a first one there (e.g. from `satori \
             init` or `satori train`)",
            dir.display()
        ))
        .into());
    };
    Ok((latest, dir.join(format!("{}.satori", n + 1))))
}

pub fn run(args: UpdateArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let (parent_path, data_path, out) = match (&args.repository, args.paths.as_slice()) {
        (Some(dir), [data]) => {
            let (latest, next) = repository_paths(dir)?;
            (latest, data.clone(), next)
        }
        (Some(_), _) => {
            return Err(Error::param(
                "--repository",
                "give the new rows alone (the parent is the repository's highest version)",
            )
            .into());
        }
        (None, [model, data]) => (
            model.clone(),
            data.clone(),
            args.out.clone().unwrap_or_default(),
        ),
        (None, _) => {
            return Err(Error::param(
                "satori update",
                "give the model file and the new rows: satori update MODEL DATA --out NEXT",
            )
            .into());
        }
    };
    let mut inputs: Vec<&Path> = vec![&parent_path, &data_path];
    inputs.extend(args.valid.as_deref());
    check_output("--out", &out, &inputs)?;
    if let Some(keep) = &args.keep_rejected {
        let mut all = inputs.clone();
        all.push(&out);
        check_output("--keep-rejected", keep, &all)?;
    }
    let mode = args.mode.as_deref().map(UpdateKind::parse).transpose()?;
    if args.model.is_some() && mode != Some(UpdateKind::Retrain) {
        return Err(Error::param("--model", "only with --mode retrain").into());
    }
    let half_life = args.half_life.as_deref().map(HalfLife::parse).transpose()?;
    let bytes = std::fs::read(&parent_path).map_err(|e| Error::io(&parent_path, e))?;
    let (header, parent) = model_file::from_bytes(&parent_path, &bytes)?;
    let sha = sha256_hex(&bytes);
    drop(bytes);
    let opts = parent.read_options(read_options(&args.read)?);
    let data = read_table(&data_path, &opts, progress)?;
    let mut request = UpdateRequest::new(parent, header, sha, parent_path.display().to_string());
    request.mode = mode;
    request.rounds = args.rounds;
    request.decay = args.decay_rate;
    request.trees = args.trees;
    request.epochs = args.epochs;
    request.retrain_model = args.model.clone();
    request.holdout = args.holdout;
    if let Some(path) = &args.valid {
        let targets = request.parent.target_names();
        let targets: Vec<String> = targets.iter().map(|t| t.to_string()).collect();
        let vopts = validation_read_options(&data, &targets, opts.clone());
        request.validation = Some(read_table(path, &vopts, progress)?);
    }
    request.tolerance = args.tolerance;
    request.metric = args.metric.clone();
    request.blend = if args.blend == "auto" {
        Blend::Auto
    } else {
        Blend::None
    };
    request.window = args.window;
    request.time_column = args.time_column.clone();
    request.half_life = half_life;
    request.seed = args.seed;
    request.data_source = Some(data_path.display().to_string());
    request.created_at = Some(now());
    let outcome = update(&data, &request, progress)?;
    let written = if outcome.accepted {
        Some(out.clone())
    } else {
        args.keep_rejected.clone()
    };
    if let Some(path) = &written {
        model_file::save(path, &outcome.header, &outcome.pipeline)?;
    }
    report(
        &args,
        &parent_path,
        &data_path,
        &outcome,
        written.as_deref(),
        progress,
    )?;
    if outcome.accepted {
        return Ok(());
    }
    let g = &outcome.gate;
    Err(UpdateRejected {
        message: format!(
            "update rejected by the gate: {} {} → {} (worse by more than the tolerance {}); {} \
             not written{}",
            g.metric,
            num(g.champion),
            num(g.challenger),
            num(g.tolerance),
            out.display(),
            args.keep_rejected
                .as_ref()
                .map(|k| format!(" (kept as {})", k.display()))
                .unwrap_or_default()
        ),
    }
    .into())
}

fn report(
    args: &UpdateArgs,
    parent: &Path,
    data: &Path,
    o: &UpdateOutcome,
    written: Option<&Path>,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    if args.json {
        return print_json(&UpdateJson {
            command: "update",
            parent: parent.display().to_string(),
            data: data.display().to_string(),
            mode: o.mode_detail.clone(),
            n_train: o.n_train,
            n_gate: o.n_gate,
            blend_weight: o.blend_weight,
            gate: &o.gate,
            accepted: o.accepted,
            written: written.map(|p| p.display().to_string()),
            lineage: o.header.lineage.as_ref(),
        });
    }
    let g = &o.gate;
    show!(
        "Updated {} on {} rows of {}: {}",
        parent.display(),
        o.n_train,
        data.display(),
        o.mode_detail
    );
    if let Some(e) = &o.evaluation {
        print_evaluation(&e.evaluation, &e.target, progress);
    }
    show!(
        "Gate on {} ({}, tolerance {}):",
        g.on,
        if g.greater_is_better {
            "higher is better"
        } else {
            "lower is better"
        },
        num(g.tolerance)
    );
    let mut t = table(&["model", &g.metric]);
    t.add_row(vec!["champion (parent)".to_string(), num(g.champion)]);
    t.add_row(vec!["challenger (update)".to_string(), num(g.challenger)]);
    show!("{t}");
    match (o.accepted, written) {
        (true, Some(p)) => show!("accepted: wrote {}", p.display()),
        (false, Some(p)) => show!("rejected: kept the update as {}", p.display()),
        (_, None) => show!("rejected: nothing written"),
    }
    if let Some(l) = &o.header.lineage {
        show!(
            "lineage: update {} of the model, {} rows seen in all",
            l.update_count,
            l.rows_seen
        );
    }
    Ok(())
}
