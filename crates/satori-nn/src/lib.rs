//! # satori-nn
//!
//! Neural networks on `burn`'s Flex CPU backend: multilayer perceptrons with the full training
//! toolbox, transfer learning and multi-task learning.
//!
//! ## Models
//!
//! - [`MlpClassifierParams`] → [`MlpClassifier`]: softmax output, cross-entropy loss
//!   (scikit-learn's `MLPClassifier`); [`satori_core::PredictProba`].
//! - [`MlpRegressorParams`] → [`MlpRegressor`]: one linear output, half squared error
//!   (scikit-learn's `MLPRegressor`).
//! - [`MultiTaskMlpParams`] → [`MultiTaskMlp`]: a shared trunk with one head per target (any mix
//!   of classification and regression) and per-task `loss_weights`; predictions and evaluation
//!   per task.
//!
//! - [`FtTransformerClassifierParams`] → [`FtTransformerClassifier`] and
//!   [`FtTransformerRegressorParams`] → [`FtTransformerRegressor`]: the FT-Transformer, an
//!   attention model for tables whose attention maps can be read back ([`ftt`]).
//!
//! The three MLPs wrap the same [`MlpParams`] (scikit-learn's names: `hidden_layer_sizes`,
//! `activation`, `solver`, `alpha`, `batch_size`, `learning_rate_init`, `max_iter`, `momentum`,
//! `nesterovs_momentum`, `early_stopping`, `validation_fraction`, `n_iter_no_change`, `tol`, plus
//! `dropout`, `batch_norm`, `weight_decay`, `l1`, `lr_schedule` and its parameters,
//! `grad_clip_norm`, `class_weight`, and the augmentations `noise_std`, `mixup_alpha`,
//! `smote_fraction`). Each field's documentation gives its meaning, default and range.
//!
//! ## How training works
//!
//! Mini-batches are assembled (and augmented) on the host; burn's autodiff computes the loss and
//! its gradients on the Flex backend; the optimizer update (SGD with momentum/Nesterov as
//! scikit-learn, Adam as scikit-learn, AdamW and RMSprop as PyTorch) runs on the host's `f32`
//! parameters. Every random draw (initial weights, shuffles, dropout masks, validation split,
//! augmentation) comes from `satori_core::rng` streams derived from `seed`, so the same data,
//! parameters and seed give the same weights. Per-epoch training and validation loss and a
//! metric are recorded as [`satori_core::TrainingHistory`]; early stopping restores the best
//! epoch's weights; a non-finite loss stops training and keeps the best weights so far (recorded
//! in `stop_reason`), or is an error when no epoch finished.
//!
//! ## Stored form and prediction
//!
//! A fitted model holds a [`Network`]: plain `f32` vectors per layer (no burn types), serialised
//! with the model (as the bytes of its safetensors file). Prediction is a plain forward pass over fixed row blocks (no burn at inference;
//! equal to burn's forward pass within 1e-6, and identical for a row alone or in any batch).
//!
//! ## Transfer learning and continuation
//!
//! `fit_from(base, freeze, data)` keeps `base`'s hidden layers (the first `freeze` frozen, the
//! others trained at `learning_rate * transfer_lr_factor`) under a fresh head for the new
//! target; `fit_more(data, epochs)` continues training a fitted model; `from_network` wraps
//! given weights (e.g. trained elsewhere) in a classifier or regressor.
//!
//! ## Weights as safetensors
//!
//! [`Network::to_safetensors`] exports the weights of any fitted network (reached through
//! [`NeuralNet::network`]) as a safetensors file whose float32 tensors are named as PyTorch's
//! state dict of the equivalent `trunk = nn.Sequential(Linear, [BatchNorm1d], Act, …)` and
//! `heads = nn.ModuleList([Linear, …])` (weights `[out, in]`, PyTorch's orientation), with the
//! activation and layer sizes in `__metadata__`; [`Network::from_safetensors`] reads such a file
//! back into an identical network. See [`weights`] for the naming scheme. The model file itself
//! keeps its postcard payload unchanged.
//!
//! ## Agreement with scikit-learn
//!
//! Started from the same weights with `shuffle = false`, SGD (momentum, Nesterov) and Adam
//! training reproduce scikit-learn's loss curves, weights and predictions up to float32 rounding
//! (tests/golden/nn_mlp_steps). Differences by design: classifiers always use a softmax head
//! (scikit-learn uses one logistic unit for two classes), and `early_stopping` monitors the
//! validation loss (scikit-learn its score).
//!
//! Training runs on the CPU (burn's Flex backend). There is no GPU backend: burn's CUDA backend
//! was an opt-in feature that no code path used, so it was removed rather than left to rot; a
//! device choice would come back with a `model.device` parameter and a clear error where the
//! device is absent.
#![warn(missing_docs)]

mod augment;
mod classifier;
pub mod compress;
mod f16;
pub mod ftt;
mod kernels;
mod layers;
mod model;
mod multitask;
mod net;
mod optim;
mod params;
pub mod quant;
mod regressor;
mod train;
pub mod weights;

pub use classifier::{MlpClassifier, MlpClassifierParams};
pub use ftt::{
    Attention, FtTransformerClassifier, FtTransformerClassifierParams, FtTransformerParams,
    FtTransformerRegressor, FtTransformerRegressorParams,
};
pub use model::{NeuralNet, TrainingRecord};
pub use multitask::{MultiTaskMlp, MultiTaskMlpParams, TaskInfo, TaskScore};
pub use net::{BatchNorm, Dense, Hidden, Network};
pub use params::{Activation, ClassWeight, LrSchedule, MAX_LAYER_WIDTH, MlpParams, Solver};
pub use quant::{Compressed, Quantization};
pub use regressor::{MlpRegressor, MlpRegressorParams};

#[cfg(test)]
mod tests;
