//! Stacking: scikit-learn's `StackingClassifier` and `StackingRegressor`. The members' out-of-fold
//! predictions (every row predicted by members that never saw it) train a final estimator; the
//! members are then refitted on every row, and predict for the final estimator at predict time.
//!
//! As in scikit-learn: the folds default to five unshuffled ones (stratified for a classifier);
//! `stack_method = "auto"` takes a member's class probabilities where it gives them and its
//! predictions otherwise; with two classes only the second class's probability is kept (the
//! first is one minus it); `passthrough` appends the ensemble's input columns to the members'
//! predictions. The final estimator defaults to logistic regression (classifier) without
//! automatic preprocessing, as scikit-learn's `LogisticRegression()` sees the probabilities
//! unscaled; the regressor's default is ridge with `alpha = 1` (scikit-learn's is `RidgeCV`,
//! which picks alpha among 0.1, 1 and 10 by leave-one-out error).

use ndarray::{Array2, ArrayView2, Axis, concatenate};
use satori_core::{
    ColumnKind, ColumnSchema, Dataset, Error, Estimator, Params, Progress, Result, Schema,
};
use satori_data::splits::SplitStrategy;
use serde::{Deserialize, Serialize};

use super::{
    FittedMember, MemberParams, fit_member, fit_members, member_names, members_summary,
    out_of_fold, partition, prefix, validate_members,
};
use crate::models::Output;

/// What each member gives the final estimator (scikit-learn's `stack_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StackMethod {
    /// Class probabilities where the member gives them, its predictions otherwise (the
    /// default). satori's models expose no decision function, so `auto` never picks one.
    #[default]
    Auto,
    /// Class probabilities; a member without them is an error.
    PredictProba,
    /// Predictions (class codes for a classifier).
    Predict,
}

fn default_final_classifier() -> MemberParams {
    MemberParams {
        auto_preprocessing: false,
        ..MemberParams::named("logistic")
    }
}

fn default_final_regressor() -> MemberParams {
    MemberParams {
        auto_preprocessing: false,
        ..MemberParams::named("ridge")
    }
}

/// A stacking classifier's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackingClassifierParams {
    /// The members (at least 1). Default `[logistic, forest, gbm]`.
    pub members: Vec<MemberParams>,
    /// The estimator trained on the members' out-of-fold outputs. Default: logistic regression
    /// with scikit-learn's defaults and no automatic preprocessing.
    pub final_estimator: MemberParams,
    /// The folds of the out-of-fold predictions: any scheme that tests every row once
    /// (`k_fold`, `stratified_k_fold`). Default: 5 unshuffled stratified folds.
    pub cv: Option<SplitStrategy>,
    /// What each member gives the final estimator. Default `auto`.
    pub stack_method: StackMethod,
    /// Append the ensemble's input columns to the members' outputs. Default false.
    pub passthrough: bool,
    /// Blend instead of stacking: the members learn from a random `1 − blend` of the rows
    /// (stratified by class), the final estimator from their predictions on the other `blend`,
    /// and the members are not refitted — cheaper than `cv`'s folds, with fewer rows for
    /// each part. In (0, 1); default none (stacking on `cv`).
    pub blend: Option<f64>,
    /// Seed of the blending split. Default 0.
    pub seed: u64,
}

impl Default for StackingClassifierParams {
    fn default() -> Self {
        StackingClassifierParams {
            members: super::voting::VotingClassifierParams::default().members,
            final_estimator: default_final_classifier(),
            cv: None,
            stack_method: StackMethod::Auto,
            passthrough: false,
            blend: None,
            seed: 0,
        }
    }
}

/// A stacking regressor's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackingRegressorParams {
    /// The members (at least 1). Default `[ridge, forest, gbm]`.
    pub members: Vec<MemberParams>,
    /// The estimator trained on the members' out-of-fold predictions. Default: ridge
    /// (`alpha = 1`) without automatic preprocessing.
    pub final_estimator: MemberParams,
    /// The folds of the out-of-fold predictions (as for the classifier). Default: 5 unshuffled
    /// folds.
    pub cv: Option<SplitStrategy>,
    /// Append the ensemble's input columns to the members' predictions. Default false.
    pub passthrough: bool,
    /// Blend on a random `blend` fraction of the rows instead of stacking on `cv`'s folds (as
    /// for the classifier). Default none.
    pub blend: Option<f64>,
    /// Seed of the blending split. Default 0.
    pub seed: u64,
}

impl Default for StackingRegressorParams {
    fn default() -> Self {
        StackingRegressorParams {
            members: super::voting::VotingRegressorParams::default().members,
            final_estimator: default_final_regressor(),
            cv: None,
            passthrough: false,
            blend: None,
            seed: 0,
        }
    }
}

fn validate_common(
    members: &[MemberParams],
    final_estimator: &MemberParams,
    cv: Option<&SplitStrategy>,
    blend: Option<f64>,
) -> Result<()> {
    if let Some(b) = blend {
        if !(b > 0.0 && b < 1.0) {
            return Err(Error::param(
                "model.blend",
                format!("the blending fraction must be in (0, 1), e.g. 0.2; got {b}"),
            ));
        }
        if cv.is_some() {
            return Err(Error::param(
                "model.blend",
                "blending holds out rows instead of folds: give `blend` or `cv`, not both",
            ));
        }
    }
    validate_members(members, 1, None)?;
    validate_members(std::slice::from_ref(final_estimator), 1, None)
        .map_err(|e| rename(e, "model.members.0", "model.final_estimator"))?;
    if let Some(cv) = cv {
        cv.validate().map_err(|e| prefix(e, "model.cv"))?;
        if !matches!(
            cv,
            SplitStrategy::KFold { .. } | SplitStrategy::StratifiedKFold { .. }
        ) {
            return Err(Error::param(
                "model.cv",
                format!(
                    "stacking needs folds that predict every row exactly once (k_fold or \
                     stratified_k_fold), got {}",
                    cv.name()
                ),
            ));
        }
    }
    Ok(())
}

fn rename(e: Error, from: &str, to: &str) -> Error {
    match e {
        Error::InvalidParameter { name, reason } => {
            Error::param(name.replacen(from, to, 1), reason)
        }
        other => other,
    }
}

impl Params for StackingClassifierParams {
    fn validate(&self) -> Result<()> {
        validate_common(
            &self.members,
            &self.final_estimator,
            self.cv.as_ref(),
            self.blend,
        )
    }
}

impl Params for StackingRegressorParams {
    fn validate(&self) -> Result<()> {
        validate_common(
            &self.members,
            &self.final_estimator,
            self.cv.as_ref(),
            self.blend,
        )
    }
}

/// How one member feeds the final estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberFeed {
    /// Its prediction (one column).
    Predict,
    /// Its class probabilities (all columns, or the second of two classes).
    Proba,
}

/// A fitted stacking ensemble (classifier or regressor).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedStacking {
    /// The members, refitted on every training row.
    pub members: Vec<FittedMember>,
    /// What each member gives the final estimator.
    pub feeds: Vec<MemberFeed>,
    /// The final estimator, fitted on the members' out-of-fold outputs.
    pub final_estimator: Box<FittedMember>,
    /// Whether the input columns follow the members' outputs.
    pub passthrough: bool,
    /// The number of classes (`None` for a regressor).
    pub n_classes: Option<usize>,
    /// The final estimator's input columns' names.
    pub meta_columns: Vec<String>,
    /// Blending: the rows the final estimator learned from (the members learned from the
    /// others); `None` for stacking.
    pub blended_on: Option<usize>,
}

struct Setup<'a> {
    members: &'a [MemberParams],
    final_estimator: &'a MemberParams,
    cv: SplitStrategy,
    blend: Option<(f64, u64)>,
    method: StackMethod,
    passthrough: bool,
    n_classes: Option<usize>,
}

impl Estimator for StackingClassifierParams {
    type Model = FittedStacking;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<FittedStacking> {
        self.validate()?;
        let n_classes = data
            .require_target()?
            .labels()
            .map(<[String]>::len)
            .ok_or_else(|| {
                Error::InvalidData(
                    "stacking_classifier needs a classification target; use \
                     stacking_regressor"
                        .into(),
                )
            })?;
        let cv = self.cv.clone().unwrap_or(SplitStrategy::StratifiedKFold {
            n_splits: 5,
            shuffle: false,
            seed: 0,
        });
        fit_stacking(
            Setup {
                members: &self.members,
                final_estimator: &self.final_estimator,
                cv,
                blend: self.blend.map(|b| (b, self.seed)),
                method: self.stack_method,
                passthrough: self.passthrough,
                n_classes: Some(n_classes),
            },
            data,
            progress,
        )
    }
}

impl Estimator for StackingRegressorParams {
    type Model = FittedStacking;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<FittedStacking> {
        self.validate()?;
        if data.require_target()?.labels().is_some() {
            return Err(Error::InvalidData(
                "stacking_regressor needs a regression target; use stacking_classifier".into(),
            ));
        }
        let cv = self.cv.clone().unwrap_or_default();
        fit_stacking(
            Setup {
                members: &self.members,
                final_estimator: &self.final_estimator,
                cv,
                blend: self.blend.map(|b| (b, self.seed)),
                method: StackMethod::Predict,
                passthrough: self.passthrough,
                n_classes: None,
            },
            data,
            progress,
        )
    }
}

fn fit_stacking(s: Setup<'_>, data: &Dataset, progress: &dyn Progress) -> Result<FittedStacking> {
    let names = member_names(s.members)?;
    // Stacking: members on every row, their out-of-fold outputs for the final estimator.
    // Blending: members on one part, their outputs on the other part for the final estimator.
    let (members, meta_rows, blend_rows) = match s.blend {
        None => (fit_members(s.members, data, progress)?, None, None),
        Some((fraction, seed)) => {
            let stratify = s.n_classes.is_some();
            let (fit_rows, blend_rows) =
                satori_data::splits::train_test_split(data, fraction, stratify, seed)
                    .map_err(|e| prefix(e, "model.blend"))?;
            let part = data.select_rows(&fit_rows)?;
            let named: Vec<MemberParams> = s
                .members
                .iter()
                .zip(&names)
                .map(|(m, n)| MemberParams {
                    name: Some(n.clone()),
                    ..m.clone()
                })
                .collect();
            let members = fit_members(&named, &part, progress)?;
            let blend_data = data.select_rows(&blend_rows)?;
            (members, Some(blend_data), Some(blend_rows))
        }
    };
    let meta_data_rows = meta_rows.as_ref().unwrap_or(data);
    let probe = data.x().slice(ndarray::s![..1, ..]).to_owned();
    let mut feeds = Vec::with_capacity(members.len());
    for m in &members {
        let has_proba = s.n_classes.is_some() && m.output(probe.view())?.proba.is_some();
        feeds.push(match s.method {
            StackMethod::Predict => MemberFeed::Predict,
            StackMethod::Auto if has_proba => MemberFeed::Proba,
            StackMethod::Auto => MemberFeed::Predict,
            StackMethod::PredictProba if has_proba => MemberFeed::Proba,
            StackMethod::PredictProba => {
                return Err(Error::param(
                    "model.stack_method",
                    format!(
                        "member `{}` (a {}) gives no class probabilities, which \
                         stack_method = \"predict_proba\" asks for; use \"auto\" or \"predict\"",
                        m.name,
                        m.model.kind()
                    ),
                ));
            }
        });
    }
    let oof: Vec<Array2<f64>> = match &meta_rows {
        None => {
            let folds = partition(&s.cv, data)?;
            out_of_fold(s.members, &names, data, &folds, progress)?
                .iter()
                .zip(&feeds)
                .zip(&members)
                .map(|((out, feed), m)| feed_columns(out, *feed, s.n_classes, &m.name))
                .collect::<Result<_>>()?
        }
        Some(rows) => members
            .iter()
            .zip(&feeds)
            .map(|(m, feed)| feed_columns(&m.output(rows.x())?, *feed, s.n_classes, &m.name))
            .collect::<Result<_>>()?,
    };
    let labels = data
        .target()
        .and_then(|t| t.labels())
        .map(<[String]>::to_vec);
    let meta_columns = meta_names(&members, &feeds, labels.as_deref());
    let meta = assemble(&oof, s.passthrough.then(|| meta_data_rows.x()))?;
    let mut columns: Vec<ColumnSchema> = meta_columns
        .iter()
        .map(|name| ColumnSchema {
            name: name.clone(),
            kind: ColumnKind::Numeric,
        })
        .collect();
    if s.passthrough {
        columns.extend(data.features().columns.iter().cloned());
    }
    let schema = Schema::new(columns).map_err(|e| {
        Error::param(
            "model.members",
            format!("the final estimator's columns clash: {e}; rename the members"),
        )
    })?;
    let meta_data = meta_data_rows.with_features(meta, schema)?;
    progress.start("fitting the final estimator", None);
    let final_estimator = fit_member(s.final_estimator, "final_estimator", &meta_data, progress);
    progress.finish();
    Ok(FittedStacking {
        members,
        feeds,
        final_estimator: Box::new(final_estimator?),
        passthrough: s.passthrough,
        n_classes: s.n_classes,
        meta_columns,
        blended_on: blend_rows.map(|r| r.len()),
    })
}

/// One member's columns for the final estimator.
fn feed_columns(
    out: &Output,
    feed: MemberFeed,
    n_classes: Option<usize>,
    name: &str,
) -> Result<Array2<f64>> {
    match feed {
        MemberFeed::Predict => Ok(out.values.clone().insert_axis(Axis(1))),
        MemberFeed::Proba => {
            let k = n_classes.unwrap_or(0);
            let p = out.proba.as_ref().ok_or_else(|| {
                Error::InvalidData(format!("member `{name}` gave no probabilities"))
            })?;
            if p.ncols() != k {
                return Err(Error::InvalidData(format!(
                    "member `{name}` gives {} class columns and the ensemble has {k} classes; \
                     the members disagree on the classes",
                    p.ncols()
                )));
            }
            Ok(if k == 2 {
                p.slice(ndarray::s![.., 1..]).to_owned()
            } else {
                p.clone()
            })
        }
    }
}

fn meta_names(
    members: &[FittedMember],
    feeds: &[MemberFeed],
    labels: Option<&[String]>,
) -> Vec<String> {
    let mut names = Vec::new();
    for (m, feed) in members.iter().zip(feeds) {
        match (feed, labels) {
            (MemberFeed::Proba, Some(l)) if l.len() == 2 => {
                names.push(format!("{}_{}", m.name, l[1]))
            }
            (MemberFeed::Proba, Some(l)) => {
                names.extend(l.iter().map(|c| format!("{}_{c}", m.name)))
            }
            _ => names.push(m.name.clone()),
        }
    }
    names
}

fn assemble(
    parts: &[Array2<f64>],
    passthrough: Option<ArrayView2<'_, f64>>,
) -> Result<Array2<f64>> {
    let mut views: Vec<ArrayView2<'_, f64>> = parts.iter().map(|p| p.view()).collect();
    if let Some(x) = passthrough {
        views.push(x);
    }
    concatenate(Axis(1), &views).map_err(|e| Error::Internal(format!("stacking columns: {e}")))
}

impl FittedStacking {
    /// Predictions (and the final estimator's probabilities, where it gives them).
    pub fn output(&self, x: ArrayView2<'_, f64>) -> Result<Output> {
        let parts: Vec<Array2<f64>> = self
            .members
            .iter()
            .zip(&self.feeds)
            .map(|(m, feed)| feed_columns(&m.output(x)?, *feed, self.n_classes, &m.name))
            .collect::<Result<_>>()?;
        let meta = assemble(&parts, self.passthrough.then_some(x))?;
        self.final_estimator.output(meta.view())
    }

    /// The columns it takes.
    pub fn n_features(&self) -> usize {
        self.members.first().map_or(0, FittedMember::n_features)
    }

    /// A summary: the members and the final estimator.
    pub fn summary(&self) -> String {
        let what = match (self.n_classes.is_some(), self.blended_on) {
            (true, None) => "stacking classifier".to_string(),
            (false, None) => "stacking regressor".to_string(),
            (true, Some(n)) => {
                format!("blending classifier (final estimator on {n} held-out rows)")
            }
            (false, Some(n)) => {
                format!("blending regressor (final estimator on {n} held-out rows)")
            }
        };
        let passthrough = if self.passthrough {
            " and the input columns"
        } else {
            ""
        };
        format!(
            "{what} of {} members:\n{}\n  final estimator: {} on {} member columns{passthrough}",
            self.members.len(),
            members_summary(&self.members, None),
            self.final_estimator.model.kind(),
            self.meta_columns.len()
        )
    }
}
