//! The training loop: mini-batches on the host, forward pass and gradients with burn's autodiff
//! on the Flex CPU backend, optimizer updates on the host's `f32` parameters.

use burn::tensor::activation::{gelu, relu, sigmoid, tanh};
use burn::tensor::{Device, Tensor, TensorData};
use ndarray::{Array2, ArrayView2, Axis};
use satori_core::rng::{RngExt, shuffle, sub_rng};
use satori_core::{Error, Result, TrainingHistory};

use crate::net::{BatchNorm, Dense, Hidden, Network};
use crate::params::{Activation, MlpParams};

/// What one output head learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskKind {
    /// Classes `0..n` (softmax cross-entropy).
    Classes(usize),
    /// One continuous value (half squared error, as scikit-learn).
    Values,
}

impl TaskKind {
    pub(crate) fn outputs(self) -> usize {
        match self {
            TaskKind::Classes(n) => n,
            TaskKind::Values => 1,
        }
    }
}

/// One task's targets and row weights (sample weight times class weight), row-aligned with `x`.
#[derive(Debug, Clone)]
pub(crate) struct TaskData {
    pub kind: TaskKind,
    /// Class code (as `f32`) or value per row.
    pub y: Vec<f32>,
    /// Weight per row.
    pub w: Vec<f32>,
    /// Weight of the task in the total loss.
    pub loss_weight: f32,
}

/// Everything a training run needs.
pub(crate) struct TrainSpec<'a> {
    pub params: &'a MlpParams,
    pub x: Array2<f32>,
    pub tasks: Vec<TaskData>,
    /// The starting weights (fresh, transferred, or a fitted model's to continue from).
    pub net: Network,
    /// The first `frozen` hidden layers are not trained (batch norm in inference mode).
    pub frozen: usize,
    /// Hidden layers `frozen..slow` train at `learning_rate * transfer_lr_factor`.
    pub slow: usize,
    /// Number of epochs at most.
    pub epochs: usize,
    /// The last `given_valid` rows of `x` (and of each task) are a given validation set: they
    /// are scored every epoch and never trained on, and with `early_stopping` training stops on
    /// them instead of holding out `validation_fraction` of the rows. 0: none given.
    pub given_valid: usize,
}

/// What a training run gives back.
#[derive(Debug, Clone)]
pub(crate) struct TrainOutcome {
    pub net: Network,
    pub loss: TrainingHistory,
    pub metric: TrainingHistory,
    pub n_iter: usize,
    pub converged: bool,
    pub stop_reason: Option<String>,
}

/// Fresh weights for a network (scikit-learn's Glorot-uniform rule for weights and biases).
pub(crate) fn init_network(
    n_inputs: usize,
    hidden: &[usize],
    act: Activation,
    batch_norm: bool,
    heads: &[usize],
    seed: u64,
) -> Network {
    let mut layer_no = 0u64;
    let mut dense = |n_in: usize, n_out: usize| {
        let factor = if act == Activation::Logistic {
            2.0
        } else {
            6.0
        };
        let bound = (factor / (n_in + n_out) as f64).sqrt();
        let mut r = sub_rng(seed, 1000 + layer_no);
        layer_no += 1;
        let mut draw = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| (r.random_range(-bound..bound)) as f32)
                .collect()
        };
        let weight = draw(n_in * n_out);
        let bias = draw(n_out);
        Dense {
            n_in,
            n_out,
            weight,
            bias,
        }
    };
    let mut width = n_inputs;
    let mut layers = Vec::new();
    for &h in hidden {
        layers.push(Hidden {
            dense: dense(width, h),
            batch_norm: batch_norm.then(|| BatchNorm {
                gamma: vec![1.0; h],
                beta: vec![0.0; h],
                running_mean: vec![0.0; h],
                running_var: vec![1.0; h],
                eps: 1e-5,
            }),
        });
        width = h;
    }
    let heads = heads.iter().map(|&o| dense(width, o)).collect();
    Network {
        n_inputs,
        activation: act,
        hidden: layers,
        heads,
        compressed: None,
    }
}

/// A new head of `outputs` values on top of `net`'s trunk, initialised from `seed`.
pub(crate) fn fresh_head(net: &Network, outputs: usize, seed: u64) -> Dense {
    let tmp = init_network(
        net.trunk_width(),
        &[],
        net.activation,
        false,
        &[outputs],
        seed,
    );
    tmp.heads.into_iter().next().unwrap_or(Dense {
        n_in: net.trunk_width(),
        n_out: outputs,
        weight: vec![0.0; net.trunk_width() * outputs],
        bias: vec![0.0; outputs],
    })
}

/// Where a host parameter tensor lives in the network.
#[derive(Debug, Clone, Copy)]
enum Slot {
    W(usize),
    B(usize),
    Gamma(usize),
    Beta(usize),
    HeadW(usize),
    HeadB(usize),
}

/// The network's parameters as flat host tensors, in a fixed order.
struct ParamList {
    slots: Vec<Slot>,
    shapes: Vec<[usize; 2]>,
    /// Learning-rate factor; 0 = frozen.
    factor: Vec<f64>,
}

impl ParamList {
    fn new(net: &Network, frozen: usize, slow: usize, slow_factor: f64) -> Self {
        let mut p = ParamList {
            slots: Vec::new(),
            shapes: Vec::new(),
            factor: Vec::new(),
        };
        for (l, h) in net.hidden.iter().enumerate() {
            let f = if l < frozen {
                0.0
            } else if l < slow {
                slow_factor
            } else {
                1.0
            };
            let (i, o) = (h.dense.n_in, h.dense.n_out);
            p.push(Slot::W(l), [i, o], f);
            p.push(Slot::B(l), [1, o], f);
            if h.batch_norm.is_some() {
                p.push(Slot::Gamma(l), [1, o], f);
                p.push(Slot::Beta(l), [1, o], f);
            }
        }
        for (t, d) in net.heads.iter().enumerate() {
            p.push(Slot::HeadW(t), [d.n_in, d.n_out], 1.0);
            p.push(Slot::HeadB(t), [1, d.n_out], 1.0);
        }
        p
    }

    fn push(&mut self, s: Slot, shape: [usize; 2], f: f64) {
        self.slots.push(s);
        self.shapes.push(shape);
        self.factor.push(f);
    }
}

fn slot_mut(net: &mut Network, s: Slot) -> &mut Vec<f32> {
    match s {
        Slot::W(l) => &mut net.hidden[l].dense.weight,
        Slot::B(l) => &mut net.hidden[l].dense.bias,
        Slot::Gamma(l) => &mut bn_mut(net, l).gamma,
        Slot::Beta(l) => &mut bn_mut(net, l).beta,
        Slot::HeadW(t) => &mut net.heads[t].weight,
        Slot::HeadB(t) => &mut net.heads[t].bias,
    }
}

fn bn_mut(net: &mut Network, l: usize) -> &mut BatchNorm {
    net.hidden[l]
        .batch_norm
        .as_mut()
        .unwrap_or_else(|| unreachable!("batch-norm slot of a layer without batch norm"))
}

fn slot_ref(net: &Network, s: Slot) -> &[f32] {
    match s {
        Slot::W(l) => &net.hidden[l].dense.weight,
        Slot::B(l) => &net.hidden[l].dense.bias,
        Slot::Gamma(l) => net.hidden[l].batch_norm.as_ref().map_or(&[], |b| &b.gamma),
        Slot::Beta(l) => net.hidden[l].batch_norm.as_ref().map_or(&[], |b| &b.beta),
        Slot::HeadW(t) => &net.heads[t].weight,
        Slot::HeadB(t) => &net.heads[t].bias,
    }
}

fn tensor2(v: Vec<f32>, shape: [usize; 2], dev: &Device) -> Tensor<2> {
    Tensor::<2>::from_data(TensorData::new(v, shape), dev)
}

fn to_vec(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap_or_default()
}

fn act_tensor(act: Activation, h: Tensor<2>) -> Tensor<2> {
    match act {
        Activation::Relu => relu(h),
        Activation::Gelu => gelu(h),
        Activation::Tanh => tanh(h),
        Activation::Logistic => sigmoid(h),
    }
}

/// The burn forward pass of `net` in inference mode (batch norm on running statistics). Used
/// by the tests that check the plain forward pass against burn's.
#[cfg(test)]
pub(crate) fn burn_forward(net: &Network, x: ArrayView2<'_, f32>) -> Vec<Array2<f32>> {
    let dev = Device::flex();
    let n = x.nrows();
    let mut h = tensor2(x.iter().copied().collect(), [n, net.n_inputs], &dev);
    for layer in &net.hidden {
        let d = &layer.dense;
        h = h.matmul(tensor2(d.weight.clone(), [d.n_in, d.n_out], &dev))
            + tensor2(d.bias.clone(), [1, d.n_out], &dev);
        if let Some(bn) = &layer.batch_norm {
            h = bn_inference(h, bn, &dev);
        }
        h = act_tensor(net.activation, h);
    }
    net.heads
        .iter()
        .map(|d| {
            let o = h
                .clone()
                .matmul(tensor2(d.weight.clone(), [d.n_in, d.n_out], &dev))
                + tensor2(d.bias.clone(), [1, d.n_out], &dev);
            Array2::from_shape_vec((n, d.n_out), to_vec(o))
                .unwrap_or_else(|_| Array2::zeros((n, d.n_out)))
        })
        .collect()
}

fn bn_inference(h: Tensor<2>, bn: &BatchNorm, dev: &Device) -> Tensor<2> {
    let n = bn.gamma.len();
    let mean = tensor2(bn.running_mean.clone(), [1, n], dev);
    let sd = tensor2(
        bn.running_var.iter().map(|v| (v + bn.eps).sqrt()).collect(),
        [1, n],
        dev,
    );
    (h - mean) / sd * tensor2(bn.gamma.clone(), [1, n], dev) + tensor2(bn.beta.clone(), [1, n], dev)
}

/// Split rows into training and validation (stratified on `strata` when given).
pub(crate) fn split_rows(
    n: usize,
    frac: f64,
    strata: Option<&[f32]>,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let mut r = sub_rng(seed, 7);
    let mut groups: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for i in 0..n {
        let key = strata.and_then(|s| s.get(i)).map_or(0, |&c| c as u32);
        groups.entry(key).or_default().push(i);
    }
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for (_, mut rows) in groups {
        shuffle(&mut rows, &mut r);
        let k = ((rows.len() as f64) * frac).round() as usize;
        let k = k.min(rows.len().saturating_sub(1));
        valid.extend_from_slice(&rows[..k]);
        train.extend_from_slice(&rows[k..]);
    }
    if valid.is_empty() || train.is_empty() {
        return Err(Error::NotEnoughSamples {
            context: format!(
                "early stopping with validation_fraction = {frac} (a validation row and a training row)"
            ),
            needed: 2,
            got: n,
        });
    }
    train.sort_unstable();
    valid.sort_unstable();
    Ok((train, valid))
}

/// Weighted loss (total over tasks, by loss weight) and the first task's metric (accuracy or
/// RMSE) of `net` on `rows` of the data, with the plain forward pass.
pub(crate) fn evaluate(
    net: &Network,
    x: ArrayView2<'_, f32>,
    tasks: &[TaskData],
    rows: &[usize],
) -> (f64, f64) {
    let xs = x.select(Axis(0), rows);
    let outs = net.forward(xs.view());
    evaluate_outputs(&outs, tasks, rows)
}

/// [`evaluate`] from given outputs (one array per task, row `r` for data row `rows[r]`).
pub(crate) fn evaluate_outputs(
    outs: &[Array2<f32>],
    tasks: &[TaskData],
    rows: &[usize],
) -> (f64, f64) {
    let mut total = 0.0;
    let mut metric = f64::NAN;
    for (t, (task, out)) in tasks.iter().zip(outs).enumerate() {
        // Rows of zero total weight are scored unweighted, so the curves stay finite.
        let unweighted = rows.iter().all(|&i| task.w[i] == 0.0);
        let (mut loss, mut wsum, mut m) = (0.0f64, 0.0f64, 0.0f64);
        for (r, &i) in rows.iter().enumerate() {
            let w = if unweighted {
                1.0
            } else {
                f64::from(task.w[i])
            };
            let o = out.row(r);
            match task.kind {
                TaskKind::Classes(_) => {
                    let c = task.y[i] as usize;
                    let mx = o.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
                    let lse = o
                        .iter()
                        .map(|&v| (f64::from(v) - mx).exp())
                        .sum::<f64>()
                        .ln()
                        + mx;
                    loss += w * (lse - f64::from(o[c]));
                    let mut arg = 0;
                    for (j, &v) in o.iter().enumerate() {
                        if v > o[arg] {
                            arg = j;
                        }
                    }
                    m += w * f64::from(u8::from(arg == c));
                }
                TaskKind::Values => {
                    let d = f64::from(o[0]) - f64::from(task.y[i]);
                    loss += w * 0.5 * d * d;
                    m += w * d * d;
                }
            }
            wsum += w;
        }
        if wsum > 0.0 {
            total += f64::from(task.loss_weight) * loss / wsum;
            if t == 0 {
                metric = match task.kind {
                    TaskKind::Classes(_) => m / wsum,
                    TaskKind::Values => (m / wsum).sqrt(),
                };
            }
        }
    }
    (total, metric)
}

mod step;
pub(crate) use step::run;
