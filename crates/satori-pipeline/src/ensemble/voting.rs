//! Voting: scikit-learn's `VotingClassifier` (hard or soft, weighted) and `VotingRegressor`
//! (weighted mean), with the same arithmetic, so that members which match scikit-learn's give
//! the same predictions.

use ndarray::{Array1, Array2, ArrayView2};
use satori_core::{Dataset, Error, Estimator, Params, Progress, Result};
use serde::{Deserialize, Serialize};

use super::{FittedMember, MemberParams, fit_members, members_summary, validate_members};
use crate::models::Output;

/// How a voting classifier combines its members (scikit-learn's `voting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Voting {
    /// The class most members predict (weighted count; ties to the first class). No
    /// probabilities. scikit-learn's default.
    #[default]
    Hard,
    /// The class of the highest (weighted) mean probability; every member must give
    /// probabilities.
    Soft,
}

fn classifier_members() -> Vec<MemberParams> {
    ["logistic", "forest", "gbm"]
        .into_iter()
        .map(MemberParams::named)
        .collect()
}

fn regressor_members() -> Vec<MemberParams> {
    ["ridge", "forest", "gbm"]
        .into_iter()
        .map(MemberParams::named)
        .collect()
}

/// A voting classifier's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VotingClassifierParams {
    /// The members (at least 1). Default `[logistic, forest, gbm]`, each with its family's
    /// automatic preprocessing.
    pub members: Vec<MemberParams>,
    /// `hard` (majority of predicted classes, the default) or `soft` (mean probabilities).
    pub voting: Voting,
    /// One weight per member (finite, ≥ 0, positive sum). Default: equal weights.
    pub weights: Option<Vec<f64>>,
}

impl Default for VotingClassifierParams {
    fn default() -> Self {
        VotingClassifierParams {
            members: classifier_members(),
            voting: Voting::Hard,
            weights: None,
        }
    }
}

/// A voting regressor's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VotingRegressorParams {
    /// The members (at least 1). Default `[ridge, forest, gbm]`, each with its family's
    /// automatic preprocessing.
    pub members: Vec<MemberParams>,
    /// One weight per member (finite, ≥ 0, positive sum). Default: equal weights.
    pub weights: Option<Vec<f64>>,
}

impl Default for VotingRegressorParams {
    fn default() -> Self {
        VotingRegressorParams {
            members: regressor_members(),
            weights: None,
        }
    }
}

impl Params for VotingClassifierParams {
    fn validate(&self) -> Result<()> {
        validate_members(&self.members, 1, self.weights.as_deref())
    }
}

impl Params for VotingRegressorParams {
    fn validate(&self) -> Result<()> {
        validate_members(&self.members, 1, self.weights.as_deref())
    }
}

/// A fitted voting ensemble (classifier or regressor).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedVoting {
    /// The fitted members, in the order given.
    pub members: Vec<FittedMember>,
    /// The weights, where given.
    pub weights: Option<Vec<f64>>,
    /// How a classifier votes (`None` for a regressor).
    pub voting: Option<Voting>,
    /// The number of classes (`None` for a regressor).
    pub n_classes: Option<usize>,
}

impl Estimator for VotingClassifierParams {
    type Model = FittedVoting;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<FittedVoting> {
        self.validate()?;
        let n_classes = data
            .require_target()?
            .labels()
            .map(<[String]>::len)
            .ok_or_else(|| {
                Error::InvalidData(
                    "voting_classifier needs a classification target; use voting_regressor".into(),
                )
            })?;
        let members = fit_members(&self.members, data, progress)?;
        if self.voting == Voting::Soft {
            let probe = data.x().slice(ndarray::s![..1, ..]).to_owned();
            for m in &members {
                if m.output(probe.view())?.proba.is_none() {
                    return Err(Error::param(
                        "model.voting",
                        format!(
                            "member `{}` (a {}) gives no class probabilities, which soft \
                             voting averages; use voting = \"hard\" or another member",
                            m.name,
                            m.model.kind()
                        ),
                    ));
                }
            }
        }
        Ok(FittedVoting {
            members,
            weights: self.weights.clone(),
            voting: Some(self.voting),
            n_classes: Some(n_classes),
        })
    }
}

impl Estimator for VotingRegressorParams {
    type Model = FittedVoting;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<FittedVoting> {
        self.validate()?;
        if data.require_target()?.labels().is_some() {
            return Err(Error::InvalidData(
                "voting_regressor needs a regression target; use voting_classifier".into(),
            ));
        }
        Ok(FittedVoting {
            members: fit_members(&self.members, data, progress)?,
            weights: self.weights.clone(),
            voting: None,
            n_classes: None,
        })
    }
}

/// The index of the largest value, the first of equal ones (NumPy's `argmax`).
pub(crate) fn argmax(row: impl IntoIterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in row.into_iter().enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

impl FittedVoting {
    /// The members' weights (1 each where none were given).
    fn weights_or_ones(&self) -> Vec<f64> {
        self.weights
            .clone()
            .unwrap_or_else(|| vec![1.0; self.members.len()])
    }

    /// `np.average(stack, axis=0, weights=w)` over the members' matrices, in member order.
    fn average(&self, parts: &[Array2<f64>]) -> Array2<f64> {
        let w = self.weights_or_ones();
        let mut sum = Array2::<f64>::zeros(parts[0].raw_dim());
        for (p, wi) in parts.iter().zip(&w) {
            sum.zip_mut_with(p, |s, v| *s += v * wi);
        }
        let total: f64 = w.iter().sum();
        sum.mapv_inplace(|v| v / total);
        sum
    }

    /// Predictions (and, for soft voting, probabilities).
    pub fn output(&self, x: ArrayView2<'_, f64>) -> Result<Output> {
        let outs: Vec<Output> = self
            .members
            .iter()
            .map(|m| m.output(x))
            .collect::<Result<_>>()?;
        match (self.voting, self.n_classes) {
            (Some(Voting::Soft), Some(k)) => {
                let probas: Vec<Array2<f64>> = outs
                    .into_iter()
                    .zip(&self.members)
                    .map(|(o, m)| match o.proba {
                        Some(p) if p.ncols() == k => Ok(p),
                        Some(p) => Err(Error::InvalidData(format!(
                            "member `{}` gives {} class columns, the ensemble has {k} classes",
                            m.name,
                            p.ncols()
                        ))),
                        None => Err(Error::InvalidData(format!(
                            "member `{}` gives no probabilities, which soft voting needs",
                            m.name
                        ))),
                    })
                    .collect::<Result<_>>()?;
                let proba = self.average(&probas);
                let values: Array1<f64> = proba
                    .rows()
                    .into_iter()
                    .map(|r| argmax(r.iter().copied()) as f64)
                    .collect();
                Ok(Output {
                    values,
                    proba: Some(proba),
                })
            }
            (Some(Voting::Hard), Some(k)) => {
                let w = self.weights_or_ones();
                let values: Array1<f64> = (0..x.nrows())
                    .map(|i| {
                        let mut counts = vec![0.0; k];
                        for (o, wi) in outs.iter().zip(&w) {
                            let c = o.values[i] as usize;
                            if c < k {
                                counts[c] += wi;
                            }
                        }
                        argmax(counts) as f64
                    })
                    .collect();
                Ok(Output {
                    values,
                    proba: None,
                })
            }
            _ => {
                let columns: Vec<Array2<f64>> = outs
                    .into_iter()
                    .map(|o| o.values.insert_axis(ndarray::Axis(1)))
                    .collect();
                let mean = self.average(&columns);
                Ok(Output {
                    values: mean.column(0).to_owned(),
                    proba: None,
                })
            }
        }
    }

    /// The columns it takes.
    pub fn n_features(&self) -> usize {
        self.members.first().map_or(0, FittedMember::n_features)
    }

    /// A summary: how it votes and its members.
    pub fn summary(&self) -> String {
        let how = match self.voting {
            Some(Voting::Hard) => "hard voting classifier",
            Some(Voting::Soft) => "soft voting classifier",
            None => "voting regressor (weighted mean)",
        };
        format!(
            "{how} of {} members:\n{}",
            self.members.len(),
            members_summary(&self.members, self.weights.as_deref())
        )
    }
}
