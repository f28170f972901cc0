//! Pruners: whether a running trial should stop, from its intermediate values.
//!
//! A pruner compares a trial with the trials told before it was asked (see the determinism rule
//! in [`crate::study`]), so its decisions do not depend on how far concurrent trials have got.

use std::collections::BTreeMap;

use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use satori_core::rng::derive_seed;

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
    /// Hyperband: trials split across brackets of successive halving that start pruning at
    /// different rungs (Optuna's `HyperbandPruner`).
    Hyperband(HyperbandPruner),
}

impl Pruner {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        match self {
            Pruner::None => Ok(()),
            Pruner::Median(m) => m.validate(),
            Pruner::SuccessiveHalving(s) => s.validate(),
            Pruner::Hyperband(h) => h.validate(),
        }
    }

    /// Whether trial `number` with these reports should stop, given the earlier finished trials
    /// (Hyperband uses the number to pick the trial's bracket; the others ignore it).
    pub fn should_prune(
        &self,
        direction: Direction,
        number: u64,
        reports: &BTreeMap<u64, f64>,
        others: &[&TrialRecord],
    ) -> bool {
        match self {
            Pruner::None => false,
            Pruner::Median(m) => m.should_prune(direction, reports, others),
            Pruner::SuccessiveHalving(s) => s.should_prune(direction, reports, others),
            Pruner::Hyperband(h) => h.should_prune(direction, number, reports, others),
        }
    }
}

impl std::str::FromStr for Pruner {
    type Err = Error;

    /// A pruner by name, with its defaults: `none`, `median`, `successive-halving` (`sha`), or
    /// `hyperband`.
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "none" => Ok(Pruner::None),
            "median" => Ok(Pruner::Median(MedianPruner::default())),
            "successive-halving" | "sha" | "asha" => {
                Ok(Pruner::SuccessiveHalving(SuccessiveHalvingPruner::default()))
            }
            "hyperband" => Ok(Pruner::Hyperband(HyperbandPruner::default())),
            other => Err(Error::param(
                "pruner",
                format!(
                    "unknown pruner `{}`; pruners are none, median, successive-halving, hyperband",
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

/// Hyperband (Optuna's `HyperbandPruner`): several successive-halving pruners ("brackets") that
/// trade how many trials they start against how early they prune, so that no single choice of
/// aggressiveness has to be right.
///
/// There are `n = s_max + 1` brackets, `s_max` the largest `s` with
/// `min_resource · reduction_factor^s ≤ max_resource` (computed in integers). Bracket `b` is
/// [`SuccessiveHalvingPruner`] with `min_early_stopping_rate = b`: bracket 0 prunes from step
/// `min_resource` on, the last bracket only at `max_resource` or just under. Bracket `b` gets a
/// budget of `⌈n · reduction_factor^s / (s + 1)⌉` trials, `s = n − 1 − b`, so the early-pruning
/// brackets take the most trials.
///
/// Trial `k`'s bracket depends on its number alone (so the determinism rule holds): the slot
/// `derive_seed(0, k) mod total` (a SplitMix64 hash of `k`, `total` the sum of the budgets)
/// falls in the budgets laid end to end, bracket 0 first ([`HyperbandPruner::bracket`]). Optuna
/// hashes the study name with the number instead. A trial competes only with the earlier
/// finished trials of its own bracket. Unlike Optuna, the sampler still learns from every
/// trial (Optuna's TPE looks only at the trial's bracket when Hyperband prunes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HyperbandPruner {
    /// The first rung of the most aggressive bracket. Default 1; at least 1.
    pub min_resource: u64,
    /// The most steps a trial runs (e.g. boosting rounds); it sets the number of brackets.
    /// Default 81 (rungs 1, 3, 9, 27, 81: five brackets). At least `min_resource`.
    pub max_resource: u64,
    /// How much the resource grows and the field shrinks per rung. Default 3; at least 2.
    pub reduction_factor: u64,
}

impl Default for HyperbandPruner {
    fn default() -> Self {
        HyperbandPruner {
            min_resource: 1,
            max_resource: 81,
            reduction_factor: 3,
        }
    }
}

impl HyperbandPruner {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if self.min_resource < 1 {
            return Err(Error::param("min_resource", "must be at least 1, got 0"));
        }
        if self.max_resource < self.min_resource {
            return Err(Error::param(
                "max_resource",
                format!(
                    "must be at least min_resource ({}), got {}",
                    self.min_resource, self.max_resource
                ),
            ));
        }
        if self.reduction_factor < 2 {
            return Err(Error::param(
                "reduction_factor",
                format!("must be at least 2, got {}", self.reduction_factor),
            ));
        }
        Ok(())
    }

    /// How many brackets there are: one more than the largest `s` with
    /// `min_resource · reduction_factor^s ≤ max_resource` (1 for settings that do not validate).
    pub fn n_brackets(&self) -> u32 {
        if self.min_resource < 1 || self.reduction_factor < 2 {
            return 1;
        }
        let mut s = 0;
        let mut rung = self.min_resource;
        while let Some(next) = rung.checked_mul(self.reduction_factor)
            && next <= self.max_resource
        {
            rung = next;
            s += 1;
        }
        s + 1
    }

    /// How many trials of each cycle of `total` go to each bracket, bracket 0 first:
    /// `⌈n · reduction_factor^s / (s + 1)⌉` with `s = n − 1 − b`.
    pub fn budgets(&self) -> Vec<u128> {
        let n = self.n_brackets();
        let eta = u128::from(self.reduction_factor.max(2));
        (0..n)
            .map(|b| {
                let s = n - 1 - b;
                // eta^s ≤ max_resource / min_resource < 2^64 and n ≤ 64, so this cannot overflow.
                (u128::from(n) * eta.pow(s)).div_ceil(u128::from(s) + 1)
            })
            .collect()
    }

    /// The bracket of trial `number` (0 is the most aggressive).
    pub fn bracket(&self, number: u64) -> u32 {
        let budgets = self.budgets();
        let total: u128 = budgets.iter().sum();
        let mut slot = u128::from(derive_seed(0, number)) % total;
        for (b, &budget) in budgets.iter().enumerate() {
            if slot < budget {
                return b as u32;
            }
            slot -= budget;
        }
        // The slot is below the sum of the budgets, so the loop returns.
        budgets.len() as u32 - 1
    }

    /// The successive-halving pruner of bracket `b`.
    pub fn bracket_pruner(&self, b: u32) -> SuccessiveHalvingPruner {
        SuccessiveHalvingPruner {
            min_resource: self.min_resource,
            reduction_factor: self.reduction_factor,
            min_early_stopping_rate: b,
        }
    }

    fn should_prune(
        &self,
        direction: Direction,
        number: u64,
        reports: &BTreeMap<u64, f64>,
        others: &[&TrialRecord],
    ) -> bool {
        let b = self.bracket(number);
        let same: Vec<&TrialRecord> = others
            .iter()
            .copied()
            .filter(|r| self.bracket(r.number) == b)
            .collect();
        self.bracket_pruner(b)
            .should_prune(direction, reports, &same)
    }
}
