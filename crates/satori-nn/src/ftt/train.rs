//! Training an FT-Transformer: mini-batches on the host, the forward pass and its gradients with
//! burn's autodiff on the Flex CPU backend, the optimizer update (the MLP's Adam/AdamW/SGD/
//! RMSprop and learning-rate schedules) on the host's `f32` weights.

use burn::tensor::activation::{gelu, log_softmax, relu, softmax};
use burn::tensor::{Device, Tensor, TensorData};
use ndarray::{Array2, Axis};
use satori_core::rng::{RngExt, SatoriRng, derive_seed, shuffle, sub_rng};
use satori_core::{Error, Progress, Result, TrainingHistory};

use super::net::{FfnActivation, FtNet, LN_EPS};
use super::params::FtTransformerParams;
use crate::optim::{Optimizer, Schedule, clip_grad_norm};
use crate::params::MlpParams;
use crate::train::{TaskData, TaskKind, evaluate_outputs, split_rows};

/// Rows of the training set on which the per-epoch training metric is measured (evenly spaced).
const METRIC_ROWS: usize = 10_000;

fn tensor2(v: Vec<f32>, shape: [usize; 2], dev: &Device) -> Tensor<2> {
    Tensor::<2>::from_data(TensorData::new(v, shape), dev)
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap_or_default()
}

/// Dropout masks for one step (inverted dropout), drawn on the host from the step's stream.
struct Dropout<'a> {
    rng: Option<&'a mut SatoriRng>,
    dev: &'a Device,
}

impl Dropout<'_> {
    /// `t` with a fresh mask of drop probability `p` applied (unchanged in inference or p = 0).
    fn apply<const D: usize>(&mut self, t: Tensor<D>, p: f64) -> Tensor<D> {
        let Some(r) = self.rng.as_deref_mut() else {
            return t;
        };
        if p <= 0.0 {
            return t;
        }
        let dims = t.dims();
        let n: usize = dims.iter().product();
        let keep = 1.0 - p;
        let scale = (1.0 / keep) as f32;
        let mask: Vec<f32> = (0..n)
            .map(|_| if r.random::<f64>() < keep { scale } else { 0.0 })
            .collect();
        t * Tensor::<D>::from_data(TensorData::new(mask, dims), self.dev)
    }
}

fn layer_norm(x: Tensor<2>, g: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
    let mean = x.clone().mean_dim(1);
    let c = x - mean;
    let var = c.clone().square().mean_dim(1);
    c / var.add_scalar(LN_EPS).sqrt() * g + b
}

/// Dropout probabilities of a forward pass.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Rates {
    pub attention: f64,
    pub ffn: f64,
    pub residual: f64,
}

/// The burn forward pass of `net`'s architecture with parameter tensors `p` (in
/// [`FtNet::params_mut`]'s order) on rows `x` (`rows × n_features`): the outputs (`rows ×
/// n_outputs`) and the attention probabilities per block (`rows × heads × tokens × tokens`).
pub(crate) fn burn_forward(
    net: &FtNet,
    p: &[Tensor<2>],
    x: Tensor<2>,
    rates: Rates,
    dropout_rng: Option<&mut SatoriRng>,
    dev: &Device,
) -> (Tensor<2>, Vec<Tensor<4>>) {
    let mut dr = Dropout {
        rng: dropout_rng,
        dev,
    };
    let [rows, f] = x.dims();
    let (d, t, nh) = (net.d_token, net.n_tokens(), net.n_heads);
    let dh = d / nh;
    let hid = net.ffn_hidden;
    let mut it = p.iter().cloned();
    let mut next = || it.next().unwrap_or_else(|| tensor2(vec![0.0], [1, 1], dev));
    let (tw, tb, cls) = (next(), next(), next());
    let tokens = x.reshape([rows, f, 1]) * tw.reshape([1, f, d]) + tb.reshape([1, f, d]);
    let cls = Tensor::<3>::zeros([rows, 1, d], dev) + cls.reshape([1, 1, d]);
    let mut h = Tensor::cat(vec![cls, tokens], 1).reshape([rows * t, d]);
    let mut atts = Vec::with_capacity(net.blocks.len());
    for b in &net.blocks {
        let z = if b.attn_norm.is_some() {
            let (g, be) = (next(), next());
            layer_norm(h.clone(), g, be)
        } else {
            h.clone()
        };
        let mut proj = |z: &Tensor<2>| {
            let (w, bias) = (next(), next());
            (z.clone().matmul(w) + bias)
                .reshape([rows, t, nh, dh])
                .swap_dims(1, 2)
        };
        let (q, k, v) = (proj(&z), proj(&z), proj(&z));
        let scores = q
            .matmul(k.swap_dims(2, 3))
            .mul_scalar(1.0 / (dh as f32).sqrt());
        let probs = softmax(scores, 3);
        atts.push(probs.clone());
        let probs = dr.apply(probs, rates.attention);
        let ctx = probs.matmul(v).swap_dims(1, 2).reshape([rows * t, d]);
        let (wo, bo) = (next(), next());
        let a = ctx.matmul(wo) + bo;
        h = h + dr.apply(a, rates.residual);
        let (g, be) = (next(), next());
        let z = layer_norm(h.clone(), g, be);
        let (w1, b1, w2, b2) = (next(), next(), next(), next());
        let u = z.matmul(w1) + b1;
        let a = u.clone().narrow(1, 0, hid);
        let gate = u.narrow(1, hid, hid);
        let gate = match net.ffn_activation {
            FfnActivation::Reglu => relu(gate),
            FfnActivation::Geglu => gelu(gate),
        };
        let ff = dr.apply(a * gate, rates.ffn);
        let ff = ff.matmul(w2) + b2;
        h = h + dr.apply(ff, rates.residual);
    }
    let cls = h.reshape([rows, t, d]).narrow(1, 0, 1).reshape([rows, d]);
    let (g, be, wh, bh) = (next(), next(), next(), next());
    let out = relu(layer_norm(cls, g, be)).matmul(wh) + bh;
    (out, atts)
}

/// Everything a training run needs.
pub(crate) struct Spec<'a> {
    pub params: &'a FtTransformerParams,
    pub x: Array2<f32>,
    pub task: TaskData,
    pub net: FtNet,
    /// The last `given_valid` rows are a given validation set (0: none).
    pub given_valid: usize,
}

/// What a training run gives back.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub net: FtNet,
    pub loss: TrainingHistory,
    pub metric: TrainingHistory,
    pub n_iter: usize,
    pub converged: bool,
    pub stop_reason: Option<String>,
}

/// The plain-forward outputs of `net` on `rows` of `x`, as the loss evaluation wants them.
fn outputs(net: &FtNet, x: &Array2<f32>, rows: &[usize]) -> Vec<Array2<f32>> {
    let xs = x.select(Axis(0), rows);
    let flat: Vec<f32> = xs.iter().copied().collect();
    let (out, _) = net.forward(&flat, false);
    let o = net.n_outputs();
    vec![Array2::from_shape_vec((rows.len(), o), out).unwrap_or_else(|_| Array2::zeros((0, o)))]
}

/// Train as `spec` says.
pub(crate) fn run(spec: Spec<'_>, progress: &dyn Progress) -> Result<Outcome> {
    let p = spec.params;
    let mp: MlpParams = p.optimizer_params();
    let n = spec.x.nrows() - spec.given_valid.min(spec.x.nrows());
    if n == 0 {
        return Err(Error::NotEnoughSamples {
            context: "training an FT-Transformer".into(),
            needed: 1,
            got: 0,
        });
    }
    let tasks = std::slice::from_ref(&spec.task);
    let strata = matches!(spec.task.kind, TaskKind::Classes(_)).then_some(spec.task.y.as_slice());
    let (train_rows, valid_rows) = if spec.given_valid > 0 {
        ((0..n).collect(), (n..spec.x.nrows()).collect())
    } else if p.early_stopping {
        split_rows(n, p.validation_fraction, strata, p.seed)?
    } else {
        ((0..n).collect::<Vec<_>>(), Vec::new())
    };
    let bs = p.batch_size.unwrap_or(256).min(train_rows.len()).max(1);
    let mut net = spec.net;
    let shapes: Vec<([usize; 2], bool)> = net.params_mut().into_iter().map(|(_, s)| s).collect();
    // Weight decay on dense weights only: two optimizers, one without decay.
    let sizes: Vec<usize> = shapes.iter().map(|(s, _)| s[0] * s[1]).collect();
    // Each tensor's optimizer state lives in the one optimizer that updates it.
    let masked = |decayed: bool| -> Vec<usize> {
        sizes
            .iter()
            .zip(&shapes)
            .map(|(&n, (_, d))| if *d == decayed { n } else { 0 })
            .collect()
    };
    let mut opt = Optimizer::new(&mp, &masked(true));
    let mut opt_plain = Optimizer::new(
        &MlpParams {
            weight_decay: 0.0,
            ..mp.clone()
        },
        &masked(false),
    );
    let mut sched = Schedule::new(&mp, p.max_iter);
    let dev = Device::flex().autodiff();
    let every = train_rows.len().div_ceil(METRIC_ROWS).max(1);
    let metric_rows: Vec<usize> = train_rows.iter().copied().step_by(every).collect();
    let steps = train_rows.len().div_ceil(bs);
    let rates = Rates {
        attention: p.attention_dropout,
        ffn: p.ffn_dropout,
        residual: p.residual_dropout,
    };
    let (mut h_train, mut h_valid, mut m_train, mut m_valid) = (vec![], vec![], vec![], vec![]);
    let (mut best, mut no_improve) = (f64::INFINITY, 0usize);
    let mut best_net: Option<FtNet> = None;
    let mut last_good: Option<FtNet> = None;
    let (mut converged, mut stop_reason) = (false, None);
    progress.start(
        "training the FT-Transformer (epochs)",
        Some(p.max_iter as u64),
    );
    'epochs: for epoch in 0..p.max_iter {
        let mut order = train_rows.clone();
        if p.shuffle {
            shuffle(
                &mut order,
                &mut sub_rng(p.seed, derive_seed(2, epoch as u64)),
            );
        }
        let (mut loss_sum, mut rows_sum) = (0.0f64, 0usize);
        for (s, chunk) in order.chunks(bs).enumerate() {
            let mut r = sub_rng(derive_seed(p.seed, 3 + epoch as u64), s as u64);
            let lr = sched.lr(epoch, s as f64 / steps as f64);
            let ctx = StepCtx {
                x: &spec.x,
                task: &spec.task,
                rows: chunk,
                rates,
                dev: &dev,
                clip: p.grad_clip_norm,
            };
            match step(
                &ctx,
                &mut net,
                &mut opt,
                &mut opt_plain,
                &shapes,
                lr,
                &mut r,
            ) {
                StepEnd::Loss(l) => {
                    loss_sum += l * chunk.len() as f64;
                    rows_sum += chunk.len();
                }
                StepEnd::Skipped => {}
                StepEnd::Diverged(l) => {
                    stop_reason = Some(format!(
                        "training stopped in epoch {} (step {}): the loss became {l}; the weights \
                         of the best epoch so far are kept (lower learning_rate_init or set \
                         grad_clip_norm)",
                        epoch + 1,
                        s + 1
                    ));
                    break 'epochs;
                }
            }
        }
        let train_loss = if rows_sum > 0 {
            loss_sum / rows_sum as f64
        } else {
            0.0
        };
        let (vloss, vmetric) = if valid_rows.is_empty() {
            (f64::NAN, f64::NAN)
        } else {
            let outs = outputs(&net, &spec.x, &valid_rows);
            evaluate_outputs(&outs, tasks, &valid_rows)
        };
        let (_, tmetric) = {
            let outs = outputs(&net, &spec.x, &metric_rows);
            evaluate_outputs(&outs, tasks, &metric_rows)
        };
        if !valid_rows.is_empty() && !vloss.is_finite() {
            stop_reason = Some(format!(
                "training stopped after epoch {}: the validation loss became {vloss}; the weights \
                 of the best epoch so far are kept",
                epoch + 1
            ));
            break;
        }
        h_train.push(train_loss);
        m_train.push(tmetric);
        if !valid_rows.is_empty() {
            h_valid.push(vloss);
            m_valid.push(vmetric);
        }
        progress.advance(1);
        let monitored = if p.early_stopping { vloss } else { train_loss };
        sched.end_epoch(monitored);
        if monitored > best - p.tol {
            no_improve += 1;
        } else {
            no_improve = 0;
        }
        if monitored < best {
            best = monitored;
            best_net = Some(net.clone());
        }
        if no_improve > p.n_iter_no_change {
            converged = true;
            break;
        }
        last_good = Some(net.clone());
    }
    progress.finish();
    let n_iter = h_train.len();
    if let Some(reason) = &stop_reason {
        progress.note(reason);
        if n_iter == 0 {
            return Err(Error::InvalidData(format!(
                "{reason}; no epoch finished, so there are no good weights to keep"
            )));
        }
        net = best_net.or(last_good).unwrap_or(net);
    } else if p.early_stopping
        && let Some(b) = best_net
    {
        net = b;
    }
    let (loss_name, metric_name) = match spec.task.kind {
        TaskKind::Classes(_) => ("log_loss", "accuracy"),
        TaskKind::Values => ("squared_error", "rmse"),
    };
    let valid = |v: Vec<f64>| (!v.is_empty()).then_some(v);
    Ok(Outcome {
        net,
        loss: TrainingHistory {
            metric: loss_name.into(),
            train: h_train,
            valid: valid(h_valid),
        },
        metric: TrainingHistory {
            metric: metric_name.into(),
            train: m_train,
            valid: valid(m_valid),
        },
        n_iter,
        converged,
        stop_reason,
    })
}

struct StepCtx<'a> {
    x: &'a Array2<f32>,
    task: &'a TaskData,
    rows: &'a [usize],
    rates: Rates,
    dev: &'a Device,
    clip: Option<f64>,
}

enum StepEnd {
    Loss(f64),
    Skipped,
    Diverged(f64),
}

fn step(
    c: &StepCtx<'_>,
    net: &mut FtNet,
    opt: &mut Optimizer,
    opt_plain: &mut Optimizer,
    shapes: &[([usize; 2], bool)],
    lr: f64,
    rng: &mut SatoriRng,
) -> StepEnd {
    let rows = c.rows.len();
    let f = c.x.ncols();
    let w: Vec<f32> = c.rows.iter().map(|&i| c.task.w[i]).collect();
    let sw: f32 = w.iter().sum();
    if sw.is_nan() || sw <= 0.0 {
        return StepEnd::Skipped;
    }
    let mut xb = Vec::with_capacity(rows * f);
    for &i in c.rows {
        xb.extend(c.x.row(i).iter().copied());
    }
    let o = c.task.kind.outputs();
    let params: Vec<Tensor<2>> = net
        .params_mut()
        .into_iter()
        .map(|(v, (sh, _))| tensor2(v.clone(), sh, c.dev).require_grad())
        .collect();
    let x = tensor2(xb, [rows, f], c.dev);
    let (out, _) = burn_forward(net, &params, x, c.rates, Some(rng), c.dev);
    let wt = tensor2(w, [rows, 1], c.dev);
    let loss = match c.task.kind {
        TaskKind::Classes(k) => {
            let mut y = vec![0f32; rows * o];
            for (r, &i) in c.rows.iter().enumerate() {
                y[r * o + (c.task.y[i] as usize).min(k.saturating_sub(1))] = 1.0;
            }
            (log_softmax(out, 1) * tensor2(y, [rows, o], c.dev))
                .sum_dim(1)
                .mul(wt)
                .sum()
                .mul_scalar(-1.0 / sw)
        }
        TaskKind::Values => {
            let y: Vec<f32> = c.rows.iter().map(|&i| c.task.y[i]).collect();
            (out - tensor2(y, [rows, 1], c.dev))
                .square()
                .mul(wt)
                .sum()
                .mul_scalar(0.5 / sw)
        }
    };
    let value = f64::from(to_vec(loss.clone()).first().copied().unwrap_or(f32::NAN));
    if !value.is_finite() {
        return StepEnd::Diverged(value);
    }
    let grads = loss.backward();
    let mut g: Vec<Vec<f32>> = params
        .iter()
        .zip(shapes)
        .map(|(t, (sh, _))| match t.grad(&grads) {
            Some(g) => to_vec(g),
            None => vec![0.0; sh[0] * sh[1]],
        })
        .collect();
    if let Some(cn) = c.clip {
        clip_grad_norm(&mut g, cn);
    }
    if g.iter().flatten().any(|v| !v.is_finite()) {
        return StepEnd::Diverged(f64::NAN);
    }
    opt.begin_step();
    opt_plain.begin_step();
    for (i, (v, (_, decay))) in net.params_mut().into_iter().enumerate() {
        if decay {
            opt.update(i, v, &g[i], lr);
        } else {
            opt_plain.update(i, v, &g[i], lr);
        }
    }
    StepEnd::Loss(value)
}
