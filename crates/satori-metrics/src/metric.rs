//! The [`Metric`] trait, its evaluation input, and metrics built from others: class-weighted
//! metrics and expected cost under a cost matrix.

use std::fmt::Debug;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::confusion::ConfusionCounts;
use crate::util::{check_codes, check_lengths, check_weights};

/// The inputs a metric reads, beyond the truth and the sample weights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Needs {
    /// Predicted class codes.
    pub labels: bool,
    /// Ranking scores: binary decision scores or per-class scores / probabilities.
    pub scores: bool,
    /// Class probabilities.
    pub probabilities: bool,
    /// Regression predictions.
    pub values: bool,
}

impl Needs {
    /// Predicted labels only.
    pub const LABELS: Needs = Needs {
        labels: true,
        scores: false,
        probabilities: false,
        values: false,
    };
    /// Scores only.
    pub const SCORES: Needs = Needs {
        labels: false,
        scores: true,
        probabilities: false,
        values: false,
    };
    /// Probabilities only.
    pub const PROBABILITIES: Needs = Needs {
        labels: false,
        scores: false,
        probabilities: true,
        values: false,
    };
    /// Regression predictions only.
    pub const VALUES: Needs = Needs {
        labels: false,
        scores: false,
        probabilities: false,
        values: true,
    };

    /// The inputs either of two metrics reads.
    pub fn union(self, other: Needs) -> Needs {
        Needs {
            labels: self.labels || other.labels,
            scores: self.scores || other.scores,
            probabilities: self.probabilities || other.probabilities,
            values: self.values || other.values,
        }
    }
}

/// The ground truth of an evaluation.
#[derive(Clone, Copy, Debug)]
pub enum Truth<'a> {
    /// Class codes below `n_classes`.
    Classes {
        /// The true class of each sample.
        codes: ArrayView1<'a, usize>,
        /// The number of classes.
        n_classes: usize,
    },
    /// Regression targets.
    Values(ArrayView1<'a, f64>),
}

/// Everything a metric may read. Fill what the model produces; a metric whose [`Needs`] are not
/// met returns a clear error.
#[derive(Clone, Copy, Debug)]
pub struct EvalInput<'a> {
    /// The truth.
    pub y_true: Truth<'a>,
    /// Predicted class codes.
    pub y_pred: Option<ArrayView1<'a, usize>>,
    /// Binary decision scores (higher means class 1).
    pub y_score: Option<ArrayView1<'a, f64>>,
    /// Class probabilities, `n × n_classes`.
    pub y_proba: Option<ArrayView2<'a, f64>>,
    /// Regression predictions.
    pub y_value: Option<ArrayView1<'a, f64>>,
    /// Sample weights.
    pub sample_weight: Option<ArrayView1<'a, f64>>,
}

impl<'a> EvalInput<'a> {
    /// Classification input from true and predicted labels.
    pub fn labels(
        y_true: ArrayView1<'a, usize>,
        y_pred: ArrayView1<'a, usize>,
        n_classes: usize,
    ) -> Self {
        EvalInput {
            y_true: Truth::Classes {
                codes: y_true,
                n_classes,
            },
            y_pred: Some(y_pred),
            y_score: None,
            y_proba: None,
            y_value: None,
            sample_weight: None,
        }
    }

    /// Regression input.
    pub fn regression(y_true: ArrayView1<'a, f64>, y_pred: ArrayView1<'a, f64>) -> Self {
        EvalInput {
            y_true: Truth::Values(y_true),
            y_pred: None,
            y_score: None,
            y_proba: None,
            y_value: Some(y_pred),
            sample_weight: None,
        }
    }

    /// With sample weights.
    pub fn with_weights(mut self, w: ArrayView1<'a, f64>) -> Self {
        self.sample_weight = Some(w);
        self
    }

    /// With binary decision scores.
    pub fn with_scores(mut self, s: ArrayView1<'a, f64>) -> Self {
        self.y_score = Some(s);
        self
    }

    /// With class probabilities.
    pub fn with_proba(mut self, p: ArrayView2<'a, f64>) -> Self {
        self.y_proba = Some(p);
        self
    }

    /// The class codes and class count, or an error naming the metric.
    pub fn classes(&self, metric: &str) -> Result<(ArrayView1<'a, usize>, usize)> {
        match self.y_true {
            Truth::Classes { codes, n_classes } => Ok((codes, n_classes)),
            Truth::Values(_) => Err(Error::param(
                "metric",
                format!("`{metric}` is a classification metric but the target is continuous"),
            )),
        }
    }

    /// The regression targets and predictions, or an error naming the metric.
    pub fn values(&self, metric: &str) -> Result<(ArrayView1<'a, f64>, ArrayView1<'a, f64>)> {
        match (self.y_true, self.y_value) {
            (Truth::Values(t), Some(p)) => Ok((t, p)),
            (Truth::Classes { .. }, _) => Err(Error::param(
                "metric",
                format!("`{metric}` is a regression metric but the target is classes"),
            )),
            (_, None) => Err(missing(metric, "regression predictions (y_value)")),
        }
    }

    /// The predicted labels, or an error naming the metric.
    pub fn predicted(&self, metric: &str) -> Result<ArrayView1<'a, usize>> {
        self.y_pred
            .ok_or_else(|| missing(metric, "predicted labels (y_pred)"))
    }

    /// The probability matrix, or an error naming the metric.
    pub fn proba(&self, metric: &str) -> Result<ArrayView2<'a, f64>> {
        self.y_proba
            .ok_or_else(|| missing(metric, "class probabilities (y_proba)"))
    }
}

pub(crate) fn missing(metric: &str, what: &str) -> Error {
    Error::param(
        "metric",
        format!("`{metric}` needs {what}, which the input does not have"),
    )
}

/// A metric: built-in or the library user's own. Evaluation, cross-validation and tuning take
/// any `Metric`.
pub trait Metric: Debug + Send + Sync {
    /// The metric's name (a registry name for built-ins).
    fn name(&self) -> String;
    /// Whether a larger value is better.
    fn greater_is_better(&self) -> bool;
    /// The inputs it reads.
    fn needs(&self) -> Needs;
    /// The metric's value.
    fn score(&self, input: &EvalInput<'_>) -> Result<f64>;
    /// The value from confusion counts, for label metrics that are functions of them (used by
    /// the decision-threshold search to evaluate each candidate in O(1)); `None` otherwise.
    fn score_counts(&self, _counts: &ConfusionCounts) -> Option<Result<f64>> {
        None
    }
}

/// A classification cost matrix: `costs[t][p]` is the cost of predicting class `p` for a sample
/// of class `t`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostMatrix {
    costs: Array2<f64>,
}

impl CostMatrix {
    /// A cost matrix for `n_classes` classes; it must be `n_classes × n_classes` and finite.
    pub fn new(costs: Array2<f64>, n_classes: usize) -> Result<Self> {
        if costs.nrows() != n_classes || costs.ncols() != n_classes {
            return Err(Error::param(
                "cost_matrix",
                format!(
                    "must be {n_classes} × {n_classes} (rows = true class, columns = predicted \
                     class), got {} × {}",
                    costs.nrows(),
                    costs.ncols()
                ),
            ));
        }
        if costs.iter().any(|c| !c.is_finite()) {
            return Err(Error::param("cost_matrix", "costs must be finite numbers"));
        }
        Ok(CostMatrix { costs })
    }

    /// The number of classes.
    pub fn n_classes(&self) -> usize {
        self.costs.nrows()
    }

    /// The cost of predicting `p` for true class `t`.
    pub fn cost(&self, t: usize, p: usize) -> f64 {
        self.costs.get((t, p)).copied().unwrap_or(f64::NAN)
    }

    /// The (weighted) mean cost of the predictions.
    pub fn expected_cost(
        &self,
        y_true: ArrayView1<'_, usize>,
        y_pred: ArrayView1<'_, usize>,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<f64> {
        check_lengths("expected_cost", y_true.len(), y_pred.len())?;
        let k = self.n_classes();
        check_codes("y_true", y_true, k)?;
        check_codes("y_pred", y_pred, k)?;
        let w = check_weights(sample_weight, y_true.len())?;
        let costs: Vec<f64> = y_true
            .iter()
            .zip(y_pred)
            .map(|(&t, &p)| self.costs[[t, p]])
            .collect();
        crate::util::average(&costs, w.as_deref())
    }

    /// The mean cost from confusion counts.
    pub fn expected_cost_from_counts(&self, c: &ConfusionCounts) -> Result<f64> {
        let k = self.n_classes();
        if c.n_classes() != k {
            return Err(Error::ShapeMismatch {
                context: "classes of the cost matrix".into(),
                expected: k,
                got: c.n_classes(),
            });
        }
        let mut num = 0.0;
        for t in 0..k {
            for p in 0..k {
                num += self.costs[[t, p]] * c.get(t, p);
            }
        }
        let total: f64 = crate::util::pairwise_sum(c.true_sum());
        if total == 0.0 {
            return Err(Error::InvalidData(
                "expected cost of zero total weight".into(),
            ));
        }
        Ok(num / total)
    }
}

/// The expected-cost metric (smaller is better) of a [`CostMatrix`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectedCost {
    /// The costs.
    pub matrix: CostMatrix,
}

impl Metric for ExpectedCost {
    fn name(&self) -> String {
        "expected_cost".into()
    }
    fn greater_is_better(&self) -> bool {
        false
    }
    fn needs(&self) -> Needs {
        Needs::LABELS
    }
    fn score(&self, input: &EvalInput<'_>) -> Result<f64> {
        let (t, n_classes) = input.classes("expected_cost")?;
        if n_classes != self.matrix.n_classes() {
            return Err(Error::ShapeMismatch {
                context: "classes of the cost matrix".into(),
                expected: n_classes,
                got: self.matrix.n_classes(),
            });
        }
        self.matrix
            .expected_cost(t, input.predicted("expected_cost")?, input.sample_weight)
    }
    fn score_counts(&self, counts: &ConfusionCounts) -> Option<Result<f64>> {
        Some(self.matrix.expected_cost_from_counts(counts))
    }
}

/// A classification metric evaluated with each sample's weight multiplied by the weight of its
/// true class.
#[derive(Debug)]
pub struct ClassWeighted {
    inner: Box<dyn Metric>,
    class_weight: Vec<f64>,
}

impl ClassWeighted {
    /// Wraps `inner`; `class_weight[c]` multiplies the weight of every sample of class `c`.
    /// Weights must be finite and non-negative.
    pub fn new(inner: Box<dyn Metric>, class_weight: Vec<f64>) -> Result<Self> {
        if class_weight.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return Err(Error::param(
                "class_weight",
                "class weights must be finite and non-negative",
            ));
        }
        Ok(ClassWeighted {
            inner,
            class_weight,
        })
    }
}

impl Metric for ClassWeighted {
    fn name(&self) -> String {
        format!("class_weighted({})", self.inner.name())
    }
    fn greater_is_better(&self) -> bool {
        self.inner.greater_is_better()
    }
    fn needs(&self) -> Needs {
        self.inner.needs()
    }
    fn score(&self, input: &EvalInput<'_>) -> Result<f64> {
        let (t, n_classes) = input.classes(&self.name())?;
        if self.class_weight.len() != n_classes {
            return Err(Error::ShapeMismatch {
                context: "number of class weights (one per class)".into(),
                expected: n_classes,
                got: self.class_weight.len(),
            });
        }
        check_codes("y_true", t, n_classes)?;
        let base = check_weights(input.sample_weight, t.len())?;
        let w: Array1<f64> = t
            .iter()
            .enumerate()
            .map(|(i, &c)| self.class_weight[c] * base.as_ref().map_or(1.0, |b| b[i]))
            .collect();
        // Array views are invariant in their lifetime: re-borrow each at the local one.
        let y_true = match &input.y_true {
            Truth::Classes { codes, n_classes } => Truth::Classes {
                codes: codes.view(),
                n_classes: *n_classes,
            },
            Truth::Values(v) => Truth::Values(v.view()),
        };
        let inner = EvalInput {
            y_true,
            y_pred: input.y_pred.as_ref().map(|v| v.view()),
            y_score: input.y_score.as_ref().map(|v| v.view()),
            y_proba: input.y_proba.as_ref().map(|v| v.view()),
            y_value: input.y_value.as_ref().map(|v| v.view()),
            sample_weight: Some(w.view()),
        };
        self.inner.score(&inner)
    }
}
