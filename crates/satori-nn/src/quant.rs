//! Compressed networks' layers and their prediction: int8 and f16 dense layers computed in their
//! compressed form (see [`crate::compress`] for how a network gets there and what each form
//! means).

use serde::{Deserialize, Serialize};

use satori_core::{Error, Result};

use crate::f16::f16_to_f32;
use crate::layers::{Dense, activate};

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
pub(crate) const CHUNK: usize = 256;

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
