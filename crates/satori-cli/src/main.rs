//! `satori`: one binary from raw data to a trained, evaluated model. The binary is thin: it parses
//! arguments, calls the library and prints; the work happens in the satori crates.

/// `println!` for the human output (tables, summaries): silent under `-q`, which leaves only
/// errors and what was asked for on standard output (a `--json` document, data for `--out -`).
macro_rules! show {
    ($($arg:tt)*) => {
        if !$crate::output::quiet() {
            println!($($arg)*);
        }
    };
}

mod args;
mod commands;
mod output;
mod progress;
mod report;
mod show;
mod stdio;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::progress::Verbosity;

/// satori — machine learning from raw data to a served model, in one binary.
#[derive(Debug, Parser)]
#[command(name = "satori", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 success, 1 user error (bad file, flag or data), 2 internal error.\n\
3: satori monitor --fail-on found drift (or a warning), after writing its output.\n\
Start with: satori demo"
)]
struct Cli {
    /// Worker threads (default: all cores; at most 4 × the cores, larger values are capped).
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// Quiet: no tables, notes, warnings or progress; only errors and what was asked for (a
    /// --json document, data for --out -).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print notes and timings.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Profile a data file (column kinds, missing values, distributions, warnings) or print a
    /// model file's header.
    Inspect(commands::inspect::InspectArgs),
    /// Train a model on a data file, evaluate it on a holdout and write the model file.
    Train(commands::train::TrainArgs),
    /// Predict with a model file on a data file; rows keep their order.
    Predict(commands::predict::PredictArgs),
    /// Evaluate a model file on labelled data: every metric that fits the task.
    Evaluate(commands::evaluate::EvaluateArgs),
    /// Explain a model: per-row SHAP contributions per input column, global importances,
    /// partial dependence, tree export (see docs/explain.md).
    Explain(commands::explain::ExplainArgs),
    /// Export a model file for another runtime: ONNX (standard and ai.onnx.ml operators), with
    /// its preprocessing (see docs/onnx.md).
    Export(commands::export::ExportArgs),
    /// Cross-validate a model: per-fold scores, mean ± std, out-of-fold predictions.
    Cv(commands::cv::CvArgs),
    /// Search a model's parameters by cross-validation (TPE, random or grid), then refit the
    /// best on every row.
    Tune(commands::tune::TuneArgs),
    /// Fit preprocessing steps from a pipeline file (or apply saved ones) and write the
    /// transformed data.
    Transform(commands::transform::TransformArgs),
    /// Score every row for anomalies with an isolation forest (fitted on the data or on a
    /// reference file) and write the scores, most anomalous first.
    Anomalies(commands::anomalies::AnomaliesArgs),
    /// Compare new rows (a data file, request logs) with a model's training reference: drift
    /// per input and output column, the performance change, an HTML report, a CI gate.
    Monitor(commands::monitor::MonitorArgs),
    /// Generate a synthetic dataset (classification or regression).
    Generate(commands::generate::GenerateArgs),
    /// Run every layer end to end on a bundled dataset, writing into ./satori-demo/.
    Demo(commands::demo::DemoArgs),
    /// Serve a model file (or a repository of versioned ones) over HTTP: Open Inference Protocol
    /// v2, a rows/CSV predict endpoint, Prometheus metrics, hot swap.
    Serve(commands::serve::ServeArgs),
    /// Update a model on new rows (add trees, refit leaves, slide a forest's window, partial
    /// fit) and keep the result only if a champion/challenger gate says it is not worse.
    Update(commands::update::UpdateArgs),
    /// Write a cold-start model from configuration alone (class priors or a constant), before
    /// any row exists; `satori update` replaces it once real rows arrive.
    Init(commands::init::InitArgs),
    /// Compress a model: int8/f16/pruned neural networks, tree ensembles cut to a size or
    /// latency budget; size, latency and metric before and after (see docs/compression.md).
    Compress(commands::compress::CompressArgs),
}

/// `--threads` is capped at this many threads per core.
const MAX_THREADS_PER_CORE: usize = 4;

/// Behave like a Unix filter when the reader of stdout goes away (`satori … | head`): end quietly
/// instead of failing to print.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 1,
                _ => 1,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    if let Some(mut n) = cli.threads {
        if n == 0 {
            eprintln!("error: --threads must be at least 1");
            return ExitCode::from(1);
        }
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let max = MAX_THREADS_PER_CORE * cores;
        if n > max {
            if verbosity != Verbosity::Quiet {
                eprintln!(
                    "note: --threads {n} capped at {max} ({MAX_THREADS_PER_CORE} × the {cores} \
                     cores): more threads than that only add switching"
                );
            }
            n = max;
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("error: cannot start {n} threads: {e}");
            return ExitCode::from(2);
        }
    }
    // A panic is a bug: report it as an internal error (exit 2) without a backtrace dump.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("internal error (please report): {info}");
    }));
    output::set_quiet(verbosity == Verbosity::Quiet);
    let result = std::panic::catch_unwind(|| run(cli.command, verbosity));
    stdio::cleanup();
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) if e.is::<commands::monitor::GateTripped>() => {
            eprintln!("{e}");
            ExitCode::from(commands::monitor::GATE_EXIT_CODE)
        }
        Ok(Err(e)) if e.is::<commands::update::UpdateRejected>() => {
            eprintln!("{e}");
            ExitCode::from(commands::update::REJECTED_EXIT_CODE)
        }
        Ok(Err(e)) => {
            let user = e
                .downcast_ref::<satori_core::Error>()
                .is_none_or(|se| se.is_user_error());
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(if user { 1 } else { 2 })
        }
        Err(_) => ExitCode::from(2),
    }
}

/// Run a subcommand.
fn run(command: Command, verbosity: Verbosity) -> anyhow::Result<()> {
    use commands::*;
    let progress = progress::TermProgress::new(verbosity);
    match command {
        Command::Inspect(a) => inspect::run(a, &progress),
        Command::Train(a) if a.distributed => train_distributed::run(a, &progress),
        Command::Train(a) => train::run(a, &progress),
        Command::Predict(a) if a.distributed => predict_distributed::run(a, &progress),
        Command::Predict(a) => predict::run(a, &progress),
        Command::Evaluate(a) => evaluate::run(a, &progress),
        Command::Generate(a) => generate::run(a, &progress),
        Command::Cv(a) => cv::run(a, &progress),
        Command::Tune(a) => tune::run(a, &progress),
        Command::Transform(a) => transform::run(a, &progress),
        Command::Demo(a) => demo::run(a, &progress),
        Command::Anomalies(a) => anomalies::run(a, &progress),
        Command::Monitor(a) => monitor::run(a, &progress),
        Command::Serve(a) => serve::run(a, &progress),
        Command::Update(a) => update::run(a, &progress),
        Command::Init(a) => init::run(a, &progress),
        Command::Explain(a) => explain::run(a, &progress),
        Command::Export(a) => export::run(a, &progress),
        Command::Compress(a) => compress::run(a, &progress),
    }
}

/// The error and its causes on one line.
fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ").replace('\n', " ")
}
