//! The front end's early-stopping choices, over the library estimators' defaults (which stay
//! scikit-learn's and LightGBM's, for golden tests and library users):
//!
//! - **boosting with a validation file** (`--valid`): `early_stopping = "auto"` becomes `"on"` —
//!   a user who gives a validation file expects training to stop on it, whatever the number of
//!   rows (the library's `auto` only turns on above 10 000 rows);
//! - **neural networks** (`mlp_classifier`, `mlp_regressor`, and the same for
//!   `ft_transformer_classifier`, `ft_transformer_regressor`): `early_stopping = true` —
//!   scikit-learn's `early_stopping=True` with `validation_fraction = 0.1` and
//!   `n_iter_no_change = 10`; 200 epochs without it overfit small data. With a validation file the
//!   network stops on the file instead. Left off when the training rows are too few to hold out
//!   a validation row (no class, or for regression the data, has [`MIN_ROWS_FOR_FRACTION`] rows).
//!
//! A user who sets `model.early_stopping` (a pipeline file's `[model]` table or `--set`) keeps
//! what they set. [`EarlyStopReport`] says afterwards where training stopped.

use satori_core::{Dataset, Error, Result, Target, TrainingHistory};
use serde::Serialize;
use serde_json::Value;

use satori_pipeline::steps::auto::without_constant_hour;

use crate::params::TrainParams;

/// The fewest rows of one class (or, for regression, of the data) for which a neural network's
/// early stopping on a held-out fraction is turned on by default: enough for a validation row
/// inside each cross-validation fold.
pub const MIN_ROWS_FOR_FRACTION: usize = 10;

/// Whether the user set `model.early_stopping` themselves.
fn set_by_user(file: Option<&Value>, overrides: &[(String, String)]) -> bool {
    file.and_then(|t| t.pointer("/model/early_stopping"))
        .is_some()
        || overrides.iter().any(|(p, _)| p == "model.early_stopping")
}

/// Whether some class (or, for a continuous target, the data) has enough rows to hold out a
/// validation fraction.
fn enough_rows(data: &Dataset) -> bool {
    match data.target() {
        Some(Target::Classes { codes, labels }) => {
            let mut counts = vec![0usize; labels.len().max(1)];
            for &c in codes {
                if let Some(n) = counts.get_mut(c) {
                    *n += 1;
                }
            }
            counts.iter().any(|&n| n >= MIN_ROWS_FOR_FRACTION)
        }
        Some(Target::Continuous(_)) => data.n_samples() >= MIN_ROWS_FOR_FRACTION,
        None => false,
    }
}

/// Apply the front end's defaults that depend on the training rows to resolved parameters: the
/// early-stopping choices of the module docs, and the automatic datetime expansion's hour only
/// when the dates have times ([`without_constant_hour`]). `file` and `overrides` are what
/// [`TrainParams::resolve`] was given; `validation` says whether a validation file replaces the
/// holdout; `data` are the training rows.
pub fn apply_front_end_defaults(
    params: &mut TrainParams,
    file: Option<&Value>,
    overrides: &[(String, String)],
    validation: bool,
    data: &Dataset,
) -> Result<()> {
    without_constant_hour(
        &mut params.pipeline.preprocessing,
        data.features(),
        data.x(),
    );
    if set_by_user(file, overrides) {
        return Ok(());
    }
    let value = match params.pipeline.model.kind() {
        "gbm_classifier" | "gbm_regressor" if validation => Value::from("on"),
        "mlp_classifier" | "mlp_regressor" if validation || enough_rows(data) => Value::from(true),
        "ft_transformer_classifier" | "ft_transformer_regressor"
            if validation || enough_rows(data) =>
        {
            Value::from(true)
        }
        _ => return Ok(()),
    };
    let mut tree = serde_json::to_value(&*params).map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(model) = tree.get_mut("model").and_then(Value::as_object_mut) {
        if validation && model.get("early_stopping") == Some(&Value::from("off")) {
            return Ok(());
        }
        model.insert("early_stopping".into(), value);
    }
    *params = serde_json::from_value(tree).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(())
}

/// Where an iterative model's training stopped, read from its training history and parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EarlyStopReport {
    /// Whether early stopping was on.
    pub early_stopping: bool,
    /// What the validation loss was measured on: `"validation file"` or `"validation
    /// fraction"` (rows held out of the training rows).
    pub monitored_on: String,
    /// The iteration (boosting round or epoch, from 1) with the lowest validation loss: the
    /// model kept with early stopping.
    pub best_iteration: usize,
    /// Iterations trained.
    pub trained: usize,
    /// Iterations at most (`n_estimators`, `max_iter`).
    pub max_iterations: usize,
    /// What one iteration is: `round` (boosting) or `epoch` (networks).
    pub unit: String,
    /// The loss the history records (`log_loss`, `squared_error`, …).
    pub metric: String,
}

impl EarlyStopReport {
    /// The report of a model with a validation history (none for models without one).
    pub fn from_history(
        history: Option<&TrainingHistory>,
        params: &TrainParams,
        validation_file: bool,
    ) -> Option<EarlyStopReport> {
        let history = history?;
        let valid = history.valid.as_ref()?;
        let tree = serde_json::to_value(&params.pipeline.model).ok()?;
        let max_iterations = tree
            .get("n_estimators")
            .or_else(|| tree.get("max_iter"))
            .and_then(Value::as_u64)? as usize;
        let early_stopping = match tree.get("early_stopping")? {
            Value::Bool(b) => *b,
            Value::String(s) => s != "off",
            _ => false,
        };
        let best = valid
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .fold(None, |best: Option<(usize, f64)>, (i, &v)| match best {
                Some((_, b)) if b <= v => best,
                _ => Some((i, v)),
            })?;
        Some(EarlyStopReport {
            early_stopping,
            monitored_on: if validation_file {
                "validation file".into()
            } else {
                "validation fraction".into()
            },
            best_iteration: best.0 + 1,
            trained: history.train.len(),
            max_iterations,
            unit: if tree.get("n_estimators").is_some() {
                "round".into()
            } else {
                "epoch".into()
            },
            metric: history.metric.clone(),
        })
    }

    /// One line for the terminal, e.g. `Early stopping on the validation file: stopped after
    /// round 27 of 200, keeping round 17 (lowest validation log_loss)`.
    pub fn line(&self) -> String {
        let (unit, metric) = (&self.unit, &self.metric);
        if self.early_stopping {
            let when = if self.trained < self.max_iterations {
                format!(
                    "stopped after {unit} {} of {}",
                    self.trained, self.max_iterations
                )
            } else {
                format!("ran all {} {unit}s", self.max_iterations)
            };
            format!(
                "Early stopping on the {}: {when}, keeping {unit} {} (lowest validation {metric})",
                self.monitored_on, self.best_iteration
            )
        } else {
            format!(
                "Early stopping off: trained all {} {unit}s; the validation {metric} was lowest at \
                 {unit} {}",
                self.trained, self.best_iteration
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::TargetInfo;
    use ndarray::{Array1, Array2};
    use satori_core::{Schema, Task};

    fn data(rows: usize) -> Dataset {
        let x = Array2::from_shape_fn((rows, 1), |(i, _)| i as f64);
        let codes = Array1::from_shape_fn(rows, |i| i % 2);
        Dataset::new(x, vec!["x".into()])
            .unwrap()
            .with_target(Target::Classes {
                codes,
                labels: vec!["a".into(), "b".into()],
            })
            .unwrap()
    }

    fn resolved(model: &str, sets: &[(&str, &str)]) -> (TrainParams, Vec<(String, String)>) {
        let sets: Vec<(String, String)> = sets
            .iter()
            .map(|(p, v)| (p.to_string(), v.to_string()))
            .collect();
        let targets = [TargetInfo {
            name: "y".into(),
            task: Task::Binary,
        }];
        let schema = Schema::numeric(&["x".into()]);
        let p = TrainParams::resolve(model, &targets, &schema, 0.0, 0, None, &sets).unwrap();
        (p, sets)
    }

    fn early(p: &TrainParams) -> Value {
        serde_json::to_value(p).unwrap()["model"]["early_stopping"].clone()
    }

    #[test]
    fn a_validation_file_turns_boosting_early_stopping_on_unless_the_user_chose() {
        let (mut p, sets) = resolved("gbm", &[]);
        apply_front_end_defaults(&mut p, None, &sets, false, &data(40)).unwrap();
        assert_eq!(early(&p), "auto", "the library default without a file");
        apply_front_end_defaults(&mut p, None, &sets, true, &data(40)).unwrap();
        assert_eq!(early(&p), "on");
        let (mut p, sets) = resolved("gbm", &[("model.early_stopping", "false")]);
        apply_front_end_defaults(&mut p, None, &sets, true, &data(40)).unwrap();
        assert_eq!(early(&p), "off");
    }

    #[test]
    fn networks_stop_early_by_default_when_the_rows_allow_it() {
        let (mut p, sets) = resolved("mlp", &[]);
        assert_eq!(early(&p), false, "the library default");
        apply_front_end_defaults(&mut p, None, &sets, false, &data(40)).unwrap();
        assert_eq!(early(&p), true);
        let (mut p, sets) = resolved("mlp", &[]);
        apply_front_end_defaults(&mut p, None, &sets, false, &data(12)).unwrap();
        assert_eq!(early(&p), false, "6 rows a class: too few to hold out");
        apply_front_end_defaults(&mut p, None, &sets, true, &data(12)).unwrap();
        assert_eq!(early(&p), true, "a validation file needs no held-out rows");
        let (mut p, sets) = resolved("mlp", &[("model.early_stopping", "false")]);
        apply_front_end_defaults(&mut p, None, &sets, true, &data(40)).unwrap();
        assert_eq!(early(&p), false);
        let (mut p, sets) = resolved("logistic", &[]);
        let before = p.clone();
        apply_front_end_defaults(&mut p, None, &sets, true, &data(40)).unwrap();
        assert_eq!(p, before);
    }

    #[test]
    fn the_report_reads_the_best_and_last_iteration() {
        let (p, _) = resolved("gbm", &[("model.n_estimators", "50")]);
        let history = TrainingHistory {
            metric: "log_loss".into(),
            train: vec![0.6, 0.5, 0.4, 0.3, 0.2],
            valid: Some(vec![0.6, 0.5, 0.55, 0.56, 0.57]),
        };
        let mut tree = serde_json::to_value(&p).unwrap();
        tree["model"]["early_stopping"] = Value::from("on");
        let p: TrainParams = serde_json::from_value(tree).unwrap();
        let r = EarlyStopReport::from_history(Some(&history), &p, true).unwrap();
        assert_eq!((r.best_iteration, r.trained, r.max_iterations), (2, 5, 50));
        assert_eq!(
            r.line(),
            "Early stopping on the validation file: stopped after round 5 of 50, keeping round 2 \
             (lowest validation log_loss)"
        );
        let no_valid = TrainingHistory {
            valid: None,
            ..history
        };
        assert!(EarlyStopReport::from_history(Some(&no_valid), &p, false).is_none());
    }
}
