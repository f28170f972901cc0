//! [`GbmClassifier`]: gradient boosting for classes — binary log-loss (one tree per round) or
//! multiclass softmax (one tree per class per round).
//!
//! ```
//! use satori_core::{Estimator, PredictProba, Predictor};
//! use satori_gbm::{GbmClassifierParams, ImportanceKind};
//! # let data = satori_testkit::generate::binary(200, 1);
//!
//! let params: GbmClassifierParams = toml::from_str("n_estimators = 20\nnum_leaves = 7").unwrap();
//! let model = params.fit(&data).unwrap();
//! let proba = model.predict_proba(data.x()).unwrap();
//! assert_eq!(proba.ncols(), 2);
//! assert_eq!(model.n_iter(), 20);
//! assert_eq!(model.training_history().train.len(), 20);
//! assert_eq!(model.feature_importances(ImportanceKind::Split).len(), data.n_features());
//! ```

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::collective::{Collective, Single};
use satori_core::{
    Dataset, Error, Estimator, Params, PredictProba, Predictor, Progress, Result, Target,
};
use serde::{Deserialize, Serialize};

use crate::booster::{Booster, booster_api};
use crate::fit::{FitSpec, fit_rows};
use crate::loss::Objective;
use crate::params::{ClassWeight, GbmClassifierParams};
use crate::update::{RefitSettings, refit, update_api};

/// A fitted gradient boosting classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmClassifier {
    booster: Booster,
    classes: Vec<String>,
}

fn class_target(data: &Dataset) -> Result<(&Array1<usize>, &[String])> {
    match data.require_target()? {
        Target::Classes { codes, labels } => Ok((codes, labels)),
        Target::Continuous(_) => Err(Error::InvalidData(
            "GbmClassifier needs class labels as the target, and this target is continuous \
             (use GbmRegressor for regression)"
                .into(),
        )),
    }
}

/// Every rank must hold the same class labels (in the same order): the codes index them.
fn same_labels(labels: &[String], comm: &dyn Collective) -> Result<()> {
    let mine = labels.join("\u{1f}");
    let all = comm.allgather_bytes(mine.as_bytes())?;
    for (r, other) in all.iter().enumerate() {
        if other != mine.as_bytes() {
            let theirs = String::from_utf8_lossy(other).replace('\u{1f}', ", ");
            return Err(Error::InvalidData(format!(
                "rank {r}'s class labels ({theirs}) differ from rank {}'s ({}): every rank must \
                 code the classes alike (`satori train --distributed` agrees on them first)",
                comm.rank(),
                labels.join(", ")
            )));
        }
    }
    Ok(())
}

impl GbmClassifierParams {
    /// Per-row weights: sample weights times class weights times `scale_pos_weight`.
    /// Balanced class weights count the classes of every rank's rows.
    fn row_weights(&self, data: &Dataset, comm: &dyn Collective) -> Result<(Vec<f64>, Vec<f64>)> {
        let (codes, labels) = class_target(data)?;
        let k = labels.len();
        let mut cw = vec![1.0; k];
        match &self.class_weight {
            ClassWeight::None => {}
            ClassWeight::Balanced => {
                let mut counts = vec![0.0f64; k + 1];
                codes.iter().for_each(|&c| counts[c] += 1.0);
                counts[k] = codes.len() as f64;
                // Counts are whole numbers: their sum over ranks is exact.
                comm.allreduce_sum(&mut counts)?;
                let total = counts[k];
                for (w, &n) in cw.iter_mut().zip(&counts[..k]) {
                    if n > 0.0 {
                        *w = total / (k as f64 * n);
                    }
                }
            }
            ClassWeight::Map(m) => {
                for (label, &w) in m {
                    let Some(i) = labels.iter().position(|l| l == label) else {
                        return Err(satori_core::class_weight::unknown_class(label, labels));
                    };
                    cw[i] = w;
                }
            }
        }
        if k == 2 {
            cw[1] *= self.scale_pos_weight;
        }
        let sw = data.weights_or_ones();
        let y = codes.iter().map(|&c| c as f64).collect();
        let w = codes
            .iter()
            .zip(sw.iter())
            .map(|(&c, &s)| s * cw[c])
            .collect();
        Ok((y, w))
    }

    fn fit_all(
        &self,
        data: &Dataset,
        valid: Option<&Dataset>,
        init: Option<&GbmClassifier>,
        progress: &dyn Progress,
        comm: &dyn Collective,
    ) -> Result<GbmClassifier> {
        self.validate()?;
        let (codes, labels) = class_target(data)?;
        if labels.len() < 2 {
            return Err(Error::NotEnoughSamples {
                context: "a classifier (class labels)".into(),
                needed: 2,
                got: labels.len(),
            });
        }
        let objective = if labels.len() == 2 {
            Objective::Binary
        } else {
            Objective::Multiclass(labels.len())
        };
        if let Some(m) = init
            && m.classes != labels
        {
            return Err(Error::InvalidData(format!(
                "the model to continue from has classes ({}), the data ({})",
                m.classes.join(", "),
                labels.join(", ")
            )));
        }
        if comm.size() > 1 {
            same_labels(labels, comm)?;
        }
        let (y, w) = self.row_weights(data, comm)?;
        let valid = match valid {
            Some(v) => {
                let (_, vl) = class_target(v)?;
                if vl != labels {
                    return Err(Error::InvalidData(format!(
                        "the validation set's classes ({}) differ from the training set's ({})",
                        vl.join(", "),
                        labels.join(", ")
                    )));
                }
                let (vy, vw) = self.row_weights(v, comm)?;
                Some((v, vy, vw))
            }
            None => None,
        };
        let common = self.common();
        let codes = codes.to_vec();
        let spec = FitSpec {
            common: &common,
            objective,
            init: init.map(|m| &m.booster),
            comm,
            classes: Some((&codes, labels.len())),
        };
        let booster = fit_rows(&spec, data, y, w, valid, progress)?;
        Ok(GbmClassifier {
            booster,
            classes: labels.to_vec(),
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
    ) -> Result<GbmClassifier> {
        self.fit_all(data, None, None, progress, comm)
    }

    /// Fit on `train`, scoring `valid` every round into the training history and, unless
    /// `early_stopping` is `off`, stopping early on it (no rows are held out of `train`).
    pub fn fit_with_validation(&self, train: &Dataset, valid: &Dataset) -> Result<GbmClassifier> {
        self.fit_all(train, Some(valid), None, &satori_core::NoProgress, &Single)
    }

    /// Continue training `model` on `data` (LightGBM's `init_model`): its trees and initial
    /// scores are kept and `n_estimators` more rounds are added, fitted to the residual of its
    /// predictions. `valid`, if given, is used as in [`Self::fit_with_validation`].
    pub fn continue_training(
        &self,
        model: &GbmClassifier,
        data: &Dataset,
        valid: Option<&Dataset>,
    ) -> Result<GbmClassifier> {
        self.fit_all(data, valid, Some(model), &satori_core::NoProgress, &Single)
    }
    /// Refit the leaf values of `model`'s trees on `data` (LightGBM's `Booster.refit`): the
    /// trees keep their splits, and every leaf's value becomes `decay_rate · old + (1 −
    /// decay_rate) · fitted`, `fitted` being the leaf's regularised Newton step on the new rows
    /// (these parameters' `learning_rate`, `l1_regularization` and `l2_regularization`) at the
    /// scores of the trees refitted before it. `decay_rate` is in [0, 1]; 1 keeps the model.
    pub fn refit(
        &self,
        model: &GbmClassifier,
        data: &Dataset,
        decay_rate: f64,
    ) -> Result<GbmClassifier> {
        self.validate()?;
        let (y, w) = self.row_weights(data, &Single)?;
        if let Target::Classes { labels, .. } = data.require_target()?
            && labels != model.classes.as_slice()
        {
            return Err(Error::InvalidData(format!(
                "the model to refit has classes ({}), the data ({})",
                model.classes.join(", "),
                labels.join(", ")
            )));
        }
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

impl Estimator for GbmClassifierParams {
    type Model = GbmClassifier;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<GbmClassifier> {
        self.fit_all(data, None, None, progress, &Single)
    }
}

impl GbmClassifier {
    booster_api!();
    update_api!();

    /// Class probabilities of one row (the fast single-row path; one allocation, the result).
    pub fn predict_proba_one(&self, row: &[f64]) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.classes.len()];
        self.predict_proba_one_into(row, &mut out)?;
        Ok(out)
    }

    /// Class probabilities of one row written into `out`, which must hold one value per class
    /// (`classes().len()`): the single-row path without any allocation.
    pub fn predict_proba_one_into(&self, row: &[f64], out: &mut [f64]) -> Result<()> {
        if out.len() != self.classes.len() {
            return Err(Error::ShapeMismatch {
                context: "length of the probability buffer (one value per class)".into(),
                expected: self.classes.len(),
                got: out.len(),
            });
        }
        let k = self.groups()?;
        self.booster.raw_one_into(row, out)?;
        proba_in_place(out, k);
        Ok(())
    }

    /// The number of raw scores per row, checked against the classes (a model file whose
    /// two parts disagree is an error, not a panic): 1 for two classes, else one per class.
    fn groups(&self) -> Result<usize> {
        let (k, c) = (self.booster.init_score.len(), self.classes.len());
        if (k == 1 && c == 2) || (k > 2 && k == c) {
            Ok(k)
        } else {
            Err(Error::InvalidData(format!(
                "corrupt gradient boosting model: {k} score groups for {c} classes"
            )))
        }
    }
}

/// Turn the raw scores in `out[..k]` into the probabilities of `out`'s classes: binary (one
/// score, two classes) through the logistic function, else softmax over `k` scores.
fn proba_in_place(out: &mut [f64], k: usize) {
    if k == 1 {
        let p = 1.0 / (1.0 + (-out[0]).exp());
        out[0] = 1.0 - p;
        out[1] = p;
    } else {
        let m = out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut s = 0.0;
        for o in out.iter_mut() {
            *o = (*o - m).exp();
            s += *o;
        }
        out.iter_mut().for_each(|o| *o /= s);
    }
}

fn argmax<'a>(p: impl IntoIterator<Item = &'a f64>) -> usize {
    p.into_iter()
        .enumerate()
        .fold(
            (0, f64::NEG_INFINITY),
            |b, (i, &v)| if v > b.1 { (i, v) } else { b },
        )
        .0
}

impl Predictor for GbmClassifier {
    fn n_features(&self) -> usize {
        self.booster.n_features
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(most_probable(&self.predict_proba(x)?))
    }
}

/// The most probable class of each row of probabilities (as `f64`).
fn most_probable(p: &Array2<f64>) -> Array1<f64> {
    p.rows().into_iter().map(|r| argmax(r) as f64).collect()
}

impl PredictProba for GbmClassifier {
    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let k = self.groups()?;
        let raw = self.booster.raw_flat(x)?;
        let c = self.classes.len();
        let mut out = vec![0.0; x.nrows() * c];
        for (o, r) in out.chunks_mut(c).zip(raw.chunks(k)) {
            o[..k].copy_from_slice(r);
            proba_in_place(o, k);
        }
        let out = Array2::from_shape_vec((x.nrows(), c), out)
            .map_err(|e| Error::Internal(format!("probability shape: {e}")))?;
        Ok(out)
    }

    fn predict_with_proba(&self, x: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array2<f64>)> {
        let p = self.predict_proba(x)?;
        Ok((most_probable(&p), p))
    }
}

crate::select::booster_select!(GbmClassifier);
