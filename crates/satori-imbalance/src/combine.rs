//! Over-sampling then cleaning: SMOTE followed by edited nearest neighbours or Tomek links.

use satori_core::{Dataset, Params, Result};
use serde::{Deserialize, Serialize};

use crate::clean::{EditedNearestNeighboursParams, TomekLinksParams};
use crate::common::compose;
use crate::over::SmoteParams;
use crate::strategy::SamplingStrategy;
use crate::{Resampled, Resampler, checked};

/// imbalanced-learn's `SMOTEENN`: SMOTE, then edited nearest neighbours on every class of the
/// result. Output rows are grouped by class (ENN's order).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmoteEnnParams {
    /// SMOTE's classes and counts when `smote` is not given. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// SMOTE's seed when `smote` is not given. Default 0.
    pub seed: u64,
    /// The SMOTE step (a table of its parameters); default `SMOTE(sampling_strategy, seed)`.
    pub smote: Option<SmoteParams>,
    /// The ENN step; default ENN with `sampling_strategy = "all"`.
    pub enn: Option<EditedNearestNeighboursParams>,
}

impl Params for SmoteEnnParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        if let Some(s) = &self.smote {
            s.validate()?;
        }
        if let Some(e) = &self.enn {
            e.validate()?;
        }
        Ok(())
    }
}

fn smote_of(s: &Option<SmoteParams>, strategy: &SamplingStrategy, seed: u64) -> SmoteParams {
    s.clone().unwrap_or_else(|| SmoteParams {
        sampling_strategy: strategy.clone(),
        seed,
        ..SmoteParams::default()
    })
}

impl Resampler for SmoteEnnParams {
    fn name(&self) -> &'static str {
        "smote_enn"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let first = smote_of(&self.smote, &self.sampling_strategy, self.seed).fit_resample(data)?;
        let enn = self
            .enn
            .clone()
            .unwrap_or_else(|| EditedNearestNeighboursParams {
                sampling_strategy: SamplingStrategy::All,
                ..Default::default()
            });
        let second = enn.fit_resample(&first.data)?;
        Ok(compose(&first, second))
    }
}

/// imbalanced-learn's `SMOTETomek`: SMOTE, then Tomek links removed from every class of the
/// result.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmoteTomekParams {
    /// SMOTE's classes and counts when `smote` is not given. Default `auto`.
    pub sampling_strategy: SamplingStrategy,
    /// SMOTE's seed when `smote` is not given. Default 0.
    pub seed: u64,
    /// The SMOTE step (a table of its parameters); default `SMOTE(sampling_strategy, seed)`.
    pub smote: Option<SmoteParams>,
    /// The Tomek-links step; default with `sampling_strategy = "all"`.
    pub tomek: Option<TomekLinksParams>,
}

impl Params for SmoteTomekParams {
    fn validate(&self) -> Result<()> {
        self.sampling_strategy.validate()?;
        if let Some(s) = &self.smote {
            s.validate()?;
        }
        if let Some(t) = &self.tomek {
            t.validate()?;
        }
        Ok(())
    }
}

impl Resampler for SmoteTomekParams {
    fn name(&self) -> &'static str {
        "smote_tomek"
    }

    fn fit_resample(&self, data: &Dataset) -> Result<Resampled> {
        checked(self)?;
        let first = smote_of(&self.smote, &self.sampling_strategy, self.seed).fit_resample(data)?;
        let tomek = self.tomek.clone().unwrap_or(TomekLinksParams {
            sampling_strategy: SamplingStrategy::All,
        });
        let second = tomek.fit_resample(&first.data)?;
        Ok(compose(&first, second))
    }
}
