//! [`MlpRegressor`]: a multilayer perceptron with one linear output trained on half the squared
//! error (scikit-learn's `MLPRegressor`).
//!
//! ```
//! use ndarray::{Array1, Array2};
//! use satori_core::{Dataset, Estimator, Predictor, Target};
//! use satori_nn::{MlpParams, MlpRegressorParams};
//!
//! let x = Array2::from_shape_fn((60, 2), |(i, j)| ((i * 5 + j * 3) % 13) as f64 / 6.0 - 1.0);
//! let y: Array1<f64> = x.rows().into_iter().map(|r| r[0] - 2.0 * r[1]).collect();
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()])
//!     .unwrap()
//!     .with_target(Target::regression(y))
//!     .unwrap();
//! let params = MlpRegressorParams(MlpParams { hidden_layer_sizes: vec![8], max_iter: 50, ..Default::default() });
//! let model = params.fit(&data).unwrap();
//! assert_eq!(model.predict(x.view()).unwrap().len(), 60);
//! ```

use std::ops::{Deref, DerefMut};

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{
    Dataset, Error, Estimator, Params, Predictor, Progress, Result, Target, TrainingHistory,
};
use serde::{Deserialize, Serialize};

use crate::model::{self, NeuralNet, TrainingRecord};
use crate::net::Network;
use crate::params::MlpParams;

/// Parameters of an [`MlpRegressor`]: the shared [`MlpParams`] (it derefs to them; in TOML the
/// fields sit directly under `[model]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MlpRegressorParams(pub MlpParams);

impl Deref for MlpRegressorParams {
    type Target = MlpParams;
    fn deref(&self) -> &MlpParams {
        &self.0
    }
}

impl DerefMut for MlpRegressorParams {
    fn deref_mut(&mut self) -> &mut MlpParams {
        &mut self.0
    }
}

impl Params for MlpRegressorParams {
    fn validate(&self) -> Result<()> {
        self.0.validate()
    }
}

fn inputs(p: &MlpParams, data: &Dataset) -> Result<(Array2<f32>, Vec<crate::train::TaskData>)> {
    let target = data.require_target()?;
    if !matches!(target, Target::Continuous(_)) {
        return Err(Error::InvalidData(
            "MlpRegressor needs a continuous target, and this target holds classes (use \
             MlpClassifier for classification)"
                .into(),
        ));
    }
    let x = model::features(data)?;
    let w = model::sample_weights(data)?;
    let task = model::task_data(target, &w, &p.class_weight, 1.0)?;
    Ok((x, vec![task]))
}

impl Estimator for MlpRegressorParams {
    type Model = MlpRegressor;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<MlpRegressor> {
        self.0.validate()?;
        let (x, tasks) = inputs(&self.0, data)?;
        let fitted = model::fit_fresh(&self.0, x, tasks, None, progress)?;
        Ok(MlpRegressor { fitted })
    }
}

impl MlpRegressorParams {
    /// Fit on `train`, measuring the validation loss on `valid` every epoch (same columns)
    /// instead of holding out `validation_fraction` of the rows; with `early_stopping`, training
    /// stops on it and keeps the best epoch's weights.
    pub fn fit_with_validation(
        &self,
        train: &Dataset,
        valid: &Dataset,
        progress: &dyn Progress,
    ) -> Result<MlpRegressor> {
        self.0.validate()?;
        let (x, tasks) = inputs(&self.0, train)?;
        let vx = model::features(valid)?;
        let vw = model::sample_weights(valid)?;
        let vtask = model::valid_task_data(valid.require_target()?, None, &vw)?;
        let fitted = model::fit_fresh(&self.0, x, tasks, Some((vx, vec![vtask])), progress)?;
        Ok(MlpRegressor { fitted })
    }
}

impl MlpRegressorParams {
    /// Transfer learning: start from `base`'s hidden layers (the first `freeze` frozen, the
    /// others trained at `learning_rate * transfer_lr_factor`), put a fresh output head for this
    /// data's classes on top, and fine-tune. The architecture (`hidden_layer_sizes`,
    /// `activation`, `batch_norm`) comes from `base`; the other parameters from `self`.
    ///
    /// Errors: `data` with a different number of columns than `base` takes
    /// ([`Error::ShapeMismatch`]); `freeze` greater than `base`'s number of hidden layers
    /// ([`Error::InvalidParameter`] named `freeze`).
    pub fn fit_from(
        &self,
        base: &impl NeuralNet,
        freeze: usize,
        data: &Dataset,
    ) -> Result<MlpRegressor> {
        self.fit_from_with_progress(base, freeze, data, &satori_core::NoProgress)
    }

    /// [`MlpRegressorParams::fit_from`], reporting progress.
    pub fn fit_from_with_progress(
        &self,
        base: &impl NeuralNet,
        freeze: usize,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<MlpRegressor> {
        self.0.validate()?;
        let (x, tasks) = inputs(&self.0, data)?;
        let fitted = model::fit_transfer(&self.0, base.network(), freeze, x, tasks, progress)?;
        Ok(MlpRegressor { fitted })
    }
}

/// A fitted MLP regressor: the network and its training record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpRegressor {
    fitted: TrainingRecord,
}

impl MlpRegressor {
    /// A regressor from given weights (for example weights trained elsewhere), to predict with
    /// or to continue training with [`MlpRegressor::fit_more`]. `network` needs one head with
    /// one output; `params` are used by `fit_more`. The training record starts empty.
    pub fn from_network(params: MlpRegressorParams, network: Network) -> Result<MlpRegressor> {
        params.0.validate()?;
        network.validate()?;
        if network.heads.len() != 1 || network.heads[0].n_out != 1 {
            return Err(Error::InvalidData(
                "a regressor's network needs exactly one head with one output".into(),
            ));
        }
        Ok(MlpRegressor {
            fitted: TrainingRecord::untrained(params.0, network, "squared_error", "rmse"),
        })
    }

    /// A regressor from a stored training record (the network must have one head with one
    /// output).
    pub fn from_record(record: TrainingRecord) -> Result<MlpRegressor> {
        record.net.validate()?;
        if record.net.heads.len() != 1 || record.net.heads[0].n_out != 1 {
            return Err(Error::InvalidData(
                "a regressor's network needs exactly one head with one output".into(),
            ));
        }
        Ok(MlpRegressor { fitted: record })
    }

    /// Continue training for `epochs` more epochs on `data` (scikit-learn's `partial_fit`, by
    /// epochs), from the current weights with a fresh optimizer state; the data must have the
    /// same columns. Histories are appended.
    pub fn fit_more(&self, data: &Dataset, epochs: usize) -> Result<MlpRegressor> {
        self.fit_more_with_progress(data, epochs, &satori_core::NoProgress)
    }

    /// [`MlpRegressor::fit_more`], reporting progress.
    pub fn fit_more_with_progress(
        &self,
        data: &Dataset,
        epochs: usize,
        progress: &dyn Progress,
    ) -> Result<MlpRegressor> {
        let (x, tasks) = inputs(&self.fitted.params, data)?;
        let fitted = model::fit_continue(&self.fitted, x, tasks, epochs, progress)?;
        Ok(MlpRegressor { fitted })
    }

    /// Per-epoch half squared error (`train`: mean over the epoch's batches, penalties included, as
    /// scikit-learn's `loss_curve_`; `valid`: on the held-out rows with `early_stopping`).
    pub fn loss_curve(&self) -> &TrainingHistory {
        &self.fitted.loss
    }

    /// Per-epoch root mean squared error (on up to 10 000 evenly spaced training rows after each epoch, and on
    /// the validation rows with `early_stopping`).
    pub fn metric_curve(&self) -> &TrainingHistory {
        &self.fitted.metric
    }

    /// Number of epochs run (over all fits).
    pub fn n_iter(&self) -> usize {
        self.fitted.n_iter
    }

    /// Whether training stopped on its criterion (`tol`/`n_iter_no_change`) before `max_iter`.
    pub fn converged(&self) -> bool {
        self.fitted.converged
    }

    /// Why training stopped early because of a non-finite loss, if it did.
    pub fn stop_reason(&self) -> Option<&str> {
        self.fitted.stop_reason.as_deref()
    }

    /// The parameters the model was trained with.
    pub fn params(&self) -> &MlpParams {
        &self.fitted.params
    }

    /// The layers, their shapes and parameter counts.
    pub fn summary(&self) -> String {
        self.fitted.net.summary(&["value".into()])
    }
}

impl NeuralNet for MlpRegressor {
    fn network(&self) -> &Network {
        &self.fitted.net
    }
}

impl Predictor for MlpRegressor {
    fn n_features(&self) -> usize {
        self.fitted.net.n_inputs
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let xs = self.fitted.net.input(x)?;
        let out = self.fitted.net.forward(xs.view());
        match out.first() {
            Some(o) => Ok(o.column(0).mapv(f64::from)),
            None => Err(Error::Internal(
                "regressor network without an output head".into(),
            )),
        }
    }
}
