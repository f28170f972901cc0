//! The stored FT-Transformer: plain `f32` weights (no burn types), fresh initialisation, and the
//! host forward pass that predicts and can return the attention probabilities.
//!
//! Layout: tokens are `[CLS]` first, then one per input feature in column order. Every dense
//! layer is row-major `n_in × n_out` as in [`crate::Dense`], applied with the same kernel as the
//! MLP, so a row's result does not depend on the other rows in its batch.

use rayon::prelude::*;
use satori_core::rng::{RngExt, sub_rng};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::net::Dense;

/// The feed-forward gate of each block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FfnActivation {
    /// `a · relu(b)` over the two halves of the first linear layer (the paper's default).
    #[default]
    Reglu,
    /// `a · gelu(b)` (exact, erf-based GELU).
    Geglu,
}

/// Layer normalisation over a token's `d_token` values (`eps` 1e-5, as PyTorch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerNorm {
    /// Scale per value.
    pub gamma: Vec<f32>,
    /// Shift per value.
    pub beta: Vec<f32>,
}

/// Variance floor of every layer norm.
pub(crate) const LN_EPS: f32 = 1e-5;

impl LayerNorm {
    fn new(d: usize) -> Self {
        LayerNorm {
            gamma: vec![1.0; d],
            beta: vec![0.0; d],
        }
    }

    /// Normalise each `d`-wide row of `x` into `out`.
    fn apply(&self, x: &[f32], out: &mut [f32]) {
        let d = self.gamma.len().max(1);
        for (xr, or) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
            let mean = xr.iter().sum::<f32>() / d as f32;
            let var = xr.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / d as f32;
            let sd = (var + LN_EPS).sqrt();
            for j in 0..d {
                or[j] = (xr[j] - mean) / sd * self.gamma[j] + self.beta[j];
            }
        }
    }
}

/// One pre-norm transformer block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// Layer norm before attention (absent in the first block, as in the paper's code: the
    /// tokenizer's output goes to the first attention directly).
    pub attn_norm: Option<LayerNorm>,
    /// Query projection (`d_token → d_token`).
    pub query: Dense,
    /// Key projection.
    pub key: Dense,
    /// Value projection.
    pub value: Dense,
    /// Output projection of the concatenated heads.
    pub out: Dense,
    /// Layer norm before the feed-forward part.
    pub ffn_norm: LayerNorm,
    /// `d_token → 2 · ffn_hidden` (the two halves of the gated unit).
    pub ffn_in: Dense,
    /// `ffn_hidden → d_token`.
    pub ffn_out: Dense,
}

/// A trained FT-Transformer's weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FtNet {
    /// Number of input features (tokens besides `[CLS]`).
    pub n_features: usize,
    /// Width of every token.
    pub d_token: usize,
    /// Attention heads per block.
    pub n_heads: usize,
    /// Hidden width of the feed-forward part.
    pub ffn_hidden: usize,
    /// The feed-forward gate.
    pub ffn_activation: FfnActivation,
    /// Per-feature token vectors, `n_features × d_token` row-major (token = value · weight + bias).
    pub tok_weight: Vec<f32>,
    /// Per-feature token biases, `n_features × d_token`.
    pub tok_bias: Vec<f32>,
    /// The learned `[CLS]` token.
    pub cls: Vec<f32>,
    /// The transformer blocks, input side first.
    pub blocks: Vec<Block>,
    /// Layer norm of the `[CLS]` token before the head.
    pub head_norm: LayerNorm,
    /// The output layer on the normalised, ReLU-activated `[CLS]` token.
    pub head: Dense,
}

/// The architecture of a fresh network.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub n_features: usize,
    pub d_token: usize,
    pub n_heads: usize,
    pub n_blocks: usize,
    pub ffn_hidden: usize,
    pub ffn_activation: FfnActivation,
    pub outputs: usize,
}

/// One parameter tensor's place: its shape (`rows × cols`) and whether weight decay applies
/// (dense weights only; not the tokenizer, norms or biases, as the paper's code).
pub(crate) type ParamShape = ([usize; 2], bool);

impl FtNet {
    /// Fresh weights: tokenizer and `[CLS]` uniform in ±1/√d; query/key/value Xavier-uniform
    /// with gain 1/√2 and zero biases; other linear layers PyTorch's default (uniform in
    /// ±1/√fan_in); norms at identity. Every draw comes from streams of `seed`.
    pub(crate) fn init(s: Shape, seed: u64) -> FtNet {
        let d = s.d_token;
        let mut draw = Draws { seed, stream: 0 };
        let tb = 1.0 / (d as f64).sqrt();
        let tok_weight = draw.uniform(s.n_features * d, tb);
        let tok_bias = draw.uniform(s.n_features * d, tb);
        let cls = draw.uniform(d, tb);
        let xavier = (0.5f64).sqrt() * (6.0 / (2 * d) as f64).sqrt();
        let mut blocks = Vec::with_capacity(s.n_blocks);
        for l in 0..s.n_blocks {
            let mut qkv = || Dense {
                n_in: d,
                n_out: d,
                weight: draw.uniform(d * d, xavier),
                bias: vec![0.0; d],
            };
            let (query, key, value) = (qkv(), qkv(), qkv());
            let mut out = draw.torch_dense(d, d);
            out.bias = vec![0.0; d];
            blocks.push(Block {
                attn_norm: (l > 0).then(|| LayerNorm::new(d)),
                query,
                key,
                value,
                out,
                ffn_norm: LayerNorm::new(d),
                ffn_in: draw.torch_dense(d, 2 * s.ffn_hidden),
                ffn_out: draw.torch_dense(s.ffn_hidden, d),
            });
        }
        FtNet {
            n_features: s.n_features,
            d_token: d,
            n_heads: s.n_heads,
            ffn_hidden: s.ffn_hidden,
            ffn_activation: s.ffn_activation,
            tok_weight,
            tok_bias,
            cls,
            blocks,
            head_norm: LayerNorm::new(d),
            head: draw.torch_dense(d, s.outputs),
        }
    }

    /// Number of tokens (`[CLS]` plus one per feature).
    pub fn n_tokens(&self) -> usize {
        self.n_features + 1
    }

    /// Number of outputs (classes or 1).
    pub fn n_outputs(&self) -> usize {
        self.head.n_out
    }

    /// Every parameter tensor, in the fixed order training uses, with its shape and decay flag.
    pub(crate) fn params_mut(&mut self) -> Vec<(&mut Vec<f32>, ParamShape)> {
        let (f, d, h) = (self.n_features, self.d_token, self.ffn_hidden);
        let mut v: Vec<(&mut Vec<f32>, ParamShape)> = vec![
            (&mut self.tok_weight, ([f, d], false)),
            (&mut self.tok_bias, ([f, d], false)),
            (&mut self.cls, ([1, d], false)),
        ];
        for b in &mut self.blocks {
            if let Some(n) = &mut b.attn_norm {
                v.push((&mut n.gamma, ([1, d], false)));
                v.push((&mut n.beta, ([1, d], false)));
            }
            for dn in [&mut b.query, &mut b.key, &mut b.value, &mut b.out] {
                v.push((&mut dn.weight, ([d, d], true)));
                v.push((&mut dn.bias, ([1, d], false)));
            }
            v.push((&mut b.ffn_norm.gamma, ([1, d], false)));
            v.push((&mut b.ffn_norm.beta, ([1, d], false)));
            v.push((&mut b.ffn_in.weight, ([d, 2 * h], true)));
            v.push((&mut b.ffn_in.bias, ([1, 2 * h], false)));
            v.push((&mut b.ffn_out.weight, ([h, d], true)));
            v.push((&mut b.ffn_out.bias, ([1, d], false)));
        }
        let o = self.head.n_out;
        v.push((&mut self.head_norm.gamma, ([1, d], false)));
        v.push((&mut self.head_norm.beta, ([1, d], false)));
        v.push((&mut self.head.weight, ([d, o], true)));
        v.push((&mut self.head.bias, ([1, o], false)));
        v
    }

    /// Total number of stored values.
    pub fn n_parameters(&self) -> usize {
        self.clone().params_mut().iter().map(|(t, _)| t.len()).sum()
    }

    /// Check every size against the architecture and every weight for finiteness.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| {
            Err(Error::InvalidData(format!(
                "ft_transformer network: {what}"
            )))
        };
        let d = self.d_token;
        if d == 0 || self.n_heads == 0 || !d.is_multiple_of(self.n_heads) || self.ffn_hidden == 0 {
            return bad("d_token must be a positive multiple of n_heads");
        }
        if self.blocks.is_empty() || self.head.n_out == 0 {
            return bad("no block or no output");
        }
        let mut copy = self.clone();
        for (t, (shape, _)) in copy.params_mut() {
            if t.len() != shape[0] * shape[1] {
                return bad("a weight tensor has the wrong size");
            }
            if t.iter().any(|v| !v.is_finite()) {
                return bad("non-finite weights");
            }
        }
        let dense_ok = |dn: &Dense, i: usize, o: usize| dn.n_in == i && dn.n_out == o;
        let ok = self.blocks.iter().all(|b| {
            [&b.query, &b.key, &b.value, &b.out]
                .iter()
                .all(|dn| dense_ok(dn, d, d))
                && dense_ok(&b.ffn_in, d, 2 * self.ffn_hidden)
                && dense_ok(&b.ffn_out, self.ffn_hidden, d)
        }) && self.head.n_in == d;
        if !ok {
            return bad("a layer's declared sizes do not match d_token");
        }
        Ok(())
    }

    /// Outputs (`rows × n_outputs`, row-major) of rows `x` (`rows × n_features`, finite `f32`),
    /// and with `attention` the probabilities of every row, block and head (`rows × n_blocks ×
    /// n_heads × tokens × tokens`, row-major; each `tokens`-long row sums to 1).
    pub(crate) fn forward(&self, x: &[f32], attention: bool) -> (Vec<f32>, Vec<f32>) {
        let f = self.n_features.max(1);
        let rows = x.len() / f;
        let o = self.n_outputs();
        let t = self.n_tokens();
        let per_row_att = if attention {
            self.blocks.len() * self.n_heads * t * t
        } else {
            0
        };
        let mut out = vec![0f32; rows * o];
        let mut att = vec![0f32; rows * per_row_att];
        const CHUNK: usize = 64;
        if attention {
            x.par_chunks(CHUNK * f)
                .zip(out.par_chunks_mut(CHUNK * o))
                .zip(att.par_chunks_mut(CHUNK * per_row_att.max(1)))
                .for_each(|((xs, os), a)| self.forward_chunk(xs, os, Some(a)));
        } else {
            x.par_chunks(CHUNK * f)
                .zip(out.par_chunks_mut(CHUNK * o))
                .for_each(|(xs, os)| self.forward_chunk(xs, os, None));
        }
        (out, att)
    }

    fn forward_chunk(&self, x: &[f32], out: &mut [f32], mut att: Option<&mut [f32]>) {
        let (f, d, t) = (self.n_features.max(1), self.d_token, self.n_tokens());
        let rows = x.len() / f;
        let n = rows * t;
        let (nh, dh) = (self.n_heads, self.d_token / self.n_heads.max(1));
        let scale = 1.0 / (dh as f32).sqrt();
        // Tokens: [CLS], then value · weight + bias per feature.
        let mut h = vec![0f32; n * d];
        for r in 0..rows {
            h[r * t * d..r * t * d + d].copy_from_slice(&self.cls);
            for j in 0..self.n_features {
                let xv = x[r * f + j];
                let dst = &mut h[(r * t + 1 + j) * d..(r * t + 2 + j) * d];
                let (w, b) = (
                    &self.tok_weight[j * d..(j + 1) * d],
                    &self.tok_bias[j * d..(j + 1) * d],
                );
                for k in 0..d {
                    dst[k] = xv * w[k] + b[k];
                }
            }
        }
        let mut z = vec![0f32; n * d];
        let (mut q, mut k, mut v) = (vec![0f32; n * d], vec![0f32; n * d], vec![0f32; n * d]);
        let mut ctx = vec![0f32; n * d];
        let mut proj = vec![0f32; n * d];
        let mut scores = vec![0f32; t];
        let hid = self.ffn_hidden;
        let mut ff = vec![0f32; n * 2 * hid];
        let mut gated = vec![0f32; n * hid];
        let per_row_att = self.blocks.len() * nh * t * t;
        for (l, b) in self.blocks.iter().enumerate() {
            match &b.attn_norm {
                Some(norm) => norm.apply(&h, &mut z),
                None => z.copy_from_slice(&h),
            }
            crate::kernels::dense(&z, &b.query.weight, &b.query.bias, d, d, &mut q);
            crate::kernels::dense(&z, &b.key.weight, &b.key.bias, d, d, &mut k);
            crate::kernels::dense(&z, &b.value.weight, &b.value.bias, d, d, &mut v);
            for r in 0..rows {
                for head in 0..nh {
                    let off = head * dh;
                    for i in 0..t {
                        let qi = &q[(r * t + i) * d + off..(r * t + i) * d + off + dh];
                        let mut mx = f32::NEG_INFINITY;
                        for (jj, s) in scores.iter_mut().enumerate() {
                            let kj = &k[(r * t + jj) * d + off..(r * t + jj) * d + off + dh];
                            let dot: f32 = qi.iter().zip(kj).map(|(a, c)| a * c).sum();
                            *s = dot * scale;
                            mx = mx.max(*s);
                        }
                        let mut sum = 0f32;
                        for s in scores.iter_mut() {
                            *s = (*s - mx).exp();
                            sum += *s;
                        }
                        for s in scores.iter_mut() {
                            *s /= sum;
                        }
                        if let Some(a) = att.as_deref_mut() {
                            let base = r * per_row_att + ((l * nh + head) * t + i) * t;
                            a[base..base + t].copy_from_slice(&scores);
                        }
                        let ci = &mut ctx[(r * t + i) * d + off..(r * t + i) * d + off + dh];
                        ci.iter_mut().for_each(|c| *c = 0.0);
                        for (jj, &p) in scores.iter().enumerate() {
                            let vj = &v[(r * t + jj) * d + off..(r * t + jj) * d + off + dh];
                            for (c, &vv) in ci.iter_mut().zip(vj) {
                                *c += p * vv;
                            }
                        }
                    }
                }
            }
            crate::kernels::dense(&ctx, &b.out.weight, &b.out.bias, d, d, &mut proj);
            h.iter_mut().zip(&proj).for_each(|(a, p)| *a += p);
            b.ffn_norm.apply(&h, &mut z);
            crate::kernels::dense(&z, &b.ffn_in.weight, &b.ffn_in.bias, d, 2 * hid, &mut ff);
            for (row, g) in ff.chunks_exact(2 * hid).zip(gated.chunks_exact_mut(hid)) {
                let (a, gate) = row.split_at(hid);
                for j in 0..hid {
                    g[j] = a[j] * gate_fn(self.ffn_activation, gate[j]);
                }
            }
            crate::kernels::dense(
                &gated,
                &b.ffn_out.weight,
                &b.ffn_out.bias,
                hid,
                d,
                &mut proj,
            );
            h.iter_mut().zip(&proj).for_each(|(a, p)| *a += p);
        }
        // Head on [CLS]: norm, ReLU, linear.
        let o = self.n_outputs();
        let mut c = vec![0f32; d];
        for r in 0..rows {
            self.head_norm.apply(&h[r * t * d..r * t * d + d], &mut c);
            c.iter_mut().for_each(|v| *v = v.max(0.0));
            crate::kernels::dense(
                &c,
                &self.head.weight,
                &self.head.bias,
                d,
                o,
                &mut out[r * o..(r + 1) * o],
            );
        }
    }
}

/// Seeded uniform draws, one stream per tensor.
struct Draws {
    seed: u64,
    stream: u64,
}

impl Draws {
    fn uniform(&mut self, n: usize, bound: f64) -> Vec<f32> {
        self.stream += 1;
        let mut r = sub_rng(self.seed, 5000 + self.stream);
        (0..n)
            .map(|_| r.random_range(-bound..bound) as f32)
            .collect()
    }

    /// PyTorch's default `Linear` initialisation: weights and biases uniform in ±1/√fan_in.
    fn torch_dense(&mut self, n_in: usize, n_out: usize) -> Dense {
        let b = 1.0 / (n_in.max(1) as f64).sqrt();
        Dense {
            n_in,
            n_out,
            weight: self.uniform(n_in * n_out, b),
            bias: self.uniform(n_out, b),
        }
    }
}

pub(crate) fn gate_fn(act: FfnActivation, g: f32) -> f32 {
    match act {
        FfnActivation::Reglu => g.max(0.0),
        FfnActivation::Geglu => 0.5 * g * (1.0 + libm::erff(g * std::f32::consts::FRAC_1_SQRT_2)),
    }
}
