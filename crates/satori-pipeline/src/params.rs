//! The pipeline's parameters, [`PipelineParams`]: preprocessing steps, text vectorizers and a
//! model. They are an [`Estimator`](satori_core::Estimator) like any single model's — `fit` on a dataset gives a
//! [`FittedPipeline`] — so a tuner, a stacker or a server treats "a pipeline" and "a model" alike.
//!
//! ```
//! use ndarray::array;
//! use satori_core::{Dataset, Estimator, Predictor, Target};
//! use satori_pipeline::{ModelParams, PipelineParams};
//!
//! let x = array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]];
//! let data = Dataset::new(x.clone(), vec!["x".into()])
//!     .unwrap()
//!     .with_target(Target::regression(array![2.0, 4.0, 6.0, 8.0, 10.0, 12.0]))
//!     .unwrap()
//!     .with_target_name("y");
//! let params = PipelineParams {
//!     model: ModelParams::from_name("linear", &[satori_core::Task::Regression]).unwrap(),
//!     ..Default::default()
//! };
//! let pipeline = params.fit(&data).unwrap();
//! let p = pipeline.predict(x.view()).unwrap();
//! assert!((p[2] - 6.0).abs() < 1e-9);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use satori_core::{Error, Params, Result, Task};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::models::ModelParams;
use crate::steps::auto::auto_steps;
use crate::steps::{StepParams, validate_steps};
use crate::text::TextParams;

/// Per-target settings of a pipeline with several targets, addressed as `tasks.<name>.*` (e.g.
/// `--set tasks.price.weight=2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct TargetSettings {
    /// Weight of this target's loss in the sum a multi-output model minimises. Default 1; finite
    /// and ≥ 0, with a positive sum over the targets (0 keeps the head but does not train it).
    pub weight: f64,
    /// Force the task (`regression`, `binary`, `multiclass`) instead of inferring it from the
    /// column. Default: inferred.
    pub task: Option<Task>,
}

impl Default for TargetSettings {
    fn default() -> Self {
        TargetSettings {
            weight: 1.0,
            task: None,
        }
    }
}

/// The parameters of a pipeline: what is fitted, in order — preprocessing steps on the input
/// columns, text vectorizers on the text columns, then the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineParams {
    /// Preprocessing steps fitted before the model, in order (empty: none, or the automatic ones
    /// when `auto_preprocessing` is on).
    #[serde(default)]
    pub preprocessing: Vec<StepParams>,
    /// The model family and its hyperparameters.
    pub model: ModelParams,
    /// Seed of the pipeline's own randomness (the text stage's SVD); the workflow also copies it
    /// into every stochastic step and model that was not given a seed of its own. Default 0.
    #[serde(default)]
    pub seed: u64,
    /// Put the model family's automatic preprocessing (see [`crate::steps::auto`]) in front of
    /// the model when `preprocessing` names no steps. Default true.
    #[serde(default = "default_true")]
    pub auto_preprocessing: bool,
    /// How free-text columns become features (see [`crate::text`]): TF-IDF by default.
    #[serde(default)]
    pub text: TextParams,
    /// Per-target settings when there are several targets (one entry per target); empty for
    /// one target.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tasks: BTreeMap<String, TargetSettings>,
}

/// `true`, the serde default of the parameter trees' on-by-default switches.
pub fn default_true() -> bool {
    true
}

impl Default for PipelineParams {
    fn default() -> Self {
        PipelineParams {
            preprocessing: Vec::new(),
            model: ModelParams::default(),
            seed: 0,
            auto_preprocessing: true,
            text: TextParams::default(),
            tasks: BTreeMap::new(),
        }
    }
}

impl Params for PipelineParams {
    fn validate(&self) -> Result<()> {
        validate_steps(&self.preprocessing)?;
        self.text.validate()?;
        self.model.validate_params()?;
        for (name, t) in &self.tasks {
            if !(t.weight.is_finite() && t.weight >= 0.0) {
                return Err(Error::param(
                    format!("tasks.{name}.weight"),
                    format!("must be finite and ≥ 0, got {}", t.weight),
                ));
            }
        }
        if !self.tasks.is_empty() && self.tasks.values().map(|t| t.weight).sum::<f64>() <= 0.0 {
            return Err(Error::param(
                "tasks",
                "the task weights sum to 0; at least one task needs a positive weight",
            ));
        }
        if !self.tasks.is_empty()
            && let ModelParams::MultiTaskMlp(m) = &self.model
            && !m.loss_weights.is_empty()
        {
            return Err(Error::param(
                "model.loss_weights",
                "set per-target loss weights by name instead: tasks.<target>.weight=2",
            ));
        }
        Ok(())
    }
}

impl PipelineParams {
    /// Check the parameters against the targets: their tasks suit the model, and the per-target
    /// settings name exactly the targets (when there are several).
    pub fn validate_for(&self, names: &[String], tasks: &[Task]) -> Result<()> {
        self.validate()?;
        self.model.validate_for(tasks)?;
        if !self.tasks.is_empty() || names.len() > 1 {
            let keys: Vec<&String> = self.tasks.keys().collect();
            let mut sorted: Vec<&String> = names.iter().collect();
            sorted.sort();
            if keys != sorted {
                return Err(Error::param(
                    "tasks",
                    format!(
                        "needs one entry per target ({}), got {}",
                        names.join(", "),
                        keys.iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The steps fitted in front of the model on data with this `schema`: the given ones, or the
    /// family's automatic ones when none are given and `auto_preprocessing` is on.
    pub fn effective_steps(&self, schema: &satori_core::Schema) -> Vec<StepParams> {
        if self.auto_preprocessing && self.preprocessing.is_empty() {
            auto_steps(self.model.capabilities().needs, schema)
        } else {
            self.preprocessing.clone()
        }
    }

    /// The model's parameters for targets `names` (in model output order): a multi-output
    /// model's loss weights come from the per-target settings.
    pub fn model_for(&self, names: &[String]) -> ModelParams {
        match &self.model {
            ModelParams::MultiTaskMlp(p) if !self.tasks.is_empty() => {
                let mut p = p.clone();
                p.loss_weights = names
                    .iter()
                    .map(|n| self.tasks.get(n).map_or(1.0, |t| t.weight))
                    .collect();
                ModelParams::MultiTaskMlp(p)
            }
            other => other.clone(),
        }
    }
}

/// Set every `seed` of the model and the steps in a parameter tree to `seed`, except those at
/// `explicit` paths (`model.seed`, `preprocessing.2.seed`, …, given by the user): what makes one
/// `--seed` change every stochastic part of a pipeline.
pub fn spread_seed(tree: &mut Value, seed: u64, explicit: &BTreeSet<String>) {
    fn walk(node: &mut Value, path: &str, seed: u64, explicit: &BTreeSet<String>) {
        match node {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    let here = format!("{path}.{k}");
                    if k == "seed" && (v.is_u64() || v.is_null()) {
                        if !explicit.contains(&here) {
                            *v = Value::from(seed);
                        }
                    } else {
                        walk(v, &here, seed, explicit);
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter_mut().enumerate() {
                    walk(v, &format!("{path}.{i}"), seed, explicit);
                }
            }
            _ => {}
        }
    }
    if let Value::Object(map) = tree {
        for key in ["model", "preprocessing"] {
            if let Some(v) = map.get_mut(key) {
                walk(v, key, seed, explicit);
            }
        }
    }
}

/// The `seed` paths a (pipeline-file) tree sets: `model.seed`, `preprocessing.1.seed`, …
pub fn seed_paths(tree: &Value) -> BTreeSet<String> {
    fn walk(node: &Value, path: &str, out: &mut BTreeSet<String>) {
        match node {
            Value::Object(map) => {
                for (k, v) in map {
                    let here = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    if k == "seed" && !path.is_empty() {
                        out.insert(here);
                    } else {
                        walk(v, &here, out);
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{path}.{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(tree, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seeds_spread_except_where_given() {
        let mut tree = json!({
            "seed": 7,
            "model": {"kind": "random_forest_classifier", "seed": 0},
            "preprocessing": [{"step": "pca", "seed": 3}, {"step": "standard_scaler"}],
        });
        let explicit = seed_paths(&json!({"preprocessing": [{"step": "pca", "seed": 3}]}));
        assert_eq!(
            explicit.iter().map(String::as_str).collect::<Vec<_>>(),
            ["preprocessing.0.seed"]
        );
        spread_seed(&mut tree, 7, &explicit);
        assert_eq!(tree["model"]["seed"], 7);
        assert_eq!(tree["preprocessing"][0]["seed"], 3);
        assert!(tree["preprocessing"][1].get("seed").is_none());
        assert_eq!(tree["seed"], 7);
    }
}
