//! Hyperparameter search for satori: search spaces over `--set` paths, an ask/tell [`Study`],
//! grid, random, TPE, quasi-random (Sobol, Latin hypercube), Gaussian-process, CMA-ES and
//! genetic-algorithm samplers, median, successive-halving and Hyperband pruners, multi-objective
//! search with NSGA-II ([`MultiStudy`]), and study files in SQLite ([`StudyStore`]).
//!
//! The search itself knows nothing of models, so it can drive any objective; [`cv_search`]
//! runs it over satori's cross-validation of a whole pipeline (the flow behind `satori tune`).
//! Parameters come out as `serde_json::Value`s keyed by their `--set` path (e.g.
//! `model.learning_rate`), ready for satori's override mechanism.
//!
//! ```
//! use satori_tune::{Direction, SearchSpace, Study, StudyConfig, TrialResult};
//!
//! let space = SearchSpace::parse_specs([
//!     "model.learning_rate=float(0.001,1,log)",
//!     "model.max_depth=int(1,10)",
//!     "model.boosting=choice(gbdt,dart)",
//!     "model.drop_rate=float(0.05,0.5) if model.boosting=dart",
//! ])?;
//! let config = StudyConfig { direction: Direction::Minimize, seed: 7, ..Default::default() };
//! let mut study = Study::new(space, config)?;
//! for _ in 0..30 {
//!     let Some(trial) = study.ask()? else { break };
//!     let lr = trial.params()["model.learning_rate"].as_f64().unwrap_or(1.0);
//!     let depth = trial.params()["model.max_depth"].as_f64().unwrap_or(0.0);
//!     let loss = (lr.ln() - 0.1f64.ln()).powi(2) + (depth - 6.0).powi(2);
//!     study.tell(trial, TrialResult::Complete(loss))?;
//! }
//! let best = study.best_trial().expect("30 complete trials");
//! assert!(best.value.unwrap() < 2.0);
//! # Ok::<(), satori_core::Error>(())
//! ```
//!
//! See `docs/tuning.md` for the spec grammar, the samplers, the pruners and the determinism rule.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod normal;
pub mod pruner;
pub mod sampler;
pub mod space;
mod spec;
pub mod storage;
pub mod study;
pub mod trial;

pub mod auto;
pub mod cv_search;
pub mod importance;
pub mod multi;
pub mod multi_search;

pub use auto::{AutoOutcome, auto_select};
pub use cv_search::{TuneOutcome, TuneRequest, default_space, tune};
pub use importance::param_importances;
pub use multi::{
    MultiRecord, MultiResult, MultiSampler, MultiStudy, MultiStudyConfig, Nsga2Sampler,
};
pub use pruner::{HyperbandPruner, MedianPruner, Pruner, SuccessiveHalvingPruner};
pub use sampler::{
    CmaEsSampler, Crossover, GaSampler, GpSampler, GridSampler, LhsSampler, RandomSampler, Sampler,
    SobolSampler, TpeSampler,
};
pub use space::{Condition, Distribution, Param, Point, SearchSpace, value_eq};
pub use storage::{StoredStudy, StudyStore, StudySummary};
pub use study::{Study, StudyConfig};
pub use trial::{Direction, Trial, TrialRecord, TrialResult, TrialState};
