//! The JSON headers of model and preprocessor files: everything about the model except its
//! fitted parameters, readable without the payload (`satori inspect`).

use std::collections::BTreeMap;

use satori_core::{Schema, Task};
use satori_monitor::ColumnReference;
use serde::{Deserialize, Serialize};

use crate::FittedPipeline;

/// Where the model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The satori version that wrote the file.
    pub library_version: String,
    /// When it was written (RFC 3339, UTC), as given by the caller; model code reads no clock.
    pub created_at: Option<String>,
    /// The training data's file name, if known.
    pub data_source: Option<String>,
    /// A fingerprint of the training matrix and targets (CRC-32 based).
    pub data_fingerprint: String,
    /// The seed used for splitting and fitting.
    pub seed: u64,
    /// The training file's checksum (`crc32:<hex>:<bytes>`), when it was read from a file: how
    /// `satori evaluate` recognises the file the model was trained on. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_checksum: Option<String>,
}

/// The checksum [`Provenance::data_checksum`] records for a file, read a block at a time (a
/// large training file is never held in memory twice).
pub fn file_checksum(path: &std::path::Path) -> satori_core::Result<String> {
    use std::io::Read;
    let io = |e| satori_core::Error::io(path, e);
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok(format!("crc32:{:08x}:{len}", hasher.finalize()))
}

/// The file length a [`Provenance::data_checksum`] records, so that a file of another size is
/// told apart without reading it.
pub fn checksum_len(checksum: &str) -> Option<u64> {
    checksum.rsplit(':').next()?.parse().ok()
}

/// One target of a model with several, as its file's header records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskHeader {
    /// The target column.
    pub name: String,
    /// Its task.
    pub task: Task,
    /// Its class labels (classification).
    pub classes: Option<Vec<String>>,
    /// The weight of its loss in training.
    pub loss_weight: f64,
    /// Rows of the training file that missed this target (every row missing any target was
    /// dropped).
    pub missing_in_training_file: u64,
    /// Its metrics on the holdout (or validation file), by name (empty without one).
    pub metrics: BTreeMap<String, f64>,
}

/// The model file's header: everything about the model except its fitted parameters.
///
/// A model with several targets records each in `tasks`; `target` then lists them
/// comma-separated, `task` and `classes` are the first target's, and `metrics` is empty (each
/// target's metrics are in its entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// The file format's version.
    pub format_version: u32,
    /// The model family, e.g. `dummy_classifier`.
    pub model_kind: String,
    /// The task (the first target's).
    pub task: Task,
    /// The target column's name (several, comma-separated).
    pub target: String,
    /// The class labels, for classification (the first target's).
    pub classes: Option<Vec<String>>,
    /// The raw input columns the model reads, with their kinds.
    pub input_schema: Schema,
    /// The full training parameters, as serialised (the same tree `--set` paths address).
    pub params: serde_json::Value,
    /// Rows used to fit the model.
    pub n_train_samples: u64,
    /// Metrics measured when training (e.g. on the holdout), by name.
    pub metrics: BTreeMap<String, f64>,
    /// What the metrics were measured on, e.g. `holdout (20%, 114 rows)`.
    pub metrics_on: Option<String>,
    /// The tuned decision threshold (binary classifiers), if one was tuned.
    pub threshold: Option<satori_metrics::DecisionThreshold>,
    /// Training reference statistics per input column, for drift monitoring.
    pub reference: Vec<ColumnReference>,
    /// Where the model came from.
    pub provenance: Provenance,
    /// Feature importances of the model's input columns (after preprocessing), largest first,
    /// where the family defines them (trees: impurity decrease; boosting: gain).
    #[serde(default)]
    pub feature_importances: Vec<(String, f64)>,
    /// The per-iteration training (and validation) history of iterative models: the learning
    /// curve.
    #[serde(default)]
    pub training_history: Option<satori_core::TrainingHistory>,
    /// The fitted model's structure in a few lines (layers and parameter counts, trees, …).
    #[serde(default)]
    pub model_summary: Option<String>,
    /// The model this one was fine-tuned or continued from, if any.
    #[serde(default)]
    pub init_from: Option<String>,
    /// Each target of a model with several (empty for one target).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<TaskHeader>,
    /// Each ensemble member's own metrics, on the same rows as `metrics` (empty for a model
    /// that is not an ensemble, or without a holdout).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_metrics: Vec<MemberMetrics>,
    /// The distribution of the model's own outputs, for prediction drift: per target, the
    /// predicted value (regression) or class (`prediction(<target>)`), and each class's
    /// probability (`P(<target>=<class>)`; a binary target only its second class's). Empty in
    /// files written before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prediction_reference: Vec<ColumnReference>,
    /// The rows [`ModelHeader::prediction_reference`] was measured on, e.g. `holdout (20%, 114
    /// rows)` or `training rows (569)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction_reference_on: Option<String>,
    /// Where an updated model came from (`satori update`): its parent's hash, the rows seen in
    /// all, the number of updates and the champion/challenger gate's decision; absent for a
    /// model trained from scratch and in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<Lineage>,
    /// The input anomaly detector fitted at training time (`satori train --anomaly-detector`),
    /// if any: its description here, its forest in the file's anomaly section. Absent in files
    /// written without one, and in every file written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_anomaly: Option<crate::InputAnomaly>,
    /// How the model was compressed from another (`satori compress`), with the size, latency
    /// and metric before and after; absent for a model that was not compressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<super::compression::CompressionRecord>,
}

/// The lineage of a model produced by `satori update` (see `docs/updates.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// `sha256:<hex>` of the parent model file's bytes.
    pub parent_sha256: String,
    /// The parent file's name as given.
    pub parent: String,
    /// Rows learned from over the whole lineage: the parent's rows seen (its training rows for
    /// a model trained from scratch) plus this update's training rows.
    pub rows_seen: u64,
    /// Updates since the model was trained from scratch (1 for the first update).
    pub update_count: u64,
    /// How the model was updated (`add-trees`, `refit`, `partial-fit`, `window`), with its
    /// settings, e.g. `add-trees (50 rounds, blend weight 0.75)`.
    pub mode: String,
    /// The gate's decision and the scores it compared.
    pub gate: GateRecord,
}

/// The champion/challenger gate's decision: the updated model (challenger) replaces its parent
/// (champion) only if it is not worse on the gate rows by more than the tolerance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateRecord {
    /// `accepted` or `rejected`.
    pub decision: String,
    /// The metric compared (a scikit-learn scorer name).
    pub metric: String,
    /// Whether a larger value of the metric is better.
    pub greater_is_better: bool,
    /// The parent's score on the gate rows.
    pub champion: f64,
    /// The updated model's score on the gate rows.
    pub challenger: f64,
    /// The largest loss accepted, in the metric's units.
    pub tolerance: f64,
    /// The rows scored, e.g. `holdout of the new rows (20%, 400 rows)`.
    pub on: String,
}

/// One ensemble member's metrics, measured alone beside the ensemble's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberMetrics {
    /// The member's name.
    pub name: String,
    /// Its model kind.
    pub kind: String,
    /// Its metrics, by name.
    pub metrics: BTreeMap<String, f64>,
}

impl ModelHeader {
    /// Whether the model predicts several targets.
    pub fn is_multi_target(&self) -> bool {
        !self.tasks.is_empty()
    }

    /// The target names, in the model's output order.
    pub fn target_names(&self) -> Vec<String> {
        if self.tasks.is_empty() {
            vec![self.target.clone()]
        } else {
            self.tasks.iter().map(|t| t.name.clone()).collect()
        }
    }

    /// Check that this header, read from the same file, describes `pipeline`: the same input
    /// columns, targets, tasks, classes and model kind (a hand-edited header whose checksum was
    /// recomputed is caught here).
    pub fn check_describes(&self, pipeline: &FittedPipeline) -> std::result::Result<(), String> {
        let targets = pipeline.targets();
        let first = &targets[0];
        let same_targets =
            if self.tasks.is_empty() {
                targets.len() == 1 && self.target == first.name
            } else {
                self.tasks.len() == targets.len()
                    && self.tasks.iter().zip(targets).all(|(h, t)| {
                        h.name == t.name && h.task == t.task && h.classes == t.classes
                    })
            };
        if self.input_schema != *pipeline.input_schema()
            || self.task != first.task
            || self.classes != first.classes
            || !same_targets
        {
            return Err("corrupted: the header does not describe the model payload".into());
        }
        if self.model_kind != pipeline.model().kind() {
            return Err(format!(
                "corrupted: the header says the model is a {}, and the payload holds a {}",
                self.model_kind,
                pipeline.model().kind()
            ));
        }
        Ok(())
    }
}

/// The header of a preprocessor file: the steps alone, fitted without a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreprocessorHeader {
    /// The file format's version (shared with model files).
    pub format_version: u32,
    /// The steps' names, in order.
    pub steps: Vec<String>,
    /// The steps' parameters, as in a pipeline file's `preprocessing` list.
    pub params: serde_json::Value,
    /// The raw input columns it reads.
    pub input_schema: Schema,
    /// The columns it writes.
    pub output_columns: Vec<String>,
    /// The kinds of the columns it writes, so that a categorical column that passes through is
    /// written as its labels (absent in older preprocessor files: their categorical columns are
    /// written as codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Schema>,
    /// The target the steps were fitted with, if any (supervised steps need one).
    pub target: Option<String>,
    /// Rows it was fitted on.
    pub n_train_samples: u64,
    /// Where it came from.
    pub provenance: Provenance,
}
