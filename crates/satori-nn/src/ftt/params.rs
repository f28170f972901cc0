//! The hyperparameters of an FT-Transformer and their validation.

use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use super::net::FfnActivation;
use crate::params::{ClassWeight, LrSchedule, MlpParams, Solver};

/// The hyperparameters of an FT-Transformer, shared by
/// [`crate::FtTransformerClassifierParams`] and [`crate::FtTransformerRegressorParams`] (which
/// wrap it and deref to it; in TOML the fields sit directly under `[model]`).
///
/// The architecture defaults are the paper's default configuration (Gorishniy et al. 2021, as
/// in the `rtdl` package) scaled down for the CPU: `d_token` 64 instead of 192 and `n_blocks` 2
/// instead of 3 (the projections and feed-forward parts, `8 · d_token²` multiply-adds per token
/// and block, dominate: about 13× fewer per row). The dropouts, the feed-forward width factor 4/3, AdamW with
/// learning rate 1e-4 and weight decay 1e-5 are the paper's. The optimizer, schedule and stopping
/// fields mean what [`MlpParams`]' fields of the same name mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct FtTransformerParams {
    /// Width of every token. Default 64 (the paper: 192); ≥ 1, a multiple of `n_heads`, at most
    /// 4096.
    pub d_token: usize,
    /// Number of transformer blocks. Default 2 (the paper: 3); in 1..=64.
    pub n_blocks: usize,
    /// Attention heads per block. Default 8; ≥ 1, divides `d_token`.
    pub n_heads: usize,
    /// Dropout on the attention probabilities (training only). Default 0.2; in [0, 1).
    pub attention_dropout: f64,
    /// Hidden width of each block's feed-forward part; `None` (default) means `d_token · 4 / 3`
    /// (rounded down, at least 1). ≥ 1, at most 16384.
    pub ffn_d_hidden: Option<usize>,
    /// The feed-forward gate: `reglu` (default) or `geglu`.
    pub ffn_activation: FfnActivation,
    /// Dropout inside the feed-forward part. Default 0.1; in [0, 1).
    pub ffn_dropout: f64,
    /// Dropout on each residual branch before it is added. Default 0; in [0, 1).
    pub residual_dropout: f64,
    /// The optimizer. Default `adamw`; one of `sgd`, `adam`, `adamw`, `rmsprop`.
    pub solver: Solver,
    /// The (peak) learning rate. Default 1e-4; > 0 and finite.
    pub learning_rate_init: f64,
    /// Decoupled weight decay of `adamw`, on the dense weights only (not the tokenizer, norms or
    /// biases, as the paper). Default 1e-5; ≥ 0.
    pub weight_decay: f64,
    /// Adam/AdamW first-moment decay. Default 0.9; in [0, 1).
    pub beta_1: f64,
    /// Adam/AdamW second-moment decay. Default 0.999; in [0, 1).
    pub beta_2: f64,
    /// Numerical stability term. Default 1e-8; > 0.
    pub epsilon: f64,
    /// Momentum of `sgd` and `rmsprop`. Default 0.9; in [0, 1).
    pub momentum: f64,
    /// Rows per mini-batch; `None` (default) means `min(256, n_rows)`. ≥ 1.
    pub batch_size: Option<usize>,
    /// Maximum number of epochs. Default 100; ≥ 1.
    pub max_iter: usize,
    /// Hold out `validation_fraction` of the rows (stratified for classifiers), stop when the
    /// validation loss has not improved by `tol` for `n_iter_no_change` epochs, and restore the
    /// best epoch's weights. Default false.
    pub early_stopping: bool,
    /// Share of rows held out with `early_stopping`. Default 0.1; in (0, 1).
    pub validation_fraction: f64,
    /// Epochs without an improvement of at least `tol` before training stops. Default 10; ≥ 1.
    pub n_iter_no_change: usize,
    /// Minimum improvement of the monitored loss. Default 1e-4; ≥ 0.
    pub tol: f64,
    /// Shuffle the rows before each epoch. Default true.
    pub shuffle: bool,
    /// Seed of the initial weights, shuffles, dropout masks and validation split. Default 0.
    pub seed: u64,
    /// The learning-rate schedule (as the MLP's). Default `constant`.
    pub lr_schedule: LrSchedule,
    /// Linear warm-up epochs of the `cosine` schedule. Default 0; < `max_iter`.
    pub warmup_epochs: usize,
    /// Floor of the `cosine` and `reduce_on_plateau` schedules. Default 0.
    pub min_lr: f64,
    /// Rescale the gradient to at most this L2 norm. Default none; > 0.
    pub grad_clip_norm: Option<f64>,
    /// Per-class loss weights (classifiers only). Default `none`; `balanced` or `{ label = w }`.
    pub class_weight: ClassWeight,
}

impl Default for FtTransformerParams {
    fn default() -> Self {
        FtTransformerParams {
            d_token: 64,
            n_blocks: 2,
            n_heads: 8,
            attention_dropout: 0.2,
            ffn_d_hidden: None,
            ffn_activation: FfnActivation::Reglu,
            ffn_dropout: 0.1,
            residual_dropout: 0.0,
            solver: Solver::Adamw,
            learning_rate_init: 1e-4,
            weight_decay: 1e-5,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-8,
            momentum: 0.9,
            batch_size: None,
            max_iter: 100,
            early_stopping: false,
            validation_fraction: 0.1,
            n_iter_no_change: 10,
            tol: 1e-4,
            shuffle: true,
            seed: 0,
            lr_schedule: LrSchedule::Constant,
            warmup_epochs: 0,
            min_lr: 0.0,
            grad_clip_norm: None,
            class_weight: ClassWeight::None,
        }
    }
}

impl FtTransformerParams {
    /// The feed-forward hidden width these parameters give.
    pub fn ffn_hidden(&self) -> usize {
        self.ffn_d_hidden.unwrap_or(self.d_token * 4 / 3).max(1)
    }

    /// The optimizer, schedule and stopping fields as the MLP's parameters (which run the same
    /// optimizer and schedule code).
    pub(crate) fn optimizer_params(&self) -> MlpParams {
        MlpParams {
            hidden_layer_sizes: Vec::new(),
            solver: self.solver,
            alpha: 0.0,
            batch_size: self.batch_size,
            learning_rate_init: self.learning_rate_init,
            max_iter: self.max_iter,
            momentum: self.momentum,
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            weight_decay: self.weight_decay,
            early_stopping: self.early_stopping,
            validation_fraction: self.validation_fraction,
            n_iter_no_change: self.n_iter_no_change,
            tol: self.tol,
            shuffle: self.shuffle,
            seed: self.seed,
            lr_schedule: self.lr_schedule,
            warmup_epochs: self.warmup_epochs,
            min_lr: self.min_lr,
            grad_clip_norm: self.grad_clip_norm,
            class_weight: self.class_weight.clone(),
            ..MlpParams::default()
        }
    }

    /// The memory (bytes, estimated) training takes on `n_features` columns: weights with
    /// gradients and optimizer state, and one batch's activations and attention maps forward and
    /// back.
    pub fn training_bytes(&self, n_features: usize, outputs: usize) -> f64 {
        let (d, h, f) = (
            self.d_token as f64,
            self.ffn_hidden() as f64,
            n_features as f64,
        );
        let t = f + 1.0;
        let per_block = 4.0 * d * d + 3.0 * d * h + 8.0 * d;
        let weights = 2.0 * f * d + d + self.n_blocks as f64 * per_block + d * outputs as f64;
        let batch = self.batch_size.unwrap_or(256).max(1) as f64;
        let acts = batch
            * self.n_blocks as f64
            * (t * (10.0 * d + 4.0 * h) + 3.0 * self.n_heads as f64 * t * t);
        4.0 * (4.0 * weights + 2.0 * acts)
    }

    /// Check every field against its documented range.
    pub fn validate(&self) -> Result<()> {
        let check = |ok: bool, name: &str, reason: String| {
            if ok {
                Ok(())
            } else {
                Err(Error::param(name, reason))
            }
        };
        check(
            (1..=4096).contains(&self.d_token),
            "d_token",
            format!("must be in 1..=4096, got {}", self.d_token),
        )?;
        check(
            (1..=64).contains(&self.n_blocks),
            "n_blocks",
            format!("must be in 1..=64, got {}", self.n_blocks),
        )?;
        check(
            self.n_heads >= 1 && self.d_token.is_multiple_of(self.n_heads),
            "n_heads",
            format!(
                "must be ≥ 1 and divide d_token ({}), got {}",
                self.d_token, self.n_heads
            ),
        )?;
        if let Some(hd) = self.ffn_d_hidden {
            check(
                (1..=16384).contains(&hd),
                "ffn_d_hidden",
                format!("must be in 1..=16384, got {hd}"),
            )?;
        }
        for (v, name) in [
            (self.attention_dropout, "attention_dropout"),
            (self.ffn_dropout, "ffn_dropout"),
            (self.residual_dropout, "residual_dropout"),
        ] {
            check(
                v.is_finite() && (0.0..1.0).contains(&v),
                name,
                format!("must be in [0, 1), got {v}"),
            )?;
        }
        self.optimizer_params().validate()
    }
}
