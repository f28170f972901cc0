//! The epoch loop and one optimisation step.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor};
use ndarray::Array2;
use satori_core::rng::{RngExt, SatoriRng, derive_seed, shuffle, sub_rng};
use satori_core::{Error, Progress, Result, TrainingHistory};

use super::{
    ParamList, Slot, TaskData, TaskKind, TrainOutcome, TrainSpec, act_tensor, bn_inference, bn_mut,
    evaluate, slot_mut, slot_ref, split_rows, tensor2, to_vec,
};
use crate::augment::{Batch, augment};
use crate::net::Network;
use crate::optim::{Optimizer, Schedule, clip_grad_norm};
use crate::params::MlpParams;

/// Rows of the training set on which the per-epoch training metric is measured (evenly spaced).
const METRIC_ROWS: usize = 10_000;

fn make_batch(x: &Array2<f32>, tasks: &[TaskData], rows: &[usize]) -> Batch {
    let width = x.ncols();
    let mut xb = Vec::with_capacity(rows.len() * width);
    for &i in rows {
        xb.extend(x.row(i).iter().copied());
    }
    let mut targets = Vec::with_capacity(tasks.len());
    let mut outputs = Vec::with_capacity(tasks.len());
    let mut weights = Vec::with_capacity(tasks.len());
    for t in tasks {
        let o = t.kind.outputs();
        let mut tv = vec![0f32; rows.len() * o];
        for (r, &i) in rows.iter().enumerate() {
            match t.kind {
                TaskKind::Classes(k) => {
                    let c = (t.y[i] as usize).min(k.saturating_sub(1));
                    tv[r * o + c] = 1.0;
                }
                TaskKind::Values => tv[r] = t.y[i],
            }
        }
        targets.push(tv);
        outputs.push(o);
        weights.push(rows.iter().map(|&i| t.w[i]).collect());
    }
    Batch {
        rows: rows.len(),
        width,
        x: xb,
        targets,
        outputs,
        weights,
    }
}

/// How one step ended.
enum Step {
    /// The loss (data loss plus penalties) before the update.
    Loss(f64),
    /// No task had positive weight in the batch: nothing was updated.
    Skipped,
    /// The loss or a gradient was not finite; nothing was updated.
    Diverged(f64),
}

struct Ctx<'a> {
    p: &'a MlpParams,
    plist: &'a ParamList,
    kinds: Vec<(TaskKind, f32)>,
    frozen: usize,
    dev: Device,
}

/// Train as `spec` says; see [`TrainSpec`].
pub(crate) fn run(spec: TrainSpec<'_>, progress: &dyn Progress) -> Result<TrainOutcome> {
    let p = spec.params;
    let n = spec.x.nrows() - spec.given_valid.min(spec.x.nrows());
    if n == 0 {
        return Err(Error::NotEnoughSamples {
            context: "training a neural network".into(),
            needed: 1,
            got: 0,
        });
    }
    let strata = spec
        .tasks
        .first()
        .filter(|t| matches!(t.kind, TaskKind::Classes(_)))
        .map(|t| t.y.as_slice());
    let (train_rows, valid_rows) = if spec.given_valid > 0 {
        ((0..n).collect(), (n..spec.x.nrows()).collect())
    } else if p.early_stopping {
        split_rows(n, p.validation_fraction, strata, p.seed)?
    } else {
        ((0..n).collect(), Vec::new())
    };
    let bs = p.batch_size.unwrap_or(200).min(train_rows.len()).max(1);
    let plist = ParamList::new(&spec.net, spec.frozen, spec.slow, p.transfer_lr_factor);
    let sizes: Vec<usize> = plist.shapes.iter().map(|s| s[0] * s[1]).collect();
    let ctx = Ctx {
        p,
        plist: &plist,
        kinds: spec.tasks.iter().map(|t| (t.kind, t.loss_weight)).collect(),
        frozen: spec.frozen,
        dev: Device::flex().autodiff(),
    };
    let mut opt = Optimizer::new(p, &sizes);
    let mut sched = Schedule::new(p, spec.epochs);
    let mut net = spec.net;
    let every = train_rows.len().div_ceil(METRIC_ROWS).max(1);
    let metric_rows: Vec<usize> = train_rows.iter().copied().step_by(every).collect();
    let steps = train_rows.len().div_ceil(bs);
    let first_classes = matches!(ctx.kinds.first(), Some((TaskKind::Classes(_), _)));

    let (mut h_train, mut h_valid, mut m_train, mut m_valid) = (vec![], vec![], vec![], vec![]);
    let (mut best, mut no_improve) = (f64::INFINITY, 0usize);
    let mut best_net: Option<Network> = None;
    let mut last_good: Option<Network> = None;
    let (mut converged, mut stop_reason) = (false, None);
    progress.start(
        "training the neural network (epochs)",
        Some(spec.epochs as u64),
    );
    'epochs: for epoch in 0..spec.epochs {
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
            let mut batch = make_batch(&spec.x, &spec.tasks, chunk);
            let classes: Option<Vec<usize>> =
                first_classes.then(|| chunk.iter().map(|&i| spec.tasks[0].y[i] as usize).collect());
            augment(p, &mut batch, classes.as_deref(), &mut r);
            let lr = sched.lr(epoch, s as f64 / steps as f64);
            match step(&ctx, &mut net, &mut opt, &batch, lr, &mut r) {
                Step::Loss(l) => {
                    loss_sum += l * chunk.len() as f64;
                    rows_sum += chunk.len();
                }
                Step::Skipped => {}
                Step::Diverged(l) => {
                    stop_reason = Some(format!(
                        "training stopped in epoch {} (step {}): the loss became {l}; the weights \
                         of the best epoch so far are kept (lower learning_rate_init, set \
                         grad_clip_norm, or scale the features)",
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
            evaluate(&net, spec.x.view(), &spec.tasks, &valid_rows)
        };
        let (_, tmetric) = evaluate(&net, spec.x.view(), &spec.tasks, &metric_rows);
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
    let (loss_name, metric_name) = match (ctx.kinds.len(), ctx.kinds.first()) {
        (1, Some((TaskKind::Classes(_), _))) => ("log_loss", "accuracy"),
        (1, _) => ("squared_error", "rmse"),
        (_, Some((TaskKind::Classes(_), _))) => ("loss", "accuracy"),
        _ => ("loss", "rmse"),
    };
    let valid = |v: Vec<f64>| (!v.is_empty()).then_some(v);
    Ok(TrainOutcome {
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

/// Forward through the trunk; returns the trunk output and the batch statistics of the trained
/// batch-norm layers (layer, mean, variance tensors).
fn trunk(
    ctx: &Ctx<'_>,
    net: &Network,
    params: &[Tensor<2>],
    x: Tensor<2>,
    rows: usize,
    rng: &mut SatoriRng,
) -> (Tensor<2>, usize, Vec<(usize, Tensor<2>, Tensor<2>)>) {
    let mut k = 0;
    let mut h = x;
    let mut stats = Vec::new();
    for (l, layer) in net.hidden.iter().enumerate() {
        h = h.matmul(params[k].clone()) + params[k + 1].clone();
        k += 2;
        if let Some(bn) = &layer.batch_norm {
            let (g, b) = (params[k].clone(), params[k + 1].clone());
            k += 2;
            if l < ctx.frozen {
                h = bn_inference(h, bn, &ctx.dev);
            } else {
                let mean = h.clone().mean_dim(0);
                let c = h - mean.clone();
                let var = c.clone().square().mean_dim(0);
                h = c / var.clone().add_scalar(bn.eps).sqrt() * g + b;
                stats.push((l, mean, var));
            }
        }
        h = act_tensor(net.activation, h);
        if ctx.p.dropout > 0.0 && l >= ctx.frozen {
            let units = layer.dense.n_out;
            let keep = 1.0 - ctx.p.dropout;
            let scale = (1.0 / keep) as f32;
            let mask: Vec<f32> = (0..rows * units)
                .map(|_| {
                    if rng.random::<f64>() < keep {
                        scale
                    } else {
                        0.0
                    }
                })
                .collect();
            h = h * tensor2(mask, [rows, units], &ctx.dev);
        }
    }
    (h, k, stats)
}

/// One optimisation step on `batch`.
fn step(
    ctx: &Ctx<'_>,
    net: &mut Network,
    opt: &mut Optimizer,
    batch: &Batch,
    lr: f64,
    rng: &mut SatoriRng,
) -> Step {
    let (rows, dev) = (batch.rows, &ctx.dev);
    let pl = ctx.plist;
    let params: Vec<Tensor<2>> = pl
        .slots
        .iter()
        .zip(&pl.shapes)
        .zip(&pl.factor)
        .map(|((s, sh), f)| {
            let t = tensor2(slot_ref(net, *s).to_vec(), *sh, dev);
            if *f > 0.0 { t.require_grad() } else { t }
        })
        .collect();
    let x = tensor2(batch.x.clone(), [rows, batch.width], dev);
    let (h, mut k, stats) = trunk(ctx, net, &params, x, rows, rng);
    let mut total: Option<Tensor<1>> = None;
    for (t, &(kind, lw)) in ctx.kinds.iter().enumerate() {
        let o = h.clone().matmul(params[k].clone()) + params[k + 1].clone();
        k += 2;
        let sw: f32 = batch.weights[t].iter().sum();
        if sw.is_nan() || sw <= 0.0 || lw == 0.0 {
            continue;
        }
        let w = tensor2(batch.weights[t].clone(), [rows, 1], dev);
        let y = tensor2(batch.targets[t].clone(), [rows, kind.outputs()], dev);
        let l = match kind {
            TaskKind::Classes(_) => (log_softmax(o, 1) * y)
                .sum_dim(1)
                .mul(w)
                .sum()
                .mul_scalar(-lw / sw),
            TaskKind::Values => (o - y).square().mul(w).sum().mul_scalar(0.5 * lw / sw),
        };
        total = Some(match total {
            None => l,
            Some(a) => a + l,
        });
    }
    let Some(total) = total else {
        return Step::Skipped;
    };
    let loss = f64::from(
        to_vec(total.clone().reshape([1, 1]))
            .first()
            .copied()
            .unwrap_or(f32::NAN),
    );
    if !loss.is_finite() {
        return Step::Diverged(loss);
    }
    let stats: Vec<(usize, Vec<f32>, Vec<f32>)> = stats
        .into_iter()
        .map(|(l, m, v)| (l, to_vec(m.detach()), to_vec(v.detach())))
        .collect();
    let grads = total.backward();
    let mut g: Vec<Vec<f32>> = params
        .iter()
        .zip(&pl.factor)
        .zip(&pl.shapes)
        .map(|((t, f), sh)| match (*f > 0.0, t.grad(&grads)) {
            (true, Some(g)) => to_vec(g),
            (true, None) => vec![0.0; sh[0] * sh[1]],
            (false, _) => Vec::new(),
        })
        .collect();
    let penalty = penalize(ctx.p, net, pl, &mut g, rows);
    if let Some(c) = ctx.p.grad_clip_norm {
        clip_grad_norm(&mut g, c);
    }
    if g.iter().flatten().any(|v| !v.is_finite()) {
        return Step::Diverged(f64::NAN);
    }
    opt.begin_step();
    for (i, (s, f)) in pl.slots.iter().zip(&pl.factor).enumerate() {
        if *f > 0.0 {
            opt.update(i, slot_mut(net, *s), &g[i], lr * f);
        }
    }
    update_running(net, &stats, rows);
    Step::Loss(loss + penalty)
}

/// Add the L2 (`alpha`) and L1 (`l1`) gradients of the trained weights to `g`; return the
/// penalty's value (scikit-learn's `0.5 * alpha * ||W||² / rows`, plus `l1 * |W|₁ / rows`).
fn penalize(p: &MlpParams, net: &Network, pl: &ParamList, g: &mut [Vec<f32>], rows: usize) -> f64 {
    if p.alpha == 0.0 && p.l1 == 0.0 {
        return 0.0;
    }
    let (a, l1, n) = (p.alpha as f32, p.l1 as f32, rows as f32);
    let mut value = 0.0f64;
    for (i, (s, f)) in pl.slots.iter().zip(&pl.factor).enumerate() {
        if *f == 0.0 || !matches!(s, Slot::W(_) | Slot::HeadW(_)) {
            continue;
        }
        let w = slot_ref(net, *s);
        for (gj, &wj) in g[i].iter_mut().zip(w) {
            *gj += a * wj / n + l1 * wj.signum() * f32::from(u8::from(wj != 0.0)) / n;
            value += 0.5 * p.alpha * f64::from(wj * wj) / rows as f64
                + p.l1 * f64::from(wj.abs()) / rows as f64;
        }
    }
    value
}

/// Update the running batch-norm statistics (momentum 0.1, unbiased variance, as PyTorch).
fn update_running(net: &mut Network, stats: &[(usize, Vec<f32>, Vec<f32>)], rows: usize) {
    let unbias = if rows > 1 {
        rows as f32 / (rows - 1) as f32
    } else {
        1.0
    };
    for (l, mean, var) in stats {
        let bn = bn_mut(net, *l);
        for (j, (m, v)) in mean.iter().zip(var).enumerate() {
            bn.running_mean[j] = 0.9 * bn.running_mean[j] + 0.1 * m;
            bn.running_var[j] = 0.9 * bn.running_var[j] + 0.1 * v * unbias;
        }
    }
}
