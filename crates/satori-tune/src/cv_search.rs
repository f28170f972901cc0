//! Searching a model's parameters by cross-validation on a table: the flow behind `satori tune`.
//!
//! Each trial's values become `--set` overrides (`model.learning_rate=0.05`) of the same
//! parameter tree `satori train` builds, and the whole pipeline is cross-validated inside the
//! folds, so no preprocessing sees a validation row. Trials run one after another (the folds of a
//! trial run in parallel), so a study is the same at any thread count for a given seed.

use std::time::{Duration, Instant};

use satori_core::{Error, NoProgress, Progress, Result, Task};
use satori_data::splits::SplitStrategy;
use satori_data::{Table, TargetSpec};
use satori_workflow::{CvRequest, MetricSpec, cross_validate};
use serde::Serialize;
use serde_json::Value;

use crate::{Direction, Sampler, SearchSpace, Study, StudyConfig, TrialRecord, TrialResult};

/// What to search, and how.
#[derive(Debug, Clone)]
pub struct TuneRequest {
    /// The target column (one).
    pub target: TargetSpec,
    /// The `--model` name (a family such as `gbm`, or a full kind).
    pub model: String,
    /// Fixed `path=value` overrides, applied before each trial's values.
    pub overrides: Vec<(String, String)>,
    /// A parameter tree from a pipeline file, applied first.
    pub pipeline: Option<Value>,
    /// The space; `None` searches the model family's [`default_space`].
    pub space: Option<SearchSpace>,
    /// The sampler.
    pub sampler: Sampler,
    /// The metric to optimise (a scorer name); `None`: ROC-AUC for two classes, log loss for
    /// more, R² for a number.
    pub metric: Option<String>,
    /// Cross-validation folds (stratified for classes, shuffled).
    pub folds: usize,
    /// Seeds the sampler, the folds and every stochastic model.
    pub seed: u64,
    /// At most this many trials.
    pub trials: usize,
    /// Stop asking for trials after this much wall-clock time (a running trial finishes). A time
    /// budget makes the number of trials depend on the machine; `trials` alone does not.
    pub time_budget: Option<Duration>,
}

/// A finished search.
#[derive(Debug, Clone, Serialize)]
pub struct TuneOutcome {
    /// The metric optimised.
    pub metric: String,
    /// Whether it was maximised or minimised.
    pub direction: Direction,
    /// The space searched, one spec per parameter.
    pub space: Vec<String>,
    /// Every trial, in order.
    pub trials: Vec<TrialRecord>,
    /// The best complete trial.
    pub best: TrialRecord,
    /// Why the search stopped: `trials`, `time budget` or `grid exhausted`.
    pub stopped_by: String,
}

impl TuneOutcome {
    /// The best trial's values as `path=value` overrides, after the request's fixed ones.
    pub fn best_overrides(&self, request: &TuneRequest) -> Vec<(String, String)> {
        let mut out = request.overrides.clone();
        out.extend(
            self.best
                .params
                .iter()
                .map(|(k, v)| (k.clone(), override_text(v))),
        );
        out
    }
}

/// A searched value as the text `--set` takes.
pub fn override_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The family a `--model` name belongs to (`gbm_classifier` → `gbm`).
fn family(model: &str) -> &str {
    let m = model
        .trim_end_matches("_classifier")
        .trim_end_matches("_regressor");
    match m {
        "hist_gradient_boosting" | "gbm" => "gbm",
        "logistic_regression" | "logistic" => "logistic",
        "random_forest" | "forest" => "forest",
        "extra_trees" => "extra_trees",
        "decision_tree" | "tree" => "tree",
        "mlp" => "mlp",
        "sgd" => "sgd",
        "ridge" => "ridge",
        "lasso" => "lasso",
        "elastic_net" => "elastic_net",
        "poisson" | "poisson_regressor" => "poisson",
        "tweedie" | "tweedie_regressor" => "tweedie",
        other => other,
    }
}

/// The default search space of a model family (documented in docs/tuning.md), as FLAML and
/// AutoGluon ship one per family.
pub fn default_space(model: &str) -> Result<SearchSpace> {
    let specs: &[&str] = match family(model) {
        "gbm" => &[
            "model.learning_rate=float(0.01,0.3,log)",
            "model.num_leaves=int(8,128,log)",
            "model.min_samples_leaf=int(5,100,log)",
            "model.l2_regularization=float(0.001,10,log)",
            "model.colsample_bytree=float(0.5,1.0)",
        ],
        "logistic" => &["model.C=float(0.001,100,log)"],
        "forest" | "extra_trees" => &[
            "model.min_samples_leaf=int(1,20,log)",
            "model.max_features=choice(sqrt,log2,all)",
        ],
        "tree" => &[
            "model.max_depth=int(2,16)",
            "model.min_samples_leaf=int(1,50,log)",
        ],
        "mlp" => &[
            "model.alpha=float(0.000001,0.1,log)",
            "model.learning_rate_init=float(0.0001,0.01,log)",
        ],
        "sgd" => &["model.alpha=float(0.000001,0.01,log)"],
        "ridge" | "lasso" | "poisson" | "tweedie" => &["model.alpha=float(0.0001,100,log)"],
        "elastic_net" => &[
            "model.alpha=float(0.0001,100,log)",
            "model.l1_ratio=float(0.05,0.95)",
        ],
        "baseline" | "dummy" => {
            return Err(Error::param(
                "--model",
                "the baseline has nothing to tune; choose a model such as gbm, logistic or forest",
            ));
        }
        other => {
            return Err(Error::param(
                "--model",
                format!(
                    "no default search space for `{}`; give one with --search PATH=SPEC \
                     (docs/tuning.md)",
                    satori_core::snippet(other)
                ),
            ));
        }
    };
    SearchSpace::parse_specs(specs.iter().copied())
}

/// The metric optimised by default for a task.
pub fn default_metric(task: Task) -> &'static str {
    match task {
        Task::Binary => "roc_auc",
        Task::Multiclass => "log_loss",
        Task::Regression => "r2",
    }
}

/// Search `request.space` (or the family's default) by cross-validation on `table`.
pub fn tune(table: &Table, request: &TuneRequest, progress: &dyn Progress) -> Result<TuneOutcome> {
    if request.trials == 0 {
        return Err(Error::param("--trials", "must be at least 1"));
    }
    if request.folds < 2 {
        return Err(Error::param("--folds", "must be at least 2"));
    }
    let space = match &request.space {
        Some(s) => s.clone(),
        None => default_space(&request.model)?,
    };
    let task = match request.target.task {
        Some(t) => t,
        None => table
            .to_dataset(&request.target)?
            .0
            .task()
            .ok_or_else(|| Error::InvalidData("tuning needs a target".into()))?,
    };
    let metric = request
        .metric
        .clone()
        .unwrap_or_else(|| default_metric(task).to_string());
    let scorer = satori_metrics::metric_by_name(&metric)?;
    let direction = if scorer.greater_is_better() {
        Direction::Maximize
    } else {
        Direction::Minimize
    };
    // The task's own metrics plus the chosen one, so any scorer name can be optimised.
    let spec = MetricSpec::from_names(std::slice::from_ref(&metric), None)?;
    let strategy = if task.is_classification() {
        SplitStrategy::StratifiedKFold {
            n_splits: request.folds,
            shuffle: true,
            seed: request.seed,
        }
    } else {
        SplitStrategy::KFold {
            n_splits: request.folds,
            shuffle: true,
            seed: request.seed,
        }
    };
    let config = StudyConfig {
        direction,
        sampler: request.sampler.clone(),
        seed: request.seed,
        ..Default::default()
    };
    let space_specs: Vec<String> = space.params().iter().map(|p| p.to_string()).collect();
    let mut study = Study::new(space, config)?;
    let started = Instant::now();
    let mut stopped_by = "trials".to_string();
    progress.start(
        &format!("tuning {} ({metric})", request.model),
        Some(request.trials as u64),
    );
    for _ in 0..request.trials {
        if request.time_budget.is_some_and(|b| started.elapsed() >= b) {
            stopped_by = "time budget".into();
            break;
        }
        let Some(trial) = study.ask()? else {
            stopped_by = "grid exhausted".into();
            break;
        };
        let mut overrides = request.overrides.clone();
        overrides.extend(
            trial
                .params()
                .iter()
                .map(|(k, v)| (k.clone(), override_text(v))),
        );
        let cv = CvRequest {
            targets: vec![request.target.clone()],
            model: request.model.clone(),
            overrides,
            pipeline: request.pipeline.clone(),
            strategy: strategy.clone(),
            groups: None,
            seed: request.seed,
        };
        let result = match cross_validate(table, &cv, &spec, &NoProgress) {
            Ok(r) => match r.summary.get(&metric) {
                Some(s) if s.mean.is_finite() => TrialResult::Complete(s.mean),
                _ => TrialResult::Failed(format!("{metric} is undefined on these folds")),
            },
            // A path that names no parameter fails every trial alike: say so now.
            Err(e @ Error::InvalidParameter { .. })
                if e.to_string().contains("no such parameter") =>
            {
                progress.finish();
                return Err(e);
            }
            Err(e) => TrialResult::Failed(e.to_string()),
        };
        study.tell(trial, result)?;
        progress.advance(1);
    }
    progress.finish();
    let trials = study.trials().to_vec();
    let Some(best) = study.best_trial().cloned() else {
        let first = trials
            .iter()
            .find_map(|t| t.fail_reason.clone())
            .unwrap_or_else(|| "no trial ran".into());
        return Err(Error::InvalidData(format!(
            "every trial failed; the first: {}",
            satori_core::clip(&first, 300)
        )));
    };
    Ok(TuneOutcome {
        metric,
        direction,
        space: space_specs,
        trials,
        best,
        stopped_by,
    })
}

/// Parse a time budget: `90s`, `10m`, `1h`, or seconds as a plain number.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 's'),
    };
    let scale = match unit {
        's' => 1.0,
        'm' => 60.0,
        'h' => 3600.0,
        _ => 0.0,
    };
    match number.trim().parse::<f64>() {
        Ok(v) if scale > 0.0 && v.is_finite() && v > 0.0 && v * scale < 1e9 => {
            Ok(Duration::from_secs_f64(v * scale))
        }
        _ => Err(Error::param(
            "--time-budget",
            format!(
                "`{}` is not a duration: write 90s, 10m or 1h",
                satori_core::snippet(text)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("2.5").unwrap(), Duration::from_millis(2500));
        for bad in ["", "m", "-3s", "10d", "abc", "0s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_family_has_a_default_space_and_the_baseline_none() {
        for m in [
            "gbm",
            "gbm_classifier",
            "logistic",
            "forest",
            "extra_trees",
            "tree",
            "mlp",
            "sgd",
            "ridge",
            "lasso",
            "elastic_net",
            "poisson",
            "tweedie",
        ] {
            assert!(!default_space(m).unwrap().params().is_empty(), "{m}");
        }
        assert!(default_space("baseline").is_err());
        let e = default_space("nonsense").unwrap_err().to_string();
        assert!(e.contains("--search"), "{e}");
    }

    #[test]
    fn values_become_set_text() {
        assert_eq!(override_text(&Value::from(0.05)), "0.05");
        assert_eq!(override_text(&Value::from(31)), "31");
        assert_eq!(override_text(&Value::from("sqrt")), "sqrt");
        assert_eq!(override_text(&Value::from(true)), "true");
    }
}
