//! Greedy ensemble selection with replacement (Caruana et al., 2004, as auto-sklearn and
//! AutoGluon build their final ensembles): every candidate's out-of-fold predictions are
//! computed once; starting from an empty ensemble, each of `ensemble_size` rounds adds the
//! candidate (again, if it is already in) whose addition gives the best out-of-fold score of the
//! averaged predictions. A candidate's weight is the share of rounds that chose it; the chosen
//! candidates are refitted on every row and vote softly (classifier) or by weighted mean
//! (regressor) with those weights. Ties go to the earlier candidate, so the choice is
//! deterministic.

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result};
use satori_data::splits::SplitStrategy;
use satori_metrics::{EvalInput, Metric, metric_by_name};
use serde::{Deserialize, Serialize};

use super::voting::{FittedVoting, Voting, argmax};
use super::{
    MemberParams, fit_members, member_names, out_of_fold, partition, prefix, validate_members,
};

fn default_size() -> usize {
    50
}

/// Greedy ensemble selection for a classification target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnsembleSelectionClassifierParams {
    /// The candidates (at least 1; each must give class probabilities). Default
    /// `[logistic, forest, gbm]`.
    pub members: Vec<MemberParams>,
    /// Selection rounds (auto-sklearn's `ensemble_size`): each adds one candidate, so a weight
    /// is a multiple of `1 / ensemble_size`. Default 50; at least 1.
    #[serde(default = "default_size")]
    pub ensemble_size: usize,
    /// The metric the selection optimises on the out-of-fold predictions (a registry name, e.g.
    /// `log_loss`, `roc_auc`, `accuracy`). Default `log_loss`.
    pub metric: String,
    /// The folds of the out-of-fold predictions (`k_fold` or `stratified_k_fold`). Default: 5
    /// unshuffled stratified folds.
    pub cv: Option<SplitStrategy>,
}

impl Default for EnsembleSelectionClassifierParams {
    fn default() -> Self {
        EnsembleSelectionClassifierParams {
            members: super::voting::VotingClassifierParams::default().members,
            ensemble_size: default_size(),
            metric: "log_loss".into(),
            cv: None,
        }
    }
}

/// Greedy ensemble selection for a regression target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnsembleSelectionRegressorParams {
    /// The candidates (at least 1). Default `[ridge, forest, gbm]`.
    pub members: Vec<MemberParams>,
    /// Selection rounds. Default 50; at least 1.
    #[serde(default = "default_size")]
    pub ensemble_size: usize,
    /// The metric the selection optimises (e.g. `rmse`, `mae`, `r2`). Default `rmse`.
    pub metric: String,
    /// The folds of the out-of-fold predictions. Default: 5 unshuffled folds.
    pub cv: Option<SplitStrategy>,
}

impl Default for EnsembleSelectionRegressorParams {
    fn default() -> Self {
        EnsembleSelectionRegressorParams {
            members: super::voting::VotingRegressorParams::default().members,
            ensemble_size: default_size(),
            metric: "rmse".into(),
            cv: None,
        }
    }
}

fn validate_common(
    members: &[MemberParams],
    size: usize,
    metric: &str,
    cv: Option<&SplitStrategy>,
) -> Result<Box<dyn Metric>> {
    validate_members(members, 1, None)?;
    if size == 0 {
        return Err(Error::param("model.ensemble_size", "must be ≥ 1, got 0"));
    }
    let m = metric_by_name(metric).map_err(|e| prefix(e, "model"))?;
    if let Some(cv) = cv {
        cv.validate().map_err(|e| prefix(e, "model.cv"))?;
        if !matches!(
            cv,
            SplitStrategy::KFold { .. } | SplitStrategy::StratifiedKFold { .. }
        ) {
            return Err(Error::param(
                "model.cv",
                format!(
                    "ensemble selection needs folds that predict every row exactly once \
                     (k_fold or stratified_k_fold), got {}",
                    cv.name()
                ),
            ));
        }
    }
    Ok(m)
}

impl Params for EnsembleSelectionClassifierParams {
    fn validate(&self) -> Result<()> {
        validate_common(
            &self.members,
            self.ensemble_size,
            &self.metric,
            self.cv.as_ref(),
        )
        .map(|_| ())
    }
}

impl Params for EnsembleSelectionRegressorParams {
    fn validate(&self) -> Result<()> {
        validate_common(
            &self.members,
            self.ensemble_size,
            &self.metric,
            self.cv.as_ref(),
        )
        .map(|_| ())
    }
}

/// What the greedy rounds score: the truth and the candidates' out-of-fold predictions.
struct Pool<'a> {
    metric: &'a dyn Metric,
    data: &'a Dataset,
    n_classes: Option<usize>,
    /// One matrix per candidate: probabilities (rows × classes) or values (rows × 1).
    predictions: Vec<Array2<f64>>,
}

impl Pool<'_> {
    fn score(&self, mean: ArrayView2<'_, f64>) -> Result<f64> {
        let target = self.data.require_target()?;
        let weights = self.data.weights();
        let score = match self.n_classes {
            Some(k) => {
                let codes: Array1<usize> = target.as_f64().mapv(|c| c as usize);
                let pred: Array1<usize> = mean
                    .rows()
                    .into_iter()
                    .map(|r| argmax(r.iter().copied()))
                    .collect();
                let positive = mean.column(k - 1).to_owned();
                let mut input = EvalInput::labels(codes.view(), pred.view(), k).with_proba(mean);
                if k == 2 {
                    input = input.with_scores(positive.view());
                }
                if let Some(w) = weights {
                    input = input.with_weights(w);
                }
                self.metric.score(&input)
            }
            None => {
                let y = target.as_f64();
                let v = mean.column(0).to_owned();
                let mut input = EvalInput::regression(y.view(), v.view());
                if let Some(w) = weights {
                    input = input.with_weights(w);
                }
                self.metric.score(&input)
            }
        };
        score.map_err(|e| prefix(e, "model.metric"))
    }

    /// The greedy rounds: how many times each candidate was chosen.
    fn select(&self, rounds: usize) -> Result<Vec<usize>> {
        let better = |a: f64, b: f64| {
            if self.metric.greater_is_better() {
                a > b
            } else {
                a < b
            }
        };
        let mut counts = vec![0usize; self.predictions.len()];
        let mut sum = Array2::<f64>::zeros(self.predictions[0].raw_dim());
        for round in 1..=rounds {
            let mut best: Option<(usize, f64)> = None;
            for (i, p) in self.predictions.iter().enumerate() {
                let mut mean = &sum + p;
                mean.mapv_inplace(|v| v / round as f64);
                let s = self.score(mean.view())?;
                if !s.is_finite() {
                    continue;
                }
                if best.is_none_or(|(_, b)| better(s, b)) {
                    best = Some((i, s));
                }
            }
            let Some((chosen, _)) = best else {
                return Err(Error::InvalidData(format!(
                    "ensemble selection: `{}` is undefined on every candidate's out-of-fold \
                     predictions; choose another metric",
                    self.metric.name()
                )));
            };
            sum += &self.predictions[chosen];
            counts[chosen] += 1;
        }
        Ok(counts)
    }
}

struct Setup<'a> {
    members: &'a [MemberParams],
    size: usize,
    metric: &'a str,
    cv: SplitStrategy,
    n_classes: Option<usize>,
}

fn fit_selection(s: Setup<'_>, data: &Dataset, progress: &dyn Progress) -> Result<FittedVoting> {
    let metric = validate_common(s.members, s.size, s.metric, Some(&s.cv))?;
    let names = member_names(s.members)?;
    let folds = partition(&s.cv, data)?;
    let oof = out_of_fold(s.members, &names, data, &folds, progress)?;
    let predictions: Vec<Array2<f64>> = oof
        .into_iter()
        .zip(&names)
        .map(|(out, name)| match s.n_classes {
            Some(k) => match out.proba {
                Some(p) if p.ncols() == k => Ok(p),
                Some(p) => Err(Error::InvalidData(format!(
                    "candidate `{name}` gives {} class columns and the target has {k} classes",
                    p.ncols()
                ))),
                None => Err(Error::param(
                    "model.members",
                    format!(
                        "candidate `{name}` gives no class probabilities, which ensemble \
                         selection averages; leave it out"
                    ),
                )),
            },
            None => Ok(out.values.insert_axis(ndarray::Axis(1))),
        })
        .collect::<Result<_>>()?;
    let pool = Pool {
        metric: metric.as_ref(),
        data,
        n_classes: s.n_classes,
        predictions,
    };
    progress.start(&format!("selecting the ensemble ({} rounds)", s.size), None);
    let counts = pool.select(s.size);
    progress.finish();
    let counts = counts?;
    let chosen: Vec<MemberParams> = s
        .members
        .iter()
        .zip(&names)
        .zip(&counts)
        .filter(|(_, c)| **c > 0)
        .map(|((m, name), _)| MemberParams {
            name: Some(name.clone()),
            ..m.clone()
        })
        .collect();
    let weights: Vec<f64> = counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| *c as f64 / s.size as f64)
        .collect();
    Ok(FittedVoting {
        members: fit_members(&chosen, data, progress)?,
        weights: Some(weights),
        voting: s.n_classes.map(|_| Voting::Soft),
        n_classes: s.n_classes,
    })
}

impl Estimator for EnsembleSelectionClassifierParams {
    type Model = FittedVoting;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<FittedVoting> {
        let k = data
            .require_target()?
            .labels()
            .map(<[String]>::len)
            .ok_or_else(|| {
                Error::InvalidData(
                    "ensemble_selection_classifier needs a classification target; use \
                     ensemble_selection_regressor"
                        .into(),
                )
            })?;
        let cv = self.cv.clone().unwrap_or(SplitStrategy::StratifiedKFold {
            n_splits: 5,
            shuffle: false,
            seed: 0,
        });
        fit_selection(
            Setup {
                members: &self.members,
                size: self.ensemble_size,
                metric: &self.metric,
                cv,
                n_classes: Some(k),
            },
            data,
            progress,
        )
    }
}

impl Estimator for EnsembleSelectionRegressorParams {
    type Model = FittedVoting;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<FittedVoting> {
        if data.require_target()?.labels().is_some() {
            return Err(Error::InvalidData(
                "ensemble_selection_regressor needs a regression target; use \
                 ensemble_selection_classifier"
                    .into(),
            ));
        }
        fit_selection(
            Setup {
                members: &self.members,
                size: self.ensemble_size,
                metric: &self.metric,
                cv: self.cv.clone().unwrap_or_default(),
                n_classes: None,
            },
            data,
            progress,
        )
    }
}
