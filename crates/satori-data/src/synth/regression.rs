//! `make_regression`: a sparse random linear model on standard-normal features.

use ndarray::{Array1, Array2};
use satori_core::rng::{RngExt, SatoriRng, shuffle, sub_rng};
use satori_core::{Dataset, Error, Params, Result, Target};
use serde::{Deserialize, Serialize};

use super::{Normals, check_size, feature_names, fill_rows};

/// A random regression problem (scikit-learn's `make_regression` construction, one target,
/// well-conditioned features): every feature is standard normal; the target is
/// `bias + Σ coef_j x_j + noise · N(0, 1)`, where `n_informative` coefficients are uniform in
/// [0, 100) and the others zero. With `shuffle`, the informative features sit at random positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegressionParams {
    /// Number of rows, at least 1. Default 100.
    pub n_samples: usize,
    /// Number of features, at least 1. Default 100.
    pub n_features: usize,
    /// Features with a non-zero coefficient; values above `n_features` are clipped to it, as in
    /// scikit-learn. Default 10.
    pub n_informative: usize,
    /// Added to every target value. Finite. Default 0.0.
    pub bias: f64,
    /// Standard deviation of the Gaussian noise added to the target, finite and non-negative.
    /// Default 0.0.
    pub noise: f64,
    /// Put the informative features at random positions (else the first `n_informative`).
    /// Default `true`.
    pub shuffle: bool,
    /// Seed of every random draw. Default 0.
    pub seed: u64,
}

impl Default for RegressionParams {
    fn default() -> Self {
        RegressionParams {
            n_samples: 100,
            n_features: 100,
            n_informative: 10,
            bias: 0.0,
            noise: 0.0,
            shuffle: true,
            seed: 0,
        }
    }
}

impl Params for RegressionParams {
    fn validate(&self) -> Result<()> {
        check_size(self.n_samples, self.n_features)?;
        if !self.bias.is_finite() {
            return Err(Error::param(
                "bias",
                format!("must be finite, got {}", self.bias),
            ));
        }
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(Error::param(
                "noise",
                format!("must be finite and non-negative, got {}", self.noise),
            ));
        }
        Ok(())
    }
}

impl RegressionParams {
    /// Generate the dataset (validating the parameters first).
    pub fn generate(&self) -> Result<Dataset> {
        Ok(self.generate_with_coef()?.0)
    }

    /// Generate the dataset and the true coefficient of each feature, in feature order.
    pub fn generate_with_coef(&self) -> Result<(Dataset, Vec<f64>)> {
        self.validate()?;
        let n_feat = self.n_features;
        let n_inf = self.n_informative.min(n_feat);
        let mut g = sub_rng(self.seed, 0);
        let mut internal = vec![0.0; n_feat];
        for c in internal.iter_mut().take(n_inf) {
            *c = 100.0 * g.random::<f64>();
        }
        let mut perm: Vec<usize> = (0..n_feat).collect();
        if self.shuffle {
            shuffle(&mut perm, &mut g);
        }
        let coef: Vec<f64> = perm.iter().map(|&j| internal[j]).collect();
        let (bias, noise) = (self.bias, self.noise);
        let row =
            |g: &mut SatoriRng, normals: &mut Normals, _: usize, out: &mut [f64], _: &mut [f64]| {
                let mut y = 0.0;
                for (x, c) in out.iter_mut().zip(&coef) {
                    *x = normals.next(g);
                    y += *x * c;
                }
                y += bias;
                if noise > 0.0 {
                    y += noise * normals.next(g);
                }
                y
            };
        let (x, y) = fill_rows(self.seed, self.n_samples, n_feat, 0, row);
        let x = Array2::from_shape_vec((self.n_samples, n_feat), x)
            .map_err(|e| Error::Internal(format!("synthetic matrix shape: {e}")))?;
        let data = Dataset::new(x, feature_names(n_feat))?
            .with_target(Target::regression(Array1::from(y)))?
            .with_target_name("target");
        Ok((data, coef))
    }
}
