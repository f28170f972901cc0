//! The parameter tree of training, [`TrainParams`]: a pipeline's parameters plus the holdout
//! split. It is the tree that `--set path=value` addresses and that a model file's header
//! records: `model.*`, `preprocessing.*`, `text.*`, `tasks.<target>.*`, `seed`,
//! `auto_preprocessing`, `holdout`, `stratify`.

use std::collections::BTreeSet;

use satori_core::{Error, Result, Schema, Task, clip, snippet};
use satori_pipeline::ensemble::resolve_member_names;
use satori_pipeline::overrides::apply_overrides;
use satori_pipeline::params::{seed_paths, spread_seed};
use satori_pipeline::steps::StepParams;
use satori_pipeline::steps::auto::auto_steps;
use satori_pipeline::{ModelParams, PipelineParams, TargetSettings, pipeline_file};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A pipeline's parameters and how training splits its rows. Serialised as one flat tree: the
/// pipeline's keys beside `holdout` and `stratify`.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainParams {
    /// What is fitted.
    pub pipeline: PipelineParams,
    /// Fraction of rows held out for evaluation, in [0, 1); 0 trains on every row and reports no
    /// holdout scores. Default 0.2.
    pub holdout: f64,
    /// Keep each class's proportion in the holdout (the first classification target's, when
    /// there are several). Default true; a class with a single row cannot be stratified, so
    /// `--set stratify=false` splits at random.
    pub stratify: bool,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            pipeline: PipelineParams::default(),
            holdout: 0.2,
            stratify: true,
        }
    }
}

impl Serialize for TrainParams {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut tree = serde_json::to_value(&self.pipeline).map_err(serde::ser::Error::custom)?;
        if let Value::Object(map) = &mut tree {
            map.insert("holdout".into(), Value::from(self.holdout));
            map.insert("stratify".into(), Value::from(self.stratify));
        }
        tree.serialize(s)
    }
}

impl<'de> Deserialize<'de> for TrainParams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut map = Map::<String, Value>::deserialize(d)?;
        let holdout = match map.remove("holdout") {
            Some(v) => v.as_f64().ok_or_else(|| {
                D::Error::custom(format!(
                    "holdout: `{}` is not a number",
                    snippet(&v.to_string())
                ))
            })?,
            None => 0.2,
        };
        let stratify = match map.remove("stratify") {
            Some(v) => v.as_bool().ok_or_else(|| {
                D::Error::custom(format!(
                    "stratify: `{}` is not true or false",
                    snippet(&v.to_string())
                ))
            })?,
            None => true,
        };
        let pipeline = serde_json::from_value(Value::Object(map)).map_err(D::Error::custom)?;
        Ok(TrainParams {
            pipeline,
            holdout,
            stratify,
        })
    }
}

/// Check a holdout fraction: in [0, 1).
pub(crate) fn validate_holdout(holdout: f64) -> Result<()> {
    if !(0.0..1.0).contains(&holdout) || holdout.is_nan() {
        return Err(Error::param(
            "holdout",
            format!("must be in [0, 1), got {holdout}"),
        ));
    }
    Ok(())
}

/// The targets and what training knows of them when resolving parameters.
#[derive(Debug, Clone)]
pub struct TargetInfo {
    /// The target column.
    pub name: String,
    /// Its task.
    pub task: Task,
}

impl TrainParams {
    /// Check every field against the targets.
    pub fn validate(&self, targets: &[TargetInfo]) -> Result<()> {
        validate_holdout(self.holdout)?;
        let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
        let tasks: Vec<Task> = targets.iter().map(|t| t.task).collect();
        self.pipeline.validate_for(&names, &tasks)
    }

    /// The parameters for the targets and training features: the `--model` name's defaults
    /// (several targets: the multi-task network for `mlp`), then a pipeline file's tree (its
    /// `model` table replaces the model when it names a `kind` — a full kind or a `--model`
    /// name — and tunes it otherwise; `tasks.<target>` tables tune each target), then the
    /// family's automatic preprocessing if no steps were named (see
    /// [`satori_pipeline::steps::auto`]; a file whose steps include the placeholder
    /// `step = "auto"` gets the automatic steps at its place, its own before and after them, see
    /// [`pipeline_file::split_at_auto`]), then the `--set` overrides (which can adjust the
    /// automatic steps, or turn them off with `auto_preprocessing=false`). Last, `seed` is copied
    /// into every stochastic step and model that the file or `--set` did not seed itself.
    pub fn resolve(
        model: &str,
        targets: &[TargetInfo],
        features: &Schema,
        holdout: f64,
        seed: u64,
        file: Option<&Value>,
        overrides: &[(String, String)],
    ) -> Result<TrainParams> {
        let tasks: Vec<Task> = targets.iter().map(|t| t.task).collect();
        let mut pipeline = PipelineParams {
            model: ModelParams::from_name(model, &tasks)?,
            seed,
            ..Default::default()
        };
        if targets.len() > 1 {
            pipeline.tasks = targets
                .iter()
                .map(|t| (t.name.clone(), TargetSettings::default()))
                .collect();
        }
        let base = TrainParams {
            pipeline,
            holdout,
            stratify: true,
        };
        // A file whose steps name the `auto` placeholder adds its steps before and after the
        // automatic ones: its steps are laid in once those are known.
        let marked = match file {
            Some(tree) => pipeline_file::split_at_auto(tree)?,
            None => None,
        };
        let base = match (file, &marked) {
            (Some(tree), Some(_)) => {
                let mut tree = tree.clone();
                if let Some(map) = tree.as_object_mut() {
                    map.remove("preprocessing");
                }
                merge_file(&base, &tree, &tasks)?
            }
            (Some(tree), None) => merge_file(&base, tree, &tasks)?,
            (None, _) => base,
        };
        // The file's step trees around `auto` (for the seeds it gives its steps).
        let marked_trees = marked.clone();
        let marked = match marked {
            Some((before, after)) => Some((file_steps(before)?, file_steps(after)?)),
            None => None,
        };
        // `--set model.kind=gbm` takes a `--model` name too, and is applied first: the
        // automatic preprocessing is the new model's.
        let overrides: Vec<(String, String)> = overrides
            .iter()
            .map(|(path, value)| {
                if path == "model.kind"
                    && !satori_pipeline::MODEL_KINDS.contains(&value.as_str())
                    && let Ok(m) = ModelParams::from_name(value, &tasks)
                {
                    return (path.clone(), m.kind().to_string());
                }
                (path.clone(), value.clone())
            })
            .collect();
        let (kinds, rest): (Vec<_>, Vec<_>) =
            overrides.into_iter().partition(|(p, _)| p == "model.kind");
        let mut base = apply_overrides(&base, &kinds)?;
        // Ensemble members named by `--model` names become full parameters, which `--set
        // model.members.0.model.max_depth=3` and the seed reach (again after the overrides, for
        // `--set model.members=[gbm,logistic]`).
        resolve_member_names(&mut base.pipeline.model, &tasks)?;
        let p = &mut base.pipeline;
        let auto = p.auto_preprocessing && p.preprocessing.is_empty();
        let mut auto_len = 0;
        if auto {
            let mut steps = auto_steps(p.model.capabilities().needs, features);
            if let Some((before, after)) = &marked {
                steps.retain(|s| !done_before(s, before));
                auto_len = steps.len();
                steps = before.iter().chain(&steps).chain(after).cloned().collect();
            }
            p.preprocessing = steps;
        }
        let overrides = rest.as_slice();
        // One at a time, expanding member names after each, so that `--set
        // model.members=[gbm,tree] --set model.members.1.model.max_depth=3` works in one call.
        let ensemble = serde_json::to_value(&base.pipeline.model)
            .is_ok_and(|tree| tree.get("members").is_some());
        let mut params = if ensemble {
            let mut params = base.clone();
            for one in overrides {
                params = apply_overrides(&params, std::slice::from_ref(one))?;
                resolve_member_names(&mut params.pipeline.model, &tasks)?;
            }
            params
        } else {
            apply_overrides(&base, overrides)?
        };
        resolve_member_names(&mut params.pipeline.model, &tasks)?;
        if auto && !params.pipeline.auto_preprocessing {
            params.pipeline.preprocessing = match &marked {
                Some((before, after)) => before.iter().chain(after).cloned().collect(),
                None => Vec::new(),
            };
        }
        // Seeds the file gave its own steps, at their places in the resolved list.
        let seeded = match (file, marked_trees) {
            (Some(tree), Some((before, after))) => {
                let mut tree = tree.clone();
                let slots = std::iter::repeat_n(Value::Null, auto_len);
                let steps: Vec<Value> = before.into_iter().chain(slots).chain(after).collect();
                if let Some(map) = tree.as_object_mut() {
                    map.insert("preprocessing".into(), Value::Array(steps));
                }
                Some(tree)
            }
            (file, _) => file.cloned(),
        };
        let mut explicit: BTreeSet<String> = seeded.as_ref().map(seed_paths).unwrap_or_default();
        explicit.extend(
            overrides
                .iter()
                .filter(|(p, _)| p.ends_with(".seed"))
                .map(|(p, _)| p.clone()),
        );
        let mut tree = serde_json::to_value(&params).map_err(|e| Error::Internal(e.to_string()))?;
        spread_seed(&mut tree, params.pipeline.seed, &explicit);
        let params: TrainParams =
            serde_json::from_value(tree).map_err(|e| Error::Internal(e.to_string()))?;
        params.validate(targets)?;
        Ok(params)
    }
}

/// The steps of a pipeline file around its `auto` placeholder, read.
fn file_steps(steps: Vec<Value>) -> Result<Vec<StepParams>> {
    serde_json::from_value(Value::Array(steps))
        .map_err(|e| Error::param("preprocessing", clip(&e.to_string(), 300)))
}

/// Whether the file's steps before the automatic ones already did what the automatic step `step`
/// does (expanded every datetime column, encoded every categorical column), so that it would
/// find no column to work on.
fn done_before(step: &StepParams, before: &[StepParams]) -> bool {
    const ENCODERS: &[&str] = &[
        "one_hot_encoder",
        "ordinal_encoder",
        "target_encoder",
        "frequency_encoder",
        "feature_hasher",
    ];
    let all_columns = |s: &StepParams| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.get("columns").cloned())
            .is_none_or(|c| c.is_null() || c.as_array().is_some_and(Vec::is_empty))
    };
    let same = |names: &[&str]| {
        before
            .iter()
            .any(|b| names.contains(&b.name()) && all_columns(b))
    };
    match step.name() {
        "datetime_features" => same(&["datetime_features"]),
        "one_hot_encoder" => same(ENCODERS),
        _ => false,
    }
}

/// Lay a pipeline file's tree over the defaults: a `model.kind` given as a `--model` name is
/// turned into the full kind for the targets' tasks; each `tasks.<target>` table tunes that
/// target's settings; everything else as [`pipeline_file::merge`].
fn merge_file(base: &TrainParams, tree: &Value, tasks: &[Task]) -> Result<TrainParams> {
    let mut tree = tree.clone();
    if let Some(kind) = tree.pointer("/model/kind").and_then(Value::as_str)
        && !satori_pipeline::MODEL_KINDS.contains(&kind)
        && let Ok(m) = ModelParams::from_name(kind, tasks)
        && let Some(model) = tree.get_mut("model").and_then(Value::as_object_mut)
    {
        model.insert("kind".into(), Value::from(m.kind()));
    }
    let task_tables = tree.as_object_mut().and_then(|m| m.remove("tasks"));
    let merged = pipeline_file::merge(base, &tree)?;
    let Some(tables) = task_tables else {
        return Ok(merged);
    };
    let Value::Object(tables) = tables else {
        return Err(Error::param(
            "tasks",
            "is a table of targets, e.g. [tasks.price] weight = 2",
        ));
    };
    let mut out = serde_json::to_value(&merged).map_err(|e| Error::Internal(e.to_string()))?;
    for (name, settings) in tables {
        let names: Vec<&String> = merged.pipeline.tasks.keys().collect();
        let Some(Value::Object(task)) = out.pointer_mut(&format!("/tasks/{}", escape(&name)))
        else {
            let known = if names.is_empty() {
                "this model has one target; per-target settings are for several".to_string()
            } else {
                format!(
                    "not one of the targets ({})",
                    names
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(Error::param(format!("tasks.{}", snippet(&name)), known));
        };
        let Value::Object(settings) = settings else {
            return Err(Error::param(
                format!("tasks.{}", snippet(&name)),
                "must be a table, e.g. [tasks.price] weight = 2",
            ));
        };
        for (k, v) in settings {
            task.insert(k, v);
        }
    }
    serde_json::from_value(out).map_err(|e| Error::param("pipeline", clip(&e.to_string(), 300)))
}

/// A JSON-pointer segment.
fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The forced task of each target: from a pipeline file's `tasks.<name>.task`, then the
/// `tasks.<name>.task` overrides (needed before the targets are read, which fixes their tasks).
pub fn forced_tasks(
    names: &[String],
    file: Option<&Value>,
    overrides: &[(String, String)],
) -> Result<Vec<Option<Task>>> {
    let mut forced = vec![None; names.len()];
    let parse = |path: &str, v: &Value| -> Result<Option<Task>> {
        serde_json::from_value(v.clone()).map_err(|_| {
            Error::param(
                path,
                format!(
                    "`{}` is not a task; use regression, binary or multiclass",
                    snippet(&v.to_string())
                ),
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
            forced[k] = parse(path, &satori_pipeline::overrides::parse_value(value))?;
        }
    }
    Ok(forced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use satori_pipeline::pipeline_file::parse_pipeline;

    fn info(names: &[(&str, Task)]) -> Vec<TargetInfo> {
        names
            .iter()
            .map(|(n, t)| TargetInfo {
                name: n.to_string(),
                task: *t,
            })
            .collect()
    }

    fn schema() -> Schema {
        Schema::numeric(&["x".into()])
    }

    #[test]
    fn the_tree_is_flat_and_old_headers_read() {
        let p = TrainParams::default();
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["holdout"], 0.2);
        assert_eq!(v["stratify"], true);
        assert_eq!(v["model"]["kind"], "dummy_classifier");
        assert!(v.get("tasks").is_none());
        let back: TrainParams = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
        // A header of an earlier version (no text, no tasks) still reads.
        let old = serde_json::json!({
            "preprocessing": [], "model": {"kind": "dummy_regressor"}, "holdout": 0.3,
            "seed": 4, "auto_preprocessing": true,
        });
        let p: TrainParams = serde_json::from_value(old).unwrap();
        assert_eq!((p.holdout, p.stratify, p.pipeline.seed), (0.3, true, 4));
        let typo = serde_json::json!({"model": {"kind": "dummy_regressor"}, "holdot": 0.3});
        let e = serde_json::from_value::<TrainParams>(typo)
            .unwrap_err()
            .to_string();
        assert!(e.contains("holdot"), "{e}");
    }

    #[test]
    fn the_documented_pipeline_file_resolves() {
        let text = "holdout = 0.25\nseed = 7\n[[preprocessing]]\nstep = \"simple_imputer\"\n\
                    [[preprocessing]]\nstep = \"standard_scaler\"\n[model]\nkind = \"logistic\"\n";
        let tree = parse_pipeline(text, "p.toml").unwrap();
        let targets = info(&[("y", Task::Binary)]);
        let p = TrainParams::resolve("baseline", &targets, &schema(), 0.2, 0, Some(&tree), &[])
            .unwrap();
        assert_eq!(p.holdout, 0.25);
        assert_eq!(p.pipeline.seed, 7);
        assert_eq!(p.pipeline.model.kind(), "logistic_regression");
        assert_eq!(p.pipeline.preprocessing.len(), 2);
    }

    fn step_names(p: &TrainParams) -> Vec<&'static str> {
        p.pipeline.preprocessing.iter().map(|s| s.name()).collect()
    }

    #[test]
    fn a_pipeline_file_adds_steps_around_the_automatic_ones_at_its_auto_step() {
        let targets = info(&[("y", Task::Binary)]);
        let features = Schema::new(vec![
            satori_core::ColumnSchema {
                name: "when".into(),
                kind: satori_core::ColumnKind::Datetime,
            },
            satori_core::ColumnSchema {
                name: "colour".into(),
                kind: satori_core::ColumnKind::Categorical {
                    categories: vec!["red".into(), "blue".into()],
                },
            },
        ])
        .unwrap();
        let resolve = |text: &str| {
            let tree = parse_pipeline(text, "p.toml")?;
            TrainParams::resolve("logistic", &targets, &features, 0.2, 0, Some(&tree), &[])
        };
        let p = resolve(
            "[[preprocessing]]\nstep = \"datetime_features\"\nfeatures = [\"month\"]\n\
             [[preprocessing]]\nstep = \"auto\"\n\
             [[preprocessing]]\nstep = \"variance_threshold\"\n",
        )
        .unwrap();
        // The file's own date expansion replaces the automatic one; the others stay.
        assert_eq!(
            step_names(&p),
            [
                "datetime_features",
                "one_hot_encoder",
                "simple_imputer",
                "standard_scaler",
                "variance_threshold"
            ]
        );
        let p = resolve("[[preprocessing]]\nstep = \"auto\"\n").unwrap();
        assert_eq!(
            step_names(&p),
            [
                "datetime_features",
                "one_hot_encoder",
                "simple_imputer",
                "standard_scaler"
            ]
        );
        // A file without the placeholder keeps meaning what it meant: its steps replace them.
        let p = resolve("[[preprocessing]]\nstep = \"variance_threshold\"\n").unwrap();
        assert_eq!(step_names(&p), ["variance_threshold"]);
        let twice =
            resolve("[[preprocessing]]\nstep = \"auto\"\n[[preprocessing]]\nstep = \"auto\"\n")
                .unwrap_err()
                .to_string();
        assert!(twice.contains("may appear once"), "{twice}");
        let off = resolve("auto_preprocessing = false\n[[preprocessing]]\nstep = \"auto\"\n")
            .unwrap_err()
            .to_string();
        assert!(off.contains("auto_preprocessing"), "{off}");
        let extra = resolve("[[preprocessing]]\nstep = \"auto\"\nwith_mean = true\n")
            .unwrap_err()
            .to_string();
        assert!(extra.contains("takes no parameters"), "{extra}");
    }

    #[test]
    fn another_model_kind_by_set_starts_from_its_defaults() {
        let targets = info(&[("y", Task::Binary)]);
        let sets = [
            ("model.kind".to_string(), "logistic".to_string()),
            ("model.C".to_string(), "0.5".to_string()),
        ];
        let p = TrainParams::resolve("gbm", &targets, &schema(), 0.2, 0, None, &sets).unwrap();
        assert_eq!(p.pipeline.model.kind(), "logistic_regression");
        let tree = serde_json::to_value(&p).unwrap();
        assert_eq!(tree["model"]["C"], 0.5);
    }

    #[test]
    fn seed_reaches_stochastic_models_unless_they_have_their_own() {
        let targets = info(&[("y", Task::Binary)]);
        let p = TrainParams::resolve("forest", &targets, &schema(), 0.2, 7, None, &[]).unwrap();
        let tree = serde_json::to_value(&p).unwrap();
        assert_eq!(tree["model"]["seed"], 7);
        let own = [("model.seed".to_string(), "3".to_string())];
        let p = TrainParams::resolve("forest", &targets, &schema(), 0.2, 7, None, &own).unwrap();
        assert_eq!(serde_json::to_value(&p).unwrap()["model"]["seed"], 3);
    }

    #[test]
    fn several_targets_get_per_target_settings() {
        let targets = info(&[("a", Task::Binary), ("b", Task::Regression)]);
        let sets = [("tasks.b.weight".to_string(), "2".to_string())];
        let p = TrainParams::resolve("mlp", &targets, &schema(), 0.2, 0, None, &sets).unwrap();
        assert_eq!(p.pipeline.model.kind(), "multitask_mlp");
        assert_eq!(p.pipeline.tasks["b"].weight, 2.0);
        let bad = |path: &str, value: &str| {
            TrainParams::resolve(
                "mlp",
                &targets,
                &schema(),
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
        assert!(bad("holdout", "-0.5").contains("must be in [0, 1), got -0.5"));
        let e = TrainParams::resolve("gbm", &targets, &schema(), 0.2, 0, None, &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--model") || e.contains("one target"), "{e}");
        let file =
            parse_pipeline("[tasks.b]\nweight = 3.0\n[model]\nkind = \"mlp\"\n", "p").unwrap();
        let p = TrainParams::resolve("mlp", &targets, &schema(), 0.2, 0, Some(&file), &[]).unwrap();
        assert_eq!(p.pipeline.tasks["b"].weight, 3.0);
        assert_eq!(p.pipeline.tasks["a"].weight, 1.0);
        let file = parse_pipeline("[tasks.c]\nweight = 3.0\n", "p").unwrap();
        let e = TrainParams::resolve("mlp", &targets, &schema(), 0.2, 0, Some(&file), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("not one of the targets (a, b)"), "{e}");
    }
}
