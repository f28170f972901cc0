//! Pipeline files (`--pipeline pipeline.toml`): the preprocessing steps and the model, in the same
//! tree that `--set` addresses.
//!
//! ```toml
//! holdout = 0.25            # optional, as --holdout
//! seed = 7                  # optional, as --seed
//!
//! [[preprocessing]]
//! step = "simple_imputer"
//! strategy = "median"
//! add_indicator = true
//!
//! [[preprocessing]]
//! step = "one_hot_encoder"
//! handle_unknown = "ignore"
//!
//! [[preprocessing]]
//! step = "standard_scaler"
//!
//! [model]                   # optional; without `kind` it tunes the --model's defaults
//! kind = "dummy_classifier"
//! strategy = "stratified"
//! ```
//!
//! Steps given in a file replace the model's automatic preprocessing, unless one of them is the
//! placeholder `step = "auto"` ([`AUTO_STEP`]): the automatic steps then run at its place, the
//! file's steps above it before them and those below it after them (see [`split_at_auto`]).

use std::path::Path;

use satori_core::{Error, Result, clip, closest_names, snippet};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::steps::STEP_NAMES;

/// The placeholder step that stands for the model family's automatic preprocessing.
pub const AUTO_STEP: &str = "auto";

/// The steps of a pipeline file that names the [`AUTO_STEP`] placeholder: the file's steps
/// before it and after it (as parameter trees). `None` when the file has no placeholder (its
/// steps, if any, replace the automatic ones); an error when it has several.
pub fn split_at_auto(tree: &Value) -> Result<Option<(Vec<Value>, Vec<Value>)>> {
    let Some(Value::Array(steps)) = tree.get("preprocessing") else {
        return Ok(None);
    };
    let marks: Vec<usize> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.get("step").and_then(Value::as_str) == Some(AUTO_STEP))
        .map(|(i, _)| i)
        .collect();
    match marks[..] {
        [] => Ok(None),
        [i] => {
            if let Some(extra) = steps[i]
                .as_object()
                .and_then(|m| m.keys().find(|k| k.as_str() != "step"))
            {
                return Err(Error::param(
                    format!("preprocessing.{i}.{}", snippet(extra)),
                    "the `auto` step takes no parameters (adjust the automatic steps with --set \
                     preprocessing.<index>.<parameter>=<value>)",
                ));
            }
            if tree.get("auto_preprocessing") == Some(&Value::Bool(false)) {
                return Err(Error::param(
                    "auto_preprocessing",
                    "is false, and a step = \"auto\" asks for the automatic preprocessing: \
                     remove one of them",
                ));
            }
            Ok(Some((steps[..i].to_vec(), steps[i + 1..].to_vec())))
        }
        _ => Err(Error::param(
            "preprocessing",
            "step = \"auto\" may appear once (it stands for all the automatic steps)",
        )),
    }
}

const TOP_KEYS: &[&str] = &[
    "preprocessing",
    "model",
    "holdout",
    "stratify",
    "seed",
    "auto_preprocessing",
    "text",
    "tasks",
];

/// Read a pipeline file into a parameter tree, checking its keys and step names so that a typo is
/// an error naming the closest valid name.
pub fn load_pipeline_file(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_pipeline(&text, &path.display().to_string())
}

/// Parse pipeline-file text (`source` names it in messages).
pub fn parse_pipeline(text: &str, source: &str) -> Result<Value> {
    let map = parse_settings(text, source, "a pipeline file")?;
    check_pipeline(map, source)
}

/// A pipeline file for `satori tune`: the settings, and its `[search]` table (the space to
/// search) if it has one.
pub fn load_pipeline_file_with_search(path: &Path) -> Result<(Value, Option<Value>)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let source = path.display().to_string();
    let mut map = parse_settings(&text, &source, "a pipeline file")?;
    let search = map.remove(SEARCH_KEY);
    Ok((check_pipeline(map, &source)?, search))
}

/// The table of a pipeline file that only `satori tune` reads.
const SEARCH_KEY: &str = "search";

/// Check a pipeline file's top-level settings and steps.
fn check_pipeline(map: serde_json::Map<String, Value>, source: &str) -> Result<Value> {
    for key in map.keys() {
        if key == SEARCH_KEY {
            return Err(Error::InvalidData(format!(
                "{source}: the [search] table is read by `satori tune`; train with the \
                 parameters it found (satori tune --best-params FILE writes them as a pipeline \
                 file)"
            )));
        }
        if !TOP_KEYS.contains(&key.as_str()) {
            return Err(unknown(source, "setting", key, TOP_KEYS));
        }
    }
    if let Some(steps) = map.get("preprocessing") {
        let Value::Array(steps) = steps else {
            return Err(Error::InvalidData(format!(
                "{source}: `preprocessing` is a list of steps ([[preprocessing]] tables)"
            )));
        };
        for (i, step) in steps.iter().enumerate() {
            match step.get("step").and_then(Value::as_str) {
                Some(name) if STEP_NAMES.contains(&name) || name == AUTO_STEP => {}
                Some(name) => return Err(unknown(source, "step", name, STEP_NAMES)),
                None => {
                    return Err(Error::InvalidData(format!(
                        "{source}: preprocessing step {} has no `step = \"...\"` (one of: {})",
                        i + 1,
                        STEP_NAMES.join(", ")
                    )));
                }
            }
        }
    }
    Ok(Value::Object(map))
}

/// Parse TOML settings text (`source` names it in messages, `what` says what kind of file it is,
/// e.g. "a pipeline file") into a JSON tree, which must be a table: its top-level map, whose
/// keys the caller checks.
pub fn parse_settings(
    text: &str,
    source: &str,
    what: &str,
) -> Result<serde_json::Map<String, Value>> {
    let toml_value: toml::Value = toml::from_str(text).map_err(|e| Error::Parse {
        source_name: source.to_string(),
        line: line_of(text, e.span().map_or(0, |s| s.start)),
        column: "-".into(),
        message: clip(e.message(), 300),
    })?;
    let tree = serde_json::to_value(toml_value).map_err(|e| Error::Internal(e.to_string()))?;
    let Value::Object(map) = tree else {
        return Err(Error::InvalidData(format!(
            "{source}: {what} is a table of settings"
        )));
    };
    Ok(map)
}

fn line_of(text: &str, offset: usize) -> u64 {
    text.get(..offset)
        .map_or(1, |t| t.matches('\n').count() as u64 + 1)
}

fn unknown(source: &str, what: &str, name: &str, valid: &[&str]) -> Error {
    let near = closest_names(name, valid.iter().copied(), 3);
    let hint = if near.is_empty() {
        format!("valid: {}", valid.join(", "))
    } else {
        format!(
            "did you mean {}?",
            near.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Error::InvalidData(format!(
        "{source}: unknown {what} `{}`; {hint}",
        snippet(name)
    ))
}

/// Lay a pipeline file's tree over default parameters (any parameter tree: the pipeline's, or
/// the workflow's with `holdout`): top-level settings replace the defaults; a `model` table with
/// a `kind` replaces the model, one without tunes it.
pub fn merge<T: Serialize + DeserializeOwned>(base: &T, tree: &Value) -> Result<T> {
    let mut merged = serde_json::to_value(base).map_err(|e| Error::Internal(e.to_string()))?;
    if let (Value::Object(dst), Value::Object(src)) = (&mut merged, tree) {
        for (key, value) in src {
            match (key.as_str(), dst.get_mut(key), value) {
                ("model", Some(Value::Object(model)), Value::Object(over))
                    if !over.contains_key("kind") =>
                {
                    for (k, v) in over {
                        model.insert(k.clone(), v.clone());
                    }
                }
                _ => {
                    dst.insert(key.clone(), value.clone());
                }
            }
        }
    }
    serde_json::from_value(merged).map_err(|e| Error::param("pipeline", clip(&e.to_string(), 300)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let text = include_str!("pipeline_file.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//! "))
            .skip_while(|l| !l.starts_with("```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("```"))
            .map(|l| l.split('#').next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let mut tree = parse_pipeline(&text, "doc").unwrap();
        assert_eq!(tree["holdout"], 0.25);
        // `holdout` belongs to the training flow's tree (satori-workflow), not the pipeline's.
        tree.as_object_mut().unwrap().remove("holdout");
        let p = merge(&crate::PipelineParams::default(), &tree).unwrap();
        assert_eq!(p.preprocessing.len(), 3);
        assert_eq!(p.seed, 7);
        assert_eq!(p.preprocessing[1].name(), "one_hot_encoder");
    }

    #[test]
    fn typos_name_the_closest_valid_name() {
        let e = parse_pipeline("[[preprocessing]]\nstep = \"standard_scalr\"\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`standard_scaler`") && e.contains("p.toml"),
            "{e}"
        );
        let e = parse_pipeline("preprocesing = []\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`preprocessing`"), "{e}");
        let e = parse_pipeline("[[preprocessing]]\nstrategy = \"mean\"\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `step"), "{e}");
        let tree = parse_pipeline(
            "[[preprocessing]]\nstep = \"standard_scaler\"\nwith_men = true\n",
            "p.toml",
        )
        .unwrap();
        let e = merge(&crate::PipelineParams::default(), &tree)
            .unwrap_err()
            .to_string();
        assert!(e.contains("with_men") && e.contains("with_mean"), "{e}");
        let e = parse_pipeline("holdout = \n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("p.toml:1"), "{e}");
    }

    #[test]
    fn model_table_tunes_or_replaces() {
        let tune = parse_pipeline("[model]\nstrategy = \"uniform\"\n", "p").unwrap();
        let p = merge(&crate::PipelineParams::default(), &tune).unwrap();
        assert_eq!(
            serde_json::to_value(&p.model).unwrap()["strategy"],
            "uniform"
        );
        let replace = parse_pipeline(
            "[model]\nkind = \"dummy_regressor\"\nstrategy = \"median\"\n",
            "p",
        )
        .unwrap();
        let p = merge(&crate::PipelineParams::default(), &replace).unwrap();
        assert_eq!(p.model.kind(), "dummy_regressor");
    }
}
