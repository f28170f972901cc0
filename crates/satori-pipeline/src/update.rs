//! Updating a saved model on new rows without retraining it from scratch (`satori update`): the
//! model-level half. The saved pipeline's fitted preprocessing is reused as it is (as for
//! [`crate::resume`]), and the model is updated by one of these modes:
//!
//! - [`UpdateMode::AddTrees`] (boosting): more rounds fitted to the residual of the model's own
//!   predictions on the new rows (LightGBM's `init_model`);
//! - [`UpdateMode::Refit`] (boosting): every tree keeps its splits, its leaf values are refitted
//!   on the new rows with a decay rate (LightGBM's `Booster.refit`);
//! - [`UpdateMode::Window`] (random forests, extra trees): trees grown on the new rows replace
//!   as many of the oldest trees (a sliding-window forest of fixed size).
//!
//! `partial_fit` passes of networks and SGD learners are [`crate::resume`]'s continuation; the
//! orchestration (gate, blend weight, lineage) is `satori_workflow::update`.

use satori_core::rng::derive_seed;
use satori_core::{Dataset, Error, Progress, Result};

use crate::fitted::FittedPipeline;
use crate::models::{AnyModel, ModelParams, continuable_kinds};
use crate::resume::model_rows;

/// How the model itself is updated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UpdateMode {
    /// Boosting: this many more rounds on the new rows.
    AddTrees {
        /// Rounds to add (trees per class for multiclass), at least 1.
        rounds: usize,
    },
    /// Boosting: leaf values refitted, `decay · old + (1 − decay) · fitted`.
    Refit {
        /// The weight of the old leaf values, in [0, 1].
        decay: f64,
    },
    /// Forests: `trees` trees grown on the new rows replace the `trees` oldest ones.
    Window {
        /// Trees to replace, from 1 to the forest's size.
        trees: usize,
        /// The seed of the new trees (derived again per tree by the forest).
        seed: u64,
    },
}

impl UpdateMode {
    /// The mode's name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            UpdateMode::AddTrees { .. } => "add-trees",
            UpdateMode::Refit { .. } => "refit",
            UpdateMode::Window { .. } => "window",
        }
    }
}

/// Model kinds each update mode applies to, for messages (`partial-fit`: the continuable
/// kinds).
pub fn kinds_for_mode(mode: &str) -> Vec<&'static str> {
    match mode {
        "add-trees" | "refit" => vec!["gbm_classifier", "gbm_regressor"],
        "window" => vec![
            "random_forest_classifier",
            "random_forest_regressor",
            "extra_trees_classifier",
            "extra_trees_regressor",
        ],
        "partial-fit" => continuable_kinds(),
        _ => Vec::new(),
    }
}

/// The update modes that apply to a model kind, the first being the default.
pub fn modes_for_kind(kind: &str) -> Vec<&'static str> {
    ["add-trees", "refit", "window", "partial-fit"]
        .into_iter()
        .filter(|m| kinds_for_mode(m).contains(&kind))
        .collect()
}

/// The number of boosting rounds of a boosting model (the first round an `add-trees` update
/// adds is this one), else `None`.
pub fn boosting_rounds(pipeline: &FittedPipeline) -> Option<usize> {
    match pipeline.model() {
        AnyModel::GbmClassifier(m) => Some(m.n_iter()),
        AnyModel::GbmRegressor(m) => Some(m.n_iter()),
        _ => None,
    }
}

/// The number of trees of a forest, else `None`.
pub fn forest_size(pipeline: &FittedPipeline) -> Option<usize> {
    match pipeline.model() {
        AnyModel::RandomForestClassifier(m) | AnyModel::ExtraTreesClassifier(m) => {
            Some(m.n_trees())
        }
        AnyModel::RandomForestRegressor(m) | AnyModel::ExtraTreesRegressor(m) => Some(m.n_trees()),
        _ => None,
    }
}

fn not_for(kind: &str, mode: UpdateMode, source: &str) -> Error {
    let applies = modes_for_kind(kind);
    Error::param(
        "--mode",
        format!(
            "{} does not apply to {source}, a {kind}: it updates {}; {}",
            mode.name(),
            kinds_for_mode(mode.name()).join(", "),
            if applies.is_empty() {
                format!("a {kind} has no incremental update (retrain it on all the rows)")
            } else {
                format!("for a {kind} use --mode {}", applies.join(" or --mode "))
            }
        ),
    )
}

/// Update `base`'s model on `data` (raw input rows recoded to its input schema, with a target)
/// by `mode`, with `params` the model's own parameters (its header's `params.model`). The
/// steps, targets and threshold are kept.
pub fn update_model(
    base: &FittedPipeline,
    params: &ModelParams,
    data: &Dataset,
    mode: UpdateMode,
    source: &str,
    progress: &dyn Progress,
) -> Result<FittedPipeline> {
    let kind = base.model().kind();
    if !base.text().is_empty() {
        return Err(Error::param(
            "--mode",
            format!(
                "{source} reads text or sparse columns; updates support models on numeric and \
                 categorical columns only"
            ),
        ));
    }
    if params.kind() != kind {
        return Err(Error::InvalidData(format!(
            "{source}: its header's parameters are a {}'s and its model a {kind}",
            params.kind()
        )));
    }
    let current = model_rows(base, data, source)?;
    progress.start(&format!("updating {kind} ({})", mode.name()), None);
    let model = match (mode, base.model(), params) {
        (
            UpdateMode::AddTrees { rounds },
            AnyModel::GbmClassifier(m),
            ModelParams::GbmClassifier(p),
        ) => {
            let p = satori_gbm::GbmClassifierParams {
                n_estimators: rounds,
                early_stopping: satori_gbm::EarlyStopping::Off,
                ..p.clone()
            };
            AnyModel::GbmClassifier(p.continue_training(m, &current, None)?)
        }
        (
            UpdateMode::AddTrees { rounds },
            AnyModel::GbmRegressor(m),
            ModelParams::GbmRegressor(p),
        ) => {
            let p = satori_gbm::GbmRegressorParams {
                n_estimators: rounds,
                early_stopping: satori_gbm::EarlyStopping::Off,
                ..p.clone()
            };
            AnyModel::GbmRegressor(p.continue_training(m, &current, None)?)
        }
        (
            UpdateMode::Refit { decay },
            AnyModel::GbmClassifier(m),
            ModelParams::GbmClassifier(p),
        ) => AnyModel::GbmClassifier(p.refit(m, &current, decay)?),
        (UpdateMode::Refit { decay }, AnyModel::GbmRegressor(m), ModelParams::GbmRegressor(p)) => {
            AnyModel::GbmRegressor(p.refit(m, &current, decay)?)
        }
        (UpdateMode::Window { trees, seed }, model, params) => {
            window(model, params, &current, trees, seed)
                .ok_or_else(|| not_for(kind, mode, source))??
        }
        _ => return Err(not_for(kind, mode, source)),
    };
    progress.finish();
    let mut pipeline = base.clone();
    pipeline.model = model;
    Ok(pipeline)
}

fn check_window(trees: usize, size: usize) -> Result<()> {
    if trees == 0 || trees > size {
        return Err(Error::param(
            "--trees",
            format!("a window update replaces 1 to {size} trees (the forest's size), got {trees}"),
        ));
    }
    Ok(())
}

/// The sliding-window update of a forest, `None` for other models.
fn window(
    model: &AnyModel,
    params: &ModelParams,
    data: &Dataset,
    trees: usize,
    seed: u64,
) -> Option<Result<AnyModel>> {
    use satori_core::Estimator;
    macro_rules! slide {
        ($m:expr, $p:expr, $variant:ident) => {{
            let run = || -> Result<AnyModel> {
                check_window(trees, $m.n_trees())?;
                let mut p = $p.clone();
                p.n_estimators = trees;
                p.seed = derive_seed(seed, 0x57);
                p.oob_score = false;
                let newer = p.fit(data)?;
                Ok(AnyModel::$variant($m.slide(&newer)?))
            };
            Some(run())
        }};
    }
    match (model, params) {
        (AnyModel::RandomForestClassifier(m), ModelParams::RandomForestClassifier(p)) => {
            slide!(m, p, RandomForestClassifier)
        }
        (AnyModel::RandomForestRegressor(m), ModelParams::RandomForestRegressor(p)) => {
            slide!(m, p, RandomForestRegressor)
        }
        (AnyModel::ExtraTreesClassifier(m), ModelParams::ExtraTreesClassifier(p)) => {
            slide!(m, p, ExtraTreesClassifier)
        }
        (AnyModel::ExtraTreesRegressor(m), ModelParams::ExtraTreesRegressor(p)) => {
            slide!(m, p, ExtraTreesRegressor)
        }
        _ => None,
    }
}

/// `pipeline` (a boosting model after an `add-trees` update from a model of `first` rounds)
/// with the added rounds scaled by `weight`: the parent plus `weight` times the new trees
/// (CatBoost's `sum_models` with weights `[1, weight]`).
pub fn scale_added_rounds(
    pipeline: &FittedPipeline,
    first: usize,
    weight: f64,
) -> Result<FittedPipeline> {
    let model = match pipeline.model() {
        AnyModel::GbmClassifier(m) => AnyModel::GbmClassifier(m.scale_rounds_from(first, weight)?),
        AnyModel::GbmRegressor(m) => AnyModel::GbmRegressor(m.scale_rounds_from(first, weight)?),
        other => {
            return Err(Error::param(
                "--blend",
                format!(
                    "a sum of models blends boosting models, and this is a {}",
                    other.kind()
                ),
            ));
        }
    };
    let mut p = pipeline.clone();
    p.model = model;
    Ok(p)
}
