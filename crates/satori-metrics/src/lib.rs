//! # satori-metrics
//!
//! Metrics that give scikit-learn's results to the last digit (scikit-learn 1.9.1 is the
//! reference; golden tests compare to 1e-12): classification ([`accuracy`], [`f1`],
//! [`matthews_corrcoef`], [`cohen_kappa`], [`confusion_matrix`], [`classification_report`], …),
//! ranking ([`roc_auc`], [`roc_auc_ovr`], [`roc_auc_ovo`], [`average_precision`],
//! [`top_k_accuracy`]), probabilistic ([`log_loss`], [`brier_score`]) and regression
//! ([`r2_score`], [`mean_squared_error`], [`mean_tweedie_deviance`], …), the ROC and
//! precision-recall curves as data, a [`Metric`] trait with a registry of scikit-learn's scorer
//! names ([`metric_by_name`]), weighted combinations (`"0.7*recall+0.3*precision"`), cost
//! matrices, per-class weights, and decision-threshold tuning ([`best_threshold`]); and
//! imbalanced-learn 0.14.2's imbalance metrics ([`sensitivity_score`], [`specificity_score`],
//! [`geometric_mean_score`], [`IndexBalancedAccuracy`], [`classification_report_imbalanced`]).
//!
//! Class labels are codes `0..n_classes`; every function takes optional sample weights, and bad
//! input is an [`Error`](satori_core::Error), never a panic. Sums follow NumPy's pairwise order.
//!
//! ## Conventions (and where satori deliberately differs from scikit-learn)
//!
//! - Scalar label metrics (accuracy, precision/recall/F averages, MCC, kappa, balanced
//!   accuracy, the classification report) use scikit-learn's default label set: the classes
//!   that occur in `y_true` or `y_pred`. Per-class outputs and the confusion matrix cover all
//!   `n_classes` classes (scikit-learn with `labels=range(n_classes)`); so do log loss, Brier
//!   score and top-k accuracy, whose probability columns are the classes.
//! - Multiclass ROC AUC and average precision need every class in `y_true`, as scikit-learn
//!   does without `labels`.
//! - Where scikit-learn warns that a metric is undefined and returns NaN, satori returns an
//!   error: ROC AUC with one class in `y_true`, R² with fewer than two samples, Cohen's kappa
//!   with no disagreement possible. `ZeroDivision::Nan` still gives NaN where asked for.
//! - Sample weights must be finite and non-negative with a positive sum (scikit-learn accepts
//!   negative weights).
//! - Top-k accuracy always takes `n × n_classes` scores (ties rank the higher class first);
//!   scikit-learn's one-column binary form is not offered.
//! - In unweighted curves a threshold of `-0.0` is reported as `0.0` (equal under `==`).
//!
//! ```
//! use ndarray::array;
//! use satori_metrics::{Average, EvalInput, ZeroDivision, f1, metric_by_name, roc_auc};
//!
//! let y_true = array![0usize, 1, 1, 0, 1];
//! let y_pred = array![0usize, 1, 0, 0, 1];
//! let f = f1(y_true.view(), y_pred.view(), 2, Average::Binary { pos_label: 1 },
//!            ZeroDivision::Warn, None).unwrap();
//! assert!((f - 0.8).abs() < 1e-15);
//!
//! let scores = array![0.1, 0.9, 0.4, 0.3, 0.8];
//! assert_eq!(roc_auc(y_true.view(), scores.view(), 1, None).unwrap(), 1.0);
//!
//! let m = metric_by_name("0.5*recall+0.5*precision").unwrap();
//! let v = m.score(&EvalInput::labels(y_true.view(), y_pred.view(), 2)).unwrap();
//! assert!((v - (0.5 * 2.0 / 3.0 + 0.5)).abs() < 1e-15);
//! ```
#![warn(missing_docs)]

mod classification;
mod confusion;
mod curves;
mod imbalance;
mod metric;
mod probabilistic;
mod ranking;
mod registry;
mod regression;
mod threshold;
mod util;

pub use classification::{
    Average, ClassificationReport, KappaWeights, Normalize, PerClassScores, ReportRow,
    ZeroDivision, accuracy, accuracy_from_counts, balanced_accuracy, balanced_accuracy_from_counts,
    classification_report, cohen_kappa, cohen_kappa_from_counts, confusion_matrix, f1, fbeta,
    matthews_corrcoef, matthews_corrcoef_from_counts, precision, precision_recall_fscore,
    precision_recall_fscore_from_counts, precision_recall_fscore_per_class, recall,
};
pub use confusion::ConfusionCounts;
pub use curves::{PrecisionRecallCurve, RocCurve, auc, precision_recall_curve, roc_curve};
pub use imbalance::{
    GeometricMeanAverage, ImbalancedReport, ImbalancedReportRow, IndexBalancedAccuracy,
    SensitivitySpecificity, classification_report_imbalanced, geometric_mean_from_counts,
    geometric_mean_per_class, geometric_mean_score, sensitivity_score, sensitivity_specificity,
    sensitivity_specificity_from_counts, sensitivity_specificity_support, specificity_score,
};
pub use metric::{ClassWeighted, CostMatrix, EvalInput, ExpectedCost, Metric, Needs, Truth};
pub use probabilistic::{brier_score, brier_score_binary, log_loss, log_loss_binary};
pub use ranking::{
    ClassAverage, average_precision, average_precision_multiclass, roc_auc, roc_auc_ovo,
    roc_auc_ovr, roc_auc_ovr_per_class, top_k_accuracy,
};
pub use registry::{
    BuiltinMetric, WeightedCombination, metric_by_name, metric_names, parse_combination,
};
pub use regression::{
    explained_variance, max_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_gamma_deviance, mean_poisson_deviance, mean_squared_error, mean_tweedie_deviance,
    median_absolute_error, r2_score, root_mean_squared_error,
};
pub use threshold::{DecisionThreshold, best_threshold, min_cost_threshold};
