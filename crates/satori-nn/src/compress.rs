//! Compressed networks: int8 and f16 weights that prediction runs on directly, and structured
//! (whole-neuron) pruning.
//!
//! ## Quantisation
//!
//! [`Network::quantize`] folds each hidden layer's batch normalisation into its dense layer and
//! stores every dense layer (hidden layers and heads) in a smaller form:
//!
//! - [`Quantization::Int8Dynamic`]: weights as symmetric int8 per output channel (`w ≈ q · s_j`
//!   with `s_j = max_k |w_kj| / 127`); each row's input to a layer is quantised when it arrives,
//!   with its own scale (`max |x| / 127`). The product is accumulated in `i32` and scaled back
//!   once per output (`y_j = b_j + s_x · s_j · Σ_k q_x,k · q_kj`).
//! - [`Quantization::Int8Static`]: the same weights, and one fixed input scale per layer measured
//!   on calibration rows (the largest absolute input each layer saw; values beyond it are
//!   clipped).
//! - [`Quantization::F16`]: weights as IEEE half floats (values below f16's smallest normal
//!   number are stored as zero), widened to f32 inside the kernel as they are used.
//!
//! Prediction reads the compressed tensors; the model file stores only them (int8 or f16
//! weights, f32 scales and biases), so an int8 network's file is about a quarter of the f32 one.
//! The loaded [`Network`] also keeps a de-quantised f32 view of the same weights (its `hidden`
//! and `heads`, batch norm folded) for what reads weights rather than predicts: the layer
//! summary, explanations, transfer learning and `fit_more` (which trains that view and gives an
//! ordinary f32 network back).
//!
//! ## Pruning
//!
//! [`Network::prune_neurons`] removes the hidden units that matter least: a unit's score is the
//! norm of its incoming weights (scaled by its batch-norm gain) times the norm of its outgoing
//! weights, and each hidden layer keeps its `1 - sparsity` best units (at least one). The smaller
//! network is an ordinary f32 network; callers fine-tune it with `fit_more`.

use rayon::prelude::*;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::net::{Dense, Hidden, Network, activate};

/// How a network's weights are stored and computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantization {
    /// int8 weights per output channel, each row's input quantised with its own scale.
    Int8Dynamic,
    /// int8 weights per output channel, one calibrated input scale per layer.
    Int8Static,
    /// IEEE half-precision weights.
    F16,
}

impl Quantization {
    /// The name used in files, headers and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Quantization::Int8Dynamic => "int8_dynamic",
            Quantization::Int8Static => "int8_static",
            Quantization::F16 => "f16",
        }
    }

    /// Parse [`Quantization::name`].
    pub fn from_name(s: &str) -> Option<Quantization> {
        match s {
            "int8_dynamic" => Some(Quantization::Int8Dynamic),
            "int8_static" => Some(Quantization::Int8Static),
            "f16" => Some(Quantization::F16),
            _ => None,
        }
    }
}

/// A dense layer's weights in compressed form.
#[derive(Debug, Clone, PartialEq)]
pub enum QuantWeights {
    /// Symmetric int8 per output channel.
    Int8 {
        /// `n_out × n_in`, row `j` the weights into output `j`.
        q: Vec<i8>,
        /// `n_out` scales: weight `(k, j)` is `q[j * n_in + k] * scale[j]`.
        scale: Vec<f32>,
        /// The calibrated input scale (static quantisation), or `None` (per row, dynamic).
        input_scale: Option<f32>,
    },
    /// IEEE half floats, row-major `n_in × n_out` (as the f32 layout).
    F16 {
        /// The half floats' bits.
        bits: Vec<u16>,
    },
}

/// A compressed dense layer: `y = x · W + b`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantDense {
    /// Input width.
    pub n_in: usize,
    /// Output width.
    pub n_out: usize,
    /// The weights.
    pub weights: QuantWeights,
    /// `n_out` biases (f32).
    pub bias: Vec<f32>,
}

/// The compressed form of a network that prediction runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct Compressed {
    /// The storage of every layer.
    pub quantization: Quantization,
    /// The hidden layers (batch norm folded in), input side first.
    pub hidden: Vec<QuantDense>,
    /// The output heads.
    pub heads: Vec<QuantDense>,
}

/// Largest finite f16.
const F16_MAX: f32 = 65504.0;

/// f32 → f16 bits, rounding to nearest (ties to even); magnitudes below f16's smallest normal
/// number (2⁻¹⁴) become zero, magnitudes above 65504 are clamped. `v` must be finite.
pub(crate) fn f32_to_f16(v: f32) -> u16 {
    let v = v.clamp(-F16_MAX, F16_MAX);
    let x = v.to_bits();
    let sign = ((x >> 16) & 0x8000) as u16;
    let a = x & 0x7fff_ffff;
    if a < 0x3880_0000 {
        // below 2^-14: rounds to a subnormal or zero; flushed (keeps the kernel off denormals),
        // except what rounds up to the smallest normal.
        return if a >= 0x387f_f000 {
            sign | 0x0400
        } else {
            sign
        };
    }
    let mut h = (a >> 13) - ((127 - 15) << 10);
    let rem = a & 0x1fff;
    if rem > 0x1000 || (rem == 0x1000 && h & 1 == 1) {
        h += 1;
    }
    sign | h as u16
}

/// f16 bits → f32 (exact for zero and normal numbers, the only ones [`f32_to_f16`] writes):
/// shift the exponent and mantissa into place and rebias with one multiply, so the loop
/// vectorises.
#[inline(always)]
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let mag = f32::from_bits(((h & 0x7fff) as u32) << 13) * f32::from_bits(0x7780_0000); // 2^112
    f32::from_bits(mag.to_bits() | (((h & 0x8000) as u32) << 16))
}

/// Fold a hidden layer's batch normalisation into its dense layer.
fn fold(h: &Hidden) -> Dense {
    let mut d = h.dense.clone();
    if let Some(bn) = &h.batch_norm {
        for j in 0..d.n_out {
            let g = bn.gamma[j] / (bn.running_var[j] + bn.eps).sqrt();
            for k in 0..d.n_in {
                d.weight[k * d.n_out + j] *= g;
            }
            d.bias[j] = (d.bias[j] - bn.running_mean[j]) * g + bn.beta[j];
        }
    }
    d
}

fn quantize_dense(d: &Dense, q: Quantization, input_scale: Option<f32>) -> QuantDense {
    let weights = match q {
        Quantization::F16 => QuantWeights::F16 {
            bits: d.weight.iter().map(|&w| f32_to_f16(w)).collect(),
        },
        Quantization::Int8Dynamic | Quantization::Int8Static => {
            let mut qs = vec![0i8; d.n_in * d.n_out];
            let mut scale = vec![0f32; d.n_out];
            for j in 0..d.n_out {
                let amax = (0..d.n_in)
                    .map(|k| d.weight[k * d.n_out + j].abs())
                    .fold(0f32, f32::max);
                let s = if amax > 0.0 { amax / 127.0 } else { 1.0 };
                scale[j] = s;
                for k in 0..d.n_in {
                    let v = (d.weight[k * d.n_out + j] / s).round().clamp(-127.0, 127.0);
                    qs[j * d.n_in + k] = v as i8;
                }
            }
            QuantWeights::Int8 {
                q: qs,
                scale,
                input_scale: if q == Quantization::Int8Static {
                    input_scale
                } else {
                    None
                },
            }
        }
    };
    QuantDense {
        n_in: d.n_in,
        n_out: d.n_out,
        weights,
        bias: d.bias.clone(),
    }
}

impl QuantDense {
    /// The f32 weights these stand for (row-major `n_in × n_out`).
    pub fn dequantized(&self) -> Dense {
        let mut weight = vec![0f32; self.n_in * self.n_out];
        match &self.weights {
            QuantWeights::F16 { bits } => {
                for (w, &b) in weight.iter_mut().zip(bits) {
                    *w = f16_to_f32(b);
                }
            }
            QuantWeights::Int8 { q, scale, .. } => {
                for j in 0..self.n_out {
                    for k in 0..self.n_in {
                        weight[k * self.n_out + j] = f32::from(q[j * self.n_in + k]) * scale[j];
                    }
                }
            }
        }
        Dense {
            n_in: self.n_in,
            n_out: self.n_out,
            weight,
            bias: self.bias.clone(),
        }
    }

    /// Check sizes and values (finite scales > 0, finite biases).
    pub(crate) fn check(&self, what: &str) -> Result<()> {
        let n = self.n_in * self.n_out;
        let ok = self.bias.len() == self.n_out
            && self.bias.iter().all(|b| b.is_finite())
            && match &self.weights {
                QuantWeights::F16 { bits } => {
                    bits.len() == n && bits.iter().all(|b| b & 0x7c00 != 0x7c00)
                }
                QuantWeights::Int8 {
                    q,
                    scale,
                    input_scale,
                } => {
                    q.len() == n
                        && scale.len() == self.n_out
                        && scale.iter().all(|s| s.is_finite() && *s > 0.0)
                        && input_scale.is_none_or(|s| s.is_finite() && s > 0.0)
                }
            };
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidData(format!(
                "network: compressed {what} has wrong sizes or non-finite values"
            )))
        }
    }

    /// `out = x · W + b` for a block of rows.
    fn forward_into(&self, x: &[f32], out: &mut [f32]) {
        match &self.weights {
            QuantWeights::F16 { bits } => {
                crate::kernels::dense_f16(x, bits, &self.bias, self.n_in, self.n_out, out);
            }
            QuantWeights::Int8 {
                q,
                scale,
                input_scale,
            } => {
                let rows = x.len() / self.n_in.max(1);
                let mut xq = vec![0i8; rows * self.n_in];
                let mut xs = vec![0f32; rows];
                for ((row, qrow), s) in x
                    .chunks_exact(self.n_in)
                    .zip(xq.chunks_exact_mut(self.n_in))
                    .zip(xs.iter_mut())
                {
                    *s = quantize_row(row, *input_scale, qrow);
                }
                crate::kernels::dense_i8(
                    &xq, &xs, q, scale, &self.bias, self.n_in, self.n_out, out,
                );
            }
        }
    }
}

/// Quantise one row to int8 with `scale` (or its own `max |x| / 127`); returns the scale used.
fn quantize_row(row: &[f32], scale: Option<f32>, out: &mut [i8]) -> f32 {
    let s = scale.unwrap_or_else(|| {
        let amax = row.iter().fold(0f32, |m, v| m.max(v.abs()));
        if amax > 0.0 { amax / 127.0 } else { 1.0 }
    });
    let inv = 1.0 / s;
    for (o, &v) in out.iter_mut().zip(row) {
        *o = (v * inv).round().clamp(-127.0, 127.0) as i8;
    }
    s
}

/// Rows per parallel chunk (as the f32 forward pass).
const CHUNK: usize = 256;

impl Compressed {
    /// The outputs of every head, side by side (`width` values per row), for a block of rows.
    pub(crate) fn forward_chunk(
        &self,
        act: crate::params::Activation,
        x: &[f32],
        out: &mut [f32],
        width: usize,
    ) {
        let n_in = self
            .hidden
            .first()
            .or(self.heads.first())
            .map_or(1, |d| d.n_in);
        let rows = x.len() / n_in.max(1);
        let mut cur = x.to_vec();
        for layer in &self.hidden {
            let mut next = vec![0f32; rows * layer.n_out];
            layer.forward_into(&cur, &mut next);
            activate(act, &mut next);
            cur = next;
        }
        let mut start = 0;
        for head in &self.heads {
            let mut o = vec![0f32; rows * head.n_out];
            head.forward_into(&cur, &mut o);
            for r in 0..rows {
                out[r * width + start..r * width + start + head.n_out]
                    .copy_from_slice(&o[r * head.n_out..(r + 1) * head.n_out]);
            }
            start += head.n_out;
        }
    }

    /// Bytes of the stored weights, scales and biases.
    pub fn stored_bytes(&self) -> usize {
        self.hidden
            .iter()
            .chain(&self.heads)
            .map(|d| {
                4 * d.bias.len()
                    + match &d.weights {
                        QuantWeights::F16 { bits } => 2 * bits.len(),
                        QuantWeights::Int8 {
                            q,
                            scale,
                            input_scale,
                        } => q.len() + 4 * scale.len() + 4 * usize::from(input_scale.is_some()),
                    }
            })
            .sum()
    }
}

impl Network {
    /// The largest absolute input each dense layer (hidden layers, then the heads' shared input)
    /// sees on `calibration` rows (row-major, `n_inputs` wide), with batch norm folded.
    fn input_ranges(&self, folded: &[Dense], calibration: &[f32]) -> Vec<f32> {
        let n_in = self.n_inputs.max(1);
        let parts: Vec<Vec<f32>> = calibration
            .par_chunks(CHUNK * n_in)
            .map(|xs| {
                let rows = xs.len() / n_in;
                let mut ranges = Vec::with_capacity(folded.len() + 1);
                let mut cur = xs.to_vec();
                for d in folded {
                    ranges.push(cur.iter().fold(0f32, |m, v| m.max(v.abs())));
                    let mut next = vec![0f32; rows * d.n_out];
                    crate::kernels::dense(&cur, &d.weight, &d.bias, d.n_in, d.n_out, &mut next);
                    activate(self.activation, &mut next);
                    cur = next;
                }
                ranges.push(cur.iter().fold(0f32, |m, v| m.max(v.abs())));
                ranges
            })
            .collect();
        let mut out = vec![0f32; folded.len() + 1];
        for p in parts {
            for (o, v) in out.iter_mut().zip(p) {
                *o = o.max(v);
            }
        }
        out
    }

    /// This network with its weights compressed (see [`crate::compress`]): batch norm is folded
    /// into the dense layers; `calibration` (row-major rows of `n_inputs` finite features) sets
    /// the input scales of [`Quantization::Int8Static`] and is required for it (ignored by the
    /// others). An already compressed network is compressed again from its f32 view.
    pub fn quantize(&self, q: Quantization, calibration: Option<&[f32]>) -> Result<Network> {
        self.validate()?;
        let folded: Vec<Dense> = self.hidden.iter().map(fold).collect();
        let ranges = match (q, calibration) {
            (Quantization::Int8Static, Some(c)) => {
                if c.is_empty() || c.len() % self.n_inputs.max(1) != 0 {
                    return Err(Error::InvalidData(
                        "static int8 quantisation needs calibration rows of the network's width"
                            .into(),
                    ));
                }
                if c.iter().any(|v| !v.is_finite()) {
                    return Err(Error::InvalidData(
                        "the calibration rows hold a non-finite value".into(),
                    ));
                }
                self.input_ranges(&folded, c)
            }
            (Quantization::Int8Static, None) => {
                return Err(Error::InvalidData(
                    "static int8 quantisation needs calibration rows (use the dynamic variant \
                     without them)"
                        .into(),
                ));
            }
            _ => vec![0.0; folded.len() + 1],
        };
        let scale_of = |r: f32| Some(if r > 0.0 { r / 127.0 } else { 1.0 });
        let hidden: Vec<QuantDense> = folded
            .iter()
            .zip(&ranges)
            .map(|(d, &r)| quantize_dense(d, q, scale_of(r)))
            .collect();
        let head_range = ranges[folded.len()];
        let heads: Vec<QuantDense> = self
            .heads
            .iter()
            .map(|d| quantize_dense(d, q, scale_of(head_range)))
            .collect();
        let compressed = Compressed {
            quantization: q,
            hidden,
            heads,
        };
        Network::from_compressed(self.n_inputs, self.activation, compressed)
    }

    /// A network from its compressed form, with the de-quantised f32 view beside it.
    pub fn from_compressed(
        n_inputs: usize,
        activation: crate::params::Activation,
        c: Compressed,
    ) -> Result<Network> {
        for (i, d) in c.hidden.iter().enumerate() {
            d.check(&format!("hidden layer {}", i + 1))?;
        }
        for (i, d) in c.heads.iter().enumerate() {
            d.check(&format!("head {}", i + 1))?;
        }
        let net = Network {
            n_inputs,
            activation,
            hidden: c
                .hidden
                .iter()
                .map(|d| Hidden {
                    dense: d.dequantized(),
                    batch_norm: None,
                })
                .collect(),
            heads: c.heads.iter().map(QuantDense::dequantized).collect(),
            compressed: Some(c),
        };
        net.validate()?;
        Ok(net)
    }

    /// This network without `sparsity` (in `[0, 1)`) of each hidden layer's units, those whose
    /// incoming-weight norm (times their batch-norm gain) times outgoing-weight norm is smallest;
    /// every layer keeps at least one unit. Works on the f32 view; the result is an uncompressed
    /// network (fine-tune it, then quantise it if wanted).
    pub fn prune_neurons(&self, sparsity: f64) -> Result<Network> {
        if !(0.0..1.0).contains(&sparsity) {
            return Err(Error::param(
                "sparsity",
                format!("must be in [0, 1), got {sparsity}"),
            ));
        }
        self.validate()?;
        let mut hidden = self.hidden.clone();
        let mut heads = self.heads.clone();
        for l in 0..hidden.len() {
            let n = hidden[l].dense.n_out;
            let keep_n = ((n as f64) * (1.0 - sparsity)).round().max(1.0) as usize;
            if keep_n >= n {
                continue;
            }
            let d = &hidden[l].dense;
            let gain = |j: usize| {
                hidden[l].batch_norm.as_ref().map_or(1.0, |bn| {
                    (bn.gamma[j] / (bn.running_var[j] + bn.eps).sqrt()).abs()
                })
            };
            let out_norm = |j: usize| -> f32 {
                if l + 1 < hidden.len() {
                    let nx = &hidden[l + 1].dense;
                    (0..nx.n_out)
                        .map(|o| nx.weight[j * nx.n_out + o].powi(2))
                        .sum::<f32>()
                } else {
                    heads
                        .iter()
                        .map(|h| {
                            (0..h.n_out)
                                .map(|o| h.weight[j * h.n_out + o].powi(2))
                                .sum::<f32>()
                        })
                        .sum()
                }
                .sqrt()
            };
            let mut scored: Vec<(f32, usize)> = (0..n)
                .map(|j| {
                    let inn = (0..d.n_in)
                        .map(|k| d.weight[k * n + j].powi(2))
                        .sum::<f32>()
                        .sqrt();
                    (inn * gain(j) * out_norm(j), j)
                })
                .collect();
            // highest score first; ties by unit index, so the choice never varies
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut keep: Vec<usize> = scored[..keep_n].iter().map(|&(_, j)| j).collect();
            keep.sort_unstable();
            hidden[l] = select_outputs(&hidden[l], &keep);
            if l + 1 < hidden.len() {
                hidden[l + 1].dense = select_inputs(&hidden[l + 1].dense, &keep);
            } else {
                heads = heads.iter().map(|h| select_inputs(h, &keep)).collect();
            }
        }
        let net = Network {
            n_inputs: self.n_inputs,
            activation: self.activation,
            hidden,
            heads,
            compressed: None,
        };
        net.validate()?;
        Ok(net)
    }

    /// The fraction of hidden units of `original` that this network no longer has.
    pub fn unit_sparsity(&self, original: &Network) -> f64 {
        let units = |n: &Network| n.hidden.iter().map(|h| h.dense.n_out).sum::<usize>();
        let before = units(original);
        if before == 0 {
            return 0.0;
        }
        1.0 - units(self) as f64 / before as f64
    }
}

/// A hidden layer keeping only output units `keep`.
fn select_outputs(h: &Hidden, keep: &[usize]) -> Hidden {
    let d = &h.dense;
    let mut weight = Vec::with_capacity(d.n_in * keep.len());
    for k in 0..d.n_in {
        for &j in keep {
            weight.push(d.weight[k * d.n_out + j]);
        }
    }
    let pick = |v: &[f32]| keep.iter().map(|&j| v[j]).collect::<Vec<f32>>();
    Hidden {
        dense: Dense {
            n_in: d.n_in,
            n_out: keep.len(),
            weight,
            bias: pick(&d.bias),
        },
        batch_norm: h.batch_norm.as_ref().map(|bn| crate::net::BatchNorm {
            gamma: pick(&bn.gamma),
            beta: pick(&bn.beta),
            running_mean: pick(&bn.running_mean),
            running_var: pick(&bn.running_var),
            eps: bn.eps,
        }),
    }
}

/// A dense layer keeping only input units `keep`.
fn select_inputs(d: &Dense, keep: &[usize]) -> Dense {
    let mut weight = Vec::with_capacity(keep.len() * d.n_out);
    for &k in keep {
        weight.extend_from_slice(&d.weight[k * d.n_out..(k + 1) * d.n_out]);
    }
    Dense {
        n_in: keep.len(),
        n_out: d.n_out,
        weight,
        bias: d.bias.clone(),
    }
}

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
pub(crate) fn to_safetensors(net: &Network, c: &Compressed) -> Result<Vec<u8>> {
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
pub(crate) fn from_safetensors<'m>(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Activation;
    use crate::train::init_network;
    use ndarray::Array2;

    fn inputs(n: usize, d: usize) -> Array2<f32> {
        Array2::from_shape_fn((n, d), |(i, j)| {
            (((i * 37 + j * 13) % 29) as f32 / 9.0) - 1.6 + 0.01 * j as f32
        })
    }

    fn with_bn(mut net: Network) -> Network {
        for (l, h) in net.hidden.iter_mut().enumerate() {
            if let Some(bn) = &mut h.batch_norm {
                for j in 0..bn.gamma.len() {
                    let f = (j + l) as f32;
                    bn.gamma[j] = 1.0 + 0.01 * f;
                    bn.beta[j] = 0.02 * f - 0.1;
                    bn.running_mean[j] = 0.05 * f - 0.2;
                    bn.running_var[j] = 0.5 + 0.03 * f;
                }
            }
        }
        net
    }

    /// Largest |a - b| over all outputs, relative to the largest |b|.
    fn rel_err(a: &[Array2<f32>], b: &[Array2<f32>]) -> f32 {
        let scale = b
            .iter()
            .flat_map(|m| m.iter())
            .fold(0f32, |m, v| m.max(v.abs()));
        let diff = a
            .iter()
            .zip(b)
            .flat_map(|(x, y)| x.iter().zip(y.iter()).map(|(u, v)| (u - v).abs()))
            .fold(0f32, f32::max);
        diff / scale.max(1e-6)
    }

    #[test]
    fn f16_round_trips_every_normal_half_and_rounds_to_nearest() {
        for h in 0u16..0x7c00 {
            let v = f16_to_f32(h);
            let expect = if h < 0x0400 { 0 } else { h };
            assert_eq!(f32_to_f16(v), expect, "{h:#x}");
            // negative values (and flushed ones) keep their sign bit
            assert_eq!(f32_to_f16(-v), expect | 0x8000, "-{h:#x}");
        }
        for i in 0..10_000u32 {
            let v = (i as f32 * 0.7311).sin() * 300.0;
            let h = f32_to_f16(v);
            let back = f16_to_f32(h);
            // within half a unit in the last place of f16 (2^-11 relative)
            assert!(
                (back - v).abs() <= v.abs() * 2f32.powi(-11) + 1e-7,
                "{v} -> {back}"
            );
        }
        assert_eq!(f16_to_f32(f32_to_f16(1e6)), 65504.0);
    }

    #[test]
    fn quantised_networks_agree_with_f32_within_tolerance() {
        for act in [Activation::Relu, Activation::Tanh, Activation::Gelu] {
            for bn in [false, true] {
                let net = with_bn(init_network(12, &[64, 32], act, bn, &[3, 1], 7));
                let x = inputs(300, 12);
                let reference = net.forward(x.view());
                let calib = x.as_slice().unwrap();
                for (q, tol) in [
                    (Quantization::F16, 2e-3),
                    (Quantization::Int8Dynamic, 0.03),
                    (Quantization::Int8Static, 0.05),
                ] {
                    let c = net.quantize(q, Some(calib)).unwrap();
                    let out = c.forward(x.view());
                    let e = rel_err(&out, &reference);
                    assert!(e <= tol, "{act:?} bn={bn} {q:?}: relative error {e}");
                    assert!(e > 0.0, "{q:?} computed nothing different: not compressed?");
                    // the f32 view is what the compressed weights stand for
                    let view = Network {
                        compressed: None,
                        ..c.clone()
                    };
                    assert!(rel_err(&view.forward(x.view()), &reference) <= tol);
                }
            }
        }
    }

    #[test]
    fn compressed_network_round_trips_through_safetensors_and_is_smaller() {
        let net = with_bn(init_network(
            20,
            &[128, 64],
            Activation::Relu,
            true,
            &[4],
            3,
        ));
        let x = inputs(64, 20);
        let f32_bytes = net.to_safetensors().unwrap().len();
        for q in [
            Quantization::Int8Dynamic,
            Quantization::Int8Static,
            Quantization::F16,
        ] {
            let c = net.quantize(q, Some(x.as_slice().unwrap())).unwrap();
            let bytes = c.to_safetensors().unwrap();
            let back = Network::from_safetensors(&bytes).unwrap();
            assert_eq!(back, c);
            assert_eq!(back.forward(x.view()), c.forward(x.view()));
            let ratio = f32_bytes as f64 / bytes.len() as f64;
            let want = if q == Quantization::F16 { 1.9 } else { 3.5 };
            assert!(ratio >= want, "{q:?}: only {ratio:.2}x smaller");
        }
    }

    #[test]
    fn one_row_equals_its_row_in_a_batch() {
        let net = init_network(9, &[40], Activation::Relu, false, &[2], 4);
        let x = inputs(600, 9);
        for q in [Quantization::Int8Dynamic, Quantization::F16] {
            let c = net.quantize(q, None).unwrap();
            let all = c.forward(x.view());
            for r in [0, 255, 256, 599] {
                let one = c.forward(x.slice(ndarray::s![r..r + 1, ..]));
                assert_eq!(one[0].row(0), all[0].row(r));
            }
        }
    }

    #[test]
    fn static_quantisation_needs_calibration_rows() {
        let net = init_network(3, &[4], Activation::Relu, false, &[1], 1);
        let e = net.quantize(Quantization::Int8Static, None).unwrap_err();
        assert!(e.to_string().contains("calibration"), "{e}");
        let e = net
            .quantize(Quantization::Int8Static, Some(&[1.0, 2.0]))
            .unwrap_err();
        assert!(e.to_string().contains("width"), "{e}");
    }

    #[test]
    fn neuron_pruning_reaches_the_sparsity_and_keeps_the_strongest_units() {
        let mut net = with_bn(init_network(6, &[40, 20], Activation::Relu, true, &[3], 9));
        // make unit 5 of the first layer clearly the strongest
        for k in 0..6 {
            net.hidden[0].dense.weight[k * 40 + 5] = 5.0;
        }
        for s in [0.25, 0.5, 0.9] {
            let p = net.prune_neurons(s).unwrap();
            let widths: Vec<usize> = p.hidden.iter().map(|h| h.dense.n_out).collect();
            assert_eq!(
                widths,
                vec![
                    (40.0 * (1.0 - s)).round() as usize,
                    (20.0 * (1.0 - s)).round() as usize
                ]
            );
            assert!((p.unit_sparsity(&net) - s).abs() < 0.05);
            p.validate().unwrap();
            // the strong unit's incoming weights survive
            let n = p.hidden[0].dense.n_out;
            assert!((0..n).any(|j| p.hidden[0].dense.weight[j] == 5.0));
            assert_eq!(p.forward(inputs(5, 6).view())[0].dim(), (5, 3));
        }
        assert!(net.prune_neurons(1.0).is_err());
        // every layer keeps one unit
        let p = net.prune_neurons(0.999).unwrap();
        assert!(p.hidden.iter().all(|h| h.dense.n_out == 1));
    }
}
