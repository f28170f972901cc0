//! The samplers' own time per trial (ask + tell, objective excluded) up to 1,000 trials.
//!
//! ```sh
//! cargo run --release -p satori-tune --example sampler_overhead [-- TRIALS SEEDS [SAMPLER…]]
//! ```
//!
//! Samplers: `random`, `tpe`, `tpe-mv`, `sobol`, `lhs` (its `n` set to TRIALS), `gp`, `cmaes`,
//! `ga`; all by default.
//!
//! The space is six parameters of every kind (log and linear floats, a log integer, a stepped
//! integer, a choice, and a conditional float); the objective is a cheap closed form, so what is
//! timed is the sampler. Prints, per sampler, the mean milliseconds per trial over windows of trial
//! numbers — wall-clock, and on Linux also this thread's CPU time (from
//! `/proc/thread-self/schedstat`), which a busy shared machine inflates far less — and the slowest
//! single trial of the last 100 (median over seeds of each).

use std::collections::BTreeMap;
use std::time::Instant;

use satori_tune::{
    CmaEsSampler, GaSampler, GpSampler, LhsSampler, RandomSampler, Sampler, SearchSpace,
    SobolSampler, Study, StudyConfig, TpeSampler, TrialResult,
};
use serde_json::Value;

fn objective(p: &BTreeMap<String, Value>) -> f64 {
    let f = |k: &str| p.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    (f("model.learning_rate").log10() + 1.5).powi(2)
        + (f("model.l2_regularization") - 0.3).powi(2)
        + (f("model.num_leaves").log2() - 6.0).powi(2) / 4.0
        + (f("model.max_depth") - 7.0).abs() / 5.0
        + if p.get("model.boosting").and_then(Value::as_str) == Some("dart") {
            0.0
        } else {
            0.5
        }
        + (f("model.drop_rate") - 0.1).abs()
}

/// This thread's CPU time in milliseconds, where Linux tells it.
fn cpu_ms() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e6)
}

fn main() -> satori_core::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let trials: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let seeds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let only: Vec<&str> = args.iter().skip(3).map(String::as_str).collect();
    let space = SearchSpace::parse_specs([
        "model.learning_rate=float(0.001,0.3,log)",
        "model.l2_regularization=float(0,1)",
        "model.num_leaves=int(8,1024,log)",
        "model.max_depth=int(1,15,step=2)",
        "model.boosting=choice(gbdt,dart,goss)",
        "model.drop_rate=float(0.01,0.5,log) if model.boosting=dart",
    ])?;
    let windows = [(0, 10), (10, 100), (100, 500), (500, 900), (900, 1000)];
    println!("{trials} trials, {seeds} seeds, 6 parameters (one conditional)");
    println!("sampler  window       wall ms/trial  CPU ms/trial   (median over seeds)");
    for (name, sampler) in [
        ("random", Sampler::Random(RandomSampler {})),
        ("tpe", Sampler::Tpe(TpeSampler::default())),
        (
            "tpe-mv",
            Sampler::Tpe(TpeSampler {
                multivariate: true,
                ..Default::default()
            }),
        ),
        ("sobol", Sampler::Sobol(SobolSampler::default())),
        ("lhs", Sampler::Lhs(LhsSampler { n: trials.max(1) })),
        ("gp", Sampler::Gp(GpSampler::default())),
        ("cmaes", Sampler::CmaEs(CmaEsSampler::default())),
        ("ga", Sampler::Ga(GaSampler::default())),
    ] {
        if !only.is_empty() && !only.contains(&name) {
            continue;
        }
        let mut per_seed: Vec<Vec<f64>> = Vec::new();
        let mut cpu_per_seed: Vec<Vec<f64>> = Vec::new();
        let mut slowest = Vec::new();
        let mut best = Vec::new();
        for seed in 0..seeds {
            let config = StudyConfig {
                sampler: sampler.clone(),
                seed,
                ..Default::default()
            };
            let mut study = Study::new(space.clone(), config)?;
            let mut times = Vec::with_capacity(trials);
            // CPU time at each window boundary.
            let mut cpu_marks = vec![f64::NAN; windows.len() + 1];
            for n in 0..trials {
                if let Some(w) = windows.iter().position(|&(a, _)| a == n) {
                    cpu_marks[w] = cpu_ms().unwrap_or(f64::NAN);
                }
                let start = Instant::now();
                let Some(trial) = study.ask()? else { break };
                let asked = start.elapsed();
                let v = objective(trial.params());
                let t2 = Instant::now();
                study.tell(trial, TrialResult::Complete(v))?;
                times.push((asked + t2.elapsed()).as_secs_f64() * 1e3);
                if let Some(w) = windows.iter().position(|&(_, b)| b == n + 1) {
                    cpu_marks[w + 1] = cpu_ms().unwrap_or(f64::NAN);
                }
            }
            cpu_per_seed.push(
                windows
                    .iter()
                    .enumerate()
                    .map(|(w, &(a, b))| (cpu_marks[w + 1] - cpu_marks[w]) / (b - a) as f64)
                    .collect(),
            );
            let (lo, hi) = (trials.saturating_sub(100), trials);
            slowest.push(times[lo..hi].iter().cloned().fold(0.0, f64::max));
            per_seed.push(times);
            best.push(study.best_trial().and_then(|t| t.value).unwrap_or(f64::NAN));
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        for (w, &(a, b)) in windows.iter().enumerate() {
            if b > trials {
                continue;
            }
            let means: Vec<f64> = per_seed
                .iter()
                .map(|t| t[a..b].iter().sum::<f64>() / (b - a) as f64)
                .collect();
            let cpu: Vec<f64> = cpu_per_seed.iter().map(|c| c[w]).collect();
            println!(
                "{name:<8} {:>4}..{:<5}  {:>12.4}  {:>12.4}",
                a,
                b,
                median(means),
                median(cpu)
            );
        }
        let all: Vec<f64> = per_seed
            .iter()
            .map(|t| t.iter().sum::<f64>() / t.len() as f64)
            .collect();
        println!("{name:<8} all          {:>12.4}", median(all));
        println!(
            "{name:<8} slowest single trial of the last 100: {:.4} ms",
            median(slowest)
        );
        println!("{name:<8} best value found: {:.4}", median(best));
    }
    Ok(())
}
