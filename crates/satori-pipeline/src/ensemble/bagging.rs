//! Bagging of any model (scikit-learn's `BaggingClassifier` and `BaggingRegressor`): each of
//! `n_estimators` copies of one member pipeline learns from a random sample of the rows (drawn
//! with replacement by default) and, optionally, of the columns; the classifier averages their
//! class probabilities (or, for members without them, their votes), the regressor their
//! predictions. `oob_score` scores every row with the copies that did not draw it.
//!
//! The draws come from satori's seeded generator, not NumPy's, so a bagging of scikit-learn's
//! and one of satori's with the same seed draw different rows; both draw them the same way.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;
use satori_core::rng::{RngExt, shuffle, sub_rng};
use satori_core::{ColumnSchema, Dataset, Error, Estimator, NoProgress, Params, Progress, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::voting::argmax;
use super::{FittedMember, MemberParams, fit_member, prefix, validate_members};
use crate::models::Output;

/// A number of rows or columns: a count, or a fraction of the total (scikit-learn's int or
/// float `max_samples` / `max_features`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Amount {
    /// An exact count (≥ 1, at most the total).
    Count(usize),
    /// A fraction of the total, in (0, 1].
    Fraction(f64),
}

impl Amount {
    fn validate(self, name: &str) -> Result<()> {
        match self {
            Amount::Count(0) => Err(Error::param(name, "must be ≥ 1 (a count) or in (0, 1]")),
            Amount::Fraction(f) if !(f > 0.0 && f <= 1.0) => Err(Error::param(
                name,
                format!("a fraction must be in (0, 1], got {f}"),
            )),
            _ => Ok(()),
        }
    }

    /// The count out of `total` (a fraction rounds down, as scikit-learn's `int(f * n)`).
    fn of(self, total: usize, name: &str, at_least_one: bool) -> Result<usize> {
        let n = match self {
            Amount::Count(c) => c,
            Amount::Fraction(f) => (f * total as f64) as usize,
        };
        let n = if at_least_one { n.max(1) } else { n };
        if n == 0 || n > total {
            return Err(Error::param(
                name,
                format!("asks for {n} of {total}; it must be between 1 and {total}"),
            ));
        }
        Ok(n)
    }
}

fn default_member() -> MemberParams {
    MemberParams::named("tree")
}

fn default_n() -> usize {
    10
}

fn all() -> Amount {
    Amount::Fraction(1.0)
}

fn yes() -> bool {
    true
}

/// Bagging's parameters (one type for the classifier and the regressor kinds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaggingParams {
    /// The member every copy is made of. Default `tree` (a decision tree), as scikit-learn's.
    #[serde(default = "default_member")]
    pub estimator: MemberParams,
    /// Copies. Default 10; at least 1.
    #[serde(default = "default_n")]
    pub n_estimators: usize,
    /// Rows each copy draws: a count or a fraction of the rows. Default 1.0.
    #[serde(default = "all")]
    pub max_samples: Amount,
    /// Columns each copy draws: a count or a fraction of the columns (at least one). Default
    /// 1.0.
    #[serde(default = "all")]
    pub max_features: Amount,
    /// Draw rows with replacement. Default true.
    #[serde(default = "yes")]
    pub bootstrap: bool,
    /// Draw columns with replacement. Default false.
    #[serde(default)]
    pub bootstrap_features: bool,
    /// Score every row with the copies that did not draw it (accuracy or R²); needs
    /// `bootstrap`. Default false.
    #[serde(default)]
    pub oob_score: bool,
    /// Seed of the draws (each copy's own seed, where its model has one, derives from it).
    /// Default 0.
    #[serde(default)]
    pub seed: u64,
}

impl Default for BaggingParams {
    fn default() -> Self {
        BaggingParams {
            estimator: default_member(),
            n_estimators: default_n(),
            max_samples: all(),
            max_features: all(),
            bootstrap: true,
            bootstrap_features: false,
            oob_score: false,
            seed: 0,
        }
    }
}

impl Params for BaggingParams {
    fn validate(&self) -> Result<()> {
        validate_members(std::slice::from_ref(&self.estimator), 1, None)
            .map_err(|e| rename(e, "model.members.0", "model.estimator"))?;
        if self.n_estimators == 0 {
            return Err(Error::param("model.n_estimators", "must be ≥ 1, got 0"));
        }
        self.max_samples.validate("model.max_samples")?;
        self.max_features.validate("model.max_features")?;
        if self.oob_score && !self.bootstrap {
            return Err(Error::param(
                "model.oob_score",
                "the out-of-bag score needs bootstrap = true (without it every row is drawn)",
            ));
        }
        Ok(())
    }
}

fn rename(e: Error, from: &str, to: &str) -> Error {
    match e {
        Error::InvalidParameter { name, reason } => {
            Error::param(name.replacen(from, to, 1), reason)
        }
        other => other,
    }
}

/// A bagging classifier's parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BaggingClassifierParams(pub BaggingParams);

/// A bagging regressor's parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BaggingRegressorParams(pub BaggingParams);

impl Params for BaggingClassifierParams {
    fn validate(&self) -> Result<()> {
        self.0.validate()
    }
}

impl Params for BaggingRegressorParams {
    fn validate(&self) -> Result<()> {
        self.0.validate()
    }
}

/// A fitted bagging ensemble.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedBagging {
    /// The copies.
    pub estimators: Vec<FittedMember>,
    /// The input columns each copy reads.
    pub features: Vec<Vec<usize>>,
    /// The number of classes (`None` for a regressor).
    pub n_classes: Option<usize>,
    /// The out-of-bag score (accuracy or R²), where asked for.
    pub oob_score: Option<f64>,
    n_features: usize,
}

/// One copy's draw: rows and columns.
struct Draw {
    rows: Vec<usize>,
    columns: Vec<usize>,
}

fn draw(p: &BaggingParams, i: usize, n_rows: usize, n_cols: usize) -> Result<Draw> {
    let mut rng = sub_rng(p.seed, i as u64);
    let n_features = p.max_features.of(n_cols, "model.max_features", true)?;
    let n_samples = p.max_samples.of(n_rows, "model.max_samples", false)?;
    let pick = |rng: &mut satori_core::rng::SatoriRng, total: usize, k: usize, with: bool| {
        if with {
            (0..k)
                .map(|_| rng.random_range(0..total))
                .collect::<Vec<_>>()
        } else {
            let mut all: Vec<usize> = (0..total).collect();
            shuffle(&mut all, rng);
            all.truncate(k);
            all
        }
    };
    let mut columns = pick(&mut rng, n_cols, n_features, p.bootstrap_features);
    if !p.bootstrap_features {
        columns.sort_unstable();
    }
    let mut rows = pick(&mut rng, n_rows, n_samples, p.bootstrap);
    rows.sort_unstable();
    Ok(Draw { rows, columns })
}

/// The columns `columns` of `data` as a dataset of their own (kinds and names kept; a column
/// drawn twice is numbered).
fn with_columns(data: &Dataset, columns: &[usize]) -> Result<Dataset> {
    let x = data.x().select(Axis(1), columns);
    let mut schema_cols: Vec<ColumnSchema> = Vec::with_capacity(columns.len());
    for (k, &c) in columns.iter().enumerate() {
        let mut col = data.features().columns[c].clone();
        if columns[..k].contains(&c) {
            col.name = format!("{}_{k}", col.name);
        }
        schema_cols.push(col);
    }
    data.with_features(x, satori_core::Schema::new(schema_cols)?)
}

/// The member with its model's and its steps' seeds (where they have one) derived for copy
/// `i`, so that copies of a stochastic model, or of a resampling step (balanced bagging: a
/// `random_under_sampler` before the model), differ.
fn seeded(member: &MemberParams, seed: u64, i: usize) -> Result<MemberParams> {
    let mut member = member.clone();
    for (j, step) in member.preprocessing.iter_mut().enumerate() {
        let mut tree = serde_json::to_value(&*step)
            .map_err(|e| Error::Internal(format!("bagging member step: {e}")))?;
        if let Some(Value::Number(_)) = tree.get("seed") {
            let stream = 2_000_003 + (i as u64) * 1_009 + j as u64;
            tree["seed"] = Value::from(satori_core::rng::derive_seed(seed, stream));
            *step = serde_json::from_value(tree)
                .map_err(|e| Error::Internal(format!("bagging member step: {e}")))?;
        }
    }
    let super::MemberModel::Params(model) = &member.model else {
        return Ok(member);
    };
    let mut tree = serde_json::to_value(model.as_ref())
        .map_err(|e| Error::Internal(format!("bagging member: {e}")))?;
    if let Some(Value::Number(_)) = tree.get("seed") {
        tree["seed"] = Value::from(satori_core::rng::derive_seed(seed, 1_000_003 + i as u64));
    }
    let model = serde_json::from_value(tree)
        .map_err(|e| Error::Internal(format!("bagging member: {e}")))?;
    Ok(MemberParams {
        model: super::MemberModel::Params(Box::new(model)),
        ..member
    })
}

fn fit_bagging(
    p: &BaggingParams,
    n_classes: Option<usize>,
    data: &Dataset,
    progress: &dyn Progress,
) -> Result<FittedBagging> {
    p.validate()?;
    let tasks = crate::models::target_tasks(data)?;
    let estimator = p
        .estimator
        .resolved(&tasks)
        .map_err(|e| prefix(e, "model.estimator"))?;
    let draws: Vec<Draw> = (0..p.n_estimators)
        .map(|i| draw(p, i, data.n_samples(), data.n_features()))
        .collect::<Result<_>>()?;
    progress.start(&format!("fitting {} bagged copies", p.n_estimators), None);
    let fitted: Vec<Result<FittedMember>> = draws
        .par_iter()
        .enumerate()
        .map(|(i, d)| {
            let rows = data.select_rows(&d.rows)?;
            let part = with_columns(&rows, &d.columns)?;
            fit_member(
                &seeded(&estimator, p.seed, i)?,
                &format!("copy_{i}"),
                &part,
                &NoProgress,
            )
        })
        .collect();
    progress.finish();
    let estimators: Vec<FittedMember> = fitted.into_iter().collect::<Result<_>>()?;
    let mut model = FittedBagging {
        estimators,
        features: draws.iter().map(|d| d.columns.clone()).collect(),
        n_classes,
        oob_score: None,
        n_features: data.n_features(),
    };
    if p.oob_score {
        model.oob_score = Some(oob(&model, &draws, data)?);
    }
    Ok(model)
}

/// One copy's contribution to the average: probabilities (classifier: its own, or a one-hot vote
/// for a member without them) or its predictions as one column.
fn contribution(out: Output, n_classes: Option<usize>) -> Result<Array2<f64>> {
    match n_classes {
        Some(k) => match out.proba {
            Some(p) if p.ncols() == k => Ok(p),
            Some(p) => Err(Error::InvalidData(format!(
                "a bagged copy gives {} class columns and the target has {k} classes",
                p.ncols()
            ))),
            None => {
                let mut votes = Array2::zeros((out.values.len(), k));
                for (i, c) in out.values.iter().enumerate() {
                    let c = *c as usize;
                    if c < k {
                        votes[[i, c]] = 1.0;
                    }
                }
                Ok(votes)
            }
        },
        None => Ok(out.values.insert_axis(Axis(1))),
    }
}

fn oob(model: &FittedBagging, draws: &[Draw], data: &Dataset) -> Result<f64> {
    let n = data.n_samples();
    let width = model.n_classes.unwrap_or(1);
    let mut sum = Array2::<f64>::zeros((n, width));
    let mut count = vec![0usize; n];
    for ((est, cols), d) in model.estimators.iter().zip(&model.features).zip(draws) {
        let mut drawn = vec![false; n];
        for &r in &d.rows {
            drawn[r] = true;
        }
        let out_rows: Vec<usize> = (0..n).filter(|&r| !drawn[r]).collect();
        if out_rows.is_empty() {
            continue;
        }
        let x = data.x().select(Axis(0), &out_rows).select(Axis(1), cols);
        let part = contribution(est.output(x.view())?, model.n_classes)?;
        for (k, &r) in out_rows.iter().enumerate() {
            let mut row = sum.row_mut(r);
            row += &part.row(k);
            count[r] += 1;
        }
    }
    let seen: Vec<usize> = (0..n).filter(|&r| count[r] > 0).collect();
    if seen.is_empty() {
        return Err(Error::param(
            "model.oob_score",
            "no row was left out of every copy's draw; raise n_estimators or lower max_samples",
        ));
    }
    let target = data.require_target()?.as_f64();
    Ok(match model.n_classes {
        Some(_) => {
            let right = seen
                .iter()
                .filter(|&&r| argmax(sum.row(r).iter().copied()) as f64 == target[r])
                .count();
            right as f64 / seen.len() as f64
        }
        None => {
            let pred: Vec<f64> = seen
                .iter()
                .map(|&r| sum[[r, 0]] / count[r] as f64)
                .collect();
            let truth: Vec<f64> = seen.iter().map(|&r| target[r]).collect();
            let mean = truth.iter().sum::<f64>() / truth.len() as f64;
            let ss_res: f64 = truth.iter().zip(&pred).map(|(t, p)| (t - p).powi(2)).sum();
            let ss_tot: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
            if ss_tot > 0.0 {
                1.0 - ss_res / ss_tot
            } else {
                0.0
            }
        }
    })
}

impl FittedBagging {
    /// Predictions (and, for a classifier, the mean class probabilities).
    pub fn output(&self, x: ArrayView2<'_, f64>) -> Result<Output> {
        if x.ncols() != self.n_features {
            return Err(Error::ShapeMismatch {
                context: "columns into the bagging ensemble".into(),
                expected: self.n_features,
                got: x.ncols(),
            });
        }
        let width = self.n_classes.unwrap_or(1);
        let mut sum = Array2::<f64>::zeros((x.nrows(), width));
        for (est, cols) in self.estimators.iter().zip(&self.features) {
            let part = x.select(Axis(1), cols);
            sum += &contribution(est.output(part.view())?, self.n_classes)?;
        }
        let n = self.estimators.len() as f64;
        sum.mapv_inplace(|v| v / n);
        Ok(match self.n_classes {
            Some(_) => {
                let values: Array1<f64> = sum
                    .rows()
                    .into_iter()
                    .map(|r| argmax(r.iter().copied()) as f64)
                    .collect();
                Output {
                    values,
                    proba: Some(sum),
                }
            }
            None => Output {
                values: sum.column(0).to_owned(),
                proba: None,
            },
        })
    }

    /// The columns it takes.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// A summary: the copies and the out-of-bag score.
    pub fn summary(&self) -> String {
        let kind = self.estimators.first().map_or("-", |e| e.model.kind());
        let oob = self
            .oob_score
            .map(|s| format!("; out-of-bag score {s:.4}"))
            .unwrap_or_default();
        let cols = self.features.first().map_or(0, Vec::len);
        format!(
            "bagging of {} × {kind} on {cols} of {} columns each{oob}",
            self.estimators.len(),
            self.n_features
        )
    }
}

impl Estimator for BaggingClassifierParams {
    type Model = FittedBagging;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<FittedBagging> {
        let k = data
            .require_target()?
            .labels()
            .map(<[String]>::len)
            .ok_or_else(|| {
                Error::InvalidData(
                    "bagging_classifier needs a classification target; use bagging_regressor"
                        .into(),
                )
            })?;
        fit_bagging(&self.0, Some(k), data, progress)
    }
}

impl Estimator for BaggingRegressorParams {
    type Model = FittedBagging;

    fn fit_with_progress(&self, data: &Dataset, progress: &dyn Progress) -> Result<FittedBagging> {
        if data.require_target()?.labels().is_some() {
            return Err(Error::InvalidData(
                "bagging_regressor needs a regression target; use bagging_classifier".into(),
            ));
        }
        fit_bagging(&self.0, None, data, progress)
    }
}
