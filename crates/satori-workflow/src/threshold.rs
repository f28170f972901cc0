//! Tuning a binary classifier's decision threshold on out-of-fold probabilities of the training
//! rows, never on the holdout, so the holdout scores stay honest.

use satori_core::{Dataset, Error, Estimator, NoProgress, Progress, Result, Target, Task};
use satori_data::splits::SplitStrategy;
use satori_metrics::{
    CostMatrix, DecisionThreshold, best_threshold, metric_by_name, min_cost_threshold,
};
use satori_pipeline::PipelineParams;

/// What a tuned decision threshold optimises. The threshold is chosen on out-of-fold
/// probabilities of the training rows (5-fold stratified, seeded), never on the holdout; the final
/// model is then fitted on all training rows.
#[derive(Debug, Clone)]
pub enum ThresholdObjective {
    /// Maximise (or minimise, for losses) a label metric by name or expression, e.g. `f1`.
    Metric(String),
    /// Minimise the expected cost under a 2 × 2 cost matrix.
    Cost,
}

/// Choose a decision threshold on out-of-fold probabilities of `data`'s rows.
pub fn tune_threshold(
    data: &Dataset,
    params: &PipelineParams,
    objective: &ThresholdObjective,
    costs: Option<&CostMatrix>,
    progress: &dyn Progress,
) -> Result<DecisionThreshold> {
    if data.n_targets() != 1 || data.task() != Some(Task::Binary) {
        return Err(Error::param(
            "threshold",
            "tuning a decision threshold needs one binary classification target",
        ));
    }
    let folds = SplitStrategy::StratifiedKFold {
        n_splits: 5,
        shuffle: true,
        seed: params.seed,
    }
    .split(data, None)?;
    progress.start("tuning the decision threshold", Some(folds.len() as u64));
    let mut scores = vec![f64::NAN; data.n_samples()];
    for fold in &folds {
        let part = data.select_rows(&fold.train)?;
        let fitted = params.fit_with_progress(&part, &NoProgress)?;
        let test = data.select_rows(&fold.test)?;
        let proba = fitted.predict_dataset(&test)?.proba.ok_or_else(|| {
            Error::param("threshold", "the model gives no probabilities to threshold")
        })?;
        for (k, &row) in fold.test.iter().enumerate() {
            scores[row] = proba[[k, 1]];
        }
        progress.advance(1);
    }
    progress.finish();
    let codes = match data.require_target()? {
        Target::Classes { codes, .. } => codes.view(),
        Target::Continuous(_) => {
            return Err(Error::Internal(
                "binary task with a continuous target".into(),
            ));
        }
    };
    let scores = ndarray::Array1::from(scores);
    match objective {
        ThresholdObjective::Metric(name) => best_threshold(
            codes,
            scores.view(),
            metric_by_name(name)?.as_ref(),
            data.weights(),
        ),
        ThresholdObjective::Cost => {
            let costs = costs.ok_or_else(|| {
                Error::param(
                    "threshold",
                    "minimising the expected cost needs a cost matrix (--cost-matrix)",
                )
            })?;
            min_cost_threshold(codes, scores.view(), costs, data.weights())
        }
    }
}
