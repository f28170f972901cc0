//! `satori monitor`: drift of new rows (a data file, request logs) against a model's training
//! reference — a verdict per input and output column, the performance change where the rows
//! carry the target, an HTML report, and an exit status for CI gates (`--fail-on`).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use satori_core::fs::write_atomic;
use satori_monitor::{Role, Thresholds, Verdict, short};
use satori_pipeline::model_file;
use satori_report::{DriftReportInput, render_drift_report};
use satori_workflow::monitor::{MonitorOutcome, monitor_tables, read_request_log};
use serde::Serialize;

use crate::args::{ReadArgs, read_options, read_table};
use crate::output::{print_json, table};
use crate::progress::TermProgress;
use crate::stdio::check_output;

/// The exit status of `satori monitor` when `--fail-on` trips.
pub const GATE_EXIT_CODE: u8 = 3;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  satori monitor model.satori new.csv\n  \
satori monitor model.satori new.csv --report drift.html --fail-on drift\n  \
satori monitor model.satori --log requests.jsonl --json\n  \
satori monitor model.satori new.csv --psi-warning 0.05 --psi-drift 0.2 --p-drift 0.0001\n\n\
Verdicts: a column is a warning (drift) when any statistic passes its warning (drift) \
threshold: PSI at or above it, a test's p-value below it, the missing share changed by it, \
unseen categories at or above it. Columns with fewer than --min-rows values are `unknown`.\n\
Exit codes: 0 success, 1 user error, 2 internal error, 3 --fail-on tripped (after the \
report and the output are written).")]
pub struct MonitorArgs {
    /// The model file.
    pub model: PathBuf,
    /// New rows to compare (CSV, Parquet, …), read as `satori predict` reads them; not needed
    /// with --log.
    #[arg(required_unless_present = "log")]
    pub data: Option<PathBuf>,
    /// A request log to compare too (JSON Lines: `{"rows": [{"col": value, …}], …}` per request
    /// — as `satori serve` logs them — or one row object per line). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub log: Vec<PathBuf>,
    /// Also write a self-contained HTML report: the verdict table and a picture of training
    /// against current shares per column.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print a JSON result instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Exit with status 3 when any column's verdict is at least this bad.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// PSI from which a column is a warning.
    #[arg(long, default_value_t = 0.1, value_name = "PSI")]
    pub psi_warning: f64,
    /// PSI from which a column drifts.
    #[arg(long, default_value_t = 0.25, value_name = "PSI")]
    pub psi_drift: f64,
    /// Kolmogorov–Smirnov / χ² p-value below which a column is a warning.
    #[arg(long, default_value_t = 0.01, value_name = "P")]
    pub p_warning: f64,
    /// Kolmogorov–Smirnov / χ² p-value below which a column drifts.
    #[arg(long, default_value_t = 0.001, value_name = "P")]
    pub p_drift: f64,
    /// Change of a column's missing share (0.05 = five points) from which it is a warning.
    #[arg(long, default_value_t = 0.05, value_name = "SHARE")]
    pub missing_warning: f64,
    /// Change of a column's missing share from which it drifts.
    #[arg(long, default_value_t = 0.2, value_name = "SHARE")]
    pub missing_drift: f64,
    /// Share of unseen categories from which a column is a warning.
    #[arg(long, default_value_t = 0.01, value_name = "SHARE")]
    pub unseen_warning: f64,
    /// Share of unseen categories from which a column drifts.
    #[arg(long, default_value_t = 0.05, value_name = "SHARE")]
    pub unseen_drift: f64,
    /// Fewest non-missing values a column needs for a verdict (fewer: `unknown`).
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub min_rows: usize,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The verdict `--fail-on` trips at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any column drifts.
    Drift,
    /// Any column is a warning or drifts.
    Warning,
}

/// `--fail-on` tripped: the command finished, and the process exits with [`GATE_EXIT_CODE`].
#[derive(Debug)]
pub struct GateTripped {
    pub message: String,
}

impl std::fmt::Display for GateTripped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for GateTripped {}

#[derive(Serialize)]
struct MonitorJson<'a> {
    command: &'static str,
    model: String,
    data: Option<String>,
    logs: Vec<String>,
    #[serde(flatten)]
    outcome: &'a MonitorOutcome,
}

pub fn run(args: MonitorArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let mut inputs: Vec<&Path> = vec![args.model.as_path()];
    inputs.extend(args.data.as_deref());
    inputs.extend(args.log.iter().map(PathBuf::as_path));
    if let Some(out) = &args.report {
        check_output("--report", out, &inputs)?;
    }
    let thresholds = Thresholds {
        psi_warning: args.psi_warning,
        psi_drift: args.psi_drift,
        p_warning: args.p_warning,
        p_drift: args.p_drift,
        missing_warning: args.missing_warning,
        missing_drift: args.missing_drift,
        unseen_warning: args.unseen_warning,
        unseen_drift: args.unseen_drift,
        min_rows: args.min_rows,
    };
    thresholds.check().map_err(|e| match e {
        satori_core::Error::InvalidParameter { name, reason } => {
            satori_core::Error::InvalidParameter {
                name: format!("--{name}-warning/--{name}-drift"),
                reason,
            }
        }
        other => other,
    })?;
    let (header, pipeline) = model_file::load(&args.model)?;
    let base = read_options(&args.read)?;
    let mut tables = Vec::new();
    if let Some(data) = &args.data {
        tables.push(read_table(
            data,
            &pipeline.read_options(base.clone()),
            progress,
        )?);
    }
    for log in &args.log {
        tables.push(read_request_log(
            log,
            &pipeline.read_options(satori_data::ReadOptions {
                missing_markers: base.missing_markers.clone(),
                ..satori_data::ReadOptions::default()
            }),
        )?);
    }
    let refs: Vec<&satori_data::Table> = tables.iter().collect();
    let outcome = monitor_tables(&header, &pipeline, &refs, thresholds)?;
    let described = {
        let mut parts: Vec<String> = Vec::new();
        if let Some(d) = &args.data {
            parts.push(d.display().to_string());
        }
        parts.extend(args.log.iter().map(|l| format!("log {}", l.display())));
        format!("{} ({} rows)", parts.join(", "), outcome.rows)
    };
    if let Some(out) = &args.report {
        let html = render_drift_report(&DriftReportInput {
            title: format!(
                "satori monitor: {}",
                args.model.file_name().unwrap_or_default().to_string_lossy()
            ),
            model: args.model.display().to_string(),
            data: described.clone(),
            outcome: outcome.clone(),
        })?;
        write_atomic(out, html.as_bytes())?;
    }
    if args.json {
        print_json(&MonitorJson {
            command: "monitor",
            model: args.model.display().to_string(),
            data: args.data.as_ref().map(|d| d.display().to_string()),
            logs: args.log.iter().map(|l| l.display().to_string()).collect(),
            outcome: &outcome,
        })?;
    } else {
        print_outcome(&outcome, &described);
    }
    if let Some(out) = &args.report {
        progress.say(&format!("Wrote the drift report to {}", out.display()));
    }
    let limit = match args.fail_on {
        Some(FailOn::Drift) => Verdict::Drift,
        Some(FailOn::Warning) => Verdict::Warning,
        None => return Ok(()),
    };
    let tripped: Vec<&str> = outcome
        .columns
        .iter()
        .filter(|c| c.verdict >= limit)
        .map(|c| c.name.as_str())
        .collect();
    if tripped.is_empty() {
        return Ok(());
    }
    Err(GateTripped {
        message: format!(
            "--fail-on {}: {} column{} at or past it: {}",
            limit.as_str(),
            tripped.len(),
            if tripped.len() == 1 { "" } else { "s" },
            tripped
                .iter()
                .map(|n| format!("`{}`", satori_core::snippet(n)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
    .into())
}

fn print_outcome(o: &MonitorOutcome, described: &str) {
    show!("Compared {described} with the training reference.");
    let mut t = table(&[
        "column", "role", "verdict", "PSI", "test", "p-value", "missing", "why",
    ]);
    for c in &o.columns {
        let (test, p) = match (c.ks, c.chi2) {
            (Some(ks), _) => (format!("KS D={}", short(ks.statistic)), Some(ks.p_value)),
            (None, Some(chi2)) => (format!("χ²={}", short(chi2.statistic)), Some(chi2.p_value)),
            (None, None) => ("-".into(), None),
        };
        t.add_row(vec![
            c.name.clone(),
            match c.role {
                Role::Input => "input".into(),
                Role::Prediction => "output".into(),
            },
            c.verdict.as_str().to_string(),
            c.psi.map(short).unwrap_or_else(|| "-".into()),
            test,
            p.map(|p| format!("{p:.2e}")).unwrap_or_else(|| "-".into()),
            format!(
                "{:.1}% → {:.1}%",
                c.reference_missing * 100.0,
                c.current_missing * 100.0
            ),
            c.reasons.join("; "),
        ]);
    }
    show!("{t}");
    if !o.performance.is_empty() {
        let mut p = table(&["target", "metric", "reference", "current", "change"]);
        for m in &o.performance {
            p.add_row(vec![
                m.target.clone(),
                m.metric.clone(),
                format!("{:.4}", m.reference),
                format!("{:.4}", m.current),
                format!("{:+.4}", m.change),
            ]);
        }
        show!(
            "Performance on the {} rows with a target{}:",
            o.performance_rows.unwrap_or(0),
            o.metrics_on
                .as_ref()
                .map(|on| format!(" (reference: {on})"))
                .unwrap_or_default()
        );
        show!("{p}");
    }
    if let Some(a) = &o.input_anomaly {
        show!(
            "Input anomalies: {} of {} rows ({:.1}%) score above {:.4} (training rows: {:.1}%); \
             mean score {:.4}.",
            a.anomalous,
            a.rows,
            100.0 * a.share,
            a.threshold,
            100.0 * a.reference_share,
            a.mean_score
        );
    }
    let counts: Vec<String> = o
        .counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(v, n)| format!("{n} {v}"))
        .collect();
    show!("Overall: {} ({}).", o.verdict.as_str(), counts.join(", "));
}
