//! `satori tune`: search a model's parameters by cross-validation, then refit the best.

use std::path::{Path, PathBuf};

use clap::Args;
use satori_pipeline::model_file;
use satori_tune::MultiSampler;
use satori_tune::auto::AutoEntry;
use satori_tune::cv_search::{
    StudyFile, TuneOutcome, TuneRequest, override_text, parse_duration, tune,
};
use satori_tune::multi_search::{CostObjective, tune_multi};
use satori_tune::{AutoOutcome, Direction, SearchSpace, TrialRecord, TrialState, auto_select};
use satori_workflow::{TrainRequest, train, validation_read_options};
use serde::Serialize;

use crate::args::{ModelArgs, ReadArgs, now, read_options, read_table};
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;
use crate::report::{ReportOutputs, check_plots_named, say_written, write_pictures};
use crate::stdio::check_output;
use satori_report::{TuneReportInput, render_tune_report, tune_report_charts};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  satori tune data/breast_cancer.csv --target diagnosis --model gbm --trials 30\n  \
satori tune data.csv --target y --model logistic --search 'model.C=float(0.01,10,log)' --out best.satori\n  \
satori tune data.csv --target y --model auto --time-budget 10m --out best.satori   (chooses the family too)"
)]
pub struct TuneArgs {
    /// The data (CSV, Parquet or LIBSVM).
    pub data: PathBuf,
    #[command(flatten)]
    pub what: ModelArgs,
    /// A parameter to search, PATH=SPEC: float(lo,hi[,log][,step=S]), int(lo,hi[,log][,step=S]),
    /// choice(a,b,…), optionally followed by `if PARENT=v1|v2` (repeatable; see docs/tuning.md).
    /// Default: the pipeline file's [search] table, else the model family's own space.
    #[arg(long = "search", value_name = "PATH=SPEC")]
    pub search: Vec<String>,
    /// The sampler: tpe (default; Optuna's TPE), random, grid, tpe-multivariate, sobol, lhs
    /// (spanning --trials), gp (Gaussian process, expected improvement), cmaes, ga (genetic);
    /// with --objective: nsga2 (default) or random.
    #[arg(long)]
    pub sampler: Option<String>,
    /// Stops poor trials after their first folds: median (default; Optuna's MedianPruner),
    /// successive-halving, hyperband, none. The fold is the resource: after each fold a trial
    /// reports its running mean score. None with --objective (pruning compares one objective).
    #[arg(long)]
    pub pruner: Option<String>,
    /// Also minimise a cost of the model beside the metric: latency (seconds to predict 1,000
    /// rows), fit_time, or size (bytes of the fitted model) — repeatable. The search is then
    /// multi-objective (NSGA-II) and its result a Pareto front; --out refits the front's trial
    /// with the best metric.
    #[arg(long = "objective", value_name = "latency|fit_time|size")]
    pub objectives: Vec<String>,
    /// At most this many trials: a budget that gives the same leaderboard on every run for a
    /// seed (unlike --time-budget). Default 30; with --time-budget alone, the budget is the only
    /// bound.
    #[arg(long, alias = "budget-trials")]
    pub trials: Option<usize>,
    /// Trials asked together and run in parallel. A fixed number, never the core count, so a
    /// study is the same on any machine; 1 runs trials one by one.
    #[arg(long, default_value_t = satori_tune::cv_search::DEFAULT_BATCH)]
    pub batch: usize,
    /// Stop starting trials after this long (90s, 10m, 1h): the number of trials then depends on
    /// the machine, so results repeat only with --trials alone. With --model auto, a portfolio
    /// model estimated at more than a fifth of the time left is skipped (listed as such).
    #[arg(long, value_name = "DURATION")]
    pub time_budget: Option<String>,
    /// Cross-validation folds per trial (stratified for classes, shuffled with --seed).
    #[arg(long, default_value_t = 3, conflicts_with = "valid")]
    pub folds: usize,
    /// Cut the folds in file order, without shuffling (scikit-learn's KFold/StratifiedKFold
    /// default; e.g. to compare with GridSearchCV(cv=5)).
    #[arg(long, conflicts_with = "valid")]
    pub no_shuffle: bool,
    /// Score each trial on this validation file (same columns) instead of cross-validating: the
    /// trial trains on every row of the data, and models with early stopping stop on it.
    #[arg(long, value_name = "FILE")]
    pub valid: Option<PathBuf>,
    /// The metric to optimise (a scikit-learn scorer name). Default: roc_auc for two classes,
    /// log_loss for more, r2 for a number.
    #[arg(long, value_name = "METRIC")]
    pub metric: Option<String>,
    /// Seeds the sampler, the folds and every stochastic model.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Refit the best parameters on every row and write the model file here.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write the best parameters as a pipeline TOML file that `satori train --pipeline` takes.
    #[arg(long, value_name = "FILE")]
    pub best_params: Option<PathBuf>,
    /// Write the search report (optimisation history, parameter importances, slice and
    /// parallel-coordinate plots, the leaderboard) as one self-contained HTML file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write each picture of the search report as SVG and PNG into this existing folder
    /// (history, importance, slice, parallel, intermediate).
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
    /// Keep the study in this SQLite file (created if absent): every trial is stored as it is
    /// asked and as it is told, so a killed run loses no finished trial.
    #[arg(long, value_name = "FILE")]
    pub study: Option<PathBuf>,
    /// The study's name in the --study file (one file holds several). Default: the model name.
    #[arg(long, value_name = "NAME", requires = "study")]
    pub study_name: Option<String>,
    /// Continue the named study of the --study file where it stopped (same numbering; --trials
    /// then counts its trials, old and new). It must have been made for the same data, target,
    /// model, metric, folds, space, sampler, pruner and seed.
    #[arg(long, requires = "study")]
    pub resume: bool,
    /// Print a JSON result instead of tables.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The `--json` result of every search (schema in docs/tuning.md): what was searched, the
/// outcome of the mode (one model, `--model auto`, `--objective`) and its own fields, and the
/// files written.
#[derive(Serialize)]
struct TuneJson<'a, O: Serialize, E: Serialize> {
    command: &'static str,
    data: String,
    target: &'a str,
    model: String,
    /// `null` with --valid.
    folds: Option<usize>,
    valid: Option<String>,
    seed: u64,
    #[serde(flatten)]
    outcome: &'a O,
    #[serde(flatten)]
    extra: E,
    out: Option<String>,
    best_params_file: Option<String>,
}

impl<'a, O: Serialize, E: Serialize> TuneJson<'a, O, E> {
    fn new(
        args: &TuneArgs,
        request: &'a TuneRequest,
        model: String,
        outcome: &'a O,
        extra: E,
    ) -> Self {
        let shown = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        TuneJson {
            command: "tune",
            data: args.data.display().to_string(),
            target: &request.target.name,
            model,
            folds: args.valid.is_none().then_some(args.folds),
            valid: shown(&args.valid),
            seed: args.seed,
            outcome,
            extra,
            out: shown(&args.out),
            best_params_file: shown(&args.best_params),
        }
    }
}

/// The study file and the study's name of a search of one model (`null` without --study).
#[derive(Serialize)]
struct StudyJson {
    study: Option<String>,
    study_name: Option<String>,
}

/// The kind `--model auto` chose.
#[derive(Serialize)]
struct AutoKind {
    kind: String,
}

/// No fields of its own (`--objective`).
#[derive(Serialize)]
struct NoExtra {}

pub fn run(args: TuneArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let specs = args.what.target_specs_kept(&args.read)?;
    if specs.len() > 1 {
        return Err(satori_core::Error::param(
            "--target",
            "tune searches one target; several targets are not supported yet",
        )
        .into());
    }
    let mut inputs: Vec<&Path> = vec![&args.data];
    inputs.extend(args.what.pipeline.as_deref());
    inputs.extend(args.valid.as_deref());
    if let Some(out) = &args.out {
        check_output("--out", out, &inputs)?;
    }
    if let Some(p) = &args.best_params {
        let mut all = inputs.clone();
        all.extend(args.out.as_deref());
        check_output("--best-params", p, &all)?;
    }
    if let Some(p) = &args.report {
        let mut all = inputs.clone();
        all.extend(args.out.as_deref());
        all.extend(args.best_params.as_deref());
        check_output("--report", p, &all)?;
    }
    if let Some(dir) = &args.plots {
        let mut all = inputs.clone();
        all.extend(args.out.as_deref());
        all.extend(args.best_params.as_deref());
        all.extend(args.report.as_deref());
        check_plots_named(dir, satori_report::TUNE_PICTURE_NAMES, &all)?;
    }
    if (args.report.is_some() || args.plots.is_some())
        && (!args.objectives.is_empty() || args.what.model.as_deref() == Some("auto"))
    {
        return Err(satori_core::Error::param(
            if args.report.is_some() {
                "--report"
            } else {
                "--plots"
            },
            "the search report covers a search of one model and one objective, for now",
        )
        .into());
    }
    if let Some(p) = &args.study {
        let mut all = inputs.clone();
        all.extend(args.out.as_deref());
        all.extend(args.best_params.as_deref());
        check_output("--study", p, &all)?;
        if crate::stdio::is_dash(&args.data) {
            return Err(satori_core::Error::param(
                "--study",
                "a study file records which data file it was made for: give a file, not standard input",
            )
            .into());
        }
    }
    // The pipeline file's [search] table, unless --search replaces it.
    let (pipeline, file_search) = match &args.what.pipeline {
        Some(path) => {
            let (tree, search) =
                satori_pipeline::pipeline_file::load_pipeline_file_with_search(path)?;
            (Some(tree), search)
        }
        None => (None, None),
    };
    let pipeline = args.what.with_resample(pipeline)?;
    let space = if !args.search.is_empty() {
        Some(SearchSpace::parse_specs(
            args.search.iter().map(String::as_str),
        )?)
    } else if let Some(search) = file_search {
        let table: toml::Table = serde_json::from_value(search).map_err(|_| {
            satori_core::Error::param("[search]", "must be a table of PATH = \"SPEC\" entries")
        })?;
        Some(SearchSpace::from_toml(&table)?)
    } else {
        None
    };
    let mut request = TuneRequest {
        overrides: args.what.overrides()?,
        pipeline,
        space,
        sampler: args
            .sampler
            .as_deref()
            .unwrap_or("tpe")
            .parse()
            .or_else(|e| {
                // The multi-objective samplers are checked below.
                if args.objectives.is_empty() {
                    Err(e)
                } else {
                    Ok(Default::default())
                }
            })?,
        pruner: match (&args.pruner, args.objectives.is_empty()) {
            (Some(p), _) => p.parse()?,
            (None, true) => "median".parse()?,
            (None, false) => satori_tune::Pruner::None,
        },
        metric: args.metric.clone(),
        folds: args.folds,
        shuffle: !args.no_shuffle,
        seed: args.seed,
        trials: trials_bound(args.trials, args.time_budget.as_deref()),
        batch: args.batch,
        time_budget: args
            .time_budget
            .as_deref()
            .map(parse_duration)
            .transpose()?,
        ..TuneRequest::new(specs[0].clone(), args.what.model_name())
    };
    let auto = request.model == "auto";
    if !args.objectives.is_empty() && (auto || args.study.is_some()) {
        return Err(satori_core::Error::param(
            "--objective",
            "a multi-objective search runs with one model and without a study file, for now",
        )
        .into());
    }
    if auto && args.study.is_some() {
        return Err(satori_core::Error::param(
            "--study",
            "not available with --model auto yet: keep a study of one model (--model gbm, …)",
        )
        .into());
    }
    if let Some(path) = &args.study {
        request.study = Some(StudyFile {
            path: path.clone(),
            name: args
                .study_name
                .clone()
                .unwrap_or_else(|| request.model.clone()),
            resume: args.resume,
            fingerprint: fingerprint(&args, &request)?,
        });
    }
    if auto && request.space.is_some() {
        return Err(satori_core::Error::param(
            "--model auto",
            "searches its own portfolio of families; --search and a pipeline file's [search] \
             need one model (--model gbm, logistic, …)",
        )
        .into());
    }
    let opts = read_options(&args.read)?;
    let data = read_table(&args.data, &opts, progress)?;
    if let Some(path) = &args.valid {
        let vopts =
            validation_read_options(&data, std::slice::from_ref(&request.target.name), opts);
        request.validation = Some(read_table(path, &vopts, progress)?);
    }
    if auto {
        return run_auto(&args, &data, request, progress);
    }
    if !args.objectives.is_empty() {
        return run_multi(&args, &data, request, progress);
    }
    let outcome = tune(&data, &request, progress)?;
    let best = outcome.best_overrides(&request);
    write_best(&args, &data, &request, &request.model, &best, progress)?;
    let pictures = write_search_report(&args, &request, &outcome)?;
    let study = StudyJson {
        study: request.study.as_ref().map(|f| f.path.display().to_string()),
        study_name: request.study.as_ref().map(|f| f.name.clone()),
    };
    let summary = TuneJson::new(&args, &request, request.model.clone(), &outcome, study);
    if args.json {
        return print_json(&summary);
    }
    print_leaderboard(&summary);
    say_written(
        ReportOutputs {
            html: args.report.as_deref(),
            plots: args.plots.as_deref(),
        },
        &pictures,
        progress,
    );
    Ok(())
}

/// Write `--report` and `--plots` of a finished search; returns the picture files.
fn write_search_report(
    args: &TuneArgs,
    request: &TuneRequest,
    outcome: &TuneOutcome,
) -> anyhow::Result<Vec<PathBuf>> {
    if args.report.is_none() && args.plots.is_none() {
        return Ok(Vec::new());
    }
    let mut input = TuneReportInput::new(
        format!("Tuning {} for `{}`", request.model, request.target.name),
        outcome.clone(),
        args.seed,
    );
    input.data = Some(args.data.display().to_string());
    input.target = Some(request.target.name.clone());
    input.model = Some(request.model.clone());
    if let Some(path) = &args.report {
        satori_core::fs::write_atomic(path, render_tune_report(&input)?.as_bytes())?;
    }
    match &args.plots {
        Some(dir) => {
            let charts = tune_report_charts(&input.outcome, input.importances.as_deref().ok())?;
            write_pictures(dir, &charts)
        }
        None => Ok(Vec::new()),
    }
}

/// What a study file's study is made for: the data file's checksum, the target, the model, the
/// metric, the folds or validation file, the fixed settings and the pipeline file's checksum. A
/// resumed study must match (the space, sampler, pruner, seed and direction are checked beside).
fn fingerprint(args: &TuneArgs, request: &TuneRequest) -> anyhow::Result<String> {
    let mut text = format!(
        "data {}; target {}; model {}; metric {}",
        model_file::file_checksum(&args.data)?,
        request.target.name,
        request.model,
        request.metric.as_deref().unwrap_or("default"),
    );
    match &args.valid {
        Some(v) => text += &format!("; valid {}", model_file::file_checksum(v)?),
        None => {
            text += &format!("; folds {}", args.folds);
            if args.no_shuffle {
                text += " in file order";
            }
        }
    }
    if let Some(p) = &args.what.pipeline {
        text += &format!("; pipeline {}", model_file::file_checksum(p)?);
    }
    for (k, v) in &request.overrides {
        text += &format!("; {k}={v}");
    }
    Ok(text)
}

/// The trials a search may run: `--trials`, else 30, else (with `--time-budget` alone) no bound
/// but the budget.
pub fn trials_bound(trials: Option<usize>, time_budget: Option<&str>) -> usize {
    match (trials, time_budget) {
        (Some(n), _) => n,
        (None, Some(_)) => satori_tune::cv_search::TRIALS_WITH_TIME_BUDGET,
        (None, None) => 30,
    }
}

/// Write `--best-params` and, with `--out`, refit `model` with `overrides` on every row.
fn write_best(
    args: &TuneArgs,
    data: &satori_data::Table,
    request: &TuneRequest,
    model: &str,
    overrides: &[(String, String)],
    progress: &TermProgress,
) -> anyhow::Result<()> {
    if let Some(path) = &args.best_params {
        satori_core::fs::write_atomic(path, best_params_toml(overrides)?.as_bytes())?;
    }
    if let Some(out) = &args.out {
        refit(args, data, request, model, overrides, out, progress)?;
    }
    Ok(())
}

/// Refit `model` with `overrides` on every row and write the model file.
fn refit(
    args: &TuneArgs,
    data: &satori_data::Table,
    request: &TuneRequest,
    model: &str,
    overrides: &[(String, String)],
    out: &Path,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let mut refit = TrainRequest::new(request.target.clone());
    refit.model = model.to_string();
    refit.overrides = overrides.to_vec();
    refit.pipeline = request.pipeline.clone();
    refit.holdout = 0.0;
    refit.seed = args.seed;
    refit.data_source = Some(args.data.display().to_string());
    refit.created_at = Some(now());
    let fitted = train(data, &refit, progress)?;
    model_file::save(out, &fitted.header, &fitted.pipeline)?;
    Ok(())
}

/// `satori tune --objective …`: the metric and the model's costs at once, a Pareto front.
fn run_multi(
    args: &TuneArgs,
    data: &satori_data::Table,
    request: TuneRequest,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let costs = args
        .objectives
        .iter()
        .map(|o| o.parse::<CostObjective>())
        .collect::<satori_core::Result<Vec<_>>>()?;
    let sampler: MultiSampler = args.sampler.as_deref().unwrap_or("nsga2").parse()?;
    let outcome = tune_multi(data, &request, &costs, sampler, progress)?;
    let mut best = request.overrides.clone();
    best.extend(
        outcome
            .best
            .params
            .iter()
            .map(|(k, v)| (k.clone(), override_text(v))),
    );
    write_best(args, data, &request, &request.model, &best, progress)?;
    let summary = TuneJson::new(args, &request, request.model.clone(), &outcome, NoExtra {});
    if args.json {
        return print_json(&summary);
    }
    let o = &outcome;
    let (complete, failed) = satori_tune::multi_search::count_complete(&o.trials);
    show!(
        "Tuned {} on {} (target `{}`) for {}: {} trials ({complete} complete, {failed} failed) in {:.1} s, stopped by {}; on {}",
        summary.model,
        summary.data,
        summary.target,
        o.objectives.join(" and "),
        o.trials.len(),
        o.seconds,
        o.stopped_by,
        o.evaluated_by
    );
    let mut header: Vec<&str> = vec!["trial"];
    header.extend(o.objectives.iter().map(String::as_str));
    header.push("parameters");
    let mut t = table(&header);
    let mut front: Vec<&satori_tune::MultiRecord> = o
        .pareto_front
        .iter()
        .map(|&n| &o.trials[n as usize])
        .collect();
    front.sort_by(|a, b| {
        let key = |r: &satori_tune::MultiRecord| {
            o.directions[0].loss(r.values.as_ref().map_or(f64::NAN, |v| v[0]))
        };
        key(a).total_cmp(&key(b)).then(a.number.cmp(&b.number))
    });
    for r in &front {
        let mut row = vec![r.number.to_string()];
        for (k, v) in r.values.iter().flatten().enumerate() {
            row.push(if o.objectives[k] == "model_bytes" {
                format!("{v:.0}")
            } else {
                num(*v)
            });
        }
        row.push(param_list(&r.params));
        t.add_row(row);
    }
    show!(
        "The Pareto front ({} trials no other beats in every objective):",
        front.len()
    );
    show!("{t}");
    show!(
        "Best {}: trial {} (the front's trial --out refits)",
        o.objectives[0],
        o.best.number
    );
    if let Some(p) = &summary.best_params_file {
        show!("Wrote its parameters to {p} (satori train --pipeline {p})");
    }
    if let Some(p) = &summary.out {
        show!("Refitted it on every row → {p}");
    }
    Ok(())
}

/// `satori tune --model auto`: the portfolio, the search of the best family, the leaderboard.
fn run_auto(
    args: &TuneArgs,
    data: &satori_data::Table,
    request: TuneRequest,
    progress: &TermProgress,
) -> anyhow::Result<()> {
    let outcome = auto_select(data, &request, progress)?;
    let kind = satori_pipeline::ModelParams::from_name(&outcome.best.family, &[outcome.task])?
        .kind()
        .to_string();
    let best = outcome.best_overrides(&request, &kind);
    write_best(args, data, &request, &outcome.best.family, &best, progress)?;
    let summary = TuneJson::new(args, &request, "auto".into(), &outcome, AutoKind { kind });
    if args.json {
        return print_json(&summary);
    }
    print_auto_leaderboard(&summary);
    Ok(())
}

fn entry_params(e: &AutoEntry) -> String {
    if e.params.is_empty() {
        return "defaults".into();
    }
    // The ensemble step's members are whole configurations: name them, not their settings.
    if let Some(serde_json::Value::Array(members)) = e.params.get("model.members") {
        let names: Vec<&str> = members.iter().filter_map(|m| m["name"].as_str()).collect();
        return format!("of {}", names.join(", "));
    }
    param_list(&e.params)
}

fn print_auto_leaderboard(s: &TuneJson<'_, AutoOutcome, AutoKind>) {
    let o = s.outcome;
    show!(
        "Chose a model for {} (target `{}`): {} configurations in {:.1} s, stopped by {}; {} {} on {}",
        s.data,
        s.target,
        o.leaderboard.len(),
        o.seconds,
        o.stopped_by,
        match o.direction {
            Direction::Maximize => "maximising",
            Direction::Minimize => "minimising",
        },
        o.metric,
        o.evaluated_by
    );
    let mut ranked: Vec<&AutoEntry> = o.leaderboard.iter().collect();
    ranked.sort_by(|a, b| {
        let key = |e: &AutoEntry| match (e.state, e.value) {
            (TrialState::Complete, Some(v)) => o.direction.loss(v),
            _ => f64::INFINITY,
        };
        key(a).total_cmp(&key(b)).then(a.number.cmp(&b.number))
    });
    let mut t = table(&[
        "rank",
        "model",
        &o.metric,
        "fit s",
        "predict s/1k rows",
        "phase",
        "parameters",
    ]);
    for (i, e) in ranked.iter().take(15).enumerate() {
        let score = match (e.state, e.value) {
            (TrialState::Complete, Some(v)) => num(v),
            (TrialState::Pruned, _) => "pruned".into(),
            _ => "failed".into(),
        };
        t.add_row(vec![
            (i + 1).to_string(),
            e.family.clone(),
            score,
            e.fit_seconds.map_or("—".into(), |d| format!("{d:.2}")),
            e.predict_seconds_per_1k
                .map_or("—".into(), |d| format!("{d:.4}")),
            e.phase.to_string(),
            entry_params(e),
        ]);
    }
    show!("{t}");
    for k in &o.skipped {
        show!(
            "Skipped {}{}: estimated {:.1} s, more than {:.0}% of the {:.1} s left.",
            k.family,
            if k.params.is_empty() {
                String::new()
            } else {
                format!(" ({})", param_list(&k.params))
            },
            k.estimated_seconds,
            satori_tune::auto::PORTFOLIO_SHARE_OF_TIME_LEFT * 100.0,
            k.seconds_left
        );
    }
    if let Some(f) = &o.searched_family {
        show!("Searched {f}'s space after the portfolio.");
    }
    show!(
        "Best: {} ({}) with {} {} — {}",
        o.best.family,
        s.extra.kind,
        o.metric,
        o.best.value.map_or("—".into(), num),
        entry_params(&o.best)
    );
    if let Some(p) = &s.best_params_file {
        show!("Wrote the best model and parameters to {p} (satori train --pipeline {p})");
    }
    if let Some(p) = &s.out {
        show!("Refitted the best on every row → {p}");
    }
}

/// The `path=value` overrides as a pipeline TOML file (`[model]`, `[text]`, … tables).
fn best_params_toml(overrides: &[(String, String)]) -> anyhow::Result<String> {
    let mut tree = serde_json::Value::Object(Default::default());
    for (path, value) in overrides {
        // Each path's tables are made as needed (the tree starts empty, unlike --set's).
        let mut node = &mut tree;
        let segments: Vec<&str> = path.split('.').collect();
        for (i, seg) in segments.iter().enumerate() {
            let serde_json::Value::Object(map) = node else {
                return Err(satori_core::Error::param(
                    path.as_str(),
                    "sets a value inside a parameter that is not a table",
                )
                .into());
            };
            if i + 1 == segments.len() {
                map.insert(
                    seg.to_string(),
                    satori_pipeline::overrides::parse_value(value),
                );
                break;
            }
            node = map
                .entry(seg.to_string())
                .or_insert_with(|| serde_json::Value::Object(Default::default()));
        }
    }
    // TOML has no null: an unset optional parameter (`max_depth = null` in an ensemble
    // member's full parameters) is left out, which reads back as unset.
    fn drop_nulls(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.retain(|_, x| !x.is_null());
                map.values_mut().for_each(drop_nulls);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(drop_nulls),
            _ => {}
        }
    }
    drop_nulls(&mut tree);
    let text = toml::to_string(&tree)
        .map_err(|e| satori_core::Error::Internal(format!("writing the best parameters: {e}")))?;
    Ok(format!(
        "# The best parameters found by `satori tune` (use with satori train --pipeline).\n{text}"
    ))
}

fn params_text(t: &TrialRecord) -> String {
    param_list(&t.params)
}

/// Searched values as `name=value` pairs (`model.` left out, floats to four figures).
fn param_list(params: &std::collections::BTreeMap<String, serde_json::Value>) -> String {
    params
        .iter()
        .map(|(k, v)| {
            let short = k.strip_prefix("model.").unwrap_or(k);
            let text = match v.as_f64() {
                Some(x) if !v.is_i64() && !v.is_u64() => num(x),
                _ => override_text(v),
            };
            format!("{short}={text}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_leaderboard(s: &TuneJson<'_, TuneOutcome, StudyJson>) {
    let o = s.outcome;
    let complete: Vec<&TrialRecord> = o
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .collect();
    show!(
        "Tuned {} on {} (target `{}`): {} trials ({} complete, {} pruned, {} failed) in {:.1} s, stopped by {}; {} {} on {}",
        s.model,
        s.data,
        s.target,
        o.trials.len(),
        o.counts.complete,
        o.counts.pruned,
        o.counts.failed,
        o.seconds,
        o.stopped_by,
        match o.direction {
            Direction::Maximize => "maximising",
            Direction::Minimize => "minimising",
        },
        o.metric,
        o.evaluated_by
    );
    let mut ranked = complete.clone();
    ranked.sort_by(|a, b| {
        let (x, y) = (a.value.unwrap_or(f64::NAN), b.value.unwrap_or(f64::NAN));
        match o.direction {
            Direction::Maximize => y.total_cmp(&x),
            Direction::Minimize => x.total_cmp(&y),
        }
        .then(a.number.cmp(&b.number))
    });
    let mut t = table(&["rank", "trial", &o.metric, "seconds", "parameters"]);
    for (i, r) in ranked.iter().take(10).enumerate() {
        t.add_row(vec![
            (i + 1).to_string(),
            r.number.to_string(),
            r.value.map_or("—".into(), num),
            r.duration_s.map_or("—".into(), |d| format!("{d:.2}")),
            params_text(r),
        ]);
    }
    show!("{t}");
    show!(
        "Best: trial {} with {} {} — {}",
        o.best.number,
        o.metric,
        o.best.value.map_or("—".into(), num),
        params_text(&o.best)
    );
    if let Some(p) = &s.best_params_file {
        show!("Wrote the best parameters to {p} (satori train --pipeline {p})");
    }
    if let Some(p) = &s.out {
        show!("Refitted the best on every row → {p}");
    }
}
