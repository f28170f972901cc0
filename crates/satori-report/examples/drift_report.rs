//! Writes the drift report of `satori monitor` for a model trained on a bundled dataset, against
//! a shifted copy of the same rows: one numeric column moved, one categorical column given
//! labels the model never saw, missing values added to a third.
//!
//! ```text
//! cargo run -p satori-report --example drift_report -- [--dataset NAME] OUT.html
//! ```
//!
//! Default: `--dataset palmer_penguins`. This is what `tests/browser/check_drift_report.sh`
//! renders in Chromium.

use std::path::PathBuf;
use std::process::ExitCode;

use satori_core::{ColumnKind, NoProgress, Result};
use satori_data::{ReadOptions, Table, TargetSpec, bundled, read_csv_bytes};
use satori_report::{DriftReportInput, render_drift_report};
use satori_workflow::monitor::monitor_tables;
use satori_workflow::{TrainRequest, train};

fn parse_args() -> std::result::Result<(String, PathBuf), String> {
    let mut args = std::env::args().skip(1);
    let (mut dataset, mut out) = ("palmer_penguins".to_string(), None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dataset" => dataset = args.next().ok_or("--dataset needs a value")?,
            other if other.starts_with("--") => return Err(format!("unknown flag {other}")),
            other => out = Some(PathBuf::from(other)),
        }
    }
    Ok((
        dataset,
        out.ok_or("usage: drift_report [--dataset NAME] OUT.html")?,
    ))
}

/// The rows of `csv`, shifted: the first numeric feature moved by one standard deviation and a
/// half, the first categorical feature's value replaced by an unseen label on every fifth row, and
/// the second numeric feature missing on every fourth row.
fn shifted(table: &Table, csv: &str, target: &str) -> String {
    let header: Vec<&str> = csv.lines().next().unwrap_or_default().split(',').collect();
    let index = |name: &str| header.iter().position(|h| *h == name);
    let numeric: Vec<usize> = table
        .schema
        .columns
        .iter()
        .filter(|c| c.name != target && matches!(c.kind, ColumnKind::Numeric | ColumnKind::Integer))
        .filter_map(|c| index(&c.name))
        .collect();
    let categorical = table
        .schema
        .columns
        .iter()
        .find(|c| c.name != target && matches!(c.kind, ColumnKind::Categorical { .. }))
        .and_then(|c| index(&c.name));
    let values = |j: usize| -> Vec<f64> {
        csv.lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(j)?.parse().ok())
            .collect()
    };
    let shift = numeric.first().map(|&j| {
        let v = values(j);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / v.len() as f64;
        (j, 1.5 * var.sqrt())
    });
    let mut out = String::new();
    for (i, line) in csv.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
        if let Some((j, by)) = shift
            && let Ok(v) = fields[j].parse::<f64>()
        {
            fields[j] = format!("{}", v + by);
        }
        if let Some(j) = categorical
            && i % 5 == 0
        {
            fields[j] = "never-seen".into();
        }
        if let Some(&j) = numeric.get(1)
            && i % 4 == 0
        {
            fields[j] = String::new();
        }
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn run() -> std::result::Result<(), String> {
    let (dataset, out) = parse_args()?;
    let ds = bundled::get(&dataset).ok_or_else(|| {
        format!(
            "no bundled dataset `{dataset}` (have: {})",
            bundled::names().join(", ")
        )
    })?;
    let result: Result<()> = (|| {
        let table = read_csv_bytes(ds.name, ds.csv.as_bytes(), &ReadOptions::default())?;
        let mut request = TrainRequest::new(TargetSpec {
            name: ds.target.into(),
            task: None,
        });
        request.model = "gbm".into();
        let outcome = train(&table, &request, &NoProgress)?;
        let current_csv = shifted(&table, ds.csv, ds.target);
        let current = read_csv_bytes(
            "shifted.csv",
            current_csv.as_bytes(),
            &outcome.pipeline.read_options(ReadOptions::default()),
        )?;
        let monitored = monitor_tables(
            &outcome.header,
            &outcome.pipeline,
            &[&current],
            Default::default(),
        )?;
        let html = render_drift_report(&DriftReportInput {
            title: format!("satori monitor: gbm on {}", ds.name),
            model: format!("gbm trained on {}", ds.name),
            data: format!("a shifted copy of {} ({} rows)", ds.name, monitored.rows),
            outcome: monitored,
        })?;
        std::fs::write(&out, html).map_err(|e| satori_core::Error::io(&out, e))
    })();
    result.map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
