//! `satori anomalies`: an anomaly score and a flag per row, from an isolation forest.

use std::path::PathBuf;

use clap::Args;
use satori_core::Params;
use satori_data::Column;
use satori_data::write::write_csv_columns;
use satori_pipeline::overrides::apply_overrides;
use satori_workflow::anomalies::{AnomalyDetector, AnomalyScores, IsolationForestParams};
use satori_workflow::output;
use serde::Serialize;

use crate::args::{ReadArgs, read_options, read_table};
use crate::output::{num, print_json, table};
use crate::progress::TermProgress;
use crate::stdio::check_output;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  satori anomalies data.csv --out scores.csv\n  \
satori anomalies new.csv --fit-on reference.csv --contamination 0.01 --id order_id --out scores.csv"
)]
pub struct AnomaliesArgs {
    /// The rows to score (CSV, Parquet or LIBSVM).
    pub data: PathBuf,
    /// Fit the detector on this reference file instead of DATA, then score DATA against it.
    #[arg(long, value_name = "FILE")]
    pub fit_on: Option<PathBuf>,
    /// The expected share of anomalies: `auto` (flag scores above 0.5) or a fraction in
    /// (0, 0.5] (flag that share of the reference rows).
    #[arg(long, default_value = "auto")]
    pub contamination: String,
    /// Isolation trees.
    #[arg(long, default_value_t = 100)]
    pub n_estimators: usize,
    /// Seed of the forest.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Set another isolation-forest parameter: path=value, e.g. --set max_samples=512
    /// (repeatable; see docs/anomalies.md).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Columns to write beside each row's score (e.g. an id; comma-separated or repeated); they
    /// are not features.
    #[arg(long, value_name = "COLUMN", value_delimiter = ',')]
    pub id: Vec<String>,
    /// Where to write the scores (CSV, most anomalous first).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Serialize)]
struct AnomaliesJson {
    command: &'static str,
    data: String,
    fit_on: Option<String>,
    n_rows: usize,
    n_reference: usize,
    n_flagged: usize,
    threshold: f64,
    columns: Vec<String>,
    params: serde_json::Value,
    out: String,
}

fn params(args: &AnomaliesArgs) -> anyhow::Result<IsolationForestParams> {
    let contamination = match args.contamination.as_str() {
        "auto" => serde_json::json!("auto"),
        s => serde_json::json!(s.parse::<f64>().map_err(|_| satori_core::Error::param(
            "--contamination",
            format!("must be `auto` or a fraction in (0, 0.5], got `{s}`")
        ))?),
    };
    let base: IsolationForestParams = serde_json::from_value(serde_json::json!({
        "n_estimators": args.n_estimators,
        "contamination": contamination,
        "seed": args.seed,
    }))
    .map_err(|e| satori_core::Error::param("--contamination", e.to_string()))?;
    let sets = args
        .sets
        .iter()
        .map(|s| satori_pipeline::overrides::parse_assignment(s))
        .collect::<Result<Vec<_>, _>>()?;
    let p = apply_overrides(&base, &sets)?;
    p.validate()?;
    Ok(p)
}

pub fn run(args: AnomaliesArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let mut inputs = vec![args.data.as_path()];
    inputs.extend(args.fit_on.as_deref());
    check_output("--out", &args.out, &inputs)?;
    let p = params(&args)?;
    let mut opts = read_options(&args.read)?;
    opts.drop.retain(|d| !args.id.contains(d));
    let (detector, scores, table) = match &args.fit_on {
        Some(reference) => {
            let mut ref_opts = opts.clone();
            ref_opts.drop.extend(args.id.iter().cloned());
            let ref_table = read_table(reference, &ref_opts, progress)?;
            let detector = AnomalyDetector::fit(&ref_table, &p, progress)?;
            let table = read_table(&args.data, &detector.read_options(opts), progress)?;
            let scores = detector.score_table(&table)?;
            (detector, scores, table)
        }
        None => {
            let table = read_table(&args.data, &opts, progress)?;
            let mut features = table.clone();
            for id in &args.id {
                let k = features.schema.require(id, "--id")?;
                features.schema.columns.remove(k);
                features.columns.remove(k);
            }
            let detector = AnomalyDetector::fit(&features, &p, progress)?;
            let scores = detector.score_reference()?;
            (detector, scores, table)
        }
    };
    write_scores(&args, &table, &scores)?;
    let summary = AnomaliesJson {
        command: "anomalies",
        data: args.data.display().to_string(),
        fit_on: args.fit_on.as_ref().map(|p| p.display().to_string()),
        n_rows: scores.scores.len(),
        n_reference: detector.n_reference(),
        n_flagged: scores.n_flagged(),
        threshold: scores.threshold,
        columns: detector.columns(),
        params: serde_json::to_value(&p)?,
        out: args.out.display().to_string(),
    };
    if args.json {
        return print_json(&summary);
    }
    show!(
        "Scored {} rows on {} columns with an isolation forest of {} trees{}: {} flagged (score > {}) → {}",
        summary.n_rows,
        summary.columns.len(),
        p.n_estimators,
        args.fit_on
            .as_ref()
            .map(|r| format!(" fitted on {}", r.display()))
            .unwrap_or_default(),
        summary.n_flagged,
        num(summary.threshold),
        summary.out
    );
    let ids = args
        .id
        .iter()
        .map(|id| output::column_text(&table, id))
        .collect::<satori_core::Result<Vec<_>>>()?;
    let mut t = table_for(&args.id);
    for &row in scores.ranking().iter().take(5) {
        let mut cells = vec![(row + 1).to_string()];
        cells.extend(ids.iter().map(|column| column[row].clone()));
        cells.push(num(scores.scores[row]));
        cells.push(scores.flags[row].to_string());
        t.add_row(cells);
    }
    show!("Most anomalous rows:\n{t}");
    Ok(())
}

fn table_for(ids: &[String]) -> comfy_table::Table {
    let mut header: Vec<&str> = vec!["row"];
    header.extend(ids.iter().map(String::as_str));
    header.extend(["score", "anomaly"]);
    table(&header)
}

/// Write `rank, row, [id], score, is_anomaly`, most anomalous first.
fn write_scores(
    args: &AnomaliesArgs,
    table: &satori_data::Table,
    scores: &AnomalyScores,
) -> anyhow::Result<()> {
    let order = scores.ranking();
    let mut headers = vec!["rank".to_string(), "row".to_string()];
    let mut columns = vec![
        Column::Values((1..=order.len()).map(|r| r as f64).collect()),
        Column::Values(order.iter().map(|&r| (r + 1) as f64).collect()),
    ];
    for id in &args.id {
        let text = output::column_text(table, id)?;
        headers.push(id.clone());
        columns.push(Column::Strings(
            order.iter().map(|&r| Some(text[r].clone())).collect(),
        ));
    }
    headers.push("anomaly_score".into());
    columns.push(Column::Values(
        order.iter().map(|&r| scores.scores[r]).collect(),
    ));
    headers.push("is_anomaly".into());
    columns.push(Column::Values(
        order
            .iter()
            .map(|&r| f64::from(u8::from(scores.flags[r])))
            .collect(),
    ));
    write_csv_columns(&args.out, &headers, &columns)?;
    Ok(())
}
