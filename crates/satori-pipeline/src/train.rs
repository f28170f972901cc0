//! The training flow behind `satori train`: table → dataset → holdout split → fit → evaluate →
//! a fitted pipeline with its model-file header.

use std::collections::BTreeMap;

use satori_core::{Error, Progress, Result, Task};
use satori_data::{LoadReport, Table, TargetSpec};
use serde::{Deserialize, Serialize};

use crate::model_file::FORMAT_VERSION;
use crate::overrides::apply_overrides;
use crate::reference::{fingerprint, reference_stats};
use crate::{
    Evaluation, FittedPipeline, ModelHeader, ModelParams, Provenance, evaluate_predictions,
};

/// The parameter tree that `--set path=value` addresses: `model.*`, `holdout`, `seed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainParams {
    /// The model family and its hyperparameters.
    pub model: ModelParams,
    /// Fraction of rows held out for evaluation, in [0, 1); 0 trains on every row and reports no
    /// holdout scores. Default 0.2. Stratified for classification.
    pub holdout: f64,
    /// Seed for the split and for stochastic models. Default 0.
    pub seed: u64,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            model: ModelParams::default(),
            holdout: 0.2,
            seed: 0,
        }
    }
}

impl TrainParams {
    /// Check every field.
    pub fn validate(&self, task: Task) -> Result<()> {
        if !(0.0..1.0).contains(&self.holdout) || self.holdout.is_nan() {
            return Err(Error::param(
                "holdout",
                format!("must be in [0, 1), got {}", self.holdout),
            ));
        }
        self.model.validate_for(task)
    }
}

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// The target column and (optionally) the forced task.
    pub target: TargetSpec,
    /// The `--model` name (see [`crate::MODEL_NAMES`]); `baseline` picks the task's dummy.
    pub model: String,
    /// `path=value` overrides applied to the parameter tree.
    pub overrides: Vec<(String, String)>,
    /// The holdout fraction (overridable as `holdout`).
    pub holdout: f64,
    /// The seed (overridable as `seed`).
    pub seed: u64,
    /// The training file's name, for provenance.
    pub data_source: Option<String>,
    /// The time of training (RFC 3339), for provenance; the library reads no clock.
    pub created_at: Option<String>,
}

impl TrainRequest {
    /// A request with defaults: the baseline model, a 20% holdout, seed 0.
    pub fn new(target: TargetSpec) -> Self {
        TrainRequest {
            target,
            model: "baseline".into(),
            overrides: Vec::new(),
            holdout: 0.2,
            seed: 0,
            data_source: None,
            created_at: None,
        }
    }
}

/// The result of training.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The model file's header.
    pub header: ModelHeader,
    /// The fitted pipeline.
    pub pipeline: FittedPipeline,
    /// What loading the table did (dropped rows, excluded columns).
    pub load: LoadReport,
    /// The parameters used, after overrides.
    pub params: TrainParams,
    /// Scores on the holdout rows, if any were held out.
    pub holdout: Option<Evaluation>,
}

/// Train a pipeline on a table.
pub fn train(
    table: &Table,
    request: &TrainRequest,
    progress: &dyn Progress,
) -> Result<TrainOutcome> {
    let (data, load) = table.to_dataset(&request.target)?;
    let task = data
        .task()
        .ok_or_else(|| Error::Internal("dataset without a task".into()))?;
    let base = TrainParams {
        model: ModelParams::from_name(&request.model, task)?,
        holdout: request.holdout,
        seed: request.seed,
    };
    let params = apply_overrides(&base, &request.overrides)?;
    params.validate(task)?;

    let (train_rows, test_rows) = if params.holdout > 0.0 {
        satori_data::splits::train_test_split(
            &data,
            params.holdout,
            task.is_classification(),
            params.seed,
        )?
    } else {
        ((0..data.n_samples()).collect(), Vec::new())
    };
    let train_data = data.select_rows(&train_rows)?;
    progress.start(&format!("fitting {}", params.model.kind()), None);
    let model = params.model.fit(&train_data, progress)?;
    progress.finish();

    let classes = data
        .target()
        .and_then(|t| t.labels())
        .map(<[String]>::to_vec);
    let pipeline = FittedPipeline::new(
        data.features().clone(),
        task,
        request.target.name.clone(),
        classes.clone(),
        model,
    )?;

    let holdout = if test_rows.is_empty() {
        None
    } else {
        let test = data.select_rows(&test_rows)?;
        let preds = pipeline.predict_matrix(test.x())?;
        Some(evaluate_predictions(
            test.require_target()?,
            &preds,
            test.weights(),
        )?)
    };
    let metrics: BTreeMap<String, f64> = holdout
        .as_ref()
        .map(|e| e.metrics.clone())
        .unwrap_or_default();
    let header = ModelHeader {
        format_version: FORMAT_VERSION,
        model_kind: params.model.kind().to_string(),
        task,
        target: request.target.name.clone(),
        classes,
        input_schema: data.features().clone(),
        params: serde_json::to_value(&params).map_err(|e| Error::Internal(e.to_string()))?,
        n_train_samples: train_rows.len() as u64,
        metrics,
        metrics_on: holdout.as_ref().map(|_| {
            format!(
                "holdout ({:.0}%, {} rows)",
                params.holdout * 100.0,
                test_rows.len()
            )
        }),
        reference: reference_stats(&train_data),
        provenance: Provenance {
            library_version: satori_core::VERSION.to_string(),
            created_at: request.created_at.clone(),
            data_source: request.data_source.clone(),
            data_fingerprint: fingerprint(&train_data),
            seed: params.seed,
        },
    };
    Ok(TrainOutcome {
        header,
        pipeline,
        load,
        params,
        holdout,
    })
}
