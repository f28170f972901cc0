//! Optimizer updates and learning-rate schedules, on the host's `f32` parameter vectors (burn
//! computes the gradients; the update rules are a few lines each and follow scikit-learn's SGD
//! and Adam and PyTorch's AdamW and RMSprop exactly).

use crate::params::{LrSchedule, MlpParams, Solver};

/// Per-tensor optimizer state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slot {
    /// First moment (Adam) or velocity (SGD, RMSprop momentum buffer).
    m: Vec<f32>,
    /// Second moment (Adam) or squared-gradient average (RMSprop).
    v: Vec<f32>,
}

/// The optimizer over a list of parameter tensors.
#[derive(Debug, Clone)]
pub(crate) struct Optimizer {
    solver: Solver,
    momentum: f32,
    nesterov: bool,
    beta_1: f64,
    beta_2: f64,
    rho: f32,
    eps: f32,
    weight_decay: f32,
    t: i32,
    slots: Vec<Slot>,
}

impl Optimizer {
    pub(crate) fn new(p: &MlpParams, sizes: &[usize]) -> Self {
        let zeros = |n: usize| vec![0f32; n];
        let slots = sizes
            .iter()
            .map(|&n| Slot {
                m: zeros(n),
                v: if matches!(p.solver, Solver::Sgd) {
                    Vec::new()
                } else {
                    zeros(n)
                },
            })
            .collect();
        Optimizer {
            solver: p.solver,
            momentum: p.momentum as f32,
            nesterov: p.nesterovs_momentum,
            beta_1: p.beta_1,
            beta_2: p.beta_2,
            rho: p.rho as f32,
            eps: p.epsilon as f32,
            weight_decay: p.weight_decay as f32,
            t: 0,
            slots,
        }
    }

    /// Start a step (Adam's bias correction counts steps).
    pub(crate) fn begin_step(&mut self) {
        self.t = self.t.saturating_add(1);
    }

    /// Update tensor `i` in place with gradient `g` and learning rate `lr`.
    pub(crate) fn update(&mut self, i: usize, w: &mut [f32], g: &[f32], lr: f64) {
        let Some(slot) = self.slots.get_mut(i) else {
            return;
        };
        let lr32 = lr as f32;
        match self.solver {
            Solver::Sgd => {
                // scikit-learn: v = momentum v - lr g; w += nesterov ? momentum v - lr g : v
                let mu = self.momentum;
                for ((wj, gj), vj) in w.iter_mut().zip(g).zip(slot.m.iter_mut()) {
                    *vj = mu * *vj - lr32 * gj;
                    *wj += if self.nesterov {
                        mu * *vj - lr32 * gj
                    } else {
                        *vj
                    };
                }
            }
            Solver::Adam | Solver::Adamw => {
                let t = self.t.max(1);
                let lr_t =
                    (lr * (1.0 - self.beta_2.powi(t)).sqrt() / (1.0 - self.beta_1.powi(t))) as f32;
                let (b1, b2) = (self.beta_1 as f32, self.beta_2 as f32);
                let decay = if matches!(self.solver, Solver::Adamw) {
                    1.0 - lr32 * self.weight_decay
                } else {
                    1.0
                };
                for (((wj, gj), mj), vj) in w
                    .iter_mut()
                    .zip(g)
                    .zip(slot.m.iter_mut())
                    .zip(slot.v.iter_mut())
                {
                    *mj = b1 * *mj + (1.0 - b1) * gj;
                    *vj = b2 * *vj + (1.0 - b2) * gj * gj;
                    *wj = *wj * decay - lr_t * *mj / (vj.sqrt() + self.eps);
                }
            }
            Solver::Rmsprop => {
                let (rho, mu) = (self.rho, self.momentum);
                for (((wj, gj), bj), vj) in w
                    .iter_mut()
                    .zip(g)
                    .zip(slot.m.iter_mut())
                    .zip(slot.v.iter_mut())
                {
                    *vj = rho * *vj + (1.0 - rho) * gj * gj;
                    let step = gj / (vj.sqrt() + self.eps);
                    if mu > 0.0 {
                        *bj = mu * *bj + step;
                        *wj -= lr32 * *bj;
                    } else {
                        *wj -= lr32 * step;
                    }
                }
            }
        }
    }
}

/// The learning-rate schedule's state.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    kind: LrSchedule,
    base: f64,
    min_lr: f64,
    warmup: usize,
    epochs: usize,
    step_size: usize,
    gamma: f64,
    decay_rate: f64,
    pct_start: f64,
    factor: f64,
    patience: usize,
    tol: f64,
    /// Current learning rate of `reduce_on_plateau`.
    plateau_lr: f64,
    best: f64,
    bad_epochs: usize,
}

impl Schedule {
    pub(crate) fn new(p: &MlpParams, epochs: usize) -> Self {
        Schedule {
            kind: p.lr_schedule,
            base: p.learning_rate_init,
            min_lr: p.min_lr,
            warmup: p.warmup_epochs,
            epochs: epochs.max(1),
            step_size: p.step_size.max(1),
            gamma: p.gamma,
            decay_rate: p.decay_rate,
            pct_start: p.pct_start,
            factor: p.plateau_factor,
            patience: p.plateau_patience,
            tol: p.tol,
            plateau_lr: p.learning_rate_init,
            best: f64::INFINITY,
            bad_epochs: 0,
        }
    }

    /// The learning rate at `epoch` (0-based) and `frac` ∈ [0, 1) of the way through it.
    pub(crate) fn lr(&self, epoch: usize, frac: f64) -> f64 {
        let e = epoch as f64 + frac;
        let total = self.epochs as f64;
        let cosine = |from: f64, to: f64, t: f64| {
            to + (from - to) * 0.5 * (1.0 + (std::f64::consts::PI * t.clamp(0.0, 1.0)).cos())
        };
        match self.kind {
            LrSchedule::Constant => self.base,
            LrSchedule::Step => self.base * self.gamma.powi((epoch / self.step_size) as i32),
            LrSchedule::Exponential => self.base * self.decay_rate.powi(epoch as i32),
            LrSchedule::Cosine => {
                let w = self.warmup as f64;
                if e < w {
                    self.base * (e + 1.0).min(w + 1.0) / (w + 1.0)
                } else {
                    cosine(self.base, self.min_lr, (e - w) / (total - w).max(1e-12))
                }
            }
            LrSchedule::OneCycle => {
                let t = e / total;
                let (start, end) = (self.base / 25.0, self.base / 25.0 / 1e4);
                if t < self.pct_start {
                    cosine(start, self.base, t / self.pct_start)
                } else {
                    cosine(
                        self.base,
                        end,
                        (t - self.pct_start) / (1.0 - self.pct_start),
                    )
                }
            }
            LrSchedule::ReduceOnPlateau => self.plateau_lr,
        }
    }

    /// Tell the schedule the monitored loss at the end of an epoch.
    pub(crate) fn end_epoch(&mut self, monitored: f64) {
        if self.kind != LrSchedule::ReduceOnPlateau {
            return;
        }
        if monitored < self.best - self.tol {
            self.best = monitored;
            self.bad_epochs = 0;
        } else {
            self.bad_epochs += 1;
            if self.bad_epochs > self.patience {
                self.plateau_lr = (self.plateau_lr * self.factor).max(self.min_lr);
                self.bad_epochs = 0;
            }
        }
    }
}

/// Rescale the gradients so that their joint L2 norm is at most `max_norm`.
pub(crate) fn clip_grad_norm(grads: &mut [Vec<f32>], max_norm: f64) {
    let norm = grads
        .iter()
        .flat_map(|g| g.iter())
        .map(|&v| f64::from(v) * f64::from(v))
        .sum::<f64>()
        .sqrt();
    if norm > max_norm && norm.is_finite() {
        let s = (max_norm / (norm + 1e-6)) as f32;
        grads
            .iter_mut()
            .flat_map(|g| g.iter_mut())
            .for_each(|v| *v *= s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_first_step_moves_by_lr() {
        let p = MlpParams::default();
        let mut o = Optimizer::new(&p, &[2]);
        o.begin_step();
        let mut w = vec![1.0f32, -1.0];
        o.update(0, &mut w, &[0.5, -2.0], 0.1);
        // first Adam step: m̂/sqrt(v̂) = sign(g)
        assert!(
            (w[0] - 0.9).abs() < 1e-5 && (w[1] + 0.9).abs() < 1e-5,
            "{w:?}"
        );
    }

    #[test]
    fn sgd_nesterov_matches_sklearn_formula() {
        let p = MlpParams {
            solver: Solver::Sgd,
            ..Default::default()
        };
        let mut o = Optimizer::new(&p, &[1]);
        let mut w = vec![0.0f32];
        o.begin_step();
        o.update(0, &mut w, &[1.0], 0.1);
        // v = -0.1; update = 0.9 * -0.1 - 0.1 = -0.19
        assert!((w[0] + 0.19).abs() < 1e-7);
    }

    #[test]
    fn schedules_shape() {
        let mut p = MlpParams {
            lr_schedule: LrSchedule::Step,
            step_size: 2,
            ..Default::default()
        };
        let s = Schedule::new(&p, 10);
        assert_eq!(s.lr(1, 0.0), 1e-3);
        assert!((s.lr(2, 0.0) - 1e-4).abs() < 1e-12);
        p.lr_schedule = LrSchedule::Cosine;
        p.warmup_epochs = 2;
        let s = Schedule::new(&p, 10);
        assert!(s.lr(0, 0.0) < s.lr(1, 0.5));
        assert!((s.lr(2, 0.0) - 1e-3).abs() < 1e-12);
        assert!(s.lr(9, 0.99) < 1e-5);
        p.lr_schedule = LrSchedule::OneCycle;
        let s = Schedule::new(&p, 10);
        assert!((s.lr(3, 0.0) - 1e-3).abs() < 1e-12);
        assert!(s.lr(0, 0.0) < 1e-4 && s.lr(9, 0.999) < 1e-6);
        p.lr_schedule = LrSchedule::ReduceOnPlateau;
        p.plateau_patience = 1;
        let mut s = Schedule::new(&p, 10);
        for _ in 0..3 {
            s.end_epoch(1.0);
        }
        assert!((s.lr(3, 0.0) - 1e-4).abs() < 1e-12);
    }

    #[test]
    fn clipping_bounds_the_norm() {
        let mut g = vec![vec![3.0f32], vec![4.0]];
        clip_grad_norm(&mut g, 1.0);
        let n = (g[0][0].powi(2) + g[1][0].powi(2)).sqrt();
        assert!((n - 1.0).abs() < 1e-4);
    }
}
