//! The model file: one file holds everything needed to predict from raw input rows.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `SATORI\x00M` |
//! | 4 | `format_version` (u32) |
//! | 4 | header length `h` (u32) |
//! | 4 | CRC-32 of the header bytes |
//! | 8 | payload length `p` (u64) |
//! | 4 | CRC-32 of the payload bytes |
//! | h | header: UTF-8 JSON ([`ModelHeader`]) — schema, task, params, metrics, provenance |
//! | p | payload: postcard encoding of the fitted [`crate::FittedPipeline`] |
//!
//! The header can be read without touching the payload ([`read_header`]), which is what
//! `satori inspect model.satori` prints. Every way a file can be wrong — not a model file, a newer
//! format, truncated, corrupted — is a clear [`Error::ModelFile`].
//!
//! A multi-task model (`satori train --target a,b,c`) uses the same layout: its header is a
//! [`MultiTaskHeader`] (the [`ModelHeader`] fields with `model_kind = "multitask_mlp"`, plus a
//! `tasks` list) and its payload a [`FittedMultiTask`]. [`load`] refuses such a file with a
//! clear message (and [`load_multitask`] a single-target one); [`load_any`] reads either.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use satori_core::{Error, Result, Schema, Task};
use serde::{Deserialize, Serialize};

use serde::de::DeserializeOwned;

use crate::multitask::{FittedMultiTask, MULTITASK_KIND, MultiTaskHeader};
use crate::{FittedPipeline, FittedPreprocessor};

/// The magic bytes every model file starts with.
pub const MAGIC: &[u8; 8] = b"SATORI\x00M";
/// The newest format this build writes and reads (2: pipelines gained text vectorizers; 3: neural
/// networks are stored as safetensors bytes; files of formats 1 and 2 still load).
pub const FORMAT_VERSION: u32 = 3;
const PREAMBLE: usize = 8 + 4 + 4 + 4 + 8 + 4;
/// Headers larger than this are rejected as corrupt rather than allocated.
const MAX_HEADER: u32 = 64 << 20;

/// Summary statistics of one training column, kept for drift monitoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReference {
    /// The column.
    pub name: String,
    /// Rows seen.
    pub count: u64,
    /// Missing values seen.
    pub missing: u64,
    /// Mean of the non-missing values (numeric columns).
    pub mean: Option<f64>,
    /// Population standard deviation of the non-missing values (numeric columns).
    pub std: Option<f64>,
    /// Minimum (numeric columns).
    pub min: Option<f64>,
    /// Maximum (numeric columns).
    pub max: Option<f64>,
    /// Deciles 0.1..0.9 of the non-missing values (numeric columns).
    pub deciles: Vec<f64>,
    /// Frequency of each category (categorical columns), in category order.
    pub category_frequencies: Vec<f64>,
}

/// Where the model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The satori version that wrote the file.
    pub library_version: String,
    /// When it was written (RFC 3339, UTC), as given by the caller; model code reads no clock.
    pub created_at: Option<String>,
    /// The training data's file name, if known.
    pub data_source: Option<String>,
    /// A fingerprint of the training matrix and target (CRC-32 based).
    pub data_fingerprint: String,
    /// The seed used for splitting and fitting.
    pub seed: u64,
}

/// The model file's header: everything about the model except its fitted parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// The file format's version.
    pub format_version: u32,
    /// The model family, e.g. `dummy_classifier`.
    pub model_kind: String,
    /// The task.
    pub task: Task,
    /// The target column's name.
    pub target: String,
    /// The class labels, for classification.
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
    /// The model this one was fine-tuned from (transfer learning), if any.
    #[serde(default)]
    pub init_from: Option<String>,
}

fn file_err(path: &Path, reason: impl Into<String>) -> Error {
    Error::ModelFile {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Encode a header and pipeline into model-file bytes.
pub fn to_bytes(header: &ModelHeader, pipeline: &FittedPipeline) -> Result<Vec<u8>> {
    encode(MAGIC, header.format_version, header, pipeline)
}

/// The container: magic, version, CRC-checked JSON header, CRC-checked postcard payload.
fn encode<H: Serialize, P: Serialize>(
    magic: &[u8; 8],
    version: u32,
    header: &H,
    payload: &P,
) -> Result<Vec<u8>> {
    let head = serde_json::to_vec(header)
        .map_err(|e| Error::Internal(format!("cannot encode the header: {e}")))?;
    let body = postcard::to_stdvec(payload)
        .map_err(|e| Error::Internal(format!("cannot encode the payload: {e}")))?;
    let head_len =
        u32::try_from(head.len()).map_err(|_| Error::Internal("header over 4 GiB".into()))?;
    let mut out = Vec::with_capacity(PREAMBLE + head.len() + body.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&head_len.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&head).to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Write a model file atomically (a temporary file beside it, then a rename).
pub fn save(path: &Path, header: &ModelHeader, pipeline: &FittedPipeline) -> Result<()> {
    write_atomic(path, &to_bytes(header, pipeline)?)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("satori.tmp");
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

struct Preamble {
    head_len: u32,
    head_crc: u32,
    body_len: u64,
    body_crc: u32,
}

fn parse_preamble(path: &Path, bytes: &[u8], magic: &[u8; 8]) -> Result<Preamble> {
    if bytes.len() < magic.len() || &bytes[..magic.len()] != magic {
        let other = if magic == MAGIC {
            PREPROCESSOR_MAGIC
        } else {
            MAGIC
        };
        let reason = if bytes.starts_with(other) && magic == MAGIC {
            "a satori preprocessor file, not a model (use it with `satori transform --using`)"
        } else if bytes.starts_with(other) {
            "a satori model file, not a preprocessor (use it with `satori predict`)"
        } else if magic == MAGIC {
            "not a satori model file (it does not start with the model-file magic bytes)"
        } else {
            "not a satori preprocessor file (it does not start with the preprocessor magic bytes)"
        };
        return Err(file_err(path, reason));
    }
    if bytes.len() < PREAMBLE {
        return Err(file_err(
            path,
            "truncated: the file ends inside its preamble",
        ));
    }
    let u32_at =
        |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    let version = u32_at(8);
    if version > FORMAT_VERSION {
        return Err(file_err(
            path,
            format!(
                "written in model-file format {version}, newer than this satori {} reads (up to {FORMAT_VERSION}); upgrade satori",
                satori_core::VERSION
            ),
        ));
    }
    if version == 0 {
        return Err(file_err(path, "corrupted: format version 0 does not exist"));
    }
    let mut body_len = [0u8; 8];
    body_len.copy_from_slice(&bytes[20..28]);
    let p = Preamble {
        head_len: u32_at(12),
        head_crc: u32_at(16),
        body_len: u64::from_le_bytes(body_len),
        body_crc: u32_at(28),
    };
    if p.head_len > MAX_HEADER {
        return Err(file_err(
            path,
            "corrupted: the header length is implausible",
        ));
    }
    Ok(p)
}

fn parse_header<H: DeserializeOwned>(path: &Path, p: &Preamble, head: &[u8]) -> Result<H> {
    if crc32fast::hash(head) != p.head_crc {
        return Err(file_err(
            path,
            "corrupted: the header checksum does not match",
        ));
    }
    serde_json::from_slice(head).map_err(|e| file_err(path, format!("corrupted header: {e}")))
}

/// Read only the header (the payload is not read): what `satori inspect` shows.
pub fn read_header(path: &Path) -> Result<ModelHeader> {
    read_header_of(path, MAGIC)
}

fn read_header_of<H: DeserializeOwned>(path: &Path, magic: &[u8; 8]) -> Result<H> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut pre = Vec::with_capacity(PREAMBLE);
    (&mut f)
        .take(PREAMBLE as u64)
        .read_to_end(&mut pre)
        .map_err(|e| Error::io(path, e))?;
    let p = parse_preamble(path, &pre, magic)?;
    let mut head = Vec::with_capacity(p.head_len as usize);
    (&mut f)
        .take(u64::from(p.head_len))
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path, e))?;
    if head.len() < p.head_len as usize {
        return Err(file_err(path, "truncated: the file ends inside its header"));
    }
    parse_header(path, &p, &head)
}

/// Decode model-file bytes (`path` is used in messages). A multi-task model is refused with a
/// message saying which commands read it.
pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<(ModelHeader, FittedPipeline)> {
    let (header, p, body): (ModelHeader, _, _) = decode_header(path, bytes, MAGIC)?;
    if header.model_kind == MULTITASK_KIND {
        return Err(file_err(
            path,
            format!(
                "a multi-task model (targets {}); this command reads single-target models \
                 (`satori predict`, `evaluate` and `inspect` read multi-task models)",
                header.target
            ),
        ));
    }
    // Format 1 predates text columns: its pipelines have no text stage.
    // Format 1 predates text columns (its pipelines have no text stage); formats 1 and 2 store
    // neural networks field by field instead of as safetensors.
    let pipeline: FittedPipeline = match header.format_version {
        1 => satori_nn::with_field_layout(|| {
            decode_payload::<crate::pipeline::PipelineV1>(path, &p, body)
        })?
        .into(),
        2 => satori_nn::with_field_layout(|| decode_payload(path, &p, body))?,
        _ => decode_payload(path, &p, body)?,
    };
    pipeline
        .check_consistent(&header)
        .map_err(|reason| file_err(path, reason))?;
    Ok((header, pipeline))
}

fn decode<H: DeserializeOwned, P: DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    magic: &[u8; 8],
) -> Result<(H, P)> {
    let (header, p, body) = decode_header(path, bytes, magic)?;
    Ok((header, decode_payload(path, &p, body)?))
}

/// The preamble and header of model-file bytes, and the bytes after the header.
fn decode_header<'b, H: DeserializeOwned>(
    path: &Path,
    bytes: &'b [u8],
    magic: &[u8; 8],
) -> Result<(H, Preamble, &'b [u8])> {
    let p = parse_preamble(path, bytes, magic)?;
    let head_end = PREAMBLE + p.head_len as usize;
    if bytes.len() < head_end {
        return Err(file_err(path, "truncated: the file ends inside its header"));
    }
    let header = parse_header(path, &p, &bytes[PREAMBLE..head_end])?;
    Ok((header, p, &bytes[head_end..]))
}

/// Check and decode the payload (`body`: every byte after the header).
fn decode_payload<P: DeserializeOwned>(path: &Path, p: &Preamble, body: &[u8]) -> Result<P> {
    if (body.len() as u64) < p.body_len {
        return Err(file_err(
            path,
            format!(
                "truncated: the model payload has {} of {} bytes",
                body.len(),
                p.body_len
            ),
        ));
    }
    if (body.len() as u64) > p.body_len {
        return Err(file_err(
            path,
            "corrupted: bytes follow the end of the model payload",
        ));
    }
    if crc32fast::hash(body) != p.body_crc {
        return Err(file_err(
            path,
            "corrupted: the payload checksum does not match",
        ));
    }
    postcard::from_bytes(body).map_err(|e| file_err(path, format!("corrupted payload: {e}")))
}

/// Read and verify a whole model file.
pub fn load(path: &Path) -> Result<(ModelHeader, FittedPipeline)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(path, &bytes)
}

/// The magic bytes a preprocessor file (`satori transform --save`) starts with.
pub const PREPROCESSOR_MAGIC: &[u8; 8] = b"SATORI\x00P";

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
    /// The target the steps were fitted with, if any (supervised steps need one).
    pub target: Option<String>,
    /// Rows it was fitted on.
    pub n_train_samples: u64,
    /// Where it came from.
    pub provenance: Provenance,
}

/// Write a preprocessor file atomically.
pub fn save_preprocessor(
    path: &Path,
    header: &PreprocessorHeader,
    prep: &FittedPreprocessor,
) -> Result<()> {
    write_atomic(
        path,
        &encode(PREPROCESSOR_MAGIC, header.format_version, header, prep)?,
    )
}

/// Read and verify a whole preprocessor file.
pub fn load_preprocessor(path: &Path) -> Result<(PreprocessorHeader, FittedPreprocessor)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let (header, prep): (PreprocessorHeader, FittedPreprocessor) =
        decode(path, &bytes, PREPROCESSOR_MAGIC)?;
    if header.input_schema != *prep.input_schema() || header.output_columns != prep.output_names() {
        return Err(file_err(
            path,
            "corrupted: the header does not describe the payload",
        ));
    }
    Ok((header, prep))
}

/// Read only a preprocessor file's header.
pub fn read_preprocessor_header(path: &Path) -> Result<PreprocessorHeader> {
    read_header_of(path, PREPROCESSOR_MAGIC)
}

/// One task of a multi-task model, as its file's header records it.
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
    /// Its metrics on the holdout, by name (empty without a holdout).
    pub metrics: BTreeMap<String, f64>,
}

/// A model file of either kind.
#[derive(Debug, Clone)]
pub enum LoadedModel {
    /// A single-target pipeline.
    Single(Box<(ModelHeader, FittedPipeline)>),
    /// A multi-task model.
    MultiTask(Box<(MultiTaskHeader, FittedMultiTask)>),
}

/// Encode a multi-task header and model into model-file bytes.
pub fn multitask_to_bytes(header: &MultiTaskHeader, model: &FittedMultiTask) -> Result<Vec<u8>> {
    if header.base.model_kind != MULTITASK_KIND {
        return Err(Error::Internal(format!(
            "a multi-task header must have model_kind `{MULTITASK_KIND}`"
        )));
    }
    encode(MAGIC, header.base.format_version, header, model)
}

/// Write a multi-task model file atomically.
pub fn save_multitask(
    path: &Path,
    header: &MultiTaskHeader,
    model: &FittedMultiTask,
) -> Result<()> {
    write_atomic(path, &multitask_to_bytes(header, model)?)
}

/// Decode multi-task model-file bytes; a single-target model is refused with a clear message.
pub fn multitask_from_bytes(
    path: &Path,
    bytes: &[u8],
) -> Result<(MultiTaskHeader, FittedMultiTask)> {
    let (base, _, _): (ModelHeader, Preamble, &[u8]) = decode_header(path, bytes, MAGIC)?;
    if base.model_kind != MULTITASK_KIND {
        return Err(file_err(
            path,
            format!(
                "a single-target model (`{}`, target `{}`), not a multi-task model",
                base.model_kind, base.target
            ),
        ));
    }
    let (header, p, body): (MultiTaskHeader, _, _) = decode_header(path, bytes, MAGIC)?;
    let model: FittedMultiTask = if header.base.format_version < 3 {
        satori_nn::with_field_layout(|| decode_payload(path, &p, body))?
    } else {
        decode_payload(path, &p, body)?
    };
    model
        .check_consistent(&header)
        .map_err(|reason| file_err(path, reason))?;
    Ok((header, model))
}

/// Read and verify a whole multi-task model file.
pub fn load_multitask(path: &Path) -> Result<(MultiTaskHeader, FittedMultiTask)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    multitask_from_bytes(path, &bytes)
}

/// Read only a multi-task model file's header; a single-target model is refused.
pub fn read_multitask_header(path: &Path) -> Result<MultiTaskHeader> {
    let base = read_header(path)?;
    if base.model_kind != MULTITASK_KIND {
        return Err(file_err(
            path,
            format!(
                "a single-target model (`{}`, target `{}`), not a multi-task model",
                base.model_kind, base.target
            ),
        ));
    }
    read_header_of(path, MAGIC)
}

/// Read and verify a model file of either kind.
pub fn load_any(path: &Path) -> Result<LoadedModel> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let (base, _, _): (ModelHeader, Preamble, &[u8]) = decode_header(path, &bytes, MAGIC)?;
    Ok(if base.model_kind == MULTITASK_KIND {
        LoadedModel::MultiTask(Box::new(multitask_from_bytes(path, &bytes)?))
    } else {
        LoadedModel::Single(Box::new(from_bytes(path, &bytes)?))
    })
}
