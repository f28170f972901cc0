//! Properties of the statistics and the models on random inputs.

use ndarray::{Array1, Array2};
use proptest::prelude::*;
use satori_baseline::stats::{median, pairwise_sum, percentile_linear, weighted_percentile};
use satori_baseline::{DummyRegressorParams, RegressorStrategy};
use satori_core::{Dataset, Estimator, Predictor, Target};

proptest! {
    /// With integer weights the weighted percentile is the inverted-CDF percentile of the values
    /// repeated by their weights: the ⌈r·N⌉-th smallest (the first for r = 0).
    #[test]
    fn integer_weights_are_repetitions(
        rows in prop::collection::vec((-50i32..50, 0u32..4), 1..40),
        r in prop::sample::select(vec![0.0, 25.0, 50.0, 75.0, 100.0]),
    ) {
        let y: Vec<f64> = rows.iter().map(|(v, _)| *v as f64).collect();
        let w: Vec<f64> = rows.iter().map(|(_, w)| *w as f64).collect();
        let mut repeated: Vec<f64> = rows
            .iter()
            .flat_map(|(v, w)| std::iter::repeat_n(*v as f64, *w as usize))
            .collect();
        repeated.sort_by(f64::total_cmp);
        let got = weighted_percentile(&y, &w, r);
        if repeated.is_empty() {
            prop_assert_eq!(got, None);
        } else {
            let n = repeated.len() as f64;
            let k = ((r / 100.0 * n).ceil() as usize).max(1) - 1;
            prop_assert_eq!(got, Some(repeated[k]));
        }
    }

    /// Integer-valued floats sum exactly, in any grouping.
    #[test]
    fn pairwise_sum_is_exact_on_integers(v in prop::collection::vec(-1_000_000i64..1_000_000, 0..600)) {
        let f: Vec<f64> = v.iter().map(|&x| x as f64).collect();
        prop_assert_eq!(pairwise_sum(&f), v.iter().sum::<i64>() as f64);
    }

    /// Percentiles lie within the data, grow with q, and do not depend on the input order.
    #[test]
    fn percentiles_are_monotone_and_bounded(
        mut y in prop::collection::vec(-1e6f64..1e6, 1..60),
        a in 0.0f64..=100.0,
        b in 0.0f64..=100.0,
    ) {
        let (lo, hi) = (a.min(b), a.max(b));
        let p_lo = percentile_linear(&y, lo).unwrap();
        let p_hi = percentile_linear(&y, hi).unwrap();
        let min = y.iter().copied().fold(f64::INFINITY, f64::min);
        let max = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        prop_assert!(min <= p_lo && p_lo <= p_hi && p_hi <= max, "{} {} {} {}", min, p_lo, p_hi, max);
        let m = median(&y).unwrap();
        prop_assert!(min <= m && m <= max);
        y.reverse();
        prop_assert_eq!(percentile_linear(&y, lo), Some(p_lo));
        prop_assert_eq!(median(&y), Some(m));
    }

    /// Any finite target and weights give a finite constant within the data for the median and
    /// quantile strategies, and predicting with any column count never panics.
    #[test]
    fn regressor_is_total(
        rows in prop::collection::vec((-1e9f64..1e9, 0.0f64..10.0), 1..30),
        q in 0.0f64..=1.0,
        cols in 0usize..4,
    ) {
        let y: Array1<f64> = rows.iter().map(|r| r.0).collect();
        let w: Array1<f64> = rows.iter().map(|r| r.1).collect();
        let n = y.len();
        let mut data = Dataset::new(Array2::zeros((n, 2)), vec!["a".into(), "b".into()])
            .unwrap()
            .with_target(Target::regression(y.clone()))
            .unwrap();
        if w.iter().any(|v| *v > 0.0) {
            data = data.with_weights(w).unwrap();
        }
        let min = y.iter().copied().fold(f64::INFINITY, f64::min);
        let max = y.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for strategy in [RegressorStrategy::Median, RegressorStrategy::Quantile, RegressorStrategy::Mean] {
            let params = DummyRegressorParams { strategy, quantile: Some(q), constant: None };
            let model = params.fit(&data).unwrap();
            let c = model.constant();
            // The weighted mean may round just outside the data.
            let slack = if strategy == RegressorStrategy::Mean { 1e-6 * (1.0 + max.abs().max(min.abs())) } else { 0.0 };
            prop_assert!(min - slack <= c && c <= max + slack, "{:?}: {} not in [{}, {}]", strategy, c, min, max);
            let out = model.predict(Array2::zeros((3, cols)).view());
            prop_assert_eq!(out.is_ok(), cols == 2);
        }
    }
}
