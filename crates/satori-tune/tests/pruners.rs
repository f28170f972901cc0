//! Pruners prune what they should and nothing else.

use satori_tune::{
    MedianPruner, Pruner, RandomSampler, Sampler, SearchSpace, Study, StudyConfig,
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
