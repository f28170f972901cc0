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

use crate::f16::f32_to_f16;
use crate::layers::{BatchNorm, Dense, Hidden, activate};
use crate::net::Network;
use crate::quant::{CHUNK, Compressed, QuantDense, QuantWeights, Quantization};

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
        batch_norm: h.batch_norm.as_ref().map(|bn| BatchNorm {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::f16::f16_to_f32;
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
