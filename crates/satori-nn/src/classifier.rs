//! [`MlpClassifier`]: a multilayer perceptron with a softmax output (scikit-learn's
//! `MLPClassifier`).
//!
//! ```
//! use ndarray::{Array1, Array2};
//! use satori_core::{Dataset, Estimator, PredictProba, Predictor, Target};
//! use satori_nn::{MlpClassifierParams, MlpParams};
//!
//! let x = Array2::from_shape_fn((80, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
//! let codes: Array1<usize> = x.rows().into_iter().map(|r| usize::from(r[0] + r[1] > 0.0)).collect();
//! let y = Target::classes(codes, vec!["no".into(), "yes".into()]).unwrap();
//! let data = Dataset::new(x.clone(), vec!["a".into(), "b".into()]).unwrap().with_target(y).unwrap();
//!
//! let params = MlpClassifierParams(MlpParams {
//!     hidden_layer_sizes: vec![16],
//!     learning_rate_init: 0.01,
//!     max_iter: 100,
//!     ..Default::default()
//! });
//! let model = params.fit(&data).unwrap();
//! let p = model.predict_proba(x.view()).unwrap();
//! assert_eq!(p.dim(), (80, 2));
//! assert!(model.loss_curve().train.len() <= 100);
//! assert!(model.predict(x.view()).is_ok());
//! ```

use std::ops::{Deref, DerefMut};

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{
    Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result, Target,
    TrainingHistory,
};
use serde::{Deserialize, Serialize};

use crate::model::{self, NeuralNet, TrainingRecord};
use crate::net::{Network, softmax_rows, with_classes};
use crate::params::MlpParams;

/// Parameters of an [`MlpClassifier`]: the shared [`MlpParams`] (it derefs to them; in TOML the
/// fields sit directly under `[model]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MlpClassifierParams(pub MlpParams);

impl Deref for MlpClassifierParams {
    type Target = MlpParams;
    fn deref(&self) -> &MlpParams {
        &self.0
    }
}

impl DerefMut for MlpClassifierParams {
    fn deref_mut(&mut self) -> &mut MlpParams {
        &mut self.0
    }
}

impl Params for MlpClassifierParams {
    fn validate(&self) -> Result<()> {
        self.0.validate()
    }
}

fn class_target(data: &Dataset) -> Result<(&Target, Vec<String>)> {
    let target = data.require_target()?;
    match target.labels() {
        Some(labels) => Ok((target, labels.to_vec())),
        None => Err(Error::InvalidData(
            "MlpClassifier needs class labels as the target, and this target is continuous \
             (use MlpRegressor for regression)"
                .into(),
        )),
    }
}

fn inputs(
    p: &MlpParams,
    data: &Dataset,
) -> Result<(Array2<f32>, Vec<crate::train::TaskData>, Vec<String>)> {
    let (target, labels) = class_target(data)?;
    let x = model::features(data)?;
    let w = model::sample_weights(data)?;
    let task = model::task_data(target, &w, &p.class_weight, 1.0)?;
    Ok((x, vec![task], labels))
}

impl Estimator for MlpClassifierParams {
    type Model = MlpClassifier;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<MlpClassifier> {
        self.0.validate()?;
        let (x, tasks, classes) = inputs(&self.0, data)?;
        let fitted = model::fit_fresh(&self.0, x, tasks, None, progress)?;
        Ok(MlpClassifier { fitted, classes })
    }
}

impl MlpClassifierParams {
    /// Fit on `train`, measuring the validation loss on `valid` every epoch (same columns, same
    /// class labels) instead of holding out `validation_fraction` of the rows; with
    /// `early_stopping`, training stops on it and keeps the best epoch's weights. The validation
    /// loss weighs rows by their sample weights only (no class weights).
    pub fn fit_with_validation(
        &self,
        train: &Dataset,
        valid: &Dataset,
        progress: &dyn Progress,
    ) -> Result<MlpClassifier> {
        self.0.validate()?;
        let (x, tasks, classes) = inputs(&self.0, train)?;
        let vx = model::features(valid)?;
        let vw = model::sample_weights(valid)?;
        let vtask = model::valid_task_data(valid.require_target()?, Some(&classes), &vw)?;
        let fitted = model::fit_fresh(&self.0, x, tasks, Some((vx, vec![vtask])), progress)?;
        Ok(MlpClassifier { fitted, classes })
    }

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
    ) -> Result<MlpClassifier> {
        self.fit_from_with_progress(base, freeze, data, &satori_core::NoProgress)
    }

    /// [`MlpClassifierParams::fit_from`], reporting progress.
    pub fn fit_from_with_progress(
        &self,
        base: &impl NeuralNet,
        freeze: usize,
        data: &Dataset,
        progress: &dyn Progress,
    ) -> Result<MlpClassifier> {
        self.0.validate()?;
        let (x, tasks, classes) = inputs(&self.0, data)?;
        let fitted = model::fit_transfer(&self.0, base.network(), freeze, x, tasks, progress)?;
        Ok(MlpClassifier { fitted, classes })
    }
}

/// A fitted MLP classifier: the network, its class labels and its training record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpClassifier {
    fitted: TrainingRecord,
    classes: Vec<String>,
}

impl MlpClassifier {
    /// A classifier from given weights (for example weights trained elsewhere), to predict with
    /// or to continue training with [`MlpClassifier::fit_more`]. `network` needs one head with
    /// one output per class label; `params` are used by `fit_more`. The training record starts
    /// empty.
    pub fn from_network(
        params: MlpClassifierParams,
        network: Network,
        classes: Vec<String>,
    ) -> Result<MlpClassifier> {
        params.0.validate()?;
        network.validate()?;
        if network.heads.len() != 1 || network.heads[0].n_out != classes.len() {
            return Err(Error::InvalidData(format!(
                "a classifier's network needs exactly one head with one output per class ({})",
                classes.len()
            )));
        }
        let fitted = TrainingRecord::untrained(params.0, network, "log_loss", "accuracy");
        Ok(MlpClassifier { fitted, classes })
    }

    /// A classifier from a stored training record and its class labels (the network must have
    /// one head with one output per class).
    pub fn from_record(record: TrainingRecord, classes: Vec<String>) -> Result<MlpClassifier> {
        record.net.validate()?;
        if record.net.heads.len() != 1 || record.net.heads[0].n_out != classes.len() {
            return Err(Error::InvalidData(format!(
                "a classifier's network needs exactly one head with one output per class ({})",
                classes.len()
            )));
        }
        Ok(MlpClassifier {
            fitted: record,
            classes,
        })
    }

    /// Continue training for `epochs` more epochs on `data` (scikit-learn's `partial_fit`, by
    /// epochs), from the current weights with a fresh optimizer state; the data must have the
    /// same columns and class labels. Histories are appended.
    pub fn fit_more(&self, data: &Dataset, epochs: usize) -> Result<MlpClassifier> {
        self.fit_more_with_progress(data, epochs, &satori_core::NoProgress)
    }

    /// [`MlpClassifier::fit_more`], reporting progress.
    pub fn fit_more_with_progress(
        &self,
        data: &Dataset,
        epochs: usize,
        progress: &dyn Progress,
    ) -> Result<MlpClassifier> {
        let (x, tasks, classes) = inputs(&self.fitted.params, data)?;
        if classes != self.classes {
            return Err(Error::InvalidData(format!(
                "the new data's classes ({}) differ from the model's ({}); use fit_from to \
                 train a new head for other classes",
                classes.join(", "),
                self.classes.join(", ")
            )));
        }
        let fitted = model::fit_continue(&self.fitted, x, tasks, epochs, progress)?;
        Ok(MlpClassifier { fitted, classes })
    }

    /// Per-epoch log loss (`train`: mean over the epoch's batches, penalties included, as
    /// scikit-learn's `loss_curve_`; `valid`: on the held-out rows with `early_stopping`).
    pub fn loss_curve(&self) -> &TrainingHistory {
        &self.fitted.loss
    }

    /// Per-epoch accuracy (on up to 10 000 evenly spaced training rows after each epoch, and on
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
        self.fitted.net.summary(&["classes".into()])
    }

    /// The logits (one column per class) of each row.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let xs = self.fitted.net.input(x)?;
        let out = self.fitted.net.forward(xs.view());
        Ok(out
            .into_iter()
            .next()
            .map_or_else(|| Array2::zeros((x.nrows(), 0)), |o| o.mapv(f64::from)))
    }
}

impl NeuralNet for MlpClassifier {
    fn network(&self) -> &Network {
        &self.fitted.net
    }
}

impl Predictor for MlpClassifier {
    fn n_features(&self) -> usize {
        self.fitted.net.n_inputs
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(with_classes(self.predict_proba(x)?).0)
    }
}

impl PredictProba for MlpClassifier {
    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let xs = self.fitted.net.input(x)?;
        let out = self.fitted.net.forward(xs.view());
        match out.first() {
            Some(logits) => Ok(softmax_rows(logits.view())),
            None => Err(Error::Internal(
                "classifier network without an output head".into(),
            )),
        }
    }

    fn predict_with_proba(&self, x: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array2<f64>)> {
        Ok(with_classes(self.predict_proba(x)?))
    }
}
