//! Permutation importance and partial dependence against scikit-learn 1.9.1
//! (tests/golden/explain_global, written by its generate.py), to 1e-9.
//!
//! The models are scikit-learn's LinearRegression and LogisticRegression (binary and
//! multiclass) with their fitted coefficients stored: this test computes `X·coef + intercept`
//! (with the logistic or softmax link) itself, so both sides explain the same function.
//! Permutation importance is fed scikit-learn's own row orders (the generator reproduces its
//! RandomState calls), so the shuffled data are identical too.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use satori_core::{Target, Task};
use satori_explain::pdp::feature_grid;
use satori_explain::{PermutationParams, partial_dependence_by, permutation_importance_matrix};
use satori_metrics::metric_by_name;
use satori_pipeline::Predictions;
use satori_testkit::golden;
use serde_json::Value;

struct Model {
    kind: String,
    coef: Array2<f64>,
    intercept: Vec<f64>,
}

impl Model {
    fn load(v: &Value) -> Model {
        Model {
            kind: v["kind"].as_str().unwrap().to_string(),
            coef: golden::f64_matrix(v, "/coef"),
            intercept: golden::f64_vec(v, "/intercept"),
        }
    }

    fn decision(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut z = x.dot(&self.coef.t());
        for mut row in z.rows_mut() {
            for (k, v) in row.iter_mut().enumerate() {
                *v += self.intercept[k];
            }
        }
        z
    }

    /// What scikit-learn's response methods give: `predict` for regression, `predict_proba`
    /// for classifiers.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Predictions {
        let z = self.decision(x);
        match self.kind.as_str() {
            "linear" => Predictions {
                task: Task::Regression,
                values: z.column(0).to_owned(),
                classes: None,
                proba: None,
            },
            "binary" => {
                let p1 = z.column(0).mapv(|v| 1.0 / (1.0 + (-v).exp()));
                let proba = ndarray::stack![Axis(1), p1.mapv(|p| 1.0 - p), p1];
                Predictions {
                    task: Task::Binary,
                    values: z.column(0).mapv(|v| if v > 0.0 { 1.0 } else { 0.0 }),
                    classes: Some(vec!["0".into(), "1".into()]),
                    proba: Some(proba),
                }
            }
            _ => {
                let mut proba = z.clone();
                let mut values = Array1::zeros(z.nrows());
                for (i, mut row) in proba.rows_mut().into_iter().enumerate() {
                    let max = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
                    let mut best = 0;
                    for (k, v) in z.row(i).iter().enumerate() {
                        if *v > z[[i, best]] {
                            best = k;
                        }
                    }
                    values[i] = best as f64;
                    row.mapv_inplace(|v| (v - max).exp());
                    let s = row.sum();
                    row.mapv_inplace(|v| v / s);
                }
                Predictions {
                    task: Task::Multiclass,
                    values,
                    classes: Some((0..z.ncols()).map(|k| k.to_string()).collect()),
                    proba: Some(proba),
                }
            }
        }
    }

    fn response(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let p = self.predict(x);
        match self.kind.as_str() {
            "linear" => p.values.insert_axis(Axis(1)),
            "binary" => p.proba.unwrap().column(1).to_owned().insert_axis(Axis(1)),
            _ => p.proba.unwrap(),
        }
    }

    fn truth(&self, y: &[f64]) -> Target {
        match self.kind.as_str() {
            "linear" => Target::regression(Array1::from(y.to_vec())),
            "binary" => Target::classes(
                y.iter().map(|v| *v as usize).collect(),
                vec!["0".into(), "1".into()],
            )
            .unwrap(),
            _ => Target::classes(
                y.iter().map(|v| *v as usize).collect(),
                (0..self.coef.nrows()).map(|k| k.to_string()).collect(),
            )
            .unwrap(),
        }
    }
}

#[test]
fn permutation_importance_equals_scikit_learn() {
    let g = golden::load("explain_global");
    let x = golden::f64_matrix(&g, "/X");
    let cases = g["importance"].as_array().unwrap();
    assert!(cases.len() >= 7);
    for case in cases {
        let name = case["model"].as_str().unwrap();
        let model = Model::load(&g["models"][name]);
        let truth = model.truth(&golden::f64_vec(&g["models"][name], "/y"));
        let scoring = case["scoring"].as_str().unwrap();
        let metric = metric_by_name(scoring).unwrap();
        let n_repeats = case["n_repeats"].as_u64().unwrap() as usize;
        let perms: Vec<Vec<Vec<usize>>> = case["permutations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c.as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        r.as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v.as_u64().unwrap() as usize)
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let orders = |j: usize, r: usize| perms[j][r].clone();
        let params = PermutationParams { n_repeats, seed: 0 };
        let imp = permutation_importance_matrix(
            |xv| Ok(model.predict(xv)),
            x.view(),
            &truth,
            metric.as_ref(),
            &params,
            Some(&orders),
        )
        .unwrap();
        let what = format!("{name} {scoring}");
        golden::assert_close(
            &format!("{what} mean"),
            &imp.mean,
            &golden::f64_vec(case, "/importances_mean"),
            0.0,
            1e-9,
        );
        golden::assert_close(
            &format!("{what} std"),
            &imp.std,
            &golden::f64_vec(case, "/importances_std"),
            0.0,
            1e-9,
        );
        let raw = golden::f64_matrix(case, "/importances");
        golden::assert_close(
            &format!("{what} raw"),
            imp.raw.as_slice().unwrap(),
            raw.as_slice().unwrap(),
            0.0,
            1e-9,
        );
    }
}

#[test]
fn partial_dependence_equals_scikit_learn() {
    let g = golden::load("explain_global");
    let x = golden::f64_matrix(&g, "/X");
    let cases = g["pdp"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let name = case["model"].as_str().unwrap();
        let model = Model::load(&g["models"][name]);
        let features: Vec<usize> = golden::usize_vec(case, "/features");
        let categorical: Vec<bool> = case["categorical"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_bool().unwrap())
            .collect();
        let res = case["grid_resolution"].as_u64().unwrap() as usize;
        let pct = golden::f64_vec(case, "/percentiles");
        let grid: Vec<Vec<f64>> = features
            .iter()
            .zip(&categorical)
            .map(|(&f, &c)| feature_grid(&x.column(f).to_vec(), c, res, (pct[0], pct[1])).unwrap())
            .collect();
        let what = format!("{name} {features:?}");
        for (k, g_want) in case["grid"].as_array().unwrap().iter().enumerate() {
            let want: Vec<f64> = g_want
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            golden::assert_close(&format!("{what} grid {k}"), &grid[k], &want, 0.0, 1e-12);
        }
        let (average, individual) = partial_dependence_by(&grid, true, |point| {
            let mut xe = x.clone();
            for (&f, &v) in features.iter().zip(point) {
                xe.column_mut(f).fill(v);
            }
            Ok(model.response(xe.view()))
        })
        .unwrap();
        let individual = individual.unwrap();
        // scikit-learn's shapes: average (outputs, g1[, g2]); individual (outputs, rows, g1[, g2]).
        golden::assert_close(
            &format!("{what} average"),
            average.as_slice().unwrap(),
            &golden::f64_vec(case, "/average"),
            0.0,
            1e-9,
        );
        golden::assert_close(
            &format!("{what} individual"),
            individual.as_slice().unwrap(),
            &golden::f64_vec(case, "/individual"),
            0.0,
            1e-9,
        );
    }
}
