//! Multi-objective search: several objectives at once (e.g. ROC-AUC against prediction latency or
//! model size), the Pareto front of the trials, and NSGA-II (Optuna's `NSGAIISampler`) to move
//! the front.
//!
//! A [`MultiStudy`] is asked and told as a [`crate::Study`] is, with a value per objective.
//! The determinism rule is the same: trial `n`'s parameters depend only on the seed, on `n` and
//! on the trials told before `n` was asked (in trial-number order), so fixed batches give the
//! same study at any thread count.
//!
//! NSGA-II here: the first `population_size` trials are random; every later trial is a child of
//! two parents drawn by binary tournament (lower non-domination rank, then larger crowding
//! distance) from the elite, the best `population_size` complete trials told so far by rank and
//! crowding distance. With probability `crossover_prob` the child takes each parameter from
//! either parent (uniform crossover, `swapping_prob` 0.5), else the first parent's; then each
//! parameter is redrawn at random with probability `mutation_prob` (default 1 / parameters).
//! Optuna selects the elite from the previous generation's parents and children; selecting from
//! every complete trial told is the same elitist (μ + λ) rule without generations, which is what
//! makes the ask order alone fix the study.

use std::collections::BTreeMap;
use std::time::Instant;

use satori_core::rng::{RngExt, SatoriRng, sub_rng};
use satori_core::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::sampler::random;
use crate::space::{Point, SearchSpace};
use crate::trial::{Direction, Trial, TrialState};

/// NSGA-II's settings (Optuna's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Nsga2Sampler {
    /// Trials per generation: the random start and the elite's size. Default 50; at least 2.
    pub population_size: usize,
    /// Probability that a child mixes its parents (else it copies the first). Default 0.9.
    pub crossover_prob: f64,
    /// In a crossover, the probability of taking each parameter from the second parent.
    /// Default 0.5.
    pub swapping_prob: f64,
    /// Probability of redrawing each parameter at random; default 1 / the number of parameters.
    pub mutation_prob: Option<f64>,
}

impl Default for Nsga2Sampler {
    fn default() -> Self {
        Nsga2Sampler {
            population_size: 50,
            crossover_prob: 0.9,
            swapping_prob: 0.5,
            mutation_prob: None,
        }
    }
}

impl Nsga2Sampler {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if self.population_size < 2 {
            return Err(Error::param(
                "population_size",
                format!("must be at least 2, got {}", self.population_size),
            ));
        }
        for (name, p) in [
            ("crossover_prob", Some(self.crossover_prob)),
            ("swapping_prob", Some(self.swapping_prob)),
            ("mutation_prob", self.mutation_prob),
        ] {
            if let Some(p) = p
                && !(0.0..=1.0).contains(&p)
            {
                return Err(Error::param(
                    name,
                    format!("must be a probability in [0, 1], got {p}"),
                ));
            }
        }
        Ok(())
    }
}

/// How a multi-objective study chooses parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultiSampler {
    /// NSGA-II (the default).
    Nsga2(Nsga2Sampler),
    /// Independent uniform draws.
    Random,
}

impl Default for MultiSampler {
    fn default() -> Self {
        MultiSampler::Nsga2(Nsga2Sampler::default())
    }
}

impl std::str::FromStr for MultiSampler {
    type Err = Error;

    /// `nsga2` (or `nsga-ii`) or `random`.
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "nsga2" | "nsga-ii" | "nsgaii" => Ok(MultiSampler::default()),
            "random" => Ok(MultiSampler::Random),
            other => Err(Error::param(
                "sampler",
                format!(
                    "`{}` does not search several objectives; multi-objective samplers are nsga2, random",
                    satori_core::snippet(other)
                ),
            )),
        }
    }
}

/// How a multi-objective study searches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MultiStudyConfig {
    /// One direction per objective (at least two).
    pub directions: Vec<Direction>,
    /// The sampler. Default NSGA-II.
    pub sampler: MultiSampler,
    /// The seed of every random choice.
    pub seed: u64,
}

impl Default for MultiStudyConfig {
    fn default() -> Self {
        MultiStudyConfig {
            directions: vec![Direction::Minimize, Direction::Minimize],
            sampler: MultiSampler::default(),
            seed: 0,
        }
    }
}

/// What the objective says about a trial of a multi-objective study.
#[derive(Debug, Clone, PartialEq)]
pub enum MultiResult {
    /// One value per objective (a non-finite value records a failure).
    Complete(Vec<f64>),
    /// The evaluation failed: the reason.
    Failed(String),
}

/// One trial of a multi-objective study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiRecord {
    /// The trial's number.
    pub number: u64,
    /// Running, complete or failed.
    pub state: TrialState,
    /// Its parameters, keyed by `--set` path.
    pub params: BTreeMap<String, Value>,
    /// One value per objective (complete trials).
    pub values: Option<Vec<f64>>,
    /// Seconds from ask to tell.
    pub duration_s: Option<f64>,
    /// Why it failed.
    pub fail_reason: Option<String>,
}

/// A multi-objective search in progress.
#[derive(Debug)]
pub struct MultiStudy {
    space: SearchSpace,
    config: MultiStudyConfig,
    records: Vec<MultiRecord>,
    points: Vec<Point>,
    started: Vec<Option<Instant>>,
    /// Trial numbers in the order they were told.
    told: Vec<u64>,
}

impl MultiStudy {
    /// A new study; at least two objectives.
    pub fn new(space: SearchSpace, config: MultiStudyConfig) -> Result<Self> {
        if config.directions.len() < 2 {
            return Err(Error::param(
                "objectives",
                "a multi-objective study needs at least two objectives (one is a plain study)",
            ));
        }
        if let MultiSampler::Nsga2(n) = &config.sampler {
            n.validate()?;
        }
        Ok(MultiStudy {
            space,
            config,
            records: Vec::new(),
            points: Vec::new(),
            started: Vec::new(),
            told: Vec::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &MultiStudyConfig {
        &self.config
    }

    /// Every trial so far, by number.
    pub fn trials(&self) -> &[MultiRecord] {
        &self.records
    }

    /// The next trial.
    pub fn ask(&mut self) -> Result<Trial> {
        let number = self.records.len() as u64;
        let mut rng = sub_rng(self.config.seed, number);
        let point = match &self.config.sampler {
            MultiSampler::Random => random::sample(&self.space, &mut rng),
            MultiSampler::Nsga2(n) => {
                let elite = self.elite(n.population_size);
                if number < n.population_size as u64 || elite.len() < 2 {
                    random::sample(&self.space, &mut rng)
                } else {
                    self.child(n, &elite, &mut rng)
                }
            }
        };
        let params = self.space.to_values(&point);
        self.records.push(MultiRecord {
            number,
            state: TrialState::Running,
            params: params.clone(),
            values: None,
            duration_s: None,
            fail_reason: None,
        });
        self.points.push(point);
        self.started.push(Some(Instant::now()));
        Ok(Trial {
            number,
            params,
            intermediate: BTreeMap::new(),
        })
    }

    /// Record a trial's values (one per objective, in the configured order).
    pub fn tell(&mut self, trial: Trial, result: MultiResult) -> Result<&MultiRecord> {
        let n_obj = self.config.directions.len();
        let i = trial.number as usize;
        let Some(record) = self.records.get_mut(i) else {
            return Err(Error::param(
                "trial",
                format!("trial {} was never asked of this study", trial.number),
            ));
        };
        if record.params != trial.params || record.state != TrialState::Running {
            return Err(Error::param(
                "trial",
                format!(
                    "trial {} was already told, or belongs to another study",
                    trial.number
                ),
            ));
        }
        match result {
            MultiResult::Complete(v) if v.len() != n_obj => {
                return Err(Error::param(
                    "values",
                    format!(
                        "trial {}: {} values told for {n_obj} objectives",
                        trial.number,
                        v.len()
                    ),
                ));
            }
            MultiResult::Complete(v) if v.iter().all(|x| x.is_finite()) => {
                record.state = TrialState::Complete;
                record.values = Some(v);
            }
            MultiResult::Complete(v) => {
                record.state = TrialState::Failed;
                record.fail_reason = Some(format!("an objective returned {v:?}"));
            }
            MultiResult::Failed(reason) => {
                record.state = TrialState::Failed;
                record.fail_reason = Some(reason);
            }
        }
        record.duration_s = self.started[i].map(|t| t.elapsed().as_secs_f64());
        self.told.push(trial.number);
        Ok(&self.records[i])
    }

    /// The complete trials that no other complete trial dominates, by number.
    pub fn pareto_front(&self) -> Vec<&MultiRecord> {
        let complete: Vec<usize> = (0..self.records.len())
            .filter(|&i| self.records[i].state == TrialState::Complete)
            .collect();
        let losses: Vec<Vec<f64>> = complete.iter().map(|&i| self.losses(i)).collect();
        let ranks = non_dominated_ranks(&losses);
        complete
            .iter()
            .zip(&ranks)
            .filter(|(_, r)| **r == 0)
            .map(|(&i, _)| &self.records[i])
            .collect()
    }

    /// Trial `i`'s values as losses (negated where maximised).
    fn losses(&self, i: usize) -> Vec<f64> {
        let values = self.records[i].values.as_deref().unwrap_or(&[]);
        values
            .iter()
            .zip(&self.config.directions)
            .map(|(v, d)| d.loss(*v))
            .collect()
    }

    /// The best `size` complete trials told so far (by number), with their rank and crowding
    /// distance, best first.
    fn elite(&self, size: usize) -> Vec<(usize, usize, f64)> {
        let mut complete: Vec<usize> = self
            .told
            .iter()
            .map(|&n| n as usize)
            .filter(|&i| self.records[i].state == TrialState::Complete)
            .collect();
        complete.sort_unstable();
        let losses: Vec<Vec<f64>> = complete.iter().map(|&i| self.losses(i)).collect();
        let ranks = non_dominated_ranks(&losses);
        let crowding = crowding_distances(&losses, &ranks);
        let mut all: Vec<(usize, usize, f64)> = complete
            .iter()
            .enumerate()
            .map(|(k, &i)| (i, ranks[k], crowding[k]))
            .collect();
        all.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
        all.truncate(size);
        all
    }

    fn child(&self, n: &Nsga2Sampler, elite: &[(usize, usize, f64)], rng: &mut SatoriRng) -> Point {
        let mut tournament = || {
            let a = &elite[rng.random_range(0..elite.len())];
            let b = &elite[rng.random_range(0..elite.len())];
            let a_better = a.1 < b.1 || (a.1 == b.1 && a.2 >= b.2);
            if a_better { a.0 } else { b.0 }
        };
        let first = tournament();
        let second = tournament();
        let (pa, pb) = (&self.points[first], &self.points[second]);
        let cross = rng.random::<f64>() < n.crossover_prob;
        let mutation = n
            .mutation_prob
            .unwrap_or(1.0 / self.space.len().max(1) as f64);
        let mut child: Point = vec![None; self.space.len()];
        for i in 0..self.space.len() {
            if !self.space.is_active(i, &child) {
                continue;
            }
            let take_b = cross && rng.random::<f64>() < n.swapping_prob;
            let inherited = if take_b {
                pb[i].or(pa[i])
            } else {
                pa[i].or(pb[i])
            };
            let mutate = rng.random::<f64>() < mutation;
            child[i] = match inherited {
                Some(v) if !mutate => Some(v),
                _ => Some(random::draw(&self.space.params()[i].distribution, rng)),
            };
        }
        child
    }
}

/// Whether loss vector `a` dominates `b`: no worse in every objective, better in one.
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
}

/// The non-domination rank of each loss vector (0: the Pareto front), by the fast
/// non-dominated sort of Deb et al. (2002).
pub fn non_dominated_ranks(losses: &[Vec<f64>]) -> Vec<usize> {
    let n = losses.len();
    let mut dominated_by = vec![0usize; n];
    let mut dominates_list: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in 0..n {
            if i != j && dominates(&losses[i], &losses[j]) {
                dominates_list[i].push(j);
            } else if i != j && dominates(&losses[j], &losses[i]) {
                dominated_by[i] += 1;
            }
        }
    }
    let mut ranks = vec![0usize; n];
    let mut front: Vec<usize> = (0..n).filter(|&i| dominated_by[i] == 0).collect();
    let mut rank = 0;
    while !front.is_empty() {
        let mut next = Vec::new();
        for &i in &front {
            ranks[i] = rank;
            for &j in &dominates_list[i] {
                dominated_by[j] -= 1;
                if dominated_by[j] == 0 {
                    next.push(j);
                }
            }
        }
        next.sort_unstable();
        front = next;
        rank += 1;
    }
    ranks
}

/// The crowding distance of each loss vector within its front (infinite at a front's ends).
pub fn crowding_distances(losses: &[Vec<f64>], ranks: &[usize]) -> Vec<f64> {
    let n = losses.len();
    let mut distance = vec![0.0; n];
    let n_obj = losses.first().map_or(0, Vec::len);
    let max_rank = ranks.iter().copied().max().unwrap_or(0);
    for r in 0..=max_rank {
        let members: Vec<usize> = (0..n).filter(|&i| ranks[i] == r).collect();
        if members.len() <= 2 {
            for &i in &members {
                distance[i] = f64::INFINITY;
            }
            continue;
        }
        // `m` indexes the objective inside each loss vector, not `losses` itself.
        #[allow(clippy::needless_range_loop)]
        for m in 0..n_obj {
            let mut sorted = members.clone();
            sorted.sort_by(|&a, &b| losses[a][m].total_cmp(&losses[b][m]).then(a.cmp(&b)));
            let (lo, hi) = (losses[sorted[0]][m], losses[sorted[sorted.len() - 1]][m]);
            distance[sorted[0]] = f64::INFINITY;
            distance[sorted[sorted.len() - 1]] = f64::INFINITY;
            if hi > lo {
                for w in 1..sorted.len() - 1 {
                    let gap = losses[sorted[w + 1]][m] - losses[sorted[w - 1]][m];
                    distance[sorted[w]] += gap / (hi - lo);
                }
            }
        }
    }
    distance
}

/// The area a set of two-objective loss vectors dominates up to `reference` (the 2-D
/// hypervolume; points beyond the reference count nothing).
pub fn hypervolume_2d(losses: &[Vec<f64>], reference: [f64; 2]) -> f64 {
    let mut pts: Vec<(f64, f64)> = losses
        .iter()
        .filter(|l| l.len() == 2 && l[0] < reference[0] && l[1] < reference[1])
        .map(|l| (l[0], l[1]))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    // A sweep over x: each point's strip runs to the next point that improves y.
    let mut volume = 0.0;
    let mut best_y = reference[1];
    let mut front: Vec<(f64, f64)> = Vec::new();
    for &(x, y) in &pts {
        if y < best_y {
            front.push((x, y));
            best_y = y;
        }
    }
    for (k, &(x, y)) in front.iter().enumerate() {
        let right = front.get(k + 1).map_or(reference[0], |p| p.0);
        volume += (right - x) * (reference[1] - y);
    }
    volume
}
