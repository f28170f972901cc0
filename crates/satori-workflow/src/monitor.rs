//! Drift of new data against a model's training reference (`satori monitor`; the server's
//! sliding windows use the same columns and rows).
//!
//! The monitored columns are the model's inputs, in its input schema's order, then its outputs
//! ([`prediction_columns`]): per target the predicted value (regression) or class
//! (`prediction(<target>)`), and for a classifier each class's probability (`P(<target>=<class>)`;
//! a binary target only its second class's, the first being its complement). The training flow
//! stores their reference distributions in the model file ([`prediction_reference`]); here the
//! model predicts the new rows, and every column's statistics and verdict come from one
//! [`DriftWindow`] filled with them. Where the new rows carry the target, the model's metrics on
//! them are set beside the holdout's from the header.
//!
//! Request logs ([`read_request_log`]) are JSON Lines: each line a request
//! `{"rows": [{"col": value, …}, …], …}` (other keys, such as `model`, `version` and
//! `predictions`, are ignored) or a single row object `{"col": value, …}`.

use std::collections::BTreeMap;
use std::path::Path;

use satori_core::{Error, Result};
use satori_data::{ReadOptions, Table, read_csv_bytes};
use satori_monitor::{
    ColumnDrift, ColumnReference, DriftWindow, Monitored, MonitoredKind, Role, Thresholds, Verdict,
    categorical_reference, numeric_reference,
};
use satori_pipeline::{FittedPipeline, FittedTarget, ModelHeader, Predictions};
use serde::Serialize;

use crate::evaluate::{MetricSpec, evaluate_table};

/// The model's outputs as monitored columns: name and kind, per target in output order.
pub fn prediction_columns(targets: &[FittedTarget]) -> Vec<(String, MonitoredKind)> {
    let mut out = Vec::new();
    for t in targets {
        match &t.classes {
            None => out.push((format!("prediction({})", t.name), MonitoredKind::Numeric)),
            Some(classes) => {
                out.push((
                    format!("prediction({})", t.name),
                    MonitoredKind::Categorical {
                        labels: classes.clone(),
                    },
                ));
                let first = if classes.len() == 2 { 1 } else { 0 };
                for c in &classes[first..] {
                    out.push((format!("P({}={c})", t.name), MonitoredKind::Numeric));
                }
            }
        }
    }
    out
}

/// The values of the output columns ([`prediction_columns`]) for every row, one vector per
/// column. A classifier without probabilities gives missing probability values.
pub fn prediction_values(targets: &[FittedTarget], predictions: &[Predictions]) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    for (t, p) in targets.iter().zip(predictions) {
        out.push(p.values.to_vec());
        if let Some(classes) = &t.classes {
            let first = if classes.len() == 2 { 1 } else { 0 };
            for k in first..classes.len() {
                out.push(match &p.proba {
                    Some(proba) if k < proba.ncols() => proba.column(k).to_vec(),
                    _ => vec![f64::NAN; p.len()],
                });
            }
        }
    }
    out
}

/// The reference distributions of the model's outputs on some rows' predictions: what the
/// model file keeps as [`ModelHeader::prediction_reference`].
pub fn prediction_reference(
    targets: &[FittedTarget],
    predictions: &[Predictions],
) -> Vec<ColumnReference> {
    prediction_columns(targets)
        .into_iter()
        .zip(prediction_values(targets, predictions))
        .map(|((name, kind), values)| match kind {
            MonitoredKind::Numeric => numeric_reference(&name, &values),
            MonitoredKind::Categorical { labels } => {
                categorical_reference(&name, &values, labels.len(), Some(labels.as_slice()))
            }
        })
        .collect()
}

/// The monitored columns of a model: its inputs with their training references, then its
/// outputs with theirs. An input the header keeps no reference for (or an output of a model file
/// written before prediction references) gets an empty one, whose verdict is `unknown`.
pub fn monitored_columns(header: &ModelHeader, pipeline: &FittedPipeline) -> Vec<Monitored> {
    let empty = |name: &str| numeric_reference(name, &[]);
    let mut out: Vec<Monitored> = pipeline
        .input_schema()
        .columns
        .iter()
        .map(|c| {
            let reference = header
                .reference
                .iter()
                .find(|r| r.name == c.name)
                .cloned()
                .unwrap_or_else(|| empty(&c.name));
            let kind = match &c.kind {
                satori_core::ColumnKind::Categorical { categories } => MonitoredKind::Categorical {
                    labels: categories.clone(),
                },
                _ => MonitoredKind::Numeric,
            };
            Monitored {
                name: c.name.clone(),
                role: Role::Input,
                kind,
                reference,
            }
        })
        .collect();
    for (name, kind) in prediction_columns(pipeline.targets()) {
        let reference = header
            .prediction_reference
            .iter()
            .find(|r| r.name == name)
            .cloned()
            .unwrap_or_else(|| empty(&name));
        out.push(Monitored {
            name,
            role: Role::Prediction,
            kind,
            reference,
        });
    }
    out
}

/// The monitored rows of a table: its input columns as the model reads them (an unseen
/// category's code lies past the column's list) and the model's outputs on them, one vector per
/// row in [`monitored_columns`] order.
pub fn monitored_rows(pipeline: &FittedPipeline, table: &Table) -> Result<Vec<Vec<f64>>> {
    let (x, _) = table.features_keeping_unseen(pipeline.input_schema())?;
    let predictions = pipeline.predict_table_all(table)?;
    let outputs = prediction_values(pipeline.targets(), &predictions);
    Ok((0..table.n_rows())
        .map(|i| {
            x.row(i)
                .iter()
                .copied()
                .chain(outputs.iter().map(|c| c[i]))
                .collect()
        })
        .collect())
}

/// One metric on the new rows beside its value on the model's holdout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricChange {
    /// The target.
    pub target: String,
    /// The metric (scikit-learn's scorer name).
    pub metric: String,
    /// Its value in the model file (holdout or validation file).
    pub reference: f64,
    /// Its value on the new rows.
    pub current: f64,
    /// `current − reference`.
    pub change: f64,
}

/// The outcome of [`monitor_tables`].
#[derive(Debug, Clone, Serialize)]
pub struct MonitorOutcome {
    /// Rows compared.
    pub rows: usize,
    /// Every monitored column's drift: inputs, then outputs.
    pub columns: Vec<ColumnDrift>,
    /// The worst verdict of any column (`unknown` only when every column is).
    pub verdict: Verdict,
    /// Columns per verdict.
    pub counts: BTreeMap<&'static str, usize>,
    /// Where the output references were measured (from the header).
    pub prediction_reference_on: Option<String>,
    /// What the header's metrics were measured on.
    pub metrics_on: Option<String>,
    /// The metrics on the rows that carry the target, beside the header's (empty when no table
    /// has the target columns).
    pub performance: Vec<MetricChange>,
    /// Rows the metrics were measured on.
    pub performance_rows: Option<usize>,
    /// The thresholds used.
    pub thresholds: Thresholds,
    /// The share of rows the model's input anomaly detector flags, beside the training rows'
    /// (absent when the model has no detector).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_anomaly: Option<AnomalyShare>,
}

/// How many of the new rows the model's input anomaly detector ([`satori_pipeline::InputAnomaly`])
/// flags: rows whose score passes the threshold fixed at training by the contamination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalyShare {
    /// Rows scored.
    pub rows: usize,
    /// Rows whose score passes the threshold.
    pub anomalous: usize,
    /// `anomalous / rows`.
    pub share: f64,
    /// The share of the training rows past the threshold.
    pub reference_share: f64,
    /// The score threshold.
    pub threshold: f64,
    /// The mean score of the new rows.
    pub mean_score: f64,
}

/// Score the rows of `tables` with the model's input anomaly detector, if it has one.
pub fn anomaly_share(
    header: &ModelHeader,
    pipeline: &FittedPipeline,
    tables: &[&Table],
) -> Result<Option<AnomalyShare>> {
    let Some(detector) = &header.input_anomaly else {
        return Ok(None);
    };
    let (mut rows, mut anomalous, mut sum) = (0usize, 0usize, 0.0);
    for t in tables {
        let s = detector.score_table(pipeline, t)?;
        rows += s.scores.len();
        anomalous += s.n_anomalous();
        sum += s.scores.iter().sum::<f64>();
    }
    Ok((rows > 0).then(|| AnomalyShare {
        rows,
        anomalous,
        share: anomalous as f64 / rows as f64,
        reference_share: detector.reference_share,
        threshold: detector.threshold,
        mean_score: sum / rows as f64,
    }))
}

/// Compare tables of new rows (a data file, request logs) with a model's training reference: all
/// their rows in one window. The metrics are measured on the first table when it has every
/// target column.
pub fn monitor_tables(
    header: &ModelHeader,
    pipeline: &FittedPipeline,
    tables: &[&Table],
    thresholds: Thresholds,
) -> Result<MonitorOutcome> {
    let mut rows = Vec::new();
    for t in tables {
        rows.extend(monitored_rows(pipeline, t)?);
    }
    if rows.is_empty() {
        let sources: Vec<&str> = tables.iter().map(|t| t.source.as_str()).collect();
        return Err(Error::NotEnoughSamples {
            context: format!("monitoring {}: rows to compare", sources.join(", ")),
            needed: 1,
            got: 0,
        });
    }
    let n = rows.len();
    let mut window = DriftWindow::new(monitored_columns(header, pipeline), n, thresholds.clone())?;
    for r in &rows {
        window.push(r)?;
    }
    let columns = window.report();
    let verdict = columns
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::Unknown);
    let mut counts = BTreeMap::new();
    for v in [
        Verdict::Stable,
        Verdict::Warning,
        Verdict::Drift,
        Verdict::Unknown,
    ] {
        counts.insert(
            v.as_str(),
            columns.iter().filter(|c| c.verdict == v).count(),
        );
    }
    let (performance, performance_rows) = match tables.first() {
        Some(t) if has_targets(pipeline, t) => performance(header, pipeline, t)?,
        _ => (Vec::new(), None),
    };
    let input_anomaly = anomaly_share(header, pipeline, tables)?;
    Ok(MonitorOutcome {
        input_anomaly,
        rows: n,
        columns,
        verdict,
        counts,
        prediction_reference_on: header.prediction_reference_on.clone(),
        metrics_on: header.metrics_on.clone(),
        performance,
        performance_rows,
        thresholds,
    })
}

fn has_targets(pipeline: &FittedPipeline, table: &Table) -> bool {
    pipeline
        .targets()
        .iter()
        .all(|t| table.schema.columns.iter().any(|c| c.name == t.name))
}

/// The header's metrics beside the same metrics on the table's labelled rows.
fn performance(
    header: &ModelHeader,
    pipeline: &FittedPipeline,
    table: &Table,
) -> Result<(Vec<MetricChange>, Option<usize>)> {
    let evaluations = evaluate_table(pipeline, table, &MetricSpec::from_names(&[], None)?)?;
    let mut out = Vec::new();
    let mut n_rows = None;
    for e in &evaluations {
        n_rows = Some(e.evaluation.n_rows);
        let stored = if header.tasks.is_empty() {
            Some(&header.metrics)
        } else {
            header
                .tasks
                .iter()
                .find(|t| t.name == e.target)
                .map(|t| &t.metrics)
        };
        let Some(stored) = stored else { continue };
        for (metric, &current) in &e.evaluation.metrics {
            if let Some(&reference) = stored.get(metric) {
                out.push(MetricChange {
                    target: e.target.clone(),
                    metric: metric.clone(),
                    reference,
                    current,
                    change: current - reference,
                });
            }
        }
    }
    Ok((out, n_rows))
}

/// Read a request log (JSON Lines: a request `{"rows": [{…}, …]}` or one row object per line;
/// blank lines skipped) into a table, its columns read as the model reads them.
pub fn read_request_log(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    request_log_table(&path.display().to_string(), &text, opts)
}

/// [`read_request_log`] of text already read; `source` names it in messages.
pub fn request_log_table(source: &str, text: &str, opts: &ReadOptions) -> Result<Table> {
    let mut columns: Vec<String> = Vec::new();
    let mut rows: Vec<serde_json::Map<String, serde_json::Value>> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |what: String| Error::InvalidData(format!("{source}: line {}: {what}", i + 1));
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(format!("not a JSON value ({e})")))?;
        let serde_json::Value::Object(object) = value else {
            return Err(bad(
                "expected a JSON object (a request with `rows`, or a row)".into(),
            ));
        };
        let new_rows = if !object.contains_key("rows") {
            vec![object]
        } else {
            match &object["rows"] {
                serde_json::Value::Array(list) => list
                    .iter()
                    .enumerate()
                    .map(|(k, r)| match r {
                        serde_json::Value::Object(o) => Ok(o.clone()),
                        _ => Err(bad(format!(
                            "`rows[{k}]` is not an object of column values"
                        ))),
                    })
                    .collect::<Result<Vec<_>>>()?,
                _ => return Err(bad("`rows` is not a list of row objects".into())),
            }
        };
        for row in new_rows {
            for (k, v) in &row {
                if matches!(
                    v,
                    serde_json::Value::Array(_) | serde_json::Value::Object(_)
                ) {
                    return Err(bad(format!(
                        "column `{}` holds a list or an object, not a value",
                        satori_core::snippet(k)
                    )));
                }
                if !columns.iter().any(|c| c == k) {
                    columns.push(k.clone());
                }
            }
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: format!("{source}: request rows"),
            needed: 1,
            got: 0,
        });
    }
    // The rows become CSV, read with the model's reader rules (names, kinds, categories,
    // missing values) exactly as a data file is.
    let mut csv = String::new();
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) || s.trim() != s {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    csv.push_str(
        &columns
            .iter()
            .map(|c| field(c))
            .collect::<Vec<_>>()
            .join(","),
    );
    csv.push('\n');
    for row in &rows {
        let line: Vec<String> = columns
            .iter()
            .map(|c| match row.get(c) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => field(s),
                Some(v) => v.to_string(),
            })
            .collect();
        csv.push_str(&line.join(","));
        csv.push('\n');
    }
    let mut opts = opts.clone();
    opts.delimiter = Some(b',');
    opts.format = None;
    read_csv_bytes(source, csv.as_bytes(), &opts)
}
