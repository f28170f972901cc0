//! `satori cv`: k-fold cross-validation of a model on a data file.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use satori_data::splits::SplitStrategy;
use satori_pipeline::{CvRequest, CvResult, MetricSpec, cross_validate, output};

use crate::ReadArgs;
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;

#[derive(Debug, Args)]
pub struct CvArgs {
    /// The data (CSV, Parquet or LIBSVM).
    pub data: PathBuf,
    #[command(flatten)]
    pub what: super::ModelArgs,
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
    /// Write the out-of-fold predictions here (CSV, one row per data row with a target).
    #[arg(long, value_name = "FILE")]
    pub oof: Option<PathBuf>,
    /// A column to carry into the out-of-fold file.
    #[arg(long, value_name = "COLUMN")]
    pub id: Option<String>,
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
    if args.what.target.contains(',') {
        return Err(satori_core::Error::param(
            "--target",
            format!(
                "cross-validation takes one target, got `{}`; a multi-task model is evaluated on \
                 its holdout by `satori train --target a,b,…`",
                args.what.target
            ),
        )
        .into());
    }
    let opts = super::read_options(&args.read)?;
    let data = super::read_table(&args.data, &opts, progress)?;
    let target = args.what.target_spec();
    // The task decides the default splitter.
    let classification = match target.task {
        Some(t) => t.is_classification(),
        None => data
            .to_dataset(&target)?
            .0
            .task()
            .is_some_and(|t| t.is_classification()),
    };
    let request = CvRequest {
        target,
        model: args.what.model.clone(),
        overrides: args.what.overrides()?,
        pipeline: args.what.pipeline_tree()?,
        strategy: strategy(&args, classification),
        groups: args.groups.clone(),
        seed: args.seed,
    };
    let spec = MetricSpec::from_names(&args.metrics, None)?;
    let result = cross_validate(&data, &request, &spec, progress)?;
    if let Some(path) = &args.oof {
        let Some(oof) = &result.out_of_fold else {
            return Err(satori_core::Error::param(
                "--oof",
                "out-of-fold predictions need every row validated exactly once (not with --repeats or the timeseries splitter)",
            )
            .into());
        };
        let ids = match &args.id {
            Some(name) => {
                let text = output::column_text(&data, name)?;
                let kept = rows_with_target(&data, &args.what.target)?;
                Some((
                    name.as_str(),
                    kept.iter().map(|&i| text[i].clone()).collect::<Vec<_>>(),
                ))
            }
            None => None,
        };
        super::ensure_parent(path)?;
        output::write_predictions(
            path,
            oof,
            ids.as_ref().map(|(n, v)| (*n, v.as_slice())),
            oof.proba.is_some(),
        )?;
    }
    if args.json {
        return print_json(&result);
    }
    print_result(&result, args.oof.as_ref());
    Ok(())
}

fn rows_with_target(data: &satori_data::Table, target: &str) -> anyhow::Result<Vec<usize>> {
    let text = output::column_text(data, target)?;
    let (_, col) = data.column(target)?;
    Ok((0..data.n_rows())
        .filter(|&i| match col {
            satori_data::Column::Values(v) => !v[i].is_nan(),
            satori_data::Column::Strings(v) => v[i].is_some() && !text[i].is_empty(),
        })
        .collect())
}

fn print_result(r: &CvResult, oof: Option<&PathBuf>) {
    println!(
        "{} on {} rows, {} folds ({}), task {}",
        r.model,
        r.n_rows,
        r.folds.len(),
        strategy_name(&r.strategy),
        r.task.name()
    );
    let mut header = vec!["metric".to_string(), "mean ± std".to_string()];
    header.extend(r.folds.iter().map(|f| format!("fold {}", f.fold)));
    let mut t = table(&[]);
    t.set_header(header);
    for (name, s) in &r.summary {
        let mut row = vec![name.clone(), format!("{} ± {}", num(s.mean), num(s.std))];
        row.extend(
            r.folds
                .iter()
                .map(|f| f.scores.get(name).map_or("—".into(), |v| num(*v))),
        );
        t.add_row(row);
    }
    let mut sizes = vec!["train / valid rows".to_string(), String::new()];
    sizes.extend(
        r.folds
            .iter()
            .map(|f| format!("{} / {}", f.n_train, f.n_test)),
    );
    t.add_row(sizes);
    let mut times = vec!["fit seconds".to_string(), String::new()];
    times.extend(r.folds.iter().map(|f| format!("{:.3}", f.fit_seconds)));
    t.add_row(times);
    println!("{t}");
    if let Some(p) = oof {
        println!("Wrote out-of-fold predictions to {}", p.display());
    }
}

fn strategy_name(s: &SplitStrategy) -> &'static str {
    s.name()
}
