//! Multi-objective search: the Pareto front, NSGA-II against random search on ZDT1, the
//! determinism rule, and bad input.

use satori_tune::multi::{hypervolume_2d, non_dominated_ranks};
use satori_tune::{
    Direction, MultiResult, MultiSampler, MultiStudy, MultiStudyConfig, Nsga2Sampler, SearchSpace,
};

fn zdt1_space(dims: usize) -> SearchSpace {
    let specs: Vec<String> = (0..dims).map(|i| format!("x{i}=float(0,1)")).collect();
    SearchSpace::parse_specs(specs.iter().map(String::as_str)).unwrap()
}

/// ZDT1 (Zitzler, Deb and Thiele 2000): both objectives minimised; the front is f2 = 1 - √f1.
fn zdt1(x: &[f64]) -> Vec<f64> {
    let f1 = x[0];
    let g = 1.0 + 9.0 * x[1..].iter().sum::<f64>() / (x.len() - 1) as f64;
    vec![f1, g * (1.0 - (f1 / g).sqrt())]
}

fn run(sampler: MultiSampler, seed: u64, trials: usize, batch: usize) -> MultiStudy {
    let dims = 5;
    let config = MultiStudyConfig {
        directions: vec![Direction::Minimize, Direction::Minimize],
        sampler,
        seed,
    };
    let mut study = MultiStudy::new(zdt1_space(dims), config).unwrap();
    let mut done = 0;
    while done < trials {
        let batch: Vec<_> = (0..batch.min(trials - done))
            .map(|_| study.ask().unwrap())
            .collect();
        // Told backwards: the order of tells within a batch must not matter.
        for t in batch.into_iter().rev() {
            let x: Vec<f64> = (0..dims)
                .map(|i| t.params()[&format!("x{i}")].as_f64().unwrap())
                .collect();
            study.tell(t, MultiResult::Complete(zdt1(&x))).unwrap();
            done += 1;
        }
    }
    study
}

fn hypervolume(study: &MultiStudy) -> f64 {
    let front: Vec<Vec<f64>> = study
        .pareto_front()
        .iter()
        .map(|r| r.values.clone().unwrap())
        .collect();
    hypervolume_2d(&front, [1.1, 1.1])
}

fn nsga2() -> MultiSampler {
    MultiSampler::Nsga2(Nsga2Sampler {
        population_size: 20,
        ..Default::default()
    })
}

#[test]
fn nsga2_moves_the_front_further_than_random_search_on_zdt1() {
    let (mut ours, mut random) = (Vec::new(), Vec::new());
    for seed in 0..6 {
        ours.push(hypervolume(&run(nsga2(), seed, 300, 4)));
        random.push(hypervolume(&run(MultiSampler::Random, seed, 300, 4)));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[2] + v[3]) / 2.0
    };
    let (o, r) = (median(&mut ours), median(&mut random));
    eprintln!(
        "ZDT1 (5 dims, 300 trials) hypervolume to (1.1, 1.1): NSGA-II {o:.4}, random {r:.4}; ideal 0.8767"
    );
    assert!(o > r + 0.05, "NSGA-II {o} vs random {r}");
}

#[test]
fn the_front_is_exactly_the_non_dominated_trials() {
    let study = run(nsga2(), 3, 80, 1);
    let front = study.pareto_front();
    assert!(!front.is_empty());
    let all: Vec<Vec<f64>> = study
        .trials()
        .iter()
        .map(|r| r.values.clone().unwrap())
        .collect();
    for f in &front {
        let v = f.values.as_ref().unwrap();
        assert!(
            !all.iter().any(
                |o| o.iter().zip(v).all(|(a, b)| a <= b) && o.iter().zip(v).any(|(a, b)| a < b)
            ),
            "trial {} is dominated",
            f.number
        );
    }
    let in_front = front.len();
    let non_dominated = non_dominated_ranks(&all)
        .iter()
        .filter(|r| **r == 0)
        .count();
    assert_eq!(in_front, non_dominated);
}

#[test]
fn a_seed_and_a_batch_size_fix_the_study() {
    let params =
        |s: &MultiStudy| -> Vec<_> { s.trials().iter().map(|r| r.params.clone()).collect() };
    let a = run(nsga2(), 9, 60, 4);
    assert_eq!(params(&a), params(&run(nsga2(), 9, 60, 4)));
    assert_ne!(params(&a), params(&run(nsga2(), 10, 60, 4)));
    // Children after the random start stay inside the space.
    for r in a.trials() {
        for v in r.params.values() {
            let x = v.as_f64().unwrap();
            assert!((0.0..=1.0).contains(&x), "{x}");
        }
    }
}

#[test]
fn maximised_objectives_and_bad_input() {
    let space = SearchSpace::parse_specs(["x=float(0,1)"]).unwrap();
    let config = MultiStudyConfig {
        directions: vec![Direction::Maximize, Direction::Minimize],
        sampler: MultiSampler::Random,
        seed: 0,
    };
    let mut s = MultiStudy::new(space.clone(), config.clone()).unwrap();
    // Maximising x while minimising x: every trial is on the front.
    for _ in 0..10 {
        let t = s.ask().unwrap();
        let x = t.params()["x"].as_f64().unwrap();
        s.tell(t, MultiResult::Complete(vec![x, x])).unwrap();
    }
    assert_eq!(s.pareto_front().len(), 10);
    let t = s.ask().unwrap();
    let e = s
        .tell(t, MultiResult::Complete(vec![1.0]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("1 values told for 2 objectives"), "{e}");
    let one = MultiStudyConfig {
        directions: vec![Direction::Minimize],
        ..config
    };
    let e = MultiStudy::new(space.clone(), one).unwrap_err().to_string();
    assert!(e.contains("at least two objectives"), "{e}");
    let bad = MultiStudyConfig {
        sampler: MultiSampler::Nsga2(Nsga2Sampler {
            crossover_prob: 1.5,
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = MultiStudy::new(space, bad).unwrap_err().to_string();
    assert!(e.contains("crossover_prob"), "{e}");
    assert!("cmaes".parse::<MultiSampler>().is_err());
}

#[test]
fn hypervolume_of_known_fronts() {
    assert_eq!(hypervolume_2d(&[vec![0.0, 0.0]], [1.0, 1.0]), 1.0);
    let v = hypervolume_2d(
        &[vec![0.0, 0.5], vec![0.5, 0.0], vec![0.6, 0.6]],
        [1.0, 1.0],
    );
    assert!((v - 0.75).abs() < 1e-12, "{v}");
    assert_eq!(hypervolume_2d(&[vec![2.0, 0.0]], [1.0, 1.0]), 0.0);
}
