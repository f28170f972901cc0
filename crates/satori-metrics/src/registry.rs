//! Built-in metrics by name (scikit-learn's scorer names where they exist) and parsed weighted
//! combinations such as `"0.7*recall+0.3*precision"`.

use ndarray::ArrayView1;
use satori_core::{Error, Result, closest_names};

use crate::classification::{self as cls, Average, KappaWeights, ZeroDivision};
use crate::confusion::ConfusionCounts;
use crate::imbalance::{self as imb, GeometricMeanAverage as Gm, IndexBalancedAccuracy};
use crate::metric::{EvalInput, Metric, Needs, missing};
use crate::ranking::{self, ClassAverage};
use crate::{probabilistic as prob, regression as reg};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Prf {
    Precision,
    Recall,
    F1,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Accuracy,
    BalancedAccuracy,
    Prf(Prf, Average),
    Mcc,
    Kappa(KappaWeights),
    Sensitivity(Average),
    Specificity(Average),
    GeometricMean(Gm),
    IndexBalancedAccuracy(Gm),
    RocAuc,
    RocAucOvr(ClassAverage),
    RocAucOvo(ClassAverage),
    AveragePrecision,
    TopK(usize),
    LogLoss,
    Brier,
    R2,
    ExplainedVariance,
    Mse,
    Rmse,
    Mae,
    Medae,
    Mape,
    MaxError,
    Tweedie(f64),
}

const BIN: Average = Average::Binary { pos_label: 1 };

/// `(name, kind, negated)`: negated names (scikit-learn's `neg_*`) return minus the loss so
/// that greater is better.
const BUILTINS: &[(&str, Kind, bool)] = &[
    ("accuracy", Kind::Accuracy, false),
    ("balanced_accuracy", Kind::BalancedAccuracy, false),
    ("f1", Kind::Prf(Prf::F1, BIN), false),
    ("f1_macro", Kind::Prf(Prf::F1, Average::Macro), false),
    ("f1_micro", Kind::Prf(Prf::F1, Average::Micro), false),
    ("f1_weighted", Kind::Prf(Prf::F1, Average::Weighted), false),
    ("precision", Kind::Prf(Prf::Precision, BIN), false),
    (
        "precision_macro",
        Kind::Prf(Prf::Precision, Average::Macro),
        false,
    ),
    (
        "precision_micro",
        Kind::Prf(Prf::Precision, Average::Micro),
        false,
    ),
    (
        "precision_weighted",
        Kind::Prf(Prf::Precision, Average::Weighted),
        false,
    ),
    ("recall", Kind::Prf(Prf::Recall, BIN), false),
    (
        "recall_macro",
        Kind::Prf(Prf::Recall, Average::Macro),
        false,
    ),
    (
        "recall_micro",
        Kind::Prf(Prf::Recall, Average::Micro),
        false,
    ),
    (
        "recall_weighted",
        Kind::Prf(Prf::Recall, Average::Weighted),
        false,
    ),
    ("mcc", Kind::Mcc, false),
    ("matthews_corrcoef", Kind::Mcc, false),
    ("cohen_kappa", Kind::Kappa(KappaWeights::Unweighted), false),
    (
        "cohen_kappa_linear",
        Kind::Kappa(KappaWeights::Linear),
        false,
    ),
    (
        "cohen_kappa_quadratic",
        Kind::Kappa(KappaWeights::Quadratic),
        false,
    ),
    ("sensitivity", Kind::Sensitivity(BIN), false),
    (
        "sensitivity_macro",
        Kind::Sensitivity(Average::Macro),
        false,
    ),
    (
        "sensitivity_micro",
        Kind::Sensitivity(Average::Micro),
        false,
    ),
    (
        "sensitivity_weighted",
        Kind::Sensitivity(Average::Weighted),
        false,
    ),
    ("specificity", Kind::Specificity(BIN), false),
    (
        "specificity_macro",
        Kind::Specificity(Average::Macro),
        false,
    ),
    (
        "specificity_micro",
        Kind::Specificity(Average::Micro),
        false,
    ),
    (
        "specificity_weighted",
        Kind::Specificity(Average::Weighted),
        false,
    ),
    ("geometric_mean", Kind::GeometricMean(Gm::Multiclass), false),
    (
        "geometric_mean_binary",
        Kind::GeometricMean(Gm::Binary { pos_label: 1 }),
        false,
    ),
    (
        "geometric_mean_macro",
        Kind::GeometricMean(Gm::Macro),
        false,
    ),
    (
        "geometric_mean_micro",
        Kind::GeometricMean(Gm::Micro),
        false,
    ),
    (
        "geometric_mean_weighted",
        Kind::GeometricMean(Gm::Weighted),
        false,
    ),
    (
        "index_balanced_accuracy",
        Kind::IndexBalancedAccuracy(Gm::Multiclass),
        false,
    ),
    ("roc_auc", Kind::RocAuc, false),
    ("roc_auc_ovr", Kind::RocAucOvr(ClassAverage::Macro), false),
    (
        "roc_auc_ovr_weighted",
        Kind::RocAucOvr(ClassAverage::Weighted),
        false,
    ),
    ("roc_auc_ovo", Kind::RocAucOvo(ClassAverage::Macro), false),
    (
        "roc_auc_ovo_weighted",
        Kind::RocAucOvo(ClassAverage::Weighted),
        false,
    ),
    ("average_precision", Kind::AveragePrecision, false),
    ("top_k_accuracy", Kind::TopK(2), false),
    ("log_loss", Kind::LogLoss, false),
    ("neg_log_loss", Kind::LogLoss, true),
    ("brier", Kind::Brier, false),
    ("brier_score_loss", Kind::Brier, false),
    ("neg_brier_score", Kind::Brier, true),
    ("r2", Kind::R2, false),
    ("explained_variance", Kind::ExplainedVariance, false),
    ("mse", Kind::Mse, false),
    ("neg_mean_squared_error", Kind::Mse, true),
    ("rmse", Kind::Rmse, false),
    ("neg_root_mean_squared_error", Kind::Rmse, true),
    ("mae", Kind::Mae, false),
    ("neg_mean_absolute_error", Kind::Mae, true),
    ("medae", Kind::Medae, false),
    ("neg_median_absolute_error", Kind::Medae, true),
    ("mape", Kind::Mape, false),
    ("neg_mean_absolute_percentage_error", Kind::Mape, true),
    ("max_error", Kind::MaxError, false),
    ("neg_max_error", Kind::MaxError, true),
    ("poisson_deviance", Kind::Tweedie(1.0), false),
    ("neg_mean_poisson_deviance", Kind::Tweedie(1.0), true),
    ("gamma_deviance", Kind::Tweedie(2.0), false),
    ("neg_mean_gamma_deviance", Kind::Tweedie(2.0), true),
];

/// The names [`metric_by_name`] knows (besides weighted combinations).
pub fn metric_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|b| b.0).collect()
}

/// A built-in metric, looked up by name with [`metric_by_name`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BuiltinMetric {
    name: &'static str,
    kind: Kind,
    negated: bool,
}

impl Kind {
    fn is_loss(self) -> bool {
        matches!(
            self,
            Kind::LogLoss
                | Kind::Brier
                | Kind::Mse
                | Kind::Rmse
                | Kind::Mae
                | Kind::Medae
                | Kind::Mape
                | Kind::MaxError
                | Kind::Tweedie(_)
        )
    }

    fn needs(self) -> Needs {
        match self {
            Kind::Accuracy
            | Kind::BalancedAccuracy
            | Kind::Prf(..)
            | Kind::Mcc
            | Kind::Kappa(_)
            | Kind::Sensitivity(_)
            | Kind::Specificity(_)
            | Kind::GeometricMean(_)
            | Kind::IndexBalancedAccuracy(_) => Needs::LABELS,
            Kind::RocAuc | Kind::AveragePrecision | Kind::TopK(_) => Needs::SCORES,
            Kind::RocAucOvr(_) | Kind::RocAucOvo(_) | Kind::LogLoss | Kind::Brier => {
                Needs::PROBABILITIES
            }
            _ => Needs::VALUES,
        }
    }

    fn score_counts(self, c: &ConfusionCounts) -> Option<Result<f64>> {
        let zd = ZeroDivision::Warn;
        Some(match self {
            Kind::Accuracy => cls::accuracy_from_counts(c),
            Kind::BalancedAccuracy => cls::balanced_accuracy_from_counts(c, false),
            Kind::Prf(which, avg) => {
                cls::precision_recall_fscore_from_counts(c, 1.0, avg, zd).map(|(p, r, f)| {
                    match which {
                        Prf::Precision => p,
                        Prf::Recall => r,
                        Prf::F1 => f,
                    }
                })
            }
            Kind::Mcc => Ok(cls::matthews_corrcoef_from_counts(c)),
            Kind::Kappa(w) => cls::cohen_kappa_from_counts(c, w),
            Kind::Sensitivity(avg) => imb::sensitivity_specificity_from_counts(c, avg).map(|s| s.0),
            Kind::Specificity(avg) => imb::sensitivity_specificity_from_counts(c, avg).map(|s| s.1),
            Kind::GeometricMean(avg) => imb::geometric_mean_from_counts(c, avg, 0.0),
            Kind::IndexBalancedAccuracy(avg) => {
                IndexBalancedAccuracy::default().geometric_mean_from_counts(c, avg, 0.0)
            }
            _ => return None,
        })
    }
}

/// The binary score vector: `y_score`, or column 1 of two-class probabilities.
fn binary_scores<'a>(
    input: &EvalInput<'a>,
    name: &str,
    n_classes: usize,
) -> Result<ArrayView1<'a, f64>> {
    if let Some(s) = input.y_score {
        return Ok(s);
    }
    let p = input
        .y_proba
        .ok_or_else(|| missing(name, "scores (y_score or y_proba)"))?;
    if n_classes != 2 || p.ncols() != 2 {
        return Err(Error::param(
            "metric",
            format!(
                "`{name}` is binary but there are {n_classes} classes; use roc_auc_ovr, \
                 roc_auc_ovo or a multiclass average"
            ),
        ));
    }
    Ok(p.index_axis_move(ndarray::Axis(1), 1))
}

impl BuiltinMetric {
    fn raw(&self, input: &EvalInput<'_>) -> Result<f64> {
        let name = self.name;
        let w = input.sample_weight;
        if self.kind.needs() == Needs::VALUES {
            let (t, p) = input.values(name)?;
            return match self.kind {
                Kind::R2 => reg::r2_score(t, p, w),
                Kind::ExplainedVariance => reg::explained_variance(t, p, w),
                Kind::Mse => reg::mean_squared_error(t, p, w),
                Kind::Rmse => reg::root_mean_squared_error(t, p, w),
                Kind::Mae => reg::mean_absolute_error(t, p, w),
                Kind::Medae => reg::median_absolute_error(t, p, w),
                Kind::Mape => reg::mean_absolute_percentage_error(t, p, w),
                Kind::MaxError => reg::max_error(t, p),
                Kind::Tweedie(power) => reg::mean_tweedie_deviance(t, p, power, w),
                _ => Err(Error::Internal(format!("metric {name} misclassified"))),
            };
        }
        let (t, k) = input.classes(name)?;
        if self.kind.needs() == Needs::LABELS {
            let c = ConfusionCounts::from_labels(t, input.predicted(name)?, k, w)?;
            if self.kind == Kind::Accuracy {
                return cls::accuracy(t, input.predicted(name)?, k, w);
            }
            return self.kind.score_counts(&c).unwrap_or_else(|| {
                Err(Error::Internal(format!("metric {name} has no count form")))
            });
        }
        match self.kind {
            Kind::RocAuc => ranking::roc_auc(t, binary_scores(input, name, k)?, 1, w),
            Kind::AveragePrecision => match (input.y_score, input.y_proba) {
                (None, Some(p)) if k > 2 => {
                    ranking::average_precision_multiclass(t, p, ClassAverage::Macro, w)
                }
                _ => ranking::average_precision(t, binary_scores(input, name, k)?, 1, w),
            },
            Kind::TopK(kk) => ranking::top_k_accuracy(t, input.proba(name)?, kk, w),
            Kind::RocAucOvr(avg) => ranking::roc_auc_ovr(t, input.proba(name)?, avg, w),
            Kind::RocAucOvo(avg) => {
                if w.is_some() {
                    return Err(Error::param(
                        "sample_weight",
                        "one-vs-one ROC AUC does not take sample weights (as in scikit-learn)",
                    ));
                }
                ranking::roc_auc_ovo(t, input.proba(name)?, avg)
            }
            Kind::LogLoss => prob::log_loss(t, input.proba(name)?, w),
            Kind::Brier => prob::brier_score(t, input.proba(name)?, w),
            _ => Err(Error::Internal(format!("metric {name} misclassified"))),
        }
    }
}

impl Metric for BuiltinMetric {
    fn name(&self) -> String {
        self.name.to_string()
    }
    fn greater_is_better(&self) -> bool {
        self.negated || !self.kind.is_loss()
    }
    fn needs(&self) -> Needs {
        self.kind.needs()
    }
    fn score(&self, input: &EvalInput<'_>) -> Result<f64> {
        let v = self.raw(input)?;
        Ok(if self.negated { -v } else { v })
    }
    fn score_counts(&self, counts: &ConfusionCounts) -> Option<Result<f64>> {
        self.kind.score_counts(counts)
    }
}

/// A built-in metric by name, or a weighted combination of built-ins such as
/// `"0.7*recall+0.3*precision"`. An unknown name is an error listing the closest names.
pub fn metric_by_name(name: &str) -> Result<Box<dyn Metric>> {
    let name = name.trim();
    if let Some(b) = builtin(name) {
        return Ok(Box::new(b));
    }
    if name.contains(['*', '+', '-']) {
        return Ok(Box::new(parse_combination(name)?));
    }
    Err(unknown(name))
}

fn builtin(name: &str) -> Option<BuiltinMetric> {
    BUILTINS
        .iter()
        .find(|b| b.0 == name)
        .map(|&(name, kind, negated)| BuiltinMetric {
            name,
            kind,
            negated,
        })
}

fn unknown(name: &str) -> Error {
    let close = closest_names(name, BUILTINS.iter().map(|b| b.0), 3);
    let hint = if close.is_empty() {
        format!("known metrics: {}", metric_names().join(", "))
    } else {
        format!(
            "did you mean {}?",
            close
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Error::param("metric", format!("unknown metric `{name}`; {hint}"))
}

/// A weighted sum of metrics, `Σ wᵢ·mᵢ`. Every term must pull the same way: a positive weight
/// keeps its metric's direction and a negative weight reverses it.
#[derive(Debug)]
pub struct WeightedCombination {
    terms: Vec<(f64, Box<dyn Metric>)>,
    greater_is_better: bool,
}

impl WeightedCombination {
    /// Combines `(weight, metric)` terms; weights must be finite and non-zero, and the terms'
    /// directions must agree.
    pub fn new(terms: Vec<(f64, Box<dyn Metric>)>) -> Result<Self> {
        let Some(first) = terms.first() else {
            return Err(Error::param(
                "metric",
                "a combination needs at least one term",
            ));
        };
        let dir = |(w, m): &(f64, Box<dyn Metric>)| m.greater_is_better() == (*w > 0.0);
        let gib = dir(first);
        for t in &terms {
            if !t.0.is_finite() || t.0 == 0.0 {
                return Err(Error::param(
                    "metric",
                    format!(
                        "weight {} of `{}` must be a finite, non-zero number",
                        t.0,
                        t.1.name()
                    ),
                ));
            }
            if dir(t) != gib {
                return Err(Error::param(
                    "metric",
                    format!(
                        "the terms pull in different directions (`{}` vs `{}`): give a loss a \
                         negative weight, or use its neg_ name, so that all terms agree",
                        first.1.name(),
                        t.1.name()
                    ),
                ));
            }
        }
        Ok(WeightedCombination {
            terms,
            greater_is_better: gib,
        })
    }
}

impl Metric for WeightedCombination {
    fn name(&self) -> String {
        let mut s = String::new();
        for (i, (w, m)) in self.terms.iter().enumerate() {
            if i > 0 && *w >= 0.0 {
                s.push('+');
            }
            s.push_str(&format!("{w}*{}", m.name()));
        }
        s
    }
    fn greater_is_better(&self) -> bool {
        self.greater_is_better
    }
    fn needs(&self) -> Needs {
        self.terms
            .iter()
            .fold(Needs::default(), |n, t| n.union(t.1.needs()))
    }
    fn score(&self, input: &EvalInput<'_>) -> Result<f64> {
        let mut total = 0.0;
        for (w, m) in &self.terms {
            total += w * m.score(input)?;
        }
        Ok(total)
    }
    fn score_counts(&self, counts: &ConfusionCounts) -> Option<Result<f64>> {
        let mut total = 0.0;
        for (w, m) in &self.terms {
            match m.score_counts(counts)? {
                Ok(v) => total += w * v,
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(total))
    }
}

/// Parses `term (('+' | '-') term)*` where a term is a product of numbers and exactly one
/// built-in metric name, e.g. `0.7*recall + 0.3*precision` or `accuracy - 0.5*log_loss`.
pub fn parse_combination(expr: &str) -> Result<WeightedCombination> {
    let bad = |msg: String| Error::param("metric", format!("in `{expr}`: {msg}"));
    let mut terms: Vec<(f64, Box<dyn Metric>)> = Vec::new();
    let mut sign = 1.0;
    let mut rest = expr.trim();
    if let Some(r) = rest.strip_prefix('-') {
        sign = -1.0;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    loop {
        let end = rest.find(['+', '-']).unwrap_or(rest.len());
        let (term, tail) = rest.split_at(end);
        let (w, metric) = parse_term(term).map_err(bad)?;
        terms.push((sign * w, metric));
        let Some(op) = tail.chars().next() else { break };
        sign = if op == '-' { -1.0 } else { 1.0 };
        rest = &tail[1..];
    }
    WeightedCombination::new(terms)
}

fn parse_term(term: &str) -> std::result::Result<(f64, Box<dyn Metric>), String> {
    let mut weight = 1.0;
    let mut metric: Option<BuiltinMetric> = None;
    for factor in term.split('*') {
        let f = factor.trim();
        if f.is_empty() {
            return Err(format!("empty factor in term `{}`", term.trim()));
        }
        if f.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            let v: f64 = f.parse().map_err(|_| format!("`{f}` is not a number"))?;
            weight *= v;
        } else if metric.is_some() {
            return Err(format!("term `{}` multiplies two metrics", term.trim()));
        } else {
            metric = Some(builtin(f).ok_or_else(|| unknown(f).to_string())?);
        }
    }
    let m = metric.ok_or_else(|| format!("term `{}` names no metric", term.trim()))?;
    Ok((weight, Box::new(m)))
}
