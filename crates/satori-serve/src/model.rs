//! One loaded model version: the fitted pipeline read from its model file, the read options it
//! dictates, its v2 metadata, and the predict call that every endpoint ends in.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use satori_core::{ColumnKind, Task};
use satori_data::{ReadOptions, Table};
use satori_pipeline::model_file::{self, ModelHeader};
use satori_pipeline::{FittedPipeline, Predictions};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::metrics::ModelMetrics;

/// What identifies a model file's contents on disk, to notice a file replaced in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// The file's length.
    pub len: u64,
    /// Its modification time.
    pub modified: Option<SystemTime>,
}

impl FileStamp {
    /// The stamp of `path` now.
    pub fn of(path: &Path) -> std::io::Result<FileStamp> {
        let m = std::fs::metadata(path)?;
        Ok(FileStamp {
            len: m.len(),
            modified: m.modified().ok(),
        })
    }
}

/// A model version ready to predict.
#[derive(Debug)]
pub struct LoadedModel {
    /// The model's name.
    pub name: String,
    /// The version (the file stem in a repository, `1` for a single file).
    pub version: String,
    /// The file it was loaded from.
    pub path: PathBuf,
    /// The file's stamp when loaded.
    pub stamp: FileStamp,
    /// The model file's header.
    pub header: ModelHeader,
    /// The fitted pipeline.
    pub pipeline: FittedPipeline,
    /// The options that read request rows as the pipeline was trained on them.
    pub read_opts: ReadOptions,
    /// This version's metrics.
    pub metrics: Arc<ModelMetrics>,
}

/// Predictions for a request's rows, per target.
#[derive(Debug)]
pub struct Scored {
    /// One entry per target, in the model's target order.
    pub predictions: Vec<Predictions>,
    /// Each row's input anomaly score, when the model file has an input anomaly detector
    /// (`satori train --anomaly-detector`): higher is more anomalous.
    pub anomaly: Option<Vec<f64>>,
}

impl LoadedModel {
    /// Read and check a model file (the same reader `satori predict` uses), and prove it predicts:
    /// the pipeline must be able to read rows of its own input schema.
    pub fn load(
        name: &str,
        version: &str,
        path: &Path,
        metrics: Arc<ModelMetrics>,
    ) -> satori_core::Result<LoadedModel> {
        let stamp = FileStamp::of(path).map_err(|e| satori_core::Error::io(path, e))?;
        let (header, pipeline) = model_file::load(path)?;
        let read_opts = pipeline.read_options(ReadOptions::default());
        Ok(LoadedModel {
            name: name.to_string(),
            version: version.to_string(),
            path: path.to_path_buf(),
            stamp,
            header,
            pipeline,
            read_opts,
            metrics,
        })
    }

    /// Predict every target of a table read with [`LoadedModel::read_opts`].
    pub fn predict_table(&self, table: &Table) -> Result<Scored, ApiError> {
        let started = Instant::now();
        let predictions = self.pipeline.predict_table_all(table)?;
        let anomaly = match &self.header.input_anomaly {
            Some(a) => {
                let scores = a.score_table(&self.pipeline, table)?;
                self.metrics.anomaly_scores(&scores);
                Some(scores.scores)
            }
            None => None,
        };
        self.metrics.predict_call(table.n_rows(), started.elapsed());
        Ok(Scored {
            predictions,
            anomaly,
        })
    }

    /// Read CSV bytes exactly as `satori predict` reads a CSV file (the model's read options,
    /// delimiter detected), and predict.
    pub fn predict_csv(&self, bytes: &[u8]) -> Result<(Table, Scored), ApiError> {
        let table = satori_data::read_csv_bytes("request", bytes, &self.read_opts)?;
        if table.n_rows() == 0 {
            return Err(ApiError::BadRequest(
                "the CSV body holds a header but no rows to predict".into(),
            ));
        }
        let scored = self.predict_table(&table)?;
        Ok((table, scored))
    }

    /// Whether this is a classifier (first target).
    pub fn is_classifier(&self) -> bool {
        self.pipeline.task() != Task::Regression
    }

    /// The input tensors of the v2 metadata: one per input column, `BYTES` for categorical,
    /// text, datetime and identifier columns, `FP64` for numbers, `INT64` for whole numbers,
    /// `BOOL` for booleans.
    pub fn v2_inputs(&self) -> Vec<Value> {
        let mut out: Vec<Value> = self
            .pipeline
            .input_schema()
            .columns
            .iter()
            .map(|c| {
                let datatype = match &c.kind {
                    ColumnKind::Numeric => "FP64",
                    ColumnKind::Integer => "INT64",
                    ColumnKind::Boolean => "BOOL",
                    _ => "BYTES",
                };
                let mut t = json!({"name": c.name, "datatype": datatype, "shape": [-1]});
                if let Some(cats) = c.kind.categories() {
                    t["parameters"] = json!({"kind": c.kind.name(), "categories": cats});
                } else {
                    t["parameters"] = json!({"kind": c.kind.name()});
                }
                t
            })
            .collect();
        for name in self.pipeline.text().text_column_names() {
            out.push(json!({"name": name, "datatype": "BYTES", "shape": [-1],
                            "parameters": {"kind": "text"}}));
        }
        out
    }

    /// The output tensors of the v2 metadata.
    pub fn v2_outputs(&self) -> Vec<Value> {
        let several = self.pipeline.targets().len() > 1;
        let mut out = Vec::new();
        for t in self.pipeline.targets() {
            let suffix = if several {
                format!("_{}", t.name)
            } else {
                String::new()
            };
            let classifier = t.classes.is_some();
            out.push(json!({
                "name": format!("predict{suffix}"),
                "datatype": if classifier { "BYTES" } else { "FP64" },
                "shape": [-1],
                "parameters": {"target": t.name},
            }));
            if let Some(classes) = &t.classes {
                out.push(json!({
                    "name": format!("probabilities{suffix}"),
                    "datatype": "FP64",
                    "shape": [-1, classes.len()],
                    "parameters": {"target": t.name, "classes": classes},
                }));
            }
        }
        out
    }

    /// The v2 metadata's outputs, with `anomaly_score` when the model has an input anomaly
    /// detector.
    fn v2_outputs_all(&self) -> Vec<Value> {
        let mut out = self.v2_outputs();
        if let Some(a) = &self.header.input_anomaly {
            out.push(json!({
                "name": "anomaly_score",
                "datatype": "FP64",
                "shape": [-1],
                "parameters": {"threshold": a.threshold},
            }));
        }
        out
    }

    /// The v2 model metadata.
    pub fn v2_metadata(&self) -> Value {
        json!({
            "name": self.name,
            "versions": [self.version],
            "platform": "satori",
            "inputs": self.v2_inputs(),
            "outputs": self.v2_outputs_all(),
            "parameters": {
                "model_kind": self.header.model_kind,
                "task": format!("{:?}", self.pipeline.task()).to_lowercase(),
                "targets": self.pipeline.target_names(),
                "classes": self.pipeline.classes(),
                "trained_rows": self.header.n_train_samples,
            },
        })
    }
}

/// One target's predictions as JSON values: class labels (classifiers) or numbers.
pub fn prediction_values(p: &Predictions) -> Vec<Value> {
    (0..p.len())
        .map(|i| match &p.classes {
            Some(_) => Value::String(p.label(i)),
            None => json!(p.values[i]),
        })
        .collect()
}

/// The `POST /predict` JSON answer: for one target `predictions` (+ `probabilities` and `classes`
/// for classifiers); for several, `targets` with one such object per target.
pub fn predict_json(model: &LoadedModel, scored: &Scored) -> Value {
    let one = |p: &Predictions| {
        let mut o = json!({"predictions": prediction_values(p)});
        if let Some(proba) = &p.proba {
            o["probabilities"] = json!(
                proba
                    .rows()
                    .into_iter()
                    .map(|r| r.to_vec())
                    .collect::<Vec<_>>()
            );
        }
        if let Some(c) = &p.classes {
            o["classes"] = json!(c);
        }
        o
    };
    let mut out = if scored.predictions.len() == 1 {
        one(&scored.predictions[0])
    } else {
        let targets: Vec<Value> = model
            .pipeline
            .targets()
            .iter()
            .zip(&scored.predictions)
            .map(|(t, p)| {
                let mut o = one(p);
                o["target"] = json!(t.name);
                o
            })
            .collect();
        json!({"targets": targets})
    };
    if let (Some(scores), Some(a)) = (&scored.anomaly, &model.header.input_anomaly) {
        out["anomaly_scores"] = json!(scores);
        out["anomaly_threshold"] = json!(a.threshold);
    }
    out["model"] = json!(model.name);
    out["version"] = json!(model.version);
    out
}

/// The v2 inference response's outputs (`predict`, `probabilities`; suffixed by the target for
/// several targets), filtered to `wanted` when the request names outputs.
pub fn v2_outputs(model: &LoadedModel, scored: &Scored, wanted: Option<&[String]>) -> Vec<Value> {
    let several = scored.predictions.len() > 1;
    let mut out = Vec::new();
    for (t, p) in model.pipeline.targets().iter().zip(&scored.predictions) {
        let suffix = if several {
            format!("_{}", t.name)
        } else {
            String::new()
        };
        let n = p.len();
        out.push(json!({
            "name": format!("predict{suffix}"),
            "datatype": if p.classes.is_some() { "BYTES" } else { "FP64" },
            "shape": [n],
            "data": prediction_values(p),
        }));
        if let Some(proba) = &p.proba {
            out.push(json!({
                "name": format!("probabilities{suffix}"),
                "datatype": "FP64",
                "shape": [n, proba.ncols()],
                "data": proba.iter().copied().collect::<Vec<f64>>(),
                "parameters": {"classes": p.classes},
            }));
        }
    }
    if let (Some(scores), Some(a)) = (&scored.anomaly, &model.header.input_anomaly) {
        out.push(json!({
            "name": "anomaly_score",
            "datatype": "FP64",
            "shape": [scores.len()],
            "data": scores,
            "parameters": {"threshold": a.threshold},
        }));
    }
    if let Some(w) = wanted {
        out.retain(|o| w.iter().any(|n| o["name"] == n.as_str()));
    }
    out
}

/// Predictions as CSV text, the columns `satori predict --proba` writes: the id columns, then
/// `prediction` (or `prediction_<target>`), then `proba_<class>` (or `proba_<target>_<class>`)
/// per class of each classifier, then, for a model with an input anomaly detector, `anomaly_score`
/// and `is_anomaly` (as `satori predict --anomaly-score`); numbers in shortest round-trip form.
pub fn predictions_csv(
    model: &LoadedModel,
    scored: &Scored,
    ids: &[(String, Vec<String>)],
    proba: bool,
) -> Vec<u8> {
    let targets = model.pipeline.targets();
    let several = targets.len() > 1;
    let mut header: Vec<String> = ids.iter().map(|(n, _)| n.clone()).collect();
    for t in targets {
        header.push(if several {
            format!("prediction_{}", t.name)
        } else {
            "prediction".into()
        });
    }
    let with_proba: Vec<bool> = scored
        .predictions
        .iter()
        .map(|p| proba && p.proba.is_some())
        .collect();
    for ((t, p), on) in targets.iter().zip(&scored.predictions).zip(&with_proba) {
        if !on || p.proba.is_none() {
            continue;
        }
        for c in t.classes.iter().flatten() {
            header.push(if several {
                format!("proba_{}_{c}", t.name)
            } else {
                format!("proba_{c}")
            });
        }
    }
    let anomaly = scored
        .anomaly
        .as_ref()
        .zip(model.header.input_anomaly.as_ref().map(|a| a.threshold));
    if anomaly.is_some() {
        header.extend(["anomaly_score".to_string(), "is_anomaly".to_string()]);
    }
    let n = scored.predictions.first().map_or(0, Predictions::len);
    let rows: Vec<Vec<String>> = (0..n)
        .map(|i| {
            let mut record: Vec<String> = ids
                .iter()
                .map(|(_, v)| v.get(i).cloned().unwrap_or_default())
                .collect();
            record.extend(scored.predictions.iter().map(|p| p.label(i)));
            for (p, on) in scored.predictions.iter().zip(&with_proba) {
                if let (true, Some(pr)) = (on, &p.proba) {
                    record.extend(pr.row(i).iter().map(|v| format!("{v}")));
                }
            }
            if let Some((scores, threshold)) = anomaly {
                record.push(format!("{}", scores[i]));
                record.push((scores[i] > threshold).to_string());
            }
            record
        })
        .collect();
    crate::input::csv_bytes(&header, rows.iter())
}
