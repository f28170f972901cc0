//! # satori-workflow
//!
//! What front ends *do* with a pipeline — the CLI, and later the tuner, the server and the
//! explainers, build on these flows:
//!
//! - [`train`]: table → dataset (one target or several) → holdout split or validation file →
//!   fit → per-target evaluation → a [`FittedPipeline`](satori_pipeline::FittedPipeline) and its
//!   model-file header; decision thresholds tuned on out-of-fold predictions ([`threshold`]);
//!   continued training and transfer learning;
//! - [`cv`]: cross-validation with the whole pipeline fitted inside each fold, folds in parallel;
//! - [`evaluate`]: every metric that fits each target's task, on a model's predictions or on a
//!   file of any model's predictions ([`external`]), with cost matrices ([`cost`]);
//! - [`output`]: prediction files, written complete or not at all;
//! - [`anomalies`]: isolation-forest scores for the rows of a table;
//! - [`monitor`]: drift of new rows (a data file, request logs) against the model's training
//!   reference, inputs and outputs, with the performance change where they carry the target.
//!
//! The parameter tree these flows resolve — a pipeline's parameters plus the holdout split — is
//! [`TrainParams`]: the tree `--set path=value` addresses.
//!
//! ```
//! use satori_data::{ReadOptions, TargetSpec, read_csv_bytes};
//! use satori_workflow::{TrainRequest, train};
//!
//! let csv = b"x,y\n1,a\n2,b\n3,a\n4,a\n5,b\n6,a\n7,a\n8,b\n9,a\n10,a\n";
//! let table = read_csv_bytes("example.csv", csv, &ReadOptions::default()).unwrap();
//! let request = TrainRequest::new(TargetSpec { name: "y".into(), task: None });
//! let outcome = train(&table, &request, &satori_core::NoProgress).unwrap();
//! assert_eq!(outcome.pipeline.classes(), Some(&["a".to_string(), "b".to_string()][..]));
//! let predictions = outcome.pipeline.predict_table(&table).unwrap();
//! assert_eq!(predictions.len(), 10);
//! ```
#![warn(missing_docs)]

pub mod anomalies;
pub mod compress;
pub mod cost;
pub mod cv;
pub mod distributed;
pub mod evaluate;
pub mod external;
mod header;
pub mod monitor;
pub mod output;
pub mod params;
pub mod stopping;
pub mod targets;
pub mod threshold;
pub mod train;
pub mod update;

pub use cv::{
    CvPlan, CvRequest, CvResult, FoldResult, FoldRun, MetricSummary, cross_validate,
    cross_validate_distributed,
};
pub use evaluate::{
    Evaluation, Labelled, MetricSpec, TargetEvaluation, default_metrics, evaluate_predictions,
    evaluate_table, labelled_predictions,
};
pub use external::{PredictionColumns, evaluate_prediction_table, prediction_table_outcomes};
pub use header::fingerprint;
pub use params::{TargetInfo, TrainParams};
pub use stopping::EarlyStopReport;
pub use targets::{Prepared, RowsReport, parse_targets, prepare};
pub use threshold::ThresholdObjective;
pub use train::{TrainOutcome, TrainRequest, train, training_rows, validation_read_options};
