//! The stored network: plain `f32` weights (no burn types), its forward pass for prediction, and
//! its summary.
//!
//! Layout: `weight` of a dense layer is row-major `n_in × n_out` (`weight[k * n_out + j]` links
//! input `k` to output `j`), so a row's output is `bias + x · W`. Every output value is the sum
//! over `k` in increasing order, whatever the batch, so predicting one row or many gives the same
//! bits.

use std::fmt::Write as _;

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::params::Activation;

pub(crate) use crate::layers::activate;
pub use crate::layers::{BatchNorm, Dense, Hidden};

/// A trained multilayer perceptron: a trunk of hidden layers shared by one or more linear output
/// heads (one per task; single-task models have one).
///
/// Serialised (in the model file's payload) as the bytes of its safetensors file
/// ([`Network::to_safetensors`]): the weights are stored in the standard tensor format. (Model
/// files of formats 1 and 2 stored the fields one by one; the model file's own versioning code
/// reads those.)
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Input width (number of feature columns).
    pub n_inputs: usize,
    /// Activation after each hidden layer.
    pub activation: Activation,
    /// Hidden layers, input side first.
    pub hidden: Vec<Hidden>,
    /// Output heads (logits for classification tasks, values for regression tasks).
    pub heads: Vec<Dense>,
    /// The compressed form prediction runs on (int8 or f16 weights, see [`crate::compress`]);
    /// `None` for an ordinary f32 network. When present, `hidden` and `heads` are its
    /// de-quantised view (batch norm folded).
    pub compressed: Option<crate::quant::Compressed>,
}

impl Serialize for Network {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let bytes = self.to_safetensors().map_err(serde::ser::Error::custom)?;
        s.serialize_bytes(&bytes)
    }
}

impl<'de> Deserialize<'de> for Network {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_bytes(SafetensorsVisitor)
    }
}

/// Reads a network from its safetensors bytes (or, from self-describing formats such as JSON, a
/// sequence of byte values).
struct SafetensorsVisitor;

impl<'de> serde::de::Visitor<'de> for SafetensorsVisitor {
    type Value = Network;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the bytes of a safetensors file")
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<Network, E> {
        Network::from_safetensors(v).map_err(E::custom)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Network, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(b) = seq.next_element::<u8>()? {
            bytes.push(b);
        }
        Network::from_safetensors(&bytes).map_err(serde::de::Error::custom)
    }
}

/// Rows per parallel chunk of the forward pass (fixed, so results never depend on threads).
const CHUNK: usize = 256;

impl Network {
    /// Check that `x` (f64) has the network's width and only finite values, and convert it.
    pub(crate) fn input(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f32>> {
        satori_core::check_features(x, self.n_inputs)?;
        self.check_shapes()?;
        to_f32_finite(x)
    }

    /// The outputs of every head for rows `x` (already `f32`, right width: callers check it).
    pub(crate) fn forward(&self, x: ArrayView2<'_, f32>) -> Vec<Array2<f32>> {
        let n = x.nrows();
        let x = x.as_standard_layout();
        let flat = x.as_slice().unwrap_or(&[]);
        let width: usize = self.heads.iter().map(|h| h.n_out).sum();
        let mut out = vec![0f32; n * width];
        let n_in = self.n_inputs.max(1);
        flat.par_chunks(CHUNK * n_in)
            .zip(out.par_chunks_mut(CHUNK * width.max(1)))
            .for_each(|(xs, os)| match &self.compressed {
                Some(c) => c.forward_chunk(self.activation, xs, os, width),
                None => self.forward_chunk(xs, os, width),
            });
        let mut heads = Vec::with_capacity(self.heads.len());
        let all = Array2::from_shape_vec((n, width), out).unwrap_or_else(|_| Array2::zeros((n, 0)));
        let mut start = 0;
        for h in &self.heads {
            heads.push(
                all.slice(ndarray::s![.., start..start + h.n_out])
                    .to_owned(),
            );
            start += h.n_out;
        }
        heads
    }

    fn forward_chunk(&self, x: &[f32], out: &mut [f32], width: usize) {
        let rows = x.len() / self.n_inputs.max(1);
        let mut cur = x.to_vec();
        for layer in &self.hidden {
            let mut next = vec![0f32; rows * layer.dense.n_out];
            layer.dense.forward_into(&cur, &mut next);
            if let Some(bn) = &layer.batch_norm {
                for row in next.chunks_mut(layer.dense.n_out) {
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = (*v - bn.running_mean[j]) / (bn.running_var[j] + bn.eps).sqrt()
                            * bn.gamma[j]
                            + bn.beta[j];
                    }
                }
            }
            activate(self.activation, &mut next);
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

    /// Check that the layers chain (each input width the previous output width), that every
    /// vector has its layer's length, and that every weight is finite.
    pub fn validate(&self) -> Result<()> {
        self.check_shapes()?;
        let finite = self.hidden.iter().all(|h| {
            h.dense
                .weight
                .iter()
                .chain(&h.dense.bias)
                .all(|v| v.is_finite())
        }) && self
            .heads
            .iter()
            .all(|d| d.weight.iter().chain(&d.bias).all(|v| v.is_finite()));
        if !finite {
            return Err(Error::InvalidData("network: non-finite weights".into()));
        }
        Ok(())
    }

    /// The shape part of [`Network::validate`] (cheap; run before every prediction).
    fn check_shapes(&self) -> Result<()> {
        let bad = |what: String| Err(Error::InvalidData(format!("network: {what}")));
        let mut width = self.n_inputs;
        let dense_ok = |d: &Dense, n_in: usize| {
            d.n_in == n_in && d.weight.len() == d.n_in * d.n_out && d.bias.len() == d.n_out
        };
        for (i, h) in self.hidden.iter().enumerate() {
            if !dense_ok(&h.dense, width) || h.dense.n_out == 0 {
                return bad(format!(
                    "hidden layer {} does not take {width} inputs or has wrong sizes",
                    i + 1
                ));
            }
            if let Some(bn) = &h.batch_norm {
                let n = h.dense.n_out;
                if [&bn.gamma, &bn.beta, &bn.running_mean, &bn.running_var]
                    .iter()
                    .any(|v| v.len() != n)
                    || bn.running_var.iter().any(|v| *v < 0.0)
                    || bn.eps.is_nan()
                    || bn.eps <= 0.0
                {
                    return bad(format!(
                        "batch norm of hidden layer {} has wrong sizes or values",
                        i + 1
                    ));
                }
            }
            width = h.dense.n_out;
        }
        if self.heads.is_empty() {
            return bad("no output head".into());
        }
        if let Some(t) = self
            .heads
            .iter()
            .position(|d| !dense_ok(d, width) || d.n_out == 0)
        {
            return bad(format!(
                "head {} does not take {width} inputs or has wrong sizes",
                t + 1
            ));
        }
        if let Some(c) = &self.compressed {
            let same =
                |q: &crate::quant::QuantDense, d: &Dense| q.n_in == d.n_in && q.n_out == d.n_out;
            if c.hidden.len() != self.hidden.len()
                || c.heads.len() != self.heads.len()
                || !c
                    .hidden
                    .iter()
                    .zip(&self.hidden)
                    .all(|(q, h)| same(q, &h.dense))
                || !c.heads.iter().zip(&self.heads).all(|(q, d)| same(q, d))
            {
                return bad("the compressed layers do not match the network's shapes".into());
            }
        }
        Ok(())
    }

    /// Width of the trunk's output (the last hidden layer, or the input without hidden layers).
    pub fn trunk_width(&self) -> usize {
        self.hidden.last().map_or(self.n_inputs, |h| h.dense.n_out)
    }

    /// Total number of stored values (weights, biases, batch-norm scales and shifts).
    pub fn n_parameters(&self) -> usize {
        let hidden: usize = self
            .hidden
            .iter()
            .map(|h| {
                h.dense.n_parameters() + h.batch_norm.as_ref().map_or(0, |b| 2 * b.gamma.len())
            })
            .sum();
        hidden + self.heads.iter().map(Dense::n_parameters).sum::<usize>()
    }

    /// A table of the layers, their shapes and parameter counts.
    pub fn summary(&self, head_names: &[String]) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{:<24} {:>14} {:>10}", "layer", "shape", "params");
        let _ = writeln!(
            s,
            "{:<24} {:>14} {:>10}",
            "input",
            format!("{}", self.n_inputs),
            0
        );
        let act = format!("{:?}", self.activation).to_lowercase();
        for (i, h) in self.hidden.iter().enumerate() {
            let d = &h.dense;
            let name = format!("hidden {} (dense)", i + 1);
            let shape = format!("{} -> {}", d.n_in, d.n_out);
            let _ = writeln!(s, "{name:<24} {shape:>14} {:>10}", d.n_parameters());
            if let Some(bn) = &h.batch_norm {
                let _ = writeln!(
                    s,
                    "{:<24} {:>14} {:>10}",
                    "  batch_norm",
                    d.n_out,
                    2 * bn.gamma.len()
                );
            }
            let _ = writeln!(s, "{:<24} {:>14} {:>10}", format!("  {act}"), d.n_out, 0);
        }
        for (i, d) in self.heads.iter().enumerate() {
            let name = head_names
                .get(i)
                .map_or_else(|| format!("head {}", i + 1), |n| format!("head `{n}`"));
            let shape = format!("{} -> {}", d.n_in, d.n_out);
            let _ = writeln!(s, "{name:<24} {shape:>14} {:>10}", d.n_parameters());
        }
        let _ = write!(s, "total parameters: {}", self.n_parameters());
        if let Some(c) = &self.compressed {
            let what = match c.quantization {
                crate::quant::Quantization::Int8Dynamic => {
                    "int8 per output channel, activations quantised per row"
                }
                crate::quant::Quantization::Int8Static => {
                    "int8 per output channel, calibrated activation scales"
                }
                crate::quant::Quantization::F16 => "f16",
            };
            let _ = write!(
                s,
                "\nweights: {what} ({} bytes stored; batch norm folded)",
                c.stored_bytes()
            );
        }
        s
    }
}

/// Convert to `f32`, refusing NaN and infinities (a network cannot take missing values).
pub(crate) fn to_f32_finite(x: ArrayView2<'_, f64>) -> Result<Array2<f32>> {
    if let Some(((r, c), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::InvalidData(format!(
            "row {}, column {} is {v}; a neural network needs finite features \
             (impute missing values first, e.g. with the automatic preprocessing)",
            r + 1,
            c + 1
        )));
    }
    Ok(x.mapv(|v| v as f32))
}

/// Row-wise softmax (in `f64`, for probabilities that sum to 1 within 1e-12).
pub(crate) fn softmax_rows(logits: ArrayView2<'_, f32>) -> Array2<f64> {
    let mut p = logits.mapv(f64::from);
    for mut row in p.axis_iter_mut(Axis(0)) {
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        row.mapv_inplace(|v| (v - m).exp());
        let s: f64 = row.sum();
        row.mapv_inplace(|v| v / s);
    }
    p
}

/// Argmax of each row (first on ties).
/// The most probable class of each row (as `f64`, the first on a tie) beside the probabilities:
/// what `predict` and `predict_with_proba` of the classifiers read off one pass.
pub(crate) fn with_classes(p: Array2<f64>) -> (Array1<f64>, Array2<f64>) {
    let classes = argmax_rows(p.view())
        .into_iter()
        .map(|c| c as f64)
        .collect();
    (classes, p)
}

pub(crate) fn argmax_rows(p: ArrayView2<'_, f64>) -> Vec<usize> {
    p.axis_iter(Axis(0))
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}
