//! Pruners prune what they should and nothing else.

use satori_tune::{
    HyperbandPruner, MedianPruner, Pruner, RandomSampler, Sampler, SearchSpace, Study, StudyConfig,
    SuccessiveHalvingPruner, Trial, TrialResult, TrialState,
};

fn study(pruner: Pruner) -> Study {
    let space = SearchSpace::parse_specs(["m.x=float(0,1)"]).unwrap();
    let config = StudyConfig {
        sampler: Sampler::Random(RandomSampler {}),
        pruner,
        ..Default::default()
    };
    Study::new(space, config).unwrap()
}

/// Run a trial reporting `curve` step by step; it stops when the pruner says so.
fn run(study: &mut Study, curve: &[f64]) -> (TrialState, usize) {
    let mut t: Trial = study.ask().unwrap().unwrap();
    for (step, &v) in curve.iter().enumerate() {
        t.report(step as u64, v).unwrap();
        if study.should_prune(&t) {
            study.tell(t, TrialResult::Pruned).unwrap();
            return (TrialState::Pruned, step);
        }
    }
    let last = *curve.last().unwrap();
    study.tell(t, TrialResult::Complete(last)).unwrap();
    (TrialState::Complete, curve.len())
}

#[test]
fn median_pruner_waits_for_startup_then_prunes_the_worse_half() {
    let mut s = study(Pruner::Median(MedianPruner::default()));
    let good = [1.0, 0.8, 0.6, 0.5];
    // Five startup trials are never pruned, however bad.
    for k in 0..5 {
        let curve: Vec<f64> = good.iter().map(|v| v + k as f64).collect();
        assert_eq!(run(&mut s, &curve).0, TrialState::Complete);
    }
    // Medians at each step are good + 2. A trial worse than that is pruned at step 0.
    assert_eq!(run(&mut s, &[3.5, 3.0, 2.8, 2.7]), (TrialState::Pruned, 0));
    // One better than the median everywhere runs to the end.
    assert_eq!(run(&mut s, &[1.5, 1.0, 0.9, 0.1]).0, TrialState::Complete);
    // Six complete trials now: medians 2.5, 2.3, 2.1, … A trial whose best so far (2.4) is
    // under the median at step 0 but over it at step 1 is pruned at step 1.
    assert_eq!(run(&mut s, &[2.4, 2.4, 2.4, 2.4]), (TrialState::Pruned, 1));
    // NaN prunes.
    assert_eq!(run(&mut s, &[f64::NAN]), (TrialState::Pruned, 0));
}

#[test]
fn median_pruner_respects_warmup() {
    let mut s = study(Pruner::Median(MedianPruner {
        n_warmup_steps: 2,
        ..Default::default()
    }));
    for _ in 0..5 {
        run(&mut s, &[1.0, 1.0, 1.0, 1.0]);
    }
    assert_eq!(run(&mut s, &[9.0, 9.0, 9.0, 9.0]), (TrialState::Pruned, 2));
}

#[test]
fn successive_halving_keeps_the_best_third_per_rung() {
    let mut s = study(Pruner::SuccessiveHalving(SuccessiveHalvingPruner::default()));
    // Rungs at steps 1, 3, 9. The first trial is alone at each rung: promoted.
    let best = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
    assert_eq!(run(&mut s, &best).0, TrialState::Complete);
    // Two competitors at rung 1 → keep ⌊2/3⌋ = max(0, 1) = the best one: a worse trial is pruned
    // at step 1 (its first rung), not at step 0 (no rung).
    let worse: Vec<f64> = best.iter().map(|v| v + 1.0).collect();
    assert_eq!(run(&mut s, &worse), (TrialState::Pruned, 1));
    // A better one goes through every rung.
    let better: Vec<f64> = best.iter().map(|v| v - 0.5).collect();
    assert_eq!(run(&mut s, &better).0, TrialState::Complete);
    // Three more trials; then, with 6 earlier trials at rung 1, a new one competes among 7 and
    // must be in the best ⌊7/3⌋ = 2: it survives just under the second best of the others and is
    // pruned just over it.
    for k in 0..3 {
        let c: Vec<f64> = best.iter().map(|v| v + 0.2 * k as f64).collect();
        run(&mut s, &c);
    }
    let mut others: Vec<f64> = s
        .trials()
        .iter()
        .filter_map(|r| r.intermediate_values.get(&1).copied())
        .collect();
    assert_eq!(others.len(), 6);
    others.sort_by(f64::total_cmp);
    let cutoff = others[1];
    assert_eq!(
        run(&mut s, &[0.0, cutoff + 0.01, 0.0]),
        (TrialState::Pruned, 1),
        "{others:?}"
    );
    let mut s2 = s;
    // The pruned trial above now competes too (8 in all with the next: keep 2 still).
    let (state, _) = run(&mut s2, &[0.0, cutoff - 0.01, -10.0, -10.0]);
    assert_eq!(state, TrialState::Complete, "{others:?}");
}

#[test]
fn pruners_only_see_trials_told_before_the_trial_was_asked() {
    let mut s = study(Pruner::Median(MedianPruner {
        n_startup_trials: 1,
        ..Default::default()
    }));
    // Ask a trial before any other is told: nothing to compare with, never pruned.
    let mut early = s.ask().unwrap().unwrap();
    run(&mut s, &[0.0, 0.0]);
    early.report(0, 100.0).unwrap();
    assert!(
        !s.should_prune(&early),
        "the good trial was told after this one was asked"
    );
    s.tell(early, TrialResult::Complete(100.0)).unwrap();
    // A trial asked now sees both.
    assert_eq!(run(&mut s, &[100.0]), (TrialState::Pruned, 0));
}

#[test]
fn bad_pruner_settings_are_errors() {
    let space = SearchSpace::parse_specs(["m.x=float(0,1)"]).unwrap();
    let config = StudyConfig {
        pruner: Pruner::SuccessiveHalving(SuccessiveHalvingPruner {
            reduction_factor: 1,
            ..Default::default()
        }),
        ..Default::default()
    };
    let e = Study::new(space, config).unwrap_err().to_string();
    assert!(
        e.contains("reduction_factor") && e.contains("at least 2"),
        "{e}"
    );
}

fn hyperband_1_9_3() -> HyperbandPruner {
    HyperbandPruner {
        min_resource: 1,
        max_resource: 9,
        reduction_factor: 3,
    }
}

#[test]
fn hyperband_matches_a_hand_worked_example() {
    // min 1, max 9, factor 3: rungs 1, 3, 9, so 3 brackets. Bracket b is successive halving
    // from rung b: bracket 0 at steps 1, 3, 9; bracket 1 at 3, 9; bracket 2 at 9 only. Budgets
    // ⌈3·3^s/(s+1)⌉ for s = 2, 1, 0: 9, 5, 3.
    let hb = hyperband_1_9_3();
    assert_eq!(hb.n_brackets(), 3);
    assert_eq!(hb.budgets(), vec![9, 5, 3]);
    // The brackets of trials 0–11 (pinned: a stored study must keep its brackets).
    let brackets: Vec<u32> = (0..12).map(|n| hb.bracket(n)).collect();
    assert_eq!(brackets, [0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 1, 0]);

    let mut s = study(Pruner::Hyperband(hb));
    let flat = |v: f64| vec![v; 10]; // steps 0–9
    // 0 (bracket 0): alone at every rung.
    assert_eq!(run(&mut s, &flat(1.0)), (TrialState::Complete, 10));
    // 1 (b0): rung 1 holds {1.0, 2.0}; keep max(1, ⌊2/3⌋) = 1: pruned at step 1.
    assert_eq!(run(&mut s, &flat(2.0)), (TrialState::Pruned, 1));
    // 2 (b2): the worst so far, but its bracket's only rung is step 9 and it is alone there.
    assert_eq!(run(&mut s, &flat(5.0)), (TrialState::Complete, 10));
    // 3 (b0): the best at rungs 1, 3 and 9.
    assert_eq!(run(&mut s, &flat(0.5)), (TrialState::Complete, 10));
    // 4 (b0): rung 1 holds {1, 2, 0.5, 0.8}: keep ⌊4/3⌋ = 1, the 0.5: pruned at step 1.
    assert_eq!(run(&mut s, &flat(0.8)), (TrialState::Pruned, 1));
    // 5 (b0): 0.4 at step 1 is the best of five there; 3.0 at step 3 against trials 0 and 3
    // (1.0, 0.5): keep 1 of 3: pruned at step 3.
    let mut c5 = vec![0.4, 0.4];
    c5.extend([3.0; 8]);
    assert_eq!(run(&mut s, &c5), (TrialState::Pruned, 3));
    // 6 (b0): rung 1 of 6 keeps 2 ({0.4, 0.45}); rung 3 of 4 ({1, 0.5, 3, 0.45}, the pruned
    // trial 5 counts) keeps the 0.45; rung 9 of 3 keeps it too.
    assert_eq!(run(&mut s, &flat(0.45)), (TrialState::Complete, 10));
    // 7 (b0): rung 1 of 7 keeps 2 (0.4, 0.45): 0.6 is pruned.
    assert_eq!(run(&mut s, &flat(0.6)), (TrialState::Pruned, 1));
    // 8 (b1): far worse than bracket 0's trials, but bracket 1 starts at step 3 and has no one
    // else: complete (successive halving alone would prune it at step 1).
    assert_eq!(run(&mut s, &flat(9.0)), (TrialState::Complete, 10));
    // 9 (b0): the best everywhere.
    assert_eq!(run(&mut s, &flat(0.3)), (TrialState::Complete, 10));
    // 10 (b1): not at step 1 (no rung of bracket 1), but at step 3 against trial 8's 9.0.
    assert_eq!(run(&mut s, &flat(10.0)), (TrialState::Pruned, 3));
    // 11 (b0): NaN at a rung prunes.
    assert_eq!(run(&mut s, &[0.1, f64::NAN, 0.1]), (TrialState::Pruned, 1));
}

#[test]
fn hyperband_prunes_bad_trials_at_their_rungs_and_keeps_the_best() {
    let hb = hyperband_1_9_3();
    let mut s = study(Pruner::Hyperband(hb.clone()));
    // (bracket, x, state, last step)
    let mut seen = Vec::new();
    for _ in 0..120 {
        let mut t = s.ask().unwrap().unwrap();
        let x = t.params()["m.x"].as_f64().unwrap();
        let b = hb.bracket(t.number());
        let mut outcome = (TrialState::Complete, 9);
        for step in 0..10u64 {
            t.report(step, x + 1.0 / (step as f64 + 1.0)).unwrap();
            if s.should_prune(&t) {
                outcome = (TrialState::Pruned, step);
                break;
            }
        }
        let result = match outcome.0 {
            TrialState::Pruned => TrialResult::Pruned,
            _ => TrialResult::Complete(x + 0.1),
        };
        s.tell(t, result).unwrap();
        seen.push((b, x, outcome.0, outcome.1));
    }
    let rungs = [vec![1, 3, 9], vec![3, 9], vec![9]];
    for &(b, x, state, step) in &seen {
        if state == TrialState::Pruned {
            assert!(
                rungs[b as usize].contains(&step),
                "bracket {b}: pruned at step {step} ({x})"
            );
        }
    }
    for b in 0..3 {
        let mine: Vec<_> = seen.iter().filter(|t| t.0 == b).collect();
        assert!(mine.len() >= 10, "bracket {b} has {} trials", mine.len());
        // The best trial of a bracket is best at each of its rungs: never pruned.
        let best = mine.iter().min_by(|a, c| a.1.total_cmp(&c.1)).unwrap();
        assert_eq!(best.2, TrialState::Complete, "bracket {b}");
        let pruned = mine.iter().filter(|t| t.2 == TrialState::Pruned).count();
        assert!(
            pruned > mine.len() / 3,
            "bracket {b}: {pruned} of {}",
            mine.len()
        );
        // Pruned trials are worse than the complete ones on the whole.
        let mean = |state| {
            let xs: Vec<f64> = mine.iter().filter(|t| t.2 == state).map(|t| t.1).collect();
            xs.iter().sum::<f64>() / xs.len() as f64
        };
        assert!(
            mean(TrialState::Complete) < mean(TrialState::Pruned),
            "bracket {b}"
        );
    }
    // Bracket 0 prunes as early as step 1; bracket 2 never before step 9.
    assert!(
        seen.iter()
            .any(|t| t.0 == 0 && t.2 == TrialState::Pruned && t.3 == 1)
    );
    assert!(seen.iter().any(|t| t.0 == 2 && t.2 == TrialState::Pruned));
}

#[test]
fn hyperband_splits_trials_across_brackets_by_their_budgets() {
    let hb = HyperbandPruner::default();
    // 1, 3, 9, 27, 81: five brackets; budgets ⌈5·3^s/(s+1)⌉ for s = 4…0.
    assert_eq!(hb.n_brackets(), 5);
    assert_eq!(hb.budgets(), vec![81, 34, 15, 8, 5]);
    let total: u128 = hb.budgets().iter().sum();
    let n = 143 * 200;
    let mut counts = [0usize; 5];
    for k in 0..n {
        counts[hb.bracket(k) as usize] += 1;
    }
    for (b, &c) in counts.iter().enumerate() {
        let expected = n as f64 * hb.budgets()[b] as f64 / total as f64;
        assert!(
            (c as f64 - expected).abs() < 0.1 * expected,
            "bracket {b}: {c} trials, expected about {expected}"
        );
    }
    // Spread from the start, not bracket by bracket.
    let first: std::collections::BTreeSet<u32> = (0..30).map(|k| hb.bracket(k)).collect();
    assert!(first.len() >= 4, "{first:?}");
    // The bracket count is exact in integers (Optuna's floating-point log gives 5 for 243).
    let hb = |min_resource, max_resource, reduction_factor| HyperbandPruner {
        min_resource,
        max_resource,
        reduction_factor,
    };
    assert_eq!(hb(1, 243, 3).n_brackets(), 6);
    assert_eq!(hb(1, 242, 3).n_brackets(), 5);
    assert_eq!(hb(2, 18, 3).n_brackets(), 3);
    assert_eq!(hb(2, 17, 3).n_brackets(), 2);
    assert_eq!(hb(1, u64::MAX, 2).n_brackets(), 64);
    let one = hb(5, 5, 3);
    assert_eq!((one.n_brackets(), one.budgets()), (1, vec![1]));
    assert!((0..50).all(|k| one.bracket(k) == 0));
    assert_eq!(
        one.bracket_pruner(0),
        SuccessiveHalvingPruner {
            min_resource: 5,
            reduction_factor: 3,
            min_early_stopping_rate: 0,
        }
    );
}

#[test]
fn hyperband_by_name_and_bad_settings() {
    assert_eq!(
        "hyperband".parse::<Pruner>().unwrap(),
        Pruner::Hyperband(HyperbandPruner::default())
    );
    let e = "hyperbnd".parse::<Pruner>().unwrap_err().to_string();
    assert!(e.contains("hyperband"), "{e}");
    for (pruner, needle) in [
        (
            HyperbandPruner {
                max_resource: 0,
                min_resource: 3,
                ..Default::default()
            },
            "max_resource",
        ),
        (
            HyperbandPruner {
                min_resource: 0,
                ..Default::default()
            },
            "min_resource",
        ),
        (
            HyperbandPruner {
                reduction_factor: 1,
                ..Default::default()
            },
            "reduction_factor",
        ),
    ] {
        let space = SearchSpace::parse_specs(["m.x=float(0,1)"]).unwrap();
        let config = StudyConfig {
            pruner: Pruner::Hyperband(pruner),
            ..Default::default()
        };
        let e = Study::new(space, config).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
    }
    let config = StudyConfig {
        pruner: Pruner::Hyperband(hyperband_1_9_3()),
        ..Default::default()
    };
    let text = serde_json::to_string(&config).unwrap();
    assert!(text.contains("\"hyperband\""), "{text}");
    assert_eq!(serde_json::from_str::<StudyConfig>(&text).unwrap(), config);
}
