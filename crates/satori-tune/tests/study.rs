//! The ask/tell study: records, best trial, determinism, restore.

use std::collections::BTreeMap;

use satori_tune::{
    Direction, GridSampler, RandomSampler, Sampler, SearchSpace, Study, StudyConfig, TpeSampler,
    TrialRecord, TrialResult, TrialState,
};
use serde_json::{Value, json};

fn space() -> SearchSpace {
    SearchSpace::parse_specs([
        "m.x=float(-5,5)",
        "m.lr=float(0.001,1,log)",
        "m.n=int(1,64,log)",
        "m.kind=choice(a,b,c)",
        "m.extra=int(0,10,step=2) if m.kind=b",
    ])
    .unwrap()
}

fn objective(p: &BTreeMap<String, Value>) -> f64 {
    let x = p["m.x"].as_f64().unwrap();
    let lr = p["m.lr"].as_f64().unwrap();
    let n = p["m.n"].as_f64().unwrap();
    let kind = match p["m.kind"].as_str().unwrap() {
        "a" => 1.0,
        "b" => 0.0,
        _ => 2.0,
    };
    let extra = p.get("m.extra").and_then(Value::as_f64).unwrap_or(5.0);
    (x - 1.3).powi(2)
        + (lr.log10() + 2.0).powi(2)
        + (n.log2() - 4.0).powi(2)
        + kind
        + 0.1 * (extra - 4.0).abs()
}

fn config(sampler: Sampler, seed: u64) -> StudyConfig {
    StudyConfig {
        direction: Direction::Minimize,
        sampler,
        seed,
        ..Default::default()
    }
}

/// Run `n` trials in batches of `batch`, telling each batch in the order `order` gives.
fn run(sampler: Sampler, seed: u64, n: usize, batch: usize, reverse: bool) -> Vec<TrialRecord> {
    let mut study = Study::new(space(), config(sampler, seed)).unwrap();
    let mut done = 0;
    while done < n {
        let mut trials = Vec::new();
        for _ in 0..batch.min(n - done) {
            trials.push(study.ask().unwrap().unwrap());
        }
        done += trials.len();
        if reverse {
            trials.reverse();
        }
        for t in trials {
            let v = objective(t.params());
            study.tell(t, TrialResult::Complete(v)).unwrap();
        }
    }
    study.trials().to_vec()
}

fn params(r: &[TrialRecord]) -> Vec<BTreeMap<String, Value>> {
    r.iter().map(|t| t.params.clone()).collect()
}

#[test]
fn same_seed_same_trials_different_seed_different_trials() {
    for sampler in [
        Sampler::Random(RandomSampler {}),
        Sampler::Tpe(TpeSampler::default()),
    ] {
        let a = run(sampler.clone(), 3, 40, 1, false);
        let b = run(sampler.clone(), 3, 40, 1, false);
        let c = run(sampler, 4, 40, 1, false);
        assert_eq!(params(&a), params(&b));
        assert_ne!(params(&a), params(&c));
    }
}

#[test]
fn batches_told_in_any_order_give_the_same_trials() {
    // The determinism rule: trial n depends on the seed and the set of trials told before it
    // was asked, in number order. A batch told backwards (as threads might finish) changes
    // nothing.
    let a = run(Sampler::Tpe(TpeSampler::default()), 11, 48, 4, false);
    let b = run(Sampler::Tpe(TpeSampler::default()), 11, 48, 4, true);
    assert_eq!(params(&a), params(&b));
    // A different batch size is a different (documented) schedule after the startup trials.
    let c = run(Sampler::Tpe(TpeSampler::default()), 11, 48, 1, false);
    assert_eq!(params(&a)[..10], params(&c)[..10]);
    assert_ne!(params(&a)[10..], params(&c)[10..]);
}

#[test]
fn records_hold_state_value_duration_and_the_best_is_found() {
    let mut study = Study::new(space(), config(Sampler::Random(RandomSampler {}), 0)).unwrap();
    let mut t0 = study.ask().unwrap().unwrap();
    let t1 = study.ask().unwrap().unwrap();
    let t2 = study.ask().unwrap().unwrap();
    let t3 = study.ask().unwrap().unwrap();
    let t4 = study.ask().unwrap().unwrap();
    assert_eq!([t0.number(), t4.number()], [0, 4]);
    assert_eq!(study.trials()[2].state, TrialState::Running);
    t0.report(0, 3.0).unwrap();
    t0.report(1, 2.5).unwrap();
    assert!(
        t0.report(1, 2.0)
            .unwrap_err()
            .to_string()
            .contains("steps must increase")
    );
    study.tell(t0, TrialResult::Complete(2.0)).unwrap();
    study
        .tell(
            t1,
            TrialResult::Failed("fit failed: singular matrix".into()),
        )
        .unwrap();
    study.tell(t2, TrialResult::Pruned).unwrap();
    study.tell(t3, TrialResult::Complete(f64::NAN)).unwrap();
    study.tell(t4, TrialResult::Complete(1.5)).unwrap();
    let r = study.trials();
    assert_eq!(r[0].state, TrialState::Complete);
    assert_eq!(r[0].value, Some(2.0));
    assert_eq!(
        r[0].intermediate_values,
        BTreeMap::from([(0, 3.0), (1, 2.5)])
    );
    assert!(r[0].duration_s.is_some_and(|d| d >= 0.0));
    assert_eq!(r[1].state, TrialState::Failed);
    assert_eq!(
        r[1].fail_reason.as_deref(),
        Some("fit failed: singular matrix")
    );
    assert_eq!(r[2].state, TrialState::Pruned);
    assert_eq!(r[3].state, TrialState::Failed);
    assert!(r[3].fail_reason.as_deref().unwrap().contains("NaN"));
    assert_eq!(study.best_trial().unwrap().number, 4);

    // Records serialise (NaN intermediate values as null) and read back.
    let mut rec = r[0].clone();
    rec.intermediate_values.insert(2, f64::NAN);
    let text = serde_json::to_string(&rec).unwrap();
    assert!(text.contains("[2,null]"), "{text}");
    let back: TrialRecord = serde_json::from_str(&text).unwrap();
    assert!(back.intermediate_values[&2].is_nan());
    assert_eq!(back.params, rec.params);

    let mut max = Study::new(
        space(),
        StudyConfig {
            direction: Direction::Maximize,
            ..config(Sampler::Random(RandomSampler {}), 0)
        },
    )
    .unwrap();
    for v in [1.0, 3.0, 3.0, 2.0] {
        let t = max.ask().unwrap().unwrap();
        max.tell(t, TrialResult::Complete(v)).unwrap();
    }
    assert_eq!(
        max.best_trial().unwrap().number,
        1,
        "ties go to the earlier trial"
    );
}

#[test]
fn a_trial_is_told_once() {
    let mut study = Study::new(space(), config(Sampler::Random(RandomSampler {}), 0)).unwrap();
    let t = study.ask().unwrap().unwrap();
    let copy = t.clone();
    study.tell(t, TrialResult::Complete(1.0)).unwrap();
    let e = study
        .tell(copy, TrialResult::Complete(1.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("already told"), "{e}");
}

#[test]
fn restore_continues_numbering_and_trials() {
    let sampler = Sampler::Tpe(TpeSampler::default());
    let full = run(sampler.clone(), 5, 30, 1, false);
    // Stop after 20 trials, store them as JSON, restore, and go on.
    let stored = serde_json::to_string(&full[..20]).unwrap();
    let records: Vec<TrialRecord> = serde_json::from_str(&stored).unwrap();
    let mut study = Study::restore(space(), config(sampler, 5), records).unwrap();
    for _ in 20..30 {
        let t = study.ask().unwrap().unwrap();
        let v = objective(t.params());
        study.tell(t, TrialResult::Complete(v)).unwrap();
    }
    assert_eq!(params(study.trials()), params(&full));
    assert_eq!(study.trials()[29].number, 29);

    let mut bad: Vec<TrialRecord> = serde_json::from_str(&stored).unwrap();
    bad[3].params.insert("m.x".into(), json!(99.0));
    let e = Study::restore(space(), config(Sampler::Random(RandomSampler {}), 5), bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("trial 3") && e.contains("m.x"), "{e}");
}

#[test]
fn enqueued_trials_come_first() {
    let mut study = Study::new(space(), config(Sampler::Tpe(TpeSampler::default()), 1)).unwrap();
    let fixed = BTreeMap::from([
        ("m.x".to_string(), json!(0.5)),
        ("m.lr".to_string(), json!(0.1)),
        ("m.n".to_string(), json!(8)),
        ("m.kind".to_string(), json!("a")),
    ]);
    study.enqueue(&fixed).unwrap();
    let t = study.ask().unwrap().unwrap();
    assert_eq!(t.params(), &fixed);
    let mut bad = fixed.clone();
    bad.insert("m.kind".into(), json!("b"));
    assert!(
        study
            .enqueue(&bad)
            .unwrap_err()
            .to_string()
            .contains("m.extra")
    );
}

#[test]
fn grid_sampler_asks_every_point_once_then_stops() {
    let space = SearchSpace::parse_specs(["m.a=int(1,3)", "m.b=choice(x,y)"]).unwrap();
    let mut study = Study::new(space, config(Sampler::Grid(GridSampler::default()), 0)).unwrap();
    let mut seen = Vec::new();
    while let Some(t) = study.ask().unwrap() {
        seen.push(t.params().clone());
        study.tell(t, TrialResult::Complete(0.0)).unwrap();
    }
    assert_eq!(seen.len(), 6);
    assert_eq!(seen[0]["m.a"], json!(1));
    assert_eq!(seen[0]["m.b"], json!("x"));
    assert_eq!(seen[1]["m.b"], json!("y"));
    for i in 0..6 {
        for j in 0..i {
            assert_ne!(seen[i], seen[j]);
        }
    }

    let e = Study::new(
        space_continuous(),
        config(Sampler::Grid(GridSampler::default()), 0),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("m.lr") && e.contains("grid=5"), "{e}");
}

fn space_continuous() -> SearchSpace {
    SearchSpace::parse_specs(["m.lr=float(0.01,0.3,log)"]).unwrap()
}

#[test]
fn threads_evaluating_fixed_batches_give_the_same_study() {
    use std::sync::mpsc;
    // Evaluate each batch of 6 on `threads` threads, telling results in completion order.
    let run_threads = |threads: usize| {
        let mut study =
            Study::new(space(), config(Sampler::Tpe(TpeSampler::default()), 21)).unwrap();
        for _ in 0..6 {
            let batch: Vec<_> = (0..6).map(|_| study.ask().unwrap().unwrap()).collect();
            let (tx, rx) = mpsc::channel();
            let chunks: Vec<Vec<_>> = batch
                .chunks(batch.len().div_ceil(threads))
                .map(|c| c.to_vec())
                .collect();
            std::thread::scope(|s| {
                for chunk in chunks {
                    let tx = tx.clone();
                    s.spawn(move || {
                        for t in chunk.into_iter().rev() {
                            let v = objective(t.params());
                            tx.send((t, v)).unwrap();
                        }
                    });
                }
            });
            drop(tx);
            for (t, v) in rx {
                study.tell(t, TrialResult::Complete(v)).unwrap();
            }
        }
        params(study.trials())
    };
    let one = run_threads(1);
    assert_eq!(one.len(), 36);
    assert_eq!(one, run_threads(3));
    assert_eq!(one, run_threads(6));
}

#[test]
fn a_restored_grid_skips_the_points_it_has_tried() {
    let space = || SearchSpace::parse_specs(["m.a=int(1,3)", "m.b=float(0,0.3,step=0.1)"]).unwrap();
    let cfg = || config(Sampler::Grid(GridSampler::default()), 0);
    let mut study = Study::new(space(), cfg()).unwrap();
    for _ in 0..5 {
        let t = study.ask().unwrap().unwrap();
        study.tell(t, TrialResult::Complete(1.0)).unwrap();
    }
    let stored = serde_json::to_string(study.trials()).unwrap();
    let mut resumed =
        Study::restore(space(), cfg(), serde_json::from_str(&stored).unwrap()).unwrap();
    let mut all = params(resumed.trials());
    while let Some(t) = resumed.ask().unwrap() {
        all.push(t.params().clone());
        resumed.tell(t, TrialResult::Complete(1.0)).unwrap();
    }
    assert_eq!(all.len(), 12);
    for i in 0..all.len() {
        for j in 0..i {
            assert_ne!(all[i], all[j], "trial {i} repeats trial {j}");
        }
    }
}

#[test]
fn configs_and_spaces_round_trip_through_json_and_foreign_trials_are_refused() {
    let config = StudyConfig {
        direction: Direction::Maximize,
        sampler: "tpe-multivariate".parse().unwrap(),
        pruner: "sha".parse().unwrap(),
        seed: 9,
    };
    let text = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<StudyConfig>(&text).unwrap(), config);
    let s = space();
    let text = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<SearchSpace>(&text).unwrap(), s);
    // A stored space is validated when read back.
    let bad = text.replace("\"low\":-5.0", "\"low\":50.0");
    assert!(
        serde_json::from_str::<SearchSpace>(&bad)
            .unwrap_err()
            .to_string()
            .contains("range is empty")
    );

    let mut a = Study::new(space(), config.clone()).unwrap();
    let mut b = Study::new(space(), StudyConfig { seed: 10, ..config }).unwrap();
    let ta = a.ask().unwrap().unwrap();
    let _tb = b.ask().unwrap().unwrap();
    let e = b
        .tell(ta, TrialResult::Complete(1.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("another study"), "{e}");
}

#[test]
fn a_grid_does_not_repeat_an_enqueued_point() {
    let space = SearchSpace::parse_specs(["m.a=int(1,3)"]).unwrap();
    let mut study = Study::new(space, config(Sampler::Grid(GridSampler::default()), 0)).unwrap();
    study
        .enqueue(&BTreeMap::from([("m.a".to_string(), json!(2))]))
        .unwrap();
    let mut seen = Vec::new();
    while let Some(t) = study.ask().unwrap() {
        seen.push(t.params()["m.a"].clone());
        study.tell(t, TrialResult::Complete(0.0)).unwrap();
    }
    assert_eq!(seen, vec![json!(2), json!(1), json!(3)]);
}
