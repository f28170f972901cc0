//! # satori-pipeline
//!
//! What a fitted model *is*: the closed, serde-tagged enums of preprocessing steps
//! ([`steps::StepParams`]) and models ([`ModelParams`], fitted [`AnyModel`]) — adding a model
//! family fails to compile at every place that must learn about it, and each family declares its
//! [`Capabilities`] in one place — the [`PipelineParams`] that fit into a [`FittedPipeline`]
//! (itself an estimator and a predictor, for one target or several), the text stage, the `--set`
//! override mechanism, pipeline files, and the model file.
//!
//! The flows that *use* a pipeline — training with a holdout, cross-validation, evaluation,
//! thresholds, reports' inputs — live one layer up, in `satori-workflow`.
//!
//! ```
//! use satori_core::{Estimator, Task};
//! use satori_data::{ReadOptions, TargetSpec, read_csv_bytes};
//! use satori_pipeline::{ModelParams, PipelineParams};
//!
//! let csv = b"x,y\n1,a\n2,b\n3,a\n4,a\n5,b\n6,a\n7,a\n8,b\n9,a\n10,a\n";
//! let table = read_csv_bytes("example.csv", csv, &ReadOptions::default()).unwrap();
//! let target = TargetSpec { name: "y".into(), task: None };
//! let (data, _) = table.to_dataset(&target).unwrap();
//! let params = PipelineParams {
//!     model: ModelParams::from_name("logistic", &[Task::Binary]).unwrap(),
//!     ..Default::default()
//! };
//! let pipeline = params.fit(&data.with_target_name("y")).unwrap();
//! assert_eq!(pipeline.classes(), Some(&["a".to_string(), "b".to_string()][..]));
//! let predictions = pipeline.predict_table(&table).unwrap();
//! assert_eq!(predictions.len(), 10);
//! ```
#![warn(missing_docs)]

pub mod ensemble;
mod fit;
mod fitted;
pub mod input_anomaly;
pub mod model_file;
pub mod models;
pub mod overrides;
pub mod params;
pub mod pipeline_file;
pub mod preprocessor;
pub mod resume;
pub mod steps;
pub mod text;
pub mod transfer;
pub mod update;

pub use fitted::{FittedPipeline, FittedTarget, Predictions, read_options_for};
pub use input_anomaly::{InputAnomaly, InputAnomalyScores};
pub use model_file::{MemberMetrics, ModelHeader, PreprocessorHeader, Provenance, TaskHeader};
pub use models::{
    AnyModel, Capabilities, Family, FittedFamily, InputNeeds, MODEL_KINDS, MODEL_NAMES,
    ModelParams, Output, Role,
};
pub use params::{PipelineParams, TargetSettings};
pub use preprocessor::FittedPreprocessor;
pub use satori_monitor::ColumnReference;
pub use steps::{AnyStep, StepParams};
