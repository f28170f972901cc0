//! The metric registry, combinations, cost matrices, class weights, thresholds, and clear errors
//! (never panics) on bad input.

use ndarray::{Array1, array};
use satori_core::Error;
use satori_metrics as m;
use satori_metrics::{EvalInput, Metric};

#[test]
fn every_registered_name_resolves_and_scores() {
    let t = array![0usize, 1, 1, 0, 1, 0];
    let p = array![0usize, 1, 0, 0, 1, 1];
    let proba = array![
        [0.8, 0.2],
        [0.3, 0.7],
        [0.6, 0.4],
        [0.9, 0.1],
        [0.2, 0.8],
        [0.4, 0.6]
    ];
    let yt = array![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let yp = array![1.5, 2.0, 2.5, 4.5, 5.0, 7.0];
    let cls = EvalInput::labels(t.view(), p.view(), 2).with_proba(proba.view());
    let reg = EvalInput::regression(yt.view(), yp.view());
    for name in m::metric_names() {
        let metric = m::metric_by_name(name).unwrap();
        assert_eq!(metric.name(), name);
        let input = if metric.needs().values { &reg } else { &cls };
        let v = metric
            .score(input)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(v.is_finite(), "{name} = {v}");
        if name.starts_with("neg_") {
            assert!(metric.greater_is_better() && v <= 0.0, "{name}");
        }
    }
    assert!(!m::metric_by_name("log_loss").unwrap().greater_is_better());
    assert!(m::metric_by_name("roc_auc").unwrap().greater_is_better());
    let acc = m::metric_by_name("accuracy").unwrap().score(&cls).unwrap();
    assert_eq!(acc, 4.0 / 6.0);
    let neg = m::metric_by_name("neg_log_loss")
        .unwrap()
        .score(&cls)
        .unwrap();
    let pos = m::metric_by_name("log_loss").unwrap().score(&cls).unwrap();
    assert_eq!(neg, -pos);
}

#[test]
fn unknown_names_suggest_close_ones() {
    let e = m::metric_by_name("f1_makro").unwrap_err().to_string();
    assert!(
        e.contains("unknown metric `f1_makro`") && e.contains("f1_macro"),
        "{e}"
    );
    let e = m::metric_by_name("zzzzqqq").unwrap_err().to_string();
    assert!(e.contains("known metrics") && e.contains("roc_auc"), "{e}");
}

#[test]
fn weighted_combinations_parse_and_score() {
    let t = array![0usize, 1, 1, 0, 1];
    let p = array![0usize, 1, 0, 1, 1];
    let input = EvalInput::labels(t.view(), p.view(), 2);
    let combo = m::metric_by_name("0.7*recall+0.3*precision").unwrap();
    let r = m::metric_by_name("recall").unwrap().score(&input).unwrap();
    let pr = m::metric_by_name("precision")
        .unwrap()
        .score(&input)
        .unwrap();
    assert_eq!(combo.score(&input).unwrap(), 0.7 * r + 0.3 * pr);
    assert!(combo.greater_is_better());
    assert!(combo.needs().labels);
    // A loss with a negative weight pulls the same way as a score.
    // A score with a negative weight pulls against another score: rejected.
    let e = m::metric_by_name("accuracy - 0.5*mcc*2")
        .unwrap_err()
        .to_string();
    assert!(e.contains("different directions"), "{e}");
    let ok = m::metric_by_name("f1 - 0.1*log_loss").unwrap();
    assert!(ok.greater_is_better());
    for bad in [
        "0.5*",
        "0.5*f1*recall",
        "0.5*nope+f1",
        "f1 + log_loss",
        "2*",
        "*f1",
        "abc*f1",
    ] {
        let e = m::metric_by_name(bad);
        assert!(
            matches!(e, Err(Error::InvalidParameter { .. })),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn cost_matrix_and_class_weights() {
    let e = m::CostMatrix::new(array![[0.0, 1.0, 2.0], [1.0, 0.0, 3.0]], 3).unwrap_err();
    assert!(e.to_string().contains("must be 3 × 3"), "{e}");
    assert!(m::CostMatrix::new(array![[0.0, f64::NAN], [1.0, 0.0]], 2).is_err());
    let costs = m::CostMatrix::new(array![[0.0, 1.0], [10.0, 0.0]], 2).unwrap();
    let t = array![0usize, 1, 1, 0];
    let p = array![1usize, 0, 1, 0];
    // Costs: 1 (false positive) + 10 (false negative) over 4 samples.
    assert_eq!(
        costs.expected_cost(t.view(), p.view(), None).unwrap(),
        11.0 / 4.0
    );
    let metric = m::ExpectedCost { matrix: costs };
    assert!(!metric.greater_is_better());
    let input = EvalInput::labels(t.view(), p.view(), 2);
    assert_eq!(metric.score(&input).unwrap(), 2.75);
    // Class weights multiply sample weights by the weight of the true class.
    let acc =
        m::ClassWeighted::new(m::metric_by_name("accuracy").unwrap(), vec![1.0, 3.0]).unwrap();
    let w = array![1.0, 3.0, 3.0, 1.0];
    let direct = m::accuracy(t.view(), p.view(), 2, Some(w.view())).unwrap();
    assert_eq!(acc.score(&input).unwrap(), direct);
    assert!(
        m::ClassWeighted::new(m::metric_by_name("accuracy").unwrap(), vec![-1.0, 1.0]).is_err()
    );
    let wrong = m::ClassWeighted::new(m::metric_by_name("accuracy").unwrap(), vec![1.0]).unwrap();
    assert!(wrong.score(&input).is_err());
}

#[test]
fn thresholds_maximise_and_serialise() {
    let t = array![0usize, 0, 1, 0, 1, 1, 1, 0];
    let s = array![0.1, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.2];
    let f1 = m::metric_by_name("f1").unwrap();
    let best = m::best_threshold(t.view(), s.view(), f1.as_ref(), None).unwrap();
    // Threshold 0.4: predictions 0.4, 0.5, 0.6, 0.7, 0.8 -> tp 4, fp 1, fn 0 -> F1 = 8/9.
    assert_eq!(best.threshold, 0.4);
    assert!((best.value - 8.0 / 9.0).abs() < 1e-15);
    assert_eq!(best.predict(s.view()), array![0usize, 0, 1, 1, 1, 1, 1, 0]);
    let json = serde_json::to_string(&best).unwrap();
    let back: m::DecisionThreshold = serde_json::from_str(&json).unwrap();
    assert_eq!(back, best);
    // A false negative costing 100 pushes the threshold down until every positive is caught.
    let costs = m::CostMatrix::new(array![[0.0, 1.0], [100.0, 0.0]], 2).unwrap();
    let cheap = m::min_cost_threshold(t.view(), s.view(), &costs, None).unwrap();
    assert_eq!(cheap.threshold, 0.4);
    assert_eq!(cheap.value, 1.0 / 8.0);
    // "Never class 1" is an infinite threshold, which JSON cannot hold as a number.
    let never = m::DecisionThreshold {
        threshold: f64::INFINITY,
        value: 0.5,
        metric: "accuracy".into(),
        greater_is_better: true,
    };
    let json = serde_json::to_string(&never).unwrap();
    assert!(json.contains("\"inf\""), "{json}");
    let back: m::DecisionThreshold = serde_json::from_str(&json).unwrap();
    assert_eq!(back, never);
    assert_eq!(never.predict(s.view()).sum(), 0);
    let bytes = postcard::to_allocvec(&never).unwrap();
    assert_eq!(
        postcard::from_bytes::<m::DecisionThreshold>(&bytes).unwrap(),
        never
    );
    let costs3 = m::CostMatrix::new(ndarray::Array2::zeros((3, 3)), 3).unwrap();
    assert!(m::min_cost_threshold(t.view(), s.view(), &costs3, None).is_err());
    let bad = array![0usize, 2, 1, 0, 1, 1, 1, 0];
    assert!(m::best_threshold(bad.view(), s.view(), f1.as_ref(), None).is_err());
}

#[test]
fn hand_computed_values() {
    let t = array![0usize, 0, 1, 1];
    let s = array![0.1, 0.4, 0.35, 0.8];
    assert_eq!(m::roc_auc(t.view(), s.view(), 1, None).unwrap(), 0.75);
    let ap = m::average_precision(t.view(), s.view(), 1, None).unwrap();
    assert!((ap - (0.5 * 1.0 + 0.5 * 2.0 / 3.0)).abs() < 1e-15);
    let roc = m::roc_curve(t.view(), s.view(), 1, true, None).unwrap();
    assert_eq!(roc.thresholds, vec![f64::INFINITY, 0.8, 0.4, 0.35, 0.1]);
    assert_eq!(roc.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
    assert_eq!(roc.tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
    let cm = m::confusion_matrix(
        array![0usize, 1, 2, 2].view(),
        array![0usize, 2, 2, 1].view(),
        3,
        m::Normalize::None,
        None,
    )
    .unwrap();
    assert_eq!(
        cm,
        array![[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0]]
    );
    let y = array![3.0, -0.5, 2.0, 7.0];
    let p = array![2.5, 0.0, 2.0, 8.0];
    assert_eq!(
        m::mean_squared_error(y.view(), p.view(), None).unwrap(),
        0.375
    );
    assert_eq!(
        m::mean_absolute_error(y.view(), p.view(), None).unwrap(),
        0.5
    );
    assert_eq!(m::max_error(y.view(), p.view()).unwrap(), 1.0);
    assert!(
        (m::r2_score(y.view(), p.view(), None).unwrap() - 0.948_608_137_044_967_9).abs() < 1e-15
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let t = array![0usize, 1, 1];
    let short = array![0usize, 1];
    let nan = array![0.1, f64::NAN, 0.3];
    let s = array![0.1, 0.2, 0.3];
    assert!(matches!(
        m::accuracy(t.view(), short.view(), 2, None),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(m::accuracy(t.view(), array![0usize, 5, 1].view(), 2, None).is_err());
    assert!(
        m::accuracy(
            Array1::<usize>::zeros(0).view(),
            Array1::<usize>::zeros(0).view(),
            2,
            None
        )
        .is_err()
    );
    assert!(m::roc_auc(t.view(), nan.view(), 1, None).is_err());
    assert!(m::roc_auc(array![1usize, 1, 1].view(), s.view(), 1, None).is_err());
    assert!(m::roc_auc(t.view(), s.view(), 1, Some(array![1.0, -1.0, 1.0].view())).is_err());
    assert!(m::roc_auc(t.view(), s.view(), 1, Some(array![0.0, 0.0, 0.0].view())).is_err());
    assert!(m::log_loss_binary(t.view(), array![0.1, 1.2, 0.5].view(), None).is_err());
    assert!(m::log_loss_binary(array![0usize, 2, 1].view(), s.view(), None).is_err());
    assert!(m::log_loss(t.view(), array![[0.5, 0.5]].view(), None).is_err());
    assert!(m::brier_score_binary(array![0usize, 1, 2].view(), s.view(), 1, None).is_err());
    assert!(
        m::f1(
            array![0usize, 1, 2].view(),
            array![0usize, 1, 2].view(),
            3,
            m::Average::Binary { pos_label: 1 },
            m::ZeroDivision::Warn,
            None
        )
        .is_err()
    );
    assert!(
        m::f1(
            t.view(),
            t.view(),
            2,
            m::Average::Macro,
            m::ZeroDivision::Warn,
            None
        )
        .is_ok()
    );
    assert!(
        m::fbeta(
            t.view(),
            t.view(),
            2,
            -1.0,
            m::Average::Macro,
            m::ZeroDivision::Warn,
            None
        )
        .is_err()
    );
    assert!(
        m::top_k_accuracy(
            t.view(),
            array![[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]].view(),
            0,
            None
        )
        .is_err()
    );
    assert!(
        m::roc_auc_ovr(
            t.view(),
            array![[0.5, 0.6], [0.5, 0.5], [0.5, 0.5]].view(),
            m::ClassAverage::Macro,
            None
        )
        .is_err()
    );
    assert!(
        m::roc_auc_ovo(
            t.view(),
            array![[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]].view(),
            m::ClassAverage::Micro
        )
        .is_err()
    );
}

#[test]
fn bad_regression_and_registry_input_is_an_error() {
    let t = array![0usize, 1, 1];
    let nan = array![0.1, f64::NAN, 0.3];
    let s = array![0.1, 0.2, 0.3];
    assert!(m::mean_tweedie_deviance(s.view(), s.view(), 0.5, None).is_err());
    assert!(m::mean_tweedie_deviance(s.view(), array![0.1, 0.0, 0.2].view(), 1.0, None).is_err());
    assert!(m::r2_score(array![1.0].view(), array![1.0].view(), None).is_err());
    assert!(m::mean_squared_error(s.view(), nan.view(), None).is_err());
    assert!(m::auc(&[0.0, 1.0, 0.5], &[0.0, 1.0, 1.0]).is_err());
    let reg = EvalInput::regression(s.view(), s.view());
    assert!(m::metric_by_name("accuracy").unwrap().score(&reg).is_err());
    let cls = EvalInput::labels(t.view(), t.view(), 2);
    assert!(m::metric_by_name("roc_auc").unwrap().score(&cls).is_err());
    assert!(m::metric_by_name("r2").unwrap().score(&cls).is_err());
}

/// Large inputs take the parallel sort and parallel pairwise sums: check them against
/// independent computations and across thread counts.
#[test]
fn large_inputs_match_independent_computations() {
    use satori_core::rng::{RngExt, rng};
    let n = 300_000;
    let mut r = rng(7);
    let y: Array1<usize> = (0..n)
        .map(|_| usize::from(r.random::<f64>() < 0.3))
        .collect();
    // Two decimals: many ties.
    let s: Array1<f64> = y.mapv(|c| ((r.random::<f64>() + 0.3 * c as f64) * 100.0).round() / 100.0);
    let p: Array1<f64> = s.mapv(|v| v / 1.3);
    // Mann-Whitney: AUC = P(score_pos > score_neg) + P(equal) / 2, by counting per distinct score.
    let mut neg_at = std::collections::BTreeMap::<i64, f64>::new();
    let mut pos_at = std::collections::BTreeMap::<i64, f64>::new();
    for (c, v) in y.iter().zip(s.iter()) {
        let key = (v * 100.0).round() as i64;
        *if *c == 1 {
            pos_at.entry(key)
        } else {
            neg_at.entry(key)
        }
        .or_default() += 1.0;
    }
    let (n_pos, n_neg) = (pos_at.values().sum::<f64>(), neg_at.values().sum::<f64>());
    let mut below = 0.0;
    let mut u = 0.0;
    let keys: std::collections::BTreeSet<i64> =
        neg_at.keys().chain(pos_at.keys()).copied().collect();
    for key in keys {
        let (np, nn) = (
            pos_at.get(&key).copied().unwrap_or(0.0),
            neg_at.get(&key).copied().unwrap_or(0.0),
        );
        u += np * (below + nn / 2.0);
        below += nn;
    }
    let expected = u / (n_pos * n_neg);
    let got = m::roc_auc(y.view(), s.view(), 1, None).unwrap();
    assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    // The weighted path (stable sort on (score, index)) with unit weights agrees.
    let ones = Array1::from_elem(n, 1.0);
    let gw = m::roc_auc(y.view(), s.view(), 1, Some(ones.view())).unwrap();
    assert!((gw - got).abs() < 1e-12);
    let ap = m::average_precision(y.view(), s.view(), 1, None).unwrap();
    let apw = m::average_precision(y.view(), s.view(), 1, Some(ones.view())).unwrap();
    assert!(
        (ap - apw).abs() < 1e-12 && ap > 0.3 && ap < 1.0,
        "{ap} {apw}"
    );
    // Log loss: same bits on one thread and on four; close to a naive sum.
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| m::log_loss_binary(y.view(), p.view(), None).unwrap())
    };
    let (one, four) = (on(1), on(4));
    assert_eq!(one.to_bits(), four.to_bits());
    let naive: f64 = y
        .iter()
        .zip(p.iter())
        .map(|(&c, &q)| {
            let q = q.clamp(f64::EPSILON, 1.0 - f64::EPSILON);
            -(if c == 1 { q } else { 1.0 - q }).ln()
        })
        .sum::<f64>()
        / n as f64;
    assert!((one - naive).abs() < 1e-10 * naive, "{one} vs {naive}");
    let auc_one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| m::roc_auc(y.view(), s.view(), 1, None).unwrap());
    assert_eq!(auc_one.to_bits(), got.to_bits());
}
