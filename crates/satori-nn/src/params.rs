//! The hyperparameters every network shares ([`MlpParams`]), their enums and their validation.

use std::collections::BTreeMap;

use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// The non-linearity after each hidden layer (scikit-learn's `activation`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `max(0, x)` (default).
    #[default]
    Relu,
    /// `x * Φ(x)`, the exact (erf) Gaussian error linear unit.
    Gelu,
    /// The hyperbolic tangent.
    Tanh,
    /// The logistic sigmoid `1 / (1 + e^-x)`.
    Logistic,
}

/// The optimizer (scikit-learn's `solver`, plus AdamW and RMSprop).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// Stochastic gradient descent with `momentum` and `nesterovs_momentum` (scikit-learn's
    /// update rule).
    Sgd,
    /// Adam with `beta_1`, `beta_2`, `epsilon` (default).
    #[default]
    Adam,
    /// Adam with decoupled weight decay `weight_decay` (Loshchilov & Hutter).
    Adamw,
    /// RMSprop with decay `rho` and `epsilon` (and `momentum`).
    Rmsprop,
}

/// How the learning rate changes over the epochs. Every schedule scales `learning_rate_init`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrSchedule {
    /// `learning_rate_init` throughout (default).
    #[default]
    Constant,
    /// Multiplied by `gamma` every `step_size` epochs.
    Step,
    /// Multiplied by `decay_rate` every epoch.
    Exponential,
    /// Linear warm-up over `warmup_epochs`, then cosine annealing to `min_lr` at `max_iter`.
    Cosine,
    /// One-cycle policy: rises from `learning_rate_init / 25` to `learning_rate_init` over the
    /// first `pct_start` of the steps, then anneals (cosine) to `learning_rate_init / 1e4`.
    OneCycle,
    /// Multiplied by `plateau_factor` when the monitored loss (validation loss with
    /// `early_stopping`, else training loss) has not improved by `tol` for `plateau_patience`
    /// epochs; never below `min_lr`.
    ReduceOnPlateau,
}

/// Per-class weights in the loss (scikit-learn's `class_weight`; classifiers only), in the one
/// text form of [`satori_core::class_weight`]: `"balanced"` or `{ yes = 3.0 }`. Model files keep
/// the binary layout of earlier versions.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ClassWeight {
    /// Every class weighs 1 (default).
    #[default]
    None,
    /// `n_samples / (n_classes * count(class))`, as scikit-learn's `"balanced"`.
    Balanced,
    /// A weight per class label; labels not listed weigh 1. TOML:
    /// `class_weight = { yes = 3.0 }`.
    Custom(BTreeMap<String, f64>),
}

satori_core::class_weight_serde!(ClassWeight {
    None,
    Balanced,
    Custom
});

/// The hyperparameters of a multilayer perceptron, shared by [`crate::MlpClassifierParams`],
/// [`crate::MlpRegressorParams`] and [`crate::MultiTaskMlpParams`] (which wrap it and deref to
/// it). Names and defaults follow scikit-learn's `MLPClassifier`/`MLPRegressor`; the extra
/// options (dropout, batch norm, schedules, augmentation, ...) default to off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct MlpParams {
    /// Width of each hidden layer, input side first. Default `[100]`; each in 1..=1,048,576
    /// ([`MAX_LAYER_WIDTH`]); may be empty (a linear model). The network must also fit in memory
    /// when it is fitted (checked before anything is allocated).
    pub hidden_layer_sizes: Vec<usize>,
    /// Hidden-layer non-linearity. Default `relu`; one of `relu`, `gelu`, `tanh`, `logistic`.
    pub activation: Activation,
    /// The optimizer. Default `adam`; one of `sgd`, `adam`, `adamw`, `rmsprop`.
    pub solver: Solver,
    /// L2 penalty on the weights (not the biases): `alpha / 2 * ||W||² / batch_rows` added to the
    /// loss, as scikit-learn. Default 1e-4; ≥ 0.
    pub alpha: f64,
    /// L1 penalty on the weights: `l1 * |W|₁ / batch_rows` added to the loss. Default 0; ≥ 0.
    pub l1: f64,
    /// Rows per mini-batch; `None` (default, "auto") means `min(200, n_rows)`. ≥ 1; larger
    /// values are capped at the number of training rows.
    pub batch_size: Option<usize>,
    /// The (peak) learning rate. Default 1e-3; > 0 and finite.
    pub learning_rate_init: f64,
    /// Maximum number of epochs (passes over the training rows). Default 200; ≥ 1.
    pub max_iter: usize,
    /// Momentum of `sgd` and `rmsprop`. Default 0.9; in [0, 1).
    pub momentum: f64,
    /// Nesterov momentum for `sgd` (with `momentum > 0`). Default true.
    pub nesterovs_momentum: bool,
    /// Adam/AdamW first-moment decay. Default 0.9; in [0, 1).
    pub beta_1: f64,
    /// Adam/AdamW second-moment decay. Default 0.999; in [0, 1).
    pub beta_2: f64,
    /// RMSprop squared-gradient decay. Default 0.9; in [0, 1).
    pub rho: f64,
    /// Numerical stability term of Adam, AdamW and RMSprop. Default 1e-8; > 0.
    pub epsilon: f64,
    /// Decoupled weight decay of `adamw` (per step, times the learning rate). Default 0.01 (as
    /// PyTorch's AdamW); ≥ 0. Ignored by the other solvers (use `alpha`).
    pub weight_decay: f64,
    /// Hold out `validation_fraction` of the rows (stratified for classifiers), stop when the
    /// validation loss has not improved by `tol` for `n_iter_no_change` epochs, and restore the
    /// weights of the best epoch. Default false.
    pub early_stopping: bool,
    /// Share of rows held out with `early_stopping`. Default 0.1; in (0, 1).
    pub validation_fraction: f64,
    /// Epochs without an improvement of at least `tol` before training stops (on the
    /// validation loss with `early_stopping`, else on the training loss, as scikit-learn).
    /// Default 10; ≥ 1.
    pub n_iter_no_change: usize,
    /// Minimum improvement of the monitored loss. Default 1e-4; ≥ 0.
    pub tol: f64,
    /// Shuffle the rows before each epoch. Default true.
    pub shuffle: bool,
    /// Seed of the initial weights, shuffles, dropout masks, validation split and augmentation.
    /// Default 0.
    pub seed: u64,
    /// Dropout probability after each hidden layer's activation (inverted dropout, training
    /// only). Default 0 (off); in [0, 1).
    pub dropout: f64,
    /// Batch normalisation after each hidden linear layer (before the activation); running
    /// statistics with momentum 0.1 are used at prediction. Default false.
    pub batch_norm: bool,
    /// The learning-rate schedule. Default `constant`; one of `constant`, `step`,
    /// `exponential`, `cosine`, `one_cycle`, `reduce_on_plateau`.
    pub lr_schedule: LrSchedule,
    /// Linear warm-up epochs of the `cosine` schedule. Default 0; < `max_iter`.
    pub warmup_epochs: usize,
    /// Epochs between decays of the `step` schedule. Default 30; ≥ 1.
    pub step_size: usize,
    /// Decay factor of the `step` schedule. Default 0.1; in (0, 1].
    pub gamma: f64,
    /// Per-epoch decay factor of the `exponential` schedule. Default 0.95; in (0, 1].
    pub decay_rate: f64,
    /// Floor of the `cosine` and `reduce_on_plateau` schedules. Default 0; in [0,
    /// `learning_rate_init`].
    pub min_lr: f64,
    /// Share of the steps spent rising in the `one_cycle` schedule. Default 0.3; in (0, 1).
    pub pct_start: f64,
    /// Factor of the `reduce_on_plateau` schedule. Default 0.1; in (0, 1).
    pub plateau_factor: f64,
    /// Patience (epochs) of the `reduce_on_plateau` schedule. Default 10; ≥ 1.
    pub plateau_patience: usize,
    /// Rescale the gradient (all parameters together) to at most this L2 norm. Default none;
    /// > 0.
    pub grad_clip_norm: Option<f64>,
    /// Per-class loss weights (classifiers only). Default `none`; `balanced` or `custom`.
    pub class_weight: ClassWeight,
    /// Augmentation: standard deviation of Gaussian noise added to the (scaled) features of each
    /// training batch. Default 0 (off); ≥ 0.
    pub noise_std: f64,
    /// Augmentation: mixup with mixing weights drawn from Beta(`mixup_alpha`, `mixup_alpha`);
    /// class targets are mixed as probabilities. Default 0 (off); ≥ 0.
    pub mixup_alpha: f64,
    /// Augmentation (classifiers): share of each batch's rows replaced by SMOTE-style points on
    /// the segment to one of their `smote_k` nearest same-class neighbours within the batch.
    /// Default 0 (off); in [0, 1].
    pub smote_fraction: f64,
    /// Neighbours considered by the SMOTE-style augmentation. Default 5; ≥ 1.
    pub smote_k: usize,
    /// Learning-rate factor of the transferred layers that are not frozen, in
    /// `fit_from` (transfer learning). Default 0.1; in (0, 1].
    pub transfer_lr_factor: f64,
    /// Per-task loss weights of a multi-task network, one per task (empty = all 1). Each ≥ 0
    /// and finite, with a positive sum. Ignored by single-task networks.
    pub loss_weights: Vec<f64>,
}

impl Default for MlpParams {
    fn default() -> Self {
        MlpParams {
            hidden_layer_sizes: vec![100],
            activation: Activation::Relu,
            solver: Solver::Adam,
            alpha: 1e-4,
            l1: 0.0,
            batch_size: None,
            learning_rate_init: 1e-3,
            max_iter: 200,
            momentum: 0.9,
            nesterovs_momentum: true,
            beta_1: 0.9,
            beta_2: 0.999,
            rho: 0.9,
            epsilon: 1e-8,
            weight_decay: 0.01,
            early_stopping: false,
            validation_fraction: 0.1,
            n_iter_no_change: 10,
            tol: 1e-4,
            shuffle: true,
            seed: 0,
            dropout: 0.0,
            batch_norm: false,
            lr_schedule: LrSchedule::Constant,
            warmup_epochs: 0,
            step_size: 30,
            gamma: 0.1,
            decay_rate: 0.95,
            min_lr: 0.0,
            pct_start: 0.3,
            plateau_factor: 0.1,
            plateau_patience: 10,
            grad_clip_norm: None,
            class_weight: ClassWeight::None,
            noise_std: 0.0,
            mixup_alpha: 0.0,
            smote_fraction: 0.0,
            smote_k: 5,
            transfer_lr_factor: 0.1,
            loss_weights: Vec::new(),
        }
    }
}

fn check(ok: bool, name: &str, reason: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::param(name, reason()))
    }
}

fn unit_open(v: f64, name: &str, lo_closed: bool, hi_closed: bool) -> Result<()> {
    let lo = if lo_closed { v >= 0.0 } else { v > 0.0 };
    let hi = if hi_closed { v <= 1.0 } else { v < 1.0 };
    let range = format!(
        "{}0, 1{}",
        if lo_closed { "[" } else { "(" },
        if hi_closed { "]" } else { ")" }
    );
    check(v.is_finite() && lo && hi, name, || {
        format!("must be in {range}, got {v}")
    })
}

fn non_negative(v: f64, name: &str) -> Result<()> {
    check(v.is_finite() && v >= 0.0, name, || {
        format!("must be finite and ≥ 0, got {v}")
    })
}

/// The widest hidden layer a network may have (2^20 units).
pub const MAX_LAYER_WIDTH: usize = 1 << 20;

impl MlpParams {
    /// The memory (bytes, estimated) training a network of these layers on `n_inputs` columns
    /// into heads of `outputs` takes: the weights with their gradients and optimizer state (4
    /// copies of `f32`), and one batch's activations forward and back.
    pub fn training_bytes(&self, n_inputs: usize, outputs: usize) -> f64 {
        let mut widths = vec![n_inputs as f64];
        widths.extend(self.hidden_layer_sizes.iter().map(|&h| h as f64));
        widths.push(outputs.max(1) as f64);
        let weights: f64 = widths.windows(2).map(|w| (w[0] + 1.0) * w[1]).sum();
        let batch = self.batch_size.unwrap_or(200).max(1) as f64;
        let activations: f64 = widths.iter().sum::<f64>() * batch;
        4.0 * (4.0 * weights + 3.0 * activations)
    }

    /// Check every field against its documented range.
    pub fn validate(&self) -> Result<()> {
        if let Some(i) = self.hidden_layer_sizes.iter().position(|&h| h == 0) {
            return Err(Error::param(
                "hidden_layer_sizes",
                format!(
                    "layer {} has size 0; every hidden layer needs at least 1 unit",
                    i + 1
                ),
            ));
        }
        if let Some(i) = self
            .hidden_layer_sizes
            .iter()
            .position(|&h| h > MAX_LAYER_WIDTH)
        {
            return Err(Error::param(
                "hidden_layer_sizes",
                format!(
                    "layer {} has {} units; at most {MAX_LAYER_WIDTH} per layer",
                    i + 1,
                    self.hidden_layer_sizes[i]
                ),
            ));
        }
        check(
            self.learning_rate_init.is_finite() && self.learning_rate_init > 0.0,
            "learning_rate_init",
            || format!("must be > 0 and finite, got {}", self.learning_rate_init),
        )?;
        non_negative(self.alpha, "alpha")?;
        non_negative(self.l1, "l1")?;
        non_negative(self.weight_decay, "weight_decay")?;
        non_negative(self.tol, "tol")?;
        non_negative(self.noise_std, "noise_std")?;
        non_negative(self.mixup_alpha, "mixup_alpha")?;
        check(self.batch_size != Some(0), "batch_size", || {
            "must be ≥ 1 (or left out for auto = min(200, rows)), got 0".into()
        })?;
        check(self.max_iter >= 1, "max_iter", || {
            "must be ≥ 1, got 0".into()
        })?;
        check(self.n_iter_no_change >= 1, "n_iter_no_change", || {
            "must be ≥ 1, got 0".into()
        })?;
        for (v, name) in [
            (self.momentum, "momentum"),
            (self.beta_1, "beta_1"),
            (self.beta_2, "beta_2"),
            (self.rho, "rho"),
            (self.dropout, "dropout"),
        ] {
            unit_open(v, name, true, false)?;
        }
        check(
            self.epsilon.is_finite() && self.epsilon > 0.0,
            "epsilon",
            || format!("must be > 0, got {}", self.epsilon),
        )?;
        unit_open(
            self.validation_fraction,
            "validation_fraction",
            false,
            false,
        )?;
        unit_open(self.pct_start, "pct_start", false, false)?;
        unit_open(self.plateau_factor, "plateau_factor", false, false)?;
        unit_open(self.gamma, "gamma", false, true)?;
        unit_open(self.decay_rate, "decay_rate", false, true)?;
        unit_open(self.smote_fraction, "smote_fraction", true, true)?;
        unit_open(self.transfer_lr_factor, "transfer_lr_factor", false, true)?;
        check(self.step_size >= 1, "step_size", || {
            "must be ≥ 1, got 0".into()
        })?;
        check(self.plateau_patience >= 1, "plateau_patience", || {
            "must be ≥ 1, got 0".into()
        })?;
        check(self.smote_k >= 1, "smote_k", || "must be ≥ 1, got 0".into())?;
        check(self.warmup_epochs < self.max_iter, "warmup_epochs", || {
            format!(
                "must be < max_iter ({}), got {}",
                self.max_iter, self.warmup_epochs
            )
        })?;
        check(
            self.min_lr.is_finite() && self.min_lr >= 0.0 && self.min_lr <= self.learning_rate_init,
            "min_lr",
            || {
                format!(
                    "must be in [0, learning_rate_init = {}], got {}",
                    self.learning_rate_init, self.min_lr
                )
            },
        )?;
        if let Some(c) = self.grad_clip_norm {
            check(c.is_finite() && c > 0.0, "grad_clip_norm", || {
                format!("must be > 0 and finite, got {c}")
            })?;
        }
        if let ClassWeight::Custom(map) = &self.class_weight
            && let Some((label, w)) = map.iter().find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(Error::param(
                "class_weight",
                format!("the weight of class `{label}` must be finite and ≥ 0, got {w}"),
            ));
        }
        if let Some(w) = self
            .loss_weights
            .iter()
            .find(|w| !(w.is_finite() && **w >= 0.0))
        {
            return Err(Error::param(
                "loss_weights",
                format!("each task weight must be finite and ≥ 0, got {w}"),
            ));
        }
        check(
            self.loss_weights.is_empty() || self.loss_weights.iter().sum::<f64>() > 0.0,
            "loss_weights",
            || "at least one task weight must be > 0".into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_match_sklearn() {
        let p = MlpParams::default();
        p.validate().unwrap();
        assert_eq!(p.hidden_layer_sizes, vec![100]);
        assert_eq!(p.alpha, 1e-4);
        assert_eq!(p.learning_rate_init, 1e-3);
        assert_eq!(p.max_iter, 200);
    }

    #[test]
    fn bad_values_name_the_field() {
        let cases: Vec<(MlpParams, &str)> = vec![
            (
                MlpParams {
                    learning_rate_init: 0.0,
                    ..Default::default()
                },
                "learning_rate_init",
            ),
            (
                MlpParams {
                    learning_rate_init: -1.0,
                    ..Default::default()
                },
                "learning_rate_init",
            ),
            (
                MlpParams {
                    hidden_layer_sizes: vec![4, 0],
                    ..Default::default()
                },
                "hidden_layer_sizes",
            ),
            (
                MlpParams {
                    dropout: 1.0,
                    ..Default::default()
                },
                "dropout",
            ),
            (
                MlpParams {
                    batch_size: Some(0),
                    ..Default::default()
                },
                "batch_size",
            ),
            (
                MlpParams {
                    validation_fraction: 1.0,
                    ..Default::default()
                },
                "validation_fraction",
            ),
            (
                MlpParams {
                    grad_clip_norm: Some(0.0),
                    ..Default::default()
                },
                "grad_clip_norm",
            ),
            (
                MlpParams {
                    warmup_epochs: 200,
                    ..Default::default()
                },
                "warmup_epochs",
            ),
            (
                MlpParams {
                    loss_weights: vec![0.0, 0.0],
                    ..Default::default()
                },
                "loss_weights",
            ),
        ];
        for (p, name) in cases {
            match p.validate() {
                Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
