//! The layers of a network: dense layers, batch normalisation, hidden layers and their
//! activations — the pieces [`crate::net::Network`] and the compressed forms
//! ([`crate::quant`]) are built from.

use serde::{Deserialize, Serialize};

use crate::params::Activation;

/// A fully connected layer: `y = x · W + b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dense {
    /// Input width.
    pub n_in: usize,
    /// Output width.
    pub n_out: usize,
    /// Row-major `n_in × n_out` weights.
    pub weight: Vec<f32>,
    /// `n_out` biases.
    pub bias: Vec<f32>,
}

/// Batch normalisation of a hidden layer at prediction time: `(h - mean) / sqrt(var + eps) *
/// gamma + beta` with the running statistics of training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchNorm {
    /// Learned scale, one per unit.
    pub gamma: Vec<f32>,
    /// Learned shift, one per unit.
    pub beta: Vec<f32>,
    /// Running mean of the pre-activation, one per unit.
    pub running_mean: Vec<f32>,
    /// Running (unbiased) variance of the pre-activation, one per unit.
    pub running_var: Vec<f32>,
    /// Variance floor.
    pub eps: f32,
}

/// A hidden layer: dense, optional batch norm, then the network's activation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hidden {
    /// The linear map.
    pub dense: Dense,
    /// Batch normalisation before the activation, if enabled.
    pub batch_norm: Option<BatchNorm>,
}

impl Dense {
    /// Write `x · W + b` into `out` for a block of rows (`x` rows of `n_in`, `out` rows of
    /// `n_out`); see [`crate::kernels`].
    pub(crate) fn forward_into(&self, x: &[f32], out: &mut [f32]) {
        crate::kernels::dense(x, &self.weight, &self.bias, self.n_in, self.n_out, out);
    }

    /// Number of trainable values.
    pub fn n_parameters(&self) -> usize {
        self.weight.len() + self.bias.len()
    }
}

/// Apply an activation in place.
pub(crate) fn activate(act: Activation, v: &mut [f32]) {
    match act {
        Activation::Relu => v.iter_mut().for_each(|x| *x = x.max(0.0)),
        Activation::Tanh => v.iter_mut().for_each(|x| *x = x.tanh()),
        Activation::Logistic => v.iter_mut().for_each(|x| *x = 1.0 / (1.0 + (-*x).exp())),
        Activation::Gelu => v.iter_mut().for_each(|x| {
            *x = 0.5 * *x * (1.0 + libm::erff(*x * std::f32::consts::FRAC_1_SQRT_2));
        }),
    }
}
