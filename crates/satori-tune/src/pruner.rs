//! Pruners: whether a running trial should stop, from its intermediate values.
//!
//! A pruner compares a trial with the trials told before it was asked (see the determinism rule
//! in [`crate::study`]), so its decisions do not depend on how far concurrent trials have got.

use std::collections::BTreeMap;

use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::trial::{Direction, TrialRecord, TrialState};

/// The pruner of a study.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pruner {
    /// Never prune.
    #[default]
    None,
    /// Stop a trial whose best value so far is worse than the median of earlier trials at the
    /// same step (Optuna's `MedianPruner`).
    Median(MedianPruner),
    /// Successive halving (ASHA): at each rung keep the best `1/reduction_factor`.
    SuccessiveHalving(SuccessiveHalvingPruner),
}

impl Pruner {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        match self {
            Pruner::None => Ok(()),
            Pruner::Median(m) => m.validate(),
            Pruner::SuccessiveHalving(s) => s.validate(),
        }
    }

    /// Whether a trial with these reports should stop, given the earlier finished trials.
    pub fn should_prune(
        &self,
        direction: Direction,
        reports: &BTreeMap<u64, f64>,
        others: &[&TrialRecord],
    ) -> bool {
        match self {
            Pruner::None => false,
            Pruner::Median(m) => m.should_prune(direction, reports, others),
            Pruner::SuccessiveHalving(s) => s.should_prune(direction, reports, others),
        }
    }
}

impl std::str::FromStr for Pruner {
    type Err = Error;

    /// A pruner by name, with its defaults: `none`, `median`, or `successive-halving` (`sha`).
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "none" => Ok(Pruner::None),
            "median" => Ok(Pruner::Median(MedianPruner::default())),
            "successive-halving" | "sha" | "asha" => {
                Ok(Pruner::SuccessiveHalving(SuccessiveHalvingPruner::default()))
            }
            other => Err(Error::param(
                "pruner",
                format!(
                    "unknown pruner `{}`; pruners are none, median, successive-halving",
                    satori_core::snippet(other)
                ),
            )),
        }
    }
}

/// Median pruning, with Optuna's defaults: after `n_startup_trials` complete trials and
/// `n_warmup_steps` steps, at every `interval_steps`-th step, a trial whose best intermediate
/// value so far is worse than the median of the complete trials' values at the same step is
/// pruned (when at least `n_min_trials` of them reported that step). A NaN best value prunes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MedianPruner {
    /// Complete trials needed before pruning starts. Default 5.
    pub n_startup_trials: usize,
    /// Steps before a trial can be pruned. Default 0.
    pub n_warmup_steps: u64,
    /// Check every this many steps after the warm-up. Default 1; at least 1.
    pub interval_steps: u64,
    /// Complete trials that must have reported the step. Default 1; at least 1.
    pub n_min_trials: usize,
}

impl Default for MedianPruner {
    fn default() -> Self {
        MedianPruner {
            n_startup_trials: 5,
            n_warmup_steps: 0,
            interval_steps: 1,
            n_min_trials: 1,
        }
    }
}

impl MedianPruner {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if self.interval_steps < 1 {
            return Err(Error::param("interval_steps", "must be at least 1, got 0"));
        }
        if self.n_min_trials < 1 {
            return Err(Error::param("n_min_trials", "must be at least 1, got 0"));
        }
        Ok(())
    }

    fn should_prune(
        &self,
        direction: Direction,
        reports: &BTreeMap<u64, f64>,
        others: &[&TrialRecord],
    ) -> bool {
        let Some((&step, _)) = reports.last_key_value() else {
            return false;
        };
        let complete: Vec<&&TrialRecord> = others
            .iter()
            .filter(|r| r.state == TrialState::Complete)
            .collect();
        if complete.len() < self.n_startup_trials || step < self.n_warmup_steps {
            return false;
        }
        if !(step - self.n_warmup_steps).is_multiple_of(self.interval_steps) {
            return false;
        }
        // The trial's best value so far, as a loss.
        let best = reports
            .values()
            .map(|&v| direction.loss(v))
            .filter(|v| !v.is_nan())
            .fold(f64::NAN, f64::min);
        if best.is_nan() {
            return true;
        }
        let mut at_step: Vec<f64> = complete
            .iter()
            .filter_map(|r| r.intermediate_values.get(&step))
            .map(|&v| direction.loss(v))
            .filter(|v| !v.is_nan())
            .collect();
        if at_step.len() < self.n_min_trials {
            return false;
        }
        at_step.sort_by(f64::total_cmp);
        let n = at_step.len();
        let median = if n % 2 == 1 {
            at_step[n / 2]
        } else {
            0.5 * (at_step[n / 2 - 1] + at_step[n / 2])
        };
        best > median
    }
}

/// Asynchronous successive halving (ASHA; Optuna's `SuccessiveHalvingPruner`). Rung `k` is at
/// step `min_resource · reduction_factor^(min_early_stopping_rate + k)`. A trial's value at a
/// rung is the value it reported at the first step at or past the rung. When a trial reaches a
/// rung, it competes with the earlier finished trials that reached that rung: it goes on if its
/// value is among the best `⌊n / reduction_factor⌋` (at least the best one) of the `n`
/// competitors including itself, and is pruned otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SuccessiveHalvingPruner {
    /// The step of the first rung (the least resource a trial gets). Default 1; at least 1.
    pub min_resource: u64,
    /// How much the resource grows and the field shrinks per rung. Default 3; at least 2.
    pub reduction_factor: u64,
    /// Skip this many rungs at the start. Default 0.
    pub min_early_stopping_rate: u32,
}

impl Default for SuccessiveHalvingPruner {
    fn default() -> Self {
        SuccessiveHalvingPruner {
            min_resource: 1,
            reduction_factor: 3,
            min_early_stopping_rate: 0,
        }
    }
}

impl SuccessiveHalvingPruner {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if self.min_resource < 1 {
            return Err(Error::param("min_resource", "must be at least 1, got 0"));
        }
        if self.reduction_factor < 2 {
            return Err(Error::param(
                "reduction_factor",
                format!("must be at least 2, got {}", self.reduction_factor),
            ));
        }
        Ok(())
    }

    /// The step of rung `k`, or `None` past `u64`.
    fn rung_step(&self, k: u32) -> Option<u64> {
        let e = self.min_early_stopping_rate.checked_add(k)?;
        self.reduction_factor
            .checked_pow(e)?
            .checked_mul(self.min_resource)
    }

    fn should_prune(
        &self,
        direction: Direction,
        reports: &BTreeMap<u64, f64>,
        others: &[&TrialRecord],
    ) -> bool {
        let Some((&step, _)) = reports.last_key_value() else {
            return false;
        };
        let rung_value = |values: &BTreeMap<u64, f64>, rung: u64| {
            values.range(rung..).next().map(|(_, &v)| direction.loss(v))
        };
        let mut k = 0;
        while let Some(rung) = self.rung_step(k) {
            if step < rung {
                return false;
            }
            let Some(mine) = rung_value(reports, rung) else {
                return false;
            };
            if mine.is_nan() {
                return true;
            }
            let mut competing: Vec<f64> = others
                .iter()
                .filter(|r| matches!(r.state, TrialState::Complete | TrialState::Pruned))
                .filter_map(|r| rung_value(&r.intermediate_values, rung))
                .filter(|v| !v.is_nan())
                .collect();
            competing.push(mine);
            competing.sort_by(f64::total_cmp);
            let keep = (competing.len() as u64 / self.reduction_factor).max(1) as usize;
            if mine > competing[keep - 1] {
                return true;
            }
            k += 1;
        }
        false
    }
}
