//! Automatic model selection (`--model auto`): a portfolio of strong default configurations
//! across the model families, cheapest first, then a search of the best family's space with
//! the trials or time left, as FLAML and AutoGluon do.
//!
//! Every configuration is scored on the same folds (or the same validation file) as `satori
//! tune` scores a trial, so the leaderboard compares like with like. Each entry records what it
//! cost: fit seconds (summed over the folds) and prediction time per 1,000 rows.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use satori_core::{Progress, Result, Task};
use satori_data::Table;
use serde::Serialize;
use serde_json::Value;

use crate::cv_search::{
    Costs, Objective, Prepared, all_failed, default_space, override_text, run_search,
};
use crate::{Direction, TrialRecord, TrialResult, TrialState, TuneRequest};

/// One configuration of the portfolio: a family and its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The `--model` name of the family.
    pub family: &'static str,
    /// Its settings, as `--set` paths and values (empty: the family's defaults).
    pub settings: &'static [(&'static str, &'static str)],
    /// What it costs to score, as a multiple of boosting's defaults (the first boosting entry),
    /// from the benchmark's three data sets (flights, movies, diamonds; the smallest ratio seen,
    /// rounded down): how the portfolio estimates whether it can afford the entry.
    pub relative_cost: f64,
}

/// The share of the time left that one portfolio entry after the first boosting model may be
/// estimated to take: a costlier one is skipped, leaving the time to the search of the leading
/// family (on flights with 60 s, the two forests took 43 s and left the search none).
pub const PORTFOLIO_SHARE_OF_TIME_LEFT: f64 = 0.2;

/// The portfolio for a task, cheapest first: the baseline (the floor every model must beat), a
/// linear model, boosting, a slower boosting configuration, extra trees, a random forest, and a
/// neural network. (On the benchmark's flights data the forests cost ten times boosting's fit
/// and never won, so both boosting configurations come before them.)
pub fn portfolio(task: Task) -> Vec<Config> {
    let linear = if task.is_classification() {
        "logistic"
    } else {
        "ridge"
    };
    vec![
        Config {
            family: "baseline",
            settings: &[],
            relative_cost: 0.0,
        },
        Config {
            family: linear,
            settings: &[],
            relative_cost: 0.0,
        },
        Config {
            family: "gbm",
            settings: &[],
            relative_cost: 1.0,
        },
        Config {
            family: "gbm",
            settings: &[
                ("model.learning_rate", "0.05"),
                ("model.n_estimators", "300"),
                ("model.num_leaves", "63"),
                ("model.min_samples_leaf", "10"),
                ("model.colsample_bytree", "0.8"),
            ],
            relative_cost: 1.5,
        },
        Config {
            family: "extra_trees",
            settings: &[],
            relative_cost: 10.0,
        },
        Config {
            family: "forest",
            settings: &[],
            relative_cost: 10.0,
        },
        Config {
            family: "mlp",
            settings: &[],
            relative_cost: 8.0,
        },
    ]
}

/// One configuration tried, with its score and costs.
#[derive(Debug, Clone, Serialize)]
pub struct AutoEntry {
    /// The order it was tried in (0, 1, 2, …).
    pub number: usize,
    /// `portfolio` or `search`.
    pub phase: &'static str,
    /// The `--model` name of its family.
    pub family: String,
    /// Its settings beyond the family's defaults, by `--set` path.
    pub params: BTreeMap<String, Value>,
    /// `complete`, `pruned` or `failed`.
    pub state: TrialState,
    /// The mean score over the folds (complete entries).
    pub value: Option<f64>,
    /// Seconds spent fitting, summed over the folds (the fit on one fold's rows, times the folds).
    pub fit_seconds: Option<f64>,
    /// Seconds to predict 1,000 rows (from the validation folds).
    pub predict_seconds_per_1k: Option<f64>,
    /// Why it failed.
    pub fail_reason: Option<String>,
}

/// A portfolio entry the time budget could not afford.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// The `--model` name of its family.
    pub family: String,
    /// Its settings beyond the family's defaults, by `--set` path.
    pub params: BTreeMap<String, Value>,
    /// Its estimated wall seconds (boosting's defaults' times its relative cost).
    pub estimated_seconds: f64,
    /// The seconds of the budget left when it was skipped.
    pub seconds_left: f64,
}

/// The result of automatic model selection.
#[derive(Debug, Clone, Serialize)]
pub struct AutoOutcome {
    /// The task of the target.
    pub task: Task,
    /// The metric optimised.
    pub metric: String,
    /// Whether it was maximised or minimised.
    pub direction: Direction,
    /// Every configuration tried, in order.
    pub leaderboard: Vec<AutoEntry>,
    /// The best complete entry.
    pub best: AutoEntry,
    /// The family whose space was searched after the portfolio (none when the budget ran out).
    pub searched_family: Option<String>,
    /// Why it stopped: `trials`, `time budget` or `grid exhausted`.
    pub stopped_by: String,
    /// Portfolio entries not tried because their estimated time exceeded their share of the
    /// time left ([`PORTFOLIO_SHARE_OF_TIME_LEFT`]).
    pub skipped: Vec<Skipped>,
    /// How entries were scored.
    pub evaluated_by: String,
    /// Seconds it took (without reading the data or refitting).
    pub seconds: f64,
}

impl AutoOutcome {
    /// The best entry as `path=value` overrides: its family as `model.kind` (the full kind),
    /// then its settings, after the request's fixed overrides.
    pub fn best_overrides(&self, request: &TuneRequest, kind: &str) -> Vec<(String, String)> {
        let mut out = vec![("model.kind".to_string(), kind.to_string())];
        out.extend(request.overrides.iter().cloned());
        out.extend(
            self.best
                .params
                .iter()
                .map(|(k, v)| (k.clone(), override_text(v))),
        );
        out
    }
}

/// Choose a model family and its settings for `table` within `request.trials` configurations
/// (and `request.time_budget`): the portfolio first, then `request.sampler` over the best
/// family's default space. `request.model` and `request.space` are ignored.
pub fn auto_select(
    table: &Table,
    request: &TuneRequest,
    progress: &dyn Progress,
) -> Result<AutoOutcome> {
    let started = Instant::now();
    let prepared = Prepared::new(table, request)?;
    let configs = portfolio(prepared.task);
    let direction = prepared.direction;
    let out_of_time = |b: Option<Duration>| b.is_some_and(|b| started.elapsed() >= b);
    let deadline = request.time_budget.map(|b| started + b);
    let mut leaderboard: Vec<AutoEntry> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    // The wall seconds of the first complete boosting entry: the unit of the cost estimates.
    let mut unit_seconds: Option<f64> = None;
    let mut stopped_by = "trials".to_string();
    progress.start(
        &format!("choosing a model ({})", prepared.metric),
        request.progress_total(),
    );
    for config in &configs {
        if leaderboard.len() >= request.trials {
            break;
        }
        // Always at least one model beyond the baseline, whatever the budget.
        let tried_a_model = leaderboard
            .iter()
            .any(|e| e.family != "baseline" && e.state == TrialState::Complete);
        if tried_a_model && out_of_time(request.time_budget) {
            stopped_by = "time budget".into();
            break;
        }
        let mut objective = Objective::new(table, request, &prepared, config.family);
        // The first model beyond the baseline always finishes; after it, no fold starts past
        // the budget.
        if tried_a_model {
            objective.deadline = deadline;
        }
        let overrides: Vec<(String, String)> = config
            .settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let params: BTreeMap<String, Value> = config
            .settings
            .iter()
            .map(|(k, v)| (k.to_string(), satori_pipeline_value(v)))
            .collect();
        if let (Some(budget), Some(unit)) = (request.time_budget, unit_seconds) {
            let left = budget.saturating_sub(started.elapsed()).as_secs_f64();
            let estimated = unit * config.relative_cost;
            if !affordable(estimated, left) {
                skipped.push(Skipped {
                    family: config.family.to_string(),
                    params,
                    estimated_seconds: estimated,
                    seconds_left: left,
                });
                continue;
            }
        }
        let entry_started = Instant::now();
        let (result, costs) = objective.score_all_folds(&overrides)?;
        if unit_seconds.is_none()
            && config.family == "gbm"
            && matches!(result, TrialResult::Complete(_))
        {
            unit_seconds = Some(entry_started.elapsed().as_secs_f64());
        }
        leaderboard.push(entry(
            leaderboard.len(),
            "portfolio",
            config.family,
            params,
            result,
            costs,
        ));
        progress.advance(1);
    }
    // The best family of the portfolio (not the baseline) gets the rest of the budget.
    let best_family =
        best_of(&leaderboard, direction, |e| e.family != "baseline").map(|e| e.family.clone());
    let mut searched_family = None;
    if best_family.is_some()
        && leaderboard.len() < request.trials
        && out_of_time(request.time_budget)
    {
        // The portfolio spent the budget: nothing is left to search.
        stopped_by = "time budget".into();
    }
    if let Some(family) = best_family
        && leaderboard.len() < request.trials
        && !out_of_time(request.time_budget)
    {
        let space = default_space(&family)?;
        let remaining = request.trials - leaderboard.len();
        let budget = request
            .time_budget
            .map(|b| b.saturating_sub(started.elapsed()));
        let mut objective = Objective::new(table, request, &prepared, &family);
        objective.deadline = deadline;
        let search = run_search(&objective, space, remaining, budget, None, progress)?;
        stopped_by = search.stopped_by;
        for record in &search.trials {
            let costs = search.costs.get(&record.number).copied();
            leaderboard.push(entry_of_record(leaderboard.len(), &family, record, costs));
        }
        searched_family = Some(family);
    }
    // The ensemble step: greedy ensemble selection over the best configuration of each family,
    // scored like any configuration; it is chosen only if it scores better.
    if !out_of_time(request.time_budget)
        && let Some(members) = ensemble_members(&leaderboard, direction, prepared.task)?
    {
        let mut objective = Objective::new(table, request, &prepared, "ensemble_selection");
        objective.deadline = deadline;
        let cv = if prepared.task.is_classification() {
            r#"{"kind":"stratified_k_fold","n_splits":3}"#
        } else {
            r#"{"kind":"k_fold","n_splits":3}"#
        };
        let mut overrides = vec![
            ("model.members".to_string(), members.to_string()),
            ("model.cv".to_string(), cv.to_string()),
        ];
        if satori_metrics::metric_by_name(&prepared.metric).is_ok() {
            overrides.push(("model.metric".to_string(), prepared.metric.clone()));
        }
        let (result, costs) = objective.score_all_folds(&overrides)?;
        let mut params = BTreeMap::new();
        params.insert("model.members".to_string(), members);
        for (k, v) in &overrides[1..] {
            params.insert(k.clone(), satori_pipeline::overrides::parse_value(v));
        }
        leaderboard.push(entry(
            leaderboard.len(),
            "ensemble",
            "ensemble_selection",
            params,
            result,
            costs,
        ));
    }
    progress.finish();
    let Some(best) = best_of(&leaderboard, direction, |_| true).cloned() else {
        return Err(all_failed(
            "configuration",
            leaderboard.iter().map(|e| e.fail_reason.as_deref()),
        ));
    };
    Ok(AutoOutcome {
        task: prepared.task,
        metric: prepared.metric.clone(),
        direction,
        leaderboard,
        best,
        searched_family,
        stopped_by,
        skipped,
        evaluated_by: prepared.evaluated_by(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Whether a portfolio entry estimated at `estimated` seconds may start with `left` seconds of
/// the budget left: at most [`PORTFOLIO_SHARE_OF_TIME_LEFT`] of them.
fn affordable(estimated: f64, left: f64) -> bool {
    estimated <= PORTFOLIO_SHARE_OF_TIME_LEFT * left
}

/// The most families the ensemble step combines.
pub const ENSEMBLE_FAMILIES: usize = 4;

/// The ensemble step's candidates: the best complete configuration of each family but the
/// baseline (at most [`ENSEMBLE_FAMILIES`], best first), as ensemble members (a JSON list)
/// with their settings; `None` with fewer than two.
fn ensemble_members(
    leaderboard: &[AutoEntry],
    direction: Direction,
    task: Task,
) -> Result<Option<Value>> {
    let mut families: Vec<&str> = Vec::new();
    for e in leaderboard {
        if e.family != "baseline"
            && e.family != "ensemble_selection"
            && !families.contains(&e.family.as_str())
        {
            families.push(&e.family);
        }
    }
    let mut best: Vec<&AutoEntry> = families
        .iter()
        .filter_map(|f| best_of(leaderboard, direction, |e| e.family == *f))
        .filter(|e| e.params.keys().all(|k| k.starts_with("model.")))
        .collect();
    best.sort_by(|a, b| {
        let loss = |e: &AutoEntry| direction.loss(e.value.unwrap_or(f64::NAN));
        loss(a).total_cmp(&loss(b)).then(a.number.cmp(&b.number))
    });
    best.truncate(ENSEMBLE_FAMILIES);
    if best.len() < 2 {
        return Ok(None);
    }
    let mut members = Vec::with_capacity(best.len());
    for e in &best {
        let mut model =
            serde_json::to_value(satori_pipeline::ModelParams::from_name(&e.family, &[task])?)
                .map_err(|err| satori_core::Error::Internal(err.to_string()))?;
        for (path, value) in &e.params {
            let rest = path.trim_start_matches("model.");
            satori_pipeline::overrides::set_path(&mut model, rest, value.clone(), false)?;
        }
        members.push(serde_json::json!({ "name": e.family, "model": model }));
    }
    Ok(Some(Value::Array(members)))
}

/// A portfolio value as the JSON value `--set` would make of it.
fn satori_pipeline_value(text: &str) -> Value {
    match text.parse::<i64>() {
        Ok(i) => Value::from(i),
        Err(_) => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Value::from(f),
            _ => Value::from(text),
        },
    }
}

fn entry(
    number: usize,
    phase: &'static str,
    family: &str,
    params: BTreeMap<String, Value>,
    result: TrialResult,
    costs: Option<Costs>,
) -> AutoEntry {
    let (state, value, fail_reason) = match result {
        TrialResult::Complete(v) => (TrialState::Complete, Some(v), None),
        TrialResult::Pruned => (TrialState::Pruned, None, None),
        TrialResult::Failed(r) => (TrialState::Failed, None, Some(r)),
    };
    AutoEntry {
        number,
        phase,
        family: family.to_string(),
        params,
        state,
        value,
        fit_seconds: costs.map(|c| c.fit_seconds),
        predict_seconds_per_1k: costs.and_then(|c| c.predict_seconds_per_1k),
        fail_reason,
    }
}

fn entry_of_record(
    number: usize,
    family: &str,
    record: &TrialRecord,
    costs: Option<Costs>,
) -> AutoEntry {
    AutoEntry {
        number,
        phase: "search",
        family: family.to_string(),
        params: record.params.clone(),
        state: record.state,
        value: record.value,
        fit_seconds: costs.map(|c| c.fit_seconds),
        predict_seconds_per_1k: costs.and_then(|c| c.predict_seconds_per_1k),
        fail_reason: record.fail_reason.clone(),
    }
}

/// The best complete entry that `keep` accepts (the earliest among equals).
fn best_of(
    entries: &[AutoEntry],
    direction: Direction,
    keep: impl Fn(&AutoEntry) -> bool,
) -> Option<&AutoEntry> {
    entries
        .iter()
        .filter(|e| e.state == TrialState::Complete && keep(e))
        .filter_map(|e| e.value.map(|v| (direction.loss(v), e)))
        .fold(None, |best: Option<(f64, &AutoEntry)>, (l, e)| match best {
            Some((bl, _)) if bl <= l => best,
            _ => Some((l, e)),
        })
        .map(|(_, e)| e)
}

#[cfg(test)]
mod cost_tests {
    use super::*;

    #[test]
    fn the_portfolio_skips_what_the_time_left_cannot_afford() {
        // Boosting's defaults took 1.2 s: with 53 s left (flights at 60 s) the slower boosting
        // (1.8 s) runs, the forests (12 s each, more than a fifth of 53 s) do not.
        let costs: BTreeMap<&str, f64> = portfolio(Task::Binary)
            .iter()
            .filter(|c| c.settings.is_empty())
            .map(|c| (c.family, c.relative_cost))
            .collect();
        let slow = portfolio(Task::Binary)
            .iter()
            .find(|c| c.family == "gbm" && !c.settings.is_empty())
            .map(|c| c.relative_cost)
            .unwrap();
        assert!(affordable(1.2 * slow, 53.0));
        assert!(!affordable(1.2 * costs["forest"], 53.0));
        assert!(!affordable(1.2 * costs["extra_trees"], 53.0));
        // With time to spare (0.3 s per boosting fit, 58 s left) everything runs.
        for (family, cost) in &costs {
            assert!(affordable(0.3 * cost, 58.0), "{family}");
        }
        // The baseline and the linear model cost nothing in this estimate: they always run.
        assert_eq!(costs["baseline"], 0.0);
        assert_eq!(costs["logistic"], 0.0);
        assert!(affordable(0.0, 0.0));
    }
}
