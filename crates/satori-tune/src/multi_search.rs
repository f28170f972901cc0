//! Several objectives at once over satori's cross-validation: the metric and what the model
//! costs (prediction time, fit time or size), searched with NSGA-II, the result a Pareto front
//! (`satori tune --objective size`).

use std::time::Instant;

use rayon::prelude::*;
use satori_core::{Error, Progress, Result};
use satori_data::Table;
use serde::Serialize;

use crate::cv_search::{Costs, Objective, Prepared, all_failed, default_space, override_text};
use crate::multi::{MultiRecord, MultiResult, MultiSampler, MultiStudy, MultiStudyConfig};
use crate::{Direction, Pruner, Trial, TrialResult, TrialState, TuneRequest};

/// A cost of the model searched beside the metric (always minimised).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostObjective {
    /// Seconds to predict and score 1,000 validation rows (measured, so it varies run to run).
    Latency,
    /// Seconds to fit, summed over the folds (measured, so it varies run to run).
    FitTime,
    /// Bytes of the fitted model (the first fold's model-file payload): the same every run.
    Size,
}

impl CostObjective {
    /// Its name in results.
    pub fn name(self) -> &'static str {
        match self {
            CostObjective::Latency => "predict_seconds_per_1k",
            CostObjective::FitTime => "fit_seconds",
            CostObjective::Size => "model_bytes",
        }
    }

    fn value(self, costs: &Costs) -> Option<f64> {
        match self {
            CostObjective::Latency => costs.predict_seconds_per_1k,
            CostObjective::FitTime => Some(costs.fit_seconds),
            CostObjective::Size => costs.model_bytes.map(|b| b as f64),
        }
    }
}

impl std::str::FromStr for CostObjective {
    type Err = Error;

    /// `latency`, `fit_time` or `size`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "latency" | "predict_time" => Ok(CostObjective::Latency),
            "fit_time" | "fit-time" => Ok(CostObjective::FitTime),
            "size" | "model_size" => Ok(CostObjective::Size),
            other => Err(Error::param(
                "--objective",
                format!(
                    "unknown objective `{}`; objectives beside the metric are latency, fit_time, size",
                    satori_core::snippet(other)
                ),
            )),
        }
    }
}

/// A finished multi-objective search.
#[derive(Debug, Clone, Serialize)]
pub struct MultiOutcome {
    /// The objectives: the metric first, then the costs.
    pub objectives: Vec<String>,
    /// Their directions.
    pub directions: Vec<Direction>,
    /// The space searched, one spec per parameter.
    pub space: Vec<String>,
    /// Every trial, in order (`values` in objective order).
    pub trials: Vec<MultiRecord>,
    /// The trials no other complete trial beats in every objective, by number.
    pub pareto_front: Vec<u64>,
    /// The front's trial with the best metric (the one `--out` refits).
    pub best: MultiRecord,
    /// Why it stopped: `trials` or `time budget`.
    pub stopped_by: String,
    /// How trials were scored.
    pub evaluated_by: String,
    /// Seconds the search took.
    pub seconds: f64,
}

/// Search `request`'s space (or the family's default) for the metric and `costs` at once with
/// `sampler`; trials are asked in fixed batches of `request.batch`, as in [`crate::tune`].
pub fn tune_multi(
    table: &Table,
    request: &TuneRequest,
    costs: &[CostObjective],
    sampler: MultiSampler,
    progress: &dyn Progress,
) -> Result<MultiOutcome> {
    if costs.is_empty() {
        return Err(Error::param(
            "--objective",
            "a multi-objective search needs at least one objective beside the metric",
        ));
    }
    if request.pruner != Pruner::None {
        return Err(Error::param(
            "--pruner",
            "pruning compares one objective; a multi-objective search runs every fold",
        ));
    }
    let prepared = Prepared::new(table, request)?;
    if request.validation.is_some() && costs.contains(&CostObjective::Latency) {
        return Err(Error::param(
            "--objective latency",
            "is measured on the validation folds; with --valid use fit_time or size",
        ));
    }
    let space = match &request.space {
        Some(s) => s.clone(),
        None => default_space(&request.model)?,
    };
    let space_specs: Vec<String> = space.params().iter().map(|p| p.to_string()).collect();
    let mut objective = Objective::new(table, request, &prepared, &request.model);
    objective.measure_size = costs.contains(&CostObjective::Size);
    let mut directions = vec![prepared.direction];
    directions.extend(costs.iter().map(|_| Direction::Minimize));
    let mut names = vec![prepared.metric.clone()];
    names.extend(costs.iter().map(|c| c.name().to_string()));
    let config = MultiStudyConfig {
        directions: directions.clone(),
        sampler,
        seed: request.seed,
    };
    let mut study = MultiStudy::new(space, config)?;
    let started = Instant::now();
    let mut stopped_by = "trials".to_string();
    progress.start(
        &format!("tuning {} ({})", request.model, names.join(", ")),
        request.progress_total(),
    );
    let mut asked = 0;
    let mut durations = Vec::new();
    while asked < request.trials {
        if request.time_budget.is_some_and(|b| started.elapsed() >= b) {
            stopped_by = "time budget".into();
            break;
        }
        let n = request.batch.min(request.trials - asked);
        let batch: Vec<Trial> = (0..n).map(|_| study.ask()).collect::<Result<_>>()?;
        asked += n;
        type Ran = (Trial, Result<MultiResult>, f64);
        let results: Vec<Ran> = batch
            .into_par_iter()
            .map(|trial| {
                let t0 = Instant::now();
                let result = evaluate(&objective, &trial, costs);
                progress.advance(1);
                (trial, result, t0.elapsed().as_secs_f64())
            })
            .collect();
        for (trial, result, seconds) in results {
            let result = match result {
                Ok(r) => r,
                Err(e) => {
                    progress.finish();
                    return Err(e);
                }
            };
            durations.push((trial.number(), seconds));
            study.tell(trial, result)?;
        }
    }
    progress.finish();
    let mut trials = study.trials().to_vec();
    for (n, d) in durations {
        trials[n as usize].duration_s = Some(d);
    }
    let pareto_front: Vec<u64> = study.pareto_front().iter().map(|r| r.number).collect();
    let primary = prepared.direction;
    let best = pareto_front
        .iter()
        .map(|&n| &trials[n as usize])
        .filter_map(|r| r.values.as_ref().map(|v| (primary.loss(v[0]), r)))
        .fold(
            None,
            |best: Option<(f64, &MultiRecord)>, (l, r)| match best {
                Some((bl, _)) if bl <= l => best,
                _ => Some((l, r)),
            },
        )
        .map(|(_, r)| r.clone());
    let Some(best) = best else {
        return Err(all_failed(
            "trial",
            trials.iter().map(|t| t.fail_reason.as_deref()),
        ));
    };
    Ok(MultiOutcome {
        objectives: names,
        directions,
        space: space_specs,
        trials,
        pareto_front,
        best,
        stopped_by,
        evaluated_by: prepared.evaluated_by(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// One trial's values: the metric, then each cost.
fn evaluate(
    objective: &Objective<'_>,
    trial: &Trial,
    costs: &[CostObjective],
) -> Result<MultiResult> {
    let values: Vec<(String, String)> = trial
        .params()
        .iter()
        .map(|(k, v)| (k.clone(), override_text(v)))
        .collect();
    let (result, measured) = objective.score(&values, None)?;
    Ok(match (result, measured) {
        (TrialResult::Complete(v), Some(m)) => {
            let mut out = vec![v];
            for c in costs {
                match c.value(&m) {
                    Some(x) => out.push(x),
                    None => {
                        return Ok(MultiResult::Failed(format!(
                            "{} was not measured",
                            c.name()
                        )));
                    }
                }
            }
            MultiResult::Complete(out)
        }
        (TrialResult::Complete(_), None) => {
            MultiResult::Failed("the model's costs were not measured".into())
        }
        (TrialResult::Failed(r), _) => MultiResult::Failed(r),
        (TrialResult::Pruned, _) => MultiResult::Failed("pruned".into()),
    })
}

/// How many trials ended complete and failed.
pub fn count_complete(trials: &[MultiRecord]) -> (usize, usize) {
    let complete = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .count();
    (complete, trials.len() - complete)
}
