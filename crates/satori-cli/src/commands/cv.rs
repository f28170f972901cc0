//! `satori cv`: k-fold cross-validation of a model on a data file.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use satori_data::splits::SplitStrategy;
use satori_pipeline::FittedTarget;
use satori_workflow::output::{column_text, write_predictions};
use satori_workflow::{
    CvRequest, CvResult, MetricSpec, cross_validate, cross_validate_distributed,
};

use super::train_distributed::stop_all_on_error;

use crate::args::{ModelArgs, ReadArgs, read_options, read_table};
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;
use crate::stdio::Output;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct CvArgs {
    /// The data (CSV, Parquet or LIBSVM).
    pub data: PathBuf,
    #[command(flatten)]
    pub what: ModelArgs,
    /// Number of folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Repeat the (shuffled) folds this many times with different seeds.
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    /// How to split (default: stratified for classification, kfold for regression).
    #[arg(long, value_enum)]
    pub splitter: Option<Splitter>,
    /// Shuffle rows before splitting (kfold, stratified).
    #[arg(long)]
    pub shuffle: bool,
    /// A column of group labels: no group is split across train and validation (group splitter).
    #[arg(long, value_name = "COLUMN")]
    pub groups: Option<String>,
    /// Seed for shuffling and stochastic models.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// A metric to compute besides the task's defaults (repeatable; names or combinations).
    #[arg(long = "metric", value_name = "METRIC")]
    pub metrics: Vec<String>,
    /// Write the out-of-fold predictions here (CSV, `-` for standard output; one row per data
    /// row with a target): the
    /// --id columns, the true target, then the predictions as `satori predict` writes them, so
    /// `satori evaluate --predictions FILE --target <target>` scores it as it is.
    #[arg(long, value_name = "FILE")]
    pub oof: Option<PathBuf>,
    /// Columns to carry into the out-of-fold file (comma-separated or repeated).
    #[arg(long, value_name = "COLUMN", value_delimiter = ',')]
    pub id: Vec<String>,
    /// Spread the folds over the ranks of an MPI job (`mpirun -np 4 satori cv DATA
    /// --distributed …`): every rank reads the whole data, rank r fits folds r, r + N, …, and
    /// rank 0 gathers them and prints the same result as one process. Needs a binary built
    /// with `--features distributed` (docs/distributed.md).
    #[arg(long)]
    pub distributed: bool,
    /// Print a JSON result instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Splitter {
    /// Consecutive blocks (scikit-learn KFold).
    Kfold,
    /// Class proportions kept per fold (StratifiedKFold).
    Stratified,
    /// Groups never straddle train and validation (GroupKFold; needs --groups).
    Group,
    /// Expanding window for time-ordered rows (TimeSeriesSplit).
    Timeseries,
}

fn strategy(args: &CvArgs, classification: bool) -> SplitStrategy {
    let splitter = args.splitter.unwrap_or(if args.groups.is_some() {
        Splitter::Group
    } else if classification {
        Splitter::Stratified
    } else {
        Splitter::Kfold
    });
    let (n_splits, seed) = (args.folds, args.seed);
    match (splitter, args.repeats > 1) {
        (Splitter::Kfold, true) => SplitStrategy::RepeatedKFold {
            n_splits,
            n_repeats: args.repeats,
            seed,
        },
        (Splitter::Stratified, true) => SplitStrategy::RepeatedStratifiedKFold {
            n_splits,
            n_repeats: args.repeats,
            seed,
        },
        (Splitter::Kfold, false) => SplitStrategy::KFold {
            n_splits,
            shuffle: args.shuffle,
            seed,
        },
        (Splitter::Stratified, false) => SplitStrategy::StratifiedKFold {
            n_splits,
            shuffle: args.shuffle,
            seed,
        },
        (Splitter::Group, _) => SplitStrategy::GroupKFold { n_splits },
        (Splitter::Timeseries, _) => SplitStrategy::TimeSeriesSplit {
            n_splits,
            max_train_size: None,
            test_size: None,
            gap: 0,
        },
    }
}

pub fn run(args: CvArgs, progress: &TermProgress) -> anyhow::Result<()> {
    if args.repeats == 0 {
        return Err(satori_core::Error::param("--repeats", "must be at least 1").into());
    }
    if args.repeats > 1 && matches!(args.splitter, Some(Splitter::Group | Splitter::Timeseries)) {
        return Err(satori_core::Error::param(
            "--repeats",
            "repetition needs the kfold or stratified splitter",
        )
        .into());
    }
    let specs = args.what.target_specs_kept(&args.read)?;
    if args.distributed && crate::stdio::is_dash(&args.data) {
        return Err(satori_core::Error::param(
            "--distributed",
            "every rank reads the data: give a file, not standard input",
        )
        .into());
    }
    let oof_out = match &args.oof {
        Some(path) => {
            let mut inputs = vec![args.data.as_path()];
            inputs.extend(args.what.pipeline.as_deref());
            Some(Output::new("--oof", path, &inputs)?)
        }
        None => None,
    };
    let opts = read_options(&args.read)?;
    let data = read_table(&args.data, &opts, progress)?;
    // The first target's task decides the default splitter.
    let first = &specs[0];
    let classification = match first.task {
        Some(t) => t.is_classification(),
        None => data
            .to_dataset(first)?
            .0
            .task()
            .is_some_and(|t| t.is_classification()),
    };
    let several = specs.len() > 1;
    let request = CvRequest {
        targets: specs,
        model: args.what.model_name(),
        overrides: args.what.overrides()?,
        pipeline: args.what.pipeline_tree()?,
        strategy: strategy(&args, classification),
        groups: args.groups.clone(),
        seed: args.seed,
    };
    let spec = MetricSpec::from_names(&args.metrics, None)?;
    // The splitters name their fold count `n_splits`; on the command line it is `--folds`.
    let folds_flag = |e| match e {
        satori_core::Error::InvalidParameter { name, reason } if name == "n_splits" => {
            satori_core::Error::param("--folds", reason)
        }
        other => other,
    };
    // MPI stays up (the communicator alive) until this command returns.
    let world = if args.distributed {
        Some(satori_distributed::world()?)
    } else {
        None
    };
    let result = match &world {
        Some(comm) => {
            let comm = comm.as_ref();
            let quiet = satori_core::NoProgress;
            let shown: &dyn satori_core::Progress =
                if comm.rank() == 0 { progress } else { &quiet };
            let r =
                cross_validate_distributed(&data, &request, &spec, comm, shown).map_err(folds_flag);
            match stop_all_on_error(comm, r.map_err(Into::into))? {
                Some(r) => r,
                None => return Ok(()),
            }
        }
        None => cross_validate(&data, &request, &spec, progress).map_err(folds_flag)?,
    };
    if let Some(out) = &oof_out {
        let Some(oof) = &result.out_of_fold else {
            return Err(satori_core::Error::param(
                "--oof",
                "out-of-fold predictions need every row validated exactly once (not with --repeats or the timeseries splitter)",
            )
            .into());
        };
        // The id columns, then each target's truth (once, if it is also an id column).
        let mut names: Vec<&String> = args.id.iter().collect();
        for t in &result.targets {
            if !names.contains(&t) {
                names.push(t);
            }
        }
        let ids = names
            .into_iter()
            .map(|name| {
                let text = column_text(&data, name)?;
                Ok((
                    name.clone(),
                    result.rows.iter().map(|&i| text[i].clone()).collect(),
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let targets: Vec<FittedTarget> = result
            .targets
            .iter()
            .zip(oof)
            .map(|(name, p)| FittedTarget {
                name: name.clone(),
                task: p.task,
                classes: p.classes.clone(),
            })
            .collect();
        let proba = oof.iter().any(|p| p.proba.is_some());
        write_predictions(out.path(), &targets, oof, &ids, proba)?;
    }
    // The score to beat: the task's baseline (prior / mean) on the same folds, as the demo
    // prints it. Several targets have no baseline model (it learns one target).
    let baseline = if several || result.model == "baseline" {
        None
    } else {
        let request = CvRequest {
            model: "baseline".into(),
            overrides: Vec::new(),
            pipeline: None,
            ..request
        };
        Some(cross_validate(
            &data,
            &request,
            &spec,
            &satori_core::NoProgress,
        )?)
    };
    let to_stdout = oof_out.as_ref().is_some_and(Output::is_stdout);
    if let Some(out) = oof_out {
        out.finish()?;
    }
    if to_stdout {
        return Ok(());
    }
    if args.json {
        return print_json(&CvJson {
            result: &result,
            baseline: baseline.as_ref().map(|b| BaselineJson {
                model: &b.model,
                summary: &b.summary,
            }),
        });
    }
    print_result(&result, baseline.as_ref(), args.oof.as_ref());
    Ok(())
}

/// The `--json` result of `satori cv` (schema in docs/cli.md).
#[derive(Serialize)]
struct CvJson<'a> {
    #[serde(flatten)]
    result: &'a CvResult,
    /// The baseline on the same folds (`null` for the baseline itself and for several targets).
    baseline: Option<BaselineJson<'a>>,
}

#[derive(Serialize)]
struct BaselineJson<'a> {
    model: &'a str,
    summary: &'a std::collections::BTreeMap<String, satori_workflow::MetricSummary>,
}

fn print_result(r: &CvResult, baseline: Option<&CvResult>, oof: Option<&PathBuf>) {
    show!(
        "{} on {} rows, {} folds ({}), {}",
        r.model,
        r.n_rows,
        r.folds.len(),
        strategy_name(&r.strategy),
        match r.targets.len() {
            1 => format!("task {}", r.task.name()),
            n => format!("{n} targets ({})", r.targets.join(", ")),
        }
    );
    let mut header = vec!["metric".to_string(), "mean ± std".to_string()];
    if baseline.is_some() {
        header.push("baseline".to_string());
    }
    header.extend(r.folds.iter().map(|f| format!("fold {}", f.fold)));
    let mut t = table(&[]);
    t.set_header(header);
    for (name, s) in &r.summary {
        let mut row = vec![name.clone(), format!("{} ± {}", num(s.mean), num(s.std))];
        if let Some(b) = baseline {
            row.push(b.summary.get(name).map_or("—".into(), |b| num(b.mean)));
        }
        row.extend(
            r.folds
                .iter()
                .map(|f| f.scores.get(name).map_or("—".into(), |v| num(*v))),
        );
        t.add_row(row);
    }
    let blank = if baseline.is_some() { 2 } else { 1 };
    let mut sizes = vec!["train / valid rows".to_string()];
    sizes.extend(std::iter::repeat_n(String::new(), blank));
    sizes.extend(
        r.folds
            .iter()
            .map(|f| format!("{} / {}", f.n_train, f.n_test)),
    );
    t.add_row(sizes);
    let mut times = vec!["fit seconds".to_string()];
    times.extend(std::iter::repeat_n(String::new(), blank));
    times.extend(r.folds.iter().map(|f| format!("{:.3}", f.fit_seconds)));
    t.add_row(times);
    show!("{t}");
    if let Some(b) = baseline {
        show!(
            "baseline: the {} ({}) on the same folds — the score to beat",
            b.model,
            if r.task.is_classification() {
                "most frequent class"
            } else {
                "mean of the training target"
            }
        );
    }
    if let Some(p) = oof {
        show!("Wrote out-of-fold predictions to {}", p.display());
    }
}

fn strategy_name(s: &SplitStrategy) -> &'static str {
    s.name()
}
