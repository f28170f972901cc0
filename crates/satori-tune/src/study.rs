//! The study: ask for a trial, evaluate it anywhere, tell its result (Optuna's ask/tell model).
//!
//! # Determinism
//!
//! For a given space, configuration and seed, **the parameters of trial `n` depend only on the
//! seed, on `n`, and on the set of trials that were told before trial `n` was asked**, taken in
//! trial-number order (never in the order they were told). Each trial draws from its own random
//! stream, `derive_seed(seed, n)`, so nothing depends on how many draws earlier trials took.
//!
//! Pruning follows the same rule: [`Study::should_prune`] for trial `n` compares it only with
//! trials told before `n` was asked (and with `n`'s own reports and its number, from which the
//! Hyperband pruner picks its bracket), so a decision does not depend on how far concurrently
//! running trials have got.
//!
//! Hence a driver that evaluates trials in parallel gets the same trials at any thread count if
//! it works in fixed batches: ask `k` trials, evaluate them on any number of threads, tell all
//! `k` (in any order), repeat. Sequential ask/evaluate/tell is the batch size 1. Only a driver
//! that asks whenever a worker frees up (asynchronous) depends on timing.

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use satori_core::rng::sub_rng;
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::pruner::Pruner;
use crate::sampler::{self, Sampler};
use crate::space::{Point, SearchSpace};
pub use crate::trial::{Direction, Trial, TrialRecord, TrialResult, TrialState};

/// How a study searches: direction, sampler, pruner, seed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StudyConfig {
    /// Minimise or maximise the objective. Default: minimise.
    pub direction: Direction,
    /// How parameters are chosen. Default: TPE with Optuna's defaults.
    pub sampler: Sampler,
    /// When running trials are stopped. Default: none.
    pub pruner: Pruner,
    /// The seed of every random choice. Default: 0.
    pub seed: u64,
}

/// A search in progress: the space, the configuration and every trial so far.
#[derive(Debug)]
pub struct Study {
    space: SearchSpace,
    config: StudyConfig,
    records: Vec<TrialRecord>,
    points: Vec<Point>,
    /// How many tells had happened when each trial was asked.
    asked_at: Vec<u64>,
    /// The tell count at which each trial was told.
    told_at: Vec<Option<u64>>,
    started: Vec<Option<Instant>>,
    tells: u64,
    queue: VecDeque<Point>,
    grid: Option<Vec<Point>>,
    grid_next: usize,
}

impl Study {
    /// A new study. Checks the sampler and pruner against the space (e.g. grid search needs a
    /// finite grid).
    pub fn new(space: SearchSpace, config: StudyConfig) -> Result<Self> {
        config.sampler.validate()?;
        config.pruner.validate()?;
        if let Sampler::Sobol(s) = &config.sampler {
            s.check_space(&space)?;
        }
        let grid = match &config.sampler {
            Sampler::Grid(g) => Some(g.points(&space, config.seed)?),
            _ => None,
        };
        Ok(Study {
            space,
            config,
            records: Vec::new(),
            points: Vec::new(),
            asked_at: Vec::new(),
            told_at: Vec::new(),
            started: Vec::new(),
            tells: 0,
            queue: VecDeque::new(),
            grid,
            grid_next: 0,
        })
    }

    /// A study that continues from stored records (e.g. a study file after a killed run).
    /// Records must be numbered 0, 1, 2, …; a trial still running when the run stopped is kept as
    /// failed ("interrupted"). Every record's parameters must fit the space.
    pub fn restore(
        space: SearchSpace,
        config: StudyConfig,
        records: Vec<TrialRecord>,
    ) -> Result<Self> {
        let mut study = Study::new(space, config)?;
        for (i, mut r) in records.into_iter().enumerate() {
            if r.number != i as u64 {
                return Err(Error::InvalidData(format!(
                    "stored trials must be numbered 0, 1, 2, …; found trial {} in place {i}",
                    r.number
                )));
            }
            let point = study.space.point_from_values(&r.params).map_err(|e| {
                Error::InvalidData(format!(
                    "stored trial {i} does not fit the search space: {e}"
                ))
            })?;
            if r.state == TrialState::Running {
                r.state = TrialState::Failed;
                r.fail_reason = Some("interrupted before it finished".into());
            }
            study.records.push(r);
            study.points.push(point);
            study.asked_at.push(study.tells);
            study.told_at.push(Some(study.tells));
            study.started.push(None);
            study.tells += 1;
        }
        Ok(study)
    }

    /// The search space.
    pub fn space(&self) -> &SearchSpace {
        &self.space
    }

    /// The configuration.
    pub fn config(&self) -> &StudyConfig {
        &self.config
    }

    /// Every trial so far, by number.
    pub fn trials(&self) -> &[TrialRecord] {
        &self.records
    }

    /// Queue parameters to be the next asked trial (e.g. a portfolio of strong defaults tried
    /// first). They must fit the space. Queued trials are asked before the sampler is.
    pub fn enqueue(&mut self, params: &BTreeMap<String, Value>) -> Result<()> {
        let point = self.space.point_from_values(params)?;
        self.queue.push_back(point);
        Ok(())
    }

    /// The next trial, or `None` when the sampler has nothing left to propose (a grid that is
    /// done).
    pub fn ask(&mut self) -> Result<Option<Trial>> {
        let number = self.records.len() as u64;
        let point = match self.queue.pop_front() {
            Some(p) => p,
            None => match self.sample(number)? {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        let params = self.space.to_values(&point);
        self.records.push(TrialRecord {
            number,
            state: TrialState::Running,
            params: params.clone(),
            value: None,
            intermediate_values: BTreeMap::new(),
            duration_s: None,
            fail_reason: None,
        });
        self.points.push(point);
        self.asked_at.push(self.tells);
        self.told_at.push(None);
        self.started.push(Some(Instant::now()));
        Ok(Some(Trial {
            number,
            params,
            intermediate: BTreeMap::new(),
        }))
    }

    fn sample(&mut self, number: u64) -> Result<Option<Point>> {
        let mut rng = sub_rng(self.config.seed, number);
        match &self.config.sampler {
            Sampler::Grid(_) => {
                let Some(grid) = &self.grid else {
                    return Err(Error::Internal("grid sampler without its grid".into()));
                };
                while let Some(p) = grid.get(self.grid_next) {
                    self.grid_next += 1;
                    if !self.points.iter().any(|q| sampler::same_point(p, q)) {
                        return Ok(Some(p.clone()));
                    }
                }
                Ok(None)
            }
            Sampler::Random(_) => Ok(Some(sampler::random::sample(&self.space, &mut rng))),
            Sampler::Tpe(tpe) => {
                let history = self.history();
                Ok(Some(tpe.sample(
                    &self.space,
                    self.config.direction,
                    &history,
                    &mut rng,
                )))
            }
            Sampler::Sobol(s) => Ok(Some(s.sample(
                &self.space,
                self.config.seed,
                number,
                &mut rng,
            ))),
            Sampler::Lhs(s) => Ok(Some(s.sample(
                &self.space,
                self.config.seed,
                number,
                &mut rng,
            ))),
            Sampler::Gp(s) => {
                let history = self.history();
                Ok(Some(s.sample(
                    &self.space,
                    self.config.direction,
                    &history,
                    &mut rng,
                )))
            }
            Sampler::CmaEs(s) => {
                let history = self.history();
                Ok(Some(s.sample(
                    &self.space,
                    self.config.direction,
                    &history,
                    number,
                    &mut rng,
                )))
            }
            Sampler::Ga(s) => {
                let history = self.history();
                Ok(Some(s.sample(
                    &self.space,
                    self.config.direction,
                    &history,
                    number,
                    &mut rng,
                )))
            }
        }
    }

    /// Finished (complete or pruned) trials with their points, by number.
    fn history(&self) -> Vec<sampler::Observed<'_>> {
        self.records
            .iter()
            .zip(&self.points)
            .filter(|(r, _)| matches!(r.state, TrialState::Complete | TrialState::Pruned))
            .map(|(record, point)| sampler::Observed { record, point })
            .collect()
    }

    /// Record a trial's result. A trial can be told once; a non-finite value is recorded as a
    /// failure.
    pub fn tell(&mut self, trial: Trial, result: TrialResult) -> Result<&TrialRecord> {
        let i = trial.number as usize;
        let Some(record) = self.records.get_mut(i) else {
            return Err(Error::param(
                "trial",
                format!("trial {} was never asked of this study", trial.number),
            ));
        };
        if record.params != trial.params {
            return Err(Error::param(
                "trial",
                format!(
                    "trial {} does not have the parameters this study asked it with (a trial of another study?)",
                    trial.number
                ),
            ));
        }
        if record.state != TrialState::Running {
            return Err(Error::param(
                "trial",
                format!(
                    "trial {} was already told ({:?})",
                    trial.number, record.state
                ),
            ));
        }
        match result {
            TrialResult::Complete(v) if v.is_finite() => {
                record.state = TrialState::Complete;
                record.value = Some(v);
            }
            TrialResult::Complete(v) => {
                record.state = TrialState::Failed;
                record.fail_reason =
                    Some(format!("the objective returned {v}, not a finite number"));
            }
            TrialResult::Failed(reason) => {
                record.state = TrialState::Failed;
                record.fail_reason = Some(reason);
            }
            TrialResult::Pruned => record.state = TrialState::Pruned,
        }
        record.intermediate_values = trial.intermediate;
        record.duration_s = self.started[i].map(|t| t.elapsed().as_secs_f64());
        self.told_at[i] = Some(self.tells);
        self.tells += 1;
        Ok(&self.records[i])
    }

    /// Whether the pruner would stop `trial` now, given its reports so far and the trials told
    /// before it was asked.
    pub fn should_prune(&self, trial: &Trial) -> bool {
        let Some(&asked) = self.asked_at.get(trial.number as usize) else {
            return false;
        };
        let others: Vec<&TrialRecord> = self
            .records
            .iter()
            .zip(&self.told_at)
            .filter(|(_, t)| t.is_some_and(|t| t < asked))
            .map(|(r, _)| r)
            .collect();
        self.config.pruner.should_prune(
            self.config.direction,
            trial.number,
            &trial.intermediate,
            &others,
        )
    }

    /// The best complete trial (the lowest number among equals), if any.
    pub fn best_trial(&self) -> Option<&TrialRecord> {
        let dir = self.config.direction;
        self.records
            .iter()
            .filter(|r| r.state == TrialState::Complete)
            .filter_map(|r| r.value.map(|v| (dir.loss(v), r)))
            .fold(
                None,
                |best: Option<(f64, &TrialRecord)>, (l, r)| match best {
                    Some((bl, _)) if bl <= l => best,
                    _ => Some((l, r)),
                },
            )
            .map(|(_, r)| r)
    }
}
