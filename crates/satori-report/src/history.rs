//! Learning curves from a training history.

use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::chart::{Chart, LegendAt, Mark, Panel, Series, XyPanel, padded_range, thin_polyline};

/// What an iterative model recorded while it trained: one value of a loss or metric per
/// iteration (boosting round, epoch), on the training data and optionally on validation data.
///
/// ```
/// let h: satori_report::TrainingHistory =
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// The learning curves: the metric on the training (and validation) data per iteration.
pub fn learning_curve_chart(history: &TrainingHistory) -> Result<Chart> {
    history.validate()?;
    let n = history.train.len();
    let x_range = if n == 1 { (0.5, 1.5) } else { (1.0, n as f64) };
    let all = history
        .train
        .iter()
        .chain(history.valid.iter().flatten())
        .copied();
    let y_range = padded_range(all, &[])?;
    let line = |v: &[f64]| {
        let pts = v
            .iter()
            .enumerate()
            .map(|(i, &y)| ((i + 1) as f64, y))
            .collect();
        thin_polyline(pts, x_range, y_range, 2000)
    };
    let mark = |v: &[f64]| {
        if n <= 60 {
            Mark::LineMarkers(line(v))
        } else {
            Mark::Line(line(v))
        }
    };
    let mut series = vec![Series::new(
        Some("training".into()),
        0,
        mark(&history.train),
    )];
    if let Some(v) = &history.valid {
        series.push(Series::new(Some("validation".into()), 1, mark(v)));
    }
    Chart::single(
        format!("Learning curve: {}", history.metric),
        Panel::Xy(XyPanel {
            subtitle: None,
            x_label: "Iteration".into(),
            y_label: history.metric.clone(),
            x_range,
            y_range,
            series,
            legend: Some(LegendAt::UpperRight),
        }),
    )
}
