//! The training history that iterative models record, for learning curves.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What an iterative model recorded while it trained: one value of a loss or metric per
/// iteration (boosting round, epoch), on the training data and optionally on validation data.
///
/// ```
/// let h: satori_core::TrainingHistory =
///     serde_json::from_str(r#"{"metric": "log_loss", "train": [0.69, 0.41, 0.30]}"#).unwrap();
/// assert_eq!(h.valid, None);
/// assert_eq!(h.train.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingHistory {
    /// What was measured, e.g. `log_loss` or `rmse` (a scorer name).
    pub metric: String,
    /// The value on the training data after each iteration (iteration 1 first).
    pub train: Vec<f64>,
    /// The value on the validation data after each iteration, if the model had any; the same
    /// length as `train`.
    #[serde(default)]
    pub valid: Option<Vec<f64>>,
}

impl TrainingHistory {
    /// Checks that there is at least one iteration, that `valid` has `train`'s length, and that
    /// every value is finite.
    pub fn validate(&self) -> Result<()> {
        if self.train.is_empty() {
            return Err(Error::NotEnoughSamples {
                context: "a learning curve (iterations)".into(),
                needed: 1,
                got: 0,
            });
        }
        if let Some(v) = &self.valid
            && v.len() != self.train.len()
        {
            return Err(Error::ShapeMismatch {
                context: "training history: validation vs training iterations".into(),
                expected: self.train.len(),
                got: v.len(),
            });
        }
        let series = std::iter::once(("training", &self.train))
            .chain(self.valid.iter().map(|v| ("validation", v)));
        for (what, v) in series {
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                return Err(Error::InvalidData(format!(
                    "training history: the {what} `{}` of iteration {} is {}; a learning curve needs finite values",
                    self.metric,
                    i + 1,
                    v[i]
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_catches_bad_histories() {
        let ok = TrainingHistory {
            metric: "log_loss".into(),
            train: vec![0.7, 0.5],
            valid: Some(vec![0.72, 0.6]),
        };
        assert!(ok.validate().is_ok());
        let short = TrainingHistory {
            valid: Some(vec![0.7]),
            ..ok.clone()
        };
        assert!(short.validate().is_err());
        let nan = TrainingHistory {
            train: vec![0.7, f64::NAN],
            valid: None,
            ..ok
        };
        assert!(
            nan.validate()
                .unwrap_err()
                .to_string()
                .contains("iteration 2")
        );
    }
}
