//! The resampling steps (imbalanced-learn's samplers, `satori-imbalance`): they act at fit time
//! only, as in imbalanced-learn's `Pipeline`. Fitting resamples the training rows that the next
//! steps and the model learn from — adds synthetic or copied rows to small classes, removes rows
//! from large ones, or cleans rows a neighbour rule flags — and records the class counts before
//! and after; at predict time the step passes every row through unchanged (a model must answer
//! for every row it is given). Cross-validation and tuning fit the whole pipeline inside each
//! fold, so only the training folds are resampled: the scores stay honest.
//!
//! ```toml
//! [[preprocessing]]
//! step = "simple_imputer"     # SMOTE and the neighbour rules need finite numbers
//! [[preprocessing]]
//! step = "standard_scaler"    # neighbours by distance: scale first
//! [[preprocessing]]
//! step = "smote"
//! k_neighbors = 5
//! sampling_strategy = "auto"  # or 0.5, "minority", { "yes" = 300 }, ...
//! ```
//!
//! Every sampler is a step under its snake_case name (see [`satori_imbalance::SAMPLER_NAMES`]
//! and docs/imbalance.md).

use satori_core::{Dataset, Error, Result};
use satori_imbalance::{FittedResampler, Resampler};

use super::{AnyStep, StepParams};

macro_rules! resamplers {
    ($($variant:ident),* $(,)?) => {
        /// The step's sampler, if it is a resampling step.
        pub fn resampler(step: &StepParams) -> Option<&dyn Resampler> {
            match step {
                $(StepParams::$variant(p) => Some(p),)*
                _ => None,
            }
        }

        /// The fitted resampling step's record, if it is one.
        pub fn fitted(step: &AnyStep) -> Option<&FittedResampler> {
            match step {
                $(AnyStep::$variant(f) => Some(f),)*
                _ => None,
            }
        }

        fn wrap(step: &StepParams, fitted: FittedResampler) -> Result<AnyStep> {
            match step {
                $(StepParams::$variant(_) => Ok(AnyStep::$variant(fitted)),)*
                other => Err(Error::Internal(format!("`{}` is not a resampler", other.name()))),
            }
        }
    };
}

resamplers!(
    RandomOverSampler,
    Smote,
    RandomUnderSampler,
    TomekLinks,
    EditedNearestNeighbours,
    RepeatedEditedNearestNeighbours,
    AllKnn,
    NearMiss,
    BorderlineSmote,
    Adasyn,
    SmoteEnn,
    SmoteTomek,
    OneSidedSelection,
    NeighbourhoodCleaningRule,
    SmoteNc,
    Smoten,
    ClusterCentroids,
    InstanceHardnessThreshold,
    KmeansSmote,
);

/// Fit a resampling step: `None` if `step` is not one, else the fitted step and the resampled
/// training rows.
pub(super) fn fit_transform(
    step: &StepParams,
    data: &Dataset,
) -> Option<Result<(AnyStep, Dataset)>> {
    let sampler = resampler(step)?;
    Some(
        sampler
            .fit_step(data)
            .and_then(|(fitted, out)| Ok((wrap(step, fitted)?, out))),
    )
}

/// A resampling step with its default parameters, by name (`smote`, `near_miss`, …), seeded
/// with `seed` if it draws at random; the error lists the names.
pub fn step_from_name(name: &str, seed: u64) -> Result<StepParams> {
    if !satori_imbalance::SAMPLER_NAMES.contains(&name) {
        let close =
            satori_core::closest_names(name, satori_imbalance::SAMPLER_NAMES.iter().copied(), 1);
        let hint = match close.first() {
            Some(c) => format!("did you mean `{c}`? "),
            None => String::new(),
        };
        return Err(Error::param(
            "--resample",
            format!(
                "`{}` is not a sampler; {hint}the samplers are {}",
                satori_core::snippet(name),
                satori_imbalance::SAMPLER_NAMES.join(", ")
            ),
        ));
    }
    let mut tree = serde_json::json!({ "step": name });
    let step: StepParams = serde_json::from_value(tree.clone())
        .map_err(|e| Error::Internal(format!("sampler `{name}` has no defaults: {e}")))?;
    let with_seed = serde_json::to_value(&step).map_err(|e| Error::Internal(e.to_string()))?;
    if with_seed.get("seed").is_some() {
        tree["seed"] = serde_json::Value::from(seed);
        return serde_json::from_value(tree).map_err(|e| Error::Internal(e.to_string()));
    }
    Ok(step)
}

/// A parameter tree (a pipeline file's, or an empty one) with the sampler `name` appended to its
/// steps, with its default parameters — the CLI's `--resample NAME`. The sampler goes last,
/// right before the model, after the steps the tree names or, when it names none, after the
/// automatic preprocessing (the `auto` placeholder; nothing when `auto_preprocessing` is off in
/// the tree or in `overrides`): where imbalanced-learn's users put it, once the data is imputed,
/// encoded and scaled, since SMOTE and the neighbour rules need finite numbers and distances.
pub fn add_to_tree(
    tree: Option<serde_json::Value>,
    name: &str,
    overrides: &[(String, String)],
) -> Result<serde_json::Value> {
    use serde_json::{Value, json};
    step_from_name(name, 0)?;
    let mut tree = tree.unwrap_or_else(|| json!({}));
    let Some(map) = tree.as_object_mut() else {
        return Err(Error::param("pipeline", "must be a table"));
    };
    let off = |v: &str| v.trim() == "false";
    let auto_off = map.get("auto_preprocessing") == Some(&Value::Bool(false))
        || overrides
            .iter()
            .any(|(p, v)| p == "auto_preprocessing" && off(v));
    let step = json!({ "step": name });
    match map.get_mut("preprocessing") {
        Some(Value::Array(steps)) => steps.push(step),
        _ if auto_off => {
            map.insert("preprocessing".into(), json!([step]));
        }
        _ => {
            map.insert("preprocessing".into(), json!([{ "step": "auto" }, step]));
        }
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_make_steps_and_bad_names_list_the_samplers() {
        for name in satori_imbalance::SAMPLER_NAMES {
            let step = step_from_name(name, 7).unwrap();
            assert_eq!(step.name(), *name);
            assert!(resampler(&step).is_some());
        }
        let s = serde_json::to_value(step_from_name("smote", 7).unwrap()).unwrap();
        assert_eq!(s["seed"], 7);
        let e = step_from_name("smoot", 0).unwrap_err().to_string();
        assert!(
            e.contains("did you mean `smote`") && e.contains("near_miss"),
            "{e}"
        );
        let tree = add_to_tree(None, "smote", &[]).unwrap();
        assert_eq!(tree["preprocessing"][0]["step"], "auto");
        assert_eq!(tree["preprocessing"][1]["step"], "smote");
        let off = [("auto_preprocessing".to_string(), "false".to_string())];
        let tree = add_to_tree(None, "tomek_links", &off).unwrap();
        assert_eq!(tree["preprocessing"].as_array().unwrap().len(), 1);
        let file = serde_json::json!({"preprocessing": [{"step": "standard_scaler"}]});
        let tree = add_to_tree(Some(file), "near_miss", &[]).unwrap();
        assert_eq!(tree["preprocessing"][1]["step"], "near_miss");
    }
}
