//! [`GbmRegressor`]: gradient boosting for a continuous target with the squared-error,
//! absolute-error, Huber, quantile or Poisson loss.
//!
//! ```
//! use satori_core::{Estimator, Predictor};
//! use satori_gbm::{GbmRegressorParams, RegressionLoss};
//! # let data = satori_testkit::generate::regression(200, 3, 1);
//!
//! let params = GbmRegressorParams { loss: RegressionLoss::Huber, n_estimators: 30, ..Default::default() };
//! let model = params.fit(&data).unwrap();
//! let pred = model.predict(data.x()).unwrap();
//! assert_eq!(pred.len(), 200);
//! let one = model.predict_one(&data.x().row(0).to_vec()).unwrap();
//! assert_eq!(one, pred[0]);
//! ```

use ndarray::{Array1, ArrayView2};
use satori_core::collective::{Collective, Single};
use satori_core::{Dataset, Error, Estimator, Params, Predictor, Progress, Result, Target};
use serde::{Deserialize, Serialize};

use crate::booster::{Booster, booster_api};
use crate::fit::{FitSpec, fit_rows};
use crate::loss::Objective;
use crate::params::{GbmRegressorParams, RegressionLoss};
use crate::update::{RefitSettings, refit, update_api};

/// A fitted gradient boosting regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmRegressor {
    booster: Booster,
    loss: RegressionLoss,
}

fn continuous(data: &Dataset) -> Result<(Vec<f64>, Vec<f64>)> {
    match data.require_target()? {
        Target::Continuous(y) => {
            if let Some(i) = y.iter().position(|v| !v.is_finite()) {
                return Err(Error::InvalidData(format!(
                    "the target holds a non-finite value ({}) at row {i}",
                    y[i]
                )));
            }
            Ok((y.to_vec(), data.weights_or_ones().to_vec()))
        }
        Target::Classes { .. } => Err(Error::InvalidData(
            "GbmRegressor needs a continuous target, and this target holds classes (use \
             GbmClassifier for classification)"
                .into(),
        )),
    }
}

impl GbmRegressorParams {
    fn objective(&self) -> Objective {
        let alpha = match self.loss {
            RegressionLoss::Huber => self.huber_alpha,
            RegressionLoss::Quantile => self.quantile_alpha,
            _ => 0.0,
        };
        Objective::Regression(self.loss, alpha)
    }

    fn fit_all(
        &self,
        data: &Dataset,
        valid: Option<&Dataset>,
        init: Option<&GbmRegressor>,
        progress: &dyn Progress,
        comm: &dyn Collective,
    ) -> Result<GbmRegressor> {
        self.validate()?;
        let (y, w) = continuous(data)?;
        let valid = match valid {
            Some(v) => {
                let (vy, vw) = continuous(v)?;
                Some((v, vy, vw))
            }
            None => None,
        };
        let common = self.common();
        let spec = FitSpec {
            common: &common,
            objective: self.objective(),
            init: init.map(|m| &m.booster),
            comm,
            classes: None,
        };
        let booster = fit_rows(&spec, data, y, w, valid, progress)?;
        Ok(GbmRegressor {
            booster,
            loss: self.loss,
        })
    }

    /// Fit data-parallel: every rank of `comm` passes its own rows (ranks hold consecutive
    /// parts of the data, in rank order) and every rank gets the same model — bit for bit the
    /// one [`Estimator::fit`] gives on all rows in rank order, at any rank count. Histograms
    /// are summed over ranks each split (LightGBM's data-parallel learner); targets and weights
    /// are gathered once, the feature matrix never. `docs/distributed.md` is the guide.
    pub fn fit_distributed(
        &self,
        data: &Dataset,
        comm: &dyn Collective,
        progress: &dyn Progress,
    ) -> Result<GbmRegressor> {
        self.fit_all(data, None, None, progress, comm)
    }

    /// Fit on `train`, scoring `valid` every round into the training history and, unless
    /// `early_stopping` is `off`, stopping early on it (no rows are held out of `train`).
    pub fn fit_with_validation(&self, train: &Dataset, valid: &Dataset) -> Result<GbmRegressor> {
        self.fit_all(train, Some(valid), None, &satori_core::NoProgress, &Single)
    }

    /// Continue training `model` on `data` (LightGBM's `init_model`): its trees and initial
    /// score are kept and `n_estimators` more rounds are added. The loss (and its alpha) must
    /// be the model's.
    pub fn continue_training(
        &self,
        model: &GbmRegressor,
        data: &Dataset,
        valid: Option<&Dataset>,
    ) -> Result<GbmRegressor> {
        self.fit_all(data, valid, Some(model), &satori_core::NoProgress, &Single)
    }
    /// Refit the leaf values of `model`'s trees on `data` (LightGBM's `Booster.refit`): the
    /// trees keep their splits, and every leaf's value becomes `decay_rate · old + (1 −
    /// decay_rate) · fitted`, `fitted` being the leaf's regularised Newton step on the new rows
    /// (these parameters' `learning_rate`, `l1_regularization` and `l2_regularization`) at the
    /// scores of the trees refitted before it. `decay_rate` is in [0, 1]; 1 keeps the model.
    pub fn refit(
        &self,
        model: &GbmRegressor,
        data: &Dataset,
        decay_rate: f64,
    ) -> Result<GbmRegressor> {
        self.validate()?;
        let (y, w) = continuous(data)?;
        let booster = refit(
            &model.booster,
            data.x(),
            &y,
            &w,
            &RefitSettings {
                decay: decay_rate,
                learning_rate: self.learning_rate,
                l1: self.l1_regularization,
                l2: self.l2_regularization,
            },
        )?;
        let mut m = model.clone();
        m.booster = booster;
        Ok(m)
    }
}

impl Estimator for GbmRegressorParams {
    type Model = GbmRegressor;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<GbmRegressor> {
        self.fit_all(data, None, None, progress, &Single)
    }
}

impl GbmRegressor {
    booster_api!();
    update_api!();

    /// Whether predictions are the exponential of the raw score (the Poisson loss's log link)
    /// rather than the score itself.
    pub fn log_link(&self) -> bool {
        self.loss == RegressionLoss::Poisson
    }

    fn link(&self, raw: f64) -> f64 {
        if self.loss == RegressionLoss::Poisson {
            raw.exp()
        } else {
            raw
        }
    }

    /// The prediction for one row (the fast single-row path).
    pub fn predict_one(&self, row: &[f64]) -> Result<f64> {
        let mut raw = [0.0];
        self.booster.raw_one_into(row, &mut raw)?;
        Ok(self.link(raw[0]))
    }
}

impl Predictor for GbmRegressor {
    fn n_features(&self) -> usize {
        self.booster.n_features
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let raw = self.booster.raw_flat(x)?;
        Ok(raw.iter().map(|&r| self.link(r)).collect())
    }
}

crate::select::booster_select!(GbmRegressor);
