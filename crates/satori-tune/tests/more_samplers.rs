//! The quasi-random, GP, CMA-ES and GA samplers: against random search on standard test
//! functions, spread, distributions, conditionals, settings and the determinism rule.

use std::collections::BTreeMap;

use satori_tune::{
    CmaEsSampler, GaSampler, GpSampler, LhsSampler, RandomSampler, Sampler, SearchSpace,
    SobolSampler, Study, StudyConfig, TrialRecord, TrialResult,
};
use serde_json::Value;

type Objective = dyn Fn(&BTreeMap<String, Value>) -> f64;

/// The best value of `n` sequential trials.
fn best(space: &SearchSpace, sampler: Sampler, seed: u64, n: usize, f: &Objective) -> f64 {
    let config = StudyConfig {
        sampler,
        seed,
        ..Default::default()
    };
    let mut study = Study::new(space.clone(), config).unwrap();
    for _ in 0..n {
        let t = study.ask().unwrap().unwrap();
        let v = f(t.params());
        study.tell(t, TrialResult::Complete(v)).unwrap();
    }
    study.best_trial().unwrap().value.unwrap()
}

/// The median over seeds `0..seeds` of the best value of `n` trials.
fn median_best(space: &SearchSpace, sampler: &Sampler, seeds: u64, n: usize, f: &Objective) -> f64 {
    let mut v: Vec<f64> = (0..seeds)
        .map(|seed| best(space, sampler.clone(), seed, n, f))
        .collect();
    v.sort_by(f64::total_cmp);
    if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        0.5 * (v[v.len() / 2 - 1] + v[v.len() / 2])
    }
}

/// A space from specs built as strings.
fn owned_specs(specs: impl Iterator<Item = String>) -> SearchSpace {
    let specs: Vec<String> = specs.collect();
    SearchSpace::parse_specs(specs.iter().map(String::as_str)).unwrap()
}

fn get(p: &BTreeMap<String, Value>, k: &str) -> f64 {
    p[k].as_f64().unwrap()
}

fn branin() -> (SearchSpace, Box<Objective>) {
    let space = SearchSpace::parse_specs(["b.x1=float(-5,10)", "b.x2=float(0,15)"]).unwrap();
    let f = |p: &BTreeMap<String, Value>| {
        let (x1, x2) = (get(p, "b.x1"), get(p, "b.x2"));
        let pi = std::f64::consts::PI;
        let b = 5.1 / (4.0 * pi * pi);
        let c = 5.0 / pi;
        let t = 1.0 / (8.0 * pi);
        (x2 - b * x1 * x1 + c * x1 - 6.0).powi(2) + 10.0 * (1.0 - t) * x1.cos() + 10.0
            - 0.397_887_357_729_738
    };
    (space, Box::new(f))
}

fn hartmann6() -> (SearchSpace, Box<Objective>) {
    let names = ["h.x1", "h.x2", "h.x3", "h.x4", "h.x5", "h.x6"];
    let space = owned_specs(names.iter().map(|n| format!("{n}=float(0,1)")));
    const ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
    const A: [[f64; 6]; 4] = [
        [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
        [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
        [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
    ];
    const P: [[f64; 6]; 4] = [
        [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
    ];
    let f = move |p: &BTreeMap<String, Value>| {
        let x: Vec<f64> = names.iter().map(|n| get(p, n)).collect();
        let mut s = 0.0;
        for i in 0..4 {
            let inner: f64 = (0..6).map(|j| A[i][j] * (x[j] - P[i][j]).powi(2)).sum();
            s += ALPHA[i] * (-inner).exp();
        }
        // Regret against the global minimum −3.32237.
        3.322_368_011_415_51 - s
    };
    (space, Box::new(f))
}

fn rosenbrock() -> (SearchSpace, Box<Objective>) {
    // Four dimensions: the curved valley is where random search struggles.
    let names = ["r.x1", "r.x2", "r.x3", "r.x4"];
    let space = owned_specs(names.iter().map(|n| format!("{n}=float(-2.048,2.048)")));
    let f = move |p: &BTreeMap<String, Value>| {
        let x: Vec<f64> = names.iter().map(|n| get(p, n)).collect();
        x.windows(2)
            .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
            .sum::<f64>()
    };
    (space, Box::new(f))
}

/// The test functions by name.
fn function(name: &str) -> (SearchSpace, Box<Objective>) {
    match name {
        "Branin" => branin(),
        "Hartmann-6" => hartmann6(),
        _ => rosenbrock(),
    }
}

/// `sampler` against random search at `n` trials on a test function: the median best over
/// `seeds` seeds must be below `ratio` times random search's.
fn beats_random(
    name: &str,
    sampler: Sampler,
    function_name: &str,
    n: usize,
    seeds: u64,
    ratio: f64,
) {
    let start = std::time::Instant::now();
    let (space, f) = function(function_name);
    let s = median_best(&space, &sampler, seeds, n, &*f);
    let r = median_best(&space, &Sampler::Random(RandomSampler {}), seeds, n, &*f);
    eprintln!(
        "{function_name} regret, {n} trials, median of {seeds} seeds: {name} {s:.4}, random {r:.4} ({:.1} s)",
        start.elapsed().as_secs_f64()
    );
    assert!(s < ratio * r, "{function_name}: {name} {s} vs random {r}");
}

// GP: few trials (its point is sample efficiency; each trial refits the GP, which in a debug
// build costs up to a second at 50 trials), one test per function so they run in parallel.

#[test]
fn gp_beats_random_search_on_branin() {
    beats_random(
        "GP",
        Sampler::Gp(GpSampler::default()),
        "Branin",
        30,
        5,
        0.2,
    );
}

#[test]
fn gp_beats_random_search_on_hartmann6() {
    beats_random(
        "GP",
        Sampler::Gp(GpSampler::default()),
        "Hartmann-6",
        40,
        5,
        0.3,
    );
}

#[test]
fn gp_beats_random_search_on_rosenbrock() {
    beats_random(
        "GP",
        Sampler::Gp(GpSampler::default()),
        "Rosenbrock",
        50,
        5,
        0.5,
    );
}

#[test]
fn cmaes_beats_random_search() {
    let cma = || Sampler::CmaEs(CmaEsSampler::default());
    beats_random("CMA-ES", cma(), "Branin", 100, 7, 0.5);
    beats_random("CMA-ES", cma(), "Hartmann-6", 150, 7, 0.3);
    beats_random("CMA-ES", cma(), "Rosenbrock", 300, 7, 0.3);
}

#[test]
fn ga_beats_random_search() {
    let ga = || Sampler::Ga(GaSampler::default());
    beats_random("GA", ga(), "Branin", 100, 7, 0.6);
    beats_random("GA", ga(), "Hartmann-6", 300, 7, 0.5);
    beats_random("GA", ga(), "Rosenbrock", 300, 7, 0.5);
}

/// TPE on the same functions as the others (Branin and Rosenbrock are also in samplers.rs, over
/// more seeds): the three standard functions for every model-based sampler.
#[test]
fn tpe_beats_random_search_on_the_standard_functions() {
    let tpe = || Sampler::Tpe(satori_tune::TpeSampler::default());
    beats_random("TPE", tpe(), "Branin", 100, 7, 0.5);
    beats_random("TPE", tpe(), "Hartmann-6", 150, 7, 0.3);
    beats_random("TPE", tpe(), "Rosenbrock", 150, 7, 0.3);
}

/// The unit coordinates of `n` trials of a study over `d` parameters `float(0,1)`.
fn unit_points(sampler: Sampler, seed: u64, n: usize, d: usize) -> Vec<Vec<f64>> {
    let space = owned_specs((0..d).map(|i| format!("u.x{i}=float(0,1)")));
    let config = StudyConfig {
        sampler,
        seed,
        ..Default::default()
    };
    let mut study = Study::new(space, config).unwrap();
    (0..n)
        .map(|_| {
            let t = study.ask().unwrap().unwrap();
            let x: Vec<f64> = (0..d)
                .map(|i| get(t.params(), &format!("u.x{i}")))
                .collect();
            study.tell(t, TrialResult::Complete(0.0)).unwrap();
            x
        })
        .collect()
}

/// Whether each of `k × k` cells of the first two coordinates holds exactly one point.
fn one_per_cell(points: &[Vec<f64>], k: usize, a: usize, b: usize) -> bool {
    let mut count = vec![0; k * k];
    for p in points {
        let (i, j) = ((p[a] * k as f64) as usize, (p[b] * k as f64) as usize);
        count[i.min(k - 1) * k + j.min(k - 1)] += 1;
    }
    count.iter().all(|&c| c == 1)
}

#[test]
fn sobol_points_are_a_net_reproducible_and_seeded() {
    for seed in 0..3 {
        let p = unit_points(Sampler::Sobol(SobolSampler::default()), seed, 64, 5);
        // The first 64 points put one point in each of 64 equal slices of every coordinate and
        // (a (0, m, 2)-net in the first two dimensions) in each cell of an 8 × 8 grid.
        for d in 0..5 {
            let mut slices = vec![0; 64];
            for x in &p {
                slices[((x[d] * 64.0) as usize).min(63)] += 1;
            }
            assert!(slices.iter().all(|&c| c == 1), "seed {seed} dim {d}");
        }
        assert!(one_per_cell(&p, 8, 0, 1), "seed {seed}");
        assert!(p.iter().flatten().all(|x| (0.0..=1.0).contains(x)));
    }
    let random = unit_points(Sampler::Random(RandomSampler {}), 0, 64, 2);
    assert!(
        !one_per_cell(&random, 8, 0, 1),
        "random search is not that even"
    );
    let a = unit_points(Sampler::Sobol(SobolSampler::default()), 5, 20, 4);
    assert_eq!(
        a,
        unit_points(Sampler::Sobol(SobolSampler::default()), 5, 20, 4)
    );
    assert_ne!(
        a,
        unit_points(Sampler::Sobol(SobolSampler::default()), 6, 20, 4)
    );
    // Unscrambled: the same sequence for every seed, from the origin.
    let plain = SobolSampler { scramble: false };
    let p = unit_points(Sampler::Sobol(plain.clone()), 1, 4, 2);
    assert_eq!(p, unit_points(Sampler::Sobol(plain), 2, 4, 2));
    assert_eq!(p[0], vec![0.0, 0.0]);
    assert_eq!(p[1], vec![0.5, 0.5]);
}

#[test]
fn lhs_puts_one_point_in_each_stratum_then_goes_random() {
    let lhs = || Sampler::Lhs(LhsSampler { n: 40 });
    for seed in 0..3 {
        let p = unit_points(lhs(), seed, 60, 4);
        for d in 0..4 {
            let mut strata = vec![0; 40];
            for x in &p[..40] {
                strata[((x[d] * 40.0) as usize).min(39)] += 1;
            }
            assert!(
                strata.iter().all(|&c| c == 1),
                "seed {seed} dim {d}: {strata:?}"
            );
        }
        assert!(p.iter().flatten().all(|x| (0.0..=1.0).contains(x)));
    }
    let a = unit_points(lhs(), 5, 50, 3);
    assert_eq!(a, unit_points(lhs(), 5, 50, 3));
    assert_ne!(a, unit_points(lhs(), 6, 50, 3));
    // Beyond n: random search, different from the hypercube's strata pattern but in range.
    assert!(a[40..].iter().flatten().all(|x| (0.0..=1.0).contains(x)));
    // A log range is stratified in log space.
    let space = SearchSpace::parse_specs(["l.a=float(0.001,1000,log)"]).unwrap();
    let config = StudyConfig {
        sampler: Sampler::Lhs(LhsSampler { n: 12 }),
        seed: 3,
        ..Default::default()
    };
    let mut study = Study::new(space, config).unwrap();
    let mut decades = [0; 6];
    for _ in 0..12 {
        let t = study.ask().unwrap().unwrap();
        let x = get(t.params(), "l.a");
        decades[((x.log10() + 3.0).floor() as usize).min(5)] += 1;
        study.tell(t, TrialResult::Complete(0.0)).unwrap();
    }
    assert_eq!(decades, [2; 6]);
}

fn new_samplers() -> Vec<Sampler> {
    vec![
        Sampler::Sobol(SobolSampler::default()),
        Sampler::Lhs(LhsSampler { n: 30 }),
        Sampler::Gp(GpSampler::default()),
        Sampler::CmaEs(CmaEsSampler::default()),
        Sampler::Ga(GaSampler {
            population_size: 10,
            ..Default::default()
        }),
    ]
}

#[test]
fn samples_stay_in_their_distributions_and_conditionals_follow_their_parent() {
    let space = SearchSpace::parse_specs([
        "m.kind=choice(gbdt,dart,goss)",
        "m.drop=float(0.05,0.5) if m.kind=dart",
        "m.top=float(0.1,0.3,step=0.1) if m.kind=goss",
        "m.n=int(3,300,log)",
        "m.s=int(1,9,step=4)",
        "m.lr=float(0.001,0.3,log)",
        "m.q=float(-1,1,step=0.5)",
    ])
    .unwrap();
    for sampler in new_samplers() {
        let config = StudyConfig {
            sampler: sampler.clone(),
            seed: 2,
            ..Default::default()
        };
        let mut study = Study::new(space.clone(), config).unwrap();
        let mut kinds = BTreeMap::new();
        for _ in 0..40 {
            let t = study.ask().unwrap().unwrap();
            let p = t.params().clone();
            let kind = p["m.kind"].as_str().unwrap().to_string();
            assert_eq!(
                p.contains_key("m.drop"),
                kind == "dart",
                "{sampler:?} {p:?}"
            );
            assert_eq!(p.contains_key("m.top"), kind == "goss", "{sampler:?} {p:?}");
            if let Some(d) = p.get("m.drop") {
                assert!((0.05..=0.5).contains(&d.as_f64().unwrap()));
            }
            if let Some(top) = p.get("m.top") {
                let top = top.as_f64().unwrap();
                assert!([0.1, 0.2, 0.3].contains(&top), "{sampler:?} {top}");
            }
            let n = p["m.n"].as_i64().unwrap();
            assert!((3..=300).contains(&n), "{sampler:?} {n}");
            assert!(
                [1, 5, 9].contains(&p["m.s"].as_i64().unwrap()),
                "{sampler:?} {p:?}"
            );
            let lr = get(&p, "m.lr");
            assert!((0.001..=0.3).contains(&lr), "{sampler:?} {lr}");
            let q = get(&p, "m.q");
            assert!([-1.0, -0.5, 0.0, 0.5, 1.0].contains(&q), "{sampler:?} {q}");
            // Every value reads back as a point of the space.
            assert!(space.point_from_values(&p).is_ok(), "{sampler:?} {p:?}");
            *kinds.entry(kind).or_insert(0) += 1;
            let v = if p["m.kind"] == "dart" { 0.0 } else { 1.0 }
                + (lr.log10() + 1.0).powi(2)
                + p.get("m.drop").and_then(Value::as_f64).unwrap_or(0.0);
            study.tell(t, TrialResult::Complete(v)).unwrap();
        }
        assert_eq!(kinds.len(), 3, "{sampler:?}: {kinds:?}");
    }
}

/// Run `n` trials in batches of `batch`, telling each batch forwards or backwards, some trials
/// failing or pruned.
fn run(sampler: Sampler, seed: u64, n: usize, batch: usize, reverse: bool) -> Vec<TrialRecord> {
    let space = SearchSpace::parse_specs([
        "m.x=float(-5,5)",
        "m.lr=float(0.001,1,log)",
        "m.n=int(1,64,log)",
        "m.kind=choice(a,b,c)",
        "m.extra=int(0,10,step=2) if m.kind=b",
    ])
    .unwrap();
    let config = StudyConfig {
        sampler,
        seed,
        ..Default::default()
    };
    let mut study = Study::new(space, config).unwrap();
    let mut done = 0;
    while done < n {
        let mut trials: Vec<_> = (0..batch.min(n - done))
            .map(|_| study.ask().unwrap().unwrap())
            .collect();
        done += trials.len();
        if reverse {
            trials.reverse();
        }
        for t in trials {
            let p = t.params();
            let v = (get(p, "m.x") - 1.3).powi(2)
                + (get(p, "m.lr").log10() + 2.0).powi(2)
                + (get(p, "m.n").log2() - 4.0).powi(2)
                + if p["m.kind"] == "b" { 0.0 } else { 1.0 };
            let result = match t.number() % 11 {
                7 => TrialResult::Failed("boom".into()),
                9 => TrialResult::Pruned,
                _ => TrialResult::Complete(v),
            };
            study.tell(t, result).unwrap();
        }
    }
    study.trials().to_vec()
}

fn params(r: &[TrialRecord]) -> Vec<BTreeMap<String, Value>> {
    r.iter().map(|t| t.params.clone()).collect()
}

#[test]
fn trials_follow_the_determinism_rule() {
    for sampler in new_samplers() {
        let a = run(sampler.clone(), 11, 36, 4, false);
        let b = run(sampler.clone(), 11, 36, 4, true);
        assert_eq!(
            params(&a),
            params(&b),
            "{sampler:?}: batches told backwards"
        );
        let c = run(sampler.clone(), 11, 36, 1, false);
        let d = run(sampler.clone(), 12, 36, 1, false);
        assert_ne!(params(&c), params(&d), "{sampler:?}: another seed");
        assert_eq!(params(&c), params(&run(sampler.clone(), 11, 36, 1, false)));
        if matches!(sampler, Sampler::Sobol(_) | Sampler::Lhs(_)) {
            // Quasi-random points depend on the seed and the trial number only.
            assert_eq!(params(&a), params(&c), "{sampler:?}: batches of 4 and of 1");
        }
    }
}

#[test]
fn names_settings_and_serde() {
    for (name, want) in [
        ("sobol", Sampler::Sobol(SobolSampler::default())),
        ("lhs", Sampler::Lhs(LhsSampler::default())),
        ("gp", Sampler::Gp(GpSampler::default())),
        ("cmaes", Sampler::CmaEs(CmaEsSampler::default())),
        ("ga", Sampler::Ga(GaSampler::default())),
    ] {
        let s: Sampler = name.parse().unwrap();
        assert_eq!(s, want);
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(name), "{json}");
        assert_eq!(serde_json::from_str::<Sampler>(&json).unwrap(), s);
    }
    let err = "bayes".parse::<Sampler>().unwrap_err().to_string();
    assert!(err.contains("sobol, lhs, gp, cmaes, ga"), "{err}");
    let space = SearchSpace::parse_specs(["a=float(0,1)"]).unwrap();
    for (sampler, setting) in [
        (Sampler::Lhs(LhsSampler { n: 0 }), "n"),
        (
            Sampler::Gp(GpSampler {
                n_startup_trials: 0,
                ..Default::default()
            }),
            "n_startup_trials",
        ),
        (
            Sampler::Gp(GpSampler {
                max_observations: 1,
                ..Default::default()
            }),
            "max_observations",
        ),
        (
            Sampler::CmaEs(CmaEsSampler {
                popsize: Some(1),
                ..Default::default()
            }),
            "popsize",
        ),
        (
            Sampler::CmaEs(CmaEsSampler {
                sigma0: f64::NAN,
                ..Default::default()
            }),
            "sigma0",
        ),
        (
            Sampler::Ga(GaSampler {
                population_size: 1,
                ..Default::default()
            }),
            "population_size",
        ),
        (
            Sampler::Ga(GaSampler {
                mutation_prob: Some(1.5),
                ..Default::default()
            }),
            "mutation_prob",
        ),
        (
            Sampler::Ga(GaSampler {
                crossover_prob: -0.1,
                ..Default::default()
            }),
            "crossover_prob",
        ),
    ] {
        let config = StudyConfig {
            sampler,
            ..Default::default()
        };
        let err = Study::new(space.clone(), config).unwrap_err().to_string();
        assert!(err.contains(setting) && !err.contains('\n'), "{err}");
    }
    // Sobol has a dimension per parameter and a table of that many.
    let wide = owned_specs((0..60).map(|i| format!("w.x{i}=float(0,1)")));
    let config = StudyConfig {
        sampler: Sampler::Sobol(SobolSampler::default()),
        ..Default::default()
    };
    let err = Study::new(wide, config).unwrap_err().to_string();
    assert!(err.contains("sobol takes at most 50"), "{err}");
}

#[test]
fn samplers_cope_with_all_failures_a_single_choice_and_maximising() {
    let space = SearchSpace::parse_specs(["c.k=choice(a,b)", "c.x=float(0,1)"]).unwrap();
    for sampler in new_samplers() {
        for direction in [
            satori_tune::Direction::Minimize,
            satori_tune::Direction::Maximize,
        ] {
            let config = StudyConfig {
                sampler: sampler.clone(),
                direction,
                seed: 1,
                ..Default::default()
            };
            let mut study = Study::new(space.clone(), config).unwrap();
            for i in 0..30 {
                let t = study.ask().unwrap().unwrap();
                let result = if i < 12 {
                    TrialResult::Failed("no".into())
                } else {
                    // A constant objective: the GP's variance is zero.
                    TrialResult::Complete(1.0)
                };
                study.tell(t, result).unwrap();
            }
        }
    }
    // Only choices: the numeric samplers fall back to random draws.
    let space = SearchSpace::parse_specs(["c.k=choice(a,b,c)"]).unwrap();
    for sampler in new_samplers() {
        let config = StudyConfig {
            sampler,
            seed: 1,
            ..Default::default()
        };
        let mut study = Study::new(space.clone(), config).unwrap();
        for _ in 0..25 {
            let t = study.ask().unwrap().unwrap();
            let v = if t.params()["c.k"] == "b" { 0.0 } else { 1.0 };
            study.tell(t, TrialResult::Complete(v)).unwrap();
        }
    }
}
