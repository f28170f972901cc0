//! A constructed explanation report input (importances, 1-D and 2-D partial dependence with ICE,
//! SHAP values of a known additive model), shared by the explain report's tests and the
//! `explain_report` example that the headless-browser check renders.

use ndarray::{Array2, Array3};
use satori_explain::{Explanation, Importances, Method, OutputSpace, PartialDependence};

/// A small deterministic generator (no dependency on the crate's internals).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn importances() -> Importances {
    let columns: Vec<String> = ["bmi", "s5", "bp", "age", "sex"].map(String::from).to_vec();
    let mean = vec![0.21, 0.17, 0.06, 0.001, -0.004];
    let std = vec![0.02, 0.015, 0.01, 0.002, 0.003];
    let raw = Array2::from_shape_fn((5, 3), |(j, r)| mean[j] + (r as f64 - 1.0) * std[j]);
    Importances {
        method: "permutation".into(),
        metric: "r2".into(),
        greater_is_better: true,
        baseline: 0.48,
        columns,
        mean,
        std,
        raw,
    }
}

pub fn pdp_1d() -> PartialDependence {
    let grid: Vec<f64> = (0..30).map(|i| 18.0 + i as f64 * 0.6).collect();
    let rows = 40;
    let individual = Array3::from_shape_fn((1, rows, grid.len()), |(_, i, p)| {
        100.0 + 9.0 * (grid[p] - 18.0) + i as f64 * 1.5 - (i % 3) as f64 * 0.2 * grid[p]
    });
    let average = individual.mean_axis(ndarray::Axis(1)).unwrap();
    PartialDependence {
        columns: vec!["bmi".into()],
        grid: vec![grid],
        grid_labels: vec![None],
        outputs: vec!["value".into()],
        average,
        individual: Some(individual),
    }
}

pub fn pdp_2d() -> PartialDependence {
    let g0: Vec<f64> = (0..12).map(|i| 30.0 + i as f64 * 2.0).collect();
    let g1 = vec![0.0, 1.0, 2.0];
    let average = Array2::from_shape_fn((2, 36), |(k, p)| {
        let (a, b) = (p / 3, p % 3);
        let z = (g0[a] - 45.0) / 5.0 + b as f64 * 0.7;
        let p1 = 1.0 / (1.0 + (-z).exp());
        if k == 0 { 1.0 - p1 } else { p1 }
    });
    PartialDependence {
        columns: vec!["bill_length_mm".into(), "island".into()],
        grid: vec![g0, g1],
        grid_labels: vec![
            None,
            Some(vec!["Biscoe".into(), "Dream".into(), "Torgersen".into()]),
        ],
        outputs: vec!["Adelie".into(), "Gentoo".into()],
        average,
        individual: None,
    }
}

/// SHAP values of `f(x) = 3·a − 2·b + a·c` (the interaction makes `c` colour `a`'s dependence):
/// exact for the linear terms, and the interaction split evenly, so additivity holds.
pub fn explanation() -> Explanation {
    let n = 120;
    let mut rng = Lcg(7);
    let data = Array2::from_shape_fn((n, 4), |(_, j)| {
        let u = rng.uniform();
        if j == 3 {
            (u * 3.0).floor()
        } else {
            u * 4.0 - 2.0
        }
    });
    let mean = |j: usize| data.column(j).mean().unwrap();
    let (ma, mb, mc) = (mean(0), mean(1), mean(2));
    let mut values = Array3::zeros((n, 4, 1));
    let mut raw = Array2::zeros((n, 1));
    let mac = (0..n).map(|i| data[[i, 0]] * data[[i, 2]]).sum::<f64>() / n as f64;
    let base = 3.0 * ma - 2.0 * mb + mac;
    for i in 0..n {
        let (a, b, c) = (data[[i, 0]], data[[i, 1]], data[[i, 2]]);
        let inter = a * c - mac;
        values[[i, 0, 0]] = 3.0 * (a - ma) + inter / 2.0;
        values[[i, 1, 0]] = -2.0 * (b - mb);
        values[[i, 2, 0]] = inter / 2.0;
        values[[i, 3, 0]] = 0.0;
        raw[[i, 0]] = 3.0 * a - 2.0 * b + a * c;
        let _ = mc;
    }
    Explanation {
        method: Method::Kernel,
        columns: ["a", "b", "c", "d"].map(String::from).to_vec(),
        outputs: vec!["value".into()],
        output_space: OutputSpace::Value,
        rows: (0..n).collect(),
        base_values: vec![base],
        values,
        raw_predictions: raw,
        data,
        interactions: None,
        n_evaluations: Some(2048),
    }
}
