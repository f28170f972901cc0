//! The parameter tree of multi-task training.

use std::collections::BTreeMap;

use satori_core::{Error, Params, Result, Schema, Task, closest_names};
use satori_nn::{MlpParams, MultiTaskMlpParams};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::MULTITASK_MODEL_NAMES;

use crate::auto::{InputNeeds, auto_steps};
use crate::overrides::apply_overrides;
use crate::steps::StepParams;

/// Per-target settings, addressed as `tasks.<name>.*` (e.g. `--set tasks.price.weight=2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default, deny_unknown_fields)]
pub struct TaskParams {
    /// Weight of this task's loss in the sum the network minimises. Default 1; finite and ≥ 0,
    /// with a positive sum over the tasks (0 keeps the head but does not train it).
    pub weight: f64,
    /// Force the task (`regression`, `binary`, `multiclass`) instead of inferring it from the
    /// column. Default: inferred.
    pub task: Option<Task>,
}

impl Default for TaskParams {
    fn default() -> Self {
        TaskParams {
            weight: 1.0,
            task: None,
        }
    }
}

/// The parameter tree of multi-task training, which `--set path=value` addresses:
/// `preprocessing.*`, `model.*` (the network, as for `--model mlp`), `tasks.<name>.weight`,
/// `tasks.<name>.task`, `holdout`, `stratify`, `seed`, `auto_preprocessing`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiTaskParams {
    /// Preprocessing steps fitted before the network, in order (empty: none).
    #[serde(default)]
    pub preprocessing: Vec<StepParams>,
    /// The network's hyperparameters (see `satori_nn::MlpParams`); per-task loss weights are
    /// set under `tasks`, so `model.loss_weights` must stay empty.
    pub model: MlpParams,
    /// Per-target settings, one entry per target.
    pub tasks: BTreeMap<String, TaskParams>,
    /// Fraction of rows held out for evaluation, in [0, 1); 0 trains on every row and reports no
    /// holdout scores. Default 0.2.
    pub holdout: f64,
    /// Stratify the holdout on the first classification target (if any). Default true.
    #[serde(default = "crate::train::default_true")]
    pub stratify: bool,
    /// Seed for the holdout split (the network has its own `model.seed`). Default 0.
    pub seed: u64,
    /// Put the neural-network family's automatic preprocessing in front of the network when
    /// `preprocessing` names no steps. Default true.
    #[serde(default = "crate::train::default_true")]
    pub auto_preprocessing: bool,
}

impl MultiTaskParams {
    /// Check every field against the targets `names` (in `--target` order).
    pub fn validate(&self, names: &[String]) -> Result<()> {
        crate::train::validate_holdout(self.holdout)?;
        crate::train::validate_steps(&self.preprocessing)?;
        if !self.model.loss_weights.is_empty() {
            return Err(Error::param(
                "model.loss_weights",
                "set per-task loss weights by name instead: tasks.<target>.weight=2",
            ));
        }
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
        for (name, t) in &self.tasks {
            if !(t.weight.is_finite() && t.weight >= 0.0) {
                return Err(Error::param(
                    format!("tasks.{name}.weight"),
                    format!("must be finite and ≥ 0, got {}", t.weight),
                ));
            }
        }
        if self.tasks.values().map(|t| t.weight).sum::<f64>() <= 0.0 {
            return Err(Error::param(
                "tasks",
                "the task weights sum to 0; at least one task needs a positive weight",
            ));
        }
        self.network(names).validate().map_err(|e| match e {
            Error::InvalidParameter { name, reason } => {
                Error::param(format!("model.{name}"), reason)
            }
            other => other,
        })
    }

    /// The network's parameters with the loss weights in `names` order.
    pub(crate) fn network(&self, names: &[String]) -> MultiTaskMlpParams {
        let mut p = self.model.clone();
        p.loss_weights = names
            .iter()
            .map(|n| self.tasks.get(n).map_or(1.0, |t| t.weight))
            .collect();
        MultiTaskMlpParams(p)
    }

    /// The parameters for `names` and the training features: the network's defaults, then a
    /// parameter file's tree (see [`parse_params_file`]), then the neural-network family's
    /// automatic preprocessing if no steps were named, then the `--set` overrides (which can
    /// adjust the automatic steps, or turn them off with `auto_preprocessing=false`).
    pub fn resolve(
        names: &[String],
        features: &Schema,
        holdout: f64,
        seed: u64,
        file: Option<&Value>,
        overrides: &[(String, String)],
    ) -> Result<MultiTaskParams> {
        let base = MultiTaskParams {
            preprocessing: Vec::new(),
            model: MlpParams::default(),
            tasks: names
                .iter()
                .map(|n| (n.clone(), TaskParams::default()))
                .collect(),
            holdout,
            stratify: true,
            seed,
            auto_preprocessing: true,
        };
        let mut base = match file {
            Some(tree) => merge(&base, tree, names)?,
            None => base,
        };
        let auto = base.auto_preprocessing && base.preprocessing.is_empty();
        if auto {
            base.preprocessing = auto_steps(InputNeeds::Scaled, features);
        }
        let mut params = apply_overrides(&base, overrides)?;
        if auto && !params.auto_preprocessing {
            params.preprocessing.clear();
        }
        params.validate(names)?;
        Ok(params)
    }
}

/// The settings a multi-task parameter file may hold.
const TOP_KEYS: &[&str] = &[
    "preprocessing",
    "model",
    "tasks",
    "holdout",
    "stratify",
    "seed",
    "auto_preprocessing",
];

/// Parse a multi-task parameter file (TOML; `source` names it in messages): the tree of
/// [`MultiTaskParams`], every setting optional —
///
/// ```toml
/// holdout = 0.25
/// [[preprocessing]]
/// step = "standard_scaler"
/// [model]                 # the network (`kind`, if given, must be `mlp`)
/// hidden_layer_sizes = [64, 64]
/// [tasks.price]
/// weight = 2.0
/// task = "regression"
/// ```
pub fn parse_params_file(text: &str, source: &str) -> Result<Value> {
    let map = crate::pipeline_file::parse_settings(text, source, "a parameter file")?;
    for key in map.keys() {
        if !TOP_KEYS.contains(&key.as_str()) {
            let near = closest_names(key, TOP_KEYS.iter().copied(), 3);
            return Err(Error::InvalidData(format!(
                "{source}: unknown setting `{key}` for several targets{}; valid: {}",
                near.first()
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default(),
                TOP_KEYS.join(", ")
            )));
        }
    }
    Ok(Value::Object(map))
}

/// Read a multi-task parameter file (see [`parse_params_file`]).
pub fn load_params_file(path: &std::path::Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_params_file(&text, &path.display().to_string())
}

/// Lay a parameter file's tree over the defaults: `model` and each `tasks.<target>` table
/// tune the defaults field by field; the other settings replace them.
fn merge(base: &MultiTaskParams, tree: &Value, names: &[String]) -> Result<MultiTaskParams> {
    let mut merged = serde_json::to_value(base).map_err(|e| Error::Internal(e.to_string()))?;
    let (Value::Object(dst), Value::Object(src)) = (&mut merged, tree) else {
        return Err(Error::Internal("parameter trees are tables".into()));
    };
    for (key, value) in src {
        match (key.as_str(), value) {
            ("model", Value::Object(over)) => {
                if let Some(kind) = over.get("kind").and_then(Value::as_str)
                    && !MULTITASK_MODEL_NAMES.contains(&kind)
                {
                    return Err(Error::param(
                        "model.kind",
                        format!("several targets are learned by one `mlp` network, got `{kind}`"),
                    ));
                }
                if let Some(Value::Object(model)) = dst.get_mut("model") {
                    for (k, v) in over.iter().filter(|(k, _)| k.as_str() != "kind") {
                        model.insert(k.clone(), v.clone());
                    }
                }
            }
            ("tasks", Value::Object(over)) => {
                for (name, settings) in over {
                    let Some(Value::Object(task)) =
                        dst.get_mut("tasks").and_then(|t| t.get_mut(name))
                    else {
                        return Err(Error::param(
                            format!("tasks.{name}"),
                            format!("not one of the targets ({})", names.join(", ")),
                        ));
                    };
                    let Value::Object(settings) = settings else {
                        return Err(Error::param(
                            format!("tasks.{name}"),
                            "must be a table, e.g. [tasks.price] weight = 2",
                        ));
                    };
                    for (k, v) in settings {
                        task.insert(k.clone(), v.clone());
                    }
                }
            }
            _ => {
                dst.insert(key.clone(), value.clone());
            }
        }
    }
    serde_json::from_value(merged).map_err(|e| Error::param("pipeline", e.to_string()))
}

/// The forced task of each target: from a parameter file's `tasks.<name>.task`, then the
/// `tasks.<name>.task` overrides (needed before the targets are read, which fixes their tasks).
pub(crate) fn forced_tasks(
    names: &[String],
    file: Option<&Value>,
    overrides: &[(String, String)],
) -> Result<Vec<Option<Task>>> {
    let mut forced = vec![None; names.len()];
    let parse = |path: &str, v: &Value| -> Result<Option<Task>> {
        serde_json::from_value(v.clone()).map_err(|_| {
            Error::param(
                path,
                format!("`{v}` is not a task; use regression, binary or multiclass"),
            )
        })
    };
    for (k, name) in names.iter().enumerate() {
        if let Some(v) = file.and_then(|t| t.get("tasks")?.get(name)?.get("task")) {
            forced[k] = parse(&format!("tasks.{name}.task"), v)?;
        }
    }
    for (path, value) in overrides {
        let Some(name) = path
            .strip_prefix("tasks.")
            .and_then(|rest| rest.strip_suffix(".task"))
        else {
            continue;
        };
        if let Some(k) = names.iter().position(|n| n == name) {
            forced[k] = parse(path, &crate::overrides::parse_value(value))?;
        }
    }
    Ok(forced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_read_partial_toml_and_validate_task_weights() {
        let names = vec!["a".to_string(), "b".to_string()];
        let p = MultiTaskParams::resolve(
            &names,
            &Schema::numeric(&["x".into()]),
            0.2,
            0,
            None,
            &[("tasks.b.weight".into(), "2".into())],
        )
        .unwrap();
        assert_eq!(p.network(&names).loss_weights, [1.0, 2.0]);
        let t: TaskParams = toml::from_str("weight = 0.5").unwrap();
        assert_eq!(t.weight, 0.5);
        assert_eq!(t.task, None);
        let bad = |path: &str, value: &str| {
            MultiTaskParams::resolve(
                &names,
                &Schema::numeric(&["x".into()]),
                0.2,
                0,
                None,
                &[(path.into(), value.into())],
            )
            .unwrap_err()
            .to_string()
        };
        assert!(bad("tasks.a.weight", "-1").contains("tasks.a.weight"));
        assert!(bad("tasks.c.weight", "1").contains("tasks.c"));
        assert!(bad("model.loss_weights", "[1,2]").contains("tasks.<target>.weight"));
        assert!(bad("holdout", "1").contains("holdout"));
        assert!(bad("model.learning_rate_init", "0").contains("learning_rate_init"));
        // The checks shared with single-target training name the same paths.
        assert!(bad("holdout", "-0.5").contains("must be in [0, 1), got -0.5"));
        let mut q = p.clone();
        q.preprocessing.push(StepParams::SimpleImputer(
            satori_preprocess::SimpleImputerParams {
                fill_value: Some(f64::INFINITY),
                ..Default::default()
            },
        ));
        let n = q.preprocessing.len() - 1;
        match q.validate(&names).unwrap_err() {
            Error::InvalidParameter { name, reason } => {
                assert_eq!(name, format!("preprocessing.{n}.fill_value"));
                assert!(reason.contains("finite"), "{reason}");
            }
            other => panic!("expected an invalid parameter, got {other}"),
        }
    }

    #[test]
    fn parameter_files_are_parsed_like_pipeline_files() {
        let tree = parse_params_file("holdout = 0.3\n[tasks.a]\nweight = 2.0\n", "p.toml").unwrap();
        assert_eq!(tree["holdout"], 0.3);
        assert_eq!(tree["tasks"]["a"]["weight"], 2.0);
        // A TOML error names the file and the line, as in a pipeline file.
        let text = "holdout = 0.3\nseed = = 2\n";
        for e in [
            parse_params_file(text, "p.toml").unwrap_err(),
            crate::pipeline_file::parse_pipeline(text, "p.toml").unwrap_err(),
        ] {
            match e {
                Error::Parse {
                    source_name, line, ..
                } => assert_eq!((source_name.as_str(), line), ("p.toml", 2)),
                other => panic!("expected a parse error, got {other}"),
            }
        }
        let e = parse_params_file("stratfy = false\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown setting `stratfy` for several targets"),
            "{e}"
        );
        assert!(e.contains("did you mean `stratify`?"), "{e}");
    }
}
