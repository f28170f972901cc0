//! Samplers on standard test functions: TPE against random search at equal trials.

use std::collections::BTreeMap;

use satori_tune::{
    RandomSampler, Sampler, SearchSpace, Study, StudyConfig, TpeSampler, TrialResult,
};
use serde_json::Value;

/// The best value of `n` sequential trials.
fn best(
    space: &SearchSpace,
    sampler: Sampler,
    seed: u64,
    n: usize,
    f: &dyn Fn(&BTreeMap<String, Value>) -> f64,
) -> f64 {
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

/// Mean best value over `seeds` seeds for TPE and for random search.
fn compare(
    space: &SearchSpace,
    n: usize,
    seeds: u64,
    f: &dyn Fn(&BTreeMap<String, Value>) -> f64,
) -> (f64, f64) {
    let mut tpe = 0.0;
    let mut random = 0.0;
    for seed in 0..seeds {
        tpe += best(space, Sampler::Tpe(TpeSampler::default()), seed, n, f);
        random += best(space, Sampler::Random(RandomSampler {}), seed, n, f);
    }
    (tpe / seeds as f64, random / seeds as f64)
}

fn get(p: &BTreeMap<String, Value>, k: &str) -> f64 {
    p[k].as_f64().unwrap()
}

#[test]
fn tpe_beats_random_on_a_shifted_sphere_in_log_space() {
    // Four learning-rate-like parameters over six decades; the optimum is off-centre.
    let space = SearchSpace::parse_specs([
        "x.a=float(1e-4,100,log)",
        "x.b=float(1e-4,100,log)",
        "x.c=float(1e-4,100,log)",
        "x.d=float(1e-4,100,log)",
    ])
    .unwrap();
    let centre = [-2.3, 0.7, -1.1, 1.4];
    let f = |p: &BTreeMap<String, Value>| {
        ["x.a", "x.b", "x.c", "x.d"]
            .iter()
            .zip(centre)
            .map(|(k, c)| (get(p, k).log10() - c).powi(2))
            .sum::<f64>()
    };
    let (tpe, random) = compare(&space, 80, 10, &f);
    eprintln!("shifted log sphere, 80 trials, 10 seeds: TPE {tpe:.4}, random {random:.4}");
    assert!(tpe < 0.5 * random, "TPE {tpe} vs random {random}");
}

#[test]
fn tpe_beats_random_on_branin() {
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
    let (tpe, random) = compare(&space, 60, 10, &f);
    eprintln!("Branin regret, 60 trials, 10 seeds: TPE {tpe:.4}, random {random:.4}");
    assert!(tpe < 0.6 * random, "TPE {tpe} vs random {random}");
}

#[test]
fn tpe_beats_random_on_integers_and_choices() {
    let space = SearchSpace::parse_specs([
        "m.leaves=int(2,1024,log)",
        "m.depth=int(1,16)",
        "m.kind=choice(a,b,c,d,e,f)",
        "m.rate=float(0,1,step=0.05)",
    ])
    .unwrap();
    let f = |p: &BTreeMap<String, Value>| {
        let kind = if p["m.kind"] == "d" { 0.0 } else { 1.0 };
        (get(p, "m.leaves").log2() - 7.0).powi(2) / 4.0
            + (get(p, "m.depth") - 11.0).powi(2) / 9.0
            + kind
            + (get(p, "m.rate") - 0.35).powi(2) * 10.0
    };
    let (tpe, random) = compare(&space, 80, 10, &f);
    eprintln!("mixed space, 80 trials, 10 seeds: TPE {tpe:.4}, random {random:.4}");
    assert!(tpe < 0.6 * random, "TPE {tpe} vs random {random}");
}

#[test]
fn samples_stay_in_their_ranges_and_conditionals_follow_their_parent() {
    let space = SearchSpace::parse_specs([
        "m.kind=choice(gbdt,dart,goss)",
        "m.drop=float(0.05,0.5) if m.kind=dart",
        "m.top=float(0.1,0.3,step=0.1) if m.kind=goss",
        "m.n=int(3,300,log)",
        "m.s=int(1,9,step=4)",
        "m.lr=float(0.001,0.3,log)",
    ])
    .unwrap();
    for sampler in [
        Sampler::Random(RandomSampler {}),
        Sampler::Tpe(TpeSampler::default()),
    ] {
        let config = StudyConfig {
            sampler: sampler.clone(),
            seed: 2,
            ..Default::default()
        };
        let mut study = Study::new(space.clone(), config).unwrap();
        let mut kinds = BTreeMap::new();
        for _ in 0..60 {
            let t = study.ask().unwrap().unwrap();
            let p = t.params().clone();
            let kind = p["m.kind"].as_str().unwrap().to_string();
            assert_eq!(p.contains_key("m.drop"), kind == "dart", "{p:?}");
            assert_eq!(p.contains_key("m.top"), kind == "goss", "{p:?}");
            if let Some(d) = p.get("m.drop") {
                let d = d.as_f64().unwrap();
                assert!((0.05..=0.5).contains(&d));
            }
            if let Some(top) = p.get("m.top") {
                let top = top.as_f64().unwrap();
                assert!([0.1, 0.2, 0.3].contains(&top), "{top}");
            }
            let n = p["m.n"].as_i64().unwrap();
            assert!((3..=300).contains(&n));
            assert!([1, 5, 9].contains(&p["m.s"].as_i64().unwrap()));
            let lr = get(&p, "m.lr");
            assert!((0.001..=0.3).contains(&lr));
            *kinds.entry(kind).or_insert(0) += 1;
            // Dart is best: TPE should learn it.
            let v = if p["m.kind"] == "dart" { 0.0 } else { 1.0 } + (lr.log10() + 1.0).powi(2);
            study.tell(t, TrialResult::Complete(v)).unwrap();
        }
        assert_eq!(kinds.len(), 3, "{sampler:?}: {kinds:?}");
        if let Sampler::Tpe(_) = sampler {
            assert!(
                kinds["dart"] > 30,
                "TPE leans to the better choice: {kinds:?}"
            );
        }
    }
}

#[test]
fn multivariate_tpe_beats_random_on_rosenbrock_and_the_log_sphere() {
    let multi = || {
        Sampler::Tpe(TpeSampler {
            multivariate: true,
            ..Default::default()
        })
    };
    let space = SearchSpace::parse_specs(["r.x=float(-2,2)", "r.y=float(-1,3)", "r.k=choice(a,b)"])
        .unwrap();
    let f = |p: &BTreeMap<String, Value>| {
        let (x, y) = (get(p, "r.x"), get(p, "r.y"));
        (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2) + if p["r.k"] == "b" { 0.0 } else { 5.0 }
    };
    let (mut tpe, mut mv, mut random) = (0.0, 0.0, 0.0);
    for seed in 0..10 {
        tpe += best(&space, Sampler::Tpe(TpeSampler::default()), seed, 80, &f) / 10.0;
        mv += best(&space, multi(), seed, 80, &f) / 10.0;
        random += best(&space, Sampler::Random(RandomSampler {}), seed, 80, &f) / 10.0;
    }
    eprintln!(
        "Rosenbrock + choice, 80 trials, 10 seeds: multivariate TPE {mv:.4}, TPE {tpe:.4}, random {random:.4}"
    );
    assert!(mv < 0.6 * random, "multivariate {mv} vs random {random}");

    let space = SearchSpace::parse_specs([
        "x.a=float(1e-4,100,log)",
        "x.b=int(1,1000,log)",
        "x.c=int(0,20,step=2)",
    ])
    .unwrap();
    let f = |p: &BTreeMap<String, Value>| {
        (get(p, "x.a").log10() + 2.3).powi(2)
            + (get(p, "x.b").log10() - 1.4).powi(2)
            + (get(p, "x.c") - 12.0).powi(2) / 16.0
    };
    let (mut mv, mut random) = (0.0, 0.0);
    for seed in 0..10 {
        mv += best(&space, multi(), seed, 80, &f) / 10.0;
        random += best(&space, Sampler::Random(RandomSampler {}), seed, 80, &f) / 10.0;
    }
    eprintln!(
        "log sphere with integers, 80 trials, 10 seeds: multivariate TPE {mv:.4}, random {random:.4}"
    );
    assert!(mv < 0.5 * random, "multivariate {mv} vs random {random}");

    // Reproducible, and different from the independent sampler.
    let run = |sampler: Sampler| {
        let mut study = Study::new(
            space.clone(),
            StudyConfig {
                sampler,
                seed: 3,
                ..Default::default()
            },
        )
        .unwrap();
        let mut out = Vec::new();
        for _ in 0..30 {
            let t = study.ask().unwrap().unwrap();
            out.push(t.params().clone());
            let v = f(t.params());
            study.tell(t, TrialResult::Complete(v)).unwrap();
        }
        out
    };
    assert_eq!(run(multi()), run(multi()));
    assert_ne!(
        run(multi())[10..],
        run(Sampler::Tpe(TpeSampler::default()))[10..]
    );
}
