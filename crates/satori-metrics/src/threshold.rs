//! Decision thresholds for binary scores: the threshold that maximises a label metric (or
//! minimises expected cost), found in one pass over the sorted distinct scores.

use ndarray::{Array1, ArrayView1};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::confusion::ConfusionCounts;
use crate::curves::{clf_curve_opts, curve_inputs};
use crate::metric::{CostMatrix, EvalInput, ExpectedCost, Metric};
use crate::probabilistic::contiguous;
use crate::util::check_codes;

/// A chosen decision threshold: predict class 1 when the score is `>= threshold`. Serialisable,
/// to be stored with a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionThreshold {
    /// Scores at or above it are class 1 (`+inf`: never class 1).
    #[serde(with = "nonfinite")]
    pub threshold: f64,
    /// The metric's value at that threshold on the data it was tuned on.
    #[serde(with = "nonfinite")]
    pub value: f64,
    /// The metric's name.
    pub metric: String,
    /// Whether the metric was maximised (true) or minimised.
    pub greater_is_better: bool,
}

impl DecisionThreshold {
    /// Class codes (0 or 1) for scores.
    pub fn predict(&self, scores: ArrayView1<'_, f64>) -> Array1<usize> {
        scores.mapv(|s| usize::from(s >= self.threshold))
    }
}

/// The threshold on `y_score` that optimises `metric` (maximises it, or minimises it when
/// smaller is better) for binary class codes `y_true` (0 or 1). Candidates are `+inf` and every
/// distinct score; the highest threshold wins ties. Metrics that are functions of confusion
/// counts (all built-in label metrics, cost matrices and their combinations) are evaluated in
/// O(1) per candidate after one sort; other metrics are scored on the predicted labels of each
/// candidate.
pub fn best_threshold(
    y_true: ArrayView1<'_, usize>,
    y_score: ArrayView1<'_, f64>,
    metric: &dyn Metric,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<DecisionThreshold> {
    let (s, w) = curve_inputs("best_threshold", y_true, y_score, sample_weight)?;
    check_codes("y_true", y_true, 2)?;
    let y = contiguous(y_true);
    let c = clf_curve_opts(&|i| y[i] == 1, &s, w.as_deref(), false)?;
    let m = c.tps.len();
    let (p_w, n_w) = (c.tps[m - 1], c.fps[m - 1]);
    let (p_n, n_n) = (c.n_pos_total, c.n_neg_total);
    let gib = metric.greater_is_better();
    let mut best: Option<(f64, f64)> = None;
    let mut first_err: Option<Error> = None;
    for j in 0..=m {
        // Candidate 0 is +inf (nothing positive); candidate j ≥ 1 is the j-th distinct score.
        let (tp, fp, ntp, nfp, thr) = if j == 0 {
            (0.0, 0.0, 0, 0, f64::INFINITY)
        } else {
            let i = j - 1;
            let (nfp, ntp) = c.counts_at(i);
            (c.tps[i], c.fps[i], ntp, nfp, c.thresholds[i])
        };
        let value = match candidate_value(
            metric,
            &y,
            &s,
            w.as_deref(),
            thr,
            [n_w - fp, fp, p_w - tp, tp],
            [n_n - nfp, nfp, p_n - ntp, ntp],
        ) {
            Ok(v) if !v.is_nan() => v,
            Ok(_) => continue,
            Err(e) => {
                first_err.get_or_insert(e);
                continue;
            }
        };
        let better = match best {
            None => true,
            Some((_, b)) => {
                if gib {
                    value > b
                } else {
                    value < b
                }
            }
        };
        if better {
            best = Some((thr, value));
        }
    }
    match best {
        Some((threshold, value)) => Ok(DecisionThreshold {
            threshold,
            value,
            metric: metric.name(),
            greater_is_better: gib,
        }),
        None => Err(first_err.unwrap_or_else(|| {
            Error::InvalidData(format!(
                "`{}` is undefined at every threshold",
                metric.name()
            ))
        })),
    }
}

fn candidate_value(
    metric: &dyn Metric,
    y: &[usize],
    s: &[f64],
    w: Option<&[f64]>,
    thr: f64,
    weighted: [f64; 4],
    samples: [usize; 4],
) -> Result<f64> {
    let counts = ConfusionCounts::from_binary(weighted.map(|v| v.max(0.0)), samples)?;
    if let Some(v) = metric.score_counts(&counts) {
        return v;
    }
    let t = ArrayView1::from(y);
    let pred: Array1<usize> = s.iter().map(|&v| usize::from(v >= thr)).collect();
    let wv = w.map(ArrayView1::from);
    let mut input = EvalInput::labels(t, pred.view(), 2);
    input.sample_weight = wv;
    metric.score(&input)
}

/// The threshold that minimises the expected cost under a 2 × 2 cost matrix (rows true class,
/// columns predicted class).
pub fn min_cost_threshold(
    y_true: ArrayView1<'_, usize>,
    y_score: ArrayView1<'_, f64>,
    costs: &CostMatrix,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<DecisionThreshold> {
    if costs.n_classes() != 2 {
        return Err(Error::param(
            "cost_matrix",
            format!(
                "a binary threshold needs a 2 × 2 cost matrix, got {0} × {0}",
                costs.n_classes()
            ),
        ));
    }
    let metric = ExpectedCost {
        matrix: costs.clone(),
    };
    best_threshold(y_true, y_score, &metric, sample_weight)
}

/// Serde for an `f64` that may be infinite: human-readable formats (JSON, which has no
/// infinity) get the strings `"inf"`, `"-inf"` and `"nan"`; binary formats the plain float.
mod nonfinite {
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if !s.is_human_readable() || v.is_finite() {
            return v.serialize(s);
        }
        let text = if v.is_nan() {
            "nan"
        } else if *v > 0.0 {
            "inf"
        } else {
            "-inf"
        };
        s.serialize_str(text)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Num(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        if !d.is_human_readable() {
            return f64::deserialize(d);
        }
        match Repr::deserialize(d)? {
            Repr::Num(v) => Ok(v),
            Repr::Text(t) => match t.as_str() {
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                "nan" => Ok(f64::NAN),
                other => Err(D::Error::custom(format!(
                    "expected a number, \"inf\", \"-inf\" or \"nan\", got \"{other}\""
                ))),
            },
        }
    }
}
