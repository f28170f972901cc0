//! Ensembles whose members are pipelines: voting (scikit-learn's `VotingClassifier` and
//! `VotingRegressor`) and stacking (`StackingClassifier`, `StackingRegressor`).
//!
//! A member is a small pipeline of its own — preprocessing steps and a model — fitted on the
//! rows the ensemble is given, so a linear member gets its one-hot encoding and scaling while a
//! boosting member beside it reads the raw columns:
//!
//! ```toml
//! [model]
//! kind = "stacking_classifier"
//!
//! [[model.members]]
//! model = "gbm"                      # a --model name: the task's variant, default settings
//!
//! [[model.members]]
//! name = "small_forest"
//! model = { kind = "random_forest_classifier", n_estimators = 50 }
//!
//! [[model.members]]
//! model = "logistic"
//! preprocessing = [{ step = "standard_scaler" }]
//! ```
//!
//! or in short on the command line: `--set model.members=[gbm,logistic,forest]`. A member
//! without steps gets its family's automatic preprocessing (see [`crate::steps::auto`]); members
//! train in parallel. An ensemble holds pipelines and a pipeline holds a model: the one
//! recursion of the crate besides the steps' (see docs/architecture.md).

mod bagging;
mod selection;
mod stacking;
mod voting;

use ndarray::{Array1, Array2, ArrayView2};
use rayon::prelude::*;
use satori_core::{Dataset, Error, NoProgress, Progress, Result, Task};
use satori_data::splits::{Fold, SplitStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::models::{AnyModel, ModelParams, Output, target_tasks};
use crate::steps::auto::auto_steps;
use crate::steps::{AnyStep, StepParams, apply_steps, fit_steps, validate_steps};

pub use bagging::{
    Amount, BaggingClassifierParams, BaggingParams, BaggingRegressorParams, FittedBagging,
};
pub use selection::{EnsembleSelectionClassifierParams, EnsembleSelectionRegressorParams};
pub use stacking::{
    FittedStacking, StackMethod, StackingClassifierParams, StackingRegressorParams,
};
pub use voting::{FittedVoting, Voting, VotingClassifierParams, VotingRegressorParams};

/// A member's model: a `--model` name (`gbm`, `logistic`, …: the task's variant with default
/// settings, chosen when the ensemble is fitted) or full parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberModel {
    /// A `--model` name.
    Name(String),
    /// Full parameters (`{ kind = "…", … }`).
    Params(Box<ModelParams>),
}

impl MemberModel {
    /// The parameters for the targets' tasks.
    pub fn resolve(&self, tasks: &[Task]) -> Result<ModelParams> {
        match self {
            MemberModel::Name(name) => ModelParams::from_name(name, tasks),
            MemberModel::Params(p) => Ok((**p).clone()),
        }
    }

    fn label(&self) -> String {
        match self {
            MemberModel::Name(name) => name.clone(),
            MemberModel::Params(p) => p.kind().to_string(),
        }
    }
}

/// One member of an ensemble: a name, preprocessing steps and a model. In a pipeline file a
/// member is a table (`name`, `model`, `preprocessing`, `auto_preprocessing`) or just a model
/// name (`"gbm"`).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberParams {
    /// The member's name in summaries and reports. Default: its model's name, numbered when two
    /// members would share one.
    pub name: Option<String>,
    /// The model.
    pub model: MemberModel,
    /// Steps fitted before the model (empty: the family's automatic ones when
    /// `auto_preprocessing` is on).
    pub preprocessing: Vec<StepParams>,
    /// Put the family's automatic preprocessing in front of the model when `preprocessing`
    /// names no steps. Default true.
    pub auto_preprocessing: bool,
}

impl MemberParams {
    /// A member from a model name, with the automatic preprocessing.
    pub fn named(model: &str) -> MemberParams {
        MemberParams {
            name: None,
            model: MemberModel::Name(model.to_string()),
            preprocessing: Vec::new(),
            auto_preprocessing: true,
        }
    }

    /// The same member with its model name expanded to full parameters for `tasks` (so that
    /// `--set model.members.0.model.max_depth=3` and seeds reach it).
    pub fn resolved(&self, tasks: &[Task]) -> Result<MemberParams> {
        Ok(MemberParams {
            model: MemberModel::Params(Box::new(self.model.resolve(tasks)?)),
            ..self.clone()
        })
    }

    fn to_value(&self) -> Value {
        let mut map = Map::new();
        if let Some(name) = &self.name {
            map.insert("name".into(), Value::String(name.clone()));
        }
        let model = match &self.model {
            MemberModel::Name(n) => Value::String(n.clone()),
            MemberModel::Params(p) => serde_json::to_value(p).unwrap_or(Value::Null),
        };
        map.insert("model".into(), model);
        if !self.preprocessing.is_empty() {
            map.insert(
                "preprocessing".into(),
                serde_json::to_value(&self.preprocessing).unwrap_or(Value::Null),
            );
        }
        map.insert(
            "auto_preprocessing".into(),
            Value::Bool(self.auto_preprocessing),
        );
        Value::Object(map)
    }

    fn from_value(value: Value) -> std::result::Result<MemberParams, String> {
        let mut map = match value {
            Value::String(name) => return Ok(MemberParams::named(&name)),
            Value::Object(map) if map.contains_key("kind") => {
                let model: ModelParams =
                    serde_json::from_value(Value::Object(map)).map_err(|e| e.to_string())?;
                return Ok(MemberParams {
                    model: MemberModel::Params(Box::new(model)),
                    ..MemberParams::named("")
                });
            }
            Value::Object(map) => map,
            other => {
                return Err(format!(
                    "a member is a model name (\"gbm\") or a table with `model`, got {other}"
                ));
            }
        };
        let model = match map.remove("model") {
            Some(Value::String(name)) => MemberModel::Name(name),
            Some(tree @ Value::Object(_)) => MemberModel::Params(Box::new(
                serde_json::from_value(tree).map_err(|e| e.to_string())?,
            )),
            Some(other) => {
                return Err(format!(
                    "a member's `model` is a model name or a table with `kind`, got {other}"
                ));
            }
            None => return Err("a member needs a `model` (e.g. model = \"gbm\")".into()),
        };
        let name = match map.remove("name") {
            Some(Value::String(s)) => Some(s),
            None | Some(Value::Null) => None,
            Some(other) => return Err(format!("a member's `name` is text, got {other}")),
        };
        let preprocessing = match map.remove("preprocessing") {
            Some(v) => serde_json::from_value(v).map_err(|e| e.to_string())?,
            None => Vec::new(),
        };
        let auto_preprocessing = match map.remove("auto_preprocessing") {
            Some(Value::Bool(b)) => b,
            None => true,
            Some(other) => {
                return Err(format!(
                    "a member's `auto_preprocessing` is true or false, got {other}"
                ));
            }
        };
        if let Some(key) = map.keys().next() {
            return Err(format!(
                "unknown member field `{key}`; a member has name, model, preprocessing, \
                 auto_preprocessing"
            ));
        }
        Ok(MemberParams {
            name,
            model,
            preprocessing,
            auto_preprocessing,
        })
    }
}

impl Serialize for MemberParams {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for MemberParams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        MemberParams::from_value(value).map_err(serde::de::Error::custom)
    }
}

/// Expand every member named by a `--model` name (and a stacking's final estimator) into its
/// full parameters for `tasks`, in nested ensembles too, so that `--set` paths and seeds reach
/// them; other models are left as they are.
pub fn resolve_member_names(model: &mut ModelParams, tasks: &[Task]) -> Result<()> {
    let (members, last): (&mut Vec<MemberParams>, Option<&mut MemberParams>) = match model {
        ModelParams::VotingClassifier(p) => (&mut p.members, None),
        ModelParams::VotingRegressor(p) => (&mut p.members, None),
        ModelParams::EnsembleSelectionClassifier(p) => (&mut p.members, None),
        ModelParams::EnsembleSelectionRegressor(p) => (&mut p.members, None),
        ModelParams::StackingClassifier(p) => (&mut p.members, Some(&mut p.final_estimator)),
        ModelParams::StackingRegressor(p) => (&mut p.members, Some(&mut p.final_estimator)),
        ModelParams::BaggingClassifier(p) => return resolve_one(&mut p.0.estimator, tasks),
        ModelParams::BaggingRegressor(p) => return resolve_one(&mut p.0.estimator, tasks),
        _ => return Ok(()),
    };
    let names = member_names(members)?;
    for (m, name) in members.iter_mut().zip(names) {
        if matches!(m.model, MemberModel::Name(_)) && m.name.is_none() {
            m.name = Some(name);
        }
    }
    for m in members.iter_mut().chain(last) {
        if matches!(m.model, MemberModel::Name(_)) {
            *m = m.resolved(tasks)?;
        }
        if let MemberModel::Params(p) = &mut m.model {
            resolve_member_names(p, tasks)?;
        }
    }
    Ok(())
}

/// [`resolve_member_names`] of one member.
fn resolve_one(m: &mut MemberParams, tasks: &[Task]) -> Result<()> {
    if matches!(m.model, MemberModel::Name(_)) {
        *m = m.resolved(tasks)?;
    }
    if let MemberModel::Params(p) = &mut m.model {
        resolve_member_names(p, tasks)?;
    }
    Ok(())
}

/// The members' names: given ones as they are, the others their model's name, numbered
/// (`gbm_2`) where two would be the same. Given names must be unique.
pub(crate) fn member_names(members: &[MemberParams]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::with_capacity(members.len());
    for (i, m) in members.iter().enumerate() {
        let name = match &m.name {
            Some(n) => {
                if names.contains(n) || members[..i].iter().any(|o| o.name.as_ref() == Some(n)) {
                    return Err(Error::param(
                        format!("model.members.{i}.name"),
                        format!("two members are named `{n}`; give each its own name"),
                    ));
                }
                n.clone()
            }
            None => {
                let base = m.model.label();
                let mut name = base.clone();
                let mut k = 2;
                while names.contains(&name)
                    || members.iter().any(|o| o.name.as_ref() == Some(&name))
                {
                    name = format!("{base}_{k}");
                    k += 1;
                }
                name
            }
        };
        names.push(name);
    }
    Ok(names)
}

/// Check an ensemble's members (at least `min`; each one's steps and model) and optional
/// weights (one finite, non-negative weight per member, with a positive sum).
pub(crate) fn validate_members(
    members: &[MemberParams],
    min: usize,
    weights: Option<&[f64]>,
) -> Result<()> {
    if members.len() < min {
        return Err(Error::param(
            "model.members",
            format!(
                "an ensemble needs at least {min} member(s), got {}; e.g. \
                 --set model.members=[gbm,logistic,forest]",
                members.len()
            ),
        ));
    }
    member_names(members)?;
    for (i, m) in members.iter().enumerate() {
        validate_steps(&m.preprocessing).map_err(|e| prefix(e, &format!("model.members.{i}")))?;
        match &m.model {
            MemberModel::Params(p) => p
                .validate_params()
                .map_err(|e| prefix(e, &format!("model.members.{i}.model")))?,
            MemberModel::Name(name) => {
                if name.is_empty() {
                    return Err(Error::param(
                        format!("model.members.{i}.model"),
                        "a member needs a model name",
                    ));
                }
            }
        }
    }
    if let Some(w) = weights {
        if w.len() != members.len() {
            return Err(Error::param(
                "model.weights",
                format!(
                    "{} weights for {} members; give one per member",
                    w.len(),
                    members.len()
                ),
            ));
        }
        if let Some(bad) = w.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return Err(Error::param(
                "model.weights",
                format!("every weight must be finite and ≥ 0, got {bad}"),
            ));
        }
        if w.iter().sum::<f64>() <= 0.0 {
            return Err(Error::param(
                "model.weights",
                "the weights sum to 0; at least one member needs a positive weight",
            ));
        }
    }
    Ok(())
}

/// An error's parameter name under `path`.
pub(crate) fn prefix(e: Error, path: &str) -> Error {
    match e {
        Error::InvalidParameter { name, reason } => Error::param(format!("{path}.{name}"), reason),
        other => other,
    }
}

/// A fitted member: its name, fitted steps and model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedMember {
    /// Its name.
    pub name: String,
    /// Its fitted steps, applied to the ensemble's input columns.
    pub steps: Vec<AnyStep>,
    /// Its fitted model.
    pub model: AnyModel,
    n_features: usize,
}

impl FittedMember {
    /// The member's output on the ensemble's input columns.
    pub fn output(&self, x: ArrayView2<'_, f64>) -> Result<Output> {
        if x.ncols() != self.n_features {
            return Err(Error::ShapeMismatch {
                context: format!("columns into ensemble member `{}`", self.name),
                expected: self.n_features,
                got: x.ncols(),
            });
        }
        let z = if self.steps.is_empty() {
            None
        } else {
            Some(apply_steps(&self.steps, x)?)
        };
        let view = z.as_ref().map_or(x, |z| z.view());
        let mut out = self.model.outputs(view)?;
        if out.len() != 1 {
            return Err(Error::Internal(format!(
                "ensemble member `{}` gave {} outputs",
                self.name,
                out.len()
            )));
        }
        Ok(out.remove(0))
    }

    /// The columns it takes.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
}

/// Fit one member on `data` (its steps, then its model).
pub(crate) fn fit_member(
    member: &MemberParams,
    name: &str,
    data: &Dataset,
    progress: &dyn Progress,
) -> Result<FittedMember> {
    let tasks = target_tasks(data)?;
    let model = member.model.resolve(&tasks)?;
    let steps = if member.auto_preprocessing && member.preprocessing.is_empty() {
        auto_steps(model.capabilities().needs, data.features())
    } else {
        member.preprocessing.clone()
    };
    let context = |e: Error| match e {
        Error::InvalidParameter { name: p, reason } => {
            Error::param(format!("member `{name}`: {p}"), reason)
        }
        Error::InvalidData(m) => Error::InvalidData(format!("member `{name}`: {m}")),
        other => other,
    };
    let (steps, current) = fit_steps(data, &steps, progress).map_err(context)?;
    crate::models::check_no_missing_left(&current, &model).map_err(context)?;
    let fitted = model.fit(&current, None, progress).map_err(context)?;
    Ok(FittedMember {
        name: name.to_string(),
        steps,
        model: fitted,
        n_features: data.n_features(),
    })
}

/// Fit every member on `data`, in parallel (each member's own fit is deterministic, so the
/// result is the same at any thread count).
pub(crate) fn fit_members(
    members: &[MemberParams],
    data: &Dataset,
    progress: &dyn Progress,
) -> Result<Vec<FittedMember>> {
    let names = member_names(members)?;
    progress.start(&format!("fitting {} ensemble members", members.len()), None);
    let quiet = satori_core::NoProgress;
    let fitted: Vec<Result<FittedMember>> = members
        .par_iter()
        .zip(names.par_iter())
        .map(|(m, name)| fit_member(m, name, data, &quiet))
        .collect();
    progress.finish();
    fitted.into_iter().collect()
}

/// The members' one-line summaries.
pub(crate) fn members_summary(members: &[FittedMember], weights: Option<&[f64]>) -> String {
    members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let w = weights.map_or(String::new(), |w| format!(" (weight {})", w[i]));
            let steps: Vec<&str> = m.steps.iter().map(AnyStep::name).collect();
            let steps = if steps.is_empty() {
                String::new()
            } else {
                format!(" after {}", steps.join(" → "))
            };
            format!("  {}{w}: {}{steps}", m.name, m.model.kind())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The folds of `cv` on `data`, checked to predict every row exactly once (what out-of-fold
/// predictions need).
pub(crate) fn partition(cv: &SplitStrategy, data: &Dataset) -> Result<Vec<Fold>> {
    let folds = cv.split(data, None).map_err(|e| prefix(e, "model.cv"))?;
    let mut tested = vec![0usize; data.n_samples()];
    for f in &folds {
        for &i in &f.test {
            tested[i] += 1;
        }
    }
    if tested.iter().any(|&t| t != 1) {
        return Err(Error::param(
            "model.cv",
            "out-of-fold predictions need folds that predict every row exactly once",
        ));
    }
    Ok(folds)
}

/// Each member's out-of-fold output on every row of `data`: for each fold, the member fitted on
/// the other folds predicts the fold's rows. Every (fold, member) fit is independent; they run
/// in parallel and the result does not depend on the thread count.
pub(crate) fn out_of_fold(
    members: &[MemberParams],
    names: &[String],
    data: &Dataset,
    folds: &[Fold],
    progress: &dyn Progress,
) -> Result<Vec<Output>> {
    progress.start(
        &format!(
            "out-of-fold predictions ({} folds × {} members)",
            folds.len(),
            members.len()
        ),
        None,
    );
    let jobs: Vec<(usize, usize)> = (0..folds.len())
        .flat_map(|f| (0..members.len()).map(move |m| (f, m)))
        .collect();
    let outputs: Vec<Result<Output>> = jobs
        .par_iter()
        .map(|&(f, m)| {
            let fold = &folds[f];
            let train = data.select_rows(&fold.train)?;
            let test = data.select_rows(&fold.test)?;
            let fitted = fit_member(&members[m], &names[m], &train, &NoProgress)?;
            fitted.output(test.x())
        })
        .collect();
    progress.finish();
    let n = data.n_samples();
    let mut values: Vec<Array1<f64>> = vec![Array1::zeros(n); members.len()];
    let mut probas: Vec<Option<Array2<f64>>> = vec![None; members.len()];
    for (&(f, m), out) in jobs.iter().zip(outputs) {
        let out = out?;
        let rows = &folds[f].test;
        for (r, &row) in rows.iter().enumerate() {
            values[m][row] = out.values[r];
        }
        if let Some(p) = out.proba {
            let full = probas[m].get_or_insert_with(|| Array2::zeros((n, p.ncols())));
            if full.ncols() != p.ncols() {
                return Err(Error::InvalidData(format!(
                    "member `{}` gave {} class columns in one fold and {} in another; the \
                     members disagree on the classes",
                    names[m],
                    full.ncols(),
                    p.ncols()
                )));
            }
            for (r, &row) in rows.iter().enumerate() {
                full.row_mut(row).assign(&p.row(r));
            }
        }
    }
    Ok(values
        .into_iter()
        .zip(probas)
        .map(|(values, proba)| Output { values, proba })
        .collect())
}

/// imbalanced-learn's ensembles that resample inside, as bagging recipes (a resampler is a
/// fit-time step of the bagged member, and each copy draws its own under-sample):
///
/// - `balanced_bagging` — `BalancedBaggingClassifier`: 10 copies of a decision tree, each on a
///   bootstrap sample that a `random_under_sampler` then balances;
/// - `easy_ensemble` — `EasyEnsembleClassifier`: 10 copies of AdaBoost (50 stumps), each on a
///   balanced random under-sample of all the rows (no bootstrap).
///
/// `None` for any other name; an error for a regression target.
pub fn recipe(name: &str, tasks: &[Task]) -> Result<Option<ModelParams>> {
    let (model, bootstrap) = match name {
        "balanced_bagging" => ("tree", true),
        "easy_ensemble" => ("adaboost", false),
        _ => return Ok(None),
    };
    if !tasks.first().is_some_and(|t| t.is_classification()) {
        return Err(Error::param(
            "--model",
            format!("{name} balances classes, and the target is not a class target"),
        ));
    }
    let tree = serde_json::json!({
        "kind": "bagging_classifier",
        "estimator": {
            "model": model,
            "preprocessing": [{"step": "random_under_sampler"}],
        },
        "bootstrap": bootstrap,
    });
    serde_json::from_value(tree)
        .map(Some)
        .map_err(|e| Error::Internal(format!("the {name} recipe: {e}")))
}
