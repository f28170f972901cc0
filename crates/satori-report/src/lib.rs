//! # satori-report
//!
//! Pictures and reports, rendered by the program itself, offline: every chart is drawn with
//! `plotters` as SVG or PNG using one font embedded in the binary (DejaVu Sans), and
//! [`render_report`] writes one self-contained HTML file (inline CSS, inline SVG; no scripts, no
//! network) with the data summary, the metrics, the pictures that fit the task, the confusion
//! matrix, the per-class report, and the model's parameters and provenance.
//!
//! Charts: [`roc_chart`], [`precision_recall_chart`], [`calibration_chart`],
//! [`score_distribution_chart`], [`confusion_matrix_chart`] (classification);
//! [`predicted_vs_actual_chart`], [`residuals_chart`] (regression); [`learning_curve_chart`]
//! (from a [`TrainingHistory`]); [`importance_chart`] (a model's feature importances). Each returns a [`Chart`], which renders with [`Chart::svg`] or
//! [`Chart::png`]. Odd input (no rows, one class, NaN scores) is an [`Error`](satori_core::Error),
//! never a panic.
//!
//! The search report of `satori tune`: [`render_tune_report`] writes a [`TuneReportInput`] (a
//! [`satori_tune::TuneOutcome`] and its parameter importances, [`tune_importances`]) as one
//! self-contained page with the leaderboard and the optimisation history, parameter importance,
//! slice, parallel-coordinate and intermediate-value pictures; [`tune_report_charts`] gives the
//! same pictures as charts of their own.
//!
//! The drift report of `satori monitor`: [`render_drift_report`] writes a [`DriftReportInput`]
//! (a [`satori_workflow::monitor::MonitorOutcome`]) as one page with the verdict table, the
//! performance change and one [`drift_chart`] per column (training against current shares).
//!
//! ```
//! use ndarray::array;
//! use satori_report::{ClassScores, roc_chart};
//!
//! let classes = vec!["benign".to_string(), "malignant".to_string()];
//! let y_true = array![0usize, 0, 1, 1];
//! let proba = array![[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]];
//! let scores = ClassScores { y_true: y_true.view(), proba: proba.view(), classes: &classes, sample_weight: None };
//! let chart = roc_chart(&scores).unwrap();
//! let svg = chart.svg().unwrap();
//! assert!(svg.contains("AUC = 0.750"));
//! assert!(chart.png().unwrap().starts_with(&satori_report::PNG_SIGNATURE));
//! ```
#![warn(missing_docs)]

mod attention;
mod chart;
mod classification;
mod draw;
mod drift;
pub mod explain;
mod font;
mod format;
mod history;
mod importance;
mod network;
mod raster;
mod regression;
mod render;
mod report;
mod tuning;

pub use attention::{AttentionMap, AttentionReport, attention_chart, render_attention_report};
pub use chart::Chart;
pub use classification::{
    CalibrationCurve, ClassScores, calibration_chart, calibration_curve, confusion_matrix_chart,
    precision_recall_chart, roc_chart, score_distribution_chart,
};
pub use drift::{
    DriftReportInput, MAX_CATEGORY_BARS, MAX_DRIFT_PICTURES, drift_chart, render_drift_report,
};
pub use explain::{ExplainReportInput, render_explain_report};
pub use history::{TrainingHistory, learning_curve_chart};
pub use importance::{TOP_IMPORTANCES, importance_chart};
pub use network::network_svg;
pub use regression::{MAX_SCATTER_POINTS, predicted_vs_actual_chart, residuals_chart};
pub use render::PNG_SIGNATURE;
pub use report::{
    CALIBRATION_BINS, Outcomes, PICTURE_NAMES, ReportChart, ReportInput, SCORE_BINS, render_report,
    report_charts,
};
pub use tuning::{
    MAX_TRIAL_LINES, TOP_TRIALS, TUNE_PICTURE_NAMES, TuneReportInput, intermediate_values_chart,
    optimization_history_chart, parallel_coordinate_chart, param_importance_chart,
    render_tune_report, slice_chart, tune_importances, tune_report_charts,
};
