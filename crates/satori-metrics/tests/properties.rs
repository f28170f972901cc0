//! Property tests: permutation invariance, bounds, invariance to scaling all weights, integer
//! weights equal repeated rows, and the one-pass threshold search equals brute force.

use ndarray::Array1;
use proptest::prelude::*;
use satori_metrics as m;

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan())
        || a == b
        || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
        || (a - b).abs() <= 1e-14
}

/// A binary data set: (label, predicted label, score rounded to create ties, probability,
/// regression truth, regression prediction, integer weight 1..=3).
type Row = (usize, usize, f64, f64, f64, f64, u32);

fn rows() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (
            0usize..2,
            0usize..2,
            0u32..20,
            0.0f64..1.0,
            -5.0f64..5.0,
            -5.0f64..5.0,
            1u32..4,
        )
            .prop_map(|(t, p, s, q, yt, yp, w)| (t, p, f64::from(s) / 10.0, q, yt, yp, w)),
        4..60,
    )
    .prop_filter("both classes in truth and predictions", |r| {
        r.iter().any(|x| x.0 == 1) && r.iter().any(|x| x.0 == 0)
    })
}

/// Every metric under test, on rows with the given weights.
fn all_metrics(rows: &[Row], w: Option<&[f64]>) -> Vec<(&'static str, satori_core::Result<f64>)> {
    let t: Array1<usize> = rows.iter().map(|r| r.0).collect();
    let p: Array1<usize> = rows.iter().map(|r| r.1).collect();
    let s: Array1<f64> = rows.iter().map(|r| r.2).collect();
    let q: Array1<f64> = rows.iter().map(|r| r.3).collect();
    let yt: Array1<f64> = rows.iter().map(|r| r.4).collect();
    let yp: Array1<f64> = rows.iter().map(|r| r.5).collect();
    let w = w.map(|w| Array1::from(w.to_vec()));
    let wv = w.as_ref().map(|w| w.view());
    let (t, p, s, q) = (t.view(), p.view(), s.view(), q.view());
    let zd = m::ZeroDivision::Warn;
    vec![
        ("accuracy", m::accuracy(t, p, 2, wv)),
        (
            "balanced_accuracy",
            m::balanced_accuracy(t, p, 2, false, wv),
        ),
        ("f1_macro", m::f1(t, p, 2, m::Average::Macro, zd, wv)),
        (
            "f1_binary",
            m::f1(t, p, 2, m::Average::Binary { pos_label: 1 }, zd, wv),
        ),
        (
            "precision_weighted",
            m::precision(t, p, 2, m::Average::Weighted, zd, wv),
        ),
        ("mcc", m::matthews_corrcoef(t, p, 2, wv)),
        (
            "kappa",
            m::cohen_kappa(t, p, 2, m::KappaWeights::Unweighted, wv),
        ),
        ("roc_auc", m::roc_auc(t, s, 1, wv)),
        ("average_precision", m::average_precision(t, s, 1, wv)),
        ("log_loss", m::log_loss_binary(t, q, wv)),
        ("brier", m::brier_score_binary(t, q, 1, wv)),
        ("mse", m::mean_squared_error(yt.view(), yp.view(), wv)),
        ("mae", m::mean_absolute_error(yt.view(), yp.view(), wv)),
        ("medae", m::median_absolute_error(yt.view(), yp.view(), wv)),
        ("r2", m::r2_score(yt.view(), yp.view(), wv)),
        (
            "explained_variance",
            m::explained_variance(yt.view(), yp.view(), wv),
        ),
    ]
}

fn same(
    a: &[(&str, satori_core::Result<f64>)],
    b: &[(&str, satori_core::Result<f64>)],
) -> Result<(), TestCaseError> {
    for ((name, x), (_, y)) in a.iter().zip(b) {
        match (x, y) {
            (Ok(x), Ok(y)) => prop_assert!(close(*x, *y), "{name}: {x} vs {y}"),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "{name}: {x:?} vs {y:?}"),
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn permutation_invariance(rows in rows(), seed in 0u64..1000) {
        let mut shuffled = rows.clone();
        satori_core::rng::shuffle(&mut shuffled, &mut satori_core::rng::rng(seed));
        let w: Vec<f64> = rows.iter().map(|r| f64::from(r.6) * 0.37).collect();
        let ws: Vec<f64> = shuffled.iter().map(|r| f64::from(r.6) * 0.37).collect();
        same(&all_metrics(&rows, None), &all_metrics(&shuffled, None))?;
        same(&all_metrics(&rows, Some(&w)), &all_metrics(&shuffled, Some(&ws)))?;
    }

    #[test]
    fn bounds(rows in rows()) {
        for (name, v) in all_metrics(&rows, None) {
            let Ok(v) = v else { continue };
            let ok = match name {
                "mcc" | "kappa" => (-1.0..=1.0).contains(&v),
                "log_loss" | "mse" | "mae" | "medae" | "brier" => v >= 0.0,
                "r2" | "explained_variance" => v <= 1.0,
                _ => (0.0..=1.0).contains(&v),
            };
            prop_assert!(ok, "{name} = {v} out of bounds");
        }
    }

    #[test]
    fn scaling_all_weights_changes_nothing(rows in rows(), scale in 0.001f64..1000.0, exp in -20i32..20) {
        let w: Vec<f64> = rows.iter().map(|r| f64::from(r.6)).collect();
        // Any scale: scikit-learn's weighted median compares a cumulative weight with an
        // absolute epsilon, so it is not scale invariant and satori mirrors that; leave it out.
        let ws: Vec<f64> = w.iter().map(|x| x * scale).collect();
        let keep = |v: Vec<(&'static str, satori_core::Result<f64>)>| {
            v.into_iter().filter(|(n, _)| *n != "medae").collect::<Vec<_>>()
        };
        same(&keep(all_metrics(&rows, Some(&w))), &keep(all_metrics(&rows, Some(&ws))))?;
        // Powers of two scale exactly: every metric, medae included, is unchanged.
        let ws: Vec<f64> = w.iter().map(|x| x * 2f64.powi(exp)).collect();
        same(&all_metrics(&rows, Some(&w)), &all_metrics(&rows, Some(&ws)))?;
    }

    #[test]
    fn integer_weights_equal_repeated_rows(rows in rows()) {
        let w: Vec<f64> = rows.iter().map(|r| f64::from(r.6)).collect();
        let repeated: Vec<Row> = rows
            .iter()
            .flat_map(|r| std::iter::repeat_n(*r, r.6 as usize))
            .collect();
        same(&all_metrics(&rows, Some(&w)), &all_metrics(&repeated, None))?;
    }

    #[test]
    fn threshold_search_equals_brute_force(rows in rows(), weighted in any::<bool>()) {
        let t: Array1<usize> = rows.iter().map(|r| r.0).collect();
        let s: Array1<f64> = rows.iter().map(|r| r.2).collect();
        let w: Option<Array1<f64>> = weighted.then(|| rows.iter().map(|r| f64::from(r.6)).collect());
        let costs = m::CostMatrix::new(ndarray::array![[0.0, 1.0], [5.0, 0.0]], 2).unwrap();
        let metrics: Vec<Box<dyn m::Metric>> = vec![
            m::metric_by_name("f1").unwrap(),
            m::metric_by_name("mcc").unwrap(),
            m::metric_by_name("balanced_accuracy").unwrap(),
            m::metric_by_name("0.7*recall+0.3*precision").unwrap(),
            Box::new(m::ExpectedCost { matrix: costs }),
        ];
        for metric in &metrics {
            let found = m::best_threshold(t.view(), s.view(), metric.as_ref(), w.as_ref().map(|w| w.view())).unwrap();
            // Brute force: score every candidate threshold on predicted labels.
            let mut cands: Vec<f64> = s.to_vec();
            cands.push(f64::INFINITY);
            cands.sort_by(|a, b| b.total_cmp(a));
            cands.dedup();
            let gib = metric.greater_is_better();
            let mut best: Option<f64> = None;
            for thr in cands {
                let pred: Array1<usize> = s.mapv(|v| usize::from(v >= thr));
                let mut input = m::EvalInput::labels(t.view(), pred.view(), 2);
                input.sample_weight = w.as_ref().map(|w| w.view());
                let Ok(v) = metric.score(&input) else { continue };
                if v.is_nan() { continue; }
                best = Some(match best { None => v, Some(b) => if gib { b.max(v) } else { b.min(v) } });
            }
            let best = best.unwrap();
            prop_assert!(close(found.value, best), "{}: {} vs {}", metric.name(), found.value, best);
            let pred = found.predict(s.view());
            let mut input = m::EvalInput::labels(t.view(), pred.view(), 2);
            input.sample_weight = w.as_ref().map(|w| w.view());
            prop_assert!(close(metric.score(&input).unwrap(), found.value));
        }
    }
}
