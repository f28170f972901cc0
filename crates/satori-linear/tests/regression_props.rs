//! Properties of the regression solvers on random data: optimality conditions that hold
//! whatever the data.

use ndarray::{Array1, Array2};
use proptest::prelude::*;
use satori_core::{Dataset, Estimator, Predictor, Target};
use satori_linear::{ElasticNetParams, LinearRegressionParams, RidgeParams};

fn data(n: usize, p: usize, values: &[f64]) -> (Array2<f64>, Array1<f64>, Dataset) {
    let x = Array2::from_shape_fn((n, p), |(i, j)| {
        values[(i * p + j) % values.len()] + (i * j) as f64 * 0.01
    });
    let y = Array1::from_shape_fn(n, |i| values[(i * 7 + 3) % values.len()] * 2.0 - x[[i, 0]]);
    let names = (0..p).map(|j| format!("f{j}")).collect();
    let d = Dataset::new(x.clone(), names)
        .unwrap()
        .with_target(Target::regression(y.clone()))
        .unwrap();
    (x, y, d)
}

/// `Xᵀ r` with `r = y − prediction`, and the residual sum.
fn xt_residual(x: &Array2<f64>, y: &Array1<f64>, pred: &Array1<f64>) -> (Array1<f64>, f64) {
    let r = y - pred;
    (x.t().dot(&r), r.sum())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Least squares: the residual is orthogonal to every column and sums to zero.
    #[test]
    fn least_squares_normal_equations(
        n in 8usize..40, p in 1usize..6,
        values in prop::collection::vec(-5.0f64..5.0, 16..64),
    ) {
        prop_assume!(n > p + 1);
        let (x, y, d) = data(n, p, &values);
        let m = LinearRegressionParams::default().fit(&d).unwrap();
        let pred = m.predict(x.view()).unwrap();
        let (g, s) = xt_residual(&x, &y, &pred);
        let scale = 1.0 + x.iter().map(|v| v.abs()).fold(0.0, f64::max).powi(2) * n as f64
            * (1.0 + y.iter().map(|v| v.abs()).fold(0.0, f64::max));
        prop_assert!(s.abs() <= 1e-9 * scale, "sum {s}");
        for v in g {
            prop_assert!(v.abs() <= 1e-7 * scale, "Xᵀr {v}");
        }
    }

    /// Ridge: `Xᵀr = α w` (the gradient of the objective vanishes).
    #[test]
    fn ridge_stationarity(
        n in 4usize..30, p in 1usize..8, alpha in 0.01f64..10.0,
        values in prop::collection::vec(-5.0f64..5.0, 16..64),
    ) {
        let (x, y, d) = data(n, p, &values);
        let m = RidgeParams { alpha, ..Default::default() }.fit(&d).unwrap();
        let pred = m.predict(x.view()).unwrap();
        let (g, s) = xt_residual(&x, &y, &pred);
        let scale = 1.0 + g.iter().map(|v| v.abs()).fold(0.0, f64::max) + alpha;
        prop_assert!(s.abs() <= 1e-8 * scale * n as f64);
        for (gj, wj) in g.iter().zip(m.coef()) {
            prop_assert!((gj - alpha * wj).abs() <= 1e-7 * scale, "{gj} vs {}", alpha * wj);
        }
    }

    /// Elastic net at a tight tolerance: the KKT conditions of the objective.
    #[test]
    fn elastic_net_kkt(
        n in 6usize..40, p in 1usize..6, alpha in 0.01f64..1.0, l1_ratio in 0.1f64..1.0,
        values in prop::collection::vec(-5.0f64..5.0, 16..64),
    ) {
        let (x, y, d) = data(n, p, &values);
        let m = ElasticNetParams { alpha, l1_ratio, tol: 1e-14, max_iter: 100_000, ..Default::default() }
            .fit(&d)
            .unwrap();
        prop_assume!(m.converged());
        let pred = m.predict(x.view()).unwrap();
        let (g, _) = xt_residual(&x, &y, &pred);
        let l1 = alpha * l1_ratio;
        let l2 = alpha * (1.0 - l1_ratio);
        let tol = 1e-5 * (1.0 + y.iter().map(|v| v.abs()).fold(0.0, f64::max));
        for (gj, wj) in g.iter().zip(m.coef()) {
            let grad = gj / n as f64 - l2 * wj; // must equal l1·sign(w), or lie in [-l1, l1] at 0
            if *wj == 0.0 {
                prop_assert!(grad.abs() <= l1 + tol, "{grad} vs {l1}");
            } else {
                prop_assert!((grad - l1 * wj.signum()).abs() <= tol, "{grad} vs {}", l1 * wj.signum());
            }
        }
    }
}
