//! # satori-pipeline
//!
//! Where the layers meet: the closed, serde-tagged [`ModelParams`] and fitted [`AnyModel`] enums
//! (adding a model family fails to compile at every place that must learn about it), the
//! [`FittedPipeline`] that predicts from raw input rows, the training and evaluation flows that
//! the CLI and server call, the `--set` override mechanism, and the model file.
//!
//! ```
//! use satori_data::{ReadOptions, TargetSpec, read_csv_bytes};
//! use satori_pipeline::{TrainRequest, train};
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
pub mod auto;
pub mod column_transformer;
pub mod cost;
mod cv;
mod evaluate;
mod external;
mod families;
pub mod model_file;
mod models;
pub mod multitask;
pub mod output;
pub mod overrides;
mod pipeline;
pub mod pipeline_file;
pub mod preprocessor;
mod reference;
pub mod resume;
pub mod row_filter;
pub mod select_model;
pub mod steps;
pub mod text;
mod train;
pub mod transfer;

pub use cv::{CvRequest, CvResult, FoldResult, MetricSummary, cross_validate};
pub use evaluate::{
    Evaluation, Labelled, MetricSpec, default_metrics, evaluate_predictions, evaluate_table,
    labelled_predictions,
};
pub use external::{PredictionColumns, evaluate_prediction_table, prediction_table_outcomes};
pub use model_file::{ColumnReference, ModelHeader, PreprocessorHeader, Provenance};
pub use models::{AnyModel, Family, FittedFamily, MODEL_KINDS, MODEL_NAMES, ModelParams, Role};
pub use multitask::{
    FittedMultiTask, MultiTaskHeader, MultiTaskOutcome, MultiTaskParams, MultiTaskRequest,
    train_multitask,
};
pub use pipeline::{FittedPipeline, Predictions};
pub use preprocessor::FittedPreprocessor;
pub use train::{
    ThresholdObjective, TrainOutcome, TrainParams, TrainRequest, train, validation_read_options,
};
