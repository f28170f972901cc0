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
//! | h | header: UTF-8 JSON ([`ModelHeader`]) — schema, targets, params, metrics, provenance |
//! | p | payload: postcard encoding of the fitted [`crate::FittedPipeline`] |
//!
//! The header can be read without touching the payload ([`read_header`]), which is what
//! `satori inspect model.satori` prints. Every way a file can be wrong — not a model file, a newer
//! format, truncated, corrupted, a header that does not describe its payload — is a clear
//! [`Error::ModelFile`]. A model with several targets is the same kind of file: its header lists
//! them in `tasks`. Files of every earlier format still load, through [`legacy`]; files are
//! written complete or not at all ([`satori_core::fs`]).
//!
//! A model with an input anomaly detector ([`crate::InputAnomaly`], `satori train
//! --anomaly-detector`) is written in format 5: format 4 followed by one more section, `SATORI\x00A`,
//! the section's length (u64) and CRC-32, and the postcard encoding of the isolation forest; its
//! header describes the detector. Files without one are written in format 4, as before.
//!
//! A preprocessor file (`satori transform --save`) is the same container with its own magic
//! bytes, a [`PreprocessorHeader`] and a [`FittedPreprocessor`] payload.

pub mod compression;
mod header;
mod legacy;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use satori_core::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use header::{
    GateRecord, Lineage, MemberMetrics, ModelHeader, PreprocessorHeader, Provenance, TaskHeader,
    checksum_len, file_checksum,
};

use crate::{FittedPipeline, FittedPreprocessor};

/// The magic bytes every model file starts with.
pub const MAGIC: &[u8; 8] = b"SATORI\x00M";
/// The newest format this build writes and reads (2: pipelines gained text vectorizers; 3: neural
/// networks are stored as safetensors bytes; 4: one payload for one or several targets). Files of
/// formats 1 to 3 still load.
pub const FORMAT_VERSION: u32 = 4;
/// The format of a model file that carries an input anomaly section after its payload (format
/// [`FORMAT_VERSION`] otherwise).
pub const FORMAT_WITH_ANOMALY: u32 = 5;
/// The magic bytes of the input anomaly section.
const ANOMALY_MAGIC: &[u8; 8] = b"SATORI\x00A";
const PREAMBLE: usize = 8 + 4 + 4 + 4 + 8 + 4;
/// Headers larger than this are rejected as corrupt rather than allocated.
const MAX_HEADER: u32 = 64 << 20;
/// The `model_kind` of a model with several targets in formats 1 to 3.
const LEGACY_MULTITASK_KIND: &str = "multitask_mlp";

fn file_err(path: &Path, reason: impl Into<String>) -> Error {
    Error::ModelFile {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Encode a header and pipeline into model-file bytes.
pub fn to_bytes(header: &ModelHeader, pipeline: &FittedPipeline) -> Result<Vec<u8>> {
    header
        .check_describes(pipeline)
        .map_err(|reason| Error::Internal(format!("writing a model file: {reason}")))?;
    let Some(anomaly) = &header.input_anomaly else {
        return encode(MAGIC, header.format_version, header, pipeline);
    };
    let forest = postcard::to_stdvec(anomaly.forest()?)
        .map_err(|e| Error::Internal(format!("cannot encode the anomaly detector: {e}")))?;
    let mut header = header.clone();
    header.format_version = FORMAT_WITH_ANOMALY;
    let mut out = encode(MAGIC, FORMAT_WITH_ANOMALY, &header, pipeline)?;
    out.extend_from_slice(ANOMALY_MAGIC);
    out.extend_from_slice(&(forest.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&forest).to_le_bytes());
    out.extend_from_slice(&forest);
    Ok(out)
}

/// Split the bytes after the header into the payload and the input anomaly section, and decode
/// the section's forest (a file whose header describes no detector has no section).
fn anomaly_section<'b>(
    path: &Path,
    header: &ModelHeader,
    p: &Preamble,
    body: &'b [u8],
) -> Result<(&'b [u8], Option<satori_tree::IsolationForest>)> {
    if header.input_anomaly.is_none() {
        return Ok((body, None));
    }
    let end = usize::try_from(p.body_len)
        .unwrap_or(usize::MAX)
        .min(body.len());
    let (payload, section) = body.split_at(end);
    let head = ANOMALY_MAGIC.len() + 8 + 4;
    if section.len() < head || &section[..ANOMALY_MAGIC.len()] != ANOMALY_MAGIC {
        return Err(file_err(
            path,
            "truncated: the header describes an input anomaly detector and the file holds none",
        ));
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&section[8..16]);
    let len = u64::from_le_bytes(len);
    let crc = u32::from_le_bytes([section[16], section[17], section[18], section[19]]);
    let bytes = &section[head..];
    if (bytes.len() as u64) < len {
        return Err(file_err(
            path,
            "truncated: the file ends inside its input anomaly section",
        ));
    }
    if (bytes.len() as u64) > len {
        return Err(file_err(
            path,
            "corrupted: bytes follow the end of the input anomaly section",
        ));
    }
    if crc32fast::hash(bytes) != crc {
        return Err(file_err(
            path,
            "corrupted: the input anomaly section's checksum does not match",
        ));
    }
    let forest = postcard::from_bytes(bytes)
        .map_err(|e| file_err(path, format!("corrupted input anomaly section: {e}")))?;
    Ok((payload, Some(forest)))
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

/// The size in bytes of a fitted pipeline's payload in a model file (the file adds its header):
/// what `satori tune --objective size` minimises.
pub fn payload_size(pipeline: &FittedPipeline) -> Result<usize> {
    postcard::to_stdvec(pipeline)
        .map(|b| b.len())
        .map_err(|e| Error::Internal(format!("cannot encode the payload: {e}")))
}

/// Write a model file, complete or not at all.
pub fn save(path: &Path, header: &ModelHeader, pipeline: &FittedPipeline) -> Result<()> {
    satori_core::fs::write_atomic(path, &to_bytes(header, pipeline)?)
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
    if version > FORMAT_VERSION.max(FORMAT_WITH_ANOMALY) {
        return Err(file_err(
            path,
            format!(
                "written in model-file format {version}, newer than this satori {} reads (up to {FORMAT_WITH_ANOMALY}); upgrade satori",
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

/// Decode model-file bytes of any format (`path` is used in messages) and check that the header
/// describes the payload.
pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<(ModelHeader, FittedPipeline)> {
    let (mut header, p, body): (ModelHeader, _, _) = decode_header(path, bytes, MAGIC)?;
    let (body, forest) = anomaly_section(path, &header, &p, body)?;
    let multi = header.is_multi_target();
    let decode = || -> Result<FittedPipeline> {
        let pipeline = match header.format_version {
            1 => decode_payload::<legacy::PipelineV1>(path, &p, body)?.upgrade(),
            2 if multi => {
                decode_payload::<legacy::MultiTaskV3<legacy::MultiTaskMlpV2>>(path, &p, body)?
                    .upgrade()
            }
            2 => {
                decode_payload::<legacy::PipelineV2<legacy::AnyModelV2>>(path, &p, body)?.upgrade()
            }
            3 if multi || header.model_kind == LEGACY_MULTITASK_KIND => {
                decode_payload::<legacy::MultiTaskV3<satori_nn::MultiTaskMlp>>(path, &p, body)?
                    .upgrade()
            }
            3 => decode_payload::<legacy::PipelineV2<crate::AnyModel>>(path, &p, body)?.upgrade(),
            _ => Ok(decode_payload::<FittedPipeline>(path, &p, body)?),
        };
        pipeline.map_err(|e| file_err(path, format!("corrupted payload: {e}")))
    };
    let pipeline = guarded(decode).map_err(|reason| file_err(path, reason))??;
    header
        .check_describes(&pipeline)
        .map_err(|reason| file_err(path, reason))?;
    if let Some(anomaly) = &mut header.input_anomaly {
        anomaly.forest = forest.map(std::sync::Arc::new);
        anomaly
            .validate(&pipeline)
            .map_err(|reason| file_err(path, reason))?;
    }
    guarded(|| probe(&pipeline))
        .map_err(|reason| file_err(path, reason))?
        .map_err(|reason| file_err(path, reason))?;
    Ok((header, pipeline))
}

/// Predict a few probe rows — zeros, missing values, each category, large values — with a
/// loaded pipeline (under [`guarded`]), so that a payload whose fitted parts do not fit together
/// is a clear error at load, not a crash at the first prediction. Errors are fine here (a model
/// may refuse missing values): only a panic fails the probe.
fn probe(pipeline: &FittedPipeline) -> std::result::Result<(), String> {
    use satori_core::ColumnKind;
    if !pipeline.text().is_empty() {
        return Ok(());
    }
    let schema = pipeline.input_schema();
    let n = schema.len();
    let mut rows: Vec<Vec<f64>> = vec![vec![0.0; n], vec![f64::NAN; n], vec![1e6; n]];
    let most = schema
        .columns
        .iter()
        .filter_map(|c| c.kind.categories().map(<[String]>::len))
        .max()
        .unwrap_or(0)
        .min(64);
    for code in 0..=most {
        rows.push(
            schema
                .columns
                .iter()
                .map(|c| match &c.kind {
                    ColumnKind::Categorical { categories } => code.min(categories.len()) as f64,
                    _ => code as f64,
                })
                .collect(),
        );
    }
    let x = ndarray::Array2::from_shape_fn((rows.len(), n), |(i, j)| rows[i][j]);
    for i in 0..x.nrows() {
        let _ = pipeline.predict_matrix_all(x.slice(ndarray::s![i..=i, ..]));
    }
    Ok(())
}

/// Run `f`, turning a panic into the error of a payload that passed its checksum but whose parts
/// do not fit together (a hand-made or forged file: a random flip is caught by the checksum).
/// Decoding and the probe run under it: a file is a clear error at load, never a crash.
fn guarded<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    let quiet = QuietPanics::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    drop(quiet);
    result.map_err(|_| {
        "corrupted payload: its fitted parts do not fit together (it passed its checksum, so it \
         was edited or made by hand)"
            .to_string()
    })
}

/// Silences the panic hook while a payload is decoded and probed (its panics become a clear
/// error), and puts the previous hook back afterwards.
struct QuietPanics {
    previous: Option<PanicHook>,
}

/// A panic hook, as `std::panic::take_hook` gives it.
type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

impl QuietPanics {
    fn new() -> Self {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        QuietPanics {
            previous: Some(previous),
        }
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        if let Some(p) = self.previous.take() {
            std::panic::set_hook(p);
        }
    }
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

/// Read and verify a whole model file (one target or several, any format).
pub fn load(path: &Path) -> Result<(ModelHeader, FittedPipeline)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(path, &bytes)
}

/// The magic bytes a preprocessor file (`satori transform --save`) starts with.
pub const PREPROCESSOR_MAGIC: &[u8; 8] = b"SATORI\x00P";

/// Write a preprocessor file, complete or not at all.
pub fn save_preprocessor(
    path: &Path,
    header: &PreprocessorHeader,
    prep: &FittedPreprocessor,
) -> Result<()> {
    satori_core::fs::write_atomic(
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
