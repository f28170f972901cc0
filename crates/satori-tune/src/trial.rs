//! A trial and its record: what the study, the samplers and the pruners share (so that none of
//! them imports another's module for these types).

use std::collections::BTreeMap;

use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whether smaller or larger objective values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Smaller is better (losses, errors).
    #[default]
    Minimize,
    /// Larger is better (accuracy, ROC-AUC).
    Maximize,
}

impl Direction {
    /// The value as a loss: itself when minimising, negated when maximising.
    pub fn loss(self, value: f64) -> f64 {
        match self {
            Direction::Minimize => value,
            Direction::Maximize => -value,
        }
    }
}

impl std::str::FromStr for Direction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "minimize" | "minimise" | "min" => Ok(Direction::Minimize),
            "maximize" | "maximise" | "max" => Ok(Direction::Maximize),
            other => Err(Error::param(
                "direction",
                format!(
                    "`{}` is not minimize or maximize",
                    satori_core::snippet(other)
                ),
            )),
        }
    }
}

/// Where a trial stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialState {
    /// Asked and not yet told.
    Running,
    /// Finished with a value.
    Complete,
    /// Stopped early by the pruner (or by the objective).
    Pruned,
    /// The objective failed; the reason is kept.
    Failed,
}

/// What the objective says about a trial.
#[derive(Debug, Clone, PartialEq)]
pub enum TrialResult {
    /// Finished with this objective value (a non-finite value is recorded as a failure).
    Complete(f64),
    /// The evaluation failed (e.g. the model's fit returned an error): the reason.
    Failed(String),
    /// Stopped early, typically because [`crate::Study::should_prune`] said so.
    Pruned,
}

/// A trial handed out by [`crate::Study::ask`]: its number and parameters, and the intermediate values
/// the objective reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    pub(crate) number: u64,
    pub(crate) params: BTreeMap<String, Value>,
    pub(crate) intermediate: BTreeMap<u64, f64>,
}

impl Trial {
    /// The trial's number (0, 1, 2, … in ask order).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The parameters, keyed by `--set` path (inactive conditional parameters are absent).
    pub fn params(&self) -> &BTreeMap<String, Value> {
        &self.params
    }

    /// Record the objective's intermediate value at `step` (a boosting round, an epoch, a
    /// fold), for the pruner. Steps must increase; NaN is allowed (and gets the trial pruned).
    pub fn report(&mut self, step: u64, value: f64) -> Result<()> {
        if let Some((&last, _)) = self.intermediate.last_key_value()
            && step <= last
        {
            return Err(Error::param(
                "step",
                format!(
                    "trial {}: step {step} was reported after step {last}; steps must increase",
                    self.number
                ),
            ));
        }
        self.intermediate.insert(step, value);
        Ok(())
    }

    /// The intermediate values reported so far, by step.
    pub fn intermediate_values(&self) -> &BTreeMap<u64, f64> {
        &self.intermediate
    }
}

/// One trial as the study records it (what a study file stores and `--json` prints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// The trial's number.
    pub number: u64,
    /// Its state.
    pub state: TrialState,
    /// Its parameters, keyed by `--set` path.
    pub params: BTreeMap<String, Value>,
    /// The objective value (complete trials only).
    pub value: Option<f64>,
    /// The intermediate values reported, by step (NaN is stored as `null`).
    #[serde(with = "steps")]
    pub intermediate_values: BTreeMap<u64, f64>,
    /// Seconds from ask to tell (`None` while running and for restored trials without one).
    pub duration_s: Option<f64>,
    /// Why it failed (failed trials only).
    pub fail_reason: Option<String>,
}

impl TrialRecord {
    /// The last reported intermediate value and its step.
    pub fn last_intermediate(&self) -> Option<(u64, f64)> {
        self.intermediate_values
            .last_key_value()
            .map(|(s, v)| (*s, *v))
    }
}

/// Intermediate values as a list of `[step, value]` pairs, NaN as `null` (JSON has no NaN).
mod steps {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(m: &BTreeMap<u64, f64>, s: S) -> Result<S::Ok, S::Error> {
        let v: Vec<(u64, Option<f64>)> = m
            .iter()
            .map(|(k, v)| (*k, v.is_finite().then_some(*v)))
            .collect();
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u64, f64>, D::Error> {
        let v: Vec<(u64, Option<f64>)> = Vec::deserialize(d)?;
        Ok(v.into_iter()
            .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
            .collect())
    }
}
