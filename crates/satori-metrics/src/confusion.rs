//! Weighted confusion counts: the sufficient statistics of every label metric.

use ndarray::ArrayView1;
use satori_core::{Error, Result};

use crate::util::{check_codes, check_lengths, check_weights};

/// Weighted counts of (true class, predicted class) pairs, accumulated in sample order the way
/// scikit-learn accumulates them, plus which classes occur at all (whatever their weight).
///
/// Every label metric (accuracy aside, which sums per sample) is a function of these counts, so
/// the decision-threshold search can evaluate a metric at each candidate threshold in O(1) from
/// running counts instead of re-scoring the whole data set.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfusionCounts {
    n_classes: usize,
    /// Row-major `n_classes × n_classes`: rows are true classes, columns predicted classes.
    matrix: Vec<f64>,
    /// Weight of the samples of each true class, summed in sample order.
    true_sum: Vec<f64>,
    /// Weight of the samples predicted as each class, summed in sample order.
    pred_sum: Vec<f64>,
    /// Whether each class occurs in `y_true` or `y_pred`.
    present: Vec<bool>,
    /// The unweighted number of samples (imbalanced-learn's true negatives use it).
    n_samples: usize,
}

impl ConfusionCounts {
    /// Counts from class codes (each below `n_classes`) with optional sample weights.
    pub fn from_labels(
        y_true: ArrayView1<'_, usize>,
        y_pred: ArrayView1<'_, usize>,
        n_classes: usize,
        sample_weight: Option<ArrayView1<'_, f64>>,
    ) -> Result<Self> {
        check_lengths("confusion counts", y_true.len(), y_pred.len())?;
        check_codes("y_true", y_true, n_classes)?;
        check_codes("y_pred", y_pred, n_classes)?;
        let w = check_weights(sample_weight, y_true.len())?;
        let k = n_classes;
        let mut c = ConfusionCounts {
            n_classes: k,
            matrix: vec![0.0; k * k],
            true_sum: vec![0.0; k],
            pred_sum: vec![0.0; k],
            present: vec![false; k],
            n_samples: y_true.len(),
        };
        for (i, (&t, &p)) in y_true.iter().zip(y_pred.iter()).enumerate() {
            let wi = w.as_ref().map_or(1.0, |w| w[i]);
            c.matrix[t * k + p] += wi;
            c.true_sum[t] += wi;
            c.pred_sum[p] += wi;
            c.present[t] = true;
            c.present[p] = true;
        }
        Ok(c)
    }

    /// Binary counts (class 1 is the positive class): weighted true negatives, false positives,
    /// false negatives and true positives, and the unweighted number of samples of each cell
    /// (which decides which classes are present).
    pub fn from_binary(weighted: [f64; 4], samples: [usize; 4]) -> Result<Self> {
        if weighted.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(Error::InvalidData(format!(
                "binary confusion counts must be finite and non-negative, got {weighted:?}"
            )));
        }
        let [tn, fp, fn_, tp] = weighted;
        let [n_tn, n_fp, n_fn, n_tp] = samples;
        if n_tn + n_fp + n_fn + n_tp == 0 {
            return Err(Error::NotEnoughSamples {
                context: "binary confusion counts".into(),
                needed: 1,
                got: 0,
            });
        }
        Ok(ConfusionCounts {
            n_classes: 2,
            matrix: vec![tn, fp, fn_, tp],
            true_sum: vec![tn + fp, fn_ + tp],
            pred_sum: vec![tn + fn_, fp + tp],
            present: vec![n_tn + n_fp + n_fn > 0, n_fp + n_fn + n_tp > 0],
            n_samples: n_tn + n_fp + n_fn + n_tp,
        })
    }

    /// The number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The weighted count of samples of true class `t` predicted as `p` (0 when out of range).
    pub fn get(&self, t: usize, p: usize) -> f64 {
        if t < self.n_classes && p < self.n_classes {
            self.matrix[t * self.n_classes + p]
        } else {
            0.0
        }
    }

    /// The unweighted number of samples counted.
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    /// The weight of the samples whose true class is each class.
    pub fn true_sum(&self) -> &[f64] {
        &self.true_sum
    }

    /// The weight of the samples predicted as each class.
    pub fn pred_sum(&self) -> &[f64] {
        &self.pred_sum
    }

    /// The classes that occur in the true or predicted labels, ascending (scikit-learn's
    /// default label set).
    pub fn present_classes(&self) -> Vec<usize> {
        (0..self.n_classes).filter(|&c| self.present[c]).collect()
    }

    /// Whether class `c` occurs in the true or predicted labels.
    pub fn is_present(&self, c: usize) -> bool {
        self.present.get(c).copied().unwrap_or(false)
    }

    /// The sub-matrix over `labels` (rows true, columns predicted), row-major.
    pub(crate) fn submatrix(&self, labels: &[usize]) -> Vec<f64> {
        let mut out = Vec::with_capacity(labels.len() * labels.len());
        for &t in labels {
            for &p in labels {
                out.push(self.get(t, p));
            }
        }
        out
    }
}
