//! A [`Network`]'s weights as a [safetensors](https://github.com/huggingface/safetensors) file,
//! named as PyTorch names the state of the equivalent modules.
//!
//! The PyTorch equivalent of a network is a module with two children:
//!
//! ```text
//! trunk = nn.Sequential(Linear(n_inputs, h1), [BatchNorm1d(h1)], Act(),
//!                       Linear(h1, h2),       [BatchNorm1d(h2)], Act(), …)
//! heads = nn.ModuleList([Linear(h_last, out_1), Linear(h_last, out_2), …])
//! ```
//!
//! so the tensors are `trunk.<i>.weight` / `trunk.<i>.bias` for a `Linear` at position `i` of
//! the sequential (shape `[out, in]` and `[out]`: PyTorch's orientation, the transpose of
//! satori's row-major `n_in × n_out`), `trunk.<i+1>.weight`, `.bias`, `.running_mean`,
//! `.running_var` (all `[width]`) for its `BatchNorm1d` when batch normalisation is on, the
//! activation module (no tensors) taking the next index, and `heads.<k>.weight` /
//! `heads.<k>.bias` for output head `k`. Every tensor is little-endian float32. The
//! `__metadata__` string map records `format` (`satori.network`), `satori_version`,
//! `activation` (`relu`, `gelu`, `tanh`, `logistic`), `n_inputs`, `hidden_layer_sizes` and
//! `head_sizes` (comma-separated), `batch_norm` and `batch_norm_eps`, and `torch_modules`
//! (the PyTorch modules spelt out).
//!
//! The file is written byte for byte as `safetensors.torch.save_file` lays it out (tensors in
//! name order, header padded to 8 bytes), with the metadata keys in sorted order so that the
//! same network always gives the same bytes; it is read with the `safetensors` crate.

use std::collections::{BTreeMap, BTreeSet};

use safetensors::{Dtype, SafeTensors};
use satori_core::{Error, Result};

use crate::net::{BatchNorm, Dense, Hidden, Network};
use crate::params::Activation;
use crate::quant::{Compressed, QuantDense, QuantWeights, Quantization};

/// The value of the `format` metadata key.
pub const WEIGHTS_FORMAT: &str = "satori.network";

/// Batch-norm variance floor assumed when a file does not record `batch_norm_eps` (PyTorch's).
const DEFAULT_BN_EPS: f32 = 1e-5;

fn act_name(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "relu",
        Activation::Gelu => "gelu",
        Activation::Tanh => "tanh",
        Activation::Logistic => "logistic",
    }
}

fn torch_act(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "ReLU()",
        Activation::Gelu => "GELU()",
        Activation::Tanh => "Tanh()",
        Activation::Logistic => "Sigmoid()",
    }
}

fn join(v: impl IntoIterator<Item = usize>) -> String {
    v.into_iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// One tensor to write: its shape and values.
struct Tensor {
    shape: Vec<usize>,
    values: Vec<f32>,
}

impl Tensor {
    fn vector(v: &[f32]) -> Self {
        Tensor {
            shape: vec![v.len()],
            values: v.to_vec(),
        }
    }

    /// A dense layer's weight in PyTorch's `[out, in]` orientation.
    fn linear_weight(d: &Dense) -> Self {
        let mut values = vec![0f32; d.weight.len()];
        for k in 0..d.n_in {
            for j in 0..d.n_out {
                values[j * d.n_in + k] = d.weight[k * d.n_out + j];
            }
        }
        Tensor {
            shape: vec![d.n_out, d.n_in],
            values,
        }
    }
}

impl Network {
    /// The network's tensors by name (see the module documentation for the scheme).
    fn named_tensors(&self) -> BTreeMap<String, Tensor> {
        let mut out = BTreeMap::new();
        let mut idx = 0;
        for h in &self.hidden {
            out.insert(
                format!("trunk.{idx}.weight"),
                Tensor::linear_weight(&h.dense),
            );
            out.insert(format!("trunk.{idx}.bias"), Tensor::vector(&h.dense.bias));
            idx += 1;
            if let Some(bn) = &h.batch_norm {
                let p = format!("trunk.{idx}");
                out.insert(format!("{p}.weight"), Tensor::vector(&bn.gamma));
                out.insert(format!("{p}.bias"), Tensor::vector(&bn.beta));
                out.insert(
                    format!("{p}.running_mean"),
                    Tensor::vector(&bn.running_mean),
                );
                out.insert(format!("{p}.running_var"), Tensor::vector(&bn.running_var));
                idx += 1;
            }
            idx += 1; // the activation module
        }
        for (k, d) in self.heads.iter().enumerate() {
            out.insert(format!("heads.{k}.weight"), Tensor::linear_weight(d));
            out.insert(format!("heads.{k}.bias"), Tensor::vector(&d.bias));
        }
        out
    }

    /// The `__metadata__` string map of the weights file.
    pub(crate) fn weights_metadata(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        let bn_eps = self
            .hidden
            .iter()
            .find_map(|h| h.batch_norm.as_ref().map(|b| b.eps));
        let mut modules = Vec::new();
        for h in &self.hidden {
            modules.push(format!("Linear({}, {})", h.dense.n_in, h.dense.n_out));
            if let Some(bn) = &h.batch_norm {
                modules.push(format!("BatchNorm1d({}, eps={})", h.dense.n_out, bn.eps));
            }
            modules.push(torch_act(self.activation).to_string());
        }
        let heads: Vec<String> = self
            .heads
            .iter()
            .map(|d| format!("Linear({}, {})", d.n_in, d.n_out))
            .collect();
        let torch = format!(
            "trunk = Sequential({}); heads = ModuleList([{}])",
            modules.join(", "),
            heads.join(", ")
        );
        let entries = [
            ("format", WEIGHTS_FORMAT.to_string()),
            ("satori_version", env!("CARGO_PKG_VERSION").to_string()),
            ("activation", act_name(self.activation).to_string()),
            ("n_inputs", self.n_inputs.to_string()),
            (
                "hidden_layer_sizes",
                join(self.hidden.iter().map(|h| h.dense.n_out)),
            ),
            ("head_sizes", join(self.heads.iter().map(|d| d.n_out))),
            ("batch_norm", bn_eps.is_some().to_string()),
            (
                "batch_norm_eps",
                bn_eps.unwrap_or(DEFAULT_BN_EPS).to_string(),
            ),
            ("torch_modules", torch),
        ];
        for (k, v) in entries {
            m.insert(k.to_string(), v);
        }
        m
    }

    /// The weights as a safetensors file: float32 tensors named as PyTorch's state dict of the
    /// equivalent `trunk` (`nn.Sequential`) and `heads` (`nn.ModuleList`) modules, with the
    /// activation, layer sizes, input width and satori's version in `__metadata__` (see
    /// [`crate::weights`]). The same network always gives the same bytes.
    pub fn to_safetensors(&self) -> Result<Vec<u8>> {
        self.validate()?;
        if let Some(c) = &self.compressed {
            return to_safetensors_compressed(self, c);
        }
        write_safetensors(&self.named_tensors(), &self.weights_metadata())
    }

    /// Read a network from safetensors bytes written by [`Network::to_safetensors`] (or by
    /// PyTorch from the equivalent modules, with `activation` in the metadata). A round trip
    /// gives an identical network. A malformed file, a missing or unexpected tensor, a wrong
    /// shape or dtype, or a non-finite value is an error naming the tensor.
    pub fn from_safetensors(bytes: &[u8]) -> Result<Network> {
        let st = SafeTensors::deserialize(bytes).map_err(|e| {
            Error::UnsupportedFormat(format!("not a readable safetensors file: {e}"))
        })?;
        let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| {
            Error::UnsupportedFormat(format!("not a readable safetensors file: {e}"))
        })?;
        #[allow(clippy::disallowed_types)] // only looked up by key; its order never leaks
        let empty = std::collections::HashMap::new();
        let meta = meta.metadata().as_ref().unwrap_or(&empty);
        if let Some(q) = meta.get(QUANTIZATION_KEY) {
            return from_safetensors_compressed(&st, q, |k| meta.get(k).map(String::as_str));
        }
        let reader = Reader {
            st: &st,
            used: BTreeSet::new(),
        };
        let meta = Meta::parse(|k| meta.get(k).map(String::as_str))?;
        reader.network(&meta)
    }
}

/// Lay out `tensors` (all float32) and `metadata` exactly as `safetensors::serialize` does:
/// an 8-byte little-endian header length, the compact JSON header (`__metadata__`, then each
/// tensor's `dtype`, `shape` and `data_offsets` in name order) padded with spaces to a multiple
/// of 8 bytes, then the data. Unlike the crate (whose metadata is a hash map), the metadata keys
/// come out sorted, so the bytes never vary.
fn write_safetensors(
    tensors: &BTreeMap<String, Tensor>,
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>> {
    let quote = |s: &str| {
        serde_json::to_string(s).map_err(|e| Error::Internal(format!("safetensors header: {e}")))
    };
    let mut entries = Vec::with_capacity(tensors.len() + 1);
    if !metadata.is_empty() {
        let meta = metadata
            .iter()
            .map(|(k, v)| Ok(format!("{}:{}", quote(k)?, quote(v)?)))
            .collect::<Result<Vec<_>>>()?;
        entries.push(format!("\"__metadata__\":{{{}}}", meta.join(",")));
    }
    let mut offset = 0usize;
    for (name, t) in tensors {
        let end = offset + 4 * t.values.len();
        let shape = join(t.shape.iter().copied());
        entries.push(format!(
            "{}:{{\"dtype\":\"F32\",\"shape\":[{shape}],\"data_offsets\":[{offset},{end}]}}",
            quote(name)?
        ));
        offset = end;
    }
    let mut head = format!("{{{}}}", entries.join(",")).into_bytes();
    head.resize(head.len().next_multiple_of(8), b' ');
    let mut bytes = Vec::with_capacity(8 + head.len() + offset);
    bytes.extend_from_slice(&(head.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&head);
    for t in tensors.values() {
        for v in &t.values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    Ok(bytes)
}

/// Reads tensors by name, remembering which were used.
struct Reader<'a, 'd> {
    st: &'a SafeTensors<'d>,
    used: BTreeSet<String>,
}

pub(crate) fn bad(msg: String) -> Error {
    Error::InvalidData(format!("safetensors weights: {msg}"))
}

fn parse_sizes(key: &str, v: &str) -> Result<Vec<usize>> {
    if v.trim().is_empty() {
        return Ok(Vec::new());
    }
    v.split(',')
        .map(|s| {
            s.trim().parse::<usize>().map_err(|_| {
                bad(format!(
                    "metadata `{key}` = `{v}` is not a comma-separated list of sizes"
                ))
            })
        })
        .collect()
}

impl Reader<'_, '_> {
    fn has(&self, name: &str) -> bool {
        self.st.tensor(name).is_ok()
    }

    fn has_prefix(&self, prefix: &str) -> bool {
        self.st.names().iter().any(|n| n.starts_with(prefix))
    }

    /// The float32 values of tensor `name`, which must have `shape`.
    fn get(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let t = self
            .st
            .tensor(name)
            .map_err(|_| bad(format!("missing tensor `{name}`")))?;
        if t.dtype() != Dtype::F32 {
            return Err(bad(format!(
                "tensor `{name}` is {:?}; satori reads float32 (F32) weights",
                t.dtype()
            )));
        }
        if t.shape() != shape {
            return Err(bad(format!(
                "tensor `{name}` has shape {:?}, expected {shape:?}",
                t.shape()
            )));
        }
        let values: Vec<f32> = t
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(bad(format!(
                "tensor `{name}` holds a non-finite value ({}) at flat index {i}",
                values[i]
            )));
        }
        self.used.insert(name.to_string());
        Ok(values)
    }

    /// The output width of the `Linear` whose weight is `name` (its first dimension).
    fn out_width(&self, name: &str) -> Result<usize> {
        let t = self
            .st
            .tensor(name)
            .map_err(|_| bad(format!("missing tensor `{name}`")))?;
        match t.shape() {
            [out, _] if *out > 0 => Ok(*out),
            s => Err(bad(format!(
                "tensor `{name}` has shape {s:?}, expected [out, in] with out ≥ 1"
            ))),
        }
    }

    /// A `Linear` at `prefix` taking `n_in` inputs, in satori's row-major `n_in × n_out`.
    fn dense(&mut self, prefix: &str, n_in: usize, n_out: usize) -> Result<Dense> {
        let w = self.get(&format!("{prefix}.weight"), &[n_out, n_in])?;
        let bias = self.get(&format!("{prefix}.bias"), &[n_out])?;
        let mut weight = vec![0f32; w.len()];
        for j in 0..n_out {
            for k in 0..n_in {
                weight[k * n_out + j] = w[j * n_in + k];
            }
        }
        Ok(Dense {
            n_in,
            n_out,
            weight,
            bias,
        })
    }

    fn batch_norm(&mut self, prefix: &str, n: usize, eps: f32) -> Result<BatchNorm> {
        let bn = BatchNorm {
            gamma: self.get(&format!("{prefix}.weight"), &[n])?,
            beta: self.get(&format!("{prefix}.bias"), &[n])?,
            running_mean: self.get(&format!("{prefix}.running_mean"), &[n])?,
            running_var: self.get(&format!("{prefix}.running_var"), &[n])?,
            eps,
        };
        if let Some(i) = bn.running_var.iter().position(|v| *v < 0.0) {
            return Err(bad(format!(
                "tensor `{prefix}.running_var` holds a negative variance at index {i}"
            )));
        }
        // PyTorch's counter of batches seen: not needed for prediction.
        self.used.insert(format!("{prefix}.num_batches_tracked"));
        Ok(bn)
    }

    /// The input width: metadata `n_inputs`, else the first `Linear`'s `in`.
    fn n_inputs(&self, meta: Option<usize>) -> Result<usize> {
        if let Some(n) = meta {
            return Ok(n);
        }
        let first = if self.has("trunk.0.weight") {
            "trunk.0.weight"
        } else {
            "heads.0.weight"
        };
        let t = self
            .st
            .tensor(first)
            .map_err(|_| bad(format!("missing tensor `{first}`")))?;
        t.shape().get(1).copied().ok_or_else(|| {
            bad(format!(
                "tensor `{first}` has shape {:?}, expected [out, in]",
                t.shape()
            ))
        })
    }

    /// The output width of layer `i` at `prefix`: from the metadata sizes when present, else
    /// from the tensor (`None`: no such layer).
    fn layer_width(
        &self,
        sizes: Option<&Vec<usize>>,
        i: usize,
        prefix: &str,
    ) -> Result<Option<usize>> {
        match sizes {
            Some(s) => Ok(s.get(i).copied()),
            None if self.has(&format!("{prefix}.weight")) => {
                self.out_width(&format!("{prefix}.weight")).map(Some)
            }
            None => Ok(None),
        }
    }

    /// The hidden layers, from `trunk.0` on.
    fn trunk(&mut self, meta: &Meta, n_inputs: usize) -> Result<Vec<Hidden>> {
        let mut hidden = Vec::new();
        let mut width = n_inputs;
        let mut idx = 0;
        loop {
            let prefix = format!("trunk.{idx}");
            let Some(n_out) =
                self.layer_width(meta.hidden_sizes.as_ref(), hidden.len(), &prefix)?
            else {
                return Ok(hidden);
            };
            let dense = self.dense(&prefix, width, n_out)?;
            idx += 1;
            let bn_prefix = format!("trunk.{idx}");
            let batch_norm = if self.has_prefix(&format!("{bn_prefix}.")) {
                idx += 1;
                Some(self.batch_norm(&bn_prefix, n_out, meta.eps)?)
            } else {
                None
            };
            idx += 1; // the activation module
            width = n_out;
            hidden.push(Hidden { dense, batch_norm });
        }
    }

    /// The output heads, from `heads.0` on, taking `width` inputs.
    fn heads(&mut self, meta: &Meta, width: usize) -> Result<Vec<Dense>> {
        let mut heads = Vec::new();
        loop {
            let prefix = format!("heads.{}", heads.len());
            let Some(n_out) = self.layer_width(meta.head_sizes.as_ref(), heads.len(), &prefix)?
            else {
                break;
            };
            heads.push(self.dense(&prefix, width, n_out)?);
        }
        if heads.is_empty() {
            return Err(bad(
                "missing tensor `heads.0.weight` (no output head)".into()
            ));
        }
        Ok(heads)
    }

    fn network(mut self, meta: &Meta) -> Result<Network> {
        let n_inputs = self.n_inputs(meta.n_inputs)?;
        let hidden = self.trunk(meta, n_inputs)?;
        let width = hidden.last().map_or(n_inputs, |h| h.dense.n_out);
        let heads = self.heads(meta, width)?;
        let mut unused: Vec<&str> = self
            .st
            .names()
            .into_iter()
            .filter(|n| !self.used.contains(*n))
            .collect();
        if !unused.is_empty() {
            unused.sort_unstable();
            return Err(bad(format!(
                "unexpected tensor(s) {} for a network of {} hidden layer(s) and {} head(s)",
                unused.join(", "),
                hidden.len(),
                heads.len()
            )));
        }
        let net = Network {
            n_inputs,
            activation: meta.activation,
            hidden,
            heads,
            compressed: None,
        };
        net.validate()?;
        Ok(net)
    }
}

/// What the `__metadata__` map says about the network.
pub(crate) struct Meta {
    pub(crate) activation: Activation,
    eps: f32,
    pub(crate) n_inputs: Option<usize>,
    hidden_sizes: Option<Vec<usize>>,
    head_sizes: Option<Vec<usize>>,
}

impl Meta {
    pub(crate) fn parse<'m>(meta: impl Fn(&str) -> Option<&'m str>) -> Result<Meta> {
        let activation = match meta("activation") {
            Some("relu") => Activation::Relu,
            Some("gelu") => Activation::Gelu,
            Some("tanh") => Activation::Tanh,
            Some("logistic") => Activation::Logistic,
            Some(other) => {
                return Err(bad(format!(
                    "metadata `activation` = `{other}`; expected relu, gelu, tanh or logistic"
                )));
            }
            None => {
                return Err(bad(
                    "metadata `activation` is missing; add it to `__metadata__` \
                     (relu, gelu, tanh or logistic)"
                        .into(),
                ));
            }
        };
        let eps = match meta("batch_norm_eps") {
            None => DEFAULT_BN_EPS,
            Some(s) => s
                .parse::<f32>()
                .ok()
                .filter(|e| e.is_finite() && *e > 0.0)
                .ok_or_else(|| {
                    bad(format!(
                        "metadata `batch_norm_eps` = `{s}` is not a number > 0"
                    ))
                })?,
        };
        let n_inputs = meta("n_inputs")
            .map(|s| {
                s.parse::<usize>()
                    .map_err(|_| bad(format!("metadata `n_inputs` = `{s}` is not a size")))
            })
            .transpose()?;
        Ok(Meta {
            activation,
            eps,
            n_inputs,
            hidden_sizes: meta("hidden_layer_sizes")
                .map(|v| parse_sizes("hidden_layer_sizes", v))
                .transpose()?,
            head_sizes: meta("head_sizes")
                .map(|v| parse_sizes("head_sizes", v))
                .transpose()?,
        })
    }
}

// ---- compressed networks (int8 / f16 tensors) ----

/// The `__metadata__` key that marks a compressed network's weights file, and holds its
/// [`Quantization::name`].
pub const QUANTIZATION_KEY: &str = "quantization";

/// One tensor of a compressed weights file.
struct RawTensor {
    dtype: &'static str,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn layer_tensors(out: &mut std::collections::BTreeMap<String, RawTensor>, p: &str, d: &QuantDense) {
    let (dtype, bytes) = match &d.weights {
        QuantWeights::Int8 {
            q,
            scale,
            input_scale,
        } => {
            out.insert(
                format!("{p}.weight_scale"),
                RawTensor {
                    dtype: "F32",
                    shape: vec![d.n_out],
                    bytes: f32_bytes(scale),
                },
            );
            if let Some(s) = input_scale {
                out.insert(
                    format!("{p}.input_scale"),
                    RawTensor {
                        dtype: "F32",
                        shape: vec![1],
                        bytes: f32_bytes(&[*s]),
                    },
                );
            }
            ("I8", q.iter().map(|&v| v as u8).collect())
        }
        QuantWeights::F16 { bits } => {
            // PyTorch's [out, in] orientation
            let mut t = Vec::with_capacity(2 * bits.len());
            for j in 0..d.n_out {
                for k in 0..d.n_in {
                    t.extend_from_slice(&bits[k * d.n_out + j].to_le_bytes());
                }
            }
            ("F16", t)
        }
    };
    out.insert(
        format!("{p}.weight"),
        RawTensor {
            dtype,
            shape: vec![d.n_out, d.n_in],
            bytes,
        },
    );
    out.insert(
        format!("{p}.bias"),
        RawTensor {
            dtype: "F32",
            shape: vec![d.n_out],
            bytes: f32_bytes(&d.bias),
        },
    );
}

/// A compressed network's weights file: the int8 (`I8`, `[out, in]`, with `F32` `weight_scale`
/// `[out]` and for static quantisation `input_scale` `[1]`) or half (`F16`, `[out, in]`)
/// weights and `F32` biases, named as the f32 file names its layers (`trunk.<i>`,
/// `heads.<k>`; batch norm is folded, so no batch-norm tensors), with
/// `quantization` in the metadata. Laid out as safetensors lays files out (tensors in name order,
/// header padded to 8 bytes, metadata keys sorted).
fn to_safetensors_compressed(net: &Network, c: &Compressed) -> Result<Vec<u8>> {
    let mut tensors = std::collections::BTreeMap::new();
    for (i, d) in c.hidden.iter().enumerate() {
        layer_tensors(&mut tensors, &format!("trunk.{}", 2 * i), d);
    }
    for (k, d) in c.heads.iter().enumerate() {
        layer_tensors(&mut tensors, &format!("heads.{k}"), d);
    }
    let mut meta = net.weights_metadata();
    meta.insert(QUANTIZATION_KEY.into(), c.quantization.name().into());
    let quote = |s: &str| {
        serde_json::to_string(s).map_err(|e| Error::Internal(format!("safetensors header: {e}")))
    };
    let mut entries = Vec::with_capacity(tensors.len() + 1);
    let m = meta
        .iter()
        .map(|(k, v)| Ok(format!("{}:{}", quote(k)?, quote(v)?)))
        .collect::<Result<Vec<_>>>()?;
    entries.push(format!("\"__metadata__\":{{{}}}", m.join(",")));
    let mut offset = 0usize;
    for (name, t) in &tensors {
        let end = offset + t.bytes.len();
        let shape = t
            .shape
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",");
        entries.push(format!(
            "{}:{{\"dtype\":\"{}\",\"shape\":[{shape}],\"data_offsets\":[{offset},{end}]}}",
            quote(name)?,
            t.dtype
        ));
        offset = end;
    }
    let mut head = format!("{{{}}}", entries.join(",")).into_bytes();
    head.resize(head.len().next_multiple_of(8), b' ');
    let mut bytes = Vec::with_capacity(8 + head.len() + offset);
    bytes.extend_from_slice(&(head.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&head);
    for t in tensors.values() {
        bytes.extend_from_slice(&t.bytes);
    }
    Ok(bytes)
}

/// Read a compressed network's weights file (see [`to_safetensors`]).
fn from_safetensors_compressed<'m>(
    st: &safetensors::SafeTensors<'_>,
    quantization: &str,
    meta: impl Fn(&str) -> Option<&'m str>,
) -> Result<Network> {
    use crate::weights::bad;
    use safetensors::Dtype;
    let q = Quantization::from_name(quantization).ok_or_else(|| {
        bad(format!(
            "metadata `quantization` = `{quantization}`; expected int8_dynamic, int8_static or f16"
        ))
    })?;
    let m = crate::weights::Meta::parse(&meta)?;
    let mut used = std::collections::BTreeSet::new();
    let mut get = |name: &str, dtype: Dtype, shape: &[usize]| -> Result<Vec<u8>> {
        let t = st
            .tensor(name)
            .map_err(|_| bad(format!("missing tensor `{name}`")))?;
        if t.dtype() != dtype || t.shape() != shape {
            return Err(bad(format!(
                "tensor `{name}` is {:?} {:?}, expected {dtype:?} {shape:?}",
                t.dtype(),
                t.shape()
            )));
        }
        used.insert(name.to_string());
        Ok(t.data().to_vec())
    };
    let f32s = |b: Vec<u8>| -> Vec<f32> {
        b.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    };
    let out_width = |name: &str| -> Option<usize> {
        st.tensor(name)
            .ok()
            .and_then(|t| t.shape().first().copied())
    };
    let mut layer = |p: &str, n_in: usize| -> Result<QuantDense> {
        let n_out = out_width(&format!("{p}.weight"))
            .ok_or_else(|| bad(format!("missing tensor `{p}.weight`")))?;
        let bias = f32s(get(&format!("{p}.bias"), Dtype::F32, &[n_out])?);
        let weights = match q {
            Quantization::F16 => {
                let raw = get(&format!("{p}.weight"), Dtype::F16, &[n_out, n_in])?;
                let t: Vec<u16> = raw
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                let mut bits = vec![0u16; t.len()];
                for j in 0..n_out {
                    for k in 0..n_in {
                        bits[k * n_out + j] = t[j * n_in + k];
                    }
                }
                QuantWeights::F16 { bits }
            }
            Quantization::Int8Dynamic | Quantization::Int8Static => {
                let raw = get(&format!("{p}.weight"), Dtype::I8, &[n_out, n_in])?;
                let scale = f32s(get(&format!("{p}.weight_scale"), Dtype::F32, &[n_out])?);
                let input_scale = if q == Quantization::Int8Static {
                    Some(f32s(get(&format!("{p}.input_scale"), Dtype::F32, &[1])?)[0])
                } else {
                    None
                };
                QuantWeights::Int8 {
                    q: raw.into_iter().map(|b| b as i8).collect(),
                    scale,
                    input_scale,
                }
            }
        };
        Ok(QuantDense {
            n_in,
            n_out,
            weights,
            bias,
        })
    };
    let n_inputs = match m.n_inputs {
        Some(n) => n,
        None => {
            let first = if st.tensor("trunk.0.weight").is_ok() {
                "trunk.0.weight"
            } else {
                "heads.0.weight"
            };
            st.tensor(first)
                .ok()
                .and_then(|t| t.shape().get(1).copied())
                .ok_or_else(|| bad(format!("missing tensor `{first}`")))?
        }
    };
    let mut hidden = Vec::new();
    let mut width = n_inputs;
    while st
        .tensor(&format!("trunk.{}.weight", 2 * hidden.len()))
        .is_ok()
    {
        let d = layer(&format!("trunk.{}", 2 * hidden.len()), width)?;
        width = d.n_out;
        hidden.push(d);
    }
    let mut heads = Vec::new();
    while st.tensor(&format!("heads.{}.weight", heads.len())).is_ok() {
        heads.push(layer(&format!("heads.{}", heads.len()), width)?);
    }
    if heads.is_empty() {
        return Err(bad(
            "missing tensor `heads.0.weight` (no output head)".into()
        ));
    }
    let mut unused: Vec<String> = st
        .names()
        .into_iter()
        .filter(|n| !used.contains(*n))
        .map(str::to_string)
        .collect();
    if !unused.is_empty() {
        unused.sort_unstable();
        return Err(bad(format!(
            "unexpected tensor(s) {} in a compressed network",
            unused.join(", ")
        )));
    }
    Network::from_compressed(
        n_inputs,
        m.activation,
        Compressed {
            quantization: q,
            hidden,
            heads,
        },
    )
}
